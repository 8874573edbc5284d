//! Step 3 of recovery: every storage effect of an open, in one place. Bytes that are
//! dropped from the log are copied to the quarantine and made durable there (data and
//! name) before any chunk is cut or removed.

use super::decide::Action;
use super::read::ChunkReader;
use super::report::{ChunkAction, Dropped, QuarantineFile, RecoveryReport};
use crate::error::Error;
use crate::format::chunk_file_name;
use crate::format::DamageKind;
use crate::log::chunks::{purgeable_prefix, ChunkInfo};
use crate::log::core::LogCore;
use crate::storage::{Storage, StorageFile};
use crate::types::Types;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One chunk file and what to do with it.
#[derive(Clone)]
pub(crate) struct Step {
    pub(crate) chunk_id: u64,
    pub(crate) file: Arc<dyn StorageFile>,
    pub(crate) action: Action,
}

/// The public form of an action (for [`crate::ChunkDecision`]).
pub(crate) fn public_action(action: &Action) -> ChunkAction {
    match *action {
        Action::Keep => ChunkAction::Keep,
        Action::Cut { to } => ChunkAction::CutGarbage { to },
        Action::QuarantineTail { from, damage } => ChunkAction::QuarantineTail { from, damage },
        Action::QuarantineFile { damage } => ChunkAction::QuarantineFile { damage },
        Action::RemoveBlank => ChunkAction::RemoveBlank,
        Action::SkipIfPurged(Error::Corrupt { damage, .. }) => {
            ChunkAction::QuarantineFile { damage }
        }
        Action::SkipIfPurged(_) => ChunkAction::QuarantineFile {
            damage: DamageKind::CutShort,
        },
        Action::Refuse(_) => {
            debug_assert!(
                false,
                "a refusal has no public action: open returns the error"
            );
            ChunkAction::Keep
        }
    }
}

/// The end of the last non-zero byte at or after `from` (`from` if there is none).
/// Unreadable bytes count as non-zero: they are kept in the copy's length.
fn nonzero_end(reader: &mut ChunkReader<'_>, from: u64) -> u64 {
    let mut end = from;
    let mut at = from;
    while at < reader.len_bytes() {
        let (window, _) = reader.window_at(at);
        if let Some(last) = window.iter().rposition(|&b| b != 0) {
            end = at + last as u64 + 1;
        }
        at += window.len() as u64;
    }
    end.max(reader.unreadable_end())
}

/// Where the bytes an action drops from the log start, and why.
fn dropped_range(action: &Action) -> Option<(u64, DamageKind)> {
    match *action {
        Action::QuarantineTail { from, damage } => Some((from, damage)),
        Action::QuarantineFile { damage } => Some((0, damage)),
        _ => None,
    }
}

/// What [`apply`] would do, without doing it: the report of a read-only open.
pub(crate) fn describe(
    leading: &[Step],
    steps: &[Step],
    last_index_kept: Option<u64>,
) -> Result<RecoveryReport, Error> {
    let mut report = RecoveryReport::default();
    for step in leading.iter().chain(steps) {
        let name = chunk_file_name(step.chunk_id);
        let len = || step.file.len().map_err(|e| Error::io("len", &name, e));
        if let Some((from, damage)) = dropped_range(&step.action) {
            // Counted as a quarantine copy would count them: up to the last non-zero
            // byte.
            let mut reader = ChunkReader::new(step.file.as_ref(), &name)?;
            // A read-only open: a running node may cut the chunk meanwhile, and its
            // lost end is no unreadable byte.
            reader.follow_shrinks();
            let nonzero_end = nonzero_end(&mut reader, from);
            // The zeros after them are cut, not copied: garbage, as `apply` counts it.
            report.garbage_cut_bytes += reader.len_bytes().saturating_sub(nonzero_end);
            report.dropped.push(Dropped {
                chunk: name.clone(),
                offset: from,
                size_bytes: nonzero_end - from,
                damage,
                quarantine_file: String::new(),
                unreadable_bytes: reader.unreadable_bytes(),
                last_index_kept,
            });
        }
        match step.action {
            Action::Cut { to } => report.garbage_cut_bytes += len()?.saturating_sub(to),
            Action::RemoveBlank => report.blank_files_removed.push(name),
            _ => {}
        }
    }
    Ok(report)
}

