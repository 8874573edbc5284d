//! The `open` target: arbitrary bytes as one to three chunk files, opened read-only
//! and for repair.
//!
//! Input layout (every field little-endian; a field cut short reads as zeros):
//! ```text
//! files u8            -- (files % 3) + 1 chunk files
//! first_id u64        -- the first file's chunk id (its name)
//! per file but the last:
//!     len u32         -- its length, at most the bytes left
//!     skew i32        -- the next file's id is this one's id + len + skew
//! the files' bytes, in order; the last file takes the rest
//! ```
//! A real log's files (`skew` 0 for chunks that end where the next starts) encode
//! with [`encode_open_input`], which is how the seed corpus is made.

use super::FuzzTypes;
use crate::config::{Config, WorkerMode};
use crate::error::{Error, ErrorKind};
use crate::format::{chunk_file_name, parse_chunk_file_name};
use crate::log::{DumpData, RaftLog, RaftLogWriter};
use crate::storage::{MemStorage, Storage};
use std::sync::{mpsc, Arc};

/// At most this many chunk files.
const FILES_MAX: usize = 3;

type Log = RaftLog<FuzzTypes>;

/// A cursor over the input; reads past its end give zeros.
struct Input<'a> {
    bytes: &'a [u8],
}

impl<'a> Input<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.bytes.len());
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        head
    }

    fn fixed<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let head = self.take(N);
        out[..head.len()].copy_from_slice(head);
        out
    }
}

/// Decodes an input of this target into (chunk id, file bytes) pairs.
pub(crate) fn decode_open_input(data: &[u8]) -> Vec<(u64, Vec<u8>)> {
    let mut input = Input { bytes: data };
    let [files] = input.fixed::<1>();
    let files = usize::from(files) % FILES_MAX + 1;
    let mut id = u64::from_le_bytes(input.fixed());
    let mut shape = Vec::with_capacity(files);
    for _ in 1..files {
        let len = u32::from_le_bytes(input.fixed()) as usize;
        let skew = i32::from_le_bytes(input.fixed());
        shape.push((len, skew));
    }
    let mut out = Vec::with_capacity(files);
    for (len, skew) in shape {
        let bytes = input.take(len).to_vec();
        let next = id
            .wrapping_add(bytes.len() as u64)
            .wrapping_add_signed(i64::from(skew));
        out.push((id, bytes));
        id = next;
    }
    out.push((id, input.bytes.to_vec()));
    out
}

/// Encodes chunk files (id, bytes), in id order, as an input of this target: the
/// inverse of its decoding for up to three files whose ids differ from the contiguous
/// layout by an `i32`. `None` for other file sets.
pub fn encode_open_input(files: &[(u64, Vec<u8>)]) -> Option<Vec<u8>> {
    let (first, _) = files.first()?;
    if files.len() > FILES_MAX {
        return None;
    }
    let mut out = vec![(files.len() - 1) as u8];
    out.extend_from_slice(&first.to_le_bytes());
    for pair in files.windows(2) {
        let ((id, bytes), (next, _)) = (&pair[0], &pair[1]);
        let contiguous = id.checked_add(bytes.len() as u64)?;
        let skew = i32::try_from(i128::from(*next) - i128::from(contiguous)).ok()?;
        out.extend_from_slice(&u32::try_from(bytes.len()).ok()?.to_le_bytes());
        out.extend_from_slice(&skew.to_le_bytes());
    }
    for (_, bytes) in files {
        out.extend_from_slice(bytes);
    }
    Some(out)
}

/// The config of every open here: small chunks and a tiny cache, so that a write after
/// the open starts a chunk and reads go to the storage.
pub(crate) fn fuzz_config() -> Arc<Config> {
    Arc::new(Config {
        chunk_max_records: Some(6),
        chunk_max_size: Some(2048),
        chunk_preallocate_size: Some(256),
        cache_max_items: Some(2),
        cache_max_bytes: Some(64),
        worker_mode: WorkerMode::Manual,
        ..Config::new("fuzz")
    })
}

/// Every file of the directory with its bytes, in name order.
fn files_of(mem: &MemStorage) -> Vec<(String, Vec<u8>)> {
    let mut names = mem.list().expect("MemStorage lists");
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let bytes = mem.file_bytes(&name).expect("a listed file exists");
            (name, bytes)
        })
        .collect()
}

/// What a reopen must reproduce: the state, the index and the chunks (the cache
/// depends on what was written since the open).
pub(crate) fn durable_view(dump: DumpData<FuzzTypes>) -> impl PartialEq + std::fmt::Debug {
    (dump.state, dump.index, dump.chunks)
}

/// The target: see the module documentation for the input layout.
pub fn open(data: &[u8]) {
    let mem = MemStorage::new();
    for (id, bytes) in decode_open_input(data) {
        mem.set_file_bytes(&chunk_file_name(id), bytes);
    }
    let storage: Arc<dyn Storage> = Arc::new(mem.clone());
    let before = files_of(&mem);

    let read_only = Log::open_read_only_with(storage.clone(), fuzz_config());
    assert_eq!(files_of(&mem), before, "a read-only open changed the files");
    let read_only = read_only.map(|log| {
        check_consistent(&log);
        (log.dump_data(), log.recovery_report().clone())
    });

    let repaired = Log::open_with(storage.clone(), fuzz_config());
    match (read_only, repaired) {
        (Err(ro), Err(rw)) => {
            assert_eq!(ro.kind(), rw.kind(), "read-only: {ro}; repair: {rw}");
            assert!(is_refusal(&rw), "not a typed refusal: {rw}");
            assert_eq!(files_of(&mem), before, "a refused open changed the files");
        }
        (Ok((ro_dump, ro_report)), Ok(log)) => {
            assert_eq!(
                ro_report.decisions,
                log.recovery_report().decisions,
                "read-only and repair opens decided differently"
            );
            assert_eq!(
                durable_view(ro_dump),
                durable_view(log.dump_data()),
                "the read-only open shows another log than the repair open"
            );
            check_consistent(&log);
            check_reopen_and_write(log, &storage);
        }
        (ro, rw) => panic!(
            "read-only open {:?} but repair open {:?}",
            ro.map(|_| ()),
            rw.map(|_| ())
        ),
    }
}

