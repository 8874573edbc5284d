//! # raftwal
//!
//! A write-ahead log for Raft: a node's vote, log entries, committed id, purge point
//! and user data, kept in chunk files, recovered after any crash, and proven by a
//! deterministic simulator that runs this engine on a faulty in-memory disk.
//!
//! ```
//! use raftwal::{Config, Error, RaftLog, RaftLogWriter, Types};
//! use std::sync::{mpsc, Arc};
//!
//! #[derive(Debug, Default, Clone, PartialEq, Eq)]
//! struct MyTypes;
//!
//! impl Types for MyTypes {
//!     type LogId = (u64, u64); // (term, index)
//!     type LogPayload = String;
//!     // A tuple is totally ordered, so it would accept two candidates in one term:
//!     // a real node needs a vote type whose order says no (see the README's `Vote`).
//!     type Vote = (u64, u64); // (term, voted_for), for this example only
//!     type UserData = String;
//!     type Callback = mpsc::SyncSender<Result<(), Error>>;
//!
//!     fn log_index(log_id: &(u64, u64)) -> u64 {
//!         log_id.1
//!     }
//!     fn payload_size(payload: &String) -> u64 {
//!         payload.len() as u64
//!     }
//! }
//!
//! # fn main() -> Result<(), Error> {
//! let dir = tempfile::tempdir().expect("a temporary directory"); // removed on drop
//! let config = Arc::new(Config::new(dir.path()));
//! let mut log = RaftLog::<MyTypes>::open(config.clone())?;
//!
//! log.save_vote((1, 2))?;
//! log.append([((1, 0), "hello".to_string()), ((1, 1), "world".to_string())])?;
//! log.commit((1, 1))?;
//!
//! let (tx, rx) = mpsc::sync_channel(1);
//! log.flush(Some(tx))?;
//! rx.recv().unwrap()?; // durable now
//!
//! let entries: Vec<_> = log.read(0, 2).collect::<Result<_, _>>()?;
//! assert_eq!(entries[1], ((1, 1), "world".to_string()));
//! drop(log);
//!
//! let log = RaftLog::<MyTypes>::open(config)?; // everything is back
//! assert_eq!(log.log_state().vote, Some((1, 2)));
//! assert_eq!(log.log_state().committed, Some((1, 1)));
//! # Ok(())
//! # }
//! ```
//!
//! # Format and recovery
//!
//! The log is a sequence of chunk files (`{offset:020}.wal`) laid end to end in one
//! offset space. Each flush writes one batch: a header, then checksummed records (the
//! entries, votes, commits, purges and user data of the writes since the last batch).
//! Every chunk starts with a full state record, so a chunk can be replayed alone once
//! the chunks before it are purged. Each batch header records how far the log was
//! known durable when it was written, which lets the open tell a torn tail (never
//! acknowledged) from rot in synced bytes.
//!
//! At open every chunk is scanned, classified and given one action by a decision
//! table (see [`RecoveryReport`]): bytes proven not to be part of the log (reserved
//! zeros, an empty chunk left by a crash at a chunk switch, fully purged chunks) are
//! cut or removed; anything else dropped (a torn last write) is first copied to a
//! quarantine file and reported; damage that a later batch proves synced, a chunk of
//! another format version, a contradicting chunk-named file or a missing middle chunk
//! is a typed error ([`Error::Corrupt`], [`Error::UnsupportedVersion`],
//! [`Error::ChunkConflict`], [`Error::ChunkGap`]) and the refused open changes no file.
//!
//! Unix only: the real-filesystem backend ([`StdStorage`]) relies on POSIX
//! `fdatasync`, directory fsync and `fallocate`.
#![warn(missing_docs)]

mod codec;
mod config;
mod error;
mod flush;
mod format;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzz_targets;
mod log;
// Public (and hidden from the documentation) only with the `mutants` feature, for
// the simulator's mutant tests; a normal build cannot name a mutant.
#[cfg(feature = "mutants")]
#[doc(hidden)]
pub mod mutants;
#[cfg(not(feature = "mutants"))]
#[allow(dead_code)]
mod mutants;
#[cfg(feature = "serde")]
mod serde_codec;
mod stat;
mod storage;
mod types;

pub use codec::{check_round_trip, Codec, DecodeError};
pub use config::{Config, WorkerMode, BATCH_MAX_BYTES_MAX, CHUNK_MAX_SIZE_BYTES_MIN};
pub use error::{Error, ErrorKind};
pub use flush::tracker::{FlushTracker, FLUSH_TRACKER_SPINS_DEFAULT};
pub use format::{DamageKind, RECORD_SIZE_MAX_BYTES};
pub use log::{
    ChunkAction, ChunkDecision, Dropped, Dump, DumpData, DumpHeader, DumpItem, DumpRecord,
    DumpStop, IndexEntry, ProgressHook, QuarantineFile, RaftLog, RaftLogWriter, RecoveryReport,
    ScanProgress, READ_ATTEMPTS_MAX,
};
#[cfg(feature = "serde")]
pub use serde_codec::Serde;
pub use stat::{AccessStat, ChunkStat, Distribution, FlushStat, Stat};
pub use storage::{MemStorage, StdStorage, Storage, StorageFile};
pub use types::{Callback, RaftLogState, Segment, Types};

/// The format version this build writes in every chunk header and reads: a chunk of
/// another version is refused with [`Error::UnsupportedVersion`].
pub const FORMAT_VERSION: u32 = format::format_version();

/// The README's snippets, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
