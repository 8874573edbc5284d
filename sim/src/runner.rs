//! One seeded run: the real engine on a `SimDisk` in `WorkerMode::Manual`, driven op
//! by op, every result checked against the [`Model`], the worker stepped at the
//! moments the op list says, crashes, power losses, bit rot and reopens, every
//! recovery checked against the history.
//!
//! The run loop that hands it the ops is [`crate::run`].
//!
//! # Policies (documented choices)
//!
//! - An `open` that fails with an I/O error is accepted only if the disk injected a
//!   read, write, `sync_data` or `sync_dir` error during it; it is retried (up to
//!   [`MAX_OPEN_ATTEMPTS`] times, then the disk is declared unreadable).
//! - An `open` refused with `Corrupt`/`ChunkGap` is accepted only after bit rot or a
//!   misdirected write (since the previous power loss); otherwise it is a violation.
//! - After an accepted refusal, or an unreadable disk, the run continues on a fresh
//!   empty disk (seeded from the run's disk seed and a generation number) and a fresh
//!   model: the ops go on being checked.
//! - The state an open recovers is taken as durable: the history restarts from it.

use crate::config::RunConfig;
use crate::generator::View;
use crate::ledger::Ledger;
use crate::model::Model;
use crate::observations::RunStats;
use crate::ops::Op;
use crate::oracle::excuses::Excuses;
use crate::oracle::recovery::History;
use crate::summary::{fnv1a, RunSummary, Violation};
use crate::trace::Trace;
use crate::types::{Outcomes, SimTypes};
use crate::world::World;
use raftwal::RaftLog;
use raftwal_simdisk::FaultCounts;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

mod execute;
mod faults;
mod read_only;
mod recover;
mod reopen;
mod worker_steps;

pub use reopen::MAX_OPEN_ATTEMPTS;

/// The state of one run.
pub struct Runner {
    config: RunConfig,
    /// The disk and the log on it.
    world: World,
    model: Model,
    /// The engine reported a failure: writes must return `Failed` until reopen.
    failed: bool,
    history: History,
    /// Accepted writes so far, over the whole run.
    seq: u64,
    /// Accepted flushes with a callback not yet reported: id -> last write before it.
    flushes: BTreeMap<u64, u64>,
    next_flush_id: u64,
    outcomes: Outcomes,
    /// The disk's fault counts at the last successful open.
    open_counts: FaultCounts,
    /// Misdirected writes counted at the previous power loss.
    misdirected_mark: u64,
    /// The byte ranges recently made durable (see [`Ledger`]).
    ledger: Ledger,
    /// Chunk files on the disk after the last observation.
    file_count: usize,
    /// Decides the at-rest faults at each reopen (the seed's `at-rest-injection`
    /// stream).
    at_rest_rng: ChaCha8Rng,
    /// Every quarantine file an open made on this disk, as it made it.
    quarantines: BTreeMap<String, Arc<Vec<u8>>>,
    /// Misdirected writes counted before the first attempt of the current reopen.
    open_misdirected_mark: u64,
    /// Quarantine files made by an open during which a misdirected write fired: the
    /// disk may have put their bytes elsewhere on the medium, which shows after the
    /// next power loss. Their change is excused until then.
    quarantine_suspects: BTreeSet<String>,
    /// A power loss happened since the quarantine files were last compared.
    power_lost: bool,
    /// Stray files placed by the simulator and still on the disk.
    strays: BTreeSet<String>,
    stats: RunStats,
    trace: Trace,
    op_index: usize,
}

impl Runner {
    /// A runner for `config`, not started.
    pub fn new(config: RunConfig, trace: bool) -> Self {
        let world = World::new(&config);
        let config_at_rest_seed = config.at_rest_seed;
        Runner {
            config,
            world,
            model: Model::default(),
            failed: false,
            history: History::default(),
            seq: 0,
            flushes: BTreeMap::new(),
            next_flush_id: 0,
            outcomes: Outcomes::default(),
            open_counts: FaultCounts::default(),
            misdirected_mark: 0,
            ledger: Ledger::default(),
            file_count: 0,
            at_rest_rng: ChaCha8Rng::seed_from_u64(config_at_rest_seed),
            quarantines: BTreeMap::new(),
            open_misdirected_mark: 0,
            quarantine_suspects: BTreeSet::new(),
            power_lost: false,
            strays: BTreeSet::new(),
            stats: RunStats::default(),
            trace: Trace::new(trace),
            op_index: 0,
        }
    }

    /// What the generator may look at.
    pub fn view(&self) -> View<'_> {
        View {
            model: &self.model,
            failed: self.failed,
        }
    }

    /// Opens the log on the empty disk (a breach then names no op).
    pub fn start(&mut self) -> Result<(), Violation> {
        self.trace.line(|| {
            format!(
                "seed {} disk seed {:016x} faults {:?}\nengine {}",
                self.config.seed, self.config.disk_seed, self.config.faults, self.config.limits
            )
        });
        self.reopen(Excuses::default(), false)
            .map_err(|b| Violation::new(self.op_index, String::new(), b))
    }

    /// Runs op number `index`.
    pub fn step(&mut self, index: usize, op: &Op) -> Result<(), Violation> {
        self.op_index = index;
        self.stats.ops += 1;
        let result = match op {
            Op::Write(w) => self.write(w),
            Op::Flush { callback } => self.flush(*callback),
            Op::Sync => self.sync(),
            Op::Read { from, to } => self.read(*from, *to),
            Op::Steps(n) => self.steps(*n),
            Op::Drain => self.drain(),
            Op::Crash => self.crash(),
            Op::PowerLoss { rot } => self.power_loss(*rot),
            Op::CleanReopen => self.clean_reopen(),
        };
        result.map_err(|b| Violation::new(index, op.to_string(), b))
    }

    /// Ends the run with a power loss and its reopen, judged like any other: the
    /// writes acknowledged since the run's last reopen are then checked for
    /// durability too (without it, a run's last stretch of acknowledgements was never
    /// put to the test). `index`: the number of ops run.
    pub fn end_with_power_loss(&mut self, index: usize) -> Result<(), Violation> {
        self.op_index = index;
        self.trace
            .line(|| format!("{index:>6} END OF RUN: POWER LOSS"));
        self.power_loss(false)
            .map_err(|b| Violation::new(index, "END OF RUN: POWER LOSS".to_string(), b))
    }

    /// The summary, once the run is over.
    pub fn finish(
        self,
        violation: Option<Violation>,
        elapsed: std::time::Duration,
    ) -> (RunSummary, String) {
        let digest = self.world.log.as_ref().map_or(0, |log| {
            catch_unwind(AssertUnwindSafe(|| {
                fnv1a(format!("{:?}", log.dump_data()).as_bytes())
            }))
            .unwrap_or(0)
        });
        let faults = self.world.total_faults();
        let summary = RunSummary {
            config: self.config,
            stats: self.stats,
            faults,
            digest,
            violation,
            elapsed,
        };
        (summary, self.trace.into_string())
    }

    /// The log, for snapshot tests (its `dump()` and `dump_data()`).
    pub fn log_for_inspection(&self) -> Option<&RaftLog<SimTypes>> {
        self.world.log.as_ref()
    }
}