/// The errors an open may refuse bytes with: typed, naming the damage.
fn is_refusal(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Corrupt
            | ErrorKind::UnsupportedVersion
            | ErrorKind::ChunkConflict
            | ErrorKind::ChunkGap
    )
}

/// State, index, chunks and reads agree with each other.
pub(crate) fn check_consistent(log: &Log) {
    let state = log.log_state();
    let first = log.first_index();
    let next = state.next_index();
    assert!(first <= next, "first index {first} > next index {next}");
    assert!(
        first >= state.first_index(),
        "first index before the purged id"
    );
    let entries: Vec<_> = log
        .read(first, next)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("read({first}, {next}) of an opened log: {e}"));
    assert_eq!(entries.len() as u64, next - first, "entries read");
    for (k, (log_id, _)) in entries.iter().enumerate() {
        assert_eq!(log_id.1, first + k as u64, "the index of entry {k}");
    }
    for pair in entries.windows(2) {
        assert!(pair[0].0 < pair[1].0, "log ids increase: {pair:?}");
    }
    match entries.last() {
        Some((last, _)) => assert_eq!(state.last.as_ref(), Some(last), "the last log id"),
        None => assert_eq!(state.last, state.purged, "an empty log's last id"),
    }
    if let (Some(purged), Some((first_id, _))) = (&state.purged, entries.first()) {
        // By index only: a purge below the first entry of a log that starts after 0 is
        // accepted with any term (fuzz/regressions/ops/entry_before_purged), so the
        // purged id may compare above the first entry's.
        assert!(
            purged.1 < first_id.1,
            "entry {first_id:?} at or before the purged index {purged:?}"
        );
    }

    let dump = log.dump_data();
    assert_eq!(dump.index.len() as u64, next - first, "index entries");
    let stat = log.stat();
    let chunks: Vec<_> = stat.closed_chunks.iter().chain(&stat.open_chunk).collect();
    assert_eq!(chunks.len(), dump.chunks.len(), "stat and dump_data chunks");
    for pair in chunks.windows(2) {
        assert_eq!(
            pair[0].chunk_id + pair[0].size_bytes,
            pair[1].chunk_id,
            "chunks are contiguous: {pair:?}"
        );
    }
    if let (Some(first_chunk), Some(last_chunk)) = (chunks.first(), chunks.last()) {
        let end = last_chunk.chunk_id + last_chunk.size_bytes;
        assert_eq!(
            log.on_disk_size(),
            end - first_chunk.chunk_id,
            "on-disk size"
        );
        for (_, entry) in &dump.index {
            assert!(
                entry.offset >= first_chunk.chunk_id && entry.offset + u64::from(entry.size) <= end,
                "an index entry outside the chunks: {entry:?}"
            );
        }
    }
    let files = Log::load_chunk_ids_with(log.storage.as_ref()).expect("chunk ids");
    for chunk in &chunks {
        assert!(
            files.contains(&chunk.chunk_id),
            "chunk {} has no file",
            chunk.chunk_id
        );
    }
}

/// Reopens the repaired log (it must find nothing more to repair and show the same
/// log), then appends an entry, flushes, and reopens once more.
fn check_reopen_and_write(log: Log, storage: &Arc<dyn Storage>) {
    let opened = durable_view(log.dump_data());
    drop(log);
    let mut log = Log::open_with(storage.clone(), fuzz_config())
        .unwrap_or_else(|e| panic!("a repaired log does not reopen: {e}"));
    assert!(
        log.recovery_report().dropped.is_empty(),
        "a second open dropped bytes: {:?}",
        log.recovery_report()
    );
    assert_eq!(durable_view(log.dump_data()), opened, "reopen");

    let state = log.log_state().clone();
    let term = state.last.map_or(1, |(term, _)| term);
    log.append([((term, state.next_index()), b"fuzz".to_vec())])
        .unwrap_or_else(|e| panic!("an append after open: {e}"));
    flush_and_wait(&mut log);
    check_consistent(&log);
    let written = durable_view(log.dump_data());
    drop(log);
    let log = Log::open_with(storage.clone(), fuzz_config())
        .unwrap_or_else(|e| panic!("the log does not reopen after a write: {e}"));
    assert_eq!(
        durable_view(log.dump_data()),
        written,
        "reopen after a write"
    );
    assert!(
        log.recovery_report().dropped.is_empty(),
        "a reopen dropped bytes"
    );
    check_consistent(&log);
}

/// Flushes and runs the worker until the callback reports; the outcome must be Ok.
pub(crate) fn flush_and_wait(log: &mut Log) {
    let (tx, rx) = mpsc::sync_channel(1);
    log.flush(Some(tx)).expect("flush");
    log.wait_worker_idle();
    rx.try_recv()
        .expect("the callback was called")
        .expect("the flush succeeded");
}

/// Whether `name` is a chunk file name (for the seed writer).
pub(crate) fn is_chunk_file(name: &str) -> bool {
    parse_chunk_file_name(name).is_some()
}
