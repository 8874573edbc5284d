//! The oracle's rules about the files an open leaves behind, each in its own function
//! named for it. They compare snapshots of the directory taken just before an open
//! (after the faults were applied) and just after it; the runner calls them and turns
//! a [`Breach`] rule into a violation.
//!
//! What open may drop without moving it aside (the documented contract): zeros after
//! the last batch (reserved space), an all-zero or empty last chunk file, bytes past a
//! closed chunk's end (the next chunk's id), and old chunks whose entries are all
//! purged. Anything else it drops from a chunk file must be in a quarantine file
//! `quarantine.{chunk_id:020}.{offset:020}.{seq}` holding the bytes `[offset, offset +
//! len)` of that chunk file as they were (unreadable sectors as zeros).

use super::dir_snapshot::{first_difference, same_bytes};
pub use super::dir_snapshot::{DirSnapshot, FileSnap};
use super::{breach, Breach};
use crate::layout::{parse_quarantine_name, CHUNK_HEADER_BYTES, FORMAT_VERSION};
use raftwal::{ChunkAction, RecoveryReport, Stat};
use raftwal_simdisk::FaultCounts;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;

/// A refused open touches nothing: every file name and every byte as before the open.
pub fn refused_open_touched_nothing(
    before: &DirSnapshot,
    after: &DirSnapshot,
    refusal: &str,
) -> Result<(), Breach> {
    let names_before: BTreeSet<&String> = before.files.keys().collect();
    let names_after: BTreeSet<&String> = after.files.keys().collect();
    let expected = || format!("the open refused ({refusal}) left every file as it was");
    if names_before != names_after {
        let gone: Vec<_> = names_before.difference(&names_after).collect();
        let new: Vec<_> = names_after.difference(&names_before).collect();
        return Err(breach(
            "refused open touched files",
            expected(),
            format!("files removed {gone:?}, created {new:?}"),
        ));
    }
    for (name, f) in &before.files {
        let a = &after.files[name];
        if !same_bytes(&f.bytes, &a.bytes) {
            let at = first_difference(&f.bytes, &a.bytes);
            return Err(breach(
                "refused open touched files",
                expected(),
                format!(
                    "{name}: {} bytes before, {} after, first difference at {at}",
                    f.bytes.len(),
                    a.bytes.len()
                ),
            ));
        }
    }
    Ok(())
}

/// An open's refusal names one of the typed errors documented for the faults injected
/// before it (`allowed`, by `ErrorKind` name).
/// `names` are the refusal's names, most general first (e.g. `Corrupt`, then
/// `Corrupt(MissingEntries)`): one of them must be allowed.
pub fn refusal_is_excused(
    shown: &str,
    names: &[&str],
    allowed: &BTreeSet<&'static str>,
    faults: &str,
) -> Result<(), Breach> {
    if names.iter().any(|n| allowed.contains(n)) {
        return Ok(());
    }
    Err(breach(
        "open",
        format!(
            "open succeeds, or refuses only with a typed error documented for the faults injected ({}; allowed now: {allowed:?})",
            if faults.is_empty() { "none" } else { faults }
        ),
        format!("refused: {shown}"),
    ))
}

/// A chunk written by a newer format version is refused with `UnsupportedVersion`,
/// never opened around (its meaning is unknown to this version).
pub fn version_skew_is_refused(before: &DirSnapshot, opened: bool) -> Result<(), Breach> {
    if opened && before.has_version_skew() {
        return Err(breach(
            "version skew opened",
            "open refuses with UnsupportedVersion while a chunk has a valid header of another format version",
            "the open succeeded",
        ));
    }
    Ok(())
}

