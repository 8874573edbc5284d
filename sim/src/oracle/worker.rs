//! The rules about flushes, the worker and callbacks: exactly one callback per
//! accepted flush, every one reported once the worker is idle (or a sync returned),
//! errors only as `Error::Failed` on a failed log, and the worker gets idle.

use super::{breach, Breach};
use crate::trace::format::show;
use raftwal::{Error, ErrorKind};
use std::collections::BTreeMap;

/// A callback reported for flush `id`, which is not pending (`pending`: its last
/// write before it, if it is).
pub fn callback_pending(
    id: u64,
    result: &Result<(), Error>,
    pending: Option<u64>,
) -> Result<u64, Breach> {
    pending.ok_or_else(|| {
        breach(
            "callback",
            "exactly one call per accepted flush",
            format!(
                "flush #{id} reported {} again, or after being refused",
                show(result)
            ),
        )
    })
}

/// An error callback only on a failed log, with `Error::Failed`.
pub fn error_callback(id: u64, e: &Error, failed: bool) -> Result<(), Breach> {
    if e.kind() != ErrorKind::Failed || !failed {
        return Err(breach(
            "callback",
            "an error callback only once the log failed, with Error::Failed",
            format!("flush #{id} reported Err({:?}: {e})", e.kind()),
        ));
    }
    Ok(())
}

/// Every flush accepted before a sync (on a log not failed before it) reported when
/// it returns.
pub fn sync_reported_all(was_failed: bool, pending: &BTreeMap<u64, u64>) -> Result<(), Breach> {
    if !was_failed && !pending.is_empty() {
        return Err(breach(
            "sync",
            "every flush accepted before a sync (on a log not failed) reported when it returns",
            format!(
                "flushes {:?} never reported",
                pending.keys().collect::<Vec<_>>()
            ),
        ));
    }
    Ok(())
}

/// An error from sync only on a failed log, with `Error::Failed`.
pub fn sync_error(e: &Error, failed: bool) -> Result<(), Breach> {
    if e.kind() == ErrorKind::Failed && failed {
        return Ok(());
    }
    Err(breach(
        "sync",
        "an error from sync only once the log failed, with Error::Failed",
        format!("Err({:?}: {e})", e.kind()),
    ))
}

/// The worker got idle within `max` steps (`n` so far).
pub fn worker_idle(n: u64, max: u64) -> Result<(), Breach> {
    if n > max {
        return Err(breach(
            "worker",
            "the worker gets idle",
            format!("still busy after {n} steps"),
        ));
    }
    Ok(())
}

/// Every accepted flush reported once the worker is idle.
pub fn idle_reported_all(pending: &BTreeMap<u64, u64>) -> Result<(), Breach> {
    all_reported(
        pending,
        "every accepted flush reported once the worker is idle",
    )
}

/// A log dropped without a drain (a crash, a power loss) reports each flush still
/// pending with an error: `Error::WorkerGone`, or `Error::Failed` once the log failed.
/// Never `Ok`: a drop syncs nothing, so an `Ok` would acknowledge writes no sync made
/// durable.
pub fn dropped_log_callback(
    id: u64,
    result: &Result<(), Error>,
    failed: bool,
) -> Result<(), Breach> {
    match result {
        Err(e) if e.kind() == ErrorKind::WorkerGone || (failed && e.kind() == ErrorKind::Failed) => {
            Ok(())
        }
        other => Err(breach(
            "callback",
            "a flush pending when the log is dropped reports Err(WorkerGone), or Err(Failed) once the log failed",
            format!("flush #{id} reported {}", show(other)),
        )),
    }
}

/// Every flush pending when the log was dropped reported by the time the drop returned.
pub fn drop_reported_all(pending: &BTreeMap<u64, u64>) -> Result<(), Breach> {
    all_reported(
        pending,
        "every flush pending when the log is dropped reports by the end of the drop",
    )
}

/// `pending` is empty, as the rule `expected` says.
fn all_reported(pending: &BTreeMap<u64, u64>, expected: &str) -> Result<(), Breach> {
    if !pending.is_empty() {
        return Err(breach(
            "callback",
            expected,
            format!(
                "flushes {:?} never reported",
                pending.keys().collect::<Vec<_>>()
            ),
        ));
    }
    Ok(())
}
