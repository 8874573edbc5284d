//! The stray-file fault: a file under a chunk name that is not part of the log (empty,
//! random bytes, or a valid chunk of another log that the engine itself wrote), placed
//! inside, at the end of, past or before the log's chunks.

use super::{chunk_files, pick, Context, Injected, StrayContent, StrayPlace};
use crate::layout::{self, chunk_name, parse_chunk_name};
use crate::types::SimTypes;
use raftwal::{RaftLog, RaftLogWriter};
use raftwal_simdisk::{FaultConfig, SimDisk};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// The id a stray file gets at `place`, or `None` if there is no such place.
fn stray_id(rng: &mut ChaCha8Rng, place: StrayPlace, files: &[(u64, String, u64)]) -> Option<u64> {
    let end = files.last().map_or(0, |(id, _, len)| id + len);
    match place {
        StrayPlace::Inside => {
            let extents: Vec<(u64, u64)> = files
                .iter()
                .enumerate()
                .map(|(i, (id, _, len))| {
                    let next = files.get(i + 1).map_or(id + len, |n| n.0);
                    (*id, next.saturating_sub(*id))
                })
                .filter(|&(_, extent)| extent >= 2)
                .collect();
            let &(id, extent) = pick(rng, &extents)?;
            Some(id + rng.gen_range(1..extent))
        }
        StrayPlace::AtEnd => Some(end),
        StrayPlace::PastEnd => Some(end + rng.gen_range(1..=1u64 << 16)),
        StrayPlace::BeforeFirst => {
            let first = files.first()?.0;
            (first > 0).then(|| rng.gen_range(0..first))
        }
    }
}

/// Random bytes, one to two sectors of them, starting with the chunk magic three times
/// in ten.
fn garbage(rng: &mut ChaCha8Rng, sector_size_bytes: usize) -> Vec<u8> {
    let len = rng.gen_range(1..=2 * sector_size_bytes);
    let mut bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
    if rng.gen_bool(0.3) && len >= 8 {
        bytes[..8].copy_from_slice(&layout::CHUNK_MAGIC);
    }
    bytes
}

/// Where chunk id `id` lies against the chunk files `files` (sorted by id).
fn place_of(id: u64, files: &[(u64, String, u64)]) -> StrayPlace {
    let end = files.last().map_or(0, |(id, _, len)| id + len);
    if id < files.first().map_or(0, |f| f.0) {
        StrayPlace::BeforeFirst
    } else if id < end {
        StrayPlace::Inside
    } else if id == end {
        StrayPlace::AtEnd
    } else {
        StrayPlace::PastEnd
    }
}

