//! [`RaftLog`]: the log itself.

use super::batch_writer::BatchWriter;
use super::cache::PayloadCache;
use super::chunks::{purgeable_prefix, ChunkInfo};
use super::core::LogCore;
use super::raft_log_writer::RaftLogWriter;
use super::recovery::{self, ProgressHook, Recovered, RecoveryReport};
use crate::codec::Codec;
use crate::config::{Config, WorkerMode};
use crate::error::Error;
use crate::flush::metrics::Clock;
use crate::flush::{FlushThread, Job, Shared, Worker};
use crate::format::Checksums;
use crate::format::{self, RecordKind, RECORD_SIZE_MAX_BYTES};
use crate::mutants::Mutant;
use crate::stat::{AccessStat, Stat};
use crate::storage::{StdStorage, Storage};
use crate::types::{RaftLogState, Segment, Types};
use parking_lot::Mutex;
use std::any::Any;
use std::fmt;
use std::io;
use std::sync::Arc;

/// Entries the reused append buffer keeps room for at most.
const APPEND_SCRATCH_CAPACITY_MAX: usize = 1024;

/// Who runs the flush worker.
enum Driver<T: Types> {
    /// Its `Drop` finishes the queue and joins the thread; [`RaftLog::sync`] runs its
    /// worker on the caller's thread.
    Thread(FlushThread<T>),
    Manual(Mutex<Box<Worker<T>>>),
}

/// A write-ahead log for Raft: vote, entries, committed id, purge point and user data,
/// kept in chunk files through a [`Storage`].
///
/// Writes ([`RaftLogWriter`]) are validated, encoded into an in-memory batch and made
/// durable by the flush worker on [`RaftLogWriter::flush`]; reads see every write at
/// once. See the [crate documentation](crate#format-and-recovery) for the format and
/// the recovery rules.
///
/// Dropping the log gives every requested flush's callback its outcome, exactly once,
/// in both worker modes. In [`WorkerMode::Thread`] the drop completes them: the worker
/// finishes its queue (each callback gets `Ok`, or the failure) before the drop
/// returns. In [`WorkerMode::Manual`] nobody runs the worker, and the drop does not
/// either (the simulator drops the log to model a crash): every flush the worker has
/// not reported gets [`Error::WorkerGone`] (or the log's failure), and nothing more is
/// written. Call [`RaftLog::wait_worker_idle`] first to complete them. Writes issued
/// after the last flush may or may not survive, as after a crash.
///
/// Flush callbacks are isolated from the worker: one that panics is caught, every
/// other callback still gets its outcome (those of the same sync `Ok`, since their
/// writes are durable), and the log then fails as after an I/O failure:
/// [`RaftLog::failure`] and every later write return [`Error::Failed`] whose cause is
/// [`Error::Panicked`] (`what: "flush callback"`), until the log is reopened. A panic
/// of the worker itself (say, in a [`Storage`]) fails the log the same way
/// (`what: "flush worker"`) and reports to every queued callback.
pub struct RaftLog<T: Types> {
    config: Arc<Config>,
    /// Whether reads verify checksums: chosen at open from the config.
    pub(super) checksums: Checksums,
    pub(crate) storage: Arc<dyn Storage>,
    pub(super) core: LogCore<T>,
    pub(super) cache: PayloadCache<T>,
    /// Every chunk, oldest first; the last one is open. Empty until the first write of
    /// a new log.
    pub(super) chunks: Vec<ChunkInfo>,
    writer: BatchWriter,
    pub(super) shared: Arc<Shared<T>>,
    driver: Driver<T>,
    pub(super) access: AccessStat,
    /// Reused by `append` to collect its entries (and their payload sizes, filled in
    /// by the validation).
    append_scratch: Vec<(T::LogId, T::LogPayload, u64)>,
    /// What the open dropped from the log.
    recovery: RecoveryReport,
    // Dropped last: the lock outlives the worker. `None` for a read-only open.
    _lock: Option<Box<dyn Any + Send + Sync>>,
}

