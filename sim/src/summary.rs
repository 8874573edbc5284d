//! What a run reports: its counters, the faults the disk fired, the final state digest
//! and the violation, if any.

use crate::config::{describe_faults, RunConfig};
use crate::observations::{fault_fields, RunStats};
use crate::oracle::Breach;
use raftwal_simdisk::FaultCounts;
use std::fmt;
use std::time::Duration;

/// A broken rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The op (0-based) during which it was seen.
    pub op_index: usize,
    /// The op, displayed.
    pub op: String,
    /// Which rule ("op result", "recovery", ...): shrinking keeps the category.
    pub category: &'static str,
    /// What the model expected.
    pub expected: String,
    /// What the engine did.
    pub actual: String,
}

impl Violation {
    /// The violation of op number `op_index` (displayed as `op`): `breach`.
    pub fn new(op_index: usize, op: String, breach: Breach) -> Self {
        Violation {
            op_index,
            op,
            category: breach.category,
            expected: breach.expected,
            actual: breach.actual,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "VIOLATION ({}) at op #{}: {}",
            self.category, self.op_index, self.op
        )?;
        writeln!(f, "  expected: {}", self.expected)?;
        write!(f, "  actual:   {}", self.actual)
    }
}

/// The outcome of one run.
#[derive(Clone, Debug)]
pub struct RunSummary {
    /// The configuration.
    pub config: RunConfig,
    /// The counters.
    pub stats: RunStats,
    /// Faults fired, over every disk of the run.
    pub faults: FaultCounts,
    /// FNV-1a of the `Debug` of the final `dump_data()`.
    pub digest: u64,
    /// The first violation, if any (the run stops there).
    pub violation: Option<Violation>,
    /// Wall-clock time (not part of the deterministic output).
    pub elapsed: Duration,
}

impl RunSummary {
    /// Simulated ops per second.
    pub fn ops_per_sec(&self) -> f64 {
        self.stats.ops as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// FNV-1a, 64 bits.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl fmt::Display for RunSummary {
    /// The deterministic part of the summary (no timing).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_config(f)?;
        self.fmt_run(f)?;
        self.fmt_opens(f)?;
        self.fmt_end(f)
    }
}

impl RunSummary {
    /// The configuration: seed, fault mix, at-rest faults, engine, op mix.
    fn fmt_config(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        writeln!(
            f,
            "seed {}  ops {}  mutant {}  without {}",
            c.seed,
            c.ops,
            crate::names::mutant_or_none(c.mutant),
            crate::names::without_names(&c.without)
        )?;
        writeln!(f, "fault mix: {}", describe_faults(&c.faults))?;
        writeln!(f, "at rest:   {}", c.at_rest)?;
        writeln!(f, "engine:    {}", c.limits)?;
        writeln!(f, "op mix:    {}", c.mix)?;
        Ok(())
    }

    /// The ops, reopens, recoveries and rot.
    fn fmt_run(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        writeln!(
            f,
            "ops {}: writes ok {}, rejected as expected {}, refused after failure {}; flushes {}, syncs {}; reads {} ({} entries, {} injected read errors); worker steps {}",
            s.ops,
            s.writes_ok,
            s.writes_rejected,
            s.writes_failed,
            s.flushes,
            s.syncs,
            s.reads,
            s.entries_read,
            s.read_faults_seen,
            s.worker_steps
        )?;
        writeln!(
            f,
            "crashes {}, power losses {}, clean reopens {}; {} between a write and its sync",
            s.crashes, s.power_losses, s.clean_reopens, s.crashes_between_write_and_sync
        )?;
        writeln!(
            f,
            "recoveries checked {} ({} dropped unacknowledged writes); open I/O errors retried {}, given up {}; fresh disks {}",
            s.recoveries_checked, s.recoveries_dropping_unacked, s.open_io_errors, s.open_gave_up, s.fresh_disks
        )?;
        writeln!(
            f,
            "rot injected {}: corrupt opens {}, harmless {}, undecidable {}; misdirected losses {}",
            s.rot_injected,
            s.corrupt_opens,
            s.rot_harmless,
            s.undecidable_rot,
            s.misdirected_losses
        )?;
        Ok(())
    }

    /// Opens, at-rest faults, latent sector errors, failures and callbacks.
    fn fmt_opens(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        writeln!(
            f,
            "opens recovered {}, refused: unsupported version {}, chunk conflict {}, corrupt {}, chunk gap {}, other {}; operator undos {}; quarantined {} files, {} bytes ({} leftovers not durable)",
            s.opens_recovered,
            s.refused_unsupported_version,
            s.refused_chunk_conflict,
            s.refused_corrupt,
            s.refused_chunk_gap,
            s.refused_other,
            s.operator_undos,
            s.quarantine_files,
            s.quarantined_bytes,
            s.quarantine_leftovers
        )?;
        writeln!(
            f,
            "at-rest faults: stray {}, version {}, header {}, lost {}, zeroed {}, frame {}, latent in tail {}; latent outcomes: tail quarantined {}, proven refused {}, undecidable {}, harmless {}, unreadable {}; undecidable losses: lost file {}, header {}, frame {}",
            s.at_rest_stray,
            s.at_rest_version,
            s.at_rest_header,
            s.at_rest_lost,
            s.at_rest_zeroed,
            s.at_rest_frame,
            s.at_rest_latent_tail,
            s.latent_tail_quarantined,
            s.latent_proven_refused,
            s.latent_undecidable,
            s.latent_harmless,
            s.latent_unreadable,
            s.undecidable_lost_file,
            s.undecidable_header,
            s.undecidable_frame
        )?;
        writeln!(
            f,
            "log failures {}; callbacks ok {}, err {}, at a drop {}; acknowledged writes {} of {}; chunk files removed by purges {}",
            s.log_failures, s.callbacks_ok, s.callbacks_err, s.callbacks_dropped, s.acked_writes, s.writes_ok,
            s.chunk_files_removed
        )?;
        Ok(())
    }

    /// The faults fired, the final digest and the violation.
    fn fmt_end(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fired: Vec<String> = fault_fields(&self.faults)
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
        writeln!(
            f,
            "faults fired: {}",
            if fired.is_empty() {
                "none".to_string()
            } else {
                fired.join(", ")
            }
        )?;
        writeln!(f, "final state digest: {:016x}", self.digest)?;
        match &self.violation {
            None => write!(f, "violations: 0"),
            Some(v) => write!(f, "{v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::streams::Streams;

    /// Every counter of [`RunStats`] appears in the summary: a counter added to the
    /// list and left out of the report would be counted and never seen.
    #[test]
    fn the_summary_shows_every_counter() {
        let mut stats = RunStats::default();
        let mut shown = Vec::new();
        for (i, (name, value)) in stats.fields_mut().into_iter().enumerate() {
            // Distinct seven-digit values, which nothing else in a summary prints.
            *value = 9_000_000 + 1_000 * i as u64;
            shown.push((name, *value));
        }
        let summary = RunSummary {
            config: RunConfig::from_streams(0, 10, None, &[], &mut Streams::new(0)),
            stats,
            faults: FaultCounts::default(),
            digest: 0,
            violation: None,
            elapsed: Duration::ZERO,
        };
        let text = summary.to_string();
        let missing: Vec<_> = shown
            .iter()
            .filter(|(_, value)| !text.contains(&value.to_string()))
            .map(|(name, _)| *name)
            .collect();
        assert!(
            missing.is_empty(),
            "not in the summary: {missing:?}\n{text}"
        );
    }
}
