//! The `raftwal` binary on log directories written by raftwal itself: healthy, torn
//! tail, a newer format version, a stray chunk file, locked, large (the progress
//! bar); exit statuses, what it prints, JSON that parses, and that nothing but
//! `repair --apply` changes a byte. `fixtures.rs` runs it on the committed compat
//! fixtures and keeps its output as snapshots.

use raftwal::{Config, Error, RaftLog, RaftLogWriter, Types, WorkerMode};
use raftwal_cli::types::{Bytes, Pairs};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::{mpsc, Arc};

mod common;

use common::{set_version, CHUNK_0};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn raftwal(args: &[&str], dir: &Path) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_raftwal"))
        .args(args)
        .arg(dir)
        .output()
        .expect("the binary runs");
    let run = Run {
        code: output.status.code().expect("an exit status"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    println!(
        "$ raftwal {} {}\n{}{}(exit {})\n",
        args.join(" "),
        dir.display(),
        run.stdout,
        run.stderr,
        run.code
    );
    run
}

/// Every file of the directory with its bytes (the LOCK too: a read-only command
/// must not create one).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, fs::read(e.path()).unwrap())
        })
        .collect()
}

fn config(dir: &Path, chunk_max_records: u64, reserve: u64) -> Arc<Config> {
    Arc::new(
        Config::new(dir)
            .with_worker_mode(WorkerMode::Manual)
            .with_chunk_max_records(chunk_max_records)
            .with_chunk_preallocate_size(reserve),
    )
}

fn flush_wait<T: Types<Callback = mpsc::SyncSender<Result<(), Error>>>>(log: &mut RaftLog<T>) {
    let (tx, rx) = mpsc::sync_channel(1);
    log.flush(Some(tx)).unwrap();
    log.wait_worker_idle();
    rx.recv().unwrap().unwrap();
}

fn entries(from: u64, to: u64) -> Vec<((u64, u64), String)> {
    (from..to).map(|i| ((1, i), format!("set x={i}"))).collect()
}

/// Three chunks (8 records each at most), vote, commit, user data, and reserved
/// space after the last batch.
fn healthy(dir: &Path) {
    let mut log = RaftLog::<Pairs>::open(config(dir, 8, 4096)).unwrap();
    log.save_vote((1, 2)).unwrap();
    log.save_user_data(Some("members=a,b,c".to_string()))
        .unwrap();
    flush_wait(&mut log);
    for batch in 0..4 {
        log.append(entries(batch * 5, batch * 5 + 5)).unwrap();
        flush_wait(&mut log);
    }
    log.commit((1, 15)).unwrap();
    flush_wait(&mut log);
}

/// 20 entries in 4 synced batches in one chunk, then the last batch cut short: a
/// torn last write. Returns where the last batch starts.
fn torn_tail(dir: &Path) -> u64 {
    let mut log = RaftLog::<Pairs>::open(config(dir, 1000, 0)).unwrap();
    log.save_vote((1, 2)).unwrap();
    let mut last_batch = 0;
    for batch in 0..4 {
        last_batch = log.on_disk_size();
        log.append(entries(batch * 5, batch * 5 + 5)).unwrap();
        flush_wait(&mut log);
    }
    let end = log.on_disk_size();
    drop(log);
    let file = fs::OpenOptions::new()
        .write(true)
        .open(dir.join(CHUNK_0))
        .unwrap();
    file.set_len(end - 10).unwrap();
    last_batch
}

fn parse(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON: {e}\n{stdout}"))
}

