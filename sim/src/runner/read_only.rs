//! The read-only open, judged against the normal open: before a reopen's first
//! attempt, a copy of the directory (the same bytes and unreadable sectors, on a disk
//! without faults) is opened read-only. It must decide what the normal open then does
//! (the same decisions, the same dropped ranges, the same recovered log, or the same
//! refusal) and leave every file of the copy as it was. `raftwal verify` and
//! `repair`'s dry run are this open: a difference would be a command that tells an
//! operator something the open does not do.

use super::Runner;
use crate::oracle::files::{self as rules, DirSnapshot};
use crate::oracle::{breach, Breach};
use crate::types::SimTypes;
use raftwal::{ErrorKind, RaftLog, RecoveryReport};
use raftwal_simdisk::{FaultConfig, SimDisk};
use std::sync::Arc;

/// What the read-only open of the copy found.
pub(super) struct ReadOnlyVerdict {
    /// Its report and its recovered log (state, index and cache of `dump_data`, as
    /// text: not its chunks, which keep the files a normal open removes), or its
    /// refusal.
    outcome: Result<(RecoveryReport, String), ErrorKind>,
}

impl Runner {
    /// Opens a copy of `before` read-only, and checks that the open changed nothing.
    /// `None` when a storage mutant is at work (it wraps the normal open's storage
    /// only). A copy that cannot be made is a breach: the check must not stop
    /// running unseen.
    pub(super) fn open_read_only_copy(
        &self,
        before: &DirSnapshot,
    ) -> Result<Option<ReadOnlyVerdict>, Breach> {
        if self.world.storage_mutant.is_some() {
            return Ok(None);
        }
        let faults = FaultConfig {
            sector_size_bytes: self.world.disk.sector_size_bytes(),
            ..FaultConfig::none()
        };
        let copy = SimDisk::new(0, faults);
        let not_copied = |e: std::io::Error| {
            breach(
                "read-only",
                "a copy of the directory to open read-only",
                e.to_string(),
            )
        };
        for (name, file) in &before.files {
            copy.place_file(name, &file.bytes).map_err(not_copied)?;
            for range in &file.unreadable {
                copy.inject_latent_sector_error(name, range.start)
                    .map_err(not_copied)?;
            }
        }
        let copied = DirSnapshot::take(&copy);
        let opened = RaftLog::<SimTypes>::open_read_only_with(
            Arc::new(copy.clone()),
            self.world.engine_config.clone(),
        );
        let outcome = match opened {
            Ok(log) => {
                let found = (log.recovery_report().clone(), recovered(&log));
                drop(log);
                Ok(found)
            }
            Err(e) => Err(e.kind()),
        };
        rules::refused_open_touched_nothing(&copied, &DirSnapshot::take(&copy), "read-only")?;
        Ok(Some(ReadOnlyVerdict { outcome }))
    }
}

/// The normal open (its first attempt, not an I/O error) did what the read-only open
/// of the same directory said: `opened` is its recovered log, or its refusal.
pub(super) fn read_only_agrees(
    verdict: &ReadOnlyVerdict,
    opened: Result<&RaftLog<SimTypes>, ErrorKind>,
) -> Result<(), Breach> {
    let expected = "the read-only open of the same files decides what the open does";
    match (&verdict.outcome, opened) {
        (Ok((seen, dump)), Ok(log)) => {
            let done = log.recovery_report();
            if seen.decisions != done.decisions
                || seen.blank_files_removed != done.blank_files_removed
                || seen.garbage_cut_bytes != done.garbage_cut_bytes
            {
                return Err(breach(
                    "read-only",
                    expected,
                    format!(
                        "read-only: {:?}, blank {:?}, garbage {} B; open: {:?}, blank {:?}, garbage {} B",
                        seen.decisions,
                        seen.blank_files_removed,
                        seen.garbage_cut_bytes,
                        done.decisions,
                        done.blank_files_removed,
                        done.garbage_cut_bytes
                    ),
                ));
            }
            let ranges = |r: &RecoveryReport| {
                r.dropped
                    .iter()
                    .map(|d| {
                        (
                            d.chunk.clone(),
                            d.offset,
                            d.size_bytes,
                            d.damage,
                            d.unreadable_bytes,
                            d.last_index_kept,
                        )
                    })
                    .collect::<Vec<_>>()
            };
            if ranges(seen) != ranges(done) {
                return Err(breach(
                    "read-only",
                    expected,
                    format!(
                        "dropped, read-only: {:?}; open: {:?}",
                        ranges(seen),
                        ranges(done)
                    ),
                ));
            }
            let recovered = recovered(log);
            if *dump != recovered {
                return Err(breach(
                    "read-only",
                    expected,
                    format!("recovered, read-only: {dump}; open: {recovered}"),
                ));
            }
            Ok(())
        }
        (Err(seen), Err(done)) if *seen == done => Ok(()),
        (seen, done) => Err(breach(
            "read-only",
            expected,
            format!(
                "read-only: {:?}; open: {:?}",
                seen.as_ref().map(|_| "opened").map_err(|k| *k),
                done.map(|_| "opened")
            ),
        )),
    }
}

/// The recovered log as text: its state, index and cache.
fn recovered(log: &RaftLog<SimTypes>) -> String {
    let dump = log.dump_data();
    format!("{:?} {:?} {:?}", dump.state, dump.index, dump.cache)
}
