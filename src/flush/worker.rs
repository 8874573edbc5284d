//! The worker state machine.

use super::shared::{Job, QueuedWrite, Shared};
use super::{deliver, CALLBACK_PANICKED};
use crate::config::Config;
use crate::error::Error;
use crate::format::{chunk_file_name, BatchHeader};
use crate::storage::{Storage, StorageFile};
use crate::types::Types;
use std::collections::VecDeque;
use std::sync::Arc;

/// Unsynced bytes after which a round ends with a sync even if nobody asked for it.
const UNSYNCED_BYTES_MAX: u64 = 64 << 20;
/// Written bytes, neither synced nor handed to writeback yet, after which the worker
/// starts their writeback ([`StorageFile::start_writeback`]).
const WRITEBACK_STEP_BYTES: u64 = 4 << 20;

/// The flush worker. Owns the current chunk file's write side.
pub(crate) struct Worker<T: Types> {
    storage: Arc<dyn Storage>,
    shared: Arc<Shared<T>>,
    config: Arc<Config>,
    /// The chunk being written: (chunk id, file).
    current: Option<(u64, Arc<dyn StorageFile>)>,
    /// Global offset just past the last byte written.
    written_end: u64,
    /// The length of the current chunk file, space reserved ahead of `written_end`
    /// included; `None` until known (a chunk continued after an open).
    file_len_bytes: Option<u64>,
    /// Global offset up to which everything is durable.
    durable_offset: u64,
    /// Global offset up to which writes were handed to writeback (or synced).
    writeback_end: u64,
    /// Bytes were written since the last sync.
    dirty: bool,
    /// Callbacks of the round, waiting for its sync.
    waiting: Vec<T::Callback>,
    /// Purged chunks still to remove, oldest first.
    removal_backlog: Vec<u64>,
    /// A flush (with or without callback) asked for a sync.
    sync_requested: bool,
    /// Jobs of the current round not yet processed.
    round: VecDeque<Job<T>>,
    failure: Option<Error>,
}

impl<T: Types> Worker<T> {
    /// A worker continuing the chunk `current` (if any), durable up to `durable_offset`.
    pub(crate) fn new(
        storage: Arc<dyn Storage>,
        shared: Arc<Shared<T>>,
        config: Arc<Config>,
        current: Option<(u64, Arc<dyn StorageFile>)>,
        durable_offset: u64,
    ) -> Self {
        Self {
            storage,
            shared,
            config,
            current,
            written_end: durable_offset,
            file_len_bytes: None,
            durable_offset,
            writeback_end: durable_offset,
            dirty: false,
            waiting: Vec::new(),
            sync_requested: false,
            removal_backlog: Vec::new(),
            round: VecDeque::new(),
            failure: None,
        }
    }

    /// Runs one step: takes a new round, or processes one job of the round, or syncs
    /// the round and reports to its callbacks. Returns false (and signals idle) when
    /// there was nothing to do.
    pub(crate) fn step(&mut self) -> bool {
        if self.round.is_empty() {
            if self.sync_due() {
                self.sync_and_report();
                return true;
            }
            if !self.shared.take_round(&mut self.round) {
                return false;
            }
        }
        let job = self.round.pop_front().expect("a job in the round");
        self.process(job);
        true
    }

    /// A round ends with a sync when a flush waits for it, when the payload cache
    /// needs durable entries to evict, or when a large amount of bytes is unsynced.
    /// Writes without flushes (a bulk load) are not synced after every batch.
    fn sync_due(&self) -> bool {
        self.sync_requested
            || (self.dirty
                && (self.shared.sync_requested()
                    || self.written_end - self.durable_offset >= UNSYNCED_BYTES_MAX))
    }

    fn process(&mut self, job: Job<T>) {
        match job {
            Job::StartChunk(write) => {
                if self.failure.is_none() {
                    debug_assert_ne!(
                        self.current.as_ref().map(|c| c.0),
                        Some(write.chunk_id),
                        "chunk {} started twice",
                        write.chunk_id
                    );
                    self.switch_chunk(write.chunk_id);
                }
                self.write_queued(write);
            }
            Job::Write(write) => {
                debug_assert!(
                    self.failure.is_some()
                        || self.current.as_ref().map(|c| c.0) == Some(write.chunk_id),
                    "a write to chunk {}, which is not the current one",
                    write.chunk_id
                );
                self.write_queued(write);
            }
            Job::Flush(mut callbacks) => {
                self.sync_requested = true;
                if let Some(failure) = &self.failure {
                    for callback in callbacks {
                        // The log has failed already: a panic changes nothing more.
                        let _ = deliver(callback, Err(failure.clone()));
                    }
                } else {
                    self.waiting.append(&mut callbacks);
                }
            }
            Job::Remove(chunk_ids) => {
                // The purge that allows the removal must be durable first.
                self.sync_and_report();
                if self.failure.is_some() {
                    return;
                }
                self.removal_backlog.extend(chunk_ids);
                self.remove_backlog();
            }
        }
    }

