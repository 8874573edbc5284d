//! Regressions: the index of a log emptied by a truncate. A log that was never purged
//! starts at its first entry; truncated back to empty, its first index is its next
//! index, and a later purge or append must continue from there. Each bug was found by
//! the simulator (`raftwal-sim swarm`) and each test failed before its fix.
//! The seeds named are those of the simulator's runs that found each bug, from the
//! single random stream it had then (before one stream per concern, `sim/src/streams.rs`):
//! they no longer replay those runs. The tests draw no simulator seed.

mod common;

use common::*;
use raftwal::RaftLogWriter;
use raftwal_simdisk::{FaultConfig, SimDisk};

/// Found by `raftwal-sim swarm` (seeds 31, 34, ... of 0..1000; seed 31 fails at its
/// fourth op).
///
/// `RaftLog::first_index` is documented as "the index of the first entry in the log
/// (the next index when it is empty)". A log that was never purged and started at 1
/// (as openraft's does), truncated back to its first entry, is empty with no last id:
/// its next index is 0, but `first_index()` still says 1, so `first_index() >
/// next_index()` and `truncate(0)`, valid by the documented range `[first_index,
/// next_index]`, is rejected.
#[test]
fn bug_first_index_of_a_never_purged_log_truncated_to_empty() {
    let disk = SimDisk::new(1, FaultConfig::none());
    let mut log = open_two_entry_chunks(&disk).unwrap();
    append_one_by_one(&mut log, 1, 1, 3);
    log.truncate(1).unwrap();
    assert_eq!(log.log_state().last, None);
    assert_eq!(log.log_state().next_index(), 0);
    assert_eq!(log.first_index(), 0, "the next index, the log being empty");
}

/// Same root cause as the test above, found by `raftwal-sim swarm --without
/// fsync,sync-dir` (seed 76 of 0..10000).
///
/// The index keeps its old start after a never-purged log is truncated to empty. A
/// purge then sets `last` to the purged id (the log continues after it) without moving
/// the index, so the next entry is accepted at index 1 but stored as if at index 5:
/// reading it back fails with `ReadOutOfRange` (first index 5 > next index 2). Debug
/// builds panic on the engine's `debug_assert` in `LogCore::apply_append`.
#[test]
fn bug_entry_appended_after_truncate_to_empty_and_purge_is_unreadable() {
    let disk = SimDisk::new(1, FaultConfig::none());
    let mut log = open_two_entry_chunks(&disk).unwrap();
    log.append([((1, 5), "a".to_string()), ((1, 6), "b".to_string())])
        .unwrap();
    log.truncate(5).unwrap();
    log.purge((0, 0)).unwrap();
    log.append([((1, 1), "x".to_string())]).unwrap();
    let read: Vec<_> = log.read(1, 2).map(|r| r.map_err(|e| e.kind())).collect();
    assert_eq!(read, vec![Ok(((1, 1), "x".to_string()))]);
}
