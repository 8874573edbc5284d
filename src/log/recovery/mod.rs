//! Opening a log, in three explicit steps per chunk file: *classify* its scan and
//! place ([`classify`], pure), *decide* an action ([`decide`], the table, pure), and,
//! once every chunk is decided (a refusal anywhere touches nothing), *act*
//! ([`act`], every storage effect in one place). The replay of records runs inside
//! the streamed scan.

mod act;
mod classify;
mod decide;
mod progress;
mod read;
mod report;
mod scan;

pub use progress::{ProgressHook, ScanProgress};
pub use read::READ_ATTEMPTS_MAX;
pub use report::{ChunkAction, ChunkDecision, Dropped, QuarantineFile, RecoveryReport};
pub(crate) use scan::{Batch as ScannedBatch, Header as ScannedHeader, Stop as ScannedStop};

use self::act::Step;
use self::classify::{classify, NextChunk, Place};
use self::decide::{decide, Action};
pub(crate) use self::progress::Progress;
use self::read::ChunkReader;
use self::scan::{scan_chunk, Batch, Writers};
use super::chunks::ChunkInfo;
use super::core::LogCore;
use crate::config::Config;
use crate::error::Error;
use crate::format::Checksums;
use crate::format::{
    self, check_chunk_header, chunk_file_name, parse_chunk_file_name, DamageKind, Record,
    BATCH_HEADER_SIZE, CHUNK_HEADER_SIZE,
};
use crate::storage::{Storage, StorageFile};
use crate::types::{RaftLogState, Types};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What replay rebuilt.
pub(crate) struct Recovered<T: Types> {
    pub(crate) core: LogCore<T>,
    pub(crate) chunks: Vec<ChunkInfo>,
    pub(crate) files: BTreeMap<u64, Arc<dyn StorageFile>>,
    /// Global offset just past the last valid byte: where writing continues.
    pub(crate) end: u64,
    /// What the open dropped.
    pub(crate) report: RecoveryReport,
}

impl<T: Types> Recovered<T> {
    /// The chunks kept are contiguous (each starts at the global offset where the one
    /// before ends), each has its file, and writing continues at the end of the last.
    fn assert_consistent(&self) {
        for pair in self.chunks.windows(2) {
            debug_assert_eq!(
                pair[0].chunk_id + pair[0].size_bytes,
                pair[1].chunk_id,
                "chunks after recovery are contiguous"
            );
        }
        debug_assert!(
            self.chunks
                .iter()
                .map(|c| c.chunk_id)
                .eq(self.files.keys().copied()),
            "one file per chunk kept"
        );
        if let Some(last) = self.chunks.last() {
            debug_assert_eq!(
                last.chunk_id + last.size_bytes,
                self.end,
                "writing continues at the end"
            );
        }
    }
}

/// The sorted chunk ids in `storage`; quarantine files and the lock are skipped, other
/// foreign files are reported and skipped.
pub(crate) fn list_chunk_ids(storage: &dyn Storage) -> Result<Vec<u64>, Error> {
    let names = storage.list().map_err(|e| Error::io("list", "", e))?;
    let mut ids = Vec::new();
    for name in names {
        match parse_chunk_file_name(&name) {
            Some(id) => ids.push(id),
            None if name == "LOCK" || QuarantineFile::parse(&name).is_some() => {}
            None => log::warn!("raftwal: ignoring foreign file {name:?} in the log directory"),
        }
    }
    ids.sort_unstable();
    Ok(ids)
}

/// No chunk ends past this global offset (2^62 bytes: more than any disk holds), so
/// offset arithmetic on ids and lengths never overflows.
const CHUNK_END_MAX: u64 = 1 << 62;

/// Whether an open carries out what it decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Quarantine, cut, remove and sync as the table says (a normal open).
    Repair,
    /// Change nothing on disk; open files for reading only.
    ReadOnly,
}

/// A chunk file opened for recovery.
struct Opened {
    id: u64,
    file: Arc<dyn StorageFile>,
    len_bytes: u64,
    header_valid: bool,
}