    /// Writes a queued write to the current chunk (unless the log failed); either way
    /// its bytes are no longer queued.
    fn write_queued(&mut self, write: QueuedWrite) {
        let len = write.bytes.len() as u64;
        self.shared.metrics().dequeued(write.queued_at);
        let written = self.write(
            write.chunk_id,
            write.file_offset,
            write.bytes,
            write.batch_header_positions,
        );
        // One lock for both: the byte count and, once written, the buffer for reuse.
        self.shared.dequeued_and_recycle(len, written);
    }

    /// Seals the batches of a write and writes it (unless the log failed); returns
    /// the written buffer for reuse (`None` if nothing was written).
    fn write(
        &mut self,
        chunk_id: u64,
        file_offset: u64,
        mut bytes: Vec<u8>,
        batch_header_positions: Vec<usize>,
    ) -> Option<Vec<u8>> {
        if self.failure.is_some() {
            return None;
        }
        // Writes are contiguous: each continues exactly where the last one ended (a
        // new chunk starts at its id, which is the global end of the one before).
        debug_assert_eq!(
            chunk_id + file_offset,
            self.written_end,
            "a write that does not continue the last one"
        );
        let batches = batch_header_positions.len() as u64;
        for pos in batch_header_positions {
            let batch_offset = chunk_id + file_offset + pos as u64;
            BatchHeader::seal(&mut bytes[pos..], batch_offset, self.durable_offset);
        }
        self.reserve_space(file_offset + bytes.len() as u64);
        let (_, file) = self.current.as_ref().expect("current chunk");
        let started = self.shared.metrics().now();
        if let Err(e) = file.write_at(file_offset, &bytes) {
            self.fail(Error::io(
                "write",
                self.storage.path_of(&chunk_file_name(chunk_id)),
                e,
            ));
            return None;
        }
        self.shared
            .metrics()
            .wrote(bytes.len() as u64, batches, started);
        self.dirty = true;
        self.written_end = chunk_id + file_offset + bytes.len() as u64;
        self.start_writeback_if_due();
        Some(bytes)
    }

    /// Hands the written and unsynced bytes of the current chunk to writeback once
    /// there are [`WRITEBACK_STEP_BYTES`] of them, so that a bulk load keeps the device
    /// busy rather than leave everything to its next sync. A failure costs only speed.
    fn start_writeback_if_due(&mut self) {
        let from = self.writeback_end.max(self.durable_offset);
        if self.written_end - from < WRITEBACK_STEP_BYTES {
            return;
        }
        let Some((chunk_id, file)) = self.current.as_ref() else {
            return;
        };
        // A chunk starts only after the one before is synced: unsynced bytes all lie
        // in the current chunk.
        debug_assert!(from >= *chunk_id, "unsynced bytes before the current chunk");
        if let Err(e) = file.start_writeback(from - chunk_id, self.written_end - from) {
            log::debug!(
                "raftwal: could not start the writeback of {}: {e}",
                chunk_file_name(*chunk_id)
            );
        }
        self.writeback_end = self.written_end;
    }

    /// Removes the purged chunks of the backlog, oldest first, each removal made
    /// durable before the next, so the chunks left after any crash are always a
    /// contiguous run. On a failure the rest stays in the backlog (in order) for the
    /// next removal, or for the next open, which removes purged chunks too: a later
    /// purge never removes a newer chunk while an older one is left behind.
    fn remove_backlog(&mut self) {
        while let Some(&chunk_id) = self.removal_backlog.first() {
            let name = chunk_file_name(chunk_id);
            let removed = match self.storage.remove(&name) {
                // A retry after a failed sync_dir: the name is gone already.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                other => other,
            };
            if let Err(e) = removed.and_then(|()| self.storage.sync_dir()) {
                log::warn!(
                    "raftwal: could not remove purged chunk {}: {e}; retrying at the next purge or open",
                    self.storage.path_of(&name).display()
                );
                return;
            }
            self.shared.remove_file(chunk_id);
            self.removal_backlog.remove(0);
        }
    }

    /// Makes sure the current chunk file is at least `end_in_file` bytes long,
    /// reserving `chunk_preallocate_size` bytes at a time, so that the sync after a
    /// write inside the reservation commits no file-size change. A failed
    /// reservation only costs speed: the write then extends the file itself.
    fn reserve_space(&mut self, end_in_file: u64) {
        let step = self.config.chunk_preallocate_size();
        let Some((chunk_id, file)) = self.current.as_ref() else {
            return;
        };
        if step == 0 {
            return;
        }
        let file_len = self.current_file_len(file.as_ref()).unwrap_or(0);
        if end_in_file <= file_len {
            self.file_len_bytes = Some(file_len);
            return;
        }
        let target = (end_in_file / step).saturating_add(1).saturating_mul(step);
        debug_assert!(target > end_in_file);
        if let Err(e) = file.allocate(target) {
            log::debug!(
                "raftwal: could not reserve {target} bytes for {}: {e}",
                chunk_file_name(*chunk_id)
            );
        }
        // Even after a failure: the next attempt is one step further on.
        self.file_len_bytes = Some(target);
    }

