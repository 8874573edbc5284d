//! What a power loss does to one file's pending operations.
//!
//! The model is sector-based. Every sector of the file is written to the medium
//! atomically, as a snapshot of the page cache at some moment: so after a power loss
//! each sector holds its durable content with some *prefix* of the pending operations
//! that touched it applied (an in-sector history is never reordered, because a later
//! write to a sector can only reach the medium together with the earlier ones in the
//! same page). Different sectors are independent, so a later sector may be present
//! while an earlier one is not (reordering), and one write may persist in part (torn).
//!
//! How the prefixes are chosen:
//! - with reordering on, each pending write gets a fate — whole, lost, or (with tearing
//!   on) torn, each of its sectors then kept or not independently — and each pending
//!   `set_len` applies or not; a sector's snapshot then ends at the latest operation
//!   kept on it;
//! - with reordering off, the kept pieces are a prefix of the issue order (a write's
//!   sectors in ascending order, a `set_len` as one piece), cut anywhere (tearing on)
//!   or only between operations (tearing off).
//!
//! The file length is a snapshot too: the length after some prefix of the pending
//! operations, ending at the latest length-changing operation whose size was kept.
//!
//! A sector past the durable end that a pending write allocated but whose snapshot is
//! empty was never written: it reads as zeros, or as random bytes with
//! `garbage_on_lost_sectors`.

use super::file::{PendingOp, SimFile};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;

/// How one power loss treats pending operations (a view of the fault configuration).
#[derive(Clone, Copy, Debug)]
pub(super) struct PowerLossMode {
    pub(super) sector_size_bytes: u64,
    pub(super) tear_writes: bool,
    pub(super) reorder_writes: bool,
    pub(super) garbage_on_lost_sectors: bool,
}

/// What happened to one file's pending writes at a power loss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct FileOutcome {
    /// Pending writes of which some but not all sectors reached the medium.
    pub(super) torn_writes: u64,
    /// Pending writes of which no sector reached the medium.
    pub(super) lost_writes: u64,
    /// Whether a sector of a later write (or a later sector of the same write) reached
    /// the medium while an earlier one did not.
    pub(super) reordered: bool,
    /// Sectors filled with random bytes.
    pub(super) garbage_sectors: u64,
}

/// Which pieces of one operation were chosen to reach the medium.
enum Kept {
    All,
    Nothing,
    /// Per sector of a write, in ascending order.
    Some(Vec<bool>),
}

/// The sectors an operation touches, as sector indexes.
fn op_sectors(op: &PendingOp, max_len_bytes: u64, sector_size_bytes: u64) -> Range<u64> {
    match op {
        PendingOp::Write {
            offset_bytes,
            bytes,
        } => {
            if bytes.is_empty() {
                0..0
            } else {
                let end = offset_bytes + bytes.len() as u64;
                offset_bytes / sector_size_bytes..(end - 1) / sector_size_bytes + 1
            }
        }
        PendingOp::SetLen { len_bytes } => {
            let end = max_len_bytes.div_ceil(sector_size_bytes);
            let start = (len_bytes / sector_size_bytes).min(end);
            start..end
        }
    }
}

/// The number of ordering pieces of an operation: one per sector for a write, one for
/// a `set_len`.
fn piece_count(op: &PendingOp, sectors: &Range<u64>) -> u64 {
    match op {
        PendingOp::Write { .. } => sectors.end - sectors.start,
        PendingOp::SetLen { .. } => 1,
    }
}

