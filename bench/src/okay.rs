//! The `okaywal` crate (0.3) behind the [`Wal`] face.
//!
//! okaywal's durable API is synchronous: an entry (`begin_entry`, one `write_chunk`
//! per piece, `commit`) is durable when `commit` returns, and commits of concurrent
//! threads share one `fdatasync`. One log entry here is one chunk; on this face, as
//! for raft-engine (raftengine.rs), `append` buffers, `flush` counts a request and
//! `wait_flushed` writes everything buffered as one committed okaywal entry. So
//! `sync` commits one entry per log entry and `pipelined` is the batched variant
//! (one commit at the end); `pipelined-4w` is four threads committing one entry each
//! per log entry.
//!
//! okaywal is a log in front of a store that checkpoints it: it recycles a segment
//! once its `LogManager` has checkpointed it. A Raft log must keep every entry, so
//! the log is opened with `checkpoint_after_bytes(u64::MAX)` (no segment is ever
//! handed to checkpointing) and the manager panics if asked to. Opening recovers
//! every entry through the manager, which reads each chunk (checking its CRC) and
//! keeps its position; reads go through `read_at(position)`. Chunks hold
//! [`framing`] bytes. Other settings are okaywal's defaults. okaywal keeps no index
//! of its own: the positions `Vec` here (16 B per entry, grown by doubling) is most of
//! what its `memory` and `grow-*-kept` figures show.

use crate::framing;
use crate::wal::{payload, LogCfg, Wal};
use okaywal::{
    Configuration, Entry, EntryId, LogManager, LogPosition, ReadChunkResult, SegmentReader,
    WriteAheadLog,
};
use std::io::{self, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Every chunk recovered at open: `(first u64 of the frame, index, position)`.
type Recovered = Arc<Mutex<Vec<(u64, u64, LogPosition)>>>;

/// A manager that records the recovered chunks and never checkpoints.
#[derive(Debug, Default)]
struct KeepAll {
    recovered: Recovered,
}

impl LogManager for KeepAll {
    fn recover(&mut self, entry: &mut Entry<'_>) -> io::Result<()> {
        let mut found = Vec::new();
        loop {
            match entry.read_chunk()? {
                ReadChunkResult::Chunk(mut chunk) => {
                    let position = chunk.log_position();
                    let bytes = chunk.read_all()?;
                    assert!(chunk.check_crc()?, "okaywal: bad chunk CRC at {position:?}");
                    let (a, index, _) = framing::decode(bytes);
                    found.push((a, index, position));
                }
                ReadChunkResult::EndOfEntry => break,
                ReadChunkResult::AbortedEntry => return Ok(()),
            }
        }
        self.recovered.lock().expect("recovered lock").extend(found);
        Ok(())
    }

    fn checkpoint_to(
        &mut self,
        _last: EntryId,
        _entries: &mut SegmentReader,
        _wal: &WriteAheadLog,
    ) -> io::Result<()> {
        panic!("okaywal: asked to checkpoint, but this log keeps every entry");
    }
}

/// Opens (recovering) the log in `dir`; returns it and its recovered chunks.
fn open_wal(dir: &Path) -> (WriteAheadLog, Vec<(u64, u64, LogPosition)>) {
    let manager = KeepAll::default();
    let recovered = manager.recovered.clone();
    let wal = Configuration::default_for(dir)
        .checkpoint_after_bytes(u64::MAX)
        .open(manager)
        .expect("okaywal: open");
    let chunks = std::mem::take(&mut *recovered.lock().expect("recovered lock"));
    (wal, chunks)
}

/// The frame stored at `position`, CRC checked.
fn read_chunk(wal: &WriteAheadLog, position: LogPosition) -> (u64, u64, String) {
    let mut reader = wal.read_at(position).expect("okaywal: read_at");
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).expect("okaywal: read chunk");
    assert!(
        reader.crc_is_valid().expect("okaywal: crc"),
        "okaywal: bad CRC at {position:?}"
    );
    framing::decode(bytes)
}

/// okaywal as one log.
pub struct OkayWal {
    wal: WriteAheadLog,
    /// The position of entry `i` at `positions[i]`.
    positions: Vec<LogPosition>,
    buffered: Vec<Vec<u8>>,
    flushes_requested: usize,
}

impl Wal for OkayWal {
    const NAME: &'static str = "okaywal";

    fn open(dir: &Path, _cfg: &LogCfg) -> Self {
        let (wal, chunks) = open_wal(dir);
        let positions = chunks
            .into_iter()
            .enumerate()
            .map(|(i, (_, index, position))| {
                assert_eq!(index, i as u64, "okaywal: recovered entries out of order");
                position
            })
            .collect();
        Self {
            wal,
            positions,
            buffered: Vec::new(),
            flushes_requested: 0,
        }
    }

    fn append(&mut self, index: u64, payload: String) {
        let next = (self.positions.len() + self.buffered.len()) as u64;
        assert_eq!(index, next, "okaywal: appends must be contiguous");
        self.buffered.push(framing::encode(1, index, &payload));
    }

    fn flush(&mut self) {
        self.flushes_requested += 1;
    }

    fn wait_flushed(&mut self, n: usize) {
        assert!(
            n <= self.flushes_requested,
            "okaywal: waits for {n} flushes, {} requested",
            self.flushes_requested
        );
        if !self.buffered.is_empty() {
            let mut writer = self.wal.begin_entry().expect("okaywal: begin_entry");
            for bytes in self.buffered.drain(..) {
                let record = writer.write_chunk(&bytes).expect("okaywal: write_chunk");
                self.positions.push(record.position);
            }
            writer.commit().expect("okaywal: commit");
        }
        self.flushes_requested -= n;
    }

    fn read(&self, from: u64, to: u64, f: &mut dyn FnMut((u64, u64), String)) {
        let to = to.min(self.positions.len() as u64);
        for &position in &self.positions[from as usize..to as usize] {
            let (term, index, p) = read_chunk(&self.wal, position);
            f((term, index), p);
        }
    }

    fn settle(&mut self) {}

    fn cache_misses(&self) -> Option<u64> {
        None
    }

    fn concurrent_writers(dir: &Path, threads: u64, per_thread: u64, size: usize) -> Option<f64> {
        let (wal, _) = open_wal(dir);
        let t = Instant::now();
        let writers: Vec<_> = (0..threads)
            .map(|w| {
                let wal = wal.clone();
                std::thread::spawn(move || {
                    for i in 0..per_thread {
                        let mut writer = wal.begin_entry().expect("okaywal: begin_entry");
                        writer
                            .write_chunk(&framing::encode(w, i, &payload(i, size)))
                            .expect("okaywal: write_chunk");
                        writer.commit().expect("okaywal: commit");
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().expect("okaywal writer thread");
        }
        let secs = t.elapsed().as_secs_f64();
        wal.shutdown().expect("okaywal: shutdown");

        let (wal, chunks) = open_wal(dir);
        let mut next = vec![0u64; threads as usize];
        for (w, index, position) in chunks {
            assert_eq!(index, next[w as usize], "okaywal: writer {w} out of order");
            let (a, b, p) = read_chunk(&wal, position);
            assert_eq!((a, b), (w, index), "okaywal: wrong chunk at {position:?}");
            assert!(
                p == payload(index, size),
                "okaywal: wrong payload of writer {w} at {index}"
            );
            next[w as usize] += 1;
        }
        assert!(
            next.iter().all(|&n| n == per_thread),
            "okaywal: read back {next:?}, wrote {per_thread} each"
        );
        Some((threads * per_thread) as f64 / secs)
    }
}