impl<T: Types> RaftLog<T> {
    /// Opens (or creates) the log in `config.dir` on the real filesystem.
    ///
    /// Takes the directory's exclusive lock ([`Error::Locked`] if another log holds
    /// it), replays every chunk, decides what to do with each by the table of
    /// [`RecoveryReport`] (a torn last write is moved to the quarantine; damage
    /// proven synced, another format version or a contradicting file is a typed
    /// refusal that changes nothing), and makes the recovered state
    /// durable before returning.
    pub fn open(config: Arc<Config>) -> Result<Self, Error> {
        config.validate()?;
        let storage =
            StdStorage::new(&config.dir).map_err(|e| Error::io("create_dir", &config.dir, e))?;
        Self::open_with(Arc::new(storage), config)
    }

    /// Opens the log on any [`Storage`] (for example the simulator's disk).
    pub fn open_with(storage: Arc<dyn Storage>, config: Arc<Config>) -> Result<Self, Error> {
        Self::open_locked(storage, config, None)
    }

    /// [`RaftLog::open_with`], calling `progress` as the scan of the chunk files
    /// advances (for a progress bar in a tool; see [`crate::ScanProgress`] for when it
    /// is called and what it promises). The hook sees only how many bytes were read;
    /// what the open decides and does is the same as without it.
    pub fn open_with_progress(
        storage: Arc<dyn Storage>,
        config: Arc<Config>,
        progress: ProgressHook<'_>,
    ) -> Result<Self, Error> {
        Self::open_locked(storage, config, Some(progress))
    }

    fn open_locked(
        storage: Arc<dyn Storage>,
        config: Arc<Config>,
        progress: Option<ProgressHook<'_>>,
    ) -> Result<Self, Error> {
        config.validate()?;
        let lock = storage.lock().map_err(|e| {
            if e.kind() == io::ErrorKind::WouldBlock {
                Error::Locked {
                    dir: config.dir.clone(),
                }
            } else {
                Error::io("lock", &config.dir, e)
            }
        })?;
        Self::open_in(
            storage,
            config,
            recovery::Mode::Repair,
            Some(lock),
            progress,
        )
    }

    /// Opens the log in `config.dir` to read it, changing nothing on disk: no lock is
    /// taken (a running log may hold it), no file is created, written, cut or removed,
    /// files are opened read-only (so it works on a read-only filesystem and without
    /// write permission). What a normal open would drop (a torn tail) is simply not
    /// shown, and [`RaftLog::recovery_report`] says what it would do
    /// (`applied == false`). Every write returns [`Error::ReadOnly`]. Refusals are the
    /// same as those of [`RaftLog::open`]. A log written concurrently by another
    /// process is read as it was at the scan.
    pub fn open_read_only(config: Arc<Config>) -> Result<Self, Error> {
        config.validate()?;
        let storage =
            StdStorage::existing(&config.dir).map_err(|e| Error::io("open_dir", &config.dir, e))?;
        Self::open_read_only_with(Arc::new(storage), config)
    }

    /// [`RaftLog::open_read_only`] on any [`Storage`].
    pub fn open_read_only_with(
        storage: Arc<dyn Storage>,
        config: Arc<Config>,
    ) -> Result<Self, Error> {
        Self::open_read_only_in(storage, config, None)
    }

    /// [`RaftLog::open_read_only_with`], calling `progress` as the scan of the chunk
    /// files advances (see [`crate::ScanProgress`]); what the open finds is the same
    /// as without it.
    pub fn open_read_only_with_progress(
        storage: Arc<dyn Storage>,
        config: Arc<Config>,
        progress: ProgressHook<'_>,
    ) -> Result<Self, Error> {
        Self::open_read_only_in(storage, config, Some(progress))
    }

    fn open_read_only_in(
        storage: Arc<dyn Storage>,
        config: Arc<Config>,
        progress: Option<ProgressHook<'_>>,
    ) -> Result<Self, Error> {
        config.validate()?;
        let config = Arc::new(Config {
            worker_mode: WorkerMode::Manual,
            ..(*config).clone()
        });
        Self::open_in(storage, config, recovery::Mode::ReadOnly, None, progress)
    }