/// Resolves `file.pending` into `file.durable` as a power loss would, and makes the
/// volatile view equal to the result. Latent sector errors past the new end are
/// forgotten.
pub(super) fn resolve_file(
    file: &mut SimFile,
    rng: &mut ChaCha8Rng,
    mode: PowerLossMode,
) -> FileOutcome {
    let ss = mode.sector_size_bytes;
    let ops = std::mem::take(&mut file.pending);
    let mut outcome = FileOutcome::default();
    file.transient_failures_at.clear();
    if ops.is_empty() {
        file.volatile = Arc::new(file.durable.clone());
        file.drop_latent_past(ss, file.durable.len() as u64);
        return outcome;
    }

    let durable_len = file.durable.len() as u64;
    let mut lens = Vec::with_capacity(ops.len() + 1);
    lens.push(durable_len);
    for op in &ops {
        let before = *lens.last().unwrap_or(&durable_len);
        lens.push(op.len_after(before));
    }
    let max_len = lens.iter().copied().max().unwrap_or(durable_len);
    let sectors: Vec<Range<u64>> = ops.iter().map(|op| op_sectors(op, max_len, ss)).collect();

    let (kept, size_kept) = if mode.reorder_writes {
        kept_in_any_order(&ops, &sectors, rng, mode.tear_writes)
    } else {
        kept_in_order(&ops, &sectors, rng, mode.tear_writes)
    };
    let snapshot = sector_snapshots(&sectors, &kept);
    // The length snapshot: the last operation whose size change was kept.
    let length_ops = (0..ops.len())
        .filter(|&i| size_kept[i] && lens[i + 1] != lens[i])
        .map(|i| i + 1)
        .max()
        .unwrap_or(0);
    let final_len = lens[length_ops];

    let mut work = std::mem::take(&mut file.durable);
    super::file::set_len_zeroed(&mut work, max_len as usize);
    apply_snapshots(&mut work, &ops, &sectors, &snapshot, ss, max_len);
    if mode.garbage_on_lost_sectors {
        let lost = (durable_len, final_len);
        outcome.garbage_sectors =
            fill_lost_sectors(&mut work, &ops, &sectors, &snapshot, ss, lost, rng);
    }
    count_write_fates(&ops, &sectors, &snapshot, &mut outcome);

    work.truncate(final_len as usize);
    file.durable = work;
    file.volatile = Arc::new(file.durable.clone());
    file.drop_latent_past(ss, final_len);
    outcome
}

/// Which pieces of each operation were kept, and whose size change was kept, when the
/// disk may persist them in any order: each write is kept whole, lost, or (`tear`)
/// kept sector by sector at random; each `set_len` is applied or not.
fn kept_in_any_order(
    ops: &[PendingOp],
    sectors: &[Range<u64>],
    rng: &mut ChaCha8Rng,
    tear: bool,
) -> (Vec<Kept>, Vec<bool>) {
    let mut kept: Vec<Kept> = Vec::with_capacity(ops.len());
    let mut size_kept: Vec<bool> = Vec::with_capacity(ops.len());
    for (op, range) in ops.iter().zip(sectors) {
        match op {
            PendingOp::Write { .. } => {
                let fate = if tear {
                    rng.gen_range(0..3u8)
                } else {
                    rng.gen_range(0..2u8)
                };
                match fate {
                    0 => {
                        kept.push(Kept::All);
                        size_kept.push(true);
                    }
                    1 => {
                        kept.push(Kept::Nothing);
                        size_kept.push(false);
                    }
                    _ => {
                        let n = (range.end - range.start) as usize;
                        kept.push(Kept::Some((0..n).map(|_| rng.gen_bool(0.5)).collect()));
                        size_kept.push(rng.gen_bool(0.5));
                    }
                }
            }
            PendingOp::SetLen { .. } => {
                let applied = rng.gen_bool(0.5);
                kept.push(if applied { Kept::All } else { Kept::Nothing });
                size_kept.push(applied);
            }
        }
    }
    (kept, size_kept)
}

/// Which pieces of each operation were kept, and whose size change was kept, when
/// the disk persists them in order: a prefix of the pieces (of whole operations,
/// unless `tear`) survives.
fn kept_in_order(
    ops: &[PendingOp],
    sectors: &[Range<u64>],
    rng: &mut ChaCha8Rng,
    tear: bool,
) -> (Vec<Kept>, Vec<bool>) {
    let counts: Vec<u64> = ops
        .iter()
        .zip(sectors)
        .map(|(op, r)| piece_count(op, r))
        .collect();
    let total: u64 = counts.iter().sum();
    let cut = if tear {
        rng.gen_range(0..=total)
    } else {
        let whole_ops = rng.gen_range(0..=ops.len());
        counts[..whole_ops].iter().sum()
    };
    let mut kept: Vec<Kept> = Vec::with_capacity(ops.len());
    let mut size_kept: Vec<bool> = Vec::with_capacity(ops.len());
    let mut start = 0u64;
    for count in &counts {
        let end = start + count;
        if end <= cut {
            kept.push(Kept::All);
            size_kept.push(true);
        } else if start >= cut {
            kept.push(Kept::Nothing);
            size_kept.push(false);
        } else {
            let n = *count as usize;
            let keep = (cut - start) as usize;
            kept.push(Kept::Some((0..n).map(|i| i < keep).collect()));
            size_kept.push(rng.gen_bool(0.5));
        }
        start = end;
    }
    (kept, size_kept)
}