#[test]
fn a_healthy_log_exits_0_and_no_read_only_command_changes_a_byte() {
    let tmp = tempfile::tempdir().unwrap();
    healthy(tmp.path());
    let before = files(tmp.path());

    let info = raftwal(&["info"], tmp.path());
    assert_eq!(info.code, 0, "{}", info.stderr);
    for expected in [
        "format version: 2",
        CHUNK_0,
        "zeros (reserved space)",
        "vote       (1, 2)",
        "committed  (1, 15)",
        "entries    0..=19 (20)",
        "user data  14 B (encoded)",
    ] {
        assert!(
            info.stdout.contains(expected),
            "{expected:?} in\n{}",
            info.stdout
        );
    }
    let verify = raftwal(&["verify"], tmp.path());
    assert_eq!(verify.code, 0);
    assert!(verify.stdout.contains("healthy"), "{}", verify.stdout);
    assert!(verify.stdout.contains("open would change nothing"));
    let dry_run = raftwal(&["repair"], tmp.path());
    assert_eq!(dry_run.code, 0);
    assert!(
        dry_run.stdout.contains("nothing to repair"),
        "{}",
        dry_run.stdout
    );
    let dump = raftwal(&["dump"], tmp.path());
    assert_eq!(dump.code, 0);
    assert!(dump.stdout.contains("vote (1, 2)"), "{}", dump.stdout);
    assert!(dump.stdout.contains("append index 7 (1, 7): \"set x=7\""));

    assert_eq!(
        files(tmp.path()),
        before,
        "info, verify, dump and a dry run change nothing"
    );
}

#[test]
fn a_torn_tail_exits_1_the_dry_run_changes_nothing_and_apply_quarantines_it() {
    let tmp = tempfile::tempdir().unwrap();
    let last_batch = torn_tail(tmp.path());
    let before = files(tmp.path());

    let verify = raftwal(&["verify"], tmp.path());
    assert_eq!(verify.code, 1, "{}", verify.stderr);
    let problem =
        format!("problem 1: {CHUNK_0} at offset {last_batch}: batch runs past the end of the file");
    for expected in [
        problem.as_str(),
        "entries after index 14",
        "open would: copy the",
        "vote (1, 2)",
        "must catch up from the leader before it may vote again",
    ] {
        assert!(
            verify.stdout.contains(expected),
            "{expected:?} in\n{}",
            verify.stdout
        );
    }
    let dry_run = raftwal(&["repair"], tmp.path());
    assert_eq!(dry_run.code, 1);
    assert!(dry_run.stdout.contains("dry run"), "{}", dry_run.stdout);
    assert!(dry_run.stdout.contains("entries after index 14"));
    assert_eq!(
        files(tmp.path()),
        before,
        "verify and the dry run change nothing"
    );

    let apply = raftwal(&["repair", "--apply"], tmp.path());
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    let quarantine: Vec<String> = files(tmp.path())
        .into_keys()
        .filter(|name| name.starts_with("quarantine."))
        .collect();
    assert_eq!(quarantine.len(), 1, "{:?}", files(tmp.path()).keys());
    assert!(apply.stdout.contains(&quarantine[0]), "{}", apply.stdout);
    assert!(apply.stdout.contains("must catch up from the leader"));
    assert_eq!(
        fs::read(tmp.path().join(CHUNK_0)).unwrap().len() as u64,
        last_batch,
        "cut where the torn batch began"
    );

    let verify = raftwal(&["verify"], tmp.path());
    assert_eq!(verify.code, 0, "repaired: {}", verify.stdout);
    let info = raftwal(&["info"], tmp.path());
    assert!(info.stdout.contains(&quarantine[0]), "{}", info.stdout);
    assert!(
        info.stdout.contains("entries    0..=14 (15)"),
        "{}",
        info.stdout
    );
}

#[test]
fn a_newer_format_version_exits_2_as_unsupported_version_and_nothing_changes() {
    let tmp = tempfile::tempdir().unwrap();
    torn_tail(tmp.path());
    set_version(tmp.path(), CHUNK_0, 3);
    let before = files(tmp.path());

    let verify = raftwal(&["verify"], tmp.path());
    assert_eq!(verify.code, 2, "{}", verify.stderr);
    assert!(
        verify.stdout.contains("UnsupportedVersion"),
        "{}",
        verify.stdout
    );
    assert!(verify.stdout.contains("format version 3"));
    assert!(verify.stdout.contains("roll the upgrade forward"));
    let info = raftwal(&["info"], tmp.path());
    assert_eq!(info.code, 2);
    assert!(info.stdout.contains("format version 3"), "{}", info.stdout);
    let apply = raftwal(&["repair", "--apply"], tmp.path());
    assert_eq!(apply.code, 2);
    assert!(
        apply.stdout.contains("nothing was changed"),
        "{}",
        apply.stdout
    );
    assert_eq!(files(tmp.path()), before, "a refused open changes nothing");
}