    fn open_in(
        storage: Arc<dyn Storage>,
        config: Arc<Config>,
        mode: recovery::Mode,
        lock: Option<Box<dyn Any + Send + Sync>>,
        progress: Option<ProgressHook<'_>>,
    ) -> Result<Self, Error> {
        let Recovered {
            core,
            chunks,
            files,
            end,
            report,
        } = recovery::recover::<T>(storage.as_ref(), &config, mode, progress)
            .map_err(|e| e.in_storage(storage.as_ref()))?;
        let current = chunks
            .last()
            .map(|c| (c.chunk_id, files[&c.chunk_id].clone()));
        let writer = match chunks.last() {
            Some(open) => BatchWriter::new(open.chunk_id, end - open.chunk_id),
            None => BatchWriter::new(end, 0),
        };
        // In manual mode the log makes room by running the worker inline instead.
        let queue_max_bytes = match config.worker_mode {
            WorkerMode::Thread => Some(config.flush_queue_max_bytes()),
            WorkerMode::Manual => None,
        };
        // Durations are measured only with the worker on its thread: the worker driven
        // by hand (the simulator) must never read the clock.
        let clock = match config.worker_mode {
            WorkerMode::Thread => Clock::Monotonic,
            WorkerMode::Manual => Clock::Off,
        };
        let shared = Arc::new(Shared::new(end, files, queue_max_bytes, clock));
        let worker = Worker::new(
            storage.clone(),
            shared.clone(),
            config.clone(),
            current,
            end,
        );
        let driver = match config.worker_mode {
            WorkerMode::Thread => {
                let thread = FlushThread::spawn(worker, shared.clone())
                    .map_err(|e| Error::io("spawn", "raftwal-flush", e))?;
                Driver::Thread(thread)
            }
            WorkerMode::Manual => Driver::Manual(Mutex::new(Box::new(worker))),
        };
        let cache = PayloadCache::new(core.index.next());
        Ok(Self {
            checksums: Checksums::for_config(&config),
            config,
            storage,
            core,
            cache,
            chunks,
            writer,
            shared,
            driver,
            access: AccessStat::default(),
            append_scratch: Vec::new(),
            recovery: report,
            _lock: lock,
        })
    }

    /// The sorted chunk ids in `config.dir`, which must exist (nothing is created: an
    /// [`Error::Io`] names a missing directory).
    pub fn load_chunk_ids(config: &Config) -> Result<Vec<u64>, Error> {
        let storage =
            StdStorage::existing(&config.dir).map_err(|e| Error::io("open_dir", &config.dir, e))?;
        recovery::list_chunk_ids(&storage).map_err(|e| e.in_storage(&storage))
    }

    /// The sorted chunk ids in `storage`.
    pub fn load_chunk_ids_with(storage: &dyn Storage) -> Result<Vec<u64>, Error> {
        recovery::list_chunk_ids(storage).map_err(|e| e.in_storage(storage))
    }

