//! The reopen policy: retry opens that fail with an injected I/O error, let the
//! operator undo at-rest faults after a refusal, continue on a fresh disk after an
//! excused refusal or an unreadable disk; the files an open leaves are judged by
//! [`crate::oracle::files`].

use super::read_only::read_only_agrees;
use super::Runner;
use crate::at_rest::Injected;
use crate::layout::parse_chunk_name;
use crate::model::Model;
use crate::names::{CORRUPT, CORRUPT_MISSING_ENTRIES};
use crate::observations::fault_delta;
use crate::oracle::excuses::{Excuses, LatentView};
use crate::oracle::files::{self as rules, DirSnapshot};
use crate::oracle::recovery::History;
use crate::oracle::{breach, Breach};
use crate::trace::format::describe_files;
use crate::types::take_outcomes;
use crate::types::SimTypes;
use raftwal::{DamageKind, Error, ErrorKind, RaftLog};
use std::collections::BTreeSet;

/// Attempts at opening a log before the disk is declared unreadable.
pub const MAX_OPEN_ATTEMPTS: usize = 16;
/// The read-only open is judged against the normal open at one open in this many
/// (`super::read_only`): a run's first reopen after its start, and every this-many-th
/// open after.
const READ_ONLY_CHECK_EVERY: u64 = 8;
/// Fresh disks a run may start before it gives up (each follows a refused open).
const MAX_DISKS: u64 = 10_000;

impl Runner {
    /// Opens the log again and checks what it recovered, and the files it left.
    pub(super) fn reopen(&mut self, mut excuses: Excuses, counted: bool) -> Result<(), Breach> {
        self.flushes.clear();
        take_outcomes(&self.outcomes);
        self.failed = false;
        let mut attempts = 0;
        // The directory before the first attempt: an attempt that fails with an I/O
        // error may have moved bytes already, the rules judge all attempts together.
        let mut first: Option<(DirSnapshot, LatentView)> = None;
        while attempts < MAX_OPEN_ATTEMPTS {
            attempts += 1;
            let before = DirSnapshot::take(&self.world.disk);
            self.watch_quarantines(&before)?;
            if first.is_none() {
                self.open_misdirected_mark = self.world.disk.fault_counts().misdirected_writes;
            }
            let latent = LatentView::of(&before, &self.ledger, &self.world.disk);
            let (first_before, latent) = first.get_or_insert((before.clone(), latent));
            let latent = *latent;
            let first_before = first_before.clone();
            // One open in READ_ONLY_CHECK_EVERY, from the first reopen after the start
            // (the start's open, count 0, has an empty directory): the copy and its
            // open nearly doubled a sweep's time when every open paid for them.
            let opens =
                self.stats.opens_recovered + self.stats.corrupt_opens + self.stats.open_gave_up;
            let read_only = match attempts {
                1 if opens % READ_ONLY_CHECK_EVERY == 1 => self.open_read_only_copy(&before)?,
                _ => None,
            };
            let counts_before = self.world.disk.fault_counts();
            let opened = self.world.open();
            let counts_after = self.world.disk.fault_counts();
            if let Some(verdict) = &read_only {
                match &opened {
                    Ok(log) => read_only_agrees(verdict, Ok(log))?,
                    Err(e) if e.kind() != ErrorKind::Io => {
                        read_only_agrees(verdict, Err(e.kind()))?
                    }
                    Err(_) => {}
                }
            }
            let e = match opened {
                Ok(log) => {
                    return self.opened(log, &first_before, &before, &excuses, latent, counted)
                }
                Err(e) => e,
            };
            self.trace.line(|| {
                format!(
                    "         open -> Err({:?}: {e}) [{}]",
                    e.kind(),
                    fault_delta(&counts_before, &counts_after)
                )
            });
            if e.kind() == ErrorKind::Io {
                rules::open_io_error_only_after_write_faults(
                    &counts_before,
                    &counts_after,
                    &e.to_string(),
                )?;
                self.stats.open_io_errors += 1;
                continue;
            }
            self.judge_refusal(&e, &before, &excuses, latent)?;
            if self.operator_undo(&mut excuses)? {
                attempts -= 1;
                first = None;
                continue;
            }
            self.stats.corrupt_opens += 1;
            return self.fresh_disk();
        }
        self.stats.open_gave_up += 1;
        self.stats.latent_unreadable += u64::from(first.is_some_and(|f| f.1.present));
        self.trace.line(|| {
            format!("         open failed {MAX_OPEN_ATTEMPTS} times: the disk is unreadable")
        });
        self.fresh_disk()
    }

