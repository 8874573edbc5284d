//! Opening a log: replay every chunk, drop a torn tail, refuse damage that may hide
//! acknowledged data.

use super::chunks::ChunkInfo;
use super::core::LogCore;
use crate::config::Config;
use crate::error::Error;
use crate::format::{self, chunk_file_name, parse_chunk_file_name, Record};
use crate::mutants::Mutant;
use crate::storage::{Storage, StorageFile};
use crate::types::Types;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What replay rebuilt.
pub(crate) struct Recovered<T: Types> {
    pub(crate) core: LogCore<T>,
    pub(crate) chunks: Vec<ChunkInfo>,
    pub(crate) files: BTreeMap<u64, Arc<dyn StorageFile>>,
    /// Global offset just past the last valid byte: where writing continues.
    pub(crate) end: u64,
}

/// The sorted chunk ids in `storage`; foreign files are reported and skipped.
pub(crate) fn list_chunk_ids(storage: &dyn Storage) -> Result<Vec<u64>, Error> {
    let names = storage
        .list()
        .map_err(|e| Error::io("list", "log directory", e))?;
    let mut ids = Vec::new();
    for name in names {
        match parse_chunk_file_name(&name) {
            Some(id) => ids.push(id),
            None if name == "LOCK" => {}
            None => log::warn!("raftwal: ignoring foreign file {name:?} in the log directory"),
        }
    }
    ids.sort_unstable();
    Ok(ids)
}

fn read_whole(file: &dyn StorageFile, name: &str) -> Result<Vec<u8>, Error> {
    let len = file.len().map_err(|e| Error::io("len", name, e))?;
    let len =
        usize::try_from(len).map_err(|_| Error::corrupt(name, 0, "chunk larger than memory"))?;
    let mut bytes = vec![0u8; len];
    file.read_at(0, &mut bytes)
        .map_err(|e| Error::io("read", name, e))?;
    Ok(bytes)
}

