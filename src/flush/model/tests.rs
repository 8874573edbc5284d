//! The scenarios. Each runs the real queue and worker code (compiled against shuttle)
//! with a writer thread, the worker thread and sometimes a third thread, and checks:
//! every accepted flush is reported exactly once and in order; an `Ok` only once its
//! bytes were synced; no `Ok` after a failed sync; an idle wait returns only when
//! every job queued before it is done; shutdown finishes the queue; back-pressure keeps
//! the queue under its limit without deadlock; `FlushTracker` waits wake up.

use super::metrics::Clock;
use super::shared::{BatchBytes, Shared, BUF_CAPACITY_INITIAL_BYTES};
use super::thread::FlushThread;
use super::tracker::FlushTracker;
use super::worker::Worker;
use crate::config::Config;
use crate::error::{Error, ErrorKind};
use crate::format::{self, BatchHeader, RecordKind, BATCH_HEADER_SIZE};
use crate::storage::{MemStorage, Storage, StorageFile};
use crate::types::{Callback, Types};
use shuttle::scheduler::{PctScheduler, RandomScheduler};
use std::any::Any;
use std::collections::BTreeMap;
use std::io;
// Bookkeeping of the test itself: std primitives, never held across a scheduling
// point, so they add no interleavings of their own.
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};

/// Schedules per scheduler (PCT, then uniform random) and scenario, by default.
const ITERATIONS_DEFAULT: usize = 2000;
/// PCT's bug depth: the number of priority changes per schedule.
const PCT_DEPTH: usize = 3;