    /// Checks that the quarantine files made earlier are kept (see
    /// [`rules::quarantine_files_kept`]), then takes the suspects' new bytes; a power
    /// loss since ends the suspicion.
    fn watch_quarantines(&mut self, before: &DirSnapshot) -> Result<(), Breach> {
        rules::quarantine_files_kept(&self.quarantines, before, &self.quarantine_suspects)?;
        for name in &self.quarantine_suspects {
            if let (Some(bytes), Some(f)) = (self.quarantines.get_mut(name), before.files.get(name))
            {
                *bytes = f.bytes.clone();
            }
        }
        if std::mem::take(&mut self.power_lost) {
            self.quarantine_suspects.clear();
        }
        Ok(())
    }

    /// The open succeeded: keeps the log, judges the files it left (against the
    /// directory before the first attempt, and its report against the directory
    /// before this one, `before`) and the state it recovered.
    #[allow(clippy::too_many_arguments)]
    fn opened(
        &mut self,
        log: RaftLog<SimTypes>,
        first_before: &DirSnapshot,
        before: &DirSnapshot,
        excuses: &Excuses,
        latent: LatentView,
        counted: bool,
    ) -> Result<(), Breach> {
        self.world.log = Some(log);
        self.stats.opens_recovered += 1;
        rules::version_skew_is_refused(first_before, true)?;
        self.check_files_after_open(first_before, before)?;
        let names = self.world.disk.file_names();
        self.ledger.retain_files(&names);
        self.file_count = names
            .iter()
            .filter(|n| parse_chunk_name(n).is_some())
            .count();
        self.observe_syncs();
        self.check_recovery(excuses, latent, counted)
    }

    /// The open was refused (not an I/O error): counts it, and judges that it
    /// touched nothing and that the faults injected since excuse it.
    fn judge_refusal(
        &mut self,
        e: &Error,
        before: &DirSnapshot,
        excuses: &Excuses,
        latent: LatentView,
    ) -> Result<(), Breach> {
        let refusal = format!("{:?}", e.kind());
        self.stats.count_refusal(&refusal);
        let after = DirSnapshot::take(&self.world.disk);
        rules::refused_open_touched_nothing(before, &after, &format!("{refusal}: {e}"))?;
        let allowed = excuses.allowed_refusals(latent);
        let detail = match e {
            Error::Corrupt {
                damage: DamageKind::MissingEntries,
                ..
            } => CORRUPT_MISSING_ENTRIES,
            _ => "",
        };
        rules::refusal_is_excused(
            &format!("{refusal}: {e}"),
            &[&refusal, detail],
            &allowed,
            &excuses.describe(),
        )?;
        if latent.proven && refusal == CORRUPT {
            self.stats.latent_proven_refused += 1;
        }
        Ok(())
    }

    /// The operator puts back what the at-rest faults changed; the reopen must then
    /// succeed (unless other faults excuse a refusal): the refusal destroyed nothing.
    /// Returns whether there was anything to undo.
    fn operator_undo(&mut self, excuses: &mut Excuses) -> Result<bool, Breach> {
        let undo: Vec<Injected> = excuses
            .at_rest
            .iter()
            .filter(|f| f.undoable())
            .cloned()
            .collect();
        if undo.is_empty() {
            return Ok(false);
        }
        for f in undo.iter().rev() {
            if let Err(err) = f.undo(&self.world.disk) {
                return Err(breach(
                    "simulator",
                    format!("the operator undoes {f}"),
                    format!("{err}"),
                ));
            }
            if let Injected::Stray { name, .. } = f {
                self.strays.remove(name);
            }
            self.trace.line(|| format!("         operator undoes: {f}"));
        }
        excuses.at_rest.retain(|f| !f.undoable());
        self.stats.operator_undos += 1;
        Ok(true)
    }

