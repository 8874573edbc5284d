//! Regressions: what the quarantine copy of a dropped tail holds. It must hold every
//! byte the open drops (zeros inside the data included), up to the end of what it
//! could read. Found by the simulator (`raftwal-sim swarm --seeds 10000`, on its first
//! run against the rewritten recovery); the test failed before its fix.

mod common;

use common::*;
use raftwal::{RaftLog, RaftLogWriter, Storage};
use std::sync::Arc;

const CHUNK_0: &str = "00000000000000000000.wal";

/// Seeds 52, 180, 310, 349, ... (54 "synced bytes lost" and 20 "dropped without
/// quarantine" of 10,000): the quarantine copy of a torn tail trimmed its trailing
/// zeros, and the unreadable sector at its end reads as zeros, so the real zero bytes
/// of the data just before that sector were left out of the copy and lost with the cut.
#[test]
fn zeros_before_an_unreadable_sector_stay_in_the_quarantine_copy() {
    let disk = disk_512();
    let storage: Arc<dyn Storage> = Arc::new(disk.clone());
    let mut log = RaftLog::<TT>::open_with(storage.clone(), no_reservation()).unwrap();
    log.append(entries(1, 0, 3)).unwrap();
    flush_wait(&mut log).unwrap();
    let tail = log.on_disk_size();
    drop(log);
    // The last batch: a payload whose bytes up to a sector boundary are zeros (an
    // entry of NULs), then more data in the next sector.
    let file = storage.open(CHUNK_0).unwrap();
    let mut log = RaftLog::<TT>::open_with(storage.clone(), no_reservation()).unwrap();
    let nuls = "\0".repeat(1500 - tail as usize);
    log.append([((1, 3), nuls), entry(1, 4)]).unwrap();
    flush_wait(&mut log).unwrap();
    drop(log);
    let len = file.len().unwrap();
    assert!(len > 1536, "the batch reaches into the sector at 1536");
    disk.inject_latent_sector_error(CHUNK_0, 1536).unwrap();

    let log = RaftLog::<TT>::open_with(storage.clone(), no_reservation()).unwrap();
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