/// Replays every chunk of `storage`, decides what to do with each, and does it.
/// `progress` is told how far the scan of the chunk files has come (the replay; not
/// the quarantine copies a repair makes after it).
pub(crate) fn recover<T: Types>(
    storage: &dyn Storage,
    config: &Config,
    mode: Mode,
    progress: Option<ProgressHook<'_>>,
) -> Result<Recovered<T>, Error> {
    let opened = open_chunks(storage, mode)?;
    let Replayed {
        core,
        mut chunks,
        mut files,
        steps,
        mut decisions,
        skipped,
        end,
        last_durable_offset,
    } = replay_chunks::<T>(&opened, Checksums::for_config(config), mode, progress)?;
    let first_chunk_id = opened.first().map_or(0, |c| c.id);
    let (core, skipped_steps) = settle_skipped(core, skipped, first_chunk_id)?;
    for (decision, step) in decisions.iter_mut().zip(&skipped_steps) {
        debug_assert_eq!(decision.chunk, chunk_file_name(step.chunk_id), "a prefix");
        decision.action = act::public_action(&step.action);
    }
    let last_index_kept = core.state.last.as_ref().map(T::log_index);
    let mut report = match mode {
        Mode::ReadOnly => act::describe(&skipped_steps, &steps, last_index_kept)?,
        Mode::Repair => {
            let report = act::apply(storage, &skipped_steps, &steps, last_index_kept)?;
            if let Some(info) = chunks.last() {
                let proven = last_durable_offset
                    .unwrap_or(info.chunk_id)
                    .saturating_sub(info.chunk_id)
                    .min(info.size_bytes);
                act::make_tail_durable(
                    &files[&info.chunk_id],
                    info.chunk_id,
                    proven,
                    info.size_bytes,
                )?;
            }
            act::sync_dir(storage)?;
            act::remove_purged_chunks(storage, &core, &mut chunks, &mut files)?;
            for dropped in &report.dropped {
                log::warn!("raftwal: {dropped}");
            }
            report
        }
    };
    report.decisions = decisions;

    let recovered = Recovered {
        core,
        chunks,
        files,
        end: end.unwrap_or(0),
        report,
    };
    recovered.assert_consistent();
    Ok(recovered)
}

/// Refuses chunk `id` of `len_bytes` if it ends past [`CHUNK_END_MAX`]: no log gets
/// near that offset, and below it every offset sum of a scan stays in range.
pub(crate) fn check_chunk_within_reach(id: u64, len_bytes: u64) -> Result<(), Error> {
    if id > CHUNK_END_MAX || len_bytes > CHUNK_END_MAX - id {
        let name = chunk_file_name(id);
        return Err(Error::ChunkConflict {
            chunk: name.clone(),
            other: name,
            reason: format!("a chunk at offset {id} of {len_bytes} bytes lies past any log's end"),
        });
    }
    Ok(())
}

/// Opens every chunk file of `storage` (for reading only in `Mode::ReadOnly`), in
/// chunk id order, with its length and whether its header is valid.
fn open_chunks(storage: &dyn Storage, mode: Mode) -> Result<Vec<Opened>, Error> {
    let mut opened = Vec::new();
    for id in list_chunk_ids(storage)? {
        let name = chunk_file_name(id);
        let file = match mode {
            Mode::Repair => storage.open(&name),
            Mode::ReadOnly => storage.open_read_only(&name),
        }
        .map_err(|e| Error::io("open", &name, e))?;
        let len = file.len().map_err(|e| Error::io("len", &name, e))?;
        check_chunk_within_reach(id, len)?;
        let header_valid = header_is_valid(file.as_ref(), &name, id)?;
        opened.push(Opened {
            id,
            file,
            len_bytes: len,
            header_valid,
        });
    }
    Ok(opened)
}

/// What the replay of the chunks found and decided, before anything is done.
struct Replayed<T: Types> {
    /// The state and index replayed (`None`: no chunk replayed).
    core: Option<LogCore<T>>,
    /// The chunks kept, and their files.
    chunks: Vec<ChunkInfo>,
    files: BTreeMap<u64, Arc<dyn StorageFile>>,
    /// What to do with each chunk not skipped.
    steps: Vec<Step>,
    /// Every chunk's decision, for the report.
    decisions: Vec<ChunkDecision>,
    /// Skipped leading chunks, with the state their readable prefix replayed to.
    skipped: Vec<(Step, Error, Option<RaftLogState<T>>)>,
    /// The global end of the log kept.
    end: Option<u64>,
    /// The highest durable offset a batch of the last kept chunk records.
    last_durable_offset: Option<u64>,
}