    /// What this open dropped from the log and moved to the quarantine, and the
    /// garbage it removed; see [`RecoveryReport`] for the table of what open does with
    /// each kind of damage.
    pub fn recovery_report(&self) -> &RecoveryReport {
        &self.recovery
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The index of the first entry in the log (the next index when it is empty):
    /// after the purged id, or, for a log never purged, its first appended entry.
    /// `read(first_index(), log_state().next_index())` reads the whole log.
    pub fn first_index(&self) -> u64 {
        self.core.first_index()
    }

    /// The latest state, including writes not yet durable.
    pub fn log_state(&self) -> &RaftLogState<T> {
        &self.core.state
    }

    /// Replaces vote, committed id and user data at once. `last` and `purged` must be
    /// unchanged ([`Error::InvalidState`]); the vote and committed id follow the rules
    /// of [`RaftLogWriter::save_vote`] and [`RaftLogWriter::commit`].
    pub fn update_state(&mut self, state: RaftLogState<T>) -> Result<Segment, Error> {
        self.check_writable()?;
        self.core.check_state(&state)?;
        let segment =
            self.write_record(RecordKind::State, |out| format::encode_state(&state, out))?;
        self.core.state = state;
        self.after_write();
        Ok(segment)
    }

    /// Chunk and cache statistics.
    pub fn stat(&self) -> Stat {
        let stats: Vec<_> = self.chunks.iter().map(|c| c.stat()).collect();
        let (flush_queue_bytes, flush_queue_peak_bytes) = self.shared.queued_bytes();
        let (open_chunk, closed_chunks) = match stats.split_last() {
            Some((open, closed)) => (Some(open.clone()), closed.to_vec()),
            None => (None, Vec::new()),
        };
        Stat {
            closed_chunks,
            open_chunk,
            payload_cache_items: self.cache.len(),
            payload_cache_size_bytes: self.cache.size_bytes(),
            durable_offset: self.shared.durable_offset(),
            quarantined_bytes: self.recovery.quarantined_bytes(),
            flush_queue_bytes,
            flush_queue_peak_bytes,
            flush: self.shared.metrics().stat(),
        }
    }

    /// How reads were served (cache hits and misses).
    pub fn access_stat(&self) -> &AccessStat {
        &self.access
    }

    /// Blocks until the flush worker has processed every job queued before this call:
    /// writes, syncs, callbacks and chunk removals. In [`WorkerMode::Manual`] the
    /// worker is run inline until it is idle.
    pub fn wait_worker_idle(&self) {
        match &self.driver {
            Driver::Manual(worker) => run_until_idle(worker),
            Driver::Thread(_) => self.shared.wait_idle(),
        }
    }

    /// Makes every write so far durable, and returns once it is: a
    /// [`RaftLogWriter::flush`] and the wait for its callback in one call, for a caller
    /// that would block on the callback anyway (a Raft node that must persist its
    /// vote or entries before it answers).
    ///
    /// It is faster than a flush and a wait wherever the flush worker is idle, above
    /// all on a busy machine: the caller runs the worker's round itself (write, one
    /// `fdatasync`, callbacks), so nothing is handed to the worker thread and nobody
    /// waits to be scheduled to be woken back (the worker thread is not woken, and
    /// between rounds it leaves the call's jobs to the caller). If the worker thread
    /// is running a round, it may take them: the call waits for it and then runs the
    /// rest. Callbacks of earlier flushes that are due may therefore run on the
    /// caller's thread. Group commit is kept for callers that do not wait:
    /// [`RaftLogWriter::flush`] still hands off.
    ///
    /// `Ok` means every write before the call is durable, and every flush requested
    /// before the call has reported its outcome to its callback. An error means the
    /// log has failed (the writes may or may not be durable, as after a failed
    /// flush), or is read-only ([`Error::ReadOnly`]), or the worker is gone
    /// ([`Error::WorkerGone`]).
    /// In [`WorkerMode::Manual`] the worker is run inline until idle, like
    /// [`RaftLog::wait_worker_idle`].
    pub fn sync(&mut self) -> Result<(), Error> {
        self.check_writable()?;
        let ran = match &self.driver {
            Driver::Thread(thread) => {
                self.shared.submit_sync(self.writer.take_batch())?;
                thread.run_here()
            }
            Driver::Manual(worker) => {
                self.make_room();
                self.shared.submit_flush(self.writer.take_batch(), None)?;
                run_until_idle(worker);
                true
            }
        };
        match self.shared.failure() {
            Some(failure) => Err(failure),
            None if ran => Ok(()),
            None => Err(Error::WorkerGone),
        }
    }

    /// In [`WorkerMode::Manual`], runs one step of the flush worker and returns whether
    /// it did anything. In thread mode it does nothing and returns false. A hook for
    /// the deterministic simulator and tests, hidden from the documentation (not part
    /// of the stable API).
    #[doc(hidden)]
    pub fn run_worker_step(&self) -> bool {
        match &self.driver {
            Driver::Manual(worker) => worker.lock().step(),
            Driver::Thread(_) => false,
        }
    }

    /// Evicts every cached payload that may be evicted now (durable, and over the cache
    /// limits). Call after [`RaftLog::wait_worker_idle`] to bring the cache to a state
    /// that depends only on the operations, not on the worker's timing.
    pub fn drain_cache_evictable(&mut self) {
        self.evict();
    }

    /// Bytes from the start of the oldest chunk to the end of the open chunk,
    /// including writes not yet flushed.
    pub fn on_disk_size(&self) -> u64 {
        let start = self
            .chunks
            .first()
            .map_or(self.writer.global_end(), |c| c.chunk_id);
        self.writer.global_end() - start
    }

    /// The failure that stopped the log, if any.
    pub fn failure(&self) -> Option<Error> {
        self.shared.failure()
    }

    pub(crate) fn is_mutant(&self, mutant: Mutant) -> bool {
        self.config.is_mutant(mutant)
    }

    fn check_writable(&self) -> Result<(), Error> {
        if !self.recovery.applied {
            return Err(Error::ReadOnly);
        }
        match self.shared.failure() {
            Some(failure) => Err(failure),
            None => Ok(()),
        }
    }

    /// Encodes a record of `kind`, whose body `body` writes, into the batch, starting a
    /// new chunk first if the open one is full. A record larger than
    /// [`RECORD_SIZE_MAX_BYTES`] is taken out of the buffer again and refused: the op
    /// is then refused with nothing changed but, if the open chunk was full, the start
    /// of the next chunk (a state record of the unchanged state, as the next write
    /// would have made).
    #[inline]
    fn write_record(
        &mut self,
        kind: RecordKind,
        body: impl FnOnce(&mut Vec<u8>),
    ) -> Result<Segment, Error> {
        self.rotate_if_full();
        let (start, buf) = self.writer.begin_record(kind);
        body(buf);
        let segment = self.writer.finish_record(start);
        if segment.size > RECORD_SIZE_MAX_BYTES {
            self.writer.discard_record(start);
            return Err(Error::RecordTooLarge {
                what: kind.what(),
                size_bytes: segment.size,
                size_bytes_max: RECORD_SIZE_MAX_BYTES,
            });
        }
        let open = self.chunks.last_mut().expect("an open chunk");
        open.count_record(false);
        open.size_bytes = segment.end() - open.chunk_id;
        Ok(segment)
    }

    fn rotate_if_full(&mut self) {
        let full = match self.chunks.last() {
            None => true,
            Some(open) => {
                open.user_records_count > 0
                    && (open.user_records_count >= self.config.chunk_max_records()
                        || open.size_bytes >= self.config.chunk_max_size())
            }
        };
        if !full {
            return;
        }
        // A gone worker shows up at the next flush.
        let _ = self.submit(None);
        let chunk_id = self.writer.global_end();
        self.writer.start_chunk(chunk_id);
        let mut info = ChunkInfo::new(chunk_id);
        let (start, buf) = self.writer.begin_record(RecordKind::State);
        format::encode_state(&self.core.state, buf);
        let segment = self.writer.finish_record(start);
        info.count_record(true);
        info.size_bytes = segment.end() - chunk_id;
        self.chunks.push(info);
        // A large state record (user data near the record limit) goes as a batch of
        // its own, as any write past `batch_max_bytes` does: with the record that
        // follows it in one batch, the batch's length could pass its 32-bit field.
        self.after_write();
        // The chunk just closed may hold no entry the purge point leaves (a purge up to
        // the last entry, then more records): it goes now, as the open would remove
        // it. The new chunk's state record is handed to the worker with the removal,
        // which makes it durable first.
        self.remove_purged_chunks();
    }

    /// Hands the oldest closed chunks whose entries are all purged to the worker for
    /// removal (after everything written so far is durable).
    fn remove_purged_chunks(&mut self) {
        let removable = purgeable_prefix::<T>(&self.chunks, self.core.state.purged.as_ref());
        if removable > 0 {
            let ids = self.chunks.drain(..removable).map(|c| c.chunk_id).collect();
            // A gone worker shows up at the next flush; the writes themselves are valid.
            let _ = self.submit(Some(Job::Remove(ids)));
        }
    }

    /// Hands the buffered batch (if any) and then `then` to the worker.
    fn submit(&mut self, then: Option<Job<T>>) -> Result<(), Error> {
        self.make_room();
        self.shared.submit(self.writer.take_batch(), then)
    }

    /// Back-pressure in [`WorkerMode::Manual`]: while the buffered batch would take the
    /// worker's queue over [`Config::flush_queue_max_bytes`], runs the worker inline
    /// (in thread mode the submission waits for the worker thread instead).
    fn make_room(&self) {
        let Driver::Manual(worker) = &self.driver else {
            return;
        };
        let len = self.writer.buffered_bytes() as u64;
        let max = self.config.flush_queue_max_bytes();
        if len == 0 || !self.shared.over_limit(len, max) {
            return;
        }
        let mut worker = worker.lock();
        while self.shared.over_limit(len, max) && worker.step() {}
    }

    /// Hands a large batch to the worker without waiting for a flush.
    fn after_write(&mut self) {
        if self.writer.buffered_bytes() as u64 >= self.config.batch_max_bytes() {
            // A gone worker shows up at the next flush.
            let _ = self.submit(None);
        }
    }

    /// Validates and writes `entries` (leaving it empty on success); see
    /// [`RaftLogWriter::append`].
    fn append_collected(
        &mut self,
        entries: &mut Vec<(T::LogId, T::LogPayload, u64)>,
    ) -> Result<Segment, Error> {
        if let Some(purged) = &self.core.state.purged {
            // A leading run of entries the purge point already covers (a snapshot is
            // ahead of them) is skipped; any other entry at or below it (a covered one
            // after an uncovered one included) fails the checks below.
            let purged_index = T::log_index(purged);
            let covered = entries
                .iter()
                .take_while(|(log_id, _, _)| {
                    T::log_index(log_id) <= purged_index && log_id <= purged
                })
                .count();
            entries.drain(..covered);
        }
        if entries.is_empty() {
            return Ok(Segment {
                offset: self.writer.global_end(),
                size: 0,
            });
        }
        let mut last = self.core.state.last.as_ref();
        for (log_id, payload, payload_size_bytes) in entries.iter_mut() {
            LogCore::<T>::check_append_after(last, log_id)?;
            // The encoded size is known only once encoded (then checked again, in
            // `write_record`): its payload size refuses a huge entry before anything
            // of the batch is written. The size is kept for the cache (computed once:
            // a user's `payload_size` may cost more than a length).
            let size_bytes = T::payload_size(payload);
            *payload_size_bytes = size_bytes;
            if size_bytes > RECORD_SIZE_MAX_BYTES {
                return Err(Error::RecordTooLarge {
                    what: RecordKind::Append.what(),
                    size_bytes,
                    size_bytes_max: RECORD_SIZE_MAX_BYTES,
                });
            }
            last = Some(log_id);
        }
        let mut span: Option<Segment> = None;
        for (log_id, payload, payload_size_bytes) in entries.drain(..) {
            let segment = self.write_record(RecordKind::Append, |out| {
                log_id.encode(out);
                payload.encode(out);
            })?;
            let index = T::log_index(&log_id);
            self.chunks.last_mut().expect("an open chunk").max_log_index = Some(index);
            self.core
                .apply_append(log_id, segment.offset, segment.size as u32);
            self.cache
                .push(index, payload, payload_size_bytes, segment.end());
            span = Some(match span {
                None => segment,
                Some(first) => Segment {
                    offset: first.offset,
                    size: segment.end() - first.offset,
                },
            });
            self.after_write();
        }
        self.evict();
        Ok(span.expect("at least one entry"))
    }

    fn evict(&mut self) {
        let over_limits = self.cache.evict(
            self.config.cache_max_items(),
            self.config.cache_max_bytes(),
            self.shared.durable_offset(),
            self.is_mutant(Mutant::EvictUnsynced),
        );
        if over_limits {
            // Ask the worker for a sync so the cache can shrink back.
            self.shared.request_sync();
        }
    }
}

impl<T: Types> RaftLogWriter<T> for RaftLog<T> {
    fn save_vote(&mut self, vote: T::Vote) -> Result<Segment, Error> {
        self.check_writable()?;
        if self.is_mutant(Mutant::WriteBeforeValidate) {
            let segment = self.write_record(RecordKind::Vote, |out| vote.encode(out))?;
            self.core.check_vote(&vote)?;
            self.core.state.vote = Some(vote);
            return Ok(segment);
        }
        self.core.check_vote(&vote)?;
        let segment = self.write_record(RecordKind::Vote, |out| vote.encode(out))?;
        self.core.state.vote = Some(vote);
        self.after_write();
        Ok(segment)
    }

