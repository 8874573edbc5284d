//! What a user sees of errors and of the config: error text that says what failed and
//! where, once (no cause printed twice by an error-chain printer), and a `Config`
//! that takes any path, non-UTF-8 bytes included.

mod common;

use common::*;
use raftwal::{Config, Error, ErrorKind, RaftLog, RaftLogWriter, Storage, WorkerMode};
use raftwal_simdisk::{FaultConfig, SimDisk};
use std::error::Error as _;
use std::sync::Arc;

/// An I/O error names the operation and the path as given, includes the OS error's
/// text, and has no `source()` (so anyhow or eyre print the OS error once).
#[test]
fn an_io_error_names_its_path_and_says_its_cause_once() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let dir = file.join("log");

    let err = Log::open(Arc::new(Config::new(&dir))).unwrap_err();
    let Error::Io { op, path, error } = &err else {
        panic!("expected an I/O error, got {err:?}");
    };
    assert_eq!(*op, "create_dir");
    assert_eq!(path, &dir);
    let text = err.to_string();
    assert_eq!(text, format!("create_dir {}: {error}", dir.display()));
    assert!(
        text.contains("not a directory"),
        "the OS error's text: {text}"
    );
    assert!(err.source().is_none(), "the cause is in the Display only");
}

/// Writes a log of three durable entries in `dir`.
fn write_three_entries(dir: &std::path::Path) {
    let mut log = Log::open(Arc::new(Config::new(dir))).unwrap();
    log.append(entries(1, 0, 3)).unwrap();
    flush_wait(&mut log).unwrap();
}

/// On the filesystem, an I/O error about a chunk file names its full path (the log
/// directory joined with the file name), from the open's recovery as from the dump.
#[test]
fn a_chunk_file_error_names_the_full_path() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("log");
    write_three_entries(&dir);
    // The next chunk's name taken by a directory: opening it for writing fails.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".wal"))
        .collect();
    assert_eq!(names, ["00000000000000000000.wal"]);
    let chunk = dir.join(&names[0]);
    std::fs::remove_file(&chunk).unwrap();
    std::fs::create_dir(&chunk).unwrap();

    let err = Log::open(Arc::new(Config::new(&dir))).unwrap_err();
    let Error::Io { op, path, .. } = &err else {
        panic!("expected an I/O error, got {err:?}");
    };
    assert_eq!(*op, "open");
    assert_eq!(path, &chunk, "the full path, not the name alone");
    assert!(
        err.to_string()
            .starts_with(&format!("open {}: ", chunk.display())),
        "{err}"
    );
}

/// A failed log's error includes the first failure's text, once, and has no source.
#[test]
fn a_failed_log_says_what_failed_first() {
    let disk = SimDisk::new(3, FaultConfig::none());
    let storage: Arc<dyn Storage> = Arc::new(disk.clone());
    let config = Arc::new(Config::new("sim").with_worker_mode(WorkerMode::Manual));
    let mut log = RaftLog::<TT>::open_with(storage, config).unwrap();
    log.append(entries(1, 0, 3)).unwrap();
    disk.set_faults(FaultConfig {
        sync_data_failure_probability: 1.0,
        ..disk.faults()
    });
    let reported = flush_wait(&mut log).unwrap_err();
    let Error::Failed { cause } = &reported else {
        panic!("expected Failed, got {reported:?}");
    };
    assert_eq!(cause.kind(), ErrorKind::Io, "{cause}");
    let first = cause.to_string();
    assert!(
        first.starts_with("sync_data 00000000000000000000.wal: "),
        "{first}"
    );
    assert_eq!(
        reported.to_string(),
        format!("the log failed earlier and must be reopened: {first}")
    );
    assert!(reported.source().is_none());

    // Every later write says the same, once.
    let later = log.append(entries(1, 3, 4)).unwrap_err();
    assert_eq!(later.to_string(), reported.to_string());
    assert!(later.source().is_none());
}

