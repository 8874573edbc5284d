//! Recovery on the real filesystem from what operators, backups and upgrades leave
//! behind (issue 9, cases 1-3 and 5): open refuses with a typed error and touches
//! nothing, or it moves what it drops into the quarantine and says so.

mod common;

use common::*;
use raftwal::{
    Config, DamageKind, Error, ErrorKind, QuarantineFile, RaftLog, RaftLogWriter, Storage,
    WorkerMode,
};
use raftwal_simdisk::{FaultConfig, SimDisk};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::Arc;

fn config(dir: &Path) -> Arc<Config> {
    Arc::new(
        Config::new(dir)
            .with_worker_mode(WorkerMode::Manual)
            .with_chunk_preallocate_size(0),
    )
}

/// Every file of the directory but the lock, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != "LOCK")
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, fs::read(e.path()).unwrap())
        })
        .collect()
}

const CHUNK_0: &str = "00000000000000000000.wal";

/// 20 acknowledged entries in 4 synced batches, in one chunk.
fn twenty_entries(dir: &Path) {
    let mut log = Log::open(config(dir)).unwrap();
    for batch in 0..4 {
        log.append(entries(1, batch * 5, batch * 5 + 5)).unwrap();
        flush_wait(&mut log).unwrap();
    }
}

#[test]
fn a_stray_empty_chunk_file_inside_a_chunk_is_refused_and_nothing_is_cut() {
    let tmp = tempfile::tempdir().unwrap();
    twenty_entries(tmp.path());
    let stray = "00000000000000000100.wal";
    fs::write(tmp.path().join(stray), b"").unwrap();
    let before = files(tmp.path());

    let err = Log::open(config(tmp.path())).map(|_| ()).unwrap_err();
    let Error::ChunkConflict { chunk, other, .. } = &err else {
        panic!("expected ChunkConflict, got {err}");
    };
    assert_eq!((chunk.as_str(), other.as_str()), (CHUNK_0, stray), "{err}");
    assert_eq!(files(tmp.path()), before, "a refused open changes nothing");

    fs::remove_file(tmp.path().join(stray)).unwrap();
    let log = Log::open(config(tmp.path())).unwrap();
    assert_eq!(
        read_all(&log),
        entries(1, 0, 20),
        "every acknowledged entry"
    );
}

/// Rewrites the version field of chunk 0's header (bytes 8..12) with a valid checksum.
fn set_version(dir: &Path, version: u32) {
    let path = dir.join(CHUNK_0);
    let mut bytes = fs::read(&path).unwrap();
    bytes[8..12].copy_from_slice(&version.to_le_bytes());
    let crc = crc32fast::hash(&bytes[..20]);
    bytes[20..24].copy_from_slice(&crc.to_le_bytes());
    fs::write(&path, bytes).unwrap();
}

#[test]
fn a_chunk_of_a_newer_format_version_is_refused_as_such_and_kept() {
    for batches in [1, 4] {
        let tmp = tempfile::tempdir().unwrap();
        let mut log = Log::open(config(tmp.path())).unwrap();
        for b in 0..batches {
            log.append(entries(1, b * 5, b * 5 + 5)).unwrap();
            flush_wait(&mut log).unwrap();
        }
        drop(log);
        set_version(tmp.path(), 3);
        let before = files(tmp.path());

        let err = Log::open(config(tmp.path())).map(|_| ()).unwrap_err();
        assert!(
            matches!(&err, Error::UnsupportedVersion { chunk, version: 3, .. } if chunk == CHUNK_0),
            "{batches} batches: {err}"
        );
        assert_eq!(files(tmp.path()), before, "a refused open changes nothing");

        set_version(tmp.path(), 2); // the upgrade rolled forward again
        let log = Log::open(config(tmp.path())).unwrap();
        assert_eq!(read_all(&log), entries(1, 0, batches * 5));
    }
}

/// The only chunk holds one synced batch with the vote; `damage` spoils its header.
fn vote_only_chunk_with(damage: impl Fn(&mut Vec<u8>)) {
    let tmp = tempfile::tempdir().unwrap();
    let mut log = Log::open(config(tmp.path())).unwrap();
    log.save_vote((3, 1)).unwrap();
    flush_wait(&mut log).unwrap();
    drop(log);
    let path = tmp.path().join(CHUNK_0);
    let mut bytes = fs::read(&path).unwrap();
    damage(&mut bytes);
    fs::write(&path, &bytes).unwrap();

    let log = Log::open(config(tmp.path())).unwrap();
    assert_eq!(log.log_state().vote, None, "the chunk cannot be used");
    let report = log.recovery_report();
    assert_eq!(report.dropped.len(), 1, "{report:?}");
    let dropped = report.dropped[0].clone();
    assert_eq!(dropped.chunk, CHUNK_0);
    assert_eq!(dropped.offset, 0);
    assert_eq!(dropped.last_index_kept, None);
    // Trailing zeros are not copied: the quarantine file's length says where they began.
    let kept = bytes.len() - bytes.iter().rev().take_while(|&&b| b == 0).count();
    bytes.truncate(kept);
    assert_eq!(log.stat().quarantined_bytes, bytes.len() as u64);
    let q = QuarantineFile::parse(&dropped.quarantine_file).expect("a quarantine name");
    assert_eq!((q.chunk_id, q.offset_bytes), (0, 0));
    assert_eq!(
        fs::read(tmp.path().join(&dropped.quarantine_file)).unwrap(),
        bytes,
        "every byte is kept aside"
    );
    assert!(!path.exists(), "the unusable chunk is out of the log");
    drop(log);
    // The quarantine stays, and a reopen is clean.
    let log = Log::open(config(tmp.path())).unwrap();
    assert!(log.recovery_report().dropped_nothing());
    assert!(tmp.path().join(&dropped.quarantine_file).exists());
}

