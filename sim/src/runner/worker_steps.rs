//! The worker: single steps, drains and syncs run inline, each judged by the
//! [`crate::oracle::worker`] and [`crate::oracle::failure`] rules; what they synced
//! goes into the ledger.

use super::Runner;
use crate::layout::{self};
use crate::observations::fault_delta;
use crate::oracle::Breach;
use crate::oracle::{failure, worker};
use crate::trace::format::show;
use crate::types::take_outcomes;
use raftwal_simdisk::FaultCounts;

/// Worker steps a drain may take.
const MAX_DRAIN_STEPS: u64 = 1_000_000;

impl Runner {
    /// Runs one worker step and checks what it did: failures, callbacks.
    pub(super) fn worker_step(&mut self) -> Result<bool, Breach> {
        self.stats.worker_steps += 1;
        let before = self.world.disk.fault_counts();
        let did = self.world.log.as_ref().expect("open").run_worker_step();
        self.judge_worker(before, did, false)?;
        Ok(did)
    }

    /// `RaftLog::sync`: runs the worker inline until idle, like a drain, and is judged
    /// like the worker steps it ran; then `Ok` must mean every write so far is durable
    /// (the ledger acknowledges them all), and an error must be the log's failure.
    pub(super) fn sync(&mut self) -> Result<(), Breach> {
        self.stats.syncs += 1;
        let before = self.world.disk.fault_counts();
        let result = self.world.log.as_mut().expect("open").sync();
        self.trace.line(|| {
            format!(
                "{:>6} sync (writes <= {}) -> {}",
                self.op_index,
                self.seq,
                show(&result)
            )
        });
        let was_failed = self.failed;
        self.judge_worker(before, true, true)?;
        // A log failed before the call refuses the sync at once, like a write; otherwise
        // the sync ran the worker until idle.
        worker::sync_reported_all(was_failed, &self.flushes)?;
        match result {
            Ok(()) => {
                let sync_failed =
                    self.world.disk.fault_counts().fsync_failures > self.open_counts.fsync_failures;
                failure::no_ok_sync_after_failure(was_failed, self.failed, sync_failed)?;
                self.stats.acked_writes += self.history.ack(self.seq);
            }
            Err(e) => worker::sync_error(&e, self.failed)?,
        }
        Ok(())
    }

    /// Checks what the worker did since `before` (the fault counts then): the log fails
    /// exactly when a fault was injected, and every callback that reported is judged.
    /// `many_steps`: the worker ran several steps (a sync), so a callback may have had
    /// its `Ok` in a step before a failed `sync_data` of the same call (the chunk it
    /// was in got synced when the next one started): only failures before the call
    /// forbid an `Ok` then; that it is durable is checked at the next power loss.
    pub(super) fn judge_worker(
        &mut self,
        before: FaultCounts,
        did: bool,
        many_steps: bool,
    ) -> Result<(), Breach> {
        let log = self.world.log.as_ref().expect("open");
        let after = self.world.disk.fault_counts();
        let failure = log.failure();
        if did {
            self.observe_syncs();
        }
        if before != after {
            self.trace
                .line(|| format!("         worker: {}", fault_delta(&before, &after)));
        }
        let was_failed = self.failed;
        if failure::failure_transition(failure.as_ref(), was_failed, &before, &after)? {
            let f = failure.expect("failed");
            self.failed = true;
            self.stats.log_failures += 1;
            self.trace.line(|| format!("         log failed: {f}"));
        }
        let failed_syncs = if many_steps { &before } else { &after }.fsync_failures;
        let sync_failed = failed_syncs > self.open_counts.fsync_failures;
        for (id, result) in take_outcomes(&self.outcomes) {
            let seq = worker::callback_pending(id, &result, self.flushes.remove(&id))?;
            self.trace.line(|| {
                format!(
                    "         flush #{id} (writes <= {seq}) -> {}",
                    show(&result)
                )
            });
            match result {
                Ok(()) => {
                    failure::no_ok_callback_after_failure(
                        id,
                        was_failed,
                        sync_failed,
                        after.fsync_failures,
                        self.open_counts.fsync_failures,
                    )?;
                    self.stats.callbacks_ok += 1;
                    self.stats.acked_writes += self.history.ack(seq);
                }
                Err(e) => {
                    worker::error_callback(id, &e, self.failed)?;
                    self.stats.callbacks_err += 1;
                }
            }
        }
        Ok(())
    }

    /// Drops the log without a drain (a crash, a power loss, or after one) and judges
    /// the outcomes its drop reported: every flush still pending, each with an error.
    pub(super) fn drop_log(&mut self) -> Result<(), Breach> {
        if self.world.log.take().is_none() {
            return Ok(());
        }
        for (id, result) in take_outcomes(&self.outcomes) {
            let seq = worker::callback_pending(id, &result, self.flushes.remove(&id))?;
            self.trace.line(|| {
                format!(
                    "         flush #{id} (writes <= {seq}) -> {} (log dropped)",
                    show(&result)
                )
            });
            worker::dropped_log_callback(id, &result, self.failed)?;
            self.stats.callbacks_dropped += 1;
        }
        worker::drop_reported_all(&self.flushes)
    }

    pub(super) fn steps(&mut self, n: u32) -> Result<(), Breach> {
        self.trace
            .line(|| format!("{:>6} worker steps {n}", self.op_index));
        for _ in 0..n {
            if !self.worker_step()? {
                break;
            }
        }
        Ok(())
    }

    pub(super) fn drain(&mut self) -> Result<(), Breach> {
        self.trace
            .line(|| format!("{:>6} worker drain", self.op_index));
        self.drain_worker()?;
        self.world
            .log
            .as_mut()
            .expect("open")
            .drain_cache_evictable();
        Ok(())
    }

    /// Runs the worker until idle; every accepted flush must then have reported.
    pub(super) fn drain_worker(&mut self) -> Result<(), Breach> {
        let mut n = 0;
        while self.worker_step()? {
            n += 1;
            worker::worker_idle(n, MAX_DRAIN_STEPS)?;
        }
        worker::idle_reported_all(&self.flushes)
    }

    /// Records the last synced range of every file in the ledger, and counts removed
    /// files.
    pub(super) fn observe_syncs(&mut self) {
        let names = self.world.disk.file_names();
        let chunks = names.iter().filter(|n| layout::is_chunk_name(n)).count();
        self.stats.chunk_files_removed += (self.file_count as u64).saturating_sub(chunks as u64);
        self.file_count = chunks;
        self.ledger.observe_syncs(&self.world.disk, names);
    }
}
