//! The seed corpus: inputs made from real logs, written by this library (and the
//! committed compatibility fixtures), for each target. Regenerate with
//! `cargo test -p raftwal --lib -- --ignored write_the_seed_corpus` (see CONTRIBUTING).

use super::open::{encode_open_input, fuzz_config, is_chunk_file};
use super::FuzzTypes;
use crate::config::Config;
use crate::format::{
    parse_chunk_file_name, verify_records, BatchHeader, BATCH_HEADER_SIZE, CHUNK_HEADER_SIZE,
};
use crate::log::{RaftLog, RaftLogWriter};
use crate::storage::{MemStorage, Storage};
use crate::types::RaftLogState;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

type Log = RaftLog<FuzzTypes>;
type Files = Vec<(u64, Vec<u8>)>;

/// Writes a log with `write` (on small chunks, reserving `reserve_bytes` ahead) and
/// returns its chunk files.
fn written(reserve_bytes: u64, write: impl FnOnce(&mut Log)) -> Files {
    let mem = MemStorage::new();
    let storage: Arc<dyn Storage> = Arc::new(mem.clone());
    let config = Arc::new(Config {
        chunk_max_records: Some(8),
        chunk_preallocate_size: Some(reserve_bytes),
        ..(*fuzz_config()).clone()
    });
    let mut log = Log::open_with(storage, config).expect("a new log");
    write(&mut log);
    log.wait_worker_idle();
    drop(log);
    chunk_files(&mem)
}

fn chunk_files(mem: &MemStorage) -> Files {
    let mut names = mem.list().expect("list");
    names.sort();
    names
        .into_iter()
        .filter_map(|name| {
            let id = parse_chunk_file_name(&name)?;
            Some((id, mem.file_bytes(&name)?))
        })
        .collect()
}

fn entries(term: u64, from: u64, to: u64) -> Vec<((u64, u64), Vec<u8>)> {
    (from..to)
        .map(|i| ((term, i), format!("payload-{term}-{i}").into_bytes()))
        .collect()
}

fn flush(log: &mut Log) {
    super::open::flush_and_wait(log);
}

/// The logs the seeds are made of, by name.
fn logs() -> Vec<(&'static str, Files)> {
    let mut logs = vec![
        ("empty", Vec::new()),
        (
            "entries",
            written(0, |log| {
                log.append(entries(1, 0, 5)).unwrap();
                flush(log);
            }),
        ),
        (
            "vote_commit_user_data",
            written(0, |log| {
                log.save_vote((2, 1)).unwrap();
                log.save_user_data(Some(b"members=a,b,c".to_vec())).unwrap();
                log.append(entries(2, 0, 3)).unwrap();
                log.commit((2, 2)).unwrap();
                flush(log);
            }),
        ),
        (
            "truncate_and_terms",
            written(0, |log| {
                log.append(entries(1, 0, 5)).unwrap();
                flush(log);
                log.truncate(3).unwrap();
                log.append(entries(2, 3, 6)).unwrap();
                log.save_user_data(None).unwrap();
                flush(log);
            }),
        ),
        (
            "purge_across_chunks",
            written(0, |log| {
                log.save_vote((1, 1)).unwrap();
                log.append(entries(1, 0, 14)).unwrap();
                flush(log);
                log.commit((1, 9)).unwrap();
                log.purge((1, 8)).unwrap();
                flush(log);
            }),
        ),
        (
            "update_state",
            written(0, |log| {
                log.append(entries(3, 0, 2)).unwrap();
                let state = RaftLogState {
                    vote: Some((3, 2)),
                    committed: Some((3, 1)),
                    user_data: Some(vec![0, 1, 2]),
                    ..log.log_state().clone()
                };
                log.update_state(state).unwrap();
                flush(log);
            }),
        ),
        (
            "reserved_zeros",
            written(512, |log| {
                log.append(entries(1, 0, 3)).unwrap();
                flush(log);
                log.append(entries(1, 3, 4)).unwrap();
                flush(log);
            }),
        ),
        (
            "many_small_flushes",
            written(0, |log| {
                for i in 0..6 {
                    log.append(entries(1, i, i + 1)).unwrap();
                    flush(log);
                }
            }),
        ),
    ];
    // Damaged variants: a torn last batch, a flipped bit in the first batch.
    let (_, base) = logs[1].clone();
    let mut torn = base.clone();
    if let Some((_, bytes)) = torn.last_mut() {
        let cut = bytes.len() - 7;
        bytes.truncate(cut);
    }
    logs.push(("torn_tail", torn));
    let mut rot = base;
    if let Some((_, bytes)) = rot.first_mut() {
        bytes[CHUNK_HEADER_SIZE + BATCH_HEADER_SIZE + 10] ^= 0x04;
    }
    logs.push(("rot_in_first_batch", rot));
    logs
}

/// The compatibility fixtures of `tests/compat/v*/*` under `repo`, by scenario.
fn compat_logs(repo: &Path) -> std::io::Result<Vec<(String, Files)>> {
    let mut out = Vec::new();
    let mut versions: Vec<_> =
        std::fs::read_dir(repo.join("tests/compat"))?.collect::<Result<Vec<_>, _>>()?;
    versions.sort_by_key(|e| e.file_name());
    for version in versions {
        let mut scenarios: Vec<_> =
            std::fs::read_dir(version.path())?.collect::<Result<Vec<_>, _>>()?;
        scenarios.sort_by_key(|e| e.file_name());
        for scenario in scenarios {
            let mut files = BTreeMap::new();
            for file in std::fs::read_dir(scenario.path())? {
                let file = file?;
                let name = file.file_name().to_string_lossy().into_owned();
                if is_chunk_file(&name) {
                    let id = parse_chunk_file_name(&name).expect("a chunk name");
                    files.insert(id, std::fs::read(file.path())?);
                }
            }
            let name = format!(
                "compat_{}_{}",
                version.file_name().to_string_lossy(),
                scenario.file_name().to_string_lossy()
            );
            out.push((name, files.into_iter().collect()));
        }
    }
    Ok(out)
}

