//! Judging a recovery: the recovered state is read back and compared with the
//! history ([`crate::oracle::recovery`]); losses are excused only where undecidable.

use super::Runner;
use crate::model::Model;
use crate::oracle::excuses::{Excuses, LatentView};
use crate::oracle::recovery::{self, History, Verdict};
use crate::oracle::{breach, Breach};
use crate::types::{LogId, Payload};
use raftwal::ErrorKind;

impl Runner {
    /// Reads every entry back, retrying injected read errors.
    pub(super) fn read_back(&mut self) -> Result<Vec<(LogId, Payload)>, Breach> {
        let log = self.world.log.as_ref().expect("open");
        let (first, next) = (log.first_index(), log.log_state().next_index());
        let mut out = Vec::with_capacity(next.saturating_sub(first) as usize);
        let mut retries = 0;
        while first + (out.len() as u64) < next {
            let from = first + out.len() as u64;
            let before = self.world.disk.fault_counts().read_failures;
            let mut error = None;
            for item in log.read(from, next) {
                match item {
                    Ok(entry) => out.push(entry),
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
            match error {
                None if first + (out.len() as u64) < next => {
                    return Err(breach(
                        "recovery",
                        format!("entries [{first}, {next}) read back"),
                        format!("the read stopped at {}", first + out.len() as u64),
                    ))
                }
                None => {}
                Some(e)
                    if e.kind() == ErrorKind::Io
                        && self.world.disk.fault_counts().read_failures > before
                        && retries < 64 =>
                {
                    retries += 1;
                    self.stats.read_faults_seen += 1;
                }
                Some(e) => {
                    return Err(breach(
                        "recovery",
                        "every entry of a log that opened reads back",
                        format!(
                            "entry {}: Err({:?}: {e})",
                            first + out.len() as u64,
                            e.kind()
                        ),
                    ))
                }
            }
        }
        Ok(out)
    }

    /// Counts the outcome of latent sector errors present at the open (`lost`: the
    /// recovery lost acknowledged writes).
    fn count_latent(&mut self, latent: LatentView, lost: bool) {
        if latent.present {
            if lost && latent.in_last_synced {
                self.stats.latent_undecidable += 1;
            } else if latent.in_tail {
                self.stats.latent_tail_quarantined += 1;
            } else {
                self.stats.latent_harmless += 1;
            }
        }
    }

    /// What the log holds after an open, read back through its API.
    fn read_recovered(&mut self) -> Result<Model, Breach> {
        let state = self.world.log().log_state().clone();
        let first = self.world.log().first_index();
        let entries = self.read_back()?;
        Model::from_parts(state, first, entries).map_err(|e| {
            breach(
                "recovery",
                "entries [first_index, next_index) read back in order",
                e,
            )
        })
    }

    /// Counts and traces a loss excused as undecidable: `rot` (rot in the last synced
    /// write), else the at-rest fault `at_rest` names, else a latent sector error.
    fn excuse_undecidable_loss(&mut self, rot: bool, at_rest: Option<&'static str>) {
        if rot {
            self.stats.undecidable_rot += 1;
        } else if let Some(cause) = at_rest {
            self.stats.count_undecidable(cause);
        }
        self.trace.line(|| {
            format!(
                "         undecidable loss: {}",
                if rot {
                    "rot in the last synced write"
                } else {
                    at_rest.unwrap_or("latent sector error in the last synced write")
                }
            )
        });
    }

    /// Checks the state a successful open recovered against the history, then makes
    /// it the model's new base.
    pub(super) fn check_recovery(
        &mut self,
        excuses: &Excuses,
        latent: LatentView,
        counted: bool,
    ) -> Result<(), Breach> {
        let recovered = self.read_recovered()?;
        let verdict = self.history.judge(&recovered);
        let (acked, issued) = (self.history.acked(), self.history.issued());
        self.trace.line(|| {
            format!(
                "         recovered {verdict:?} (acked {acked}, issued {issued}): {}",
                recovered.describe()
            )
        });
        if counted {
            self.stats.recoveries_checked += 1;
        }
        // Losses are excused only where undecidable: the damage lies in the very last
        // synced write (it looks exactly like a torn tail), or the last chunk file is
        // gone or cut inside its header (it looks like one never written).
        let rot_undecidable = excuses.rot.as_ref().is_some_and(|r| r.in_last_synced);
        let at_rest_undecidable = excuses.at_rest.iter().find_map(|f| f.loss_excuse());
        let latent_undecidable = latent.in_last_synced;
        let undecidable = rot_undecidable || at_rest_undecidable.is_some() || latent_undecidable;
        let lost = !matches!(verdict, Verdict::Prefix { .. });
        self.count_latent(latent, lost);
        match verdict {
            Verdict::Prefix { k, .. } => {
                self.stats.rot_harmless += u64::from(excuses.rot.is_some());
                self.stats.recoveries_dropping_unacked += u64::from(k < issued);
            }
            Verdict::LostAcked { .. } | Verdict::NoPrefix if undecidable => {
                self.excuse_undecidable_loss(rot_undecidable, at_rest_undecidable)
            }
            Verdict::LostAcked { .. } | Verdict::NoPrefix if excuses.misdirected => {
                self.stats.misdirected_losses += 1
            }
            Verdict::LostAcked { k, partial } => {
                return Err(recovery::lost_acknowledged(
                    &self.history,
                    k,
                    partial,
                    &recovered,
                    excuses,
                ))
            }
            Verdict::NoPrefix => {
                return Err(recovery::no_prefix(&self.history, &recovered, excuses))
            }
        }
        self.model = recovered;
        self.history = History::new(self.model.clone(), self.seq);
        self.open_counts = self.world.disk.fault_counts();
        Ok(())
    }
}
