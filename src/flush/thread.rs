//! The background thread that drives the worker in production.

use super::shared::Shared;
use super::sync::thread::{spawn_named, JoinHandle};
use super::worker::Worker;
use super::{panic_message, WORKER_PANICKED};
use crate::error::Error;
use crate::types::Types;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// A running worker thread. Dropping it finishes the queued jobs and joins the thread.
pub(crate) struct FlushThread<T: Types> {
    shared: Arc<Shared<T>>,
    handle: Option<JoinHandle<()>>,
}

impl<T: Types> FlushThread<T> {
    pub(crate) fn spawn(mut worker: Worker<T>, shared: Arc<Shared<T>>) -> std::io::Result<Self> {
        let thread_shared = shared.clone();
        let handle = spawn_named("raftwal-flush", move || {
            // Callbacks are isolated inside the worker; a panic that still gets
            // here is the worker's own (or its storage's): it fails the log like an
            // I/O failure instead of vanishing with the thread.
            let run = catch_unwind(AssertUnwindSafe(|| run(&mut worker, &thread_shared)));
            if let Err(payload) = run {
                let cause = Error::Panicked {
                    what: WORKER_PANICKED,
                    message: panic_message(payload.as_ref()),
                };
                log::error!("raftwal: {cause}; the log refuses writes until it is reopened");
                thread_shared.set_failure(Error::Failed {
                    cause: Box::new(cause),
                });
            }
            // Reports to every callback the worker still holds or that is still
            // queued, and marks the worker gone.
            drop(worker);
        })?;
        Ok(Self {
            shared,
            handle: Some(handle),
        })
    }
}

/// The worker thread's loop: runs the worker until the log shuts down and the queue is
/// empty. An idle worker sleeps on the condition variable at once: it used to spin
/// (10,000 `spin_loop` hints on a lock-free "jobs pending" hint) before it slept, which
/// measured no faster on an idle machine and burned a core on a busy one (issue 10).
fn run<T: Types>(worker: &mut Worker<T>, shared: &Shared<T>) {
    loop {
        if worker.step() {
            continue;
        }
        if !shared.wait_for_work() {
            return;
        }
    }
}

impl<T: Types> Drop for FlushThread<T> {
    fn drop(&mut self) {
        self.shared.shut_down();
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}