    fn append<I>(&mut self, entries: I) -> Result<Segment, Error>
    where
        I: IntoIterator<Item = (T::LogId, T::LogPayload)>,
    {
        self.check_writable()?;
        // Collected first (validation sees the whole batch before anything is encoded)
        // into a reused buffer: no allocation per append.
        let mut collected = std::mem::take(&mut self.append_scratch);
        collected.clear();
        collected.extend(
            entries
                .into_iter()
                .map(|(log_id, payload)| (log_id, payload, 0)),
        );
        let result = self.append_collected(&mut collected);
        // A rejected batch's payloads are not kept, nor a huge batch's capacity.
        collected.clear();
        if collected.capacity() <= APPEND_SCRATCH_CAPACITY_MAX {
            self.append_scratch = collected;
        }
        result
    }

    fn commit(&mut self, log_id: T::LogId) -> Result<Segment, Error> {
        self.check_writable()?;
        self.core.check_commit(&log_id)?;
        let segment = self.write_record(RecordKind::Commit, |out| log_id.encode(out))?;
        self.core.state.committed = Some(log_id);
        self.after_write();
        Ok(segment)
    }

    fn truncate(&mut self, index: u64) -> Result<Segment, Error> {
        self.check_writable()?;
        let new_last = self.core.check_truncate(index)?;
        let segment = self.write_record(RecordKind::Truncate, |out| {
            index.encode(out);
            new_last.encode(out);
        })?;
        self.core.apply_truncate(index, new_last);
        self.cache.truncate_from(index);
        self.after_write();
        Ok(segment)
    }

