//! Shared test fixtures: the test types and helpers to open, flush and reopen.
#![allow(dead_code)]

use raftwal::{Config, Error, RaftLog, RaftLogWriter, Storage, Types, WorkerMode};
use std::sync::mpsc;
use std::sync::Arc;

/// Test types: LogId (term, index), String payloads, Vote (term, node), String user data.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TT;

impl Types for TT {
    type LogId = (u64, u64);
    type LogPayload = String;
    type Vote = (u64, u64);
    type UserData = String;
    type Callback = mpsc::SyncSender<Result<(), Error>>;

    fn log_index(log_id: &(u64, u64)) -> u64 {
        log_id.1
    }

    fn payload_size(payload: &String) -> u64 {
        payload.len() as u64
    }
}

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
