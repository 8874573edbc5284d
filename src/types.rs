//! The user's types ([`Types`]), the completion [`Callback`], the durable [`RaftLogState`]
//! and the [`Segment`] a write returns.

use crate::codec::Codec;
use crate::error::Error;
use std::fmt::Debug;
use std::sync::mpsc::SyncSender;

/// The types a log is instantiated with.
///
/// Log ids must be totally ordered consistently with their index (`a < b` whenever
/// `log_index(a) < log_index(b)` within one log), as Raft's `(term, index)` is.
pub trait Types: Debug + Default + Clone + PartialEq + Eq + Send + Sync + 'static {
    /// A log entry's id, for example `(term, index)`.
    type LogId: Codec + Debug + Clone + Ord + Eq + Send + Sync + 'static;
    /// A log entry's payload.
    type LogPayload: Codec + Debug + Clone + PartialEq + Send + Sync + 'static;
    /// A vote. Votes may only grow: a new vote must compare `>=` the saved one.
    type Vote: Codec + Debug + Clone + PartialOrd + Eq + Send + Sync + 'static;
    /// Free-form user data kept with the state (for example a membership config).
    type UserData: Codec + Debug + Clone + Eq + Send + Sync + 'static;
    /// What a flush reports its outcome to.
    type Callback: Callback;

    /// The index of a log id.
    fn log_index(log_id: &Self::LogId) -> u64;

    /// The size of a payload in bytes, as counted by the payload cache.
    fn payload_size(payload: &Self::LogPayload) -> u64;

    /// The index of the entry after `log_id`; 0 if there is none.
    fn next_log_index(log_id: Option<&Self::LogId>) -> u64 {
        log_id.map_or(0, |id| Self::log_index(id) + 1)
    }
}

/// Receives the outcome of a flush: `Ok(())` once every write issued before the flush
/// is durable, or the error that made it impossible.
pub trait Callback: Send + 'static {
    /// Reports the outcome. Called exactly once per flush that returned `Ok`, or once
    /// for several if [`Callback::absorb`] folded them into this one.
    fn send(self, result: Result<(), Error>);

    /// Folds `next`, the callback of the flush requested right after this one's and
    /// reported by the same sync, into `self`, so that one [`Callback::send`] reports
    /// both flushes (one sync, so always one outcome).
    /// Returns `next` unchanged if it cannot be folded; the log then sends it on its
    /// own, after `self`. Called on the thread that requests the flush, under the
    /// flush queue's lock: keep it short, and do not panic (a panic leaves `flush`,
    /// and that flush is then not reported).
    ///
    /// The default folds nothing. [`crate::FlushTracker`] folds its own clones: a
    /// caller that requests a flush per entry then costs the flush worker one report
    /// per sync, not one per flush.
    fn absorb(&mut self, next: Self) -> Result<(), Self>
    where
        Self: Sized,
    {
        Err(next)
    }
}

impl Callback for SyncSender<Result<(), Error>> {
    fn send(self, result: Result<(), Error>) {
        // The receiver may be gone; the outcome then has nobody to tell.
        let _ = SyncSender::send(&self, result);
    }
}

impl Callback for std::sync::mpsc::Sender<Result<(), Error>> {
    fn send(self, result: Result<(), Error>) {
        let _ = std::sync::mpsc::Sender::send(&self, result);
    }
}

impl Callback for Box<dyn FnOnce(Result<(), Error>) + Send + 'static> {
    fn send(self, result: Result<(), Error>) {
        self(result)
    }
}

/// The log's state besides its entries: everything a Raft node must not forget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaftLogState<T: Types> {
    /// The last saved vote.
    pub vote: Option<T::Vote>,
    /// The id of the last entry, or the last purged id when no entry is left.
    pub last: Option<T::LogId>,
    /// The last committed log id.
    pub committed: Option<T::LogId>,
    /// Entries up to and including this id have been purged.
    pub purged: Option<T::LogId>,
    /// The user's data.
    pub user_data: Option<T::UserData>,
}

impl<T: Types> Default for RaftLogState<T> {
    fn default() -> Self {
        Self {
            vote: None,
            last: None,
            committed: None,
            purged: None,
            user_data: None,
        }
    }
}

impl<T: Types> RaftLogState<T> {
    /// The index the next appended entry must have.
    pub fn next_index(&self) -> u64 {
        T::next_log_index(self.last.as_ref())
    }

    /// The index after the purged id (0 when nothing was purged). A log that was never
    /// purged starts at its first appended entry: see [`crate::RaftLog::first_index`].
    pub fn first_index(&self) -> u64 {
        T::next_log_index(self.purged.as_ref())
    }
}

/// Where a write landed: a global offset in the log (chunk files are laid end to end)
/// and the size of the record in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Segment {
    /// Global offset of the first byte.
    pub offset: u64,
    /// Size in bytes.
    pub size: u64,
}

impl Segment {
    /// The global offset just past the segment.
    pub fn end(&self) -> u64 {
        self.offset + self.size
    }
}
