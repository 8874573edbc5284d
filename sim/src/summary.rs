//! What a run reports: its counters, the faults the disk fired, the final state digest
//! and the violation, if any.

use crate::config::{describe_faults, RunConfig};
use crate::oracle::Breach;
use raftwal_simdisk::FaultCounts;
use std::fmt;
use std::time::Duration;

/// Counters of one run (summable).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Ops executed.
    pub ops: u64,
    /// Writes the engine accepted (as the model expected).
    pub writes_ok: u64,
    /// Invalid writes rejected with the expected error kind.
    pub writes_rejected: u64,
    /// Writes refused with `Failed` after an I/O failure.
    pub writes_failed: u64,
    /// Flushes issued (accepted or refused).
    pub flushes: u64,
    /// Syncs issued (`RaftLog::sync`).
    pub syncs: u64,
    /// Reads checked against the model.
    pub reads: u64,
    /// Entries read and compared.
    pub entries_read: u64,
    /// Reads that failed with an I/O error the disk injected.
    pub read_faults_seen: u64,
    /// Worker steps run.
    pub worker_steps: u64,
    /// Times the log stopped after an I/O failure.
    pub log_failures: u64,
    /// Flush callbacks that reported Ok.
    pub callbacks_ok: u64,
    /// Flush callbacks that reported an error.
    pub callbacks_err: u64,
    /// Writes acknowledged by a flush callback.
    pub acked_writes: u64,
    /// Process crashes.
    pub crashes: u64,
    /// Power losses.
    pub power_losses: u64,
    /// Clean reopens.
    pub clean_reopens: u64,
    /// Crashes and power losses that hit while some written bytes were not synced.
    pub crashes_between_write_and_sync: u64,
    /// Successful opens whose recovered state was checked against the model.
    pub recoveries_checked: u64,
    /// Recoveries that dropped writes issued but never acknowledged.
    pub recoveries_dropping_unacked: u64,
    /// Bits flipped before a reopen.
    pub rot_injected: u64,
    /// Opens refused with a corruption error (after rot or a misdirected write).
    pub corrupt_opens: u64,
    /// Rot in the last synced write of a file that dropped acknowledged writes: the
    /// documented undecidable case (rot there looks exactly like a torn tail).
    pub undecidable_rot: u64,
    /// Rot the open survived with a correct prefix.
    pub rot_harmless: u64,
    /// Acknowledged writes lost after a misdirected write (excused, counted).
    pub misdirected_losses: u64,
    /// Opens that failed with an injected I/O error and were retried.
    pub open_io_errors: u64,
    /// Opens abandoned after repeated injected I/O errors (a latent sector error).
    pub open_gave_up: u64,
    /// Fresh disks started after a refused open.
    pub fresh_disks: u64,
    /// Chunk files the worker removed after purges.
    pub chunk_files_removed: u64,
    /// Opens that succeeded (every attempt counted).
    pub opens_recovered: u64,
    /// Opens refused with `UnsupportedVersion`.
    pub refused_unsupported_version: u64,
    /// Opens refused with `ChunkConflict`.
    pub refused_chunk_conflict: u64,
    /// Opens refused with `Corrupt`.
    pub refused_corrupt: u64,
    /// Opens refused with `ChunkGap`.
    pub refused_chunk_gap: u64,
    /// Opens refused with another kind (always a violation).
    pub refused_other: u64,
    /// Refusals after which the operator undid the at-rest faults and reopened.
    pub operator_undos: u64,
    /// Quarantine files the opens made.
    pub quarantine_files: u64,
    /// Bytes in them.
    pub quarantined_bytes: u64,
    /// Quarantine-named files that an attempt of an open made and that are not durable
    /// when the open succeeds (leftovers of an attempt that failed with an I/O error;
    /// no report names them).
    pub quarantine_leftovers: u64,
    /// At-rest faults injected: stray files.
    pub at_rest_stray: u64,
    /// At-rest faults injected: version skew.
    pub at_rest_version: u64,
    /// At-rest faults injected: header damage.
    pub at_rest_header: u64,
    /// At-rest faults injected: lost chunk files.
    pub at_rest_lost: u64,
    /// At-rest faults injected: zeroed ends of closed chunks.
    pub at_rest_zeroed: u64,
    /// At-rest faults injected: frame field rot.
    pub at_rest_frame: u64,
    /// At-rest faults injected: latent sector errors in the tail.
    pub at_rest_latent_tail: u64,
    /// Opens with a latent sector error in the last chunk's unproven tail that
    /// recovered (the tail quarantined).
    pub latent_tail_quarantined: u64,
    /// Opens refused with `Corrupt` for a latent sector error in proven data.
    pub latent_proven_refused: u64,
    /// Opens that lost acknowledged writes to a latent sector error in the last synced
    /// write (undecidable, excused).
    pub latent_undecidable: u64,
    /// Opens with latent sector errors that recovered with none of the above.
    pub latent_harmless: u64,
    /// Opens given up (unreadable) while a chunk file had a latent sector error.
    pub latent_unreadable: u64,
    /// Acknowledged writes lost with the last chunk file (excused, undecidable).
    pub undecidable_lost_file: u64,
    /// Acknowledged writes lost with a damaged last chunk header (excused).
    pub undecidable_header: u64,
    /// Acknowledged writes lost to frame rot in the last synced write (excused).
    pub undecidable_frame: u64,
}