#[test]
fn a_stray_empty_chunk_inside_a_chunk_exits_2_naming_both_files() {
    let tmp = tempfile::tempdir().unwrap();
    healthy(tmp.path());
    let stray = "00000000000000000100.wal";
    fs::write(tmp.path().join(stray), b"").unwrap();
    let before = files(tmp.path());

    let verify = raftwal(&["verify"], tmp.path());
    assert_eq!(verify.code, 2, "{}", verify.stderr);
    assert!(verify.stdout.contains("ChunkConflict"), "{}", verify.stdout);
    assert!(verify.stdout.contains(CHUNK_0) && verify.stdout.contains(stray));
    assert!(verify
        .stdout
        .contains(&format!("{stray} contradicts {CHUNK_0}")));
    let dry_run = raftwal(&["repair"], tmp.path());
    assert_eq!(dry_run.code, 2);
    assert!(
        dry_run.stdout.contains("repair cannot fix that"),
        "{}",
        dry_run.stdout
    );
    let apply = raftwal(&["repair", "--apply"], tmp.path());
    assert_eq!(apply.code, 2);
    assert_eq!(files(tmp.path()), before, "nothing is cut");

    fs::remove_file(tmp.path().join(stray)).unwrap();
    assert_eq!(raftwal(&["verify"], tmp.path()).code, 0);
}

#[test]
fn a_locked_log_can_be_read_but_not_repaired() {
    let tmp = tempfile::tempdir().unwrap();
    healthy(tmp.path());
    let running = RaftLog::<Pairs>::open(config(tmp.path(), 8, 4096)).unwrap();

    for command in ["info", "verify", "dump", "repair"] {
        let run = raftwal(&[command], tmp.path());
        assert_eq!(run.code, 0, "{command} takes no lock: {}", run.stderr);
    }
    let apply = raftwal(&["repair", "--apply"], tmp.path());
    assert_eq!(apply.code, 3);
    assert!(
        apply.stderr.contains("locked by a running process"),
        "{}",
        apply.stderr
    );
    assert!(
        apply
            .stderr
            .contains("info, verify, dump and repair without --apply still work"),
        "{}",
        apply.stderr
    );
    let json = raftwal(&["repair", "--apply", "--json"], tmp.path());
    assert_eq!(parse(&json.stdout)["error"]["kind"], "locked");
    drop(running);
    assert_eq!(raftwal(&["repair", "--apply"], tmp.path()).code, 0);
}

