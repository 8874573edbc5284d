//! Statistics: chunks ([`Stat`]) and cache access ([`AccessStat`]).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// One chunk file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkStat {
    /// The chunk id: the global offset of its first byte.
    pub chunk_id: u64,
    /// Records in the chunk, including its leading state record.
    pub records_count: u64,
    /// Bytes in the chunk (for the open chunk, including bytes not yet flushed).
    pub size_bytes: u64,
    /// The highest entry index written to the chunk, if any.
    pub max_log_index: Option<u64>,
}

impl fmt::Display for ChunkStat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "chunk {:020}: {} records, {} bytes, max index {:?}",
            self.chunk_id, self.records_count, self.size_bytes, self.max_log_index
        )
    }
}

/// The log's chunks and cache.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stat {
    /// Closed chunks, oldest first.
    pub closed_chunks: Vec<ChunkStat>,
    /// The chunk being written, if one exists yet.
    pub open_chunk: Option<ChunkStat>,
    /// Payloads in the cache.
    pub payload_cache_items: u64,
    /// Payload bytes in the cache.
    pub payload_cache_size_bytes: u64,
    /// Global offset up to which the log is durable.
    pub durable_offset: u64,
    /// Bytes the open moved to the quarantine ([`crate::RaftLog::recovery_report`]).
    pub quarantined_bytes: u64,
    /// Bytes handed to the flush worker and not yet written.
    pub flush_queue_bytes: u64,
    /// The most bytes that were ever queued for the flush worker since the open: at
    /// most [`crate::Config::flush_queue_max_bytes`] (or one larger batch).
    pub flush_queue_peak_bytes: u64,
    /// What the flush worker did since the open, and how long it took.
    pub flush: FlushStat,
}

/// What the flush worker did since the log was opened: for seeing why commits are
/// slow (a slow disk shows in `sync_latency_us`, a worker that cannot keep up in
/// `queue_wait_us`, a writer that flushes too often in small `write_size_bytes`).
///
/// Counts are kept in every mode. Durations are measured only when the worker runs on
/// its thread ([`crate::WorkerMode::Thread`], the default); a log whose worker is
/// driven by hand (the deterministic simulator) reads no clock and reports them empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlushStat {
    /// `write_at` calls that succeeded (each writes one or more merged batches).
    pub writes: u64,
    /// Bytes those writes wrote.
    pub write_bytes: u64,
    /// Batches written (one per flush, or per full buffer, of the writer).
    pub batches: u64,
    /// `sync_data` calls that succeeded.
    pub syncs: u64,
    /// Bytes per write call.
    pub write_size_bytes: Distribution,
    /// Duration of each write call, in microseconds.
    pub write_latency_us: Distribution,
    /// Duration of each successful `sync_data`, in microseconds.
    pub sync_latency_us: Distribution,
    /// How long each write waited in the queue before the worker took it (from the
    /// submit that queued it), in microseconds.
    pub queue_wait_us: Distribution,
}

/// A summary of recorded values (the unit is in the field's name). Quantiles are
/// upper bounds within 12.5% of the exact value (logarithmic buckets) and never
/// above `max`; all are 0 when `count` is 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Distribution {
    /// Values recorded.
    pub count: u64,
    /// The median.
    pub p50: u64,
    /// The 99th percentile.
    pub p99: u64,
    /// The 99.9th percentile.
    pub p999: u64,
    /// The largest value.
    pub max: u64,
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "n {} p50 {} p99 {} p99.9 {} max {}",
            self.count, self.p50, self.p99, self.p999, self.max
        )
    }
}

impl fmt::Display for FlushStat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "flush: {} writes, {} bytes, {} batches, {} syncs",
            self.writes, self.write_bytes, self.batches, self.syncs
        )?;
        writeln!(f, "  write size (bytes):   {}", self.write_size_bytes)?;
        writeln!(f, "  write latency (us):   {}", self.write_latency_us)?;
        writeln!(f, "  sync latency (us):    {}", self.sync_latency_us)?;
        write!(f, "  queue wait (us):      {}", self.queue_wait_us)
    }
}

impl fmt::Display for Stat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in &self.closed_chunks {
            writeln!(f, "closed {chunk}")?;
        }
        if let Some(chunk) = &self.open_chunk {
            writeln!(f, "open   {chunk}")?;
        }
        write!(
            f,
            "cache: {} items, {} bytes; durable up to {}",
            self.payload_cache_items, self.payload_cache_size_bytes, self.durable_offset
        )?;
        if self.quarantined_bytes > 0 {
            write!(f, "; {} bytes quarantined at open", self.quarantined_bytes)?;
        }
        Ok(())
    }
}

/// How reads were served.
#[derive(Debug, Default)]
pub struct AccessStat {
    cache_hit: AtomicU64,
    cache_miss: AtomicU64,
}

impl AccessStat {
    /// Entries read from the cache.
    pub fn cache_hit(&self) -> u64 {
        self.cache_hit.load(Ordering::Relaxed)
    }

    /// Entries read from disk.
    pub fn cache_miss(&self) -> u64 {
        self.cache_miss.load(Ordering::Relaxed)
    }

    pub(crate) fn hit(&self) {
        self.cache_hit.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn miss(&self) {
        self.cache_miss.fetch_add(1, Ordering::Relaxed);
    }
}
