//! Observations: the counters a run keeps ([`RunStats`]) and the fault counts the
//! disk reports ([`FaultCounts`]), each field listed once: [`RunStats`] comes from
//! one macro list (struct and sum), [`FAULT_FIELDS`] names every fault counter for
//! summaries, swarm totals and the deltas the trace prints.

use raftwal_simdisk::FaultCounts;

/// Declares [`RunStats`] and its sum from one list of documented fields.
macro_rules! run_stats {
    ($($(#[$meta:meta])* $field:ident,)*) => {
        /// Counters of one run (summable).
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct RunStats {
            $($(#[$meta])* pub $field: u64,)*
        }

        impl RunStats {
            /// Adds `o` to `self`.
            pub fn add(&mut self, o: &RunStats) {
                $(self.$field += o.$field;)*
            }

            /// Every counter, by name, in declaration order (for the checks that a
            /// report shows each one).
            pub fn fields_mut(&mut self) -> Vec<(&'static str, &mut u64)> {
                vec![$((stringify!($field), &mut self.$field),)*]
            }
        }
    };
}

run_stats! {
    /// Ops executed.
    ops,
    /// Writes the engine accepted (as the model expected).
    writes_ok,
    /// Invalid writes rejected with the expected error kind.
    writes_rejected,
    /// Writes refused with `Failed` after an I/O failure.
    writes_failed,
    /// Flushes issued (accepted or refused).
    flushes,
    /// Syncs issued (`RaftLog::sync`).
    syncs,
    /// Reads checked against the model.
    reads,
    /// Entries read and compared.
    entries_read,
    /// Reads that failed with an I/O error the disk injected.
    read_faults_seen,
    /// Worker steps run.
    worker_steps,
    /// Times the log stopped after an I/O failure.
    log_failures,
    /// Flush callbacks that reported Ok.
    callbacks_ok,
    /// Flush callbacks that reported an error.
    callbacks_err,
    /// Flush callbacks reported by a drop of the log (a crash, a power loss), each
    /// an error.
    callbacks_dropped,
    /// Writes acknowledged by a flush callback.
    acked_writes,
    /// Process crashes.
    crashes,
    /// Power losses.
    power_losses,
    /// Clean reopens.
    clean_reopens,
    /// Crashes and power losses that hit while some written bytes were not synced.
    crashes_between_write_and_sync,
    /// Successful opens whose recovered state was checked against the model.
    recoveries_checked,
    /// Recoveries that dropped writes issued but never acknowledged.
    recoveries_dropping_unacked,
    /// Bits flipped before a reopen.
    rot_injected,
    /// Opens refused with a corruption error (after rot or a misdirected write).
    corrupt_opens,
    /// Rot in the last synced write of a file that dropped acknowledged writes: the
    /// documented undecidable case (rot there looks exactly like a torn tail).
    undecidable_rot,
    /// Rot the open survived with a correct prefix.
    rot_harmless,
    /// Acknowledged writes lost after a misdirected write (excused, counted).
    misdirected_losses,
    /// Opens that failed with an injected I/O error and were retried.
    open_io_errors,
    /// Opens abandoned after repeated injected I/O errors (a latent sector error).
    open_gave_up,
    /// Fresh disks started after a refused open.
    fresh_disks,
    /// Chunk files the worker removed after purges.
    chunk_files_removed,
    /// Opens that succeeded (every attempt counted).
    opens_recovered,
    /// Opens refused with `UnsupportedVersion`.
    refused_unsupported_version,
    /// Opens refused with `ChunkConflict`.
    refused_chunk_conflict,
    /// Opens refused with `Corrupt`.
    refused_corrupt,
    /// Opens refused with `ChunkGap`.
    refused_chunk_gap,
    /// Opens refused with another kind (always a violation).
    refused_other,
    /// Refusals after which the operator undid the at-rest faults and reopened.
    operator_undos,
    /// Quarantine files the opens made.
    quarantine_files,
    /// Bytes in them.
    quarantined_bytes,
    /// Quarantine-named files that an attempt of an open made and that are not durable
    /// when the open succeeds (leftovers of an attempt that failed with an I/O error;
    /// no report names them).
    quarantine_leftovers,
    /// At-rest faults injected: stray files.
    at_rest_stray,
    /// At-rest faults injected: version skew.
    at_rest_version,
    /// At-rest faults injected: header damage.
    at_rest_header,
    /// At-rest faults injected: lost chunk files.
    at_rest_lost,
    /// At-rest faults injected: zeroed ends of closed chunks.
    at_rest_zeroed,
    /// At-rest faults injected: frame field rot.
    at_rest_frame,
    /// At-rest faults injected: latent sector errors in the tail.
    at_rest_latent_tail,
    /// Opens with a latent sector error in the last chunk's unproven tail that
    /// recovered (the tail quarantined).
    latent_tail_quarantined,
    /// Opens refused with `Corrupt` for a latent sector error in proven data.
    latent_proven_refused,
    /// Opens that lost acknowledged writes to a latent sector error in the last synced
    /// write (undecidable, excused).
    latent_undecidable,
    /// Opens with latent sector errors that recovered with none of the above.
    latent_harmless,
    /// Opens given up (unreadable) while a chunk file had a latent sector error.
    latent_unreadable,
    /// Acknowledged writes lost with the last chunk file (excused, undecidable).
    undecidable_lost_file,
    /// Acknowledged writes lost with a damaged last chunk header (excused).
    undecidable_header,
    /// Acknowledged writes lost to frame rot in the last synced write (excused).
    undecidable_frame,
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
        use crate::names::{CHUNK_CONFLICT, CHUNK_GAP, CORRUPT, UNSUPPORTED_VERSION};
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

/// A field of [`FaultCounts`]: its name in reports, and how to read it.
pub type FaultField = (&'static str, fn(&FaultCounts) -> u64);

/// Every field of [`FaultCounts`], once: its name in reports, and how to read it.
/// Summaries, swarm totals and trace deltas all go through it.
pub const FAULT_FIELDS: [FaultField; 20] = [
    ("power losses", |c| c.power_losses),
    ("crashes", |c| c.crashes),
    ("torn writes", |c| c.torn_writes),
    ("lost writes", |c| c.lost_writes),
    ("reordered files", |c| c.reordered),
    ("undone creates", |c| c.undone_creates),
    ("undone removes", |c| c.undone_removes),
    ("fsync failures", |c| c.fsync_failures),
    ("write failures", |c| c.write_failures),
    ("short writes", |c| c.short_writes),
    ("read failures", |c| c.read_failures),
    ("latent sector errors", |c| c.latent_sector_errors),
    ("bit rots", |c| c.bit_rots),
    ("garbage sectors", |c| c.garbage_sectors),
    ("misdirected writes", |c| c.misdirected_writes),
    ("sync_dir failures", |c| c.sync_dir_failures),
    ("files placed from outside", |c| c.files_placed),
    ("files deleted from outside", |c| c.files_deleted),
    ("edits at rest", |c| c.edits_at_rest),
    ("zeroed sectors", |c| c.zeroed_sectors),
];

/// Every field of [`FaultCounts`] with its name and value in `c`.
pub fn fault_fields(c: &FaultCounts) -> [(&'static str, u64); 20] {
    FAULT_FIELDS.map(|(name, get)| (name, get(c)))
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
