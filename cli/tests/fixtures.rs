//! The `raftwal` binary on the committed compatibility fixtures
//! (`tests/compat/v2/*`), each copied to a temporary directory and, for the damaged
//! cases, changed there: healthy, torn tail, rot in a closed chunk, a stray chunk
//! file, a chunk of a newer format version. What every command prints is kept as one
//! insta snapshot per case (`snapshots/cli_fixture_*.snap`, the directory shown as
//! `DIR`), its exit status is asserted, and every command but `repair --apply` is
//! checked to change no byte of the directory: every file is hashed, and the list of
//! names compared, before and after.

mod common;

use common::set_version;
use std::collections::BTreeMap;
use std::fs;
use std::hash::Hasher as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A committed fixture of the current format version.
fn fixture(scenario: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/compat/v2")
        .join(scenario)
}

/// A copy of the fixture's files in a new temporary directory (never the fixture
/// itself: `repair --apply` changes it).
fn copy_of(scenario: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(fixture(scenario)).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), tmp.path().join(entry.file_name())).unwrap();
    }
    tmp
}

/// Every entry of the directory: its name, and for a file its length and a 64-bit
/// FNV-1a hash of its bytes (a directory shows as length `u64::MAX`).
fn fingerprint(dir: &Path) -> BTreeMap<String, (u64, u64)> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().unwrap().is_dir() {
                return (name, (u64::MAX, 0));
            }
            let bytes = fs::read(entry.path()).unwrap();
            (name, (bytes.len() as u64, fnv1a(&bytes)))
        })
        .collect()
}

struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hasher = Fnv(0xcbf2_9ce4_8422_2325);
    hasher.write(bytes);
    hasher.finish()
}

/// The commands run on every case, in order; all of them read-only.
const READ_ONLY: [&[&str]; 6] = [
    &["info"],
    &["verify"],
    &["dump"],
    &["dump", "--from", "2", "--to", "3", "--entries-only"],
    &["repair"],
    &["verify", "--json"],
];

/// A transcript of commands run on one directory, the directory written `DIR`.
struct Transcript {
    dir: PathBuf,
    text: String,
}

impl Transcript {
    fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            text: String::new(),
        }
    }

    /// Runs `raftwal ARGS DIR`, adds it to the transcript, returns its exit status.
    fn run(&mut self, args: &[&str]) -> i32 {
        let output = Command::new(env!("CARGO_BIN_EXE_raftwal"))
            .args(args)
            .arg(&self.dir)
            .output()
            .expect("the binary runs");
        let code = output.status.code().expect("an exit status");
        let dir = self.dir.display().to_string();
        let shown = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap().replace(&dir, "DIR");
        let (stdout, stderr) = (shown(output.stdout), shown(output.stderr));
        self.text
            .push_str(&format!("$ raftwal {} DIR\n{stdout}", args.join(" ")));
        if !stderr.is_empty() {
            self.text.push_str(&format!("[stderr]\n{stderr}"));
        }
        self.text.push_str(&format!("[exit {code}]\n\n"));
        code
    }

    /// Runs every read-only command: each must exit `expected` (`dump`, a raw
    /// listing, exits 0) and change no byte of the directory.
    fn run_read_only(&mut self, expected: i32) {
        let before = fingerprint(&self.dir);
        for args in READ_ONLY {
            let code = self.run(args);
            // `dump` is a raw listing and `info` a description: they exit 0 on a
            // log that open recovers, and `info` 2 on one it refuses.
            let want = match args[0] {
                "dump" => 0,
                "info" if expected == 1 => 0,
                _ => expected,
            };
            assert_eq!(code, want, "raftwal {args:?}\n{}", self.text);
            assert_eq!(
                fingerprint(&self.dir),
                before,
                "raftwal {args:?} changed the directory"
            );
        }
    }

    fn snapshot(&self, name: &str) {
        insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("cli_fixture_{name}"), self.text);
        });
    }
}

/// `repair --apply` on a log open refuses exits 2 and changes no byte of the log;
/// its lock (taken before the scan) leaves an empty LOCK file where there was none.
fn assert_refused_apply_changes_nothing(transcript: &mut Transcript) {
    let before = fingerprint(&transcript.dir);
    assert!(!before.contains_key("LOCK"), "the fixtures have no LOCK");
    assert_eq!(transcript.run(&["repair", "--apply"]), 2);
    let mut after = fingerprint(&transcript.dir);
    assert_eq!(after.remove("LOCK"), Some((0, fnv1a(b""))), "an empty LOCK");
    assert_eq!(after, before, "a refusal changes no byte of the log");
}

