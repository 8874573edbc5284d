//! The one error type of the crate.

use crate::format::DamageKind;
use std::io;
use std::sync::Arc;
use thiserror::Error as ThisError;

/// Every failure of the log. Invalid operations (the `Invalid*`-like variants below)
/// are detected before anything is written: the log is unchanged, in memory and on disk.
///
/// `Error` is `Clone` so that one I/O failure can be reported to every pending flush.
///
/// Every variant's `Display` is complete: it includes the text of what caused it (the
/// OS error of [`Error::Io`], the first failure inside [`Error::Failed`]), and
/// [`std::error::Error::source`] returns `None`, so that an error-chain printer
/// (anyhow, eyre) shows each cause once. The causes stay reachable as fields.
#[derive(Debug, Clone, ThisError)]
#[non_exhaustive]
pub enum Error {
    /// An I/O operation failed.
    #[error("{op} {}: {error}", path.display())]
    Io {
        /// What was being done ("write", "sync_data", "open", ...).
        op: &'static str,
        /// The file (or directory) it was done to: on the filesystem
        /// ([`crate::StdStorage`]) the log directory joined with the file's name;
        /// on another [`crate::Storage`] what its [`crate::Storage::path_of`] gives
        /// (by default the file's name).
        path: std::path::PathBuf,
        /// The OS error (part of this error's `Display`, not its `source()`).
        error: Arc<io::Error>,
    },

    /// Code the log runs on its flush worker panicked: a flush callback (`what` is
    /// `"flush callback"`), or the worker itself (`"flush worker"`: a bug, or a
    /// [`crate::Storage`] that panicked). Seen as the cause of [`Error::Failed`]: the
    /// log treats the panic like an I/O failure (every pending callback still gets its
    /// outcome, later writes are refused until the log is reopened).
    #[error("{what} panicked: {message}")]
    Panicked {
        /// What panicked.
        what: &'static str,
        /// The panic's message (or a placeholder if it was not a string).
        message: String,
    },

    /// The directory is locked by another open log (in this or another process).
    #[error("log directory {} is locked by another open RaftLog", dir.display())]
    Locked {
        /// The directory.
        dir: std::path::PathBuf,
    },

    /// The bytes on disk are damaged in a way that is not a torn tail of the last write:
    /// acknowledged data may be affected, so the log refuses to open (and changes
    /// nothing on disk).
    #[error("corrupt log: chunk {chunk} at offset {offset}: {damage}: {reason}")]
    Corrupt {
        /// The chunk file name.
        chunk: String,
        /// The offset within the chunk file.
        offset: u64,
        /// What is wrong there.
        damage: DamageKind,
        /// Why this is refused rather than dropped, and any detail.
        reason: String,
    },

    /// A chunk was written by another format version (for example by a newer release,
    /// after an upgrade was rolled back). The log refuses to open and changes nothing.
    #[error("chunk {chunk} has format version {version}; this build reads version {supported}")]
    UnsupportedVersion {
        /// The chunk file name.
        chunk: String,
        /// The version in its header.
        version: u32,
        /// The version this build reads and writes.
        supported: u32,
    },

    /// A chunk-named file contradicts another: its header names another chunk than its
    /// file name, or it starts inside the valid batches of the chunk before it, so
    /// using it would cut that chunk. The log refuses to open and changes nothing; an
    /// operator must look at both files (a stray copy, a restored backup, a file of
    /// another log).
    #[error("chunk file {other} contradicts {chunk}: {reason}")]
    ChunkConflict {
        /// The chunk whose bytes the other file contradicts.
        chunk: String,
        /// The contradicting file.
        other: String,
        /// How they contradict.
        reason: String,
    },

