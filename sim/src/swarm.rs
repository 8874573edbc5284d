//! Many seeds in parallel: each seed is an independent, deterministic run; threads only
//! decide which seed runs where. Totals are summed in seed order.

use crate::config::FaultKind;
use crate::mutant::Mutant;
use crate::observations::{fault_fields, RunStats};
use crate::run::{run_seed_without, RunOptions};
use crate::summary::RunSummary;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use raftwal_simdisk::FaultCounts;
use std::fmt;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug)]
pub struct SwarmOptions {
    /// First seed.
    pub start: u64,
    /// Number of seeds.
    pub seeds: u64,
    /// Ops per seed.
    pub ops: usize,
    /// Threads.
    pub jobs: usize,
    /// Engine mutant.
    pub mutant: Option<Mutant>,
    /// Fault kinds switched off.
    pub without: Vec<FaultKind>,
    /// Start no new seed once a violation is found (the lowest violating seed is still
    /// exact: every lower seed was started before it).
    pub stop_at_first_violation: bool,
    /// Show a progress bar (only on a terminal).
    pub progress: bool,
}

impl SwarmOptions {
    /// `seeds` seeds from 0, 2,000 ops each, one thread per core.
    pub fn new(seeds: u64) -> Self {
        Self {
            start: 0,
            seeds,
            ops: 2000,
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            mutant: None,
            without: Vec::new(),
            stop_at_first_violation: false,
            progress: false,
        }
    }
}

/// The totals of a swarm.
#[derive(Clone, Debug)]
pub struct SwarmReport {
    /// The options.
    pub options: SwarmOptions,
    /// Runs completed.
    pub runs: u64,
    /// Summed counters.
    pub stats: RunStats,
    /// Summed faults.
    pub faults: FaultCounts,
    /// The runs with a violation, by seed.
    pub violations: Vec<RunSummary>,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Sum of the runs' times (CPU time, roughly).
    pub run_time: Duration,
}

impl SwarmReport {
    /// The lowest violating seed.
    pub fn first_violating_seed(&self) -> Option<u64> {
        self.violations.first().map(|s| s.config.seed)
    }
}

/// Runs the swarm.
pub fn swarm(options: &SwarmOptions) -> SwarmReport {
    let start = Instant::now();
    let next = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let results: Mutex<Vec<RunSummary>> = Mutex::new(Vec::with_capacity(options.seeds as usize));
    let bar = ProgressBar::new(options.seeds);
    if options.progress && std::io::stderr().is_terminal() {
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} seeds  {elapsed_precise} (eta {eta})  {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let violations = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1) {
            scope.spawn(|| loop {
                if options.stop_at_first_violation && stop.load(Ordering::Acquire) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::AcqRel);
                if i >= options.seeds {
                    break;
                }
                let outcome = run_seed_without(
                    options.start + i,
                    options.ops,
                    options.mutant,
                    &options.without,
                    RunOptions::default(),
                );
                if outcome.summary.violation.is_some() {
                    stop.store(true, Ordering::Release);
                    let n = violations.fetch_add(1, Ordering::AcqRel) + 1;
                    bar.set_message(format!("{n} violating seeds"));
                }
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(outcome.summary);
                bar.inc(1);
            });
        }
    });
    bar.finish_and_clear();
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|s| s.config.seed);
    let mut stats = RunStats::default();
    let mut faults = FaultCounts::default();
    let mut run_time = Duration::ZERO;
    for r in &results {
        stats.add(&r.stats);
        faults += r.faults;
        run_time += r.elapsed;
    }
    SwarmReport {
        options: options.clone(),
        runs: results.len() as u64,
        stats,
        faults,
        violations: results
            .into_iter()
            .filter(|r| r.violation.is_some())
            .collect(),
        elapsed: start.elapsed(),
        run_time,
    }
}