/// A stray file in the log directory: empty, garbage, or a chunk of another log, at
/// a place drawn against the log's chunk files (see [`StrayPlace`]).
pub(super) fn stray_file(rng: &mut ChaCha8Rng, cx: &Context<'_>) -> Option<Injected> {
    let files = chunk_files(cx.disk);
    let taken = |id: u64| files.iter().any(|f| f.0 == id);
    // A valid chunk of ours (by its header) whose id is where the log's valid batches
    // end, or that ends where a chunk starts, is indistinguishable from one that
    // continues the log: not a fault the log can detect. So is one whose id lies in
    // the zeros after the valid batches of the log's only chunk, whose header is
    // valid (seed 2240 of the `edges` generator): to the engine, that chunk's
    // reserved space whose cut was lost, and zeros where its last batches had been
    // synced (rot); when the stray's state proves every entry of the chunk purged, the
    // open rightly moves the chunk aside and continues with the stray. With a chunk
    // before it, or a bad header, the engine refuses that layout (the rot is in a
    // chunk replay cannot skip), so such strays stay in the fault model.
    let continues = |id: u64, len: u64| {
        files.is_empty()
            || files.last().is_some_and(|(last, name, _)| {
                cx.disk.file_bytes_shared(name).is_some_and(|b| {
                    let valid_end = last + layout::valid_end(&b, *last);
                    let only_chunk_with_header =
                        files.len() == 1 && layout::parse_chunk_header(&b).is_some();
                    let in_zeros = only_chunk_with_header
                        && (valid_end..=last + b.len() as u64).contains(&id)
                        && b[(valid_end - last) as usize..(id - last) as usize]
                            .iter()
                            .all(|&byte| byte == 0);
                    valid_end == id || in_zeros
                })
            })
            || files.iter().any(|f| f.0 == id + len)
    };
    let mut content = match rng.gen_range(0..4) {
        0 => StrayContent::Empty,
        1 => StrayContent::Garbage,
        _ => StrayContent::ForeignRenamed,
    };
    let mut bytes: Vec<u8> = Vec::new();
    let mut own_name: Option<u64> = None;
    if content == StrayContent::ForeignRenamed {
        match foreign_chunk(rng, cx, &files) {
            Some((id, foreign)) => {
                bytes = foreign;
                // Under its own name, unless that name is taken or would continue the
                // log exactly.
                if rng.gen_bool(0.5) && !taken(id) && !continues(id, bytes.len() as u64) {
                    own_name = Some(id);
                    content = StrayContent::ForeignOwnName;
                }
            }
            None => content = StrayContent::Garbage,
        }
    }
    if content == StrayContent::Garbage {
        bytes = garbage(rng, cx.disk.sector_size_bytes() as usize);
    }
    let (id, place) = match own_name {
        Some(id) => (id, place_of(id, &files)),
        None => {
            let place = match rng.gen_range(0..4) {
                0 => StrayPlace::Inside,
                1 => StrayPlace::AtEnd,
                2 => StrayPlace::PastEnd,
                _ => StrayPlace::BeforeFirst,
            };
            let id = stray_id(rng, place, &files)?;
            let own = layout::parse_chunk_header(&bytes).is_some_and(|(_, hid)| hid == id);
            if taken(id) || (own && continues(id, bytes.len() as u64)) {
                return None;
            }
            (id, place)
        }
    };
    if files.is_empty() && content != StrayContent::Empty && content != StrayContent::Garbage {
        return None;
    }
    let name = chunk_name(id);
    cx.disk.place_file(&name, &bytes).ok()?;
    Some(Injected::Stray {
        name,
        content,
        place,
    })
}

/// A chunk file of another log: one of ours copied onto a perfect disk, opened by the
/// engine there, taken somewhere else by a few different writes (a higher vote, new
/// entries of a higher term), flushed. Returns one of that log's chunk files: (its id,
/// its bytes).
fn foreign_chunk(
    rng: &mut ChaCha8Rng,
    cx: &Context<'_>,
    files: &[(u64, String, u64)],
) -> Option<(u64, Vec<u8>)> {
    let (_, name, _) = pick(rng, files)?.clone();
    let source = cx.disk.file_bytes(&name)?;
    let other = SimDisk::new(rng.gen(), FaultConfig::none());
    other.place_file(&name, &source).ok()?;
    let config = cx.engine.clone().with_mutant(None);
    let mut log = RaftLog::<SimTypes>::open_with(Arc::new(other.clone()), Arc::new(config)).ok()?;
    let state = log.log_state().clone();
    let term = state.last.map_or(0, |l| l.0) + 1_000;
    let vote = state.vote.map_or((term, 9), |v| (v.0 + 1_000, 9));
    log.save_vote(vote).ok()?;
    let next = state.next_index();
    let n = rng.gen_range(1..=24u64);
    let entries: Vec<((u64, u64), String)> = (0..n)
        .map(|i| {
            let len = rng.gen_range(0..400);
            let mut p = format!("foreign.{}.{}:", next + i, term);
            while p.len() < len {
                p.push('f');
            }
            ((term, next + i), p)
        })
        .collect();
    log.append(entries).ok()?;
    log.flush(None).ok()?;
    let mut steps = 0;
    while log.run_worker_step() {
        steps += 1;
        if steps > 100_000 {
            return None;
        }
    }
    drop(log);
    let chunks: Vec<(u64, Vec<u8>)> = other
        .file_names()
        .into_iter()
        .filter_map(|n| Some((parse_chunk_name(&n)?, other.file_bytes(&n)?)))
        .filter(|(_, b)| !b.is_empty())
        .collect();
    pick(rng, &chunks).cloned()
}
