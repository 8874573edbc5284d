//! What the log knows of each chunk.

use crate::stat::ChunkStat;
use crate::types::Types;

/// One chunk, as the log tracks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChunkInfo {
    pub(crate) chunk_id: u64,
    /// Records, including the leading state record.
    pub(crate) records_count: u64,
    /// Records other than the leading state record.
    pub(crate) user_records_count: u64,
    /// Bytes (for the open chunk, maintained by the log as it writes).
    pub(crate) size_bytes: u64,
    pub(crate) max_log_index: Option<u64>,
}

impl ChunkInfo {
    pub(crate) fn new(chunk_id: u64) -> Self {
        Self {
            chunk_id,
            records_count: 0,
            user_records_count: 0,
            size_bytes: 0,
            max_log_index: None,
        }
    }

    pub(crate) fn count_record(&mut self, is_leading_state: bool) {
        self.records_count += 1;
        if !is_leading_state {
            self.user_records_count += 1;
        }
    }

    pub(crate) fn stat(&self) -> ChunkStat {
        ChunkStat {
            chunk_id: self.chunk_id,
            records_count: self.records_count,
            size_bytes: self.size_bytes,
            max_log_index: self.max_log_index,
        }
    }
}

/// How many of the oldest chunks can be removed: closed chunks (never the last one)
/// whose entries are all purged.
pub(crate) fn purgeable_prefix<T: Types>(chunks: &[ChunkInfo], purged: Option<&T::LogId>) -> usize {
    let purged_index = purged.map(T::log_index);
    let closed = chunks.len().saturating_sub(1);
    chunks[..closed]
        .iter()
        .take_while(|c| match c.max_log_index {
            None => true,
            Some(max) => purged_index.is_some_and(|p| max <= p),
        })
        .count()
}
