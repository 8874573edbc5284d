//! Regressions: what the log does after a failed sync. A failed `sync_data` may drop
//! the unsynced bytes while the page cache still shows them (fsyncgate), and a failed
//! `sync_dir` leaves a removal undone: the next open must not trust what it reads, and
//! a purge must not leave a gap between chunk files. Each bug was found by the
//! simulator (`raftwal-sim swarm`) and each test failed before its fix.
//! The seeds named are those of the simulator's runs that found each bug, from the
//! single random stream it had then (before one stream per concern, `sim/src/streams.rs`):
//! they no longer replay those runs. The tests draw no simulator seed.

mod common;

use common::*;
use raftwal::{ErrorKind, RaftLog, RaftLogWriter, Storage};
use raftwal_simdisk::{FaultConfig, SimDisk};
use std::sync::Arc;

const CHUNK_0: &str = "00000000000000000000.wal";

fn fail_sync_dir() -> FaultConfig {
    FaultConfig {
        sync_dir_failure_probability: 1.0,
        ..FaultConfig::none()
    }
}

fn fail_sync_data() -> FaultConfig {
    FaultConfig {
        sync_data_failure_probability: 1.0,
        ..FaultConfig::none()
    }
}

fn short_writes() -> FaultConfig {
    FaultConfig {
        write_failure_probability: 1.0,
        short_write_probability: 1.0,
        ..FaultConfig::none()
    }
}

/// Found by `raftwal-sim swarm` (seeds 38, 64, 285, 293, 372, ... of 0..1000; seed 372
/// shrinks to 62 ops).
///
/// After a crash the last chunk holds bytes that never became durable. The open
/// replays them and calls `sync_data`, which fails (EIO) and, as on Linux, drops them
/// for good (fsyncgate); `open` returns the error. The next `open` sees the same bytes
/// in the page cache, `sync_data` now returns Ok (nothing pending), and the log
/// presents them as durable and builds on them: a power loss takes them back, and
/// with them the acknowledged writes made after the open (lost, or the open fails with
/// `Corrupt` / `ChunkGap`).
#[test]
fn bug_open_after_failed_sync_data_trusts_page_cache() {
    let disk = SimDisk::new(1, FaultConfig::none());
    let mut log = open_two_entry_chunks(&disk).unwrap();
    append_one_by_one(&mut log, 1, 0, 1);
    log.flush(None).unwrap();
    assert!(log.run_worker_step()); // the write reaches the disk; its sync does not
    drop(log);
    disk.crash();

    disk.set_faults(fail_sync_data());
    let first = open_two_entry_chunks(&disk);
    assert!(
        matches!(&first, Err(e) if e.kind() == ErrorKind::Io),
        "the open's sync_data fails"
    );
    drop(first);
    disk.set_faults(FaultConfig::none());

    let mut log = open_two_entry_chunks(&disk).unwrap();
    assert_eq!(
        log.log_state().last,
        Some((1, 0)),
        "the open shows the entry"
    );
    append_one_by_one(&mut log, 1, 1, 2);
    flush_wait(&mut log).unwrap(); // acknowledged
    drop(log);
    disk.power_loss();

    let log = open_two_entry_chunks(&disk)
        .unwrap_or_else(|e| panic!("open after the power loss failed: {e}"));
    assert_eq!(
        log.log_state().last,
        Some((1, 1)),
        "an acknowledged entry was lost"
    );
}

/// Found by `raftwal-sim swarm` after the fixes of b9a7418 (seed 1647 of 0..2000,
/// shrunk to 707 ops).
///
/// The open repairs a torn tail by cutting the last chunk to its valid end
/// (`set_len`) and syncing. If that `sync_data` fails, the cut is dropped with the rest
/// (fsyncgate): the page cache shows the cut file, the medium still holds the torn
/// bytes. The retried open sees no damage (the volatile view is clean), so it does not
/// cut again, and builds on the file; once a later chunk exists, a power loss brings
/// the torn bytes back inside a closed chunk and the open fails with `Corrupt`
/// although nothing rotted and every acknowledged write is intact.
#[test]
fn bug_failed_sync_at_open_leaves_torn_tail_on_the_medium() {
    // A disk seed whose power loss keeps the short write (a torn batch) on the medium.
    let (disk, _len) = (0..64u64)
        .find_map(|seed| {
            let disk = SimDisk::new(seed, FaultConfig::none());
            let mut log = open_two_entry_chunks(&disk).unwrap();
            append_one_by_one(&mut log, 1, 0, 3);
            flush_wait(&mut log).unwrap();
            let last_chunk = disk.file_names().last()?.clone();
            let before = disk.durable_bytes(&last_chunk)?;
            disk.set_faults(short_writes());
            log.append([((1, 3), "x".repeat(8000))]).unwrap(); // a large torn batch
            log.flush(None).unwrap();
            log.wait_worker_idle(); // the write fails after writing a prefix
            assert!(log.failure().is_some());
            drop(log);
            disk.set_faults(FaultConfig::none());
            disk.power_loss();
            // Bytes of the torn batch on the medium (over the reserved zeros or past
            // the old end).
            let after = disk.durable_bytes(&last_chunk)?;
            let zero = 0u8;
            let torn = after
                .iter()
                .zip(before.iter().chain(std::iter::repeat(&zero)))
                .filter(|(a, b)| a != b)
                .count();
            (torn > 200).then_some((disk, torn))
        })
        .expect("a seed keeps the torn write");

    disk.set_faults(fail_sync_data());
    assert!(
        open_two_entry_chunks(&disk).is_err(),
        "the repair's sync_data fails"
    );
    disk.set_faults(FaultConfig::none());

    let mut log = open_two_entry_chunks(&disk).unwrap();
    assert_eq!(log.log_state().last, Some((1, 2)));
    append_one_by_one(&mut log, 2, 3, 8); // a new chunk: the repaired one is closed now
    flush_wait(&mut log).unwrap();
    drop(log);
    disk.power_loss();

    let log = open_two_entry_chunks(&disk)
        .unwrap_or_else(|e| panic!("open after the power loss failed: {e}"));
    assert_eq!(log.log_state().last, Some((2, 7)));
}