/// Runs `scenario` under `ITERATIONS` PCT schedules and as many random ones.
fn explore(scenario: impl Fn() + Send + Sync + 'static) {
    let iterations = std::env::var("RAFTWAL_SHUTTLE_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ITERATIONS_DEFAULT);
    let scenario = Arc::new(scenario);
    let mut config = shuttle::Config::new();
    // The worker's code in a debug build needs more than shuttle's default stack.
    config.stack_size = 512 << 10;
    let run = |config: shuttle::Config,
               scheduler: Box<dyn shuttle::scheduler::Scheduler + Send>| {
        let scenario = scenario.clone();
        shuttle::Runner::new(scheduler, config).run(move || scenario());
    };
    run(
        config.clone(),
        Box::new(PctScheduler::new(PCT_DEPTH, iterations)),
    );
    run(config, Box::new(RandomScheduler::new(iterations)));
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct ModelTypes;

impl Types for ModelTypes {
    type LogId = (u64, u64);
    type LogPayload = String;
    type Vote = (u64, u64);
    type UserData = String;
    type Callback = Probe;

    fn log_index(log_id: &(u64, u64)) -> u64 {
        log_id.1
    }
    fn payload_size(payload: &String) -> u64 {
        payload.len() as u64
    }
}

/// What the disk saw: how far chunk 0 was written and synced, and which `sync_data`
/// call fails (the first failing one and every later one; 0: none).
#[derive(Default)]
struct DiskState {
    written: AtomicU64,
    synced: AtomicU64,
    syncs: AtomicU32,
    fail_sync_from: u32,
    /// The thread of each `sync_data` call, in order.
    sync_threads: StdMutex<Vec<shuttle::thread::ThreadId>>,
}

struct Disk {
    inner: MemStorage,
    state: Arc<DiskState>,
}

struct DiskFile {
    inner: Arc<dyn StorageFile>,
    state: Arc<DiskState>,
}

impl Storage for Disk {
    fn lock(&self) -> io::Result<Box<dyn Any + Send + Sync>> {
        self.inner.lock()
    }
    fn list(&self) -> io::Result<Vec<String>> {
        self.inner.list()
    }
    fn create(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        Ok(Arc::new(DiskFile {
            inner: self.inner.create(name)?,
            state: self.state.clone(),
        }))
    }
    fn open(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        self.inner.open(name)
    }
    fn remove(&self, name: &str) -> io::Result<()> {
        self.inner.remove(name)
    }
    fn sync_dir(&self) -> io::Result<()> {
        Ok(())
    }
}

impl StorageFile for DiskFile {
    fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        self.inner.write_at(offset, buf)?;
        self.state
            .written
            .fetch_max(offset + buf.len() as u64, Ordering::SeqCst);
        Ok(())
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.inner.read_at(offset, buf)
    }
    fn len(&self) -> io::Result<u64> {
        self.inner.len()
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        self.inner.set_len(len)
    }
    fn sync_data(&self) -> io::Result<()> {
        self.state
            .sync_threads
            .lock()
            .unwrap()
            .push(shuttle::thread::current().id());
        let n = self.state.syncs.fetch_add(1, Ordering::SeqCst) + 1;
        if self.state.fail_sync_from != 0 && n >= self.state.fail_sync_from {
            return Err(io::Error::other("EIO (planted)"));
        }
        let written = self.state.written.load(Ordering::SeqCst);
        self.state.synced.fetch_max(written, Ordering::SeqCst);
        Ok(())
    }
}

/// One reported flush.
#[derive(Debug)]
struct Outcome {
    id: u64,
    /// The writer's end when the flush was submitted.
    end: u64,
    result: Result<(), ErrorKind>,
    /// How far the disk was synced when the callback ran.
    synced: u64,
}

/// A flush callback: records its outcome, or counts it in a tracker.
enum Probe {
    Record {
        id: u64,
        end: u64,
        outcomes: Arc<StdMutex<Vec<Outcome>>>,
        disk: Arc<DiskState>,
    },
    Track(FlushTracker),
}

impl Callback for Probe {
    fn send(self, result: Result<(), Error>) {
        match self {
            Probe::Record {
                id,
                end,
                outcomes,
                disk,
            } => {
                let synced = disk.synced.load(Ordering::SeqCst);
                outcomes.lock().unwrap().push(Outcome {
                    id,
                    end,
                    result: result.map_err(|e| e.kind()),
                    synced,
                });
            }
            Probe::Track(tracker) => tracker.send(result),
        }
    }
}

/// The writer's side of the format: chunk 0, batches of records, as the log's batch
/// writer lays them out (the worker seals them).
struct BatchBuf {
    buf: Vec<u8>,
    file_offset: u64,
    header_pos: Option<usize>,
}

impl BatchBuf {
    fn new() -> Self {
        let mut buf = Vec::new();
        format::encode_chunk_header(&mut buf, 0);
        Self {
            buf,
            file_offset: 0,
            header_pos: None,
        }
    }

    fn record(&mut self, body_len: usize) {
        if self.header_pos.is_none() {
            self.header_pos = Some(self.buf.len());
            self.buf.extend_from_slice(&[0u8; BATCH_HEADER_SIZE]);
        }
        let start = format::begin_record(&mut self.buf, RecordKind::Append);
        self.buf.resize(self.buf.len() + body_len, b'x');
        format::finish_record(&mut self.buf, start);
    }

    fn end(&self) -> u64 {
        self.file_offset + self.buf.len() as u64
    }

    fn take(&mut self) -> Option<BatchBytes<'_>> {
        let header_pos = self.header_pos.take()?;
        let payload_len = self.buf.len() - header_pos - BATCH_HEADER_SIZE;
        BatchHeader::encode_payload_len(
            &mut self.buf[header_pos..header_pos + BATCH_HEADER_SIZE],
            payload_len as u32,
        );
        let file_offset = self.file_offset;
        self.file_offset += self.buf.len() as u64;
        Some(BatchBytes {
            chunk_id: 0,
            file_offset,
            bytes: &mut self.buf,
            batch_header_pos: header_pos,
        })
    }
}

/// A queue, a worker on a [`Disk`], and the writer's bookkeeping.
struct Rig {
    shared: Arc<Shared<ModelTypes>>,
    disk: Arc<DiskState>,
    outcomes: Arc<StdMutex<Vec<Outcome>>>,
    batch: BatchBuf,
    /// Flushes accepted so far.
    flushes: Arc<AtomicU64>,
    worker: Option<Worker<ModelTypes>>,
}

impl Rig {
    fn new(fail_sync_from: u32, queue_max_bytes: Option<u64>) -> Self {
        let disk = Arc::new(DiskState {
            fail_sync_from,
            ..DiskState::default()
        });
        let storage: Arc<dyn Storage> = Arc::new(Disk {
            inner: MemStorage::new(),
            state: disk.clone(),
        });
        let config = Arc::new(Config {
            chunk_preallocate_size: Some(0),
            ..Config::new("model")
        });
        let shared = Arc::new(Shared::new(0, BTreeMap::new(), queue_max_bytes, Clock::Off));
        let worker = Worker::new(storage, shared.clone(), config, None, 0);
        Self {
            shared,
            disk,
            outcomes: Arc::default(),
            batch: BatchBuf::new(),
            flushes: Arc::default(),
            worker: Some(worker),
        }
    }