/// An open fails with an I/O error only after an injected write, `sync_data` or
/// `sync_dir` failure during it: a failed read is retried (transient failures pass),
/// and a sector that stays unreadable is damage (torn tail or `Corrupt`), not an I/O
/// failure that makes the log unopenable.
pub fn open_io_error_only_after_write_faults(
    before: &FaultCounts,
    after: &FaultCounts,
    error: &str,
) -> Result<(), Breach> {
    if after.write_failures > before.write_failures
        || after.fsync_failures > before.fsync_failures
        || after.sync_dir_failures > before.sync_dir_failures
    {
        return Ok(());
    }
    Err(breach(
        "open I/O error on reads",
        "open retries failed reads and treats unreadable sectors as damage; it fails with Io only after an injected write, sync_data or sync_dir error",
        format!(
            "{error}; read failures during the open: {}",
            after.read_failures - before.read_failures
        ),
    ))
}

/// A quarantine file never disappears or changes once an open made it. A change of
/// those in `excused` is not counted (a misdirected write fired while they were
/// written: the disk may have put their bytes elsewhere).
pub fn quarantine_files_kept(
    known: &BTreeMap<String, Arc<Vec<u8>>>,
    now: &DirSnapshot,
    excused: &BTreeSet<String>,
) -> Result<(), Breach> {
    for (name, bytes) in known {
        match now.files.get(name) {
            None => {
                return Err(breach(
                    "quarantine file lost",
                    format!("{name} ({} bytes) stays in the directory", bytes.len()),
                    "it is gone",
                ))
            }
            Some(f) if !excused.contains(name) && !same_bytes(bytes, &f.bytes) => {
                return Err(breach(
                    "quarantine file changed",
                    format!("{name} keeps its {} bytes", bytes.len()),
                    format!(
                        "{} bytes, first difference at {}",
                        f.bytes.len(),
                        first_difference(bytes, &f.bytes)
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Every quarantine file a successful open reports is durable when the open returns:
/// synced and dir-synced (before the chunk was cut), so no power loss takes it back.
pub fn reported_quarantine_files_durable(
    reported: &BTreeSet<String>,
    after: &DirSnapshot,
    misdirected: bool,
) -> Result<(), Breach> {
    for name in reported {
        match after.files.get(name) {
            Some(f) if f.durable(misdirected) => {}
            Some(_) => {
                return Err(breach(
                    "quarantine file not durable",
                    format!("{name}, reported by the open, is synced and its name dir-synced"),
                    "its name or bytes are not durable",
                ))
            }
            None => {
                return Err(breach(
                    "quarantine file lost",
                    format!("{name}, reported by the open, is in the directory"),
                    "no such file",
                ))
            }
        }
    }
    Ok(())
}

/// Bytes of a chunk file that an open dropped without a trace: neither at their
/// offset in the file any more, nor in a quarantine file of that chunk, nor in a
/// place the contract lets open cut.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lost {
    /// The chunk file.
    pub name: String,
    /// The first lost range (offsets in the file).
    pub range: Range<u64>,
    /// How many bytes are lost in all.
    pub bytes: u64,
    /// How many of them the engine had synced.
    pub synced_bytes: u64,
}

/// Finds the bytes of each chunk file before the open that are no longer in the
/// directory after it. `strays` are files the simulator placed (never chunks of
/// this log: their removal is not a purge). Only durable quarantine files count:
/// the bytes must be synced and dir-synced before the chunk is cut (a leftover of an
/// attempt that failed with an I/O error may not be).
pub fn lost_bytes(
    before: &DirSnapshot,
    after: &DirSnapshot,
    strays: &BTreeSet<String>,
    misdirected: bool,
) -> Vec<Lost> {
    let after_chunks = after.chunks();
    let first_after = after_chunks.first().map(|c| c.0);
    let quarantines: Vec<(crate::layout::QuarantineName, &Arc<Vec<u8>>)> = after
        .files
        .iter()
        .filter(|(_, f)| f.durable(misdirected))
        .filter_map(|(n, f)| Some((parse_quarantine_name(n)?, &f.bytes)))
        .collect();
    let mut out = Vec::new();
    for (id, name) in before.chunks() {
        let snap = &before.files[name];
        let b = &snap.bytes[..];
        // Zeros at the end may go (reserved space, an all-zero last chunk), and so
        // may unreadable bytes there (they can only be copied as zeros).
        let unreadable_at = |p: usize| snap.unreadable.iter().any(|r| r.contains(&(p as u64)));
        let now = after.files.get(name);
        if now.is_some_and(|f| Arc::ptr_eq(&f.bytes, &snap.bytes)) {
            continue; // untouched
        }
        let keep_end = (0..b.len())
            .rev()
            .find(|&p| b[p] != 0 && !unreadable_at(p))
            .map_or(0, |p| p + 1) as u64;
        if keep_end == 0 {
            continue;
        }
        // A removed chunk file that held only a valid header of ours for its name (and
        // zeros) held no log data: the header is a function of the file name. (The
        // engine removes such a file, left by a crash at a chunk switch, as blank; the
        // contract's list names only empty and all-zero files: see the issue note.)
        if now.is_none()
            && keep_end <= CHUNK_HEADER_BYTES
            && b.len() as u64 >= CHUNK_HEADER_BYTES
            && b[..CHUNK_HEADER_BYTES as usize] == crate::layout::chunk_header(id, FORMAT_VERSION)
        {
            continue;
        }
        if now.is_none() && !strays.contains(name) && first_after.is_some_and(|f| id < f) {
            continue; // an old chunk before every remaining one: purged
        }
        // Bytes past a closed chunk's end (the next chunk's id) may go.
        let closed_end = now.and_then(|_| after_chunks.iter().find(|c| c.0 > id).map(|c| c.0 - id));
        let limit = keep_end.min(closed_end.unwrap_or(u64::MAX)) as usize;
        let a: &[u8] = now.map_or(&[], |f| &f.bytes[..]);
        if a.len() >= limit && a[..limit] == b[..limit] {
            continue; // all in place
        }
        let ours: Vec<(u64, &Arc<Vec<u8>>)> = quarantines
            .iter()
            .filter(|(q, _)| q.chunk_id == id)
            .map(|(q, bytes)| (q.offset_bytes, *bytes))
            .collect();
        out.extend(scan_lost(
            name,
            snap,
            a,
            limit,
            &ours,
            strays.contains(name),
        ));
    }
    out
}

/// The bytes of chunk file `name` (as `snap` saw it before the open, `a` after it)
/// below `limit` that are neither in place nor in one of its quarantine files
/// `ours` (offset, bytes); `stray`: a file the simulator placed (never synced data).
fn scan_lost(
    name: &str,
    snap: &FileSnap,
    a: &[u8],
    limit: usize,
    ours: &[(u64, &Arc<Vec<u8>>)],
    stray: bool,
) -> Option<Lost> {
    let b = &snap.bytes[..];
    let unreadable_at = |p: usize| snap.unreadable.iter().any(|r| r.contains(&(p as u64)));
    let mut lost: Option<Lost> = None;
    let mut p = 0usize;
    while p < limit {
        // In place?
        let end = limit.min(a.len());
        if p < end && a[p] == b[p] {
            p += 1 + first_difference(&a[p + 1..end], &b[p + 1..end]);
            continue;
        }
        // In a quarantine file of this chunk?
        if let Some(r) = quarantined_to(p, limit, ours, b, &unreadable_at) {
            p = r;
            continue;
        }
        // An unreadable byte cannot be copied: the quarantine holds a zero for it,
        // or ends before it (trailing zeros are not copied).
        if unreadable_at(p) {
            p += 1;
            continue;
        }
        let synced = !stray && (p as u64) < snap.synced_end;
        let l = lost.get_or_insert_with(|| Lost {
            name: name.to_string(),
            range: p as u64..p as u64 + 1,
            bytes: 0,
            synced_bytes: 0,
        });
        if l.range.end == p as u64 && l.bytes == l.range.end - l.range.start {
            l.range.end = p as u64 + 1;
        }
        l.bytes += 1;
        l.synced_bytes += u64::from(synced);
        p += 1;
    }
    lost
}

/// How far from `p` (below `limit`) a quarantine file of `ours` holds the bytes `b`
/// (an unreadable byte as a zero), if it holds the byte at `p`.
fn quarantined_to(
    p: usize,
    limit: usize,
    ours: &[(u64, &Arc<Vec<u8>>)],
    b: &[u8],
    unreadable_at: &impl Fn(usize) -> bool,
) -> Option<usize> {
    for &(offset, q) in ours {
        let offset = offset as usize;
        if offset <= p && p < offset + q.len() {
            let mut r = p;
            let q_end = limit.min(offset + q.len());
            while r < q_end && (q[r - offset] == b[r] || (q[r - offset] == 0 && unreadable_at(r))) {
                r += 1;
            }
            if r > p {
                return Some(r);
            }
        }
    }
    None
}

fn describe_lost(lost: &[&Lost]) -> String {
    lost.iter()
        .map(|l| {
            format!(
                "{}: {} bytes ({} synced), first [{}, {})",
                l.name, l.bytes, l.synced_bytes, l.range.start, l.range.end
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Every byte the engine had synced (every acknowledged batch is synced) is still in
/// the directory after an open: at its offset in its chunk file, or in a quarantine
/// file of that chunk; except chunks whose entries were all purged.
pub fn acked_bytes_kept(lost: &[Lost]) -> Result<(), Breach> {
    let synced: Vec<&Lost> = lost.iter().filter(|l| l.synced_bytes > 0).collect();
    if synced.is_empty() {
        return Ok(());
    }
    Err(breach(
        "synced bytes lost",
        "every synced byte of a chunk file stays in place or in a quarantine file",
        describe_lost(&synced),
    ))
}

/// Open drops nothing without moving it aside, except what the contract lets it cut
/// (zeros at the end, bytes past a closed chunk's end, purged old chunks).
pub fn nothing_dropped_without_quarantine(lost: &[Lost]) -> Result<(), Breach> {
    if lost.is_empty() {
        return Ok(());
    }
    Err(breach(
        "dropped without quarantine",
        "open cuts or removes only zeros at the end, bytes past a closed chunk's end and purged chunks; the rest goes into a quarantine file",
        describe_lost(&lost.iter().collect::<Vec<_>>()),
    ))
}

/// After an open, the chunk files follow each other exactly: each closed chunk's file
/// length equals the next chunk's id minus its own, and they are the chunks the log
/// says it has.
pub fn closed_chunks_tile(after: &DirSnapshot, stat: &Stat) -> Result<(), Breach> {
    let chunks = after.chunks();
    for pair in chunks.windows(2) {
        let ((id, name), (next, _)) = (pair[0], pair[1]);
        let len = after.files[name].bytes.len() as u64;
        if len != next - id {
            return Err(breach(
                "closed chunk length",
                format!(
                    "{name} is {} bytes long (the next chunk starts at {next})",
                    next - id
                ),
                format!("{len} bytes"),
            ));
        }
    }
    let on_disk: Vec<u64> = chunks.iter().map(|c| c.0).collect();
    let in_log: Vec<u64> = stat
        .closed_chunks
        .iter()
        .chain(stat.open_chunk.iter())
        .map(|c| c.chunk_id)
        .collect();
    if on_disk != in_log {
        return Err(breach(
            "chunks on disk",
            format!("the chunk files are the log's chunks {in_log:?}"),
            format!("chunk files {on_disk:?}"),
        ));
    }
    Ok(())
}

/// After an open, nothing non-zero lies past the last chunk's recovered end.
pub fn nothing_past_recovered_end(after: &DirSnapshot, stat: &Stat) -> Result<(), Breach> {
    let (Some(open), Some(&(id, name))) = (&stat.open_chunk, after.chunks().last()) else {
        return Ok(());
    };
    if open.chunk_id != id {
        return Ok(()); // closed_chunks_tile reports it
    }
    let bytes = &after.files[name].bytes;
    let end = open
        .size_bytes
        .max(CHUNK_HEADER_BYTES.min(bytes.len() as u64)) as usize;
    if let Some(p) = bytes
        .get(end..)
        .and_then(|t| t.iter().position(|&b| b != 0))
    {
        return Err(breach(
            "bytes past the recovered end",
            format!(
                "only zeros after the recovered end {} of {name}",
                open.size_bytes
            ),
            format!(
                "a non-zero byte at {} ({} bytes long)",
                end + p,
                bytes.len()
            ),
        ));
    }
    Ok(())
}

/// The report of an open that succeeded accounts for every byte it removed from the
/// chunk files (`before`: the directory just before this attempt): each byte cut
/// from a chunk, or in a chunk file it quarantined whole and removed, is in a
/// quarantine copy's size or in the garbage cut. Removals the report names otherwise
/// (blank files) or not at all (chunks whose entries are all purged) hold no data.
pub fn report_accounts_for_removed_bytes(
    before: &DirSnapshot,
    after: &DirSnapshot,
    report: &RecoveryReport,
) -> Result<(), Breach> {
    let mut removed = 0u64;
    for (_, name) in before.chunks() {
        let len = before.files[name].bytes.len() as u64;
        removed += match after.files.get(name) {
            Some(now) => len.saturating_sub(now.bytes.len() as u64),
            None if report
                .dropped
                .iter()
                .any(|d| d.chunk == name && d.offset == 0) =>
            {
                len
            }
            // Blank, or purged; a purged chunk the open also cut (its reserved space's
            // cut lost with its removal) had its cut counted as garbage.
            None => report
                .decisions
                .iter()
                .find(|d| d.chunk == name)
                .and_then(|d| match d.action {
                    ChunkAction::CutGarbage { to } => Some(len.saturating_sub(to)),
                    _ => None,
                })
                .unwrap_or(0),
        };
    }
    let dropped: u64 = report.dropped.iter().map(|d| d.size_bytes).sum();
    if removed != dropped + report.garbage_cut_bytes {
        return Err(breach(
            "recovery report",
            format!("the {removed} bytes removed from chunk files are reported"),
            format!(
                "{dropped} bytes dropped and {} cut as garbage",
                report.garbage_cut_bytes
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::chunk_name;

    fn snap(files: &[(&str, Vec<u8>)]) -> DirSnapshot {
        DirSnapshot {
            files: files
                .iter()
                .map(|(n, b)| {
                    (
                        n.to_string(),
                        FileSnap {
                            bytes: Arc::new(b.clone()),
                            unreadable: Vec::new(),
                            synced_end: b.len() as u64,
                            durable_name: true,
                            durable_bytes: true,
                        },
                    )
                })
                .collect(),
        }
    }

    fn q(chunk: u64, offset: u64) -> String {
        format!("quarantine.{chunk:020}.{offset:020}.0")
    }

    fn lost(before: &DirSnapshot, after: &DirSnapshot) -> Vec<Lost> {
        lost_bytes(before, after, &BTreeSet::new(), false)
    }

    #[test]
    fn a_cut_tail_must_be_in_a_durable_quarantine() {
        let data: Vec<u8> = (1..=200).collect();
        let c = chunk_name(0);
        let before = snap(&[(&c, data.clone())]);
        // Cut at 100, nothing moved aside: 100 synced bytes lost.
        let cut = snap(&[(&c, data[..100].to_vec())]);
        let l = lost(&before, &cut);
        assert_eq!(l[0].range, 100..200);
        assert_eq!((l[0].bytes, l[0].synced_bytes), (100, 100));
        assert!(acked_bytes_kept(&l).is_err());
        // Moved aside whole: nothing lost.
        let moved = snap(&[
            (&c, data[..100].to_vec()),
            (&q(0, 100), data[100..].to_vec()),
        ]);
        assert!(lost(&before, &moved).is_empty());
        // A quarantine that is not durable does not count.
        let mut not_durable = moved.clone();
        not_durable.files.get_mut(&q(0, 100)).unwrap().durable_bytes = false;
        assert_eq!(lost(&before, &not_durable)[0].bytes, 100);
        // One of another chunk, or shorter, does not cover it all.
        let other = snap(&[
            (&c, data[..100].to_vec()),
            (&q(7, 100), data[100..].to_vec()),
        ]);
        assert_eq!(lost(&before, &other)[0].bytes, 100);
        let short = snap(&[
            (&c, data[..100].to_vec()),
            (&q(0, 100), data[100..150].to_vec()),
        ]);
        assert_eq!(lost(&before, &short)[0].range, 150..200);
    }

    /// The report's byte accounting: cuts and whole-file quarantines count, blank
    /// and purged removals do not, and a purged chunk the open also cut counts its cut.
    #[test]
    fn the_report_accounts_for_every_byte_removed() {
        let (a, b) = (chunk_name(0), chunk_name(200));
        let before = snap(&[(&a, vec![1; 200]), (&b, vec![1; 300])]);
        let report = |garbage: u64, decisions: Vec<(&str, ChunkAction)>| RecoveryReport {
            garbage_cut_bytes: garbage,
            decisions: decisions
                .into_iter()
                .map(|(chunk, action)| raftwal::ChunkDecision {
                    chunk: chunk.to_string(),
                    len_bytes: 0,
                    valid_end: 0,
                    records: 0,
                    finding: String::new(),
                    action,
                })
                .collect(),
            ..RecoveryReport::default()
        };
        // b cut to 250: 50 bytes of garbage.
        let cut = snap(&[(&a, vec![1; 200]), (&b, vec![1; 250])]);
        assert!(report_accounts_for_removed_bytes(&before, &cut, &report(50, vec![])).is_ok());
        assert!(report_accounts_for_removed_bytes(&before, &cut, &report(0, vec![])).is_err());
        // a removed as purged: nothing to account for, unless the open cut it first.
        let purged = snap(&[(&b, vec![1; 300])]);
        assert!(report_accounts_for_removed_bytes(&before, &purged, &report(0, vec![])).is_ok());
        let cut_then_purged = report(120, vec![(&a, ChunkAction::CutGarbage { to: 80 })]);
        assert!(report_accounts_for_removed_bytes(&before, &purged, &cut_then_purged).is_ok());
    }

    #[test]
    fn what_open_may_cut() {
        let c0 = chunk_name(0);
        let c1 = chunk_name(150);
        let mut data: Vec<u8> = (1..=100).collect();
        data.resize(300, 0);
        // A removed file holding only our header for its name held nothing.
        let header = crate::layout::chunk_header(0, FORMAT_VERSION).to_vec();
        let mut header_only = header.clone();
        header_only.resize(100, 0);
        assert!(lost(&snap(&[(&c0, header_only.clone())]), &snap(&[])).is_empty());
        let mut wrong_id = crate::layout::chunk_header(7, FORMAT_VERSION).to_vec();
        wrong_id.resize(100, 0);
        assert_eq!(lost(&snap(&[(&c0, wrong_id)]), &snap(&[]))[0].bytes, 24);
        // Zeros at the end of the last chunk may go.
        let before = snap(&[(&c0, data.clone())]);
        assert!(lost(&before, &snap(&[(&c0, data[..100].to_vec())])).is_empty());
        // Bytes past a closed chunk's end (the next chunk's id) may go.
        let mut past = data.clone();
        past[200] = 9;
        let before = snap(&[(&c0, past.clone()), (&c1, vec![1; 30])]);
        let after = snap(&[(&c0, past[..150].to_vec()), (&c1, vec![1; 30])]);
        assert!(lost(&before, &after).is_empty());
        // But not when the chunk became the last one.
        let after = snap(&[(&c0, past[..150].to_vec())]);
        assert_eq!(lost(&before, &after)[0].range, 150..201);
        // An old chunk before every remaining one may go (purged)...
        let before = snap(&[(&c0, data.clone()), (&c1, vec![1; 30])]);
        assert!(lost(&before, &snap(&[(&c1, vec![1; 30])])).is_empty());
        // ... unless it is a stray file the simulator placed.
        let strays: BTreeSet<String> = [c0.clone()].into();
        let l = lost_bytes(&before, &snap(&[(&c1, vec![1; 30])]), &strays, false);
        assert_eq!((l[0].bytes, l[0].synced_bytes), (100, 0));
        assert!(acked_bytes_kept(&l).is_ok());
        assert!(nothing_dropped_without_quarantine(&l).is_err());
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)] // one unreadable range
    fn unreadable_bytes_may_be_zeros_or_missing() {
        let data: Vec<u8> = (1..=200).collect();
        let c = chunk_name(0);
        let mut before = snap(&[(&c, data.clone())]);
        before.files.get_mut(&c).unwrap().unreadable = vec![128..256];
        let mut copy = data[100..].to_vec();
        copy[28..].fill(0);
        let after = snap(&[
            (&c, data[..100].to_vec()),
            (&q(0, 100), copy[..28].to_vec()),
        ]);
        assert!(lost(&before, &after).is_empty());
        // Zeros followed only by unreadable bytes are trailing zeros too.
        let mut gap = data.clone();
        gap[120..128].fill(0);
        let mut before_gap = snap(&[(&c, gap.clone())]);
        before_gap.files.get_mut(&c).unwrap().unreadable = vec![128..256];
        let after = snap(&[
            (&c, gap[..100].to_vec()),
            (&q(0, 100), gap[100..120].to_vec()),
        ]);
        assert!(lost(&before_gap, &after).is_empty());
        // Readable bytes written as zeros are lost.
        let mut zeroed = data[100..].to_vec();
        zeroed[20..].fill(0);
        let after = snap(&[(&c, data[..100].to_vec()), (&q(0, 100), zeroed)]);
        assert_eq!(lost(&before, &after)[0].range, 120..128);
    }

    #[test]
    fn refused_open_and_quarantine_rules() {
        let c = chunk_name(0);
        let before = snap(&[(&c, vec![1, 2, 3])]);
        assert!(refused_open_touched_nothing(&before, &before.clone(), "x").is_ok());
        let changed = snap(&[(&c, vec![1, 2])]);
        assert!(refused_open_touched_nothing(&before, &changed, "x").is_err());
        let more = snap(&[(&c, vec![1, 2, 3]), (&q(0, 0), vec![1])]);
        assert!(refused_open_touched_nothing(&before, &more, "x").is_err());
        let known: BTreeMap<String, Arc<Vec<u8>>> = [(q(0, 0), Arc::new(vec![1]))].into();
        let none = BTreeSet::new();
        let excused: BTreeSet<String> = [q(0, 0)].into();
        assert!(quarantine_files_kept(&known, &more, &none).is_ok());
        let other = snap(&[(&q(0, 0), vec![2])]);
        assert!(quarantine_files_kept(&known, &other, &none).is_err());
        assert!(quarantine_files_kept(&known, &other, &excused).is_ok());
        assert!(quarantine_files_kept(&known, &before, &excused).is_err());
        let allowed: BTreeSet<&'static str> = ["Corrupt"].into();
        assert!(refusal_is_excused("", &["Corrupt"], &allowed, "").is_ok());
        assert!(refusal_is_excused("", &["ChunkGap", ""], &allowed, "").is_err());
    }
}
