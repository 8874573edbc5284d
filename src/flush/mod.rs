//! The flush worker: writes closed batches, syncs them, reports to callbacks, removes
//! purged chunks.
//!
//! The worker is a state machine ([`Worker::step`]) with no clock and no thread of its
//! own. In production a background thread ([`FlushThread`]) runs it; in the simulator
//! the caller steps it by hand, at moments its seeded RNG picks.
//!
//! Group commit: the worker takes every job queued so far as one *round*, processes
//! the round's writes, then syncs once and reports to every callback of the round.

mod shared;
mod thread;
mod worker;

pub(crate) use shared::{BatchBytes, Job, Shared};
pub(crate) use thread::FlushThread;
pub(crate) use worker::Worker;
