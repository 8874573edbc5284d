//! [`Config`]: where the log lives and its limits.

/// How the flush worker is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WorkerMode {
    /// A background thread runs the worker (production).
    #[default]
    Thread,
    /// For simulators and tests (hidden from the documentation: not part of the
    /// stable API). Nobody runs the worker until the caller calls `RaftLog::run_worker_step`
    /// (or a method that waits for it, like [`crate::RaftLog::wait_worker_idle`], which
    /// then runs it inline). Used by the deterministic simulator. Dropping the log
    /// does not run it: the flushes it has not reported get [`crate::Error::WorkerGone`].
    #[doc(hidden)]
    Manual,
}

use crate::error::Error;
use std::path::{Path, PathBuf};

/// The largest [`Config::batch_max_bytes`] (2 GiB): a batch then holds at most this
/// plus one record of [`crate::RECORD_SIZE_MAX_BYTES`], within its 32-bit length.
pub const BATCH_MAX_BYTES_MAX: u64 = 1 << 31;

/// The smallest `chunk_max_size` a log accepts: below it nearly every entry would
/// start a chunk file of its own.
pub const CHUNK_MAX_SIZE_BYTES_MIN: u64 = 256;

/// The configuration of a log. Every limit is optional; `None` means the default.
///
/// Made with [`Config::new`] and the `with_*` setters (the struct is
/// `#[non_exhaustive]`, so that a limit added later is not a breaking change); the
/// fields stay readable and assignable.
///
/// ```
/// let config = raftwal::Config::new("/var/lib/node-1/raft-log")
///     .with_chunk_max_size(256 << 20)
///     .with_cache_max_bytes(16 << 20);
/// assert_eq!(config.chunk_max_size(), 256 << 20);
/// assert_eq!(config.cache_max_items(), 65_536); // the default
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Config {
    /// The directory of the log (used by [`crate::RaftLog::open`]; ignored by
    /// [`crate::RaftLog::open_with`], whose storage knows its place). `open` creates
    /// it, and any missing parent directories, if it does not exist; the read-only
    /// opens and `chunk_ids` require it to exist.
    pub dir: PathBuf,
    /// Records per chunk file before a new chunk is started. Default 1,048,576.
    pub chunk_max_records: Option<u64>,
    /// Bytes per chunk file before a new chunk is started. Default 1 GiB.
    pub chunk_max_size: Option<u64>,
    /// Bytes of disk space reserved at a time ahead of the write position in the
    /// current chunk file (`fallocate`), so that the `fdatasync` after an append
    /// writes data only, with no file-size change to commit (on ext4 that halves
    /// the latency of a small synced append). The reserved bytes read as zeros;
    /// the open treats zeros up to the end of the last chunk as unused space, and a
    /// chunk is cut to its real end when the next one starts. Default 4 MiB, at most
    /// `chunk_max_size`; `Some(0)` turns it off.
    pub chunk_preallocate_size: Option<u64>,
    /// Payloads kept in the cache at most. Default 65,536.
    pub cache_max_items: Option<u64>,
    /// Payload bytes (per [`crate::Types::payload_size`]) kept in the cache at most.
    /// Default 64 MiB.
    pub cache_max_bytes: Option<u64>,
    /// Bytes buffered before the buffer is handed to the worker without waiting for a
    /// flush. Default 1 MiB; at most [`BATCH_MAX_BYTES_MAX`].
    pub batch_max_bytes: Option<u64>,
    /// Bytes handed to the flush worker and not yet written, at most (back-pressure).
    /// While more are queued, a write that hands a batch to the worker (`append`,
    /// `flush`, or any write that fills the buffer) blocks until the worker has written
    /// enough, in [`WorkerMode::Thread`]; it waits on a condition variable holding
    /// nothing the worker needs. In [`WorkerMode::Manual`] it runs the worker inline
    /// instead, so that a caller driving the worker itself never deadlocks. A single
    /// batch larger than the limit is queued once the queue is empty. A flush
    /// callback must therefore not wait for the thread that writes to the log.
    /// Default 64 MiB.
    pub flush_queue_max_bytes: Option<u64>,
    /// How the flush worker runs.
    pub worker_mode: WorkerMode,
    /// A deliberately broken engine variant, for the simulator's mutant tests only.
    #[cfg(feature = "mutants")]
    pub(crate) mutant: Option<crate::mutants::Mutant>,
}

impl Config {
    /// A default config for directory `dir` (any path: `&str`, `String`, `&Path`,
    /// `PathBuf`; kept as given, non-UTF-8 bytes included).
    pub fn new(dir: impl AsRef<Path>) -> Self {
        Self {
            dir: dir.as_ref().to_path_buf(),
            ..Self::default()
        }
    }

    /// This config with [`Config::chunk_max_records`] set.
    #[must_use]
    pub fn with_chunk_max_records(mut self, records: u64) -> Self {
        self.chunk_max_records = Some(records);
        self
    }

    /// This config with [`Config::chunk_max_size`] set (bytes).
    #[must_use]
    pub fn with_chunk_max_size(mut self, size_bytes: u64) -> Self {
        self.chunk_max_size = Some(size_bytes);
        self
    }

