//! The rules about failure: the log fails exactly when the disk injected a write,
//! `sync_data` or `sync_dir` error, stays failed until reopened, and acknowledges
//! nothing (no `Ok` callback, no `Ok` sync) after a failed write or `sync_data`.

use super::{breach, Breach};
use crate::observations::fault_delta;
use raftwal::Error;
use raftwal_simdisk::FaultCounts;

/// Judges the log's failure after a worker step (fault counts `before` and `after`
/// it; `was_failed`: the log had failed before). Returns whether it failed now.
pub fn failure_transition(
    failure: Option<&Error>,
    was_failed: bool,
    before: &FaultCounts,
    after: &FaultCounts,
) -> Result<bool, Breach> {
    let write_or_sync = (after.write_failures - before.write_failures)
        + (after.fsync_failures - before.fsync_failures);
    let dir = after.sync_dir_failures - before.sync_dir_failures;
    match failure {
        Some(f) if !was_failed => {
            if write_or_sync + dir == 0 {
                return Err(breach(
                    "spurious failure",
                    "the log fails only after an injected write, sync_data or sync_dir error",
                    format!("log.failure() = {f}, no fault injected in this worker step"),
                ));
            }
            Ok(true)
        }
        Some(_) => Ok(false),
        None if was_failed => Err(breach(
            "failure",
            "the log stays failed until reopened",
            "log.failure() is None again",
        )),
        None if write_or_sync > 0 => Err(breach(
            "failure ignored",
            "after a failed write or sync_data every write returns Failed until reopen (log.failure() is Some)",
            format!("log.failure() is None after {}", fault_delta(before, after)),
        )),
        None => Ok(false),
    }
}

/// No `Ok` callback (flush `id`) after a failure: the log failed before the step
/// (`was_failed`) or a `sync_data` failed since the open (`sync_failed`;
/// `fsync_now` of them now, `fsync_at_open` at the open).
pub fn no_ok_callback_after_failure(
    id: u64,
    was_failed: bool,
    sync_failed: bool,
    fsync_now: u64,
    fsync_at_open: u64,
) -> Result<(), Breach> {
    if was_failed || sync_failed {
        return Err(breach(
            "ack after failure",
            "no Ok callback after a failed write or sync_data, until reopen",
            format!(
                "flush #{id} reported Ok (log failed before this step: {was_failed}; sync_data failures since open: {})",
                fsync_now - fsync_at_open
            ),
        ));
    }
    Ok(())
}

/// No `Ok` sync after a failure (before the call, after it, or of a `sync_data`
/// since the open).
pub fn no_ok_sync_after_failure(
    was_failed: bool,
    failed: bool,
    sync_failed: bool,
) -> Result<(), Breach> {
    if was_failed || failed || sync_failed {
        return Err(breach(
            "ack after failure",
            "sync returns Err(Failed) once a write or sync_data failed, until reopen",
            format!("sync returned Ok (log failed before: {was_failed}, now: {failed})"),
        ));
    }
    Ok(())
}
