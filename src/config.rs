//! [`Config`]: where the log lives and its limits.

/// How the flush worker is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WorkerMode {
    /// A background thread runs the worker (production).
    #[default]
    Thread,
    /// Nobody runs the worker until the caller calls [`crate::RaftLog::run_worker_step`]
    /// (or a method that waits for it, like [`crate::RaftLog::wait_worker_idle`], which
    /// then runs it inline). Used by the deterministic simulator. Dropping the log
    /// does not run it: the flushes it has not reported get [`crate::Error::WorkerGone`].
    Manual,
}

use crate::error::Error;

/// The smallest `chunk_max_size` a log accepts: below it nearly every entry would
/// start a chunk file of its own.
pub const CHUNK_MAX_SIZE_BYTES_MIN: u64 = 256;

/// The configuration of a log. Every limit is optional; `None` means the default.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The directory of the log (used by [`crate::RaftLog::open`]; ignored by
    /// [`crate::RaftLog::open_with`], whose storage knows its place).
    pub dir: String,
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
    /// flush. Default 1 MiB.
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
    pub mutant: Option<crate::mutants::Mutant>,
}

impl Config {
    /// A default config for directory `dir`.
    pub fn new(dir: impl Into<String>) -> Self {
        Self {
            dir: dir.into(),
            ..Self::default()
        }
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