impl fmt::Display for SwarmReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        writeln!(
            f,
            "swarm: seeds {}..{}, {} ops each, {} threads, mutant {}, without {}",
            self.options.start,
            self.options.start + self.options.seeds,
            self.options.ops,
            self.options.jobs,
            crate::names::mutant_or_none(self.options.mutant),
            crate::names::without_names(&self.options.without)
        )?;
        row(f, "runs", self.runs)?;
        row(f, "ops", s.ops)?;
        row(f, "  writes accepted", s.writes_ok)?;
        row(
            f,
            "  invalid writes rejected as expected",
            s.writes_rejected,
        )?;
        row(f, "  writes refused after an I/O failure", s.writes_failed)?;
        row(f, "  flushes", s.flushes)?;
        row(f, "  syncs", s.syncs)?;
        row(f, "  reads checked", s.reads)?;
        row(f, "  entries read and compared", s.entries_read)?;
        row(f, "  worker steps", s.worker_steps)?;
        self.fmt_reopens_and_faults(f)?;
        self.fmt_opens(f)?;
        self.fmt_damage(f)?;
        self.fmt_latent_and_rot(f)?;
        self.fmt_violations(f)?;
        self.fmt_timing(f)
    }
}

impl SwarmReport {
    /// Crashes, power losses, recoveries, callbacks, failures, faults fired.
    fn fmt_reopens_and_faults(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        row(f, "crashes", s.crashes)?;
        row(f, "power losses", s.power_losses)?;
        row(f, "clean reopens", s.clean_reopens)?;
        row(
            f,
            "crashes between a write and its sync",
            s.crashes_between_write_and_sync,
        )?;
        row(f, "recoveries checked", s.recoveries_checked)?;
        row(
            f,
            "  of which dropped unacknowledged writes",
            s.recoveries_dropping_unacked,
        )?;
        row(f, "acknowledged writes", s.acked_writes)?;
        row(f, "flush callbacks ok", s.callbacks_ok)?;
        row(f, "flush callbacks err", s.callbacks_err)?;
        row(f, "flush callbacks at a drop (err)", s.callbacks_dropped)?;
        row(f, "log failures (then refused writes)", s.log_failures)?;
        writeln!(f, "  faults fired:")?;
        for (name, n) in fault_fields(&self.faults) {
            row(f, &format!("  {name}"), n)?;
        }
        Ok(())
    }

    /// Injected read errors and opens.
    fn fmt_opens(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        row(f, "injected read errors seen by reads", s.read_faults_seen)?;
        row(
            f,
            "opens",
            s.opens_recovered
                + s.refused_unsupported_version
                + s.refused_chunk_conflict
                + s.refused_corrupt
                + s.refused_chunk_gap
                + s.refused_other
                + s.open_io_errors,
        )?;
        row(f, "  recovered", s.opens_recovered)?;
        row(
            f,
            "  refused: UnsupportedVersion",
            s.refused_unsupported_version,
        )?;
        row(f, "  refused: ChunkConflict", s.refused_chunk_conflict)?;
        row(f, "  refused: Corrupt", s.refused_corrupt)?;
        row(f, "  refused: ChunkGap", s.refused_chunk_gap)?;
        row(f, "  refused: other kind", s.refused_other)?;
        row(f, "  failed with an I/O error (retried)", s.open_io_errors)?;
        row(f, "  given up (unreadable disk)", s.open_gave_up)?;
        row(f, "  refusals undone by the operator", s.operator_undos)?;
        Ok(())
    }

    /// Quarantines and at-rest faults.
    fn fmt_damage(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        row(f, "quarantine files made", s.quarantine_files)?;
        row(f, "quarantined bytes", s.quarantined_bytes)?;
        row(
            f,
            "quarantine leftovers (not durable, not reported)",
            s.quarantine_leftovers,
        )?;
        row(
            f,
            "at-rest faults injected",
            s.at_rest_stray
                + s.at_rest_version
                + s.at_rest_header
                + s.at_rest_lost
                + s.at_rest_zeroed
                + s.at_rest_frame
                + s.at_rest_latent_tail,
        )?;
        row(f, "  stray chunk-named files", s.at_rest_stray)?;
        row(f, "  version skew", s.at_rest_version)?;
        row(f, "  header damage (first/only/last)", s.at_rest_header)?;
        row(f, "  lost chunk files", s.at_rest_lost)?;
        row(f, "  zeroed ends of closed chunks", s.at_rest_zeroed)?;
        row(f, "  frame field rot", s.at_rest_frame)?;
        row(
            f,
            "  latent sector errors in the tail",
            s.at_rest_latent_tail,
        )?;
        Ok(())
    }