    /// Runs the worker on its own thread.
    fn spawn(&mut self) -> FlushThread<ModelTypes> {
        let worker = self.worker.take().expect("a worker");
        FlushThread::spawn(worker, self.shared.clone()).expect("spawn")
    }

    fn write(&mut self, body_len: usize) {
        self.batch.record(body_len);
    }

    /// Hands the buffered batch to the worker without a flush.
    fn submit(&mut self) -> Result<(), Error> {
        self.shared.submit(self.batch.take(), None)
    }

    /// A flush with a recording callback; returns whether it was accepted.
    fn flush(&mut self) -> bool {
        let id = self.flushes.load(Ordering::SeqCst);
        let probe = Probe::Record {
            id,
            end: self.batch.end(),
            outcomes: self.outcomes.clone(),
            disk: self.disk.clone(),
        };
        let accepted = self.shared.submit_flush(self.batch.take(), Some(probe));
        match accepted {
            Ok(()) => {
                self.flushes.fetch_add(1, Ordering::SeqCst);
                true
            }
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::WorkerGone, "{e}");
                false
            }
        }
    }

    /// A thread that waits for idle once and then checks that every flush accepted
    /// before its wait began has reported.
    fn idle_waiter(&self) -> shuttle::thread::JoinHandle<()> {
        let shared = self.shared.clone();
        let flushes = self.flushes.clone();
        let outcomes = self.outcomes.clone();
        shuttle::thread::spawn(move || {
            let before = flushes.load(Ordering::SeqCst);
            shared.wait_idle();
            let reported = outcomes.lock().unwrap().len() as u64;
            assert!(
                reported >= before,
                "idle with {reported} of the {before} flushes queued before the wait reported"
            );
        })
    }

    /// Every accepted flush reported exactly once, in order; `Ok` only with its bytes
    /// synced; nothing `Ok` after an error; errors are `Failed` or (`gone_ok`)
    /// `WorkerGone`. Returns the outcomes.
    fn check(&self, gone_ok: bool) -> Vec<Result<(), ErrorKind>> {
        let outcomes = self.outcomes.lock().unwrap();
        let n = self.flushes.load(Ordering::SeqCst);
        let ids: Vec<u64> = outcomes.iter().map(|o| o.id).collect();
        assert_eq!(ids, (0..n).collect::<Vec<_>>(), "each flush once, in order");
        let mut failed = false;
        for o in outcomes.iter() {
            match o.result {
                Ok(()) => {
                    assert!(!failed, "Ok after an error: {o:?}");
                    assert!(o.synced >= o.end, "Ok before its bytes were synced: {o:?}");
                }
                Err(ErrorKind::Failed) => failed = true,
                Err(ErrorKind::WorkerGone) if gone_ok => failed = true,
                Err(kind) => panic!("unexpected {kind:?}: {o:?}"),
            }
        }
        outcomes.iter().map(|o| o.result).collect()
    }
}

/// Batches that merge, flushes that share a job, a flush without callback or batch,
/// an idle wait racing with them, and a shutdown while the queue is still full.
#[test]
fn submit_merge_flush_idle_and_shutdown() {
    explore(|| {
        let mut rig = Rig::new(0, None);
        let thread = rig.spawn();
        let waiter = rig.idle_waiter();
        for _ in 0..2 {
            rig.write(10);
            rig.submit().unwrap();
            rig.write(10);
            assert!(rig.flush());
            assert!(rig.flush()); // joins the job of the one before
        }
        rig.shared.submit_flush(None, None).unwrap();
        let end = rig.batch.end();
        drop(thread); // finishes the queue
        waiter.join().unwrap();
        let results = rig.check(false);
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert_eq!(rig.disk.synced.load(Ordering::SeqCst), end);
        assert_eq!(rig.shared.queued_bytes().0, 0);
        // The worker is gone: nothing more is accepted.
        assert!(!rig.flush());
    });
}

