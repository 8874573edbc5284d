//! The background thread that drives the worker in production.

use super::shared::Shared;
use super::worker::Worker;
use crate::types::Types;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Spins (`spin_loop` hints, tens of nanoseconds each) on the queue hint before the
/// idle worker takes the queue lock.
const IDLE_SPINS: u32 = 10_000;
use std::thread::JoinHandle;

/// A running worker thread. Dropping it finishes the queued jobs and joins the thread.
pub(crate) struct FlushThread<T: Types> {
    shared: Arc<Shared<T>>,
    handle: Option<JoinHandle<()>>,
}

/// Marks the worker gone when the thread ends, even by a panic, so nobody waits on it
/// forever.
struct GoneOnDrop<T: Types>(Arc<Shared<T>>);

impl<T: Types> Drop for GoneOnDrop<T> {
    fn drop(&mut self) {
        let mut queue = self.0.queue.lock();
        queue.gone = true;
        queue.busy = false;
        self.0.idle.notify_all();
    }
}

impl<T: Types> FlushThread<T> {
    pub(crate) fn spawn(mut worker: Worker<T>, shared: Arc<Shared<T>>) -> std::io::Result<Self> {
        let thread_shared = shared.clone();
        let handle = std::thread::Builder::new()
            .name("raftwal-flush".to_string())
            .spawn(move || {
                let _gone = GoneOnDrop(thread_shared.clone());
                loop {
                    if !worker.has_local_work() {
                        // A caller that waits for each flush (append, flush, wait)
                        // submits the next request a few microseconds after its
                        // callback. Spin briefly on the lock-free hint first: taking the
                        // queue lock at that very moment would make the caller sleep
                        // on the lock and cost two context switches.
                        for _ in 0..IDLE_SPINS {
                            if thread_shared.jobs_pending.load(Ordering::Acquire) {
                                break;
                            }
                            std::hint::spin_loop();
                        }
                    }
                    if worker.step() {
                        continue;
                    }
                    let mut queue = thread_shared.queue.lock();
                    if queue.jobs.is_empty() {
                        if queue.shutdown {
                            break;
                        }
                        thread_shared.work_ready.wait(&mut queue);
                    }
                }
            })?;
        Ok(Self {
            shared,
            handle: Some(handle),
        })
    }
}

impl<T: Types> Drop for FlushThread<T> {
    fn drop(&mut self) {
        {
            let mut queue = self.shared.queue.lock();
            queue.shutdown = true;
            self.shared.work_ready.notify_all();
        }
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}