#[test]
fn healthy_fixtures_exit_0_and_no_command_changes_a_byte() {
    for scenario in [
        "chunks_purge_truncate",
        "user_data_and_vote",
        "reserved_space",
    ] {
        let tmp = copy_of(scenario);
        let mut transcript = Transcript::new(tmp.path());
        transcript.run_read_only(0);
        // A normal open of a healthy log drops nothing (it creates its LOCK).
        let before = fingerprint(tmp.path());
        assert_eq!(transcript.run(&["repair", "--apply"]), 0);
        let mut after = fingerprint(tmp.path());
        assert!(after.remove("LOCK").is_some(), "the open took the lock");
        assert_eq!(after, before, "nothing of the log changed");
        transcript.snapshot(&format!("healthy_{scenario}"));
    }
}

#[test]
fn the_torn_tail_fixture_exits_1_and_only_apply_quarantines_it() {
    let tmp = copy_of("torn_tail");
    let mut transcript = Transcript::new(tmp.path());
    transcript.run_read_only(1);
    assert_eq!(transcript.run(&["repair", "--apply"]), 0);
    let after = fingerprint(tmp.path());
    let quarantine: Vec<&String> = after
        .keys()
        .filter(|name| name.starts_with("quarantine."))
        .collect();
    assert_eq!(quarantine.len(), 1, "{after:?}");
    assert_eq!(
        after["00000000000000000000.wal"].0, 177,
        "cut where the torn batch began"
    );
    assert_eq!(
        after[quarantine[0]].0, 40,
        "the 40 torn bytes are kept aside"
    );
    assert_eq!(transcript.run(&["verify"]), 0, "repaired");
    assert_eq!(transcript.run(&["info"]), 0);
    transcript.snapshot("torn_tail");
}

#[test]
fn rot_in_a_closed_chunk_of_the_fixture_exits_2_as_corrupt() {
    let tmp = copy_of("chunks_purge_truncate");
    // A payload bit of entry 13 in chunk 602, closed: chunk 814 follows, so the
    // bytes had been synced.
    let path = tmp.path().join("00000000000000000602.wal");
    let mut bytes = fs::read(&path).unwrap();
    bytes[100] ^= 0x01;
    fs::write(&path, bytes).unwrap();
    let mut transcript = Transcript::new(tmp.path());
    transcript.run_read_only(2);
    assert_refused_apply_changes_nothing(&mut transcript);
    assert!(transcript.text.contains("error (Corrupt)"));
    assert!(transcript
        .text
        .contains("chunk 00000000000000000602.wal at offset 24"));
    transcript.snapshot("rot_in_a_closed_chunk");
}

#[test]
fn a_stray_chunk_file_in_the_fixture_exits_2_as_a_chunk_conflict() {
    let tmp = copy_of("chunks_purge_truncate");
    // An empty file named like a chunk starting inside chunk 188's batches.
    fs::write(tmp.path().join("00000000000000000300.wal"), b"").unwrap();
    let mut transcript = Transcript::new(tmp.path());
    transcript.run_read_only(2);
    assert_refused_apply_changes_nothing(&mut transcript);
    assert!(transcript.text.contains("ChunkConflict"));
    fs::remove_file(tmp.path().join("00000000000000000300.wal")).unwrap();
    assert_eq!(transcript.run(&["verify"]), 0, "without the stray file");
    transcript.snapshot("stray_file");
}

#[test]
fn a_newer_format_version_in_the_fixture_exits_2_as_unsupported_version() {
    let tmp = copy_of("user_data_and_vote");
    set_version(tmp.path(), "00000000000000000189.wal", 3);
    let mut transcript = Transcript::new(tmp.path());
    transcript.run_read_only(2);
    assert_refused_apply_changes_nothing(&mut transcript);
    assert!(transcript.text.contains("UnsupportedVersion"));
    assert!(transcript.text.contains("roll the upgrade forward"));
    transcript.snapshot("newer_version");
}