    fn purge(&mut self, upto: T::LogId) -> Result<Segment, Error> {
        self.check_writable()?;
        self.core.check_purge(&upto)?;
        let segment = self.write_record(RecordKind::Purge, |out| upto.encode(out))?;
        let next = T::log_index(&upto) + 1;
        self.core.apply_purge(upto);
        self.cache.purge_before(next);
        // The purge record reaches the worker with the removal, before it.
        self.remove_purged_chunks();
        self.after_write();
        Ok(segment)
    }

    fn save_user_data(&mut self, user_data: Option<T::UserData>) -> Result<Segment, Error> {
        self.check_writable()?;
        let segment = self.write_record(RecordKind::UserData, |out| user_data.encode(out))?;
        self.core.state.user_data = user_data;
        self.after_write();
        Ok(segment)
    }

    fn flush(&mut self, callback: Option<T::Callback>) -> Result<(), Error> {
        self.check_writable()?;
        self.make_room();
        self.shared.submit_flush(self.writer.take_batch(), callback)
    }
}

/// In [`WorkerMode::Manual`]: runs the worker inline until it is idle.
fn run_until_idle<T: Types>(worker: &Mutex<Box<Worker<T>>>) {
    let mut worker = worker.lock();
    while worker.step() {}
}

impl<T: Types> fmt::Debug for RaftLog<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RaftLog")
            .field("dir", &self.config.dir)
            .field("state", &self.core.state)
            .field("stat", &self.stat())
            .finish()
    }
}