/// Each sector's snapshot: the number of operations applied to it (a sector not in
/// the map keeps its durable bytes).
fn sector_snapshots(sectors: &[Range<u64>], kept: &[Kept]) -> BTreeMap<u64, usize> {
    let mut snapshot: BTreeMap<u64, usize> = BTreeMap::new();
    for (i, range) in sectors.iter().enumerate() {
        let applied = |k: usize| match &kept[i] {
            Kept::Nothing => false,
            Kept::All => true,
            Kept::Some(v) => v[k],
        };
        for (k, s) in range.clone().enumerate() {
            if applied(k) {
                let e = snapshot.entry(s).or_insert(0);
                *e = (*e).max(i + 1);
            }
        }
    }
    snapshot
}

/// Builds the medium in `work` (`max_len` bytes): each sector gets its prefix of
/// operations, per `snapshot`.
fn apply_snapshots(
    work: &mut [u8],
    ops: &[PendingOp],
    sectors: &[Range<u64>],
    snapshot: &BTreeMap<u64, usize>,
    ss: u64,
    max_len: u64,
) {
    for (i, op) in ops.iter().enumerate() {
        match op {
            PendingOp::Write {
                offset_bytes,
                bytes,
            } => {
                let end = offset_bytes + bytes.len() as u64;
                for s in sectors[i].clone() {
                    if snapshot.get(&s).copied().unwrap_or(0) <= i {
                        continue;
                    }
                    let lo = (s * ss).max(*offset_bytes);
                    let hi = ((s + 1) * ss).min(end);
                    let src = &bytes[(lo - offset_bytes) as usize..(hi - offset_bytes) as usize];
                    work[lo as usize..hi as usize].copy_from_slice(src);
                }
            }
            PendingOp::SetLen { len_bytes } => {
                let first = sectors[i].start;
                for (&s, &applied) in snapshot.range(first..) {
                    if applied <= i {
                        continue;
                    }
                    let lo = (s * ss).max(*len_bytes);
                    let hi = ((s + 1) * ss).min(max_len);
                    if lo < hi {
                        work[lo as usize..hi as usize].fill(0);
                    }
                }
            }
        }
    }
}

/// Fills with random bytes the sectors a write allocated (past the durable length
/// and before the final one, `lost` = (durable, final) lengths) but that received none
/// of its bytes. Returns how many.
fn fill_lost_sectors(
    work: &mut [u8],
    ops: &[PendingOp],
    sectors: &[Range<u64>],
    snapshot: &BTreeMap<u64, usize>,
    ss: u64,
    (durable_len, final_len): (u64, u64),
    rng: &mut ChaCha8Rng,
) -> u64 {
    let mut allocated: BTreeSet<u64> = BTreeSet::new();
    for (op, range) in ops.iter().zip(sectors) {
        if matches!(op, PendingOp::Write { .. }) {
            allocated.extend(range.clone());
        }
    }
    let mut filled = 0;
    for s in allocated {
        let lo = s * ss;
        if lo < durable_len || lo >= final_len || snapshot.contains_key(&s) {
            continue;
        }
        let hi = ((s + 1) * ss).min(final_len);
        rng.fill(&mut work[lo as usize..hi as usize]);
        filled += 1;
    }
    filled
}

/// Counts what happened to the writes: torn (some sectors kept), lost (none), and
/// whether a later write persisted where an earlier one was lost (reordered).
fn count_write_fates(
    ops: &[PendingOp],
    sectors: &[Range<u64>],
    snapshot: &BTreeMap<u64, usize>,
    outcome: &mut FileOutcome,
) {
    let mut seen_lost = false;
    for (i, op) in ops.iter().enumerate() {
        if !matches!(op, PendingOp::Write { .. }) {
            continue;
        }
        let mut any_kept = false;
        let mut any_lost = false;
        for s in sectors[i].clone() {
            let persisted = snapshot.get(&s).copied().unwrap_or(0) > i;
            if persisted {
                any_kept = true;
                if seen_lost {
                    outcome.reordered = true;
                }
            } else {
                any_lost = true;
                seen_lost = true;
            }
        }
        match (any_kept, any_lost) {
            (true, true) => outcome.torn_writes += 1,
            (false, true) => outcome.lost_writes += 1,
            _ => {}
        }
    }
}