/// Scans and replays `opened` in order, and classifies and decides each chunk (see
/// [`classify`], [`decide`]); a refusal ends the replay.
fn replay_chunks<T: Types>(
    opened: &[Opened],
    checksums: Checksums,
    mode: Mode,
    progress: Option<ProgressHook<'_>>,
) -> Result<Replayed<T>, Error> {
    let bytes_total = opened.iter().map(|c| c.len_bytes).sum();
    let progress = progress.map(|hook| Progress::new(hook, bytes_total));
    let mut bytes_before = 0;
    let mut out = Replayed {
        core: None,
        chunks: Vec::new(),
        files: BTreeMap::new(),
        steps: Vec::new(),
        decisions: Vec::new(),
        skipped: Vec::new(),
        end: None,
        last_durable_offset: None,
    };
    for (i, chunk) in opened.iter().enumerate() {
        let name = chunk_file_name(chunk.id);
        let place = Place {
            next: opened.get(i + 1).map(|next| NextChunk {
                id: next.id,
                header_valid: next.header_valid,
            }),
            leading: out.core.is_none(),
        };
        let mut info = ChunkInfo::new(chunk.id);
        if let Some(progress) = &progress {
            progress.start_chunk(chunk.id, bytes_before);
        }
        let mut reader = ChunkReader::with_progress(chunk.file.as_ref(), &name, progress.as_ref())?;
        let writers = match mode {
            Mode::Repair => Writers::None,
            Mode::ReadOnly => Writers::Maybe,
        };
        let scan = scan_chunk(&mut reader, chunk.id, checksums, writers, |batch| {
            replay_batch(&mut out.core, &mut info, &name, chunk.id, batch)
        })?;
        if let Some(progress) = &progress {
            progress.end_chunk(chunk.len_bytes);
        }
        bytes_before += chunk.len_bytes;
        let verdict = classify(&scan, chunk.id, place);
        let action = decide(verdict, chunk.id, place);
        log::debug!("raftwal: {name}: {verdict:?} -> {action:?}");
        let kept_len = match &action {
            Action::Refuse(error) => return Err(error.clone()),
            Action::SkipIfPurged(_) | Action::RemoveBlank | Action::QuarantineFile { .. } => None,
            Action::Keep => Some(scan.valid_end),
            Action::Cut { to } => Some(*to),
            Action::QuarantineTail { from, .. } => Some(*from),
        };
        out.decisions.push(ChunkDecision {
            chunk: name.clone(),
            len_bytes: scan.len_bytes,
            valid_end: scan.valid_end,
            records: scan.records,
            finding: format!("{verdict:?}"),
            action: act::public_action(&action),
        });
        let step = Step {
            chunk_id: chunk.id,
            file: chunk.file.clone(),
            action,
        };
        if let Action::SkipIfPurged(error) = &step.action {
            debug_assert!(place.leading);
            log::warn!("raftwal: leaving {name} out of the replay for now: {error}");
            // Replay starts again from the next chunk's leading state record.
            let prefix = out.core.take().map(|c| c.state);
            out.skipped.push((step.clone(), error.clone(), prefix));
            continue;
        }
        match kept_len {
            Some(len) => {
                out.last_durable_offset = scan.durable_offset_max;
                debug_assert!(len >= CHUNK_HEADER_SIZE as u64 && info.records_count > 0);
                info.size_bytes = len;
                out.chunks.push(info);
                out.files.insert(chunk.id, chunk.file.clone());
                out.end = Some(chunk.id + len);
            }
            None => {
                debug_assert_eq!(info.records_count, 0, "a dropped chunk replayed nothing");
                out.end = Some(out.end.unwrap_or(chunk.id));
            }
        }
        out.steps.push(step);
    }
    Ok(out)
}

/// Ends the replay: the replayed core must miss no entry, and every skipped leading
/// chunk must hold only entries the replayed state purged (else its error refuses the
/// open). Returns the core and the skipped chunks' steps: their bytes are kept aside
/// (quarantined whole), as they hold nothing the log needs.
fn settle_skipped<T: Types>(
    core: Option<LogCore<T>>,
    mut skipped: Vec<(Step, Error, Option<RaftLogState<T>>)>,
    first_chunk_id: u64,
) -> Result<(LogCore<T>, Vec<Step>), Error> {
    let mut core = match core {
        Some(core) => core,
        // Nothing after the skipped chunks was replayed: nothing shows that they hold
        // only purged entries.
        None if !skipped.is_empty() => return Err(skipped.swap_remove(0).1),
        None => LogCore::new(),
    };
    if let Some((first, next)) = core.finish_replay() {
        if let Some((_, error, _)) = skipped.into_iter().next() {
            return Err(error);
        }
        return Err(Error::corrupt(
            chunk_file_name(first_chunk_id),
            0,
            DamageKind::MissingEntries,
            format!("entries [{first}, {next}) are missing: a chunk before this one was lost"),
        ));
    }
    if let Some((_, error, _)) = skipped
        .iter()
        .find(|(_, _, prefix)| !supersedes(&core.state, prefix.as_ref()))
    {
        return Err(error.clone());
    }
    let steps = skipped
        .into_iter()
        .map(|(step, error, _)| {
            let damage = match error {
                Error::Corrupt { damage, .. } => damage,
                _ => DamageKind::CutShort,
            };
            Step {
                action: Action::QuarantineFile { damage },
                ..step
            }
        })
        .collect();
    Ok((core, steps))
}

