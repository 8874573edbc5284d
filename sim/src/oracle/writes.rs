//! The rules about writes (and the result of a flush call): the result is the one
//! the model expects, an accepted write leaves the log in the model's state, and a
//! rejected one changes nothing.

use super::{breach, Breach};
use crate::model::Model;
use crate::trace::format::{show, show_expected};
use crate::types::SimTypes;
use raftwal::{Error, ErrorKind, RaftLog, RaftLogState, Stat};

/// What an invalid op must leave unchanged.
#[derive(Debug, PartialEq)]
pub struct Fingerprint {
    state: RaftLogState<SimTypes>,
    on_disk_size: u64,
    stat: Stat,
}

/// The fingerprint of `log` now.
pub fn fingerprint(log: &RaftLog<SimTypes>) -> Fingerprint {
    Fingerprint {
        state: log.log_state().clone(),
        on_disk_size: log.on_disk_size(),
        stat: log.stat(),
    }
}

/// An op's result has the kind the model expected.
pub fn op_result<T>(
    expected: &Result<(), ErrorKind>,
    result: &Result<T, Error>,
) -> Result<(), Breach> {
    let actual = result.as_ref().map(|_| ()).map_err(|e| e.kind());
    if actual != *expected {
        return Err(breach("op result", show_expected(expected), show(result)));
    }
    Ok(())
}

/// After an accepted write the log's state and first index are the model's.
pub fn state_after_op(model: &Model, log: &RaftLog<SimTypes>) -> Result<(), Breach> {
    if !model.state_matches(log.log_state()) || log.first_index() != model.first_index() {
        return Err(breach(
            "state after op",
            format!("{:?}, first index {}", model.state(), model.first_index()),
            format!("{:?}, first index {}", log.log_state(), log.first_index()),
        ));
    }
    Ok(())
}

/// A rejected write left the log as it was (`before`, taken before the call).
pub fn rejected_unchanged(before: &Option<Fingerprint>, after: &Fingerprint) -> Result<(), Breach> {
    if before.as_ref() != Some(after) {
        return Err(breach(
            "rejected op changed the log",
            format!("unchanged: {before:?}"),
            format!("{after:?}"),
        ));
    }
    Ok(())
}