    /// The chunk files do not follow each other: bytes between them are missing.
    #[error(
        "gap between chunks: expected a chunk at global offset {expected_offset}, found {chunk}"
    )]
    ChunkGap {
        /// The chunk found where another was expected.
        chunk: String,
        /// The global offset where the previous chunk ended.
        expected_offset: u64,
    },

    /// A vote lower than (or not comparable with) the saved vote.
    #[error("vote reversal: saved {saved}, proposed {proposed}")]
    VoteReversal {
        /// The saved vote.
        saved: String,
        /// The rejected vote.
        proposed: String,
    },

    /// An appended entry's index is not the next index of the log.
    #[error("non-consecutive append: expected index {expected_index}, got {index}")]
    NonConsecutive {
        /// The index the entry had to have.
        expected_index: u64,
        /// The index it had.
        index: u64,
    },

    /// An appended entry's log id is not greater than the last log id.
    #[error("log id {log_id} is not greater than the last log id {last}")]
    LogIdNotIncreasing {
        /// The last log id.
        last: String,
        /// The rejected log id.
        log_id: String,
    },

    /// A truncate index outside `[first_index, next_index]`.
    #[error("truncate at {index} outside the log [{first_index}, {next_index}]")]
    TruncateOutOfRange {
        /// The rejected index.
        index: u64,
        /// The first index still in the log.
        first_index: u64,
        /// The index after the last entry.
        next_index: u64,
    },

    /// A truncate that would remove committed entries.
    #[error("truncate at {index} would remove the committed entry {committed}")]
    TruncateCommitted {
        /// The rejected index.
        index: u64,
        /// The committed log id.
        committed: String,
    },

    /// A committed log id that is not in the log (or conflicts with the entry there).
    #[error("commit {log_id}: not in the log ({reason})")]
    CommitNotInLog {
        /// The rejected log id.
        log_id: String,
        /// Why.
        reason: String,
    },

    /// A committed log id lower than the saved one.
    #[error("commit regression: committed {committed}, proposed {log_id}")]
    CommitRegression {
        /// The saved committed log id.
        committed: String,
        /// The rejected log id.
        log_id: String,
    },

    /// A purge below the already purged id.
    #[error("purge regression: purged {purged}, proposed {upto}")]
    PurgeRegression {
        /// The purged log id.
        purged: String,
        /// The rejected log id.
        upto: String,
    },

    /// A purge id that conflicts with the entry at its index.
    #[error("purge {upto}: the entry at that index is {found}")]
    PurgeConflict {
        /// The rejected log id.
        upto: String,
        /// The log id of the entry at that index.
        found: String,
    },

    /// An appended or purged log id whose index is `u64::MAX`: the index after it,
    /// which the log keeps as its next index, would not fit.
    #[error("log index {index} leaves no next index (the largest index is u64::MAX - 1)")]
    IndexOverflow {
        /// The rejected index.
        index: u64,
    },

    /// A record larger than [`crate::RECORD_SIZE_MAX_BYTES`] (an entry, a vote or
    /// user data, once encoded): a batch's length field could not hold it.
    #[error(
        "a {what} of {size_bytes} B once encoded is over the {size_bytes_max} B a record may hold"
    )]
    RecordTooLarge {
        /// What the record held: "log entry", "vote", "commit", "truncate", "purge",
        /// "user data".
        what: &'static str,
        /// Its encoded size (or, for an entry refused before encoding, its
        /// [`crate::Types::payload_size`]).
        size_bytes: u64,
        /// The largest a record may be.
        size_bytes_max: u64,
    },

    /// `update_state` tried to change what only append, truncate and purge may change.
    #[error("update_state: {reason}")]
    InvalidState {
        /// Why.
        reason: String,
    },

    /// A read of entries that were purged or are beyond the last entry.
    #[error("read [{from}, {to}) outside the log [{first_index}, {next_index})")]
    ReadOutOfRange {
        /// Requested first index.
        from: u64,
        /// Requested end index (exclusive).
        to: u64,
        /// First index in the log.
        first_index: u64,
        /// Index after the last entry.
        next_index: u64,
    },

    /// An earlier I/O failure (typically a failed `sync_data`) left the log unable to
    /// promise durability; it refuses writes until it is reopened.
    #[error("the log failed earlier and must be reopened: {cause}")]
    Failed {
        /// The failure that stopped the log.
        cause: Box<Error>,
    },

    /// A [`crate::Config`] limit is out of range (see [`crate::Config::validate`]);
    /// the open changed nothing.
    #[error("invalid config: {field}: {reason}")]
    InvalidConfig {
        /// The field of [`crate::Config`].
        field: &'static str,
        /// What is wrong with its value.
        reason: String,
    },

    /// The log was opened read-only ([`crate::RaftLog::open_read_only`]).
    #[error("the log was opened read-only")]
    ReadOnly,

    /// The flush worker is gone (its thread panicked or the log is shutting down).
    #[error("the flush worker is not running")]
    WorkerGone,
}

