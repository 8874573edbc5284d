//! The background thread that drives the worker in production.

use super::shared::Shared;
use super::worker::Worker;
use crate::types::Types;
use std::sync::Arc;
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