#[test]
fn json_output_parses_and_carries_the_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let last_batch = torn_tail(tmp.path());

    let info = parse(&raftwal(&["info", "--json"], tmp.path()).stdout);
    assert_eq!(info["format_version"], 2);
    assert_eq!(info["chunks"][0]["file"], CHUNK_0);
    assert_eq!(info["state"]["vote"], "(1, 2)");
    assert_eq!(
        info["state"]["last"], "(1, 14)",
        "the torn batch is not shown"
    );

    let verify = raftwal(&["verify", "--json"], tmp.path());
    assert_eq!(verify.code, 1);
    let verify = parse(&verify.stdout);
    assert_eq!(verify["status"], "damaged");
    assert_eq!(verify["exit_code"], 1);
    let problem = &verify["problems"][0];
    assert_eq!(problem["file"], CHUNK_0);
    assert_eq!(problem["offset"], last_batch);
    assert_eq!(problem["damage"], "BatchCutShort");
    assert_eq!(problem["last_index_kept"], 14);
    assert_eq!(verify["raft"]["vote_may_be_lost"], true);
    assert_eq!(verify["raft"]["must_catch_up_before_voting"], true);

    let repair = parse(&raftwal(&["repair", "--json"], tmp.path()).stdout);
    assert_eq!(repair["applied"], false);
    assert_eq!(repair["problems"][0]["quarantine_file"], Value::Null);

    let dump = raftwal(&["dump", "--json", "--from", "3", "--to", "6"], tmp.path());
    assert_eq!(dump.code, 0);
    let lines: Vec<Value> = dump.stdout.lines().map(parse).collect();
    let indexes: Vec<u64> = lines
        .iter()
        .filter(|l| l["kind"] == "append")
        .map(|l| l["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, [3, 4, 5, 6]);
    let entry = lines.iter().find(|l| l["index"] == 4).unwrap();
    assert_eq!(entry["payload"]["text"], "set x=4");
    assert_eq!(entry["file"], CHUNK_0);
    let end = lines.iter().find(|l| l["type"] == "chunk_end").unwrap();
    assert_eq!(end["stop"]["kind"], "damage");
    assert_eq!(end["stop"]["offset"], last_batch);
    assert_eq!(end["stop"]["proven_synced"], false);

    let stray = tempfile::tempdir().unwrap();
    healthy(stray.path());
    fs::write(stray.path().join("00000000000000000100.wal"), b"").unwrap();
    let refused = parse(&raftwal(&["verify", "--json"], stray.path()).stdout);
    assert_eq!(refused["status"], "refused");
    assert_eq!(refused["refusal"]["kind"], "ChunkConflict");
    assert_eq!(refused["refusal"]["chunk"], CHUNK_0);
    assert_eq!(refused["refusal"]["other"], "00000000000000000100.wal");
}

#[test]
fn dump_filters_entries_and_shows_bytes_that_are_not_text_as_hex() {
    let tmp = tempfile::tempdir().unwrap();
    healthy(tmp.path());
    let dump = raftwal(
        &["dump", "--from", "5", "--to", "9", "--entries-only"],
        tmp.path(),
    );
    assert_eq!(dump.code, 0);
    let appended: Vec<&str> = dump
        .stdout
        .lines()
        .filter(|l| l.contains(" append "))
        .collect();
    assert_eq!(appended.len(), 5, "{}", dump.stdout);
    assert!(appended[0].contains("append index 5 (1, 5): \"set x=5\""));
    assert!(
        !dump.stdout.contains("vote"),
        "entries only: {}",
        dump.stdout
    );

    let bytes = tempfile::tempdir().unwrap();
    let mut log = RaftLog::<Bytes>::open(config(bytes.path(), 100, 0)).unwrap();
    log.append([((1, 0), vec![0xff, 0x00, 0x7f]), ((1, 1), b"text".to_vec())])
        .unwrap();
    flush_wait(&mut log);
    drop(log);
    let dump = raftwal(&["--types", "bytes", "dump"], bytes.path());
    assert_eq!(dump.code, 0);
    assert!(
        dump.stdout.contains("append index 0 (1, 0): hex ff007f"),
        "{}",
        dump.stdout
    );
    assert!(dump.stdout.contains("append index 1 (1, 1): \"text\""));
    let json = raftwal(
        &["--types", "bytes", "dump", "--json", "--entries-only"],
        bytes.path(),
    );
    let first = parse(json.stdout.lines().find(|l| l.contains("append")).unwrap());
    assert_eq!(first["payload"]["hex"], "ff007f");
}

#[test]
fn a_directory_that_is_not_a_log_is_named_so_and_nothing_is_created() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-log");
    for command in ["info", "verify", "dump", "repair"] {
        let run = raftwal(&[command], &missing);
        assert_eq!(run.code, 3, "{command}");
        assert!(
            run.stderr
                .contains("is not a raftwal log directory: it does not exist"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("Nothing was created"));
    }
    let apply = raftwal(&["repair", "--apply"], &missing);
    assert_eq!(apply.code, 3);
    assert!(!missing.exists(), "nothing was created");

    fs::write(tmp.path().join("notes.txt"), b"hello").unwrap();
    let run = raftwal(&["repair", "--apply"], tmp.path());
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .contains("no chunk file and no LOCK: it holds 1 other file (notes.txt)"),
        "{}",
        run.stderr
    );
    assert_eq!(files(tmp.path()).len(), 1, "no LOCK, no chunk created");
    let json = raftwal(&["verify", "--json"], tmp.path());
    assert_eq!(parse(&json.stdout)["error"]["kind"], "not_a_log_directory");
}