/// `RaftLog::sync`'s path: flushes handed to the worker thread, interleaved with
/// syncs that queue a flush without waking the thread and run the worker on the
/// caller's thread, with an idle waiter alongside. After each sync every flush queued
/// before it has reported and every byte before it is synced; the thread, woken or
/// not, never runs a round at the same time.
#[test]
fn syncs_on_the_callers_thread_beside_the_worker_thread() {
    explore(|| {
        let mut rig = Rig::new(0, None);
        let thread = rig.spawn();
        let waiter = rig.idle_waiter();
        for i in 0..3 {
            rig.write(10);
            assert!(rig.flush());
            rig.write(10);
            if i == 1 {
                rig.submit().unwrap();
            }
            rig.shared.submit_sync(rig.batch.take()).unwrap();
            assert!(thread.run_here(), "the worker is there");
            let end = rig.batch.end();
            assert_eq!(rig.disk.synced.load(Ordering::SeqCst), end, "sync {i}");
            let reported = rig.outcomes.lock().unwrap().len() as u64;
            assert_eq!(reported, rig.flushes.load(Ordering::SeqCst), "sync {i}");
        }
        drop(thread);
        waiter.join().unwrap();
        let results = rig.check(false);
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert_eq!(rig.shared.queued_bytes().0, 0);
    });
}

/// A worker thread never takes the worker from a caller that syncs: with nothing
/// queued it waits, and the jobs a sync queues (without waking it) it leaves to that
/// caller, from its start on. (It used to run the idle worker once when it started,
/// and to take the first sync's jobs if it saw them first, holding the worker just
/// when that sync wanted it.)
#[test]
fn an_idle_worker_thread_leaves_the_worker_free() {
    explore(|| {
        let mut rig = Rig::new(0, None);
        let thread = rig.spawn();
        let caller = shuttle::thread::current().id();
        for i in 0..2 {
            assert_worker_free(&thread, &format!("before sync {i}"));
            rig.write(10);
            rig.shared.submit_sync(rig.batch.take()).unwrap();
            assert!(thread.run_here(), "the worker is there");
            assert_eq!(
                rig.disk.synced.load(Ordering::SeqCst),
                rig.batch.end(),
                "sync {i}"
            );
        }
        assert_worker_free(&thread, "after the syncs");
        let sync_threads = rig.disk.sync_threads.lock().unwrap().clone();
        assert_eq!(sync_threads, vec![caller; 2], "who ran each sync_data");
        drop(thread);
    });
}

/// A claim does not strand jobs: a sync's jobs that its caller never runs (it
/// dropped the log first) are still written and synced by the thread at shutdown.
#[test]
fn a_claimed_queue_is_drained_at_shutdown() {
    explore(|| {
        let mut rig = Rig::new(0, None);
        let thread = rig.spawn();
        rig.write(10);
        rig.shared.submit_sync(rig.batch.take()).unwrap();
        drop(thread);
        assert_eq!(rig.disk.synced.load(Ordering::SeqCst), rig.batch.end());
    });
}

/// Checks, twice around a scheduling point, that no thread holds the worker.
fn assert_worker_free(thread: &FlushThread<ModelTypes>, when: &str) {
    for _ in 0..2 {
        assert!(
            !thread.worker_is_running(),
            "the thread took the worker, {when}"
        );
        shuttle::thread::yield_now();
    }
}

/// A failing sync (the first or the second): every flush still reports, none `Ok`
/// after it, and the log's failure is set.
#[test]
fn a_failed_sync_reports_to_every_flush() {
    explore(|| {
        for fail_from in [1, 2] {
            let mut rig = Rig::new(fail_from, None);
            let thread = rig.spawn();
            for _ in 0..3 {
                rig.write(10);
                assert!(rig.flush());
            }
            rig.shared.wait_idle();
            // Every flush queued before the wait reported.
            let results = rig.check(false);
            assert_eq!(results.len(), 3);
            // The syncs there were depend on how the worker grouped the flushes.
            let failed = rig.disk.syncs.load(Ordering::SeqCst) >= fail_from;
            assert_eq!(results.iter().any(Result::is_err), failed, "{results:?}");
            assert_eq!(rig.shared.failure().is_some(), failed);
            drop(thread);
        }
    });
}

/// Back-pressure: a writer blocked on a small limit while the worker writes, with an
/// idle waiter alongside. No deadlock, the queue never over its limit.
#[test]
fn back_pressure_blocks_and_wakes_the_writer() {
    explore(|| {
        let limit = 200;
        let mut rig = Rig::new(0, Some(limit));
        let thread = rig.spawn();
        let waiter = rig.idle_waiter();
        for i in 0..6 {
            rig.write(60); // a batch of about 80 bytes (the first: over 100)
            if i % 3 == 2 {
                assert!(rig.flush());
            } else {
                rig.submit().unwrap();
            }
            let (queued, peak) = rig.shared.queued_bytes();
            assert!(queued <= limit && peak <= limit, "{queued} {peak}");
        }
        drop(thread);
        waiter.join().unwrap();
        rig.check(false);
        assert_eq!(rig.shared.queued_bytes().0, 0);
    });
}

