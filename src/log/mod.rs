//! The log: [`RaftLog`], its writer API ([`RaftLogWriter`]), recovery, reads, index and
//! payload cache, and its two dumps: [`DumpData`] (what the log holds in memory) and
//! [`Dump`] (what its files hold, read without opening it).

mod cache;
mod chunks;
mod core;
mod dump;
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
mod batch_writer;
mod raft_log_writer;

pub use dump::{Dump, DumpHeader, DumpItem, DumpRecord, DumpStop};
pub use dump_data::DumpData;
pub use index::IndexEntry;
pub use raft_log::RaftLog;
pub use raft_log_writer::RaftLogWriter;