#[test]
fn usage_errors_exit_64_and_help_tells_how_to_build_a_binary_for_other_types() {
    let bad = Command::new(env!("CARGO_BIN_EXE_raftwal"))
        .args(["verify"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(64));
    let help = Command::new(env!("CARGO_BIN_EXE_raftwal"))
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(help.status.code(), Some(0));
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(
        help.contains("raftwal_cli::run::<my_crate::MyTypes>()"),
        "{help}"
    );
    assert!(help.contains("--types"));
    assert!(help.contains("Exit status"));
}

/// A user's own types: what their five-line binary would run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Mine;

impl Types for Mine {
    type LogId = u64;
    type LogPayload = (u32, String);
    type Vote = u64;
    type UserData = ();
    type Callback = mpsc::SyncSender<Result<(), Error>>;

    fn log_index(log_id: &u64) -> u64 {
        *log_id
    }
    fn payload_size(_: &(u32, String)) -> u64 {
        1
    }
}

#[test]
fn the_library_runs_for_a_users_own_types() {
    let tmp = tempfile::tempdir().unwrap();
    let mut log = RaftLog::<Mine>::open(config(tmp.path(), 100, 0)).unwrap();
    log.save_vote(7).unwrap();
    log.append([(0, (1, "a".to_string())), (1, (2, "b".to_string()))])
        .unwrap();
    flush_wait(&mut log);
    drop(log);
    let dir = tmp.path().to_str().unwrap();
    let code = |args: &[&str]| {
        let mut all = vec!["raftwal"];
        all.extend(args);
        all.push(dir);
        format!("{:?}", raftwal_cli::run_from::<Mine, _, _>(all))
    };
    let ok = format!("{:?}", std::process::ExitCode::from(0));
    assert_eq!(code(&["verify"]), ok);
    assert_eq!(code(&["dump"]), ok);
    assert_eq!(code(&["info", "--json"]), ok);
    // The built-in `pairs` cannot decode it: open refuses (the records do not decode).
    let run = raftwal(&["verify"], tmp.path());
    assert_eq!(run.code, 2, "{}", run.stdout);
    // The vote record (@62) fails to decode inside a valid batch; the entries
    // after it in that batch do not lie before it.
    assert!(
        run.stdout
            .contains("no entry of 00000000000000000000.wal lies before the damage"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("choose the right --types"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_chunk_whose_header_is_damaged_is_dropped_whole_and_the_vote_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut log = RaftLog::<Pairs>::open(config(tmp.path(), 100, 0)).unwrap();
    log.save_vote((3, 1)).unwrap();
    flush_wait(&mut log);
    drop(log);
    let path = tmp.path().join(CHUNK_0);
    let mut bytes = fs::read(&path).unwrap();
    bytes[13] ^= 0x40; // the header's chunk id: its checksum no longer matches
    fs::write(&path, &bytes).unwrap();

    let verify = raftwal(&["verify"], tmp.path());
    assert_eq!(verify.code, 1);
    assert!(
        verify.stdout.contains("chunk header checksum mismatch"),
        "{}",
        verify.stdout
    );
    assert!(verify.stdout.contains("copy the whole file"));
    assert!(verify.stdout.contains("A whole chunk file is dropped"));
    assert!(verify.stdout.contains("the log keeps vote none"));
    let json = parse(&raftwal(&["verify", "--json"], tmp.path()).stdout);
    assert_eq!(json["raft"]["whole_chunk_dropped"], true);
    assert_eq!(json["raft"]["last_index_kept"], Value::Null);
}

/// Runs the binary as user `nobody` (when this test runs as root), or as is.
fn as_nobody(args: &[&str], dir: &Path) -> Option<Run> {
    let me = tempfile::NamedTempFile::new().unwrap();
    let root = std::os::unix::fs::MetadataExt::uid(&me.as_file().metadata().unwrap()) == 0;
    let mut command = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_raftwal"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_raftwal"))
    };
    let output = command.args(args).arg(dir).output().ok()?;
    let run = Run {
        code: output.status.code()?,
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    println!(
        "$ (as nobody) raftwal {} {}\n{}{}(exit {})\n",
        args.join(" "),
        dir.display(),
        run.stdout,
        run.stderr,
        run.code
    );
    Some(run)
}

#[test]
fn without_write_permission_the_read_only_commands_work_and_denied_reads_are_named() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("log");
    healthy(&dir);
    fs::remove_file(dir.join("LOCK")).unwrap(); // as a copy of the files would be
    let mode = |path: &Path, mode: u32| {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap()
    };
    mode(tmp.path(), 0o755);
    mode(&dir, 0o555);
    for (name, _) in files(&dir) {
        mode(&dir.join(name), 0o444);
    }
    let before = files(&dir);
    let Some(probe) = as_nobody(&["--version"], &dir) else {
        return; // no way to run as another user here
    };
    if probe.code != 0 {
        return; // `nobody` cannot run the binary where it was built
    }

    let verify = as_nobody(&["verify"], &dir).unwrap();
    assert_eq!(
        verify.code, 0,
        "read permission is enough: {}",
        verify.stderr
    );
    assert_eq!(as_nobody(&["info"], &dir).unwrap().code, 0);
    assert_eq!(as_nobody(&["dump"], &dir).unwrap().code, 0);
    let apply = as_nobody(&["repair", "--apply"], &dir).unwrap();
    assert_eq!(apply.code, 3);
    assert!(
        apply.stderr.contains("permission denied"),
        "{}",
        apply.stderr
    );
    assert_eq!(files(&dir), before, "no LOCK created, nothing changed");

    mode(&dir.join(CHUNK_0), 0o000);
    let verify = as_nobody(&["verify"], &dir).unwrap();
    assert_eq!(verify.code, 3);
    assert!(
        verify.stderr.contains(&format!(
            "permission denied: open {}",
            dir.join(CHUNK_0).display()
        )),
        "{}",
        verify.stderr
    );
    assert!(verify.stderr.contains("need only read permission"));
    mode(&dir, 0o755);
}

#[test]
fn rot_in_a_closed_chunk_exits_2_as_corrupt_with_file_offset_and_last_index_before_it() {
    let tmp = tempfile::tempdir().unwrap();
    healthy(tmp.path());
    // A bit flipped in the payload of entry 5 ("set x=5", record @240, in the batch
    // @216) of the first, closed chunk: a later chunk proves it had been synced.
    let path = tmp.path().join(CHUNK_0);
    let mut bytes = fs::read(&path).unwrap();
    bytes[252] ^= 0x01;
    fs::write(&path, &bytes).unwrap();
    let before = files(tmp.path());

    let verify = raftwal(&["verify"], tmp.path());
    assert_eq!(verify.code, 2, "{}", verify.stderr);
    assert!(
        verify.stdout.contains("error (Corrupt)"),
        "{}",
        verify.stdout
    );
    assert!(verify
        .stdout
        .contains(&format!("chunk {CHUNK_0} at offset 216")));
    assert!(verify
        .stdout
        .contains("entries of 00000000000000000000.wal up to index 4 lie before the damage"));
    assert!(verify.stdout.contains("Look at the disk"));
    let json = parse(&raftwal(&["verify", "--json"], tmp.path()).stdout);
    assert_eq!(json["refusal"]["kind"], "Corrupt");
    assert_eq!(json["refusal"]["offset"], 216);
    assert_eq!(raftwal(&["repair", "--apply"], tmp.path()).code, 2);
    assert_eq!(files(tmp.path()), before, "a refusal changes nothing");
}

/// A log of about 17 MiB (4 KiB entries, flushed every 1 MiB): large enough for the
/// progress bar.
fn large(dir: &Path) {
    let mut log = RaftLog::<Pairs>::open(config(dir, 1 << 20, 0)).unwrap();
    log.save_vote((1, 1)).unwrap();
    for batch in 0..17u64 {
        let batch_entries: Vec<_> = (batch * 256..batch * 256 + 256)
            .map(|i| ((1, i), format!("{i:04096}")))
            .collect();
        log.append(batch_entries).unwrap();
        flush_wait(&mut log);
    }
}

#[test]
fn a_large_log_shows_no_progress_unless_standard_error_is_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    large(tmp.path());
    for args in [
        &["verify"][..],
        &["info"],
        &["repair"],
        &["verify", "--json"],
    ] {
        let run = raftwal(args, tmp.path());
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{args:?}: nothing on a pipe");
    }

    // On a terminal (a pseudo-terminal from util-linux `script`, where there is one)
    // the bar is drawn on standard error, and the report is the same.
    let command = format!(
        "{} verify {}",
        env!("CARGO_BIN_EXE_raftwal"),
        tmp.path().display()
    );
    let Ok(output) = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
    else {
        return; // no `script` here
    };
    let shown = String::from_utf8_lossy(&output.stdout);
    println!("{shown}");
    if !output.status.success() && !shown.contains("healthy") {
        return; // `script` could not make a pseudo-terminal here
    }
    assert_eq!(output.status.code(), Some(0), "{shown}");
    // The bar's first frame is drawn when it is made (later ones at most 20 times a
    // second, so what they show is not asserted).
    assert!(shown.contains("verify chunk 1/1 ["), "the bar: {shown}");
    assert!(shown.contains(" B/s"), "its rate: {shown}");
    assert!(shown.contains("/17.89 MB"), "bytes of all files: {shown}");
    assert!(shown.contains(": healthy (exit 0)"), "{shown}");
}

