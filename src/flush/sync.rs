//! The synchronisation primitives of the flush queue, its worker thread and
//! [`crate::FlushTracker`], named in one place so that the model-checking tests
//! (`model`) compile the very same code against shuttle's primitives instead. The API
//! is parking_lot's (a guard from `lock()`, `Condvar::wait(&mut guard)`).

pub(crate) use parking_lot::{Condvar, Mutex, RwLock};
pub(crate) use std::hint::spin_loop;

pub(crate) mod atomic {
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
}

pub(crate) mod thread {
    pub(crate) use std::thread::JoinHandle;

    /// Spawns a thread named `name`.
    pub(crate) fn spawn_named<F>(name: &str, f: F) -> std::io::Result<JoinHandle<()>>
    where
        F: FnOnce() + Send + 'static,
    {
        std::thread::Builder::new().name(name.to_string()).spawn(f)
    }
}
