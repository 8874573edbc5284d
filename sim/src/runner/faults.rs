//! Crashes, power losses and clean reopens: what the world does to the disk before a
//! reopen (with the at-rest faults and the rot that may excuse what follows).

use super::Runner;
use crate::at_rest::{self, Injected};
use crate::layout::parse_chunk_name;
use crate::observations::fault_delta;
use crate::oracle::excuses::{describe_injected_rot, Excuses, Rot};
use crate::oracle::Breach;
use crate::trace::format::describe_files;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

impl Runner {
    pub(super) fn crash(&mut self) -> Result<(), Breach> {
        self.stats.crashes += 1;
        let unsynced = self.world.unsynced_on_disk();
        self.stats.crashes_between_write_and_sync += u64::from(unsynced);
        if self.trace.enabled() {
            let line = format!(
                "{:>6} CRASH (unsynced bytes on disk: {unsynced})\n         files: {}",
                self.op_index,
                describe_files(&self.world.disk)
            );
            self.trace.line(|| line);
        }
        self.drop_log()?;
        self.world.crash();
        let at_rest = self.inject_at_rest(false);
        self.reopen(
            Excuses {
                at_rest,
                ..Excuses::default()
            },
            true,
        )
    }

    /// Draws and applies this reopen's at-rest faults (see [`at_rest`]).
    pub(super) fn inject_at_rest(&mut self, power_loss: bool) -> Vec<Injected> {
        if !self.config.at_rest.any() {
            return Vec::new();
        }
        let mut rng = std::mem::replace(&mut self.at_rest_rng, ChaCha8Rng::seed_from_u64(0));
        let injected = {
            let in_last_synced = |name: &str, lo: u64, hi: u64| {
                self.ledger
                    .in_last_synced_range(&self.world.disk, name, lo, hi)
            };
            let cx = at_rest::Context {
                disk: &self.world.disk,
                engine: &self.world.engine_config,
                in_last_synced: &in_last_synced,
                power_loss,
            };
            at_rest::inject(&self.config.at_rest, &mut rng, &cx)
        };
        self.at_rest_rng = rng;
        for f in &injected {
            self.stats.count_at_rest(f);
            if let Injected::Stray { name, .. } = f {
                self.strays.insert(name.clone());
            }
            self.trace.line(|| format!("         at rest: {f}"));
        }
        injected
    }

    /// Flips a bit of a chunk file (quarantine files are watched for changes), and
    /// says whether it lies in the last synced write of the last chunk file (a later
    /// chunk proves every byte of the chunks before it synced: rot there is decidable,
    /// and the open must refuse it, never lose acknowledged writes over it).
    fn inject_rot(&mut self) -> Option<Rot> {
        let chunk = |name: &str| parse_chunk_name(name).is_some();
        self.world.disk.bit_rot_where(chunk).map(|at| {
            let rotten_id = parse_chunk_name(&at.file_name);
            let last_chunk = self
                .world
                .disk
                .file_names()
                .iter()
                .filter_map(|name| parse_chunk_name(name))
                .all(|id| Some(id) <= rotten_id);
            let in_last_synced =
                last_chunk && self.ledger.in_last_synced_write(&self.world.disk, &at);
            Rot { at, in_last_synced }
        })
    }

    pub(super) fn power_loss(&mut self, rot: bool) -> Result<(), Breach> {
        self.stats.power_losses += 1;
        let unsynced = self.world.unsynced_on_disk();
        self.stats.crashes_between_write_and_sync += u64::from(unsynced);
        self.drop_log()?;
        let names_before = if self.trace.enabled() {
            describe_files(&self.world.disk)
        } else {
            String::new()
        };
        // Files with unsynced writes: a power loss may make some of them durable.
        let pending = self.world.pending_files();
        let before = self.world.disk.fault_counts();
        self.world.power_loss();
        self.power_lost = true;
        let after = self.world.disk.fault_counts();
        self.ledger
            .observe_power_loss_survivors(&self.world.disk, pending);
        let misdirected = after.misdirected_writes > self.misdirected_mark;
        self.misdirected_mark = after.misdirected_writes;
        let rot = if rot { self.inject_rot() } else { None };
        self.stats.rot_injected += u64::from(rot.is_some());
        let names_after = if self.trace.enabled() {
            describe_files(&self.world.disk)
        } else {
            String::new()
        };
        self.trace.line(|| {
            let rot = describe_injected_rot(&rot);
            format!(
                "{:>6} POWER LOSS (unsynced bytes on disk: {unsynced}): {}{rot}{}\n         files before: {names_before}\n         files after:  {names_after}",
                self.op_index,
                fault_delta(&before, &after),
                if misdirected {
                    "; misdirected writes since the previous power loss"
                } else {
                    ""
                }
            )
        });
        let at_rest = self.inject_at_rest(true);
        self.reopen(
            Excuses {
                rot,
                misdirected,
                at_rest,
            },
            true,
        )
    }

    pub(super) fn clean_reopen(&mut self) -> Result<(), Breach> {
        self.stats.clean_reopens += 1;
        self.trace
            .line(|| format!("{:>6} clean reopen", self.op_index));
        self.flush(true)?;
        self.drain_worker()?;
        self.drop_log()?;
        self.reopen(Excuses::default(), true)
    }
}