#[test]
fn a_symlinked_chunk_file_counts_as_a_chunk_of_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let log_dir = tmp.path().join("log");
    std::fs::create_dir(&log_dir).unwrap();
    healthy(&log_dir);
    // The chunk moved to another disk and linked back, and no LOCK file left.
    let moved = tmp.path().join("moved.wal");
    let chunk = log_dir.join(CHUNK_0);
    std::fs::rename(&chunk, &moved).unwrap();
    std::os::unix::fs::symlink(&moved, &chunk).unwrap();
    let _ = std::fs::remove_file(log_dir.join("LOCK"));
    let chunk_bytes: u64 = std::fs::read_dir(&log_dir)
        .unwrap()
        .map(|e| std::fs::metadata(e.unwrap().path()).unwrap().len())
        .sum();

    let info = raftwal(&["info", "--json"], &log_dir);
    assert_eq!(info.code, 0, "{}", info.stderr);
    let json = parse(&info.stdout);
    assert_eq!(json["other_files"], serde_json::json!([]), "{json}");
    assert_eq!(json["totals"]["chunk_files"], 3, "{json}");
    assert_eq!(json["totals"]["chunk_bytes"], chunk_bytes, "{json}");
    let verify = raftwal(&["verify"], &log_dir);
    assert_eq!(verify.code, 0, "{}", verify.stdout);
}