    /// The rules about the files a successful open left: chunks tile, nothing past
    /// the end, nothing dropped without a quarantine, quarantine files recorded (all
    /// against `before`, the directory before the first attempt), and every byte
    /// removed reported (against `attempt_before`, the directory before the attempt
    /// that succeeded).
    pub(super) fn check_files_after_open(
        &mut self,
        before: &DirSnapshot,
        attempt_before: &DirSnapshot,
    ) -> Result<(), Breach> {
        // The durability of the quarantine files this reopen made (the earlier ones
        // were durable when they were made, and are watched for changes).
        let after = DirSnapshot::take_checking(&self.world.disk, |name| {
            !before.files.contains_key(name) && !self.quarantines.contains_key(name)
        });
        if self.trace.enabled() {
            let files = describe_files(&self.world.disk);
            self.trace
                .line(|| format!("         files after the open: {files}"));
        }
        let stat = self.world.log().stat();
        rules::closed_chunks_tile(&after, &stat)?;
        rules::nothing_past_recovered_end(&after, &stat)?;
        // The quarantine files this open reports (the engine vouches for them).
        let reported: BTreeSet<String> = self
            .world
            .log()
            .recovery_report()
            .dropped
            .iter()
            .map(|d| d.quarantine_file.clone())
            .filter(|name| !name.is_empty())
            .collect();
        let misdirected =
            self.world.disk.fault_counts().misdirected_writes > self.open_misdirected_mark;
        rules::reported_quarantine_files_durable(&reported, &after, misdirected)?;
        rules::report_accounts_for_removed_bytes(
            attempt_before,
            &after,
            self.world.log().recovery_report(),
        )?;
        let lost = rules::lost_bytes(before, &after, &self.strays, misdirected);
        rules::acked_bytes_kept(&lost)?;
        rules::nothing_dropped_without_quarantine(&lost)?;
        for (name, bytes) in after.quarantines() {
            if before.files.contains_key(&name) || self.quarantines.contains_key(&name) {
                continue;
            }
            // A durable one made by an attempt that failed counts like a reported one.
            if !after.files[&name].durable(misdirected) {
                self.stats.quarantine_leftovers += 1;
                self.trace.line(|| {
                    format!(
                        "         quarantine file not reported: {name} ({} bytes)",
                        bytes.len()
                    )
                });
                continue;
            }
            self.stats.quarantine_files += 1;
            self.stats.quarantined_bytes += bytes.len() as u64;
            self.trace
                .line(|| format!("         quarantined: {name} ({} bytes)", bytes.len()));
            if misdirected {
                self.quarantine_suspects.insert(name.clone());
            }
            self.quarantines.insert(name, bytes);
        }
        self.strays.retain(|name| after.files.contains_key(name));
        Ok(())
    }

    /// Continues on a fresh, empty disk.
    pub(super) fn fresh_disk(&mut self) -> Result<(), Breach> {
        if self.world.retire_disk() > MAX_DISKS {
            return Err(breach(
                "open",
                "a fresh disk opens",
                format!("{MAX_DISKS} disks refused"),
            ));
        }
        self.world.new_disk(&self.config);
        self.model = Model::default();
        self.history = History::new(Model::default(), self.seq);
        self.misdirected_mark = 0;
        self.ledger.clear();
        self.quarantines.clear();
        self.open_misdirected_mark = 0;
        self.quarantine_suspects.clear();
        self.power_lost = false;
        self.strays.clear();
        self.stats.fresh_disks += 1;
        self.trace
            .line(|| format!("         fresh disk #{}", self.world.generation));
        self.reopen(Excuses::default(), false)
    }
}
