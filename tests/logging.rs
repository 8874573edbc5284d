//! What the log writes to the `log` facade: an operator reads these lines, so the
//! ones the README promises are pinned here. A test logger captures every record;
//! the tests run one at a time (the logger is global) and each reads only the lines
//! of its own run.

#[macro_use]
mod common;

use common::*;
use raftwal::{Config, Error, ErrorKind, MemStorage, RaftLog, RaftLogWriter, Storage, WorkerMode};
use raftwal_simdisk::{FaultConfig, SimDisk};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// Every record logged, as (level, message).
struct Capture {
    lines: Mutex<Vec<(log::Level, String)>>,
}

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        self.lines
            .lock()
            .unwrap()
            .push((record.level(), record.args().to_string()));
    }

    fn flush(&self) {}
}

static CAPTURE: Capture = Capture {
    lines: Mutex::new(Vec::new()),
};

/// Serialises the tests of this file, installs the logger once and clears what
/// earlier tests logged.
fn capture() -> MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    static INSTALLED: OnceLock<()> = OnceLock::new();
    let guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    INSTALLED.get_or_init(|| {
        log::set_logger(&CAPTURE).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
    CAPTURE.lines.lock().unwrap().clear();
    guard
}

/// The lines logged at `level` since [`capture`].
fn lines_at(level: log::Level) -> Vec<String> {
    CAPTURE
        .lines
        .lock()
        .unwrap()
        .iter()
        .filter(|(l, _)| *l == level)
        .map(|(_, m)| m.clone())
        .collect()
}

fn manual(dir: &str) -> Arc<Config> {
    Arc::new(Config::new(dir).with_worker_mode(WorkerMode::Manual))
}

#[test]
fn a_quarantined_torn_tail_is_logged_at_warn_with_its_file_and_what_is_kept() {
    let _one = capture();
    let mem = Arc::new(MemStorage::new());
    let storage: Arc<dyn Storage> = mem.clone();
    let config = manual("mem");
    let mut log = open(&storage, &config);
    log.append(entries(1, 0, 3)).unwrap();
    flush_wait(&mut log).unwrap();
    let second = log.on_disk_size();
    log.append(entries(1, 3, 5)).unwrap();
    flush_wait(&mut log).unwrap();
    drop(log);
    let name = "00000000000000000000.wal";
    let bytes = mem.file_bytes(name).unwrap();
    mem.set_file_bytes(name, bytes[..second as usize + 10].to_vec());
    assert!(lines_at(log::Level::Warn).is_empty());

    let log = open(&storage, &config);
    let report = log.recovery_report();
    assert_eq!(report.dropped.len(), 1, "{report:?}");
    let quarantine = report.dropped[0].quarantine_file.to_string();
    let warned = lines_at(log::Level::Warn);
    assert_eq!(warned.len(), 1, "{warned:?}");
    let line = &warned[0];
    assert_eq!(*line, format!("raftwal: {}", report.dropped[0]));
    // (Its trailing zero byte is cut, not copied: quarantine copies up to the last
    // non-zero byte.)
    for part in [
        "raftwal: dropped 9 bytes of",
        name,
        &format!("from offset {second}"),
        &format!("moved to {quarantine}"),
        "the log keeps entries up to index 2",
    ] {
        assert!(line.contains(part), "{part:?} not in {line:?}");
    }
    assert!(lines_at(log::Level::Error).is_empty());
}

#[test]
fn a_foreign_file_is_logged_at_warn_and_left_alone() {
    let _one = capture();
    let mem = Arc::new(MemStorage::new());
    let storage: Arc<dyn Storage> = mem.clone();
    let config = manual("mem");
    let mut log = open(&storage, &config);
    log.append(entries(1, 0, 2)).unwrap();
    flush_wait(&mut log).unwrap();
    drop(log);
    mem.set_file_bytes("notes.txt", b"an operator's notes".to_vec());

    let log = open(&storage, &config);
    assert_eq!(read_all(&log), entries(1, 0, 2));
    assert_eq!(
        lines_at(log::Level::Warn),
        ["raftwal: ignoring foreign file \"notes.txt\" in the log directory"]
    );
    assert_eq!(
        mem.file_bytes("notes.txt").as_deref(),
        Some(&b"an operator's notes"[..])
    );
}

#[test]
fn a_failed_sync_is_logged_at_error_once_and_says_the_log_refuses_writes() {
    let _one = capture();
    let disk = SimDisk::new(7, FaultConfig::none());
    let mut log = RaftLog::open_with(Arc::new(disk.clone()), manual("sim")).unwrap();
    disk.set_faults(FaultConfig {
        sync_data_failure_probability: 1.0,
        ..FaultConfig::none()
    });
    log.append(entries(1, 0, 1)).unwrap();
    let err = flush_wait(&mut log).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Failed, "{err}");
    // A later write is refused without logging the failure again.
    assert!(log.append(entries(1, 1, 2)).is_err());
    let errors = lines_at(log::Level::Error);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("sync_data")
            && errors[0].ends_with("the log refuses writes until it is reopened"),
        "{errors:?}"
    );
}

#[test]
fn a_panicking_callback_is_logged_at_error_with_its_message() {
    let _one = capture();
    let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let mut log = RaftLog::<Panicky>::open_with(storage, manual("mem")).unwrap();
    log.append([((1, 0), "x".to_string())]).unwrap();
    log.flush(Some(Panics)).unwrap();
    log.wait_worker_idle();
    let errors = lines_at(log::Level::Error);
    assert!(
        errors
            .iter()
            .any(|l| l == "raftwal: a flush callback panicked: callback says no"),
        "{errors:?}"
    );
}

/// A callback that panics when it is told the outcome.
#[derive(Debug)]
struct Panics;

impl raftwal::Callback for Panics {
    fn send(self, _: Result<(), Error>) {
        panic!("callback says no");
    }
}

string_types!(Panicky, Panics);