/// Does the replayed `state` prove that a skipped leading chunk, whose readable prefix
/// replayed to `prefix`, holds nothing the log needs? Its entries must all be purged
/// (a purge point exists and lies at or past every entry the prefix shows), and what
/// the prefix shows must not be newer than the state (vote, purge point): a chunk of
/// another log copied in after it proves nothing about it.
fn supersedes<T: Types>(state: &RaftLogState<T>, prefix: Option<&RaftLogState<T>>) -> bool {
    let Some(purged) = state.purged.as_ref() else {
        return false;
    };
    let Some(prefix) = prefix else {
        return true;
    };
    let not_newer_vote = match (&prefix.vote, &state.vote) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(old), Some(new)) => matches!(
            new.partial_cmp(old),
            Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
        ),
    };
    let entries_purged = prefix
        .last
        .as_ref()
        .is_none_or(|last| T::log_index(last) <= T::log_index(purged));
    let purge_not_newer = prefix.purged.as_ref().is_none_or(|old| old <= purged);
    not_newer_vote && entries_purged && purge_not_newer
}

/// Scans one chunk file the way open does, for [`crate::Dump`]: `visit` sees every
/// valid batch.
/// `progress`, if any, is told how far it read.
pub(crate) fn scan_for_dump(
    file: &dyn StorageFile,
    name: &str,
    chunk_id: u64,
    checksums: Checksums,
    progress: Option<&Progress<'_>>,
    visit: impl FnMut(Batch<'_>) -> Result<(), Error>,
) -> Result<scan::ChunkScan, Error> {
    let mut reader = ChunkReader::with_progress(file, name, progress)?;
    scan_chunk(&mut reader, chunk_id, checksums, Writers::Maybe, visit)
}

/// Is the chunk header at the start of `file` valid for chunk `id`? Unreadable or short
/// counts as not valid.
fn header_is_valid(file: &dyn StorageFile, name: &str, id: u64) -> Result<bool, Error> {
    let len = file.len().map_err(|e| Error::io("len", name, e))?;
    let mut head = [0u8; CHUNK_HEADER_SIZE];
    Ok(len >= CHUNK_HEADER_SIZE as u64
        && read::read_retrying(file, 0, &mut head)
        && check_chunk_header(&head, id).is_ok())
}

/// Replays the records of one valid batch of chunk `chunk_id`.
fn replay_batch<T: Types>(
    core: &mut Option<LogCore<T>>,
    info: &mut ChunkInfo,
    name: &str,
    chunk_id: u64,
    batch: Batch<'_>,
) -> Result<(), Error> {
    for &(at, size) in batch.records {
        let offset = batch.offset + (BATCH_HEADER_SIZE + at) as u64;
        let corrupt = |damage, reason: String| Error::corrupt(name, offset, damage, reason);
        // The scan checked every frame and the batch checksum over the records'
        // checksums: the record checksum is for positional reads, checking it again
        // here would hash every byte of the log twice per open.
        let (_, content) =
            format::verify_record_frame(&batch.payload[at..at + size], Checksums::Skip)
                .map_err(|damage| corrupt(damage, String::new()))?;
        let record = format::decode_record::<T>(content, false)
            .map_err(|e| corrupt(DamageKind::InvalidRecord, e.to_string()))?;
        let is_state = matches!(record, Record::State(_));
        let leading = info.records_count == 0;
        if leading && !is_state {
            return Err(corrupt(
                DamageKind::MissingStateRecord,
                "every chunk starts with a state record".to_string(),
            ));
        }
        if let Record::Append(log_id, _) = &record {
            info.max_log_index = Some(T::log_index(log_id));
        }
        match (core.as_mut(), record) {
            (None, Record::State(state)) => {
                *core = Some(
                    LogCore::from_state(state)
                        .map_err(|reason| corrupt(DamageKind::InvalidRecord, reason))?,
                )
            }
            (None, _) => {
                return Err(corrupt(
                    DamageKind::MissingStateRecord,
                    "replay starts with a state record".to_string(),
                ))
            }
            (Some(core), record) => core
                .replay(record, chunk_id + offset, size as u64)
                .map_err(|reason| corrupt(DamageKind::InvalidRecord, reason))?,
        }
        info.count_record(is_state && leading);
    }
    Ok(())
}