/// Every batch of a chunk file: (global offset, the batch's bytes).
fn batches(id: u64, bytes: &[u8]) -> Vec<(u64, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pos = CHUNK_HEADER_SIZE;
    while let Some(header) = bytes
        .get(pos..)
        .and_then(|rest| BatchHeader::parse(rest, id + pos as u64))
    {
        let end = pos + BATCH_HEADER_SIZE + header.payload_len as usize;
        let Some(batch) = bytes.get(pos..end) else {
            break;
        };
        out.push((id + pos as u64, batch.to_vec()));
        pos = end;
    }
    out
}

/// Writes the seed corpus of every target into `corpus/<target>/` under `fuzz_dir`,
/// using the compatibility fixtures of the repository at `repo`.
pub fn write_seed_corpus(repo: &Path, fuzz_dir: &Path) -> std::io::Result<()> {
    let mut seeds: Vec<(&str, String, Vec<u8>)> = Vec::new();
    let mut all_logs: Vec<(String, Files)> = logs()
        .into_iter()
        .map(|(name, files)| (name.to_string(), files))
        .collect();
    all_logs.extend(compat_logs(repo)?);

    let mut contents = BTreeMap::new();
    for (name, files) in &all_logs {
        // At most three files: the newest three (older ones missing is a case too).
        let newest = &files[files.len().saturating_sub(3)..];
        let input =
            encode_open_input(newest).unwrap_or_else(|| encode_open_input(&[]).unwrap_or_default());
        seeds.push(("open", name.clone(), input));
        for (k, (id, bytes)) in files.iter().enumerate().take(2) {
            if bytes.len() >= CHUNK_HEADER_SIZE {
                let mut input = vec![3];
                input.extend_from_slice(&id.to_le_bytes());
                input.extend_from_slice(&bytes[..CHUNK_HEADER_SIZE]);
                seeds.push(("record", format!("chunk_header_{name}_{k}"), input));
            }
        }
        for (id, bytes) in files {
            for (at, batch) in batches(*id, bytes) {
                let payload = &batch[BATCH_HEADER_SIZE..];
                let mut records = Vec::new();
                if verify_records(payload, crate::format::Checksums::Verify, &mut records).is_err()
                {
                    continue;
                }
                for &(offset, size) in &records {
                    let content = payload[offset + 8..offset + size].to_vec();
                    contents
                        .entry((content[0], content.len()))
                        .or_insert(content);
                }
                if !seeds
                    .iter()
                    .any(|(t, n, _)| *t == "record" && n.starts_with(&format!("batch_{name}")))
                {
                    let mut input = vec![2];
                    input.extend_from_slice(&at.to_le_bytes());
                    input.extend_from_slice(&batch);
                    seeds.push(("record", format!("batch_{name}"), input));
                    let mut frames = vec![1 | 0b100];
                    frames.extend_from_slice(payload);
                    seeds.push(("record", format!("frames_{name}"), frames));
                }
            }
        }
    }
    // One record of each kind and size seen, as content (with payload).
    for ((kind, len), content) in contents.into_iter().take(24) {
        let mut input = vec![0b100];
        input.extend_from_slice(&content);
        seeds.push(("record", format!("content_kind{kind}_len{len}"), input));
    }

    let codec_seeds: [(u8, &[u8]); 12] = [
        (0, &[0xE5, 0x8E, 0x26]),
        (1, &[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        (2, &[1]),
        (3, &[]),
        (4, &[3, 1, 2, 3]),
        (5, &[6, b'h', 0xC3, 0xA9, b'l', b'l', b'o']),
        (6, &[1, 0x80, 0x01]),
        (7, &[1, 0xC0, 0x84, 0x3D]),
        (8, &[1, 2, 9]),
        (9, &[1, 2, 1, 3]),
        (10, &[1, 7, 1, 0, 0]),
        (11, &[1, 2, b'h', b'i']),
    ];
    for (which, bytes) in codec_seeds {
        let mut input = vec![which];
        input.extend_from_slice(bytes);
        seeds.push(("codec", format!("type_{which}"), input));
    }

    let ops_seeds: [(&str, &[u8]); 5] = [
        ("append_flush_reopen", &[0, 3, 0, 3, 6, 0, 8, 0]),
        (
            "vote_commit_purge",
            &[4, 0x21, 0, 3, 0, 3, 1, 5, 3, 2, 6, 0, 8, 0],
        ),
        (
            "truncate_new_term",
            &[0, 3, 6, 0, 2, 2, 0, 0x23, 6, 0, 8, 0],
        ),
        (
            "chunks_and_state",
            &[0, 3, 0, 3, 0, 3, 6, 0, 9, 3, 5, 4, 0, 3, 7, 0, 8, 0],
        ),
        (
            "rejections",
            &[0, 0xC0, 2, 200, 4, 0x11, 4, 0x01, 3, 200, 6, 0],
        ),
    ];
    for (name, bytes) in ops_seeds {
        seeds.push(("ops", name.to_string(), bytes.to_vec()));
    }

    let mut seen = std::collections::BTreeSet::new();
    for (target, name, bytes) in seeds {
        if !seen.insert((target, bytes.clone())) {
            continue;
        }
        let dir = fuzz_dir.join("corpus").join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}
