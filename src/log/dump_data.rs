//! [`DumpData`]: the complete in-memory state of a log, as one comparable value.

use super::index::IndexEntry;
use super::raft_log::RaftLog;
use crate::stat::ChunkStat;
use crate::types::{RaftLogState, Types};

/// Everything the log holds in memory: state, index, cached payloads, chunks.
/// Two logs that went through the same operations (and whose workers are idle and
/// caches drained) have equal `DumpData`.
#[derive(Debug, Clone, PartialEq)]
pub struct DumpData<T: Types> {
    /// The state.
    pub state: RaftLogState<T>,
    /// Every entry: (index, log id and record location).
    pub index: Vec<(u64, IndexEntry<T>)>,
    /// Every cached payload by index.
    pub cache: Vec<(u64, T::LogPayload)>,
    /// Every chunk, oldest first (the last is open).
    pub chunks: Vec<ChunkStat>,
}

impl<T: Types> RaftLog<T> {
    /// Every entry of the index, in index order: its index, log id and where its
    /// record lies (what [`RaftLog::dump_data`] collects as `index`). Lazy: each entry
    /// is made (its log id cloned) when the iterator reaches it, so a walk over the
    /// whole log holds one entry at a time, whatever the log's length.
    pub fn index_entries(&self) -> impl Iterator<Item = (u64, IndexEntry<T>)> + '_ {
        self.core.index.iter()
    }

    /// The complete in-memory state, for tests, debugging and snapshots.
    pub fn dump_data(&self) -> DumpData<T> {
        DumpData {
            state: self.core.state.clone(),
            index: self.index_entries().collect(),
            cache: self.cache.iter().map(|(i, p)| (i, p.clone())).collect(),
            chunks: self.chunks.iter().map(|c| c.stat()).collect(),
        }
    }
}