impl RunStats {
    /// Counts an injected at-rest fault.
    pub fn count_at_rest(&mut self, f: &crate::at_rest::Injected) {
        use crate::at_rest::Injected::*;
        match f {
            Stray { .. } => self.at_rest_stray += 1,
            VersionSkew { .. } => self.at_rest_version += 1,
            HeaderDamage { .. } => self.at_rest_header += 1,
            LostFile { .. } => self.at_rest_lost += 1,
            ZeroedEnd { .. } => self.at_rest_zeroed += 1,
            FrameRot { .. } => self.at_rest_frame += 1,
            LatentTail { .. } => self.at_rest_latent_tail += 1,
        }
    }

    /// Counts a refused open by its `ErrorKind` name.
    pub fn count_refusal(&mut self, kind: &str) {
        use crate::at_rest::{CHUNK_CONFLICT, CHUNK_GAP, CORRUPT, UNSUPPORTED_VERSION};
        match kind {
            UNSUPPORTED_VERSION => self.refused_unsupported_version += 1,
            CHUNK_CONFLICT => self.refused_chunk_conflict += 1,
            CORRUPT => self.refused_corrupt += 1,
            CHUNK_GAP => self.refused_chunk_gap += 1,
            _ => self.refused_other += 1,
        }
    }

    /// Counts an excused loss by its cause (see `Injected::loss_excuse`).
    pub fn count_undecidable(&mut self, cause: &str) {
        if cause.starts_with("lost") {
            self.undecidable_lost_file += 1;
        } else if cause.starts_with("frame") {
            self.undecidable_frame += 1;
        } else {
            self.undecidable_header += 1;
        }
    }
}

impl RunStats {
    /// Adds `o` to `self`.
    pub fn add(&mut self, o: &RunStats) {
        macro_rules! add {
            ($($f:ident),*) => { $(self.$f += o.$f;)* };
        }
        add!(
            ops,
            writes_ok,
            writes_rejected,
            writes_failed,
            flushes,
            syncs,
            reads,
            entries_read,
            read_faults_seen,
            worker_steps,
            log_failures,
            callbacks_ok,
            callbacks_err,
            acked_writes,
            crashes,
            power_losses,
            clean_reopens,
            crashes_between_write_and_sync,
            recoveries_checked,
            recoveries_dropping_unacked,
            rot_injected,
            corrupt_opens,
            undecidable_rot,
            rot_harmless,
            misdirected_losses,
            open_io_errors,
            open_gave_up,
            fresh_disks,
            chunk_files_removed,
            opens_recovered,
            refused_unsupported_version,
            refused_chunk_conflict,
            refused_corrupt,
            refused_chunk_gap,
            refused_other,
            operator_undos,
            quarantine_files,
            quarantined_bytes,
            quarantine_leftovers,
            at_rest_stray,
            at_rest_version,
            at_rest_header,
            at_rest_lost,
            at_rest_zeroed,
            at_rest_frame,
            at_rest_latent_tail,
            latent_tail_quarantined,
            latent_proven_refused,
            latent_undecidable,
            latent_harmless,
            latent_unreadable,
            undecidable_lost_file,
            undecidable_header,
            undecidable_frame
        );
    }
}

/// Every field of [`FaultCounts`] with its name.
pub fn fault_fields(c: &FaultCounts) -> [(&'static str, u64); 20] {
    [
        ("power losses", c.power_losses),
        ("crashes", c.crashes),
        ("torn writes", c.torn_writes),
        ("lost writes", c.lost_writes),
        ("reordered files", c.reordered),
        ("undone creates", c.undone_creates),
        ("undone removes", c.undone_removes),
        ("fsync failures", c.fsync_failures),
        ("write failures", c.write_failures),
        ("short writes", c.short_writes),
        ("read failures", c.read_failures),
        ("latent sector errors", c.latent_sector_errors),
        ("bit rots", c.bit_rots),
        ("garbage sectors", c.garbage_sectors),
        ("misdirected writes", c.misdirected_writes),
        ("sync_dir failures", c.sync_dir_failures),
        ("files placed from outside", c.files_placed),
        ("files deleted from outside", c.files_deleted),
        ("edits at rest", c.edits_at_rest),
        ("zeroed sectors", c.zeroed_sectors),
    ]
}

/// The non-zero differences `after - before`, as "name +n, ...".
pub fn fault_delta(before: &FaultCounts, after: &FaultCounts) -> String {
    let b = fault_fields(before);
    fault_fields(after)
        .iter()
        .zip(b.iter())
        .filter(|(a, b)| a.1 != b.1)
        .map(|(a, b)| format!("{} +{}", a.0, a.1 - b.1))
        .collect::<Vec<_>>()
        .join(", ")
}

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
        let c = &self.config;
        let s = &self.stats;
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
            "log failures {}; callbacks ok {}, err {}; acknowledged writes {} of {}; chunk files removed by purges {}",
            s.log_failures, s.callbacks_ok, s.callbacks_err, s.acked_writes, s.writes_ok,
            s.chunk_files_removed
        )?;
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
