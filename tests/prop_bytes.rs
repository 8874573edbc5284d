//! Arbitrary and mutated bytes as chunk files: `open` returns Ok with a valid prefix or
//! a typed error; it never panics and never loops.

mod common;

use common::*;
use proptest::prelude::*;
use raftwal::{Config, ErrorKind, MemStorage, RaftLogWriter, Storage, WorkerMode};
use std::sync::{Arc, OnceLock};

fn config() -> Arc<Config> {
    Arc::new(
        Config::new("mem")
            .with_chunk_max_records(6)
            // A reserved tail of zeros stays in the files (open must read past it), but
            // a small one: scanning the default 4 MiB in a debug build cost 150 ms a case.
            .with_chunk_preallocate_size(1024)
            .with_worker_mode(WorkerMode::Manual),
    )
}

/// A valid log of a few chunks; returns its files. It is deterministic, so it is built
/// once and every case mutates a copy.
fn valid_files() -> Vec<(String, Vec<u8>)> {
    static FILES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FILES.get_or_init(build_valid_files).clone()
}

fn build_valid_files() -> Vec<(String, Vec<u8>)> {
    let mem = MemStorage::new();
    let storage: Arc<dyn Storage> = Arc::new(mem.clone());
    let mut log = open(&storage, &config());
    log.save_vote((1, 1)).unwrap();
    for i in 0..15 {
        log.append([entry(1, i)]).unwrap();
        if i % 4 == 0 {
            flush_wait(&mut log).unwrap();
        }
    }
    log.commit((1, 7)).unwrap();
    log.purge((1, 2)).unwrap();
    flush_wait(&mut log).unwrap();
    let mut names = mem.list().unwrap();
    names.sort();
    names
        .into_iter()
        .filter(|n| n.ends_with(".wal"))
        .map(|n| {
            let bytes = mem.file_bytes(&n).unwrap();
            (n, bytes)
        })
        .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        file: usize,
        at: usize,
        mask: u8,
    },
    Cut {
        file: usize,
        at: usize,
    },
    Append {
        file: usize,
        bytes: Vec<u8>,
    },
    Overwrite {
        file: usize,
        at: usize,
        bytes: Vec<u8>,
    },
    Remove {
        file: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let file = 0..8usize;
    let at = 0..2000usize;
    prop_oneof![
        (file.clone(), at.clone(), 1..=255u8).prop_map(|(file, at, mask)| Mutation::Flip {
            file,
            at,
            mask
        }),
        (file.clone(), at.clone()).prop_map(|(file, at)| Mutation::Cut { file, at }),
        (file.clone(), prop::collection::vec(any::<u8>(), 0..300))
            .prop_map(|(file, bytes)| Mutation::Append { file, bytes }),
        (file.clone(), at, prop::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(file, at, bytes)| Mutation::Overwrite { file, at, bytes }),
        file.prop_map(|file| Mutation::Remove { file }),
    ]
}

/// Opens `files`; an error must be typed (never a panic), an Ok must give a log that
/// reads back consistently and accepts a write.
fn open_files(files: &[(String, Vec<u8>)]) {
    let mem = MemStorage::new();
    for (name, bytes) in files {
        mem.set_file_bytes(name, bytes.clone());
    }
    let storage: Arc<dyn Storage> = Arc::new(mem);
    match raftwal::RaftLog::<TT>::open_with(storage.clone(), config()) {
        Ok(mut log) => {
            let state = log.log_state().clone();
            let read: Vec<_> = log.read(log.first_index(), state.next_index()).collect();
            // Reads may fail with a typed error only (the bytes under a record can be
            // damaged in a way the batch checksum let through only if the test forged
            // a checksum; it cannot here, so every read succeeds).
            // And they give every entry of the range, in order, the last one the log's
            // last (a read that ended early passed when only `is_ok` was asked).
            let first = log.first_index();
            assert_eq!(read.len() as u64, state.next_index() - first, "{state:?}");
            for (i, r) in read.iter().enumerate() {
                let (log_id, _) = r.as_ref().expect("a read succeeds");
                assert_eq!(log_id.1, first + i as u64, "{state:?}");
            }
            if let Some(Ok((last, _))) = read.last() {
                assert_eq!(Some(last), state.last.as_ref());
            }
            let next = state.next_index();
            let term = state.last.map_or(1, |l| l.0);
            log.append([((term, next), "x".to_string())]).unwrap();
            flush_wait(&mut log).unwrap();
        }
        Err(e) => {
            assert!(
                matches!(e.kind(), ErrorKind::Corrupt | ErrorKind::ChunkGap),
                "unexpected error kind: {e}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn mutated_valid_files_never_panic(mutations in prop::collection::vec(mutation(), 1..4)) {
        let mut files = valid_files();
        for m in mutations {
            let n = files.len();
            if n == 0 { break; }
            match m {
                Mutation::Flip { file, at, mask } => {
                    let bytes = &mut files[file % n].1;
                    if !bytes.is_empty() { let i = at % bytes.len(); bytes[i] ^= mask; }
                }
                Mutation::Cut { file, at } => {
                    let bytes = &mut files[file % n].1;
                    let keep = at % (bytes.len() + 1);
                    bytes.truncate(keep);
                }
                Mutation::Append { file, bytes } => files[file % n].1.extend(bytes),
                Mutation::Overwrite { file, at, bytes } => {
                    let target = &mut files[file % n].1;
                    let start = at % (target.len() + 1);
                    for (k, b) in bytes.into_iter().enumerate() {
                        if start + k < target.len() { target[start + k] = b; } else { target.push(b); }
                    }
                }
                Mutation::Remove { file } => { files.remove(file % n); }
            }
        }
        open_files(&files);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        chunks in prop::collection::vec((0..5000u64, prop::collection::vec(any::<u8>(), 0..600)), 0..4)
    ) {
        let files: Vec<_> = chunks
            .into_iter()
            .map(|(id, bytes)| (format!("{id:020}.wal"), bytes))
            .collect();
        open_files(&files);
    }
}
