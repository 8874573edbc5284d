//! The log: [`RaftLog`], its writer API ([`RaftLogWriter`]), recovery, reads, index and
//! payload cache.

mod cache;
mod chunks;
mod core;
mod dump_data;
mod index;
mod raft_log;
mod read;
mod recovery;
pub(crate) use recovery::{
    list_chunk_ids, scan_for_dump, Progress, ScannedBatch, ScannedHeader, ScannedStop,
};
pub use recovery::{
    ChunkAction, ChunkDecision, Dropped, ProgressHook, QuarantineFile, RecoveryReport,
    ScanProgress, READ_ATTEMPTS_MAX,
};
mod writer;
mod writer_api;

pub use dump_data::DumpData;
pub use index::IndexEntry;
pub use raft_log::RaftLog;
pub use writer_api::RaftLogWriter;
