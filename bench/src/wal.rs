//! The common face of the logs under test (ours, `raft-log`, `raft-engine`, `okaywal`),
//! so that every workload is written once and run against all of them with the same
//! types: log id `(term, index)` = `(1, i)`, payload `String`, the same chunk and cache
//! limits where a log has them.

use raftwal::FlushTracker;
use std::path::Path;

/// The flush acknowledgements of one log, counted by raftwal's [`FlushTracker`]
/// (default: it sleeps at once) on both sides, so that neither log's figures include
/// a slower way of waiting than the other's.
#[derive(Default)]
pub struct Acks {
    pub tracker: FlushTracker,
    waited: u64,
}

impl Acks {
    /// Waits for `n` more acknowledgements; panics if a flush reported an error.
    pub fn wait(&mut self, n: usize) {
        self.waited += n as u64;
        self.tracker
            .wait_acked(self.waited)
            .expect("a flush callback reported an error");
    }
}

/// Limits shared by both logs. Each field maps to the setting of the same meaning in
/// both crates (`chunk_max_records`, `chunk_max_size`, cache items, cache bytes).
#[derive(Debug, Clone)]
pub struct LogCfg {
    pub chunk_max_records: u64,
    pub chunk_max_size: u64,
    pub cache_max_items: u64,
    pub cache_max_bytes: u64,
}

impl Default for LogCfg {
    fn default() -> Self {
        Self {
            chunk_max_records: 1 << 20,
            chunk_max_size: 1 << 30,
            cache_max_items: 100_000,
            cache_max_bytes: 1 << 30,
        }
    }
}

/// One log implementation. Every error panics: a benchmark that failed must not
/// print a figure.
pub trait Wal: Sized {
    /// The name in the table and in the child-process command line.
    const NAME: &'static str;

    fn open(dir: &Path, cfg: &LogCfg) -> Self;

    /// Appends entry `(1, index)` (one entry per call).
    fn append(&mut self, index: u64, payload: String);

    /// Asks for everything appended so far to be made durable (fdatasync); the
    /// acknowledgement arrives later, see [`Wal::wait_flushed`].
    fn flush(&mut self);

    /// Blocks until `n` more flush acknowledgements arrived; panics on an error.
    fn wait_flushed(&mut self, n: usize);

    /// Makes the last append durable and waits for it, on the caller's thread: what
    /// the `sync` and `latency` loops time per op. Every flush requested before must
    /// have been waited for.
    fn sync_one(&mut self) {
        self.flush();
        self.wait_flushed(1);
    }

    /// Calls `f` for every entry with index in `[from, to)`, in order.
    fn read(&self, from: u64, to: u64, f: &mut dyn FnMut((u64, u64), String));

    /// Waits for the flush worker to be idle and evicts every evictable cached payload.
    fn settle(&mut self);

    /// Reads served from disk rather than the payload cache, if the log counts them.
    fn cache_misses(&self) -> Option<u64>;

    /// The `pipelined-4w` row (pipelined_mt.rs): `threads` writer threads, each
    /// appending `per_thread` entries of `size` bytes with a durable write per entry,
    /// into one store opened in `dir`; entries/s in all, after checking every entry
    /// read back from a reopened store. `None` (the default): the log has one writer
    /// only (a `&mut` API) and the row shows `-`.
    fn concurrent_writers(
        _dir: &Path,
        _threads: u64,
        _per_thread: u64,
        _size: usize,
    ) -> Option<f64> {
        None
    }
}

/// The payload of entry `index`: `size` bytes, different for each index, cheap to
/// build, so that a mix-up of entries is caught by [`verify`].
pub fn payload(index: u64, size: usize) -> String {
    // Built with one allocation, 16 table lookups and a memset: the harness must cost
    // little next to the logs it measures (a char-by-char fill showed as a quarter of
    // the profile, and `write!("{index:016x}")` as 37% of the pipelined writer's time).
    const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = Vec::with_capacity(size.max(17));
    for shift in (0..16).rev() {
        bytes.push(HEX_DIGITS[((index >> (shift * 4)) & 0xf) as usize]);
    }
    bytes.push(b':');
    bytes.resize(size, b'a' + (index % 26) as u8);
    String::from_utf8(bytes).expect("ASCII")
}

/// Asserts that `log` holds exactly entries `[0, n)` as written with `size`-byte
/// payloads. Panics (failing the benchmark) otherwise.
pub fn verify<W: Wal>(log: &W, n: u64, size: usize) {
    let mut next = 0u64;
    log.read(0, n, &mut |id, p| {
        assert_eq!(id, (1, next), "{}: wrong log id", W::NAME);
        assert!(
            p == payload(next, size),
            "{}: wrong payload at {next}",
            W::NAME
        );
        next += 1;
    });
    assert_eq!(next, n, "{}: read back {next} entries, wrote {n}", W::NAME);
}

/// Closes `log`, opens `dir` again and [`verify`]s it: the check goes through the
/// files, not the in-memory cache.
pub fn reopen_and_verify<W: Wal>(log: W, dir: &Path, cfg: &LogCfg, n: u64, size: usize) {
    drop(log);
    let log = W::open(dir, cfg);
    verify(&log, n, size);
}
