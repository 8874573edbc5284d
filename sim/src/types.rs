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

/// A flush callback that records its outcome under its flush id, and under the ids of
/// the callbacks it absorbed ([`Callback::absorb`]), in their order.
pub struct FlushRecorder {
    /// This flush's id, then those of the absorbed flushes.
    ids: Vec<u64>,
    outcomes: Outcomes,
}

impl FlushRecorder {
    /// A callback for flush `id`, recording into `outcomes`.
    pub fn new(id: u64, outcomes: Outcomes) -> Self {
        Self {
            ids: vec![id],
            outcomes,
        }
    }
}

impl Callback for FlushRecorder {
    fn send(self, result: Result<(), Error>) {
        let mut outcomes = self.outcomes.lock().unwrap_or_else(|p| p.into_inner());
        for id in self.ids {
            outcomes.push((id, result.clone()));
        }
    }

    /// Folds the next flush's recorder unless its id is a multiple of 3, so that runs
    /// exercise both the folded and the refused path. A folded recorder records the
    /// same outcomes in the same order as separate ones: the oracle's check of every
    /// flush's outcome (exactly once, in order, `Ok` only once durable) covers the
    /// log's folding, and a run's outcomes do not depend on it.
    fn absorb(&mut self, next: Self) -> Result<(), Self> {
        if next.ids[0].is_multiple_of(3) || !Arc::ptr_eq(&self.outcomes, &next.outcomes) {
            return Err(next);
        }
        self.ids.extend(next.ids);
        Ok(())
    }
}

/// Takes every recorded outcome.
pub fn take_outcomes(outcomes: &Outcomes) -> Vec<(u64, Result<(), Error>)> {
    std::mem::take(&mut *outcomes.lock().unwrap_or_else(|p| p.into_inner()))
}
