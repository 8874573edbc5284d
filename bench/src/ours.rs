//! raftwal (this crate) behind the [`Wal`] face.

use crate::wal::Acks;
use crate::wal::{LogCfg, Wal};
use raftwal::{Config, FlushTracker, RaftLog, RaftLogWriter, Types};
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct T;

impl Types for T {
    type LogId = (u64, u64);
    type LogPayload = String;
    type Vote = (u64, u64);
    type UserData = String;
    type Callback = FlushTracker;

    fn log_index(id: &(u64, u64)) -> u64 {
        id.1
    }
    fn payload_size(p: &String) -> u64 {
        p.len() as u64
    }
}

pub struct Ours {
    log: RaftLog<T>,
    acks: Acks,
}

impl Ours {
    /// The log itself, for checks the [`Wal`] face has no method for.
    pub fn raft_log(&self) -> &RaftLog<T> {
        &self.log
    }
}

impl Wal for Ours {
    const NAME: &'static str = "raftwal";

    fn open(dir: &Path, cfg: &LogCfg) -> Self {
        let config = Config::new(dir)
            .with_chunk_max_records(cfg.chunk_max_records)
            .with_chunk_max_size(cfg.chunk_max_size)
            .with_cache_max_items(cfg.cache_max_items)
            .with_cache_max_bytes(cfg.cache_max_bytes);
        let log = RaftLog::open(Arc::new(config)).expect("raftwal: open");
        Self {
            log,
            acks: Acks::default(),
        }
    }

    fn append(&mut self, index: u64, payload: String) {
        self.log
            .append([((1, index), payload)])
            .expect("raftwal: append");
    }

    fn flush(&mut self) {
        self.log
            .flush(Some(self.acks.tracker.clone()))
            .expect("raftwal: flush");
    }

    fn wait_flushed(&mut self, n: usize) {
        self.acks.wait(n);
    }

    /// `RaftLog::sync`: the flush and its wait in one call, run on this thread when
    /// the flush worker is idle (no hand-off to the worker thread and back).
    fn sync_one(&mut self) {
        self.log.sync().expect("raftwal: sync");
    }

    fn read(&self, from: u64, to: u64, f: &mut dyn FnMut((u64, u64), String)) {
        for r in self.log.read(from, to) {
            let (id, p) = r.expect("raftwal: read");
            f(id, p);
        }
    }

    fn settle(&mut self) {
        self.log.wait_worker_idle();
        self.log.drain_cache_evictable();
    }

    fn cache_misses(&self) -> Option<u64> {
        Some(self.log.access_stat().cache_miss())
    }
}
