//! Back-pressure: a writer faster than the disk never has more than
//! `Config::flush_queue_max_bytes` queued for the flush worker, and everything it wrote
//! is durable at the end.

mod hooked;

use hooked::{Hooked, Hooks};
use raftwal::{Config, Error, MemStorage, RaftLog, RaftLogWriter, Storage, Types, WorkerMode};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct BigTypes;

impl Types for BigTypes {
    type LogId = (u64, u64);
    type LogPayload = Vec<u8>;
    type Vote = (u64, u64);
    type UserData = String;
    type Callback = mpsc::SyncSender<Result<(), Error>>;

    fn log_index(log_id: &(u64, u64)) -> u64 {
        log_id.1
    }
    fn payload_size(payload: &Vec<u8>) -> u64 {
        payload.len() as u64
    }
}

type Log = RaftLog<BigTypes>;

const MIB: u64 = 1 << 20;

/// Entry `index`'s payload: `size` bytes that say which entry they belong to.
fn payload(index: u64, size: usize) -> Vec<u8> {
    let mut bytes = vec![(index % 251) as u8; size];
    bytes[..8].copy_from_slice(&index.to_le_bytes());
    bytes
}

fn config(mode: WorkerMode, limit: Option<u64>) -> Arc<Config> {
    let mut config = Config::new("mem").with_worker_mode(mode);
    config.flush_queue_max_bytes = limit;
    Arc::new(config)
}

fn flush_wait(log: &mut Log) {
    let (tx, rx) = mpsc::sync_channel(1);
    log.flush(Some(tx)).unwrap();
    log.wait_worker_idle();
    rx.recv().unwrap().unwrap();
}

/// Reopens the log and checks every entry of `count` payloads of `size` bytes.
fn check_all_durable(storage: &Arc<dyn Storage>, count: u64, size: usize) {
    let log = Log::open_with(storage.clone(), config(WorkerMode::Manual, None)).unwrap();
    assert_eq!(log.log_state().next_index(), count);
    for (i, entry) in log.read(0, count).enumerate() {
        let (log_id, bytes) = entry.unwrap();
        assert_eq!(log_id, (1, i as u64));
        assert!(bytes == payload(i as u64, size), "entry {i} differs");
    }
}

/// Thread mode, the default limit (64 MiB), a disk that writes at about 500 MB/s and
/// a writer that appends 1 GiB in 1 MiB entries as fast as it can. The writer side
/// measures what the disk has not yet received after each append; the log's own
/// counter gives the peak of its queue.
#[test]
fn a_gibibyte_through_a_slow_disk_stays_under_the_queue_limit() {
    let size = MIB as usize;
    let count = 1024;
    let written = Arc::new(AtomicU64::new(0));
    let hook_written = written.clone();
    let inner: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let storage: Arc<dyn Storage> = Arc::new(Hooked::new(
        inner.clone(),
        Hooks {
            before_write: Some(Box::new(move |len| {
                std::thread::sleep(Duration::from_nanos(2 * len as u64));
                hook_written.fetch_add(len as u64, Ordering::SeqCst);
            })),
            ..Hooks::default()
        },
    ));
    let config = config(WorkerMode::Thread, None);
    let limit = config.flush_queue_max_bytes();
    assert_eq!(limit, 64 * MIB);
    let mut log = Log::open_with(storage, config.clone()).unwrap();
    let mut ahead_max = 0;
    for i in 0..count {
        let segment = log.append([((1, i), payload(i, size))]).unwrap();
        // Bytes the log accepted that the disk has not received: the queue, the
        // write in progress, and what the writer still buffers (under one batch).
        let ahead = segment.end() - written.load(Ordering::SeqCst);
        ahead_max = ahead_max.max(ahead);
        assert!(
            ahead <= limit + config.batch_max_bytes() + 2 * MIB,
            "entry {i}: {ahead} bytes ahead of the disk"
        );
    }
    flush_wait(&mut log);
    let stat = log.stat();
    assert_eq!(stat.flush_queue_bytes, 0);
    assert!(
        stat.flush_queue_peak_bytes <= limit,
        "peak {}",
        stat.flush_queue_peak_bytes
    );
    // The disk was slow enough for the limit to matter.
    assert!(
        stat.flush_queue_peak_bytes > limit / 2,
        "peak {} (ahead at most {ahead_max})",
        stat.flush_queue_peak_bytes
    );
    drop(log);
    check_all_durable(&inner, count, size);
}

/// Manual mode: nobody runs the worker, so without back-pressure the queue would hold
/// everything; with it, the writer runs the worker inline and never blocks.
#[test]
fn manual_mode_runs_the_worker_inline_instead_of_blocking() {
    let size = 256 << 10;
    let count = 1024; // 256 MiB
    let limit = 16 * MIB;
    let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let mut log = Log::open_with(storage.clone(), config(WorkerMode::Manual, Some(limit))).unwrap();
    for i in 0..count {
        log.append([((1, i), payload(i, size))]).unwrap();
        if i % 100 == 0 {
            // A flush with a batch submits too.
            let (tx, _rx) = mpsc::sync_channel(1);
            log.flush(Some(tx)).unwrap();
        }
        let stat = log.stat();
        assert!(stat.flush_queue_bytes <= limit, "entry {i}: {stat:?}");
    }
    let stat = log.stat();
    assert!(stat.flush_queue_peak_bytes <= limit, "{stat:?}");
    assert!(stat.flush_queue_peak_bytes > limit / 2, "{stat:?}");
    flush_wait(&mut log);
    drop(log);
    check_all_durable(&storage, count, size);
}

/// A single entry larger than the limit is queued once the queue is empty: it does
/// not wait forever.
#[test]
fn an_entry_larger_than_the_limit_is_queued_alone() {
    for mode in [WorkerMode::Thread, WorkerMode::Manual] {
        let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
        let mut log = Log::open_with(storage.clone(), config(mode, Some(MIB))).unwrap();
        for i in 0..4 {
            log.append([((1, i), payload(i, 3 * MIB as usize))])
                .unwrap();
        }
        flush_wait(&mut log);
        let stat = log.stat();
        assert!(stat.flush_queue_peak_bytes < 4 * MIB, "{mode:?}: {stat:?}");
        drop(log);
        check_all_durable(&storage, 4, 3 * MIB as usize);
    }
}
