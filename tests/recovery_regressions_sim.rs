//! Recovery bugs the simulator found in the rewritten recovery (`raftwal-sim swarm
//! --seeds 10000` on its first run against it), each as a small deterministic test
//! that failed before its fix.

mod common;

use common::*;
use raftwal::{Config, RaftLog, RaftLogWriter, Storage, WorkerMode};
use raftwal_simdisk::{FaultConfig, SimDisk};
use std::sync::Arc;

const CHUNK_0: &str = "00000000000000000000.wal";

fn config() -> Arc<Config> {
    Arc::new(
        Config::new("sim")
            .with_worker_mode(WorkerMode::Manual)
            .with_chunk_preallocate_size(0),
    )
}

fn disk_512() -> SimDisk {
    SimDisk::new(
        11,
        FaultConfig {
            sector_size_bytes: 512,
            ..FaultConfig::none()
        },
    )
}

/// Seeds 52, 180, 310, 349, ... (54 "synced bytes lost" and 20 "dropped without
/// quarantine" of 10,000): the quarantine copy of a torn tail trimmed its trailing
/// zeros, and the unreadable sector at its end reads as zeros, so the real zero bytes
/// of the data just before that sector were left out of the copy and lost with the cut.
#[test]
fn zeros_before_an_unreadable_sector_stay_in_the_quarantine_copy() {
    let disk = disk_512();
    let storage: Arc<dyn Storage> = Arc::new(disk.clone());
    let mut log = RaftLog::<TT>::open_with(storage.clone(), config()).unwrap();
    log.append(entries(1, 0, 3)).unwrap();
    flush_wait(&mut log).unwrap();
    let tail = log.on_disk_size();
    drop(log);
    // The last batch: a payload whose bytes up to a sector boundary are zeros (an
    // entry of NULs), then more data in the next sector.
    let file = storage.open(CHUNK_0).unwrap();
    let mut log = RaftLog::<TT>::open_with(storage.clone(), config()).unwrap();
    let nuls = "\0".repeat(1500 - tail as usize);
    log.append([((1, 3), nuls), entry(1, 4)]).unwrap();
    flush_wait(&mut log).unwrap();
    drop(log);
    let len = file.len().unwrap();
    assert!(len > 1536, "the batch reaches into the sector at 1536");
    disk.inject_latent_sector_error(CHUNK_0, 1536).unwrap();

    let log = RaftLog::<TT>::open_with(storage.clone(), config()).unwrap();
    assert_eq!(
        read_all(&log),
        entries(1, 0, 3),
        "the last batch is unreadable"
    );
    let dropped = &log.recovery_report().dropped[0];
    assert_eq!(dropped.offset, tail);
    assert_eq!(
        dropped.size_bytes,
        len.min(2048) - tail,
        "the copy runs to the end of the unreadable sector, zeros included"
    );
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
    let mut log = RaftLog::<TT>::open_with(storage.clone(), config()).unwrap();
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

    let mut log = RaftLog::<TT>::open_with(storage.clone(), config()).unwrap();
    assert_eq!(read_all(&log), entries(1, 0, 20));
    log.append([entry(1, 20)]).unwrap(); // shorter than the old third batch
    flush_wait(&mut log).unwrap();
    drop(log);
    disk.power_loss();

    let log = RaftLog::<TT>::open_with(storage, config()).expect("the log opens");
    assert_eq!(
        read_all(&log),
        entries(1, 0, 21),
        "every acknowledged entry"
    );
}
