//! [`WorkerSlot`]: the worker behind a lock, so that whoever needs it next runs it:
//! its thread, or a caller of [`crate::RaftLog::sync`] that would otherwise hand its
//! write to the thread and wait to be woken back.

use super::shared::Shared;
use super::sync::Mutex;
use super::worker::Worker;
use super::{panic_message, WORKER_PANICKED};
use crate::error::Error;
use crate::types::Types;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// The worker, run by one thread at a time. Empty once the worker is gone (its thread
/// stopped, or it panicked): its `Drop` has then reported to every callback it held or
/// that was queued, and the queue refuses new jobs.
pub(crate) struct WorkerSlot<T: Types> {
    worker: Mutex<Option<Box<Worker<T>>>>,
    shared: Arc<Shared<T>>,
}

impl<T: Types> WorkerSlot<T> {
    pub(crate) fn new(worker: Worker<T>, shared: Arc<Shared<T>>) -> Self {
        Self {
            worker: Mutex::new(Some(Box::new(worker))),
            shared,
        }
    }

    /// Runs the worker on the calling thread until it is idle: every job queued
    /// before the call is processed (written, synced, reported, removed). Waits first
    /// if another thread is running it. Returns false if the worker is gone.
    ///
    /// A panic of the worker itself (say, in a `Storage`) is caught: it fails the log
    /// like an I/O failure, and the worker is dropped, reporting to every callback.
    pub(crate) fn run_until_idle(&self) -> bool {
        let mut slot = self.worker.lock();
        let Some(worker) = slot.as_mut() else {
            return false;
        };
        let run = catch_unwind(AssertUnwindSafe(|| while worker.step() {}));
        if let Err(payload) = run {
            let cause = Error::Panicked {
                what: WORKER_PANICKED,
                message: panic_message(payload.as_ref()),
            };
            log::error!("raftwal: {cause}; the log refuses writes until it is reopened");
            self.shared.set_failure(Error::Failed {
                cause: Box::new(cause),
            });
            // Its Drop reports to every callback it holds or that is queued, and marks
            // the queue gone.
            *slot = None;
            return false;
        }
        true
    }

    /// True while a thread runs the worker (holds it). For the model tests.
    #[cfg(test)]
    pub(crate) fn is_running(&self) -> bool {
        self.worker.try_lock().is_none()
    }

    /// Drops the worker (if still there): every callback it holds or that is queued
    /// gets its outcome, and later submissions fail with [`Error::WorkerGone`].
    pub(crate) fn retire(&self) {
        let worker = self.worker.lock().take();
        drop(worker);
    }
}