/// Replays every chunk of `storage` and repairs a torn tail.
pub(crate) fn recover<T: Types>(
    storage: &dyn Storage,
    config: &Config,
) -> Result<Recovered<T>, Error> {
    let check_crc = !config.is_mutant(Mutant::SkipCrcCheck);
    let ids = list_chunk_ids(storage)?;
    let mut core: Option<LogCore<T>> = None;
    let mut chunks = Vec::new();
    let mut files = BTreeMap::new();
    let mut end: Option<u64> = None;
    let mut unreadable_prefix: Vec<(u64, Error)> = Vec::new();

    for (i, &chunk_id) in ids.iter().enumerate() {
        let name = chunk_file_name(chunk_id);
        let is_last = i + 1 == ids.len();
        if let Some(expected_offset) = end {
            if chunk_id != expected_offset {
                return Err(Error::ChunkGap {
                    chunk: name,
                    expected_offset,
                });
            }
        }
        let file = storage
            .open(&name)
            .map_err(|e| Error::io("open", &name, e))?;
        let mut bytes = match read_whole(file.as_ref(), &name) {
            Ok(bytes) => bytes,
            // An unreadable chunk before every replayed one (a latent sector error in
            // an old chunk) is skipped: replay starts from the next chunk's state, and
            // if its entries all turn out purged the chunk is removed; if not, this
            // error is the answer.
            Err(e) if core.is_none() && !is_last => {
                log::warn!("raftwal: skipping unreadable chunk {name} for now: {e}");
                unreadable_prefix.push((chunk_id, e));
                end = None;
                continue;
            }
            Err(e) => return Err(e),
        };
        if let Some(&next_id) = ids.get(i + 1) {
            // The next chunk was created where this one ended, so bytes past that point
            // were never part of the log: space reserved ahead of the writes whose cut
            // at the chunk switch was lost, or the leftovers of a cut whose sync
            // failed (fsyncgate), brought back by a power loss. Cut them again.
            let logical_len = next_id.saturating_sub(chunk_id);
            if (bytes.len() as u64) > logical_len {
                log::info!(
                    "raftwal: cutting {} bytes past the end of {name} (the next chunk starts at {next_id})",
                    bytes.len() as u64 - logical_len
                );
                file.set_len(logical_len)
                    .and_then(|()| file.sync_data())
                    .map_err(|e| Error::io("set_len", &name, e))?;
                bytes.truncate(logical_len as usize);
            }
        }
        let scan = format::scan_chunk(&bytes, chunk_id, check_crc);
        if scan.zero_tail && !is_last {
            // Reserved space is cut when the next chunk starts (and above, if that cut
            // was lost): zeros before that point are batches the disk lost.
            return Err(Error::corrupt(
                &name,
                scan.valid_end,
                "zeros to the end of the file; a later chunk exists, so these bytes had been synced",
            ));
        }

        if let Some(damage) = &scan.damage {
            if !is_last || damage.proven_synced {
                let why = if damage.proven_synced {
                    "a later batch proves these bytes had been synced"
                } else {
                    "a later chunk exists, so these bytes had been synced"
                };
                return Err(Error::corrupt(
                    &name,
                    damage.offset,
                    format!("{}; {why}", damage.reason),
                ));
            }
            log::warn!(
                "raftwal: dropping the torn tail of {name} at offset {}: {} ({} bytes)",
                damage.offset,
                damage.reason,
                bytes.len() as u64 - scan.valid_end
            );
        }
        if scan.records.is_empty() {
            // The header (and the state record written with it) never became durable.
            if !is_last {
                return Err(Error::corrupt(
                    &name,
                    scan.valid_end,
                    "chunk has no state record",
                ));
            }
            remove_durably(storage, &name)?;
            end = Some(end.unwrap_or(chunk_id));
            break;
        }
        if scan.damage.is_some() {
            file.set_len(scan.valid_end)
                .map_err(|e| Error::io("set_len", &name, e))?;
            file.sync_data()
                .map_err(|e| Error::io("sync_data", &name, e))?;
        }
        if is_last {
            rewrite_unproven_tail(file.as_ref(), &name, chunk_id, &bytes, &scan)?;
        }

        let mut info = ChunkInfo::new(chunk_id);
        for (k, &(offset, size)) in scan.records.iter().enumerate() {
            let at = offset as usize;
            let corrupt = |reason: String| Error::corrupt(&name, offset, reason);
            // The batch checksum the scan verified covers this record already: its own
            // checksum is for positional reads, checking it again here would hash every
            // byte of the log twice per open.
            let (_, content) = format::verify_record_frame(&bytes[at..at + size as usize], false)
                .map_err(corrupt)?;
            let record = format::decode_record::<T>(content, false).map_err(corrupt)?;
            let is_state = matches!(record, Record::State(_));
            if k == 0 && !is_state {
                return Err(corrupt(
                    "chunk does not start with a state record".to_string(),
                ));
            }
            if let Record::Append(log_id, _) = &record {
                info.max_log_index = Some(T::log_index(log_id));
            }
            match (&mut core, record) {
                (None, Record::State(state)) => core = Some(LogCore::from_state(state)),
                (None, _) => unreachable!("the first record of a chunk is a state record"),
                (Some(core), record) => core
                    .replay(record, chunk_id + offset, size)
                    .map_err(corrupt)?,
            }
            info.count_record(is_state && k == 0);
        }
        info.size_bytes = scan.valid_end;
        chunks.push(info);
        files.insert(chunk_id, file);
        end = Some(chunk_id + scan.valid_end);
    }

    let mut core = match core {
        Some(core) => core,
        // Nothing after the unreadable chunks was replayed: nothing shows that they
        // hold only purged entries.
        None if !unreadable_prefix.is_empty() => return Err(unreadable_prefix.remove(0).1),
        None => LogCore::new(),
    };
    if let Some((first, next)) = core.finish_replay() {
        if let Some((_, read_error)) = unreadable_prefix.into_iter().next() {
            return Err(read_error);
        }
        let name = chunk_file_name(ids.first().copied().unwrap_or(0));
        return Err(Error::corrupt(
            name,
            0,
            format!("entries [{first}, {next}) are missing: a chunk before this one was lost"),
        ));
    }

    // Make what was recovered durable before anything is built on it: a later power
    // loss must not take back what this open showed.
    storage
        .sync_dir()
        .map_err(|e| Error::io("sync_dir", "log directory", e))?;
    if let Some(info) = chunks.last() {
        let file = &files[&info.chunk_id];
        file.sync_data()
            .map_err(|e| Error::io("sync_data", chunk_file_name(info.chunk_id), e))?;
    }
    // Every entry of the unreadable old chunks is purged (the replay found nothing
    // missing): they hold nothing the log needs.
    for (chunk_id, _) in unreadable_prefix {
        remove_durably(storage, &chunk_file_name(chunk_id))?;
    }
    remove_purged_chunks(storage, &core, &mut chunks, &mut files)?;

    Ok(Recovered {
        core,
        chunks,
        files,
        end: end.unwrap_or(0),
    })
}

/// Rewrites the bytes of the last chunk that no batch header proves durable (those
/// after the highest `durable_offset` recorded), so that the `sync_data` the open does
/// next makes them durable for sure.
///
/// After a failed `sync_data` (in this process or in one that crashed), the page cache
/// may still show bytes that the disk dropped, while a new `sync_data` returns Ok
/// because nothing is dirty: trusting them would build on bytes a power loss takes
/// back (fsyncgate). Writing them again marks them dirty, so the sync really writes
/// them. The region is at most the last group commit, so this costs little.
fn rewrite_unproven_tail(
    file: &dyn StorageFile,
    name: &str,
    chunk_id: u64,
    bytes: &[u8],
    scan: &format::ChunkScan,
) -> Result<(), Error> {
    let proven_global = scan
        .batches
        .iter()
        .map(|(_, h)| h.durable_offset)
        .max()
        .unwrap_or(chunk_id);
    let start = proven_global.saturating_sub(chunk_id).min(scan.valid_end);
    if start < scan.valid_end {
        file.write_at(start, &bytes[start as usize..scan.valid_end as usize])
            .map_err(|e| Error::io("write", name, e))?;
    }
    Ok(())
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
fn remove_purged_chunks<T: Types>(
    storage: &dyn Storage,
    core: &LogCore<T>,
    chunks: &mut Vec<ChunkInfo>,
    files: &mut BTreeMap<u64, Arc<dyn StorageFile>>,
) -> Result<(), Error> {
    let removable = super::chunks::purgeable_prefix::<T>(chunks, core.state.purged.as_ref());
    for info in chunks.drain(..removable) {
        remove_durably(storage, &chunk_file_name(info.chunk_id))?;
        files.remove(&info.chunk_id);
    }
    Ok(())
}