/// The kind of an [`Error`], without its context: for matching and for comparing
/// outcomes (the simulator compares kinds against its model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
#[non_exhaustive]
pub enum ErrorKind {
    Io,
    Panicked,
    Locked,
    Corrupt,
    UnsupportedVersion,
    ChunkConflict,
    ChunkGap,
    VoteReversal,
    NonConsecutive,
    LogIdNotIncreasing,
    TruncateOutOfRange,
    TruncateCommitted,
    CommitNotInLog,
    CommitRegression,
    PurgeRegression,
    PurgeConflict,
    InvalidState,
    ReadOutOfRange,
    IndexOverflow,
    RecordTooLarge,
    Failed,
    InvalidConfig,
    ReadOnly,
    WorkerGone,
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { .. } => ErrorKind::Io,
            Error::Panicked { .. } => ErrorKind::Panicked,
            Error::Locked { .. } => ErrorKind::Locked,
            Error::Corrupt { .. } => ErrorKind::Corrupt,
            Error::UnsupportedVersion { .. } => ErrorKind::UnsupportedVersion,
            Error::ChunkConflict { .. } => ErrorKind::ChunkConflict,
            Error::ChunkGap { .. } => ErrorKind::ChunkGap,
            Error::VoteReversal { .. } => ErrorKind::VoteReversal,
            Error::NonConsecutive { .. } => ErrorKind::NonConsecutive,
            Error::LogIdNotIncreasing { .. } => ErrorKind::LogIdNotIncreasing,
            Error::TruncateOutOfRange { .. } => ErrorKind::TruncateOutOfRange,
            Error::TruncateCommitted { .. } => ErrorKind::TruncateCommitted,
            Error::CommitNotInLog { .. } => ErrorKind::CommitNotInLog,
            Error::CommitRegression { .. } => ErrorKind::CommitRegression,
            Error::PurgeRegression { .. } => ErrorKind::PurgeRegression,
            Error::PurgeConflict { .. } => ErrorKind::PurgeConflict,
            Error::InvalidState { .. } => ErrorKind::InvalidState,
            Error::ReadOutOfRange { .. } => ErrorKind::ReadOutOfRange,
            Error::IndexOverflow { .. } => ErrorKind::IndexOverflow,
            Error::RecordTooLarge { .. } => ErrorKind::RecordTooLarge,
            Error::Failed { .. } => ErrorKind::Failed,
            Error::InvalidConfig { .. } => ErrorKind::InvalidConfig,
            Error::ReadOnly => ErrorKind::ReadOnly,
            Error::WorkerGone => ErrorKind::WorkerGone,
        }
    }

    /// True for the errors that reject an invalid operation: the op broke a rule of
    /// the log, was refused before anything was written, and the log is unchanged and
    /// still usable. False for failures of the disk, the worker or the open.
    pub fn is_invalid_op(&self) -> bool {
        // Every kind is listed (no wildcard), so a new one must be decided here.
        match self.kind() {
            ErrorKind::VoteReversal
            | ErrorKind::NonConsecutive
            | ErrorKind::LogIdNotIncreasing
            | ErrorKind::TruncateOutOfRange
            | ErrorKind::TruncateCommitted
            | ErrorKind::CommitNotInLog
            | ErrorKind::CommitRegression
            | ErrorKind::PurgeRegression
            | ErrorKind::PurgeConflict
            | ErrorKind::InvalidState
            | ErrorKind::ReadOutOfRange
            | ErrorKind::IndexOverflow
            | ErrorKind::RecordTooLarge => true,
            ErrorKind::Io
            | ErrorKind::Panicked
            | ErrorKind::Locked
            | ErrorKind::Corrupt
            | ErrorKind::UnsupportedVersion
            | ErrorKind::ChunkConflict
            | ErrorKind::ChunkGap
            | ErrorKind::Failed
            | ErrorKind::InvalidConfig
            | ErrorKind::ReadOnly
            | ErrorKind::WorkerGone => false,
        }
    }

    pub(crate) fn io(
        op: &'static str,
        path: impl Into<std::path::PathBuf>,
        source: io::Error,
    ) -> Self {
        Error::Io {
            op,
            path: path.into(),
            error: Arc::new(source),
        }
    }

    /// This error with an [`Error::Io`]'s path, a name within `storage` (`""` for its
    /// directory), replaced by the path [`Storage::path_of`] gives for it. Call once,
    /// where an error built from names leaves the code that works on names (recovery,
    /// the dump, the listing of chunks).
    pub(crate) fn in_storage(self, storage: &dyn crate::storage::Storage) -> Self {
        match self {
            Error::Io { op, path, error } => {
                debug_assert!(
                    path.components().count() <= 1,
                    "an Io error's path is located once: {}",
                    path.display()
                );
                let path = storage.path_of(&path.to_string_lossy());
                Error::Io { op, path, error }
            }
            other => other,
        }
    }

    pub(crate) fn corrupt(
        chunk: impl Into<String>,
        offset: u64,
        damage: DamageKind,
        reason: impl Into<String>,
    ) -> Self {
        Error::Corrupt {
            chunk: chunk.into(),
            offset,
            damage,
            reason: reason.into(),
        }
    }
}