#[test]
fn a_chunk_named_entry_that_is_not_a_file_is_an_io_error_not_damage() {
    // The log opens every chunk-named entry: a stray directory or a dangling link
    // under a chunk's name is an I/O error naming it, for the open and for every
    // read-only command alike, never damage (a directory once read as an unreadable
    // chunk, and its presence "proved" the zeros reserved in the chunk before it
    // synced: `Corrupt`, with advice to rebuild the node).
    for make in ["directory", "dangling symlink"] {
        let tmp = tempfile::tempdir().unwrap();
        let log_dir = tmp.path().join("log");
        std::fs::create_dir(&log_dir).unwrap();
        healthy(&log_dir);
        let name = "00000000000099999999.wal";
        let odd = log_dir.join(name);
        match make {
            "directory" => std::fs::create_dir(&odd).unwrap(),
            _ => std::os::unix::fs::symlink(tmp.path().join("gone.wal"), &odd).unwrap(),
        }
        // Every name, and the bytes of those that are files.
        let snapshot_dir = |dir: &Path| -> BTreeMap<String, Option<Vec<u8>>> {
            fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap())
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, fs::read(e.path()).ok())
                })
                .collect()
        };
        let before = snapshot_dir(&log_dir);

        let opened = RaftLog::<Pairs>::open(config(&log_dir, 8, 4096));
        match opened {
            Err(Error::Io { path, .. }) => assert_eq!(path, odd, "{make}"),
            other => panic!("{make}: the open gave {:?}", other.err()),
        }
        let info = raftwal(&["info", "--json"], &log_dir);
        assert_eq!(info.code, 3, "{make}: {}{}", info.stdout, info.stderr);
        let json = parse(&info.stdout);
        assert_eq!(json["error"]["kind"], "io", "{make}: {json}");
        assert!(
            json["error"]["message"].as_str().unwrap().contains(name),
            "{make}: {json}"
        );
        let verify = raftwal(&["verify"], &log_dir);
        assert_eq!(verify.code, 3, "{make}: {}{}", verify.stdout, verify.stderr);
        assert!(
            !verify.stdout.contains("Corrupt"),
            "{make}: {}",
            verify.stdout
        );
        assert_eq!(
            snapshot_dir(&log_dir),
            before,
            "{make}: the directory changed"
        );
    }
}
