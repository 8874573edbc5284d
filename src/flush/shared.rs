//! What the log and its worker share: the job queue, the idle signal, the durable
//! offset, the failure, and the open chunk files.

use crate::error::Error;
use crate::format::BatchHeader;
use crate::storage::StorageFile;
use crate::types::Types;
use parking_lot::{Condvar, Mutex, RwLock};
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// A unit of work for the worker.
pub(crate) enum Job<T: Types> {
    /// Write `bytes` at `file_offset` of chunk `chunk_id` (creating the chunk file if it
    /// is not the current one). The batch header at `batch_header_pos` is completed by
    /// the worker with the durable offset it knows when it writes.
    Write {
        chunk_id: u64,
        file_offset: u64,
        bytes: Vec<u8>,
        batch_header_pos: usize,
        header: BatchHeader,
    },
    /// Report to the callback once everything before is durable.
    Flush(Option<T::Callback>),
    /// Remove these chunks, oldest first, once everything before is durable.
    Remove(Vec<u64>),
}

/// The queue and the worker's busy flag, under one lock.
pub(crate) struct Queue<T: Types> {
    pub(crate) jobs: VecDeque<Job<T>>,
    /// The worker holds a round it has not finished.
    pub(crate) busy: bool,
    /// The log is being dropped: finish the queue and stop.
    pub(crate) shutdown: bool,
    /// The worker thread has stopped.
    pub(crate) gone: bool,
}

/// State shared between the log and its worker.
pub(crate) struct Shared<T: Types> {
    pub(crate) queue: Mutex<Queue<T>>,
    /// Signalled when jobs are queued or shutdown is asked.
    pub(crate) work_ready: Condvar,
    /// Signalled when the worker runs out of work.
    pub(crate) idle: Condvar,
    /// Every byte before this global offset is durable.
    durable_offset: AtomicU64,
    failed: AtomicBool,
    failure: Mutex<Option<Error>>,
    /// Open chunk files by chunk id, for positional reads.
    pub(crate) files: RwLock<BTreeMap<u64, Arc<dyn StorageFile>>>,
}

impl<T: Types> Shared<T> {
    pub(crate) fn new(durable_offset: u64, files: BTreeMap<u64, Arc<dyn StorageFile>>) -> Self {
        Self {
            queue: Mutex::new(Queue {
                jobs: VecDeque::new(),
                busy: false,
                shutdown: false,
                gone: false,
            }),
            work_ready: Condvar::new(),
            idle: Condvar::new(),
            durable_offset: AtomicU64::new(durable_offset),
            failed: AtomicBool::new(false),
            failure: Mutex::new(None),
            files: RwLock::new(files),
        }
    }

    /// Queues jobs and wakes the worker. Fails if the worker thread is gone (then
    /// nobody would ever process them).
    pub(crate) fn submit(&self, jobs: impl IntoIterator<Item = Job<T>>) -> Result<(), Error> {
        let mut queue = self.queue.lock();
        if queue.gone {
            return Err(Error::WorkerGone);
        }
        queue.jobs.extend(jobs);
        self.work_ready.notify_one();
        Ok(())
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

    pub(crate) fn file(&self, chunk_id: u64) -> Option<Arc<dyn StorageFile>> {
        self.files.read().get(&chunk_id).cloned()
    }
}