    /// This config with [`Config::chunk_preallocate_size`] set (bytes; 0 turns the
    /// reservation off).
    #[must_use]
    pub fn with_chunk_preallocate_size(mut self, size_bytes: u64) -> Self {
        self.chunk_preallocate_size = Some(size_bytes);
        self
    }

    /// This config with [`Config::cache_max_items`] set.
    #[must_use]
    pub fn with_cache_max_items(mut self, items: u64) -> Self {
        self.cache_max_items = Some(items);
        self
    }

    /// This config with [`Config::cache_max_bytes`] set.
    #[must_use]
    pub fn with_cache_max_bytes(mut self, size_bytes: u64) -> Self {
        self.cache_max_bytes = Some(size_bytes);
        self
    }

    /// This config with [`Config::batch_max_bytes`] set.
    #[must_use]
    pub fn with_batch_max_bytes(mut self, size_bytes: u64) -> Self {
        self.batch_max_bytes = Some(size_bytes);
        self
    }

    /// This config with [`Config::flush_queue_max_bytes`] set.
    #[must_use]
    pub fn with_flush_queue_max_bytes(mut self, size_bytes: u64) -> Self {
        self.flush_queue_max_bytes = Some(size_bytes);
        self
    }

    /// This config with [`Config::worker_mode`] set.
    #[must_use]
    pub fn with_worker_mode(mut self, mode: WorkerMode) -> Self {
        self.worker_mode = mode;
        self
    }

    /// This config running `mutant`, a deliberately broken engine variant (the
    /// simulator's mutant tests only; `None`: the real engine).
    #[cfg(feature = "mutants")]
    #[doc(hidden)]
    #[must_use]
    pub fn with_mutant(mut self, mutant: Option<crate::mutants::Mutant>) -> Self {
        self.mutant = mutant;
        self
    }

    /// Checks every limit; the opens call it before they touch the disk. A zero limit
    /// (or a chunk smaller than [`CHUNK_MAX_SIZE_BYTES_MIN`]) is refused with
    /// [`Error::InvalidConfig`] naming the field, never clamped. `chunk_preallocate_size`
    /// may exceed `chunk_max_size` (it is then bounded by it, as documented), and cache
    /// limits of 0 mean "keep no payload cached".
    pub fn validate(&self) -> Result<(), Error> {
        let at_least = |field: &'static str, value: Option<u64>, min: u64| match value {
            Some(value) if value < min => Err(Error::InvalidConfig {
                field,
                reason: format!("{value} is below the minimum of {min}"),
            }),
            _ => Ok(()),
        };
        at_least("chunk_max_records", self.chunk_max_records, 1)?;
        at_least(
            "chunk_max_size",
            self.chunk_max_size,
            CHUNK_MAX_SIZE_BYTES_MIN,
        )?;
        at_least("batch_max_bytes", self.batch_max_bytes, 1)?;
        if let Some(value) = self.batch_max_bytes.filter(|&v| v > BATCH_MAX_BYTES_MAX) {
            return Err(Error::InvalidConfig {
                field: "batch_max_bytes",
                reason: format!("{value} is above the maximum of {BATCH_MAX_BYTES_MAX}"),
            });
        }
        at_least("flush_queue_max_bytes", self.flush_queue_max_bytes, 1)?;
        Ok(())
    }

    /// Records per chunk, with the default applied.
    pub fn chunk_max_records(&self) -> u64 {
        self.chunk_max_records.unwrap_or(1 << 20)
    }

    /// Bytes per chunk, with the default applied.
    pub fn chunk_max_size(&self) -> u64 {
        self.chunk_max_size.unwrap_or(1 << 30)
    }

    /// Bytes reserved at a time ahead of the write position, with the default and
    /// the `chunk_max_size` bound applied (0: no reservation).
    pub fn chunk_preallocate_size(&self) -> u64 {
        self.chunk_preallocate_size
            .unwrap_or(4 << 20)
            .min(self.chunk_max_size())
    }

    /// Cached payloads at most, with the default applied.
    pub fn cache_max_items(&self) -> u64 {
        self.cache_max_items.unwrap_or(1 << 16)
    }

    /// Cached payload bytes at most, with the default applied.
    pub fn cache_max_bytes(&self) -> u64 {
        self.cache_max_bytes.unwrap_or(64 << 20)
    }

    /// Buffered bytes before a write without flush, with the default applied.
    pub fn batch_max_bytes(&self) -> u64 {
        self.batch_max_bytes.unwrap_or(1 << 20)
    }

    /// Bytes queued for the worker at most, with the default applied.
    pub fn flush_queue_max_bytes(&self) -> u64 {
        self.flush_queue_max_bytes.unwrap_or(64 << 20)
    }

    #[cfg(feature = "mutants")]
    pub(crate) fn is_mutant(&self, m: crate::mutants::Mutant) -> bool {
        self.mutant == Some(m)
    }

    #[cfg(not(feature = "mutants"))]
    #[inline(always)]
    pub(crate) fn is_mutant(&self, _m: crate::mutants::Mutant) -> bool {
        false
    }
}
