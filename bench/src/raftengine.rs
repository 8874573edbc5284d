//! TiKV's `raft-engine` crate (0.4) behind the [`Wal`] face.
//!
//! raft-engine stores the entries of many Raft groups ("regions") in one engine; a
//! single-writer log here is region [`REGION`]. Its durable API is synchronous:
//! `Engine::write(&mut batch, true)` returns once the batch is written and
//! `fdatasync`ed, and concurrent writers are grouped into one `fdatasync` by the
//! engine's write group. It has no flush callback, so on this face:
//! - `append` buffers the entry in memory (as a raft-engine user fills a `LogBatch`);
//! - `flush` only counts a request;
//! - `wait_flushed` writes everything buffered as one synced `LogBatch`.
//!
//! So `sync` writes one synced batch per entry, and `pipelined` (n appends and
//! flush requests, one wait) is the batched variant: one thread writing everything
//! buffered as one synced batch, an idealised leader that waits once. The way
//! raft-engine is meant to be driven by many writers, one region per writer thread,
//! is the `pipelined-4w` row ([`Wal::concurrent_writers`]).
//!
//! Entries are protobuf `BytesValue`s holding [`framing`] bytes (raft-engine needs a
//! protobuf message and an index per entry). Settings are raft-engine's defaults
//! except `batch_compression_threshold` = 0 (no LZ4): the benchmark's payloads
//! repeat one byte and would compress far better than real entries.

use crate::framing;
use crate::wal::{payload, LogCfg, Wal};
use protobuf::well_known_types::BytesValue;
use raft_engine::{Config, Engine, LogBatch, MessageExt, ReadableSize};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// The region of the single-writer log.
pub const REGION: u64 = 1;

/// Entries fetched per `fetch_entries_to` call while reading.
const READ_PAGE_ENTRIES: u64 = 10_000;

/// raft-engine's view of an entry: a `BytesValue` whose index is in its frame.
#[derive(Debug, Clone, Copy)]
pub struct Msg;

impl MessageExt for Msg {
    type Entry = BytesValue;

    fn index(e: &BytesValue) -> u64 {
        framing::index(&e.value)
    }
}

fn open_engine(dir: &Path) -> Engine {
    let cfg = Config {
        dir: dir.to_str().expect("utf-8 path").to_string(),
        batch_compression_threshold: ReadableSize(0),
        ..Default::default()
    };
    Engine::open(cfg).expect("raft-engine: open")
}

fn entry(a: u64, index: u64, payload: &str) -> BytesValue {
    let mut e = BytesValue::new();
    e.set_value(framing::encode(a, index, payload));
    e
}

/// One synced write of `entries` into `region`.
fn write_synced(engine: &Engine, region: u64, entries: &[BytesValue]) {
    let mut batch = LogBatch::default();
    batch
        .add_entries::<Msg>(region, entries)
        .expect("raft-engine: add_entries");
    engine.write(&mut batch, true).expect("raft-engine: write");
}

/// Calls `f` with `(first u64 of the frame, index, payload)` of every entry of
/// `region` in `[from, to)`, fetched in pages.
fn read_region(
    engine: &Engine,
    region: u64,
    from: u64,
    to: u64,
    f: &mut dyn FnMut(u64, u64, String),
) {
    let mut at = from;
    let mut page = Vec::new();
    while at < to {
        let end = to.min(at + READ_PAGE_ENTRIES);
        page.clear();
        engine
            .fetch_entries_to::<Msg>(region, at, end, None, &mut page)
            .expect("raft-engine: fetch_entries_to");
        assert!(
            !page.is_empty(),
            "raft-engine: no entry at {at} in region {region}"
        );
        for e in page.drain(..) {
            let (a, index, p) = framing::decode(e.value);
            f(a, index, p);
        }
        at = end;
    }
}

/// raft-engine as one log (region [`REGION`]).
pub struct RaftEngineWal {
    engine: Engine,
    buffered: Vec<BytesValue>,
    flushes_requested: usize,
}

impl Wal for RaftEngineWal {
    const NAME: &'static str = "raft-engine";

    fn open(dir: &Path, _cfg: &LogCfg) -> Self {
        Self {
            engine: open_engine(dir),
            buffered: Vec::new(),
            flushes_requested: 0,
        }
    }

    fn append(&mut self, index: u64, payload: String) {
        self.buffered.push(entry(1, index, &payload));
    }

    fn flush(&mut self) {
        self.flushes_requested += 1;
    }

    fn wait_flushed(&mut self, n: usize) {
        assert!(
            n <= self.flushes_requested,
            "raft-engine: waits for {n} flushes, {} requested",
            self.flushes_requested
        );
        if !self.buffered.is_empty() {
            write_synced(&self.engine, REGION, &self.buffered);
            self.buffered.clear();
        }
        self.flushes_requested -= n;
    }

    fn read(&self, from: u64, to: u64, f: &mut dyn FnMut((u64, u64), String)) {
        let to = to.min(self.engine.last_index(REGION).map_or(0, |l| l + 1));
        read_region(&self.engine, REGION, from, to, &mut |term, index, p| {
            f((term, index), p)
        });
    }

    fn settle(&mut self) {}

    fn cache_misses(&self) -> Option<u64> {
        None
    }

    fn concurrent_writers(dir: &Path, threads: u64, per_thread: u64, size: usize) -> Option<f64> {
        let engine = Arc::new(open_engine(dir));
        let t = Instant::now();
        let writers: Vec<_> = (0..threads)
            .map(|w| {
                let engine = engine.clone();
                std::thread::spawn(move || {
                    for i in 0..per_thread {
                        write_synced(&engine, w + 1, &[entry(w, i, &payload(i, size))]);
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().expect("raft-engine writer thread");
        }
        let secs = t.elapsed().as_secs_f64();
        drop(engine);

        let engine = open_engine(dir);
        for w in 0..threads {
            let mut next = 0;
            read_region(&engine, w + 1, 0, per_thread, &mut |a, index, p| {
                assert_eq!(
                    (a, index),
                    (w, next),
                    "raft-engine: wrong entry in region {}",
                    w + 1
                );
                assert!(
                    p == payload(index, size),
                    "raft-engine: wrong payload at {index}"
                );
                next += 1;
            });
            assert_eq!(
                next,
                per_thread,
                "raft-engine: region {} read back {next}",
                w + 1
            );
            assert_eq!(
                engine.last_index(w + 1),
                Some(per_thread - 1),
                "raft-engine: region {} has more",
                w + 1
            );
        }
        Some((threads * per_thread) as f64 / secs)
    }
}
