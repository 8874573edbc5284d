//! Shared test fixtures: the test types and helpers to open, flush and reopen.
#![allow(dead_code)]

use raftwal::{Config, Error, RaftLog, RaftLogWriter, Storage, WorkerMode};
use raftwal_simdisk::{FaultConfig, SimDisk};
use std::sync::mpsc;
use std::sync::Arc;

/// Defines `$name` (visibility `$vis`), the test types with callback `$callback`:
/// LogId (term, index), String payloads, Vote (term, node), String user data.
macro_rules! string_types {
    ($(#[$doc:meta])* $vis:vis $name:ident, $callback:ty) => {
        $(#[$doc])*
        #[derive(Debug, Default, Clone, PartialEq, Eq)]
        $vis struct $name;

        impl raftwal::Types for $name {
            type LogId = (u64, u64);
            type LogPayload = String;
            type Vote = (u64, u64);
            type UserData = String;
            type Callback = $callback;

            fn log_index(log_id: &(u64, u64)) -> u64 {
                log_id.1
            }

            fn payload_size(payload: &String) -> u64 {
                payload.len() as u64
            }
        }
    };
}

string_types!(
    /// The test types, reporting each flush on a channel.
    pub TT,
    mpsc::SyncSender<Result<(), Error>>
);

pub type Log = RaftLog<TT>;

pub fn entry(term: u64, index: u64) -> ((u64, u64), String) {
    ((term, index), format!("payload-{term}-{index}"))
}

pub fn entries(term: u64, from: u64, to: u64) -> Vec<((u64, u64), String)> {
    (from..to).map(|i| entry(term, i)).collect()
}

/// A small-chunk config for storage-backed tests.
pub fn small_config(mode: WorkerMode) -> Arc<Config> {
    Arc::new(
        Config::new("mem")
            .with_chunk_max_records(8)
            .with_chunk_max_size(4096)
            .with_cache_max_items(4)
            .with_cache_max_bytes(1 << 20)
            .with_worker_mode(mode),
    )
}

pub fn open(storage: &Arc<dyn Storage>, config: &Arc<Config>) -> Log {
    RaftLog::open_with(storage.clone(), config.clone()).expect("open")
}

/// Flushes and waits for the callback's outcome.
pub fn flush_wait(log: &mut Log) -> Result<(), Error> {
    let (tx, rx) = mpsc::sync_channel(1);
    log.flush(Some(tx))?;
    log.wait_worker_idle();
    rx.recv().expect("the callback is called")
}

pub fn read_all(log: &Log) -> Vec<((u64, u64), String)> {
    log.read(log.first_index(), log.log_state().next_index())
        .collect::<Result<_, _>>()
        .expect("read")
}

/// Two entries per chunk, the worker driven by hand.
pub fn two_entry_chunks() -> Arc<Config> {
    Arc::new(
        Config::new("sim")
            .with_chunk_max_records(2)
            .with_worker_mode(WorkerMode::Manual),
    )
}

pub fn open_two_entry_chunks(disk: &SimDisk) -> Result<Log, Error> {
    RaftLog::open_with(Arc::new(disk.clone()), two_entry_chunks())
}

/// Appends entries `[from, to)` of `term`, one `append` each.
pub fn append_one_by_one(log: &mut Log, term: u64, from: u64, to: u64) {
    for i in from..to {
        log.append([((term, i), format!("entry {i}"))]).unwrap();
    }
}

/// No space reserved ahead of the writes (file lengths are the bytes written), the
/// worker driven by hand.
pub fn no_reservation() -> Arc<Config> {
    Arc::new(
        Config::new("sim")
            .with_worker_mode(WorkerMode::Manual)
            .with_chunk_preallocate_size(0),
    )
}

/// A simulated disk of 512-byte sectors, no fault.
pub fn disk_512() -> SimDisk {
    SimDisk::new(
        11,
        FaultConfig {
            sector_size_bytes: 512,
            ..FaultConfig::none()
        },
    )
}
