//! The oracle's rules about the files an open leaves behind, each in its own function
//! named for it. They compare snapshots of the directory taken just before an open
//! (after the faults were applied) and just after it; the runner calls them and turns
//! a [`Broken`] rule into a violation.
//!
//! What open may drop without moving it aside (the documented contract): zeros after
//! the last batch (reserved space), an all-zero or empty last chunk file, bytes past a
//! closed chunk's end (the next chunk's id), and old chunks whose entries are all
//! purged. Anything else it drops from a chunk file must be in a quarantine file
//! `quarantine.{chunk_id:020}.{offset:020}.{seq}` holding the bytes `[offset, offset +
//! len)` of that chunk file as they were (unreadable sectors as zeros).

use crate::layout::{parse_chunk_name, parse_quarantine_name, CHUNK_HEADER_BYTES, FORMAT_VERSION};
use raftwal::storage::{FaultCounts, SimDisk};
use raftwal::Stat;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;

/// A broken rule: its category and what was expected and seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The rule's category (shrinking keeps it).
    pub category: &'static str,
    /// What the rule expected.
    pub expected: String,
    /// What was seen.
    pub actual: String,
}

fn broken(
    category: &'static str,
    expected: impl Into<String>,
    actual: impl Into<String>,
) -> Broken {
    Broken {
        category,
        expected: expected.into(),
        actual: actual.into(),
    }
}

/// One file as a snapshot saw it.
#[derive(Clone, Debug)]
pub struct FileSnap {
    /// Its bytes (what reads saw).
    pub bytes: Arc<Vec<u8>>,
    /// Its unreadable byte ranges (latent sector errors).
    pub unreadable: Vec<Range<u64>>,
    /// One past its last byte a successful `sync_data` of the engine made durable.
    pub synced_end: u64,
}

/// The log directory at one moment.
#[derive(Clone, Debug, Default)]
pub struct DirSnapshot {
    /// Every file, by name.
    pub files: BTreeMap<String, FileSnap>,
}

impl DirSnapshot {
    /// The directory of `disk` now (cheap: file bytes are shared, not copied).
    pub fn take(disk: &SimDisk) -> Self {
        let ss = disk.sector_size_bytes();
        let files = disk
            .file_names()
            .into_iter()
            .filter_map(|name| {
                let bytes = disk.file_bytes_shared(&name)?;
                let unreadable = disk
                    .latent_sectors(&name)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| s * ss..(s + 1) * ss)
                    .collect();
                let synced_end = disk.synced_end(&name).unwrap_or(0);
                Some((
                    name,
                    FileSnap {
                        bytes,
                        unreadable,
                        synced_end,
                    },
                ))
            })
            .collect();
        DirSnapshot { files }
    }

    /// The chunk files: (id, name), by id.
    pub fn chunks(&self) -> Vec<(u64, &str)> {
        let mut v: Vec<(u64, &str)> = self
            .files
            .keys()
            .filter_map(|n| Some((parse_chunk_name(n)?, n.as_str())))
            .collect();
        v.sort();
        v
    }

    /// The quarantine files: name -> bytes.
    pub fn quarantines(&self) -> BTreeMap<String, Arc<Vec<u8>>> {
        self.files
            .iter()
            .filter(|(n, _)| parse_quarantine_name(n).is_some())
            .map(|(n, f)| (n.clone(), f.bytes.clone()))
            .collect()
    }

    /// Does any chunk file hold a valid header of ours with another format version?
    pub fn has_version_skew(&self) -> bool {
        self.chunks().iter().any(|(_, name)| {
            crate::layout::parse_chunk_header(&self.files[*name].bytes)
                .is_some_and(|(v, _)| v != FORMAT_VERSION)
        })
    }
}

fn same_bytes(a: &Arc<Vec<u8>>, b: &Arc<Vec<u8>>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b.iter())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

