//! The `raft-log` crate behind the [`Wal`] face.
//!
//! Only the settings both logs share are set (chunk records/bytes, cache items/bytes);
//! the rest are raft-log's defaults, as a user gets them. Notably its flush worker
//! waits up to `flush_batch_wait` (1 ms by default) for more requests before each
//! `fdatasync`, which groups pipelined flushes but delays a lone one.

use crate::wal::{Acks, LogCfg, Wal};
use raft_log::api::raft_log_writer::RaftLogWriter;
use raftwal::FlushTracker;
use std::io;
use std::path::Path;
use std::sync::Arc;

/// raftwal's [`FlushTracker`] as raft-log's flush callback, so that both logs report
/// to the same kind of waiter.
pub struct Ack(FlushTracker);

impl raft_log::Callback for Ack {
    fn send(self, res: Result<(), io::Error>) {
        let res = res.map_err(|e| raftwal::Error::Io {
            op: "raft-log flush",
            path: Default::default(),
            error: Arc::new(e),
        });
        raftwal::Callback::send(self.0, res);
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct T;

impl raft_log::Types for T {
    type LogId = (u64, u64);
    type LogPayload = String;
    type Vote = (u64, u64);
    type UserData = String;
    type Callback = Ack;

    fn log_index(id: &(u64, u64)) -> u64 {
        id.1
    }
    fn payload_size(p: &String) -> u64 {
        p.len() as u64
    }
}

pub struct RaftLogWal {
    log: raft_log::RaftLog<T>,
    acks: Acks,
}

impl Wal for RaftLogWal {
    const NAME: &'static str = "raft-log";

    fn open(dir: &Path, cfg: &LogCfg) -> Self {
        let mut config = raft_log::Config::new(dir.to_str().expect("utf-8 path"));
        config.wal.chunk_max_records = Some(cfg.chunk_max_records as usize);
        config.wal.chunk_max_size = Some(cfg.chunk_max_size as usize);
        config.log_cache_max_items = Some(cfg.cache_max_items as usize);
        config.log_cache_capacity = Some(cfg.cache_max_bytes as usize);
        let log = raft_log::RaftLog::open(Arc::new(config)).expect("raft-log: open");
        Self {
            log,
            acks: Acks::default(),
        }
    }

    fn append(&mut self, index: u64, payload: String) {
        self.log
            .append([((1, index), payload)])
            .expect("raft-log: append");
    }

    fn flush(&mut self) {
        self.log
            .flush(true, Some(Ack(self.acks.tracker.clone())))
            .expect("raft-log: flush");
    }

    fn wait_flushed(&mut self, n: usize) {
        self.acks.wait(n);
    }

    fn read(&self, from: u64, to: u64, f: &mut dyn FnMut((u64, u64), String)) {
        for r in self.log.read(from, to) {
            let (id, p) = r.expect("raft-log: read");
            f(id, p);
        }
    }

    fn settle(&mut self) {
        self.log
            .wait_worker_idle()
            .expect("raft-log: wait_worker_idle");
        self.log.drain_cache_evictable();
    }

    fn cache_misses(&self) -> Option<u64> {
        Some(self.log.stat().payload_cache_miss)
    }
}