    /// Cuts the current chunk file to its written length (the space reserved past it
    /// is never used), before the sync that closes the chunk. If the cut is lost or
    /// fails, the open cuts the bytes past the next chunk's start.
    fn cut_reserved_space(&mut self) {
        let Some((chunk_id, file)) = self.current.as_ref() else {
            return;
        };
        let file_len = self.current_file_len(file.as_ref());
        self.file_len_bytes = None;
        debug_assert!(
            self.written_end >= *chunk_id,
            "written end before its chunk"
        );
        let used = self.written_end - chunk_id;
        if file_len.is_some_and(|len| len > used) {
            match file.set_len(used) {
                Ok(()) => self.dirty = true,
                Err(e) => log::debug!(
                    "raftwal: could not cut the reserved space of {}: {e}",
                    chunk_file_name(*chunk_id)
                ),
            }
        }
    }

    /// The length of the current chunk file `file`: known since its creation or its
    /// first write, asked of the file otherwise (no write reached it since the open).
    fn current_file_len(&self, file: &dyn StorageFile) -> Option<u64> {
        self.file_len_bytes.or_else(|| file.len().ok())
    }

    /// Syncs the current chunk (cut to its written length), then creates chunk
    /// `chunk_id` and makes its name durable.
    fn switch_chunk(&mut self, chunk_id: u64) {
        self.cut_reserved_space();
        self.sync_and_report();
        if self.failure.is_some() {
            return;
        }
        let name = chunk_file_name(chunk_id);
        let file = match self.storage.create(&name) {
            Ok(file) => file,
            Err(e) => return self.fail(Error::io("create", self.storage.path_of(&name), e)),
        };
        self.shared.add_file(chunk_id, file.clone());
        // A failed directory sync names the file whose creation it was to make durable.
        if let Err(e) = self.storage.sync_dir() {
            return self.fail(Error::io("sync_dir", self.storage.path_of(&name), e));
        }
        self.current = Some((chunk_id, file));
        self.file_len_bytes = Some(0);
    }

    /// Makes every write so far durable and reports to the waiting callbacks.
    fn sync_and_report(&mut self) {
        self.sync_requested = false;
        if self.dirty {
            let (chunk_id, file) = self
                .current
                .as_ref()
                .expect("dirty implies a current chunk");
            let started = self.shared.metrics().now();
            if let Err(e) = file.sync_data() {
                // The bytes since the last good sync may now be gone from the disk
                // while reads still show them (fsyncgate); the open rewrites them
                // before it trusts them (see `log::recovery`).
                let name = chunk_file_name(*chunk_id);
                return self.fail(Error::io("sync_data", self.storage.path_of(&name), e));
            }
            self.dirty = false;
            self.shared.metrics().synced(started);
            self.shared.sync_done();
            self.durable_offset = self.written_end;
            self.shared.set_durable_offset(self.durable_offset);
        }
        // Every waiting callback gets its outcome (its writes are durable), even after
        // one of them panicked; the first panic then fails the log.
        let mut panicked = None;
        for callback in self.waiting.drain(..) {
            if let Err(message) = deliver(callback, Ok(())) {
                panicked.get_or_insert(message);
            }
        }
        if let Some(message) = panicked {
            self.fail(callback_panicked(message));
        }
    }

    /// Stops the log: every waiting and later callback gets the error, and nothing more
    /// is written until the log is reopened.
    fn fail(&mut self, cause: Error) {
        log::error!("raftwal: {cause}; the log refuses writes until it is reopened");
        let failure = Error::Failed {
            cause: Box::new(cause),
        };
        self.shared.set_failure(failure.clone());
        self.dirty = false;
        for callback in self.waiting.drain(..) {
            // The log is failed already: a panic changes nothing more.
            let _ = deliver(callback, Err(failure.clone()));
        }
        self.failure = Some(failure);
    }
}

/// The cause of the failure after a flush callback panicked with `message`.
fn callback_panicked(message: String) -> Error {
    Error::Panicked {
        what: CALLBACK_PANICKED,
        message,
    }
}

/// Whoever drops the worker (the end of its thread, even by a panic, or the log in
/// [`crate::WorkerMode::Manual`]) leaves no callback without its outcome: those it holds
/// and those still queued get the log's failure, or [`Error::WorkerGone`] (nothing
/// runs the worker any more, so their writes are not known to be durable). The queue
/// is marked gone, so later submissions fail and waiters for idle return.
impl<T: Types> Drop for Worker<T> {
    fn drop(&mut self) {
        let mut callbacks = std::mem::take(&mut self.waiting);
        for job in std::mem::take(&mut self.round) {
            match job {
                Job::Flush(more) => callbacks.extend(more),
                other => self.shared.dequeued(other.queued_bytes()),
            }
        }
        callbacks.extend(self.shared.abandon());
        if !callbacks.is_empty() {
            let error = self
                .failure
                .clone()
                .or_else(|| self.shared.failure())
                .unwrap_or(Error::WorkerGone);
            for callback in callbacks {
                let _ = deliver(callback, Err(error.clone()));
            }
        }
        self.shared.abandoned();
    }
}