/// The synced-loop pattern through `FlushTracker` (with and without a spin), with a
/// second thread waiting for the total: both wake up.
#[test]
fn flush_tracker_waiters_wake_up() {
    explore(|| {
        for spins in [0, 2] {
            let mut rig = Rig::new(0, None);
            let thread = rig.spawn();
            let tracker = FlushTracker::with_spins(spins);
            let total = 3;
            let other = {
                let tracker = tracker.clone();
                shuttle::thread::spawn(move || {
                    tracker.wait_acked(total).unwrap();
                    assert!(tracker.acked() >= total);
                })
            };
            for i in 0..total {
                rig.write(10);
                let probe = Probe::Track(tracker.clone());
                rig.shared
                    .submit_flush(rig.batch.take(), Some(probe))
                    .unwrap();
                tracker.wait_acked(i + 1).unwrap();
                assert!(rig.disk.synced.load(Ordering::SeqCst) >= rig.batch.end());
            }
            other.join().unwrap();
            assert_eq!(tracker.acked(), total);
            drop(thread);
        }
    });
}

/// A tracker after a failed sync (the second, if the worker syncs twice): the wait
/// returns the error, every outcome counted.
#[test]
fn flush_tracker_reports_a_failure() {
    explore(|| {
        let mut rig = Rig::new(2, None);
        let thread = rig.spawn();
        let tracker = FlushTracker::new();
        for _ in 0..3 {
            rig.write(10);
            let probe = Probe::Track(tracker.clone());
            rig.shared
                .submit_flush(rig.batch.take(), Some(probe))
                .unwrap();
        }
        let waited = tracker.wait_acked(3);
        assert_eq!(tracker.acked(), 3);
        if rig.disk.syncs.load(Ordering::SeqCst) >= 2 {
            assert_eq!(waited.unwrap_err().kind(), ErrorKind::Failed);
        } else {
            waited.unwrap();
        }
        drop(thread);
    });
}

/// The worker driven by hand from another thread (as in manual mode) and then
/// dropped while the writer still submits: every accepted flush reports once (`Ok`
/// synced, or `WorkerGone`), every later one is refused, an idle wait returns.
#[test]
fn a_dropped_worker_abandons_the_queue() {
    explore(|| {
        let mut rig = Rig::new(0, None);
        let mut worker = rig.worker.take().expect("a worker");
        let driver = shuttle::thread::spawn(move || {
            for _ in 0..4 {
                worker.step();
            }
            drop(worker);
        });
        let waiter = rig.idle_waiter();
        for _ in 0..4 {
            rig.write(10);
            rig.flush();
        }
        driver.join().unwrap();
        waiter.join().unwrap();
        rig.check(true);
        assert!(!rig.flush(), "submissions after the drop are refused");
        assert_eq!(rig.shared.queued_bytes().0, 0);
    });
}

/// A written buffer comes back to the writer: a large batch moves into the queue and
/// the writer continues in a spare, which after the worker's write is that written
/// buffer (its capacity), not a fresh small one. The worker runs on a second thread,
/// joined before each check.
#[test]
fn the_worker_hands_written_buffers_back() {
    explore(|| {
        let mut rig = Rig::new(0, None);
        let worker = rig.worker.take().expect("a worker");
        let run_worker = |mut worker: Worker<ModelTypes>| {
            shuttle::thread::spawn(move || {
                while worker.step() {}
                worker
            })
            .join()
            .unwrap()
        };
        let large_bytes = 72 << 10; // over the 64 KiB that a queued write copies
        rig.write(large_bytes);
        rig.submit().unwrap();
        // No spare yet: the writer got a fresh buffer.
        assert_eq!(rig.batch.buf.capacity(), BUF_CAPACITY_INITIAL_BYTES);
        let worker = run_worker(worker);
        rig.write(large_bytes);
        rig.submit().unwrap();
        assert!(
            rig.batch.buf.capacity() >= large_bytes,
            "the writer got a fresh buffer of {} B, not the written one",
            rig.batch.buf.capacity()
        );
        drop(run_worker(worker));
        assert_eq!(rig.shared.queued_bytes().0, 0);
    });
}