/// `Config::new` takes any `AsRef<Path>`, and a directory whose name is not UTF-8
/// is used as it is: the log lives there and reopens from there.
#[test]
fn a_non_utf8_directory_is_used_as_given() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(OsStr::from_bytes(b"log-\xff\xfe"));
    let config = Arc::new(Config::new(&dir).with_chunk_max_records(4));
    assert_eq!(config.dir, dir);
    let mut log = Log::open(config.clone()).unwrap();
    log.append(entries(1, 0, 10)).unwrap();
    log.sync().unwrap();
    drop(log);

    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![dir.file_name().unwrap().to_os_string()]);
    let chunks = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".wal")
        })
        .count();
    assert!(
        chunks >= 2,
        "10 entries in chunks of 4 records: {chunks} chunks"
    );

    let log = Log::open(config).unwrap();
    assert_eq!(read_all(&log), entries(1, 0, 10));
}

/// The setters set exactly their field, and `Config::new` leaves every limit at its
/// default.
#[test]
fn the_setters_set_their_field() {
    let config = Config::new("d")
        .with_chunk_max_records(7)
        .with_chunk_max_size(4096)
        .with_chunk_preallocate_size(0)
        .with_cache_max_items(3)
        .with_cache_max_bytes(100)
        .with_batch_max_bytes(1000)
        .with_flush_queue_max_bytes(5000)
        .with_worker_mode(WorkerMode::Manual);
    assert_eq!(
        (
            config.chunk_max_records,
            config.chunk_max_size,
            config.chunk_preallocate_size,
            config.cache_max_items,
            config.cache_max_bytes,
            config.batch_max_bytes,
            config.flush_queue_max_bytes,
        ),
        (
            Some(7),
            Some(4096),
            Some(0),
            Some(3),
            Some(100),
            Some(1000),
            Some(5000)
        )
    );
    assert_eq!(config.worker_mode, WorkerMode::Manual);
    let plain = Config::new("d");
    assert_eq!(plain.chunk_max_records(), 1 << 20);
    assert_eq!(plain.chunk_max_size(), 1 << 30);
    assert_eq!(plain.worker_mode, WorkerMode::Thread);
}

/// A chunk file moved to another disk and linked back by a symlink is part of the log:
/// the open follows the link and keeps every entry (the listing does not skip what is
/// not a regular file).
#[test]
fn a_symlinked_chunk_file_is_part_of_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("log");
    write_three_entries(&dir);
    let chunk = dir.join("00000000000000000000.wal");
    let moved = tmp.path().join("elsewhere.wal");
    std::fs::rename(&chunk, &moved).unwrap();
    std::os::unix::fs::symlink(&moved, &chunk).unwrap();

    let log = Log::open(Arc::new(Config::new(&dir))).unwrap();
    assert_eq!(log.read(0, 3).count(), 3, "{:?}", log.log_state());
}

#[test]
fn a_batch_limit_over_the_maximum_is_refused() {
    let max = raftwal::BATCH_MAX_BYTES_MAX;
    assert!(Config::new("x")
        .with_batch_max_bytes(max)
        .validate()
        .is_ok());
    let err = Config::new("x")
        .with_batch_max_bytes(max + 1)
        .validate()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    assert!(err.to_string().contains("batch_max_bytes"), "{err}");
}

/// Listing the chunks of a directory that does not exist creates nothing (it created
/// the directory and its parents, where its documentation said it requires it).
#[test]
fn listing_the_chunks_of_a_missing_directory_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a/b/log");
    let err = Log::load_chunk_ids(&Config::new(&dir)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    assert!(!tmp.path().join("a").exists(), "nothing was created");
    write_three_entries(&tmp.path().join("log"));
    assert_eq!(
        Log::load_chunk_ids(&Config::new(tmp.path().join("log"))).unwrap(),
        [0]
    );
}
