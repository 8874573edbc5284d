//! What the log and its worker share: the job queue, the idle signal, the durable
//! offset, the failure, the sync request and the open chunk files.
//!
//! This is the one door between the log and its worker: every field is private, and
//! each side has its methods. The log submits ([`Shared::submit`],
//! [`Shared::submit_flush`]), asks for a sync ([`Shared::request_sync`]), waits for
//! idle ([`Shared::wait_idle`]) and reads the back channels (durable offset,
//! failure, queued bytes, chunk files). The worker takes rounds
//! ([`Shared::take_round`]), publishes what it did and recycles buffers; its thread
//! waits for work ([`Shared::wait_for_work`]) until [`Shared::shut_down`].

use super::metrics::{Clock, FlushMetrics};
use super::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use super::sync::{Condvar, Mutex, RwLock};
use crate::error::Error;
use crate::storage::StorageFile;
use crate::types::{Callback, Types};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// A queued write stops taking more batches at this size.
const MERGED_WRITE_BYTES_MAX: usize = 4 << 20;
/// The capacity given to a queued write that small batches will join: the largest
/// merged write plus one more small batch.
const MERGED_WRITE_CAPACITY_BYTES: usize = MERGED_WRITE_BYTES_MAX + SMALL_BATCH_BYTES_MAX;
/// A batch up to this size is copied into a queued write rather than moved.
const SMALL_BATCH_BYTES_MAX: usize = 64 << 10;
/// Capacity a fresh batch buffer starts with: a flush of one small entry then never
/// reallocates.
pub(crate) const BUF_CAPACITY_INITIAL_BYTES: usize = 4096;

/// Spare buffers kept at most, and the largest capacity kept.
const SPARE_BUFFERS_MAX: usize = 8;
const SPARE_BUFFER_CAPACITY_BYTES_MAX: usize = 8 << 20;

/// A closed batch in the writer's buffer, handed to [`Shared::submit`]. The buffer is
/// left empty (its bytes copied into a queued write, or moved out).
pub(crate) struct BatchBytes<'a> {
    pub(crate) chunk_id: u64,
    pub(crate) file_offset: u64,
    pub(crate) bytes: &'a mut Vec<u8>,
    pub(crate) batch_header_pos: usize,
}

/// Bytes for the worker to write: `bytes` at `file_offset` of chunk `chunk_id`,
/// holding whole batches whose headers start at `batch_header_positions`. The worker
/// seals each batch (record and payload checksums, and the durable offset it knows
/// when it writes).
pub(crate) struct QueuedWrite {
    pub(crate) chunk_id: u64,
    pub(crate) file_offset: u64,
    pub(crate) bytes: Vec<u8>,
    pub(crate) batch_header_positions: Vec<usize>,
    /// When the job was queued (`None`: the log measures no durations).
    pub(crate) queued_at: Option<std::time::Instant>,
}

/// A unit of work for the worker.
pub(crate) enum Job<T: Types> {
    /// Start the write's chunk, then write its first bytes (at file offset 0, the
    /// chunk header first): the worker closes the current chunk (cuts its reserved
    /// space, syncs it, reports to the waiting callbacks), creates the new chunk's file
    /// and syncs the directory.
    StartChunk(QueuedWrite),
    /// Write more of the current chunk.
    Write(QueuedWrite),
    /// Report to these callbacks once everything before is durable (none: a flush
    /// without callback still asks for the sync). Consecutive flushes share one job.
    Flush(Vec<T::Callback>),
    /// Remove these chunks, oldest first, once everything before is durable.
    Remove(Vec<u64>),
}

impl<T: Types> Job<T> {
    /// The bytes this job holds for writing (they count against the queue's limit).
    pub(crate) fn queued_bytes(&self) -> u64 {
        match self {
            Job::StartChunk(write) | Job::Write(write) => write.bytes.len() as u64,
            Job::Flush(_) | Job::Remove(_) => 0,
        }
    }
}

/// Who runs the jobs of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Runner {
    /// The worker thread: it is woken.
    Thread,
    /// The submitting caller, right after (`FlushThread::run_here`): the thread is not
    /// woken, and the queue is claimed for the caller (`Queue::claimed_by_caller`).
    Caller,
}

