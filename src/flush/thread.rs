//! The background thread that drives the worker in production.

use super::shared::Shared;
use super::slot::WorkerSlot;
use super::sync::thread::{spawn_named, JoinHandle};
use super::worker::Worker;
use crate::types::Types;
use std::sync::Arc;

/// A running worker thread. Dropping it finishes the queued jobs and joins the thread.
///
/// The worker sits in a [`WorkerSlot`]: a caller may run it on its own thread instead
/// ([`FlushThread::run_here`]), which the thread then simply finds idle.
pub(crate) struct FlushThread<T: Types> {
    shared: Arc<Shared<T>>,
    slot: Arc<WorkerSlot<T>>,
    handle: Option<JoinHandle<()>>,
}

impl<T: Types> FlushThread<T> {
    pub(crate) fn spawn(worker: Worker<T>, shared: Arc<Shared<T>>) -> std::io::Result<Self> {
        let slot = Arc::new(WorkerSlot::new(worker, shared.clone()));
        let thread_slot = slot.clone();
        let thread_shared = shared.clone();
        let handle = spawn_named("raftwal-flush", move || {
            run(&thread_slot, &thread_shared);
            // Reports to every callback the worker still holds or that is still
            // queued, and marks the worker gone.
            thread_slot.retire();
        })?;
        Ok(Self {
            shared,
            slot,
            handle: Some(handle),
        })
    }

    /// Runs the worker on the calling thread until every job queued so far is
    /// processed (waiting first for the thread if it is running it), with no hand-off
    /// to the worker thread and no wake-up back. Returns false if the worker is gone.
    pub(crate) fn run_here(&self) -> bool {
        self.slot.run_until_idle()
    }

    /// True while some thread runs the worker. Used only by the `flush::model` copy of
    /// this file; in the `flush` copy it is dead, hence the allow.
    #[cfg(test)]
    #[allow(dead_code)]
    pub(crate) fn worker_is_running(&self) -> bool {
        self.slot.is_running()
    }
}

/// The worker thread's loop: runs the worker until the log shuts down and the queue is
/// empty, or the worker is gone (it panicked: the slot has failed the log). It looks
/// at the queue before it takes the worker, from its first round on, and while it
/// waits it leaves the jobs a sync claimed to that sync's caller
/// (`Shared::wait_for_work`; a round already running takes them): a thread that took
/// the worker at its start, or took a sync's jobs, held it just when that sync wanted
/// it, and on a busy machine made the sync wait for the thread to get a core. An idle
/// worker sleeps on the condition variable at once: it used to spin (10,000
/// `spin_loop` hints on a lock-free "jobs pending" hint) before it slept, which
/// measured no faster on an idle machine and burned a core on a busy one (issue 10).
fn run<T: Types>(slot: &WorkerSlot<T>, shared: &Shared<T>) {
    while shared.wait_for_work() {
        if !slot.run_until_idle() {
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
