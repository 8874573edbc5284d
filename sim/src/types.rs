//! The types the simulated log is instantiated with, and the flush callback that
//! records every outcome for the oracle.

use raftwal::{Callback, Error, Types};
use std::sync::{Arc, Mutex};

/// `(term, index)`.
pub type LogId = (u64, u64);
/// `(term, voted_for)`.
pub type Vote = (u64, u64);
/// An entry's payload.
pub type Payload = String;

/// The simulator's instantiation of [`Types`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SimTypes;

impl Types for SimTypes {
    type LogId = LogId;
    type LogPayload = Payload;
    type Vote = Vote;
    type UserData = String;
    type Callback = FlushRecorder;

    fn log_index(log_id: &LogId) -> u64 {
        log_id.1
    }

    fn payload_size(payload: &Payload) -> u64 {
        payload.len() as u64
    }
}

/// Every flush outcome reported so far, in the order the worker reported them:
/// `(flush id, result)`. The worker runs inline, so the order is deterministic.
pub type Outcomes = Arc<Mutex<Vec<(u64, Result<(), Error>)>>>;

/// A flush callback that records its outcome under its flush id.
pub struct FlushRecorder {
    id: u64,
    outcomes: Outcomes,
}

impl FlushRecorder {
    /// A callback for flush `id`, recording into `outcomes`.
    pub fn new(id: u64, outcomes: Outcomes) -> Self {
        Self { id, outcomes }
    }
}

impl Callback for FlushRecorder {
    fn send(self, result: Result<(), Error>) {
        let mut outcomes = self.outcomes.lock().unwrap_or_else(|p| p.into_inner());
        outcomes.push((self.id, result));
    }
}

/// Takes every recorded outcome.
pub fn take_outcomes(outcomes: &Outcomes) -> Vec<(u64, Result<(), Error>)> {
    std::mem::take(&mut *outcomes.lock().unwrap_or_else(|p| p.into_inner()))
}