/// The queue, its byte count and the worker's busy flag, under one lock.
struct Queue<T: Types> {
    jobs: VecDeque<Job<T>>,
    /// Bytes of batches submitted and not yet written (or dropped) by the worker. Kept
    /// under the lock the submitter holds anyway, so back-pressure needs no protocol
    /// of its own between atomics and the lock (a pipelined loop measured no faster
    /// or slower for it).
    queued_bytes: u64,
    /// The most `queued_bytes` has been.
    queued_bytes_peak: u64,
    /// The worker holds a round it has not finished.
    busy: bool,
    /// The log is being dropped: finish the queue and stop.
    shutdown: bool,
    /// The worker thread has stopped.
    gone: bool,
    /// The last submission was a sync's ([`Shared::submit_sync`]), whose caller runs
    /// the worker itself right after (`FlushThread::run_here`): the worker thread,
    /// waiting for work (`Shared::wait_for_work`), leaves every queued job to that
    /// caller rather than take the worker just when it wants it. (A round the thread
    /// is already running takes them.) Every submission sets or clears it
    /// ([`Runner`]); it means nothing while the queue is empty.
    claimed_by_caller: bool,
    /// The position in `jobs` of a write that later batches may be appended to.
    mergeable_write: Option<usize>,
    /// Written batch buffers returned by the worker for the writer to reuse, so a bulk
    /// load does not allocate (and page-fault in) a fresh megabyte per batch.
    spare_buffers: Vec<Vec<u8>>,
}

impl<T: Types> Queue<T> {
    /// Queuing `len` more bytes would take the queue over `max`. A batch larger than
    /// `max` itself is queued once the queue is empty.
    fn over_limit(&self, len: u64, max: u64) -> bool {
        self.queued_bytes > 0 && self.queued_bytes + len > max
    }
}

/// State shared between the log and its worker.
pub(crate) struct Shared<T: Types> {
    queue: Mutex<Queue<T>>,
    /// Signalled when jobs are queued or shutdown is asked.
    work_ready: Condvar,
    /// Signalled when the worker runs out of work.
    idle: Condvar,
    /// The payload cache is over its limits and can evict only durable entries: the
    /// worker syncs at the end of its round even if no flush asked for it.
    sync_wanted: AtomicBool,
    /// Every byte before this global offset is durable.
    durable_offset: AtomicU64,
    failed: AtomicBool,
    failure: Mutex<Option<Error>>,
    /// Open chunk files by chunk id, for positional reads.
    files: RwLock<BTreeMap<u64, Arc<dyn StorageFile>>>,
    /// Signalled (under the queue lock) when the worker has written queued bytes, or
    /// is gone and dropped them.
    space: Condvar,
    /// Submitting a batch waits while the queue holds more than this (`None`: never;
    /// in manual mode the log runs the worker inline instead).
    queue_max_bytes: Option<u64>,
    /// What the worker did and how long it took (see `flush::metrics`).
    metrics: FlushMetrics,
}

impl<T: Types> Shared<T> {
    pub(crate) fn new(
        durable_offset: u64,
        files: BTreeMap<u64, Arc<dyn StorageFile>>,
        queue_max_bytes: Option<u64>,
        clock: Clock,
    ) -> Self {
        Self {
            queue: Mutex::new(Queue {
                jobs: VecDeque::new(),
                queued_bytes: 0,
                queued_bytes_peak: 0,
                busy: false,
                shutdown: false,
                gone: false,
                claimed_by_caller: false,
                mergeable_write: None,
                spare_buffers: Vec::new(),
            }),
            work_ready: Condvar::new(),
            sync_wanted: AtomicBool::new(false),
            idle: Condvar::new(),
            durable_offset: AtomicU64::new(durable_offset),
            failed: AtomicBool::new(false),
            failure: Mutex::new(None),
            files: RwLock::new(files),
            space: Condvar::new(),
            queue_max_bytes,
            metrics: FlushMetrics::new(clock),
        }
    }

    /// Queues a batch (if any) and then `then` (a flush or a removal), and wakes the
    /// worker. A batch that continues a write still in the queue is appended to it, so
    /// a burst of small flushes becomes one write call and no allocation. Fails if the
    /// worker thread is gone (then nobody would ever process the jobs).
    pub(crate) fn submit(
        &self,
        batch: Option<BatchBytes<'_>>,
        then: Option<Job<T>>,
    ) -> Result<(), Error> {
        self.submit_then(
            batch,
            |queue| {
                if let Some(job) = then {
                    if matches!(job, Job::Remove(_)) {
                        // Later batches go after the removal, in order.
                        queue.mergeable_write = None;
                    }
                    queue.jobs.push_back(job);
                }
            },
            Runner::Thread,
        )
    }