/// Carries out the decided actions: `leading` are skipped chunks to quarantine and
/// remove, oldest first; `steps` are the other chunks in order. Returns the report.
pub(crate) fn apply(
    storage: &dyn Storage,
    leading: &[Step],
    steps: &[Step],
    last_index_kept: Option<u64>,
) -> Result<RecoveryReport, Error> {
    let mut report = RecoveryReport {
        applied: true,
        ..RecoveryReport::default()
    };
    let mut names: BTreeSet<String> = storage
        .list()
        .map_err(|e| Error::io("list", "", e))?
        .into_iter()
        .collect();

    // 1. Copy everything to be dropped into the quarantine, durably.
    for step in leading.iter().chain(steps) {
        let Some((from, damage)) = dropped_range(&step.action) else {
            continue;
        };
        let (dropped, zeros_after) =
            quarantine(storage, &mut names, step, from, damage, last_index_kept)?;
        // The zeros after the copied bytes go with the cut (or the removal) but are in
        // no quarantine file: they are counted as garbage.
        report.garbage_cut_bytes += zeros_after;
        report.dropped.push(dropped);
    }
    if !report.dropped.is_empty() {
        sync_dir(storage)?;
    }

    // 2. Cut and remove, each made durable before the next (oldest first, so that a
    //    power loss in between never leaves a gap between chunks).
    for step in leading.iter().chain(steps) {
        let name = chunk_file_name(step.chunk_id);
        match step.action {
            Action::Keep | Action::Refuse(_) | Action::SkipIfPurged(_) => {}
            Action::Cut { to } => {
                let len = step.file.len().map_err(|e| Error::io("len", &name, e))?;
                debug_assert!(to < len);
                report.garbage_cut_bytes += len.saturating_sub(to);
                cut(step.file.as_ref(), &name, to)?;
            }
            Action::QuarantineTail { from, .. } => cut(step.file.as_ref(), &name, from)?,
            Action::QuarantineFile { .. } => remove_durably(storage, &name)?,
            Action::RemoveBlank => {
                remove_durably(storage, &name)?;
                report.blank_files_removed.push(name);
            }
        }
    }
    Ok(report)
}

/// Copies the bytes of `step`'s chunk from `from` to its last non-zero byte into a new
/// quarantine file, synced. Returns what was dropped and the count of zero bytes
/// after the copied ones (to the end of the file), which the copy leaves out.
fn quarantine(
    storage: &dyn Storage,
    names: &mut BTreeSet<String>,
    step: &Step,
    from: u64,
    damage: DamageKind,
    last_index_kept: Option<u64>,
) -> Result<(Dropped, u64), Error> {
    let chunk = chunk_file_name(step.chunk_id);
    let target = (0..)
        .map(|seq| QuarantineFile {
            chunk_id: step.chunk_id,
            offset_bytes: from,
            seq,
        })
        .map(|q| q.name())
        .find(|name| !names.contains(name))
        .expect("a free sequence number");
    let out = storage
        .create(&target)
        .map_err(|e| Error::io("create", &target, e))?;
    names.insert(target.clone());
    let mut reader = ChunkReader::new(step.file.as_ref(), &chunk)?;
    let len = reader.len_bytes();
    let mut at = from;
    let mut nonzero_end = from;
    while at < len {
        let (window, _) = reader.window_at(at);
        let size = window.len() as u64;
        if let Some(last) = window.iter().rposition(|&b| b != 0) {
            out.write_at(at - from, &window[..=last])
                .map_err(|e| Error::io("write", &target, e))?;
            nonzero_end = at + last as u64 + 1;
        }
        at += size;
    }
    // Unreadable bytes are written as zeros but are not trailing zeros: the copy
    // keeps its length up to them, so that every readable byte before them is in it.
    let nonzero_end = nonzero_end.max(reader.unreadable_end());
    let unreadable_bytes = reader.unreadable_bytes();
    out.set_len(nonzero_end - from)
        .and_then(|()| out.sync_data())
        .map_err(|e| Error::io("sync_data", &target, e))?;
    debug_assert!(
        nonzero_end <= len.max(from),
        "copied past the end of the file"
    );
    let dropped = Dropped {
        chunk,
        offset: from,
        size_bytes: nonzero_end - from,
        damage,
        quarantine_file: target,
        unreadable_bytes,
        last_index_kept,
    };
    Ok((dropped, len.saturating_sub(nonzero_end)))
}