    /// Latent sector errors, undecidable losses, rot, misdirected losses, fresh disks.
    fn fmt_latent_and_rot(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        row(
            f,
            "latent sector outcomes (opens)",
            s.latent_tail_quarantined
                + s.latent_proven_refused
                + s.latent_undecidable
                + s.latent_harmless
                + s.latent_unreadable,
        )?;
        row(
            f,
            "  in the tail, quarantined, opened",
            s.latent_tail_quarantined,
        )?;
        row(
            f,
            "  in proven data, refused (Corrupt)",
            s.latent_proven_refused,
        )?;
        row(f, "  undecidable (last synced write)", s.latent_undecidable)?;
        row(f, "  harmless", s.latent_harmless)?;
        row(f, "  unreadable (open given up)", s.latent_unreadable)?;
        row(
            f,
            "undecidable losses (excused, at rest)",
            s.undecidable_lost_file + s.undecidable_header + s.undecidable_frame,
        )?;
        row(f, "  lost last chunk file", s.undecidable_lost_file)?;
        row(
            f,
            "  last chunk header damaged or cut",
            s.undecidable_header,
        )?;
        row(
            f,
            "  frame rot in the last synced write",
            s.undecidable_frame,
        )?;
        row(f, "rot injected before a reopen", s.rot_injected)?;
        row(f, "  corrupt opens (refused, fresh disk)", s.corrupt_opens)?;
        row(f, "  harmless (correct prefix)", s.rot_harmless)?;
        row(f, "  undecidable (last synced write)", s.undecidable_rot)?;
        row(
            f,
            "misdirected-write losses (excused)",
            s.misdirected_losses,
        )?;
        row(f, "fresh disks", s.fresh_disks)?;
        row(f, "chunk files removed by purges", s.chunk_files_removed)?;
        Ok(())
    }

    /// The violating runs, by category.
    fn fmt_violations(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        row(f, "VIOLATIONS", self.violations.len() as u64)?;
        let mut by_category: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
        for v in &self.violations {
            let violation = v.violation.as_ref().expect("violating");
            let e = by_category
                .entry(violation.category)
                .or_insert((0, v.config.seed));
            e.0 += 1;
        }
        for (category, (n, first_seed)) in by_category {
            writeln!(
                f,
                "    {:<42} {n:>14}  (first: seed {first_seed})",
                category
            )?;
        }
        Ok(())
    }

    /// Wall time and throughput (not deterministic).
    fn fmt_timing(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        let wall = self.elapsed.as_secs_f64().max(1e-9);
        let cpu = self.run_time.as_secs_f64().max(1e-9);
        writeln!(f, "  {:<44} {:>14.1}s", "wall time", wall)?;
        writeln!(
            f,
            "  {:<44} {:>14.0}",
            "ops/s (wall, all threads)",
            s.ops as f64 / wall
        )?;
        write!(f, "  {:<44} {:>14.0}", "ops/s per core", s.ops as f64 / cpu)
    }
}

/// One row of the totals: a name and a number, aligned.
fn row(f: &mut fmt::Formatter<'_>, name: &str, v: u64) -> fmt::Result {
    writeln!(f, "  {name:<44} {v:>14}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every counter of [`RunStats`] appears in the swarm's report (see the same check
    /// of the run summary).
    #[test]
    fn the_report_shows_every_counter() {
        let mut stats = RunStats::default();
        let mut shown = Vec::new();
        for (i, (name, value)) in stats.fields_mut().into_iter().enumerate() {
            *value = 9_000_000 + 1_000 * i as u64;
            shown.push((name, *value));
        }
        let report = SwarmReport {
            options: SwarmOptions::new(1),
            runs: 1,
            stats,
            faults: FaultCounts::default(),
            violations: Vec::new(),
            elapsed: Duration::ZERO,
            run_time: Duration::ZERO,
        };
        let text = report.to_string();
        let missing: Vec<_> = shown
            .iter()
            .filter(|(_, value)| !text.contains(&value.to_string()))
            .map(|(name, _)| *name)
            .collect();
        assert!(missing.is_empty(), "not in the report: {missing:?}\n{text}");
    }
}