    /// Queues a batch (if any) and then a flush reporting to `callback` (if any), like
    /// [`Shared::submit`]. A flush right after another queued flush joins its job: a
    /// burst of flushes costs one job and no allocation per flush. (The writes merged
    /// into an earlier queued write are then written before that job's sync too, which
    /// only makes them durable sooner.)
    pub(crate) fn submit_flush(
        &self,
        batch: Option<BatchBytes<'_>>,
        callback: Option<T::Callback>,
    ) -> Result<(), Error> {
        self.submit_then(batch, Self::queue_flush(callback), Runner::Thread)
    }

    /// Queues a batch (if any) and then a flush without callback, for a caller that
    /// runs the worker itself right after ([`crate::RaftLog::sync`]): the worker
    /// thread is not woken for it, and the queue is claimed for the caller
    /// (`Queue::claimed_by_caller`): the thread leaves the jobs to it, unless it is
    /// already running a round, which then takes them.
    pub(crate) fn submit_sync(&self, batch: Option<BatchBytes<'_>>) -> Result<(), Error> {
        self.submit_then(batch, Self::queue_flush(None), Runner::Caller)
    }

    /// Queues a flush reporting to `callback` (if any), joining a flush job at the
    /// end of the queue.
    fn queue_flush(callback: Option<T::Callback>) -> impl FnOnce(&mut Queue<T>) {
        move |queue| match queue.jobs.back_mut() {
            Some(Job::Flush(callbacks)) => {
                if let Some(callback) = callback {
                    match callbacks.last_mut() {
                        Some(last) => {
                            if let Err(callback) = last.absorb(callback) {
                                callbacks.push(callback);
                            }
                        }
                        None => callbacks.push(callback),
                    }
                }
            }
            _ => queue
                .jobs
                .push_back(Job::Flush(callback.into_iter().collect())),
        }
    }

    /// Under the queue lock: waits for room for `batch` (back-pressure), queues it,
    /// then lets `then` queue what follows it, and wakes the worker thread or claims
    /// the queue for the caller, as `runner` says.
    fn submit_then(
        &self,
        batch: Option<BatchBytes<'_>>,
        then: impl FnOnce(&mut Queue<T>),
        runner: Runner,
    ) -> Result<(), Error> {
        let len = batch.as_ref().map_or(0, |b| b.bytes.len() as u64);
        let mut queue = self.queue.lock();
        if let (Some(max), true) = (self.queue_max_bytes, len > 0) {
            // Waiting releases the queue lock; `dequeued` makes room and notifies
            // under it, so no notification falls between this check and the wait.
            while !queue.gone && queue.over_limit(len, max) {
                self.space.wait(&mut queue);
            }
        }
        if queue.gone {
            return Err(Error::WorkerGone);
        }
        queue.queued_bytes += len;
        queue.queued_bytes_peak = queue.queued_bytes_peak.max(queue.queued_bytes);
        Self::queue_batch(&mut queue, batch, &self.metrics);
        then(&mut queue);
        match runner {
            Runner::Thread => {
                queue.claimed_by_caller = false;
                self.work_ready.notify_one();
            }
            Runner::Caller => queue.claimed_by_caller = true,
        }
        Ok(())
    }