/// A refused open touches nothing: every file name and every byte as before the open.
pub fn refused_open_touched_nothing(
    before: &DirSnapshot,
    after: &DirSnapshot,
    refusal: &str,
) -> Result<(), Broken> {
    let names_before: BTreeSet<&String> = before.files.keys().collect();
    let names_after: BTreeSet<&String> = after.files.keys().collect();
    let expected = || format!("the open refused ({refusal}) left every file as it was");
    if names_before != names_after {
        let gone: Vec<_> = names_before.difference(&names_after).collect();
        let new: Vec<_> = names_after.difference(&names_before).collect();
        return Err(broken(
            "refused open touched files",
            expected(),
            format!("files removed {gone:?}, created {new:?}"),
        ));
    }
    for (name, f) in &before.files {
        let a = &after.files[name];
        if !same_bytes(&f.bytes, &a.bytes) {
            let at = first_difference(&f.bytes, &a.bytes);
            return Err(broken(
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
pub fn refusal_is_excused(
    shown: &str,
    refusal: &str,
    allowed: &BTreeSet<&'static str>,
    faults: &str,
) -> Result<(), Broken> {
    if allowed.contains(refusal) {
        return Ok(());
    }
    Err(broken(
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
pub fn version_skew_is_refused(before: &DirSnapshot, opened: bool) -> Result<(), Broken> {
    if opened && before.has_version_skew() {
        return Err(broken(
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
) -> Result<(), Broken> {
    if after.write_failures > before.write_failures
        || after.fsync_failures > before.fsync_failures
        || after.sync_dir_failures > before.sync_dir_failures
    {
        return Ok(());
    }
    Err(broken(
        "open I/O error on reads",
        "open retries failed reads and treats unreadable sectors as damage; it fails with Io only after an injected write, sync_data or sync_dir error",
        format!(
            "{error}; read failures during the open: {}",
            after.read_failures - before.read_failures
        ),
    ))
}

/// A quarantine file never disappears or changes once an open made it. A change is
/// excused after a misdirected write (`misdirected`: the disk may have put the bytes of
/// the quarantine file's own write elsewhere).
pub fn quarantine_files_kept(
    known: &BTreeMap<String, Arc<Vec<u8>>>,
    now: &DirSnapshot,
    misdirected: bool,
) -> Result<(), Broken> {
    for (name, bytes) in known {
        match now.files.get(name) {
            None => {
                return Err(broken(
                    "quarantine file lost",
                    format!("{name} ({} bytes) stays in the directory", bytes.len()),
                    "it is gone",
                ))
            }
            Some(f) if !misdirected && !same_bytes(bytes, &f.bytes) => {
                return Err(broken(
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
/// this log: their removal is not a purge).
pub fn lost_bytes(
    before: &DirSnapshot,
    after: &DirSnapshot,
    strays: &BTreeSet<String>,
) -> Vec<Lost> {
    let after_chunks = after.chunks();
    let first_after = after_chunks.first().map(|c| c.0);
    let quarantines: Vec<(crate::layout::QuarantineName, &Arc<Vec<u8>>)> = after
        .files
        .iter()
        .filter_map(|(n, f)| Some((parse_quarantine_name(n)?, &f.bytes)))
        .collect();
    let mut out = Vec::new();
    for (id, name) in before.chunks() {
        let snap = &before.files[name];
        let b = &snap.bytes[..];
        // Zeros at the end may go (reserved space, an all-zero last chunk).
        let keep_end = b.iter().rposition(|&x| x != 0).map_or(0, |p| p + 1) as u64;
        if keep_end == 0 {
            continue;
        }
        let now = after.files.get(name);
        if now.is_none() && !strays.contains(name) && first_after.is_some_and(|f| id < f) {
            continue; // an old chunk before every remaining one: purged
        }
        // Bytes past a closed chunk's end (the next chunk's id) may go.
        let closed_end = now.and_then(|_| after_chunks.iter().find(|c| c.0 > id).map(|c| c.0 - id));
        let limit = keep_end.min(closed_end.unwrap_or(u64::MAX)) as usize;
        let a: &[u8] = now.map_or(&[], |f| &f.bytes[..]);
        let ours: Vec<(u64, &Arc<Vec<u8>>)> = quarantines
            .iter()
            .filter(|(q, _)| q.chunk_id == id)
            .map(|(q, bytes)| (q.offset_bytes, *bytes))
            .collect();
        let unreadable = |p: usize| snap.unreadable.iter().any(|r| r.contains(&(p as u64)));
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
            let mut advanced = false;
            for &(offset, q) in &ours {
                let offset = offset as usize;
                if offset <= p && p < offset + q.len() {
                    let mut r = p;
                    let q_end = limit.min(offset + q.len());
                    while r < q_end
                        && (q[r - offset] == b[r] || (q[r - offset] == 0 && unreadable(r)))
                    {
                        r += 1;
                    }
                    if r > p {
                        p = r;
                        advanced = true;
                        break;
                    }
                }
            }
            if advanced {
                continue;
            }
            let synced = !strays.contains(name) && (p as u64) < snap.synced_end;
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
        out.extend(lost);
    }
    out
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
pub fn acked_bytes_kept(lost: &[Lost]) -> Result<(), Broken> {
    let synced: Vec<&Lost> = lost.iter().filter(|l| l.synced_bytes > 0).collect();
    if synced.is_empty() {
        return Ok(());
    }
    Err(broken(
        "synced bytes lost",
        "every synced byte of a chunk file stays in place or in a quarantine file",
        describe_lost(&synced),
    ))
}

/// Open drops nothing without moving it aside, except what the contract lets it cut
/// (zeros at the end, bytes past a closed chunk's end, purged old chunks).
pub fn nothing_dropped_without_quarantine(lost: &[Lost]) -> Result<(), Broken> {
    if lost.is_empty() {
        return Ok(());
    }
    Err(broken(
        "dropped without quarantine",
        "open cuts or removes only zeros at the end, bytes past a closed chunk's end and purged chunks; the rest goes into a quarantine file",
        describe_lost(&lost.iter().collect::<Vec<_>>()),
    ))
}

/// After an open, the chunk files follow each other exactly: each closed chunk's file
/// length equals the next chunk's id minus its own, and they are the chunks the log
/// says it has.
pub fn closed_chunks_tile(after: &DirSnapshot, stat: &Stat) -> Result<(), Broken> {
    let chunks = after.chunks();
    for pair in chunks.windows(2) {
        let ((id, name), (next, _)) = (pair[0], pair[1]);
        let len = after.files[name].bytes.len() as u64;
        if len != next - id {
            return Err(broken(
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
        return Err(broken(
            "chunks on disk",
            format!("the chunk files are the log's chunks {in_log:?}"),
            format!("chunk files {on_disk:?}"),
        ));
    }
    Ok(())
}

/// After an open, nothing non-zero lies past the last chunk's recovered end.
pub fn nothing_past_recovered_end(after: &DirSnapshot, stat: &Stat) -> Result<(), Broken> {
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
        return Err(broken(
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