#[test]
fn the_only_chunk_with_a_damaged_header_is_quarantined_and_reported() {
    vote_only_chunk_with(|bytes| bytes[13] ^= 0x40);
}

#[test]
fn the_only_chunk_cut_inside_its_header_is_quarantined_and_reported() {
    vote_only_chunk_with(|bytes| bytes.truncate(10));
}

#[test]
fn a_torn_tail_is_moved_to_the_quarantine_before_the_cut() {
    let tmp = tempfile::tempdir().unwrap();
    twenty_entries(tmp.path());
    let path = tmp.path().join(CHUNK_0);
    let mut bytes = fs::read(&path).unwrap();
    let valid = bytes.len();
    bytes.extend_from_slice(&[0xAB; 300]); // a torn write after the last batch
    fs::write(&path, &bytes).unwrap();

    let log = Log::open(config(tmp.path())).unwrap();
    assert_eq!(read_all(&log), entries(1, 0, 20));
    let dropped = &log.recovery_report().dropped;
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].offset, valid as u64);
    assert_eq!(dropped[0].damage, DamageKind::BatchHeader);
    assert_eq!(dropped[0].last_index_kept, Some(19));
    assert_eq!(
        fs::read(tmp.path().join(&dropped[0].quarantine_file)).unwrap(),
        vec![0xAB; 300]
    );
    assert_eq!(fs::read(&path).unwrap().len(), valid, "the chunk is cut");
}

#[test]
fn trailing_zeros_are_garbage_cut_or_kept_without_quarantine() {
    let tmp = tempfile::tempdir().unwrap();
    twenty_entries(tmp.path());
    let path = tmp.path().join(CHUNK_0);
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend_from_slice(&[0; 4096]);
    fs::write(&path, &bytes).unwrap();
    let log = Log::open(config(tmp.path())).unwrap();
    assert_eq!(read_all(&log), entries(1, 0, 20));
    assert!(log.recovery_report().dropped_nothing());
    assert_eq!(files(tmp.path()).len(), 1, "no quarantine file");
}

/// A fault-free simulated disk with 512-byte sectors, and an exact config for it.
fn sim_disk_512() -> (SimDisk, Arc<dyn Storage>, Arc<Config>) {
    let disk = SimDisk::new(
        3,
        FaultConfig {
            sector_size_bytes: 512,
            ..FaultConfig::none()
        },
    );
    let storage: Arc<dyn Storage> = Arc::new(disk.clone());
    let config = Arc::new(
        Config::new("sim")
            .with_worker_mode(WorkerMode::Manual)
            .with_chunk_preallocate_size(0),
    );
    (disk, storage, config)
}

#[test]
fn a_latent_sector_error_in_an_unproven_tail_is_a_torn_tail_and_the_log_opens() {
    let (disk, storage, config) = sim_disk_512();
    let mut log = RaftLog::<TT>::open_with(storage.clone(), config.clone()).unwrap();
    log.append(entries(1, 0, 5)).unwrap();
    flush_wait(&mut log).unwrap();
    let tail = log.on_disk_size();
    log.append(entries(1, 5, 100)).unwrap();
    flush_wait(&mut log).unwrap();
    drop(log);
    // The second batch is the last synced write: nothing after it proves it synced,
    // so an unreadable sector in it looks exactly like a torn write.
    disk.inject_latent_sector_error(CHUNK_0, tail + 600)
        .unwrap();
    let log = RaftLog::<TT>::open_with(storage, config).unwrap();
    assert_eq!(read_all(&log), entries(1, 0, 5));
    let dropped = &log.recovery_report().dropped;
    assert_eq!(dropped.len(), 1, "{dropped:?}");
    assert_eq!(dropped[0].damage, DamageKind::Unreadable);
    assert!(dropped[0].unreadable_bytes > 0);
    assert!(disk.file_names().contains(&dropped[0].quarantine_file));
}

#[test]
fn a_latent_sector_error_in_proven_data_is_corruption_and_nothing_changes() {
    let (disk, storage, config) = sim_disk_512();
    let mut log = RaftLog::<TT>::open_with(storage.clone(), config.clone()).unwrap();
    for b in 0..4 {
        log.append(entries(1, b * 25, b * 25 + 25)).unwrap();
        flush_wait(&mut log).unwrap();
    }
    drop(log);
    // In the first batch; the later batches record it durable.
    disk.inject_latent_sector_error(CHUNK_0, 600).unwrap();
    let before = disk.file_names();
    let err = RaftLog::<TT>::open_with(storage, config)
        .map(|_| ())
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Corrupt {
                damage: DamageKind::Unreadable,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert_eq!(disk.file_names(), before);
}
