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