    /// Appends `batch` to the mergeable queued write if it continues it, else queues it
    /// as a new write (stamped with `metrics`' clock: a merge reads no clock).
    fn queue_batch(queue: &mut Queue<T>, batch: Option<BatchBytes<'_>>, metrics: &FlushMetrics) {
        if let Some(batch) = batch {
            let small = batch.bytes.len() <= SMALL_BATCH_BYTES_MAX;
            let merged = match queue.mergeable_write {
                Some(at) => match &mut queue.jobs[at] {
                    // A large batch is a write of its own: copying it into the
                    // queued write would cost the caller a copy (and the queued write
                    // a regrowth) for no fewer write calls worth having.
                    Job::StartChunk(write) | Job::Write(write)
                        if small
                            && write.chunk_id == batch.chunk_id
                            && write.file_offset + write.bytes.len() as u64
                                == batch.file_offset
                            && write.bytes.len() < MERGED_WRITE_BYTES_MAX =>
                    {
                        let bytes = &mut write.bytes;
                        write
                            .batch_header_positions
                            .push(bytes.len() + batch.batch_header_pos);
                        bytes.extend_from_slice(batch.bytes);
                        batch.bytes.clear();
                        true
                    }
                    _ => false,
                },
                None => false,
            };
            if !merged {
                let spare = queue.spare_buffers.pop();
                let bytes = if small {
                    // A small batch that later ones will likely join: copy it into a
                    // buffer with room for a whole merged write (a spare, or fresh
                    // capacity that is touched only as it fills), so the merges never
                    // reallocate. The writer keeps its small buffer.
                    let mut bytes =
                        spare.unwrap_or_else(|| Vec::with_capacity(MERGED_WRITE_CAPACITY_BYTES));
                    bytes.extend_from_slice(batch.bytes);
                    batch.bytes.clear();
                    bytes
                } else {
                    // A large batch moves; the writer continues in a spare.
                    let spare =
                        spare.unwrap_or_else(|| Vec::with_capacity(BUF_CAPACITY_INITIAL_BYTES));
                    std::mem::replace(batch.bytes, spare)
                };
                let write = QueuedWrite {
                    chunk_id: batch.chunk_id,
                    file_offset: batch.file_offset,
                    bytes,
                    batch_header_positions: vec![batch.batch_header_pos],
                    queued_at: metrics.now(),
                };
                queue.mergeable_write = Some(queue.jobs.len());
                // Only a chunk's first batch lies at file offset 0: the writer starts
                // every chunk with its header there (`BatchWriter::start_chunk`).
                queue.jobs.push_back(if batch.file_offset == 0 {
                    Job::StartChunk(write)
                } else {
                    Job::Write(write)
                });
            }
        }
    }

    /// Blocks until the worker thread has processed every job queued so far (the
    /// queue is empty and the worker holds no round), or is gone and has reported to
    /// the callbacks it abandoned.
    pub(crate) fn wait_idle(&self) {
        let mut queue = self.queue.lock();
        while !queue.jobs.is_empty() || queue.busy {
            self.idle.wait(&mut queue);
        }
    }

    /// [`Queue::over_limit`], under the queue lock (for the manual mode's
    /// back-pressure, which runs the worker inline instead of waiting).
    pub(crate) fn over_limit(&self, len: u64, max: u64) -> bool {
        self.queue.lock().over_limit(len, max)
    }

    /// Bytes queued for the worker now, and the most there ever were.
    pub(crate) fn queued_bytes(&self) -> (u64, u64) {
        let queue = self.queue.lock();
        (queue.queued_bytes, queue.queued_bytes_peak)
    }

    /// The worker has written (or dropped) `bytes` queued bytes: makes room, and wakes
    /// the submitters waiting for it.
    pub(crate) fn dequeued(&self, bytes: u64) {
        self.dequeued_and_recycle(bytes, None);
    }

    /// [`Shared::dequeued`], and keeps `written` (the buffer of a write that
    /// succeeded) for the writer to reuse, under one lock: a bulk load then neither
    /// allocates nor page-faults in a fresh megabyte per batch. Handed back after each
    /// write rather than once per round: a round of a bulk load holds up to the whole
    /// queue, and the writer would otherwise allocate for all of it meanwhile.
    pub(crate) fn dequeued_and_recycle(&self, bytes: u64, written: Option<Vec<u8>>) {
        if bytes == 0 && written.is_none() {
            return;
        }
        let mut queue = self.queue.lock();
        debug_assert!(queue.queued_bytes >= bytes, "dequeued more than was queued");
        queue.queued_bytes -= bytes;
        if bytes > 0 {
            self.space.notify_all();
        }
        if let Some(buffer) = written {
            Self::keep_spare(&mut queue, buffer);
        }
    }

    /// The worker's counters and durations.
    pub(crate) fn metrics(&self) -> &FlushMetrics {
        &self.metrics
    }

    pub(crate) fn durable_offset(&self) -> u64 {
        self.durable_offset.load(Ordering::Acquire)
    }

    pub(crate) fn set_durable_offset(&self, offset: u64) {
        debug_assert!(offset >= self.durable_offset.load(Ordering::Relaxed));
        self.durable_offset.store(offset, Ordering::Release);
    }

    /// The failure that stopped the log, if any.
    pub(crate) fn failure(&self) -> Option<Error> {
        if self.failed.load(Ordering::Acquire) {
            self.failure.lock().clone()
        } else {
            None
        }
    }

    pub(crate) fn set_failure(&self, error: Error) {
        let mut failure = self.failure.lock();
        if failure.is_none() {
            *failure = Some(error);
            self.failed.store(true, Ordering::Release);
        }
    }