fn cut(file: &dyn StorageFile, name: &str, to: u64) -> Result<(), Error> {
    file.set_len(to)
        .map_err(|e| Error::io("set_len", name, e))?;
    file.sync_data()
        .map_err(|e| Error::io("sync_data", name, e))
}

/// Makes the directory's creates and removes durable.
pub(crate) fn sync_dir(storage: &dyn Storage) -> Result<(), Error> {
    storage.sync_dir().map_err(|e| Error::io("sync_dir", "", e))
}

/// Rewrites the bytes `[proven, valid_end)` of the last kept chunk (`chunk_id`): those
/// after the highest durable offset its batches record, which nothing proves durable;
/// sets its length again; then syncs it, so that what the open shows is durable for
/// sure.
///
/// After a failed `sync_data` (in this process or in one that crashed), the page cache
/// may still show bytes that the disk dropped, while a new `sync_data` returns Ok
/// because nothing is dirty: trusting them would build on bytes a power loss takes
/// back (fsyncgate). Writing them again marks them dirty, so the sync really writes
/// them. The region is at most the last group commit, so this costs little.
pub(crate) fn make_tail_durable(
    file: &Arc<dyn StorageFile>,
    chunk_id: u64,
    proven: u64,
    valid_end: u64,
) -> Result<(), Error> {
    debug_assert!(proven <= valid_end);
    let name = chunk_file_name(chunk_id);
    let mut reader = ChunkReader::new(file.as_ref(), &name)?;
    let mut at = proven;
    while at < valid_end {
        let (window, unreadable) = reader.window_at(at);
        // The scan read these bytes; a sector unreadable now is not written back as
        // zeros.
        if unreadable {
            return Err(Error::io(
                "read",
                &name,
                std::io::Error::other("a sector became unreadable during the open"),
            ));
        }
        let size = (window.len() as u64).min(valid_end - at);
        file.write_at(at, &window[..size as usize])
            .map_err(|e| Error::io("write", &name, e))?;
        at += size;
    }
    // The same holds for the file's length: a cut whose sync failed (by an earlier
    // open, or a worker) shows in the page cache, but the medium may still hold the
    // bytes after it, old batches whose recorded durable offsets would later "prove"
    // the new tail synced. Setting the length again makes the cut durable too.
    let len = file.len().map_err(|e| Error::io("len", &name, e))?;
    file.set_len(len)
        .map_err(|e| Error::io("set_len", &name, e))?;
    file.sync_data()
        .map_err(|e| Error::io("sync_data", &name, e))
}

/// Removes a file and makes the removal durable before anything else happens.
fn remove_durably(storage: &dyn Storage, name: &str) -> Result<(), Error> {
    storage
        .remove(name)
        .map_err(|e| Error::io("remove", name, e))?;
    storage
        .sync_dir()
        .map_err(|e| Error::io("sync_dir", name, e))
}

/// Removes the oldest closed chunks whose entries are all purged (a purge interrupted
/// by a crash), oldest first, each removal durable before the next.
pub(crate) fn remove_purged_chunks<T: Types>(
    storage: &dyn Storage,
    core: &LogCore<T>,
    chunks: &mut Vec<ChunkInfo>,
    files: &mut BTreeMap<u64, Arc<dyn StorageFile>>,
) -> Result<(), Error> {
    let removable = purgeable_prefix::<T>(chunks, core.state.purged.as_ref());
    for info in chunks.drain(..removable) {
        remove_durably(storage, &chunk_file_name(info.chunk_id))?;
        files.remove(&info.chunk_id);
    }
    Ok(())
}
