//! The flush metrics in `stat().flush`: counts move with the worker's writes and
//! syncs, durations are measured with the worker on its thread and not when it is
//! driven by hand (the simulator's mode must not read a clock).

mod common;

use common::*;
use raftwal::{Distribution, MemStorage, RaftLogWriter, Storage, WorkerMode};
use std::sync::Arc;

fn ordered(d: &Distribution) {
    assert!(
        d.p50 <= d.p99 && d.p99 <= d.p999 && d.p999 <= d.max,
        "{d:?}"
    );
}

fn run(mode: WorkerMode) -> raftwal::FlushStat {
    let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let mut log = open(&storage, &small_config(mode));
    assert_eq!(
        log.stat().flush,
        Default::default(),
        "a new log has done nothing"
    );
    for i in 0..20 {
        log.append([entry(1, i)]).unwrap();
        flush_wait(&mut log).unwrap();
    }
    log.wait_worker_idle();
    let flush = log.stat().flush;
    // 20 flushed appends: at least one write and one sync each (chunks of 8 records
    // add state records and syncs at every switch), every batch written once.
    assert!(flush.writes >= 20, "{flush}");
    assert!(flush.syncs >= 20, "{flush}");
    assert!(flush.batches >= 20, "{flush}");
    assert!(
        flush.batches >= flush.writes,
        "a write holds at least one batch"
    );
    assert_eq!(flush.write_size_bytes.count, flush.writes);
    assert!(flush.write_bytes >= flush.writes * 20, "{flush}");
    assert!(flush.write_size_bytes.max <= flush.write_bytes);
    ordered(&flush.write_size_bytes);
    flush
}

#[test]
fn the_thread_mode_counts_and_times_every_write_and_sync() {
    let flush = run(WorkerMode::Thread);
    assert_eq!(flush.write_latency_us.count, flush.writes, "{flush}");
    assert_eq!(flush.sync_latency_us.count, flush.syncs, "{flush}");
    assert_eq!(flush.queue_wait_us.count, flush.writes, "{flush}");
    ordered(&flush.write_latency_us);
    ordered(&flush.sync_latency_us);
    ordered(&flush.queue_wait_us);
    let text = flush.to_string();
    assert!(text.contains("sync latency (us)"), "{text}");
}

#[test]
fn the_manual_mode_counts_but_reads_no_clock() {
    let flush = run(WorkerMode::Manual);
    assert_eq!(flush.write_latency_us, Distribution::default(), "{flush}");
    assert_eq!(flush.sync_latency_us, Distribution::default(), "{flush}");
    assert_eq!(flush.queue_wait_us, Distribution::default(), "{flush}");
}

/// Same ops, same counts: the counts are part of the deterministic behaviour.
#[test]
fn the_manual_mode_counts_are_deterministic() {
    assert_eq!(run(WorkerMode::Manual), run(WorkerMode::Manual));
}
