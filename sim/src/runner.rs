//! One seeded run: the real engine on a [`SimDisk`] in `WorkerMode::Manual`, driven op
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

use crate::at_rest::{self, Injected, CORRUPT, CORRUPT_MISSING_ENTRIES};
use crate::config::RunConfig;
use crate::generator::View;
use crate::layout::{self, parse_chunk_name};
use crate::ledger::Ledger;
use crate::model::Model;
use crate::observations::{fault_delta, RunStats};
use crate::ops::{Op, WriteOp};
use crate::oracle::excuses::{describe_at_rest, describe_rot, Excuses, LatentView, Rot};
use crate::oracle::files::{self as rules, DirSnapshot};
use crate::oracle::reads::{check_read, ReadCheck};
use crate::oracle::recovery::{History, Verdict};
use crate::oracle::{breach, Breach};
use crate::oracle::{failure, worker, writes};
use crate::summary::{fnv1a, RunSummary, Violation};
use crate::trace::format::{describe_files, show};
use crate::trace::Trace;
use crate::types::{take_outcomes, FlushRecorder, LogId, Outcomes, Payload, SimTypes};
use crate::world::World;
use raftwal::{DamageKind, Error, ErrorKind, RaftLog, RaftLogWriter};
use raftwal_simdisk::FaultCounts;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Attempts at opening a log before the disk is declared unreadable.
pub const MAX_OPEN_ATTEMPTS: usize = 16;
/// Fresh disks a run may start before it gives up (each follows a refused open).
const MAX_DISKS: u64 = 10_000;
/// Worker steps a drain may take.
const MAX_DRAIN_STEPS: u64 = 1_000_000;

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
    /// Decides the at-rest faults at each reopen (a stream of its own).
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

    fn write(&mut self, op: &WriteOp) -> Result<(), Breach> {
        let expected = if self.failed {
            Err(ErrorKind::Failed)
        } else {
            self.model.check(op)
        };
        let log = self.world.log.as_mut().expect("open");
        let before = expected.is_err().then(|| writes::fingerprint(log));
        let result = match op {
            WriteOp::SaveVote(v) => log.save_vote(*v),
            WriteOp::Append(entries) => log.append(entries.iter().cloned()),
            WriteOp::Commit(c) => log.commit(*c),
            WriteOp::Truncate(i) => log.truncate(*i),
            WriteOp::Purge(p) => log.purge(*p),
            WriteOp::SaveUserData(u) => log.save_user_data(u.clone()),
            WriteOp::UpdateState(s) => log.update_state(s.clone()),
        };
        let actual = result.as_ref().map(|_| ()).map_err(|e| e.kind());
        self.trace
            .line(|| format!("{:>6} {op} -> {}", self.op_index, show(&result)));
        writes::op_result(&expected, &result)?;
        let log = self.world.log.as_ref().expect("open");
        match actual {
            Ok(()) => {
                self.model.apply(op);
                writes::state_after_op(&self.model, log)?;
                self.seq += 1;
                self.history.push(self.seq, op.clone());
                self.stats.writes_ok += 1;
            }
            Err(kind) => {
                let after = writes::fingerprint(log);
                writes::rejected_unchanged(&before, &after)?;
                if kind == ErrorKind::Failed {
                    self.stats.writes_failed += 1;
                } else {
                    self.stats.writes_rejected += 1;
                }
            }
        }
        Ok(())
    }

    fn flush(&mut self, callback: bool) -> Result<(), Breach> {
        self.stats.flushes += 1;
        let expected = if self.failed {
            Err(ErrorKind::Failed)
        } else {
            Ok(())
        };
        let id = self.next_flush_id;
        self.next_flush_id += 1;
        let recorder = callback.then(|| FlushRecorder::new(id, self.outcomes.clone()));
        let result = self.world.log.as_mut().expect("open").flush(recorder);
        self.trace.line(|| {
            format!(
                "{:>6} flush #{id} (writes <= {}) -> {}",
                self.op_index,
                self.seq,
                show(&result)
            )
        });
        writes::op_result(&expected, &result)?;
        if result.is_ok() && callback {
            self.flushes.insert(id, self.seq);
        }
        Ok(())
    }

    fn read(&mut self, from: u64, to: u64) -> Result<(), Breach> {
        self.stats.reads += 1;
        let log = self.world.log.as_ref().expect("open");
        let expected = self.model.read(from, to);
        let ReadCheck {
            got,
            injected,
            breach,
        } = check_read(log, &self.world.disk, from, to, &expected);
        self.stats.entries_read += got as u64;
        if injected.is_some() {
            self.stats.read_faults_seen += 1;
        }
        self.trace.line(|| {
            let outcome = match (&expected, &injected) {
                (Err(k), _) => format!("Err({k:?})"),
                (Ok(_), Some(e)) => format!("{got} entries, then injected Err({e})"),
                (Ok(_), None) => format!("{got} entries"),
            };
            format!("{:>6} read [{from}, {to}) -> {outcome}", self.op_index)
        });
        match breach {
            Some(b) => Err(b),
            None => Ok(()),
        }
    }

    /// Runs one worker step and checks what it did: failures, callbacks.
    fn worker_step(&mut self) -> Result<bool, Breach> {
        self.stats.worker_steps += 1;
        let before = self.world.disk.fault_counts();
        let did = self.world.log.as_ref().expect("open").run_worker_step();
        self.judge_worker(before, did, false)?;
        Ok(did)
    }

    /// `RaftLog::sync`: runs the worker inline until idle, like a drain, and is judged
    /// like the worker steps it ran; then `Ok` must mean every write so far is durable
    /// (the ledger acknowledges them all), and an error must be the log's failure.
    fn sync(&mut self) -> Result<(), Breach> {
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
    fn judge_worker(
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

    fn steps(&mut self, n: u32) -> Result<(), Breach> {
        self.trace
            .line(|| format!("{:>6} worker steps {n}", self.op_index));
        for _ in 0..n {
            if !self.worker_step()? {
                break;
            }
        }
        Ok(())
    }

    fn drain(&mut self) -> Result<(), Breach> {
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
    fn drain_worker(&mut self) -> Result<(), Breach> {
        let mut n = 0;
        while self.worker_step()? {
            n += 1;
            worker::worker_idle(n, MAX_DRAIN_STEPS)?;
        }
        worker::idle_reported_all(&self.flushes)
    }

    /// Records the last synced range of every file in the ledger, and counts removed
    /// files.
    fn observe_syncs(&mut self) {
        let names = self.world.disk.file_names();
        let chunks = names.iter().filter(|n| layout::is_chunk_name(n)).count();
        self.stats.chunk_files_removed += (self.file_count as u64).saturating_sub(chunks as u64);
        self.file_count = chunks;
        self.ledger.observe_syncs(&self.world.disk, names);
    }

    fn crash(&mut self) -> Result<(), Breach> {
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
    fn inject_at_rest(&mut self, power_loss: bool) -> Vec<Injected> {
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

    fn power_loss(&mut self, rot: bool) -> Result<(), Breach> {
        self.stats.power_losses += 1;
        let unsynced = self.world.unsynced_on_disk();
        self.stats.crashes_between_write_and_sync += u64::from(unsynced);
        self.world.log = None;
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
        let rot = if rot {
            // Chunk files only: quarantine files are watched for changes.
            let chunk = |name: &str| parse_chunk_name(name).is_some();
            self.world.disk.bit_rot_where(chunk).map(|at| {
                let in_last_synced = self.ledger.in_last_synced_write(&self.world.disk, &at);
                Rot { at, in_last_synced }
            })
        } else {
            None
        };
        self.stats.rot_injected += u64::from(rot.is_some());
        let names_after = if self.trace.enabled() {
            describe_files(&self.world.disk)
        } else {
            String::new()
        };
        self.trace.line(|| {
            let rot = match &rot {
                None => String::new(),
                Some(r) => format!(
                    "; rot {} byte {} bit {}{}",
                    r.at.file_name,
                    r.at.offset_bytes,
                    r.at.bit,
                    if r.in_last_synced {
                        " (in its last synced range)"
                    } else {
                        ""
                    }
                ),
            };
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

    fn clean_reopen(&mut self) -> Result<(), Breach> {
        self.stats.clean_reopens += 1;
        self.trace
            .line(|| format!("{:>6} clean reopen", self.op_index));
        self.flush(true)?;
        self.drain_worker()?;
        self.world.log = None;
        self.reopen(Excuses::default(), true)
    }

    /// Opens the log again and checks what it recovered, and the files it left.
    fn reopen(&mut self, mut excuses: Excuses, counted: bool) -> Result<(), Breach> {
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
            rules::quarantine_files_kept(&self.quarantines, &before, &self.quarantine_suspects)?;
            for name in &self.quarantine_suspects {
                if let (Some(bytes), Some(f)) =
                    (self.quarantines.get_mut(name), before.files.get(name))
                {
                    *bytes = f.bytes.clone();
                }
            }
            if std::mem::take(&mut self.power_lost) {
                self.quarantine_suspects.clear();
            }
            if first.is_none() {
                self.open_misdirected_mark = self.world.disk.fault_counts().misdirected_writes;
            }
            let latent = LatentView::of(&before, &self.ledger, &self.world.disk);
            let (first_before, latent) = first.get_or_insert((before.clone(), latent));
            let latent = *latent;
            let first_before = first_before.clone();
            let counts_before = self.world.disk.fault_counts();
            let opened = self.world.open();
            let counts_after = self.world.disk.fault_counts();
            let e = match opened {
                Ok(log) => {
                    self.world.log = Some(log);
                    self.stats.opens_recovered += 1;
                    rules::version_skew_is_refused(&first_before, true)?;
                    self.check_files_after_open(&first_before)?;
                    let names = self.world.disk.file_names();
                    self.ledger.retain_files(&names);
                    self.file_count = names
                        .iter()
                        .filter(|n| parse_chunk_name(n).is_some())
                        .count();
                    self.observe_syncs();
                    return self.check_recovery(&excuses, latent, counted);
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
            let refusal = format!("{:?}", e.kind());
            self.stats.count_refusal(&refusal);
            let after = DirSnapshot::take(&self.world.disk);
            rules::refused_open_touched_nothing(&before, &after, &format!("{refusal}: {e}"))?;
            let allowed = excuses.allowed_refusals(latent);
            let detail = match &e {
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
            // The operator puts back what the at-rest faults changed; the reopen must
            // then succeed (unless other faults excuse a refusal): the refusal
            // destroyed nothing.
            let undo: Vec<Injected> = excuses
                .at_rest
                .iter()
                .filter(|f| f.undoable())
                .cloned()
                .collect();
            if !undo.is_empty() {
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

    /// The rules about the files a successful open left: chunks tile, nothing past
    /// the end, nothing dropped without a quarantine, quarantine files recorded.
    fn check_files_after_open(&mut self, before: &DirSnapshot) -> Result<(), Breach> {
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
    fn fresh_disk(&mut self) -> Result<(), Breach> {
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

    /// Reads every entry back, retrying injected read errors.
    fn read_back(&mut self) -> Result<Vec<(LogId, Payload)>, Breach> {
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

    /// Checks the state a successful open recovered against the history, then makes
    /// it the model's new base.
    fn check_recovery(
        &mut self,
        excuses: &Excuses,
        latent: LatentView,
        counted: bool,
    ) -> Result<(), Breach> {
        let state = self.world.log().log_state().clone();
        let first = self.world.log().first_index();
        let entries = self.read_back()?;
        let recovered = Model::from_parts(state, first, entries).map_err(|e| {
            breach(
                "recovery",
                "entries [first_index, next_index) read back in order",
                e,
            )
        })?;
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
        if latent.present {
            if lost && latent_undecidable {
                self.stats.latent_undecidable += 1;
            } else if latent.in_tail {
                self.stats.latent_tail_quarantined += 1;
            } else {
                self.stats.latent_harmless += 1;
            }
        }
        match verdict {
            Verdict::Prefix { k, .. } => {
                self.stats.rot_harmless += u64::from(excuses.rot.is_some());
                self.stats.recoveries_dropping_unacked += u64::from(k < issued);
            }
            Verdict::LostAcked { .. } | Verdict::NoPrefix if undecidable => {
                if rot_undecidable {
                    self.stats.undecidable_rot += 1;
                } else if let Some(cause) = at_rest_undecidable {
                    self.stats.count_undecidable(cause);
                }
                self.trace.line(|| {
                    format!(
                        "         undecidable loss: {}",
                        if rot_undecidable {
                            "rot in the last synced write"
                        } else {
                            at_rest_undecidable.unwrap_or("latent sector error in the last synced write")
                        }
                    )
                });
            }
            Verdict::LostAcked { .. } | Verdict::NoPrefix if excuses.misdirected => self.stats.misdirected_losses += 1,
            Verdict::LostAcked { k, partial } => {
                return Err(breach(
                    "lost acknowledged writes",
                    format!(
                        "the model after some write k, {acked} (acked) <= k <= {issued} (issued): {}",
                        self.history.model_at(acked).describe()
                    ),
                    format!(
                        "the model after write {k} (+{partial} entries of the next append): {}{}{}",
                        recovered.describe(),
                        describe_rot(&excuses.rot),
                        describe_at_rest(excuses)
                    ),
                ))
            }
            Verdict::NoPrefix => {
                return Err(breach(
                    "recovery",
                    format!(
                        "the model after some write k, {acked} (acked) <= k <= {issued} (issued): from {} to {}",
                        self.history.model_at(acked).describe(),
                        self.history.model_at(issued).describe()
                    ),
                    format!(
                        "a state that equals no prefix since the open at write {}: {}{}{}",
                        self.history.base_seq(),
                        recovered.describe(),
                        describe_rot(&excuses.rot),
                        describe_at_rest(excuses)
                    ),
                ))
            }
        }
        self.model = recovered;
        self.history = History::new(self.model.clone(), self.seq);
        self.open_counts = self.world.disk.fault_counts();
        Ok(())
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