/// Seeds 5370, 7867, 9052: an open cut a torn tail, the sync of the cut failed
/// (fsyncgate: the page cache shows the cut, the medium does not have it), and the
/// retried open trusted the short file. After the next batch and a power loss the old
/// tail came back behind it, and its batches "proved" the new tail synced: the log
/// refused to open (or lost acknowledged writes).
#[test]
fn a_cut_whose_sync_failed_is_made_durable_by_the_next_open() {
    let disk = disk_512();
    let storage: Arc<dyn Storage> = Arc::new(disk.clone());
    let mut log = RaftLog::<TT>::open_with(storage.clone(), no_reservation()).unwrap();
    let mut ends = Vec::new();
    for b in 0..4 {
        log.append(entries(1, b * 10, b * 10 + 10)).unwrap();
        flush_wait(&mut log).unwrap();
        ends.push(log.on_disk_size());
    }
    drop(log);
    // The state a failed cut leaves: the file looks cut after the second batch, the
    // medium still holds all four.
    let file = storage.open(CHUNK_0).unwrap();
    file.set_len(ends[1]).unwrap();
    disk.set_faults(FaultConfig {
        sync_data_failure_probability: 1.0,
        ..disk.faults()
    });
    assert!(file.sync_data().is_err());
    disk.set_faults(FaultConfig {
        sync_data_failure_probability: 0.0,
        ..disk.faults()
    });
    disk.crash();

    let mut log = RaftLog::<TT>::open_with(storage.clone(), no_reservation()).unwrap();
    assert_eq!(read_all(&log), entries(1, 0, 20));
    log.append([entry(1, 20)]).unwrap(); // shorter than the old third batch
    flush_wait(&mut log).unwrap();
    drop(log);
    disk.power_loss();

    let log = RaftLog::<TT>::open_with(storage, no_reservation()).expect("the log opens");
    assert_eq!(
        read_all(&log),
        entries(1, 0, 21),
        "every acknowledged entry"
    );
}

/// Found by `raftwal-sim swarm` (seeds 7, 10, 26, 51, 91, ... of 0..1000; seed 26
/// shrinks to 57 ops).
///
/// The worker removes a purge's chunks one by one and stops at the first failed
/// `sync_dir`, leaving the later ones on disk; but the log has already dropped them
/// from its chunk list, so nobody removes them. A later purge removes a newer chunk:
/// the files left are no longer contiguous and every open fails with `ChunkGap`
/// (here after a mere process crash; no data was damaged).
#[test]
fn bug_purge_after_failed_sync_dir_leaves_chunk_gap() {
    let disk = SimDisk::new(1, FaultConfig::none());
    let mut log = open_two_entry_chunks(&disk).unwrap();
    // Two entries per chunk; the open chunk holds one entry, so the purge record
    // below goes into it (no new chunk, no sync_dir but the removal's).
    append_one_by_one(&mut log, 1, 0, 11);
    flush_wait(&mut log).unwrap();
    assert_eq!(disk.file_names().len(), 6, "{:?}", disk.file_names());

    // The removal of the first purged chunk hits a failed sync_dir.
    disk.set_faults(fail_sync_dir());
    log.purge((1, 6)).unwrap();
    flush_wait(&mut log).unwrap(); // the log does not fail: the removal is best effort
    disk.set_faults(FaultConfig::none());

    // A later purge removes the chunks after those left behind.
    append_one_by_one(&mut log, 1, 11, 16);
    log.purge((1, 13)).unwrap();
    flush_wait(&mut log).unwrap();
    let files = disk.file_names();
    drop(log);
    disk.crash();

    let log = open_two_entry_chunks(&disk)
        .unwrap_or_else(|e| panic!("reopen after a crash failed: {e}; files {files:?}"));
    assert_eq!(log.log_state().purged, Some((1, 13)));
    assert_eq!(log.log_state().last, Some((1, 15)));
}
