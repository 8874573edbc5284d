//! Model checking of the flush queue, the worker thread and [`crate::FlushTracker`]
//! with [shuttle](https://docs.rs/shuttle): the real `shared.rs`, `worker.rs`,
//! `slot.rs`, `thread.rs` and `tracker.rs` are compiled a second time here, against shuttle's
//! mutexes, condition variables, atomics and threads (`model/sync.rs`, the same API
//! as `flush/sync.rs`), and run under thousands of randomized schedules (PCT and
//! uniform random) per scenario; see `tests.rs`.
//!
//! `RAFTWAL_SHUTTLE_ITERATIONS=N` runs N schedules per scheduler and scenario instead
//! of the default.
// The same files are deliberately modules twice: here and in `flush`.
#![allow(dead_code, clippy::duplicate_mod)]

#[path = "../metrics.rs"]
mod metrics;
#[path = "../shared.rs"]
mod shared;
#[path = "../slot.rs"]
mod slot;
mod sync;
#[path = "../thread.rs"]
mod thread;
#[path = "../tracker.rs"]
mod tracker;
#[path = "../worker.rs"]
mod worker;

mod tests;

use super::{deliver, panic_message, CALLBACK_PANICKED, WORKER_PANICKED};
