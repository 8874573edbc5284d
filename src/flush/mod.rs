//! The flush worker: writes closed batches, syncs them, reports to callbacks, removes
//! purged chunks.
//!
//! The worker is a state machine ([`Worker::step`]) with no clock and no thread of its
//! own. In production a background thread ([`FlushThread`]) runs it; in the simulator
//! the caller steps it by hand, at moments its seeded RNG picks.
//!
//! Group commit: the worker takes every job queued so far as one *round*, processes
//! the round's writes, then syncs once and reports to every callback of the round.
//!
//! # The protocol
//!
//! The log and the worker meet only in [`Shared`], whose fields are private. Forward,
//! the log queues [`Job`]s: chunk starts (a new chunk's file, then its first batch),
//! writes of closed batches, flushes carrying callbacks, and removals of purged chunks; a full
//! queue blocks the submitter (back-pressure, `Config::flush_queue_max_bytes`). Back,
//! the worker publishes four things the log reads without waiting for it:
//! - the *durable offset*: every byte before it is synced (the payload cache evicts
//!   only entries below it);
//! - the *failure*: the first I/O error or panic, after which every write is refused;
//! - the *sync request*, set by the log when its cache needs durable entries and
//!   cleared by the worker's next sync;
//! - *spare buffers*: written batch buffers, reused by the writer so a bulk load does
//!   not allocate.
//!
//! Idle is the one wait: [`Shared::wait_idle`] returns once every job queued before it
//! is processed (tests and `flush_wait` use it; nothing sleeps on time).

pub(crate) mod metrics;
#[cfg(test)]
mod model;
mod shared;
mod slot;
mod sync;
mod thread;
pub(crate) mod tracker;
mod worker;

pub(crate) use shared::{BatchBytes, Job, Shared};
pub(crate) use thread::FlushThread;
pub(crate) use worker::Worker;

use crate::error::Error;
use crate::types::Callback;
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// [`Error::Panicked`]'s `what` for a flush callback.
pub(crate) const CALLBACK_PANICKED: &str = "flush callback";
/// [`Error::Panicked`]'s `what` for the worker itself.
pub(crate) const WORKER_PANICKED: &str = "flush worker";

/// Reports `result` to `callback`, isolating the worker from it: a panic is caught
/// and returned as its message (the caller decides what it means for the log).
pub(crate) fn deliver<C: Callback>(callback: C, result: Result<(), Error>) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(move || callback.send(result))).map_err(|payload| {
        let message = panic_message(payload.as_ref());
        log::error!("raftwal: a flush callback panicked: {message}");
        message
    })
}

/// The message of a panic's payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic payload that is not a string)".to_string()
    }
}