    /// The worker is gone for good: marks the queue gone (later submissions fail),
    /// drops the queued jobs and returns their callbacks, oldest first, for the caller
    /// to report to and then call [`Shared::abandoned`]. Until then the worker counts
    /// as busy, so that an idle wait does not return before those reports.
    pub(crate) fn abandon(&self) -> Vec<T::Callback> {
        let mut queue = self.queue.lock();
        queue.gone = true;
        queue.busy = true;
        queue.mergeable_write = None;
        let mut callbacks = Vec::new();
        let mut dropped_bytes = 0;
        for job in queue.jobs.drain(..) {
            match job {
                Job::Flush(more) => callbacks.extend(more),
                other => dropped_bytes += other.queued_bytes(),
            }
        }
        debug_assert!(
            queue.queued_bytes >= dropped_bytes,
            "dropped more than was queued"
        );
        queue.queued_bytes -= dropped_bytes;
        self.space.notify_all();
        callbacks
    }

    /// The abandoned callbacks have been reported: waiters for idle return.
    pub(crate) fn abandoned(&self) {
        let mut queue = self.queue.lock();
        queue.busy = false;
        self.idle.notify_all();
    }

    /// The open chunk file `chunk_id`, for positional reads.
    pub(crate) fn file(&self, chunk_id: u64) -> Option<Arc<dyn StorageFile>> {
        self.files.read().get(&chunk_id).cloned()
    }

    /// The worker created chunk file `chunk_id`: reads may use it.
    pub(crate) fn add_file(&self, chunk_id: u64, file: Arc<dyn StorageFile>) {
        self.files.write().insert(chunk_id, file);
    }

    /// The worker removed chunk file `chunk_id`.
    pub(crate) fn remove_file(&self, chunk_id: u64) {
        self.files.write().remove(&chunk_id);
    }

    /// The log asks for a sync at the end of the worker's round even if no flush asks
    /// for one (its payload cache can evict only durable entries).
    pub(crate) fn request_sync(&self) {
        if !self.sync_wanted.load(Ordering::Relaxed) {
            self.sync_wanted.store(true, Ordering::Release);
        }
    }

    /// Has the log asked for a sync since the last one?
    pub(crate) fn sync_requested(&self) -> bool {
        self.sync_wanted.load(Ordering::Acquire)
    }

    /// The worker synced: the request is served.
    pub(crate) fn sync_done(&self) {
        self.sync_wanted.store(false, Ordering::Release);
    }

    /// Keeps `buffer` (emptied) as a spare if there is room and it is not too large.
    fn keep_spare(queue: &mut Queue<T>, mut buffer: Vec<u8>) {
        if buffer.capacity() <= SPARE_BUFFER_CAPACITY_BYTES_MAX
            && queue.spare_buffers.len() < SPARE_BUFFERS_MAX
        {
            buffer.clear();
            queue.spare_buffers.push(buffer);
        }
    }

    /// The worker takes every job queued so far as its next round (into `round`, which
    /// must be empty). With nothing queued it marks itself idle, wakes the idle
    /// waiters and returns false.
    pub(crate) fn take_round(&self, round: &mut VecDeque<Job<T>>) -> bool {
        debug_assert!(round.is_empty(), "a round taken before the last one ended");
        let mut queue = self.queue.lock();
        if queue.jobs.is_empty() {
            debug_assert_eq!(queue.queued_bytes, 0, "idle with bytes queued");
            queue.busy = false;
            self.idle.notify_all();
            return false;
        }
        // Swap rather than take: the queue keeps the round's capacity, so a burst of
        // jobs does not regrow (and page-fault in) a fresh queue.
        std::mem::swap(round, &mut queue.jobs);
        queue.mergeable_write = None;
        queue.busy = true;
        true
    }

    /// The worker thread's wait: sleeps until jobs are queued that no caller claimed
    /// for itself (see `Queue::claimed_by_caller`; on shutdown every job is the thread's),
    /// and returns true; returns false (stop) once the log is shutting down with an
    /// empty queue.
    pub(crate) fn wait_for_work(&self) -> bool {
        let mut queue = self.queue.lock();
        loop {
            if queue.jobs.is_empty() {
                if queue.shutdown {
                    return false;
                }
            } else if !queue.claimed_by_caller || queue.shutdown {
                return true;
            }
            self.work_ready.wait(&mut queue);
        }
    }

    /// The log is being dropped: the worker thread finishes the queue and stops.
    pub(crate) fn shut_down(&self) {
        let mut queue = self.queue.lock();
        queue.shutdown = true;
        self.work_ready.notify_all();
    }
}
