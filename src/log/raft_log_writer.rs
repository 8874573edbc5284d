//! [`RaftLogWriter`]: the operations that change the log.

use crate::error::Error;
use crate::types::{Segment, Types};

/// The operations that change a log. Each one is validated against the log first: an
/// invalid operation returns an error and changes nothing, in memory or on disk.
///
/// A write is buffered in memory and becomes durable only after a later
/// [`RaftLogWriter::flush`] reports `Ok` to its callback. Reads see every write at once.
/// After an I/O failure every write returns [`Error::Failed`] until the log is reopened.
pub trait RaftLogWriter<T: Types> {
    /// Saves `vote`. It must compare `>=` the saved vote, or [`Error::VoteReversal`].
    fn save_vote(&mut self, vote: T::Vote) -> Result<Segment, Error>;

    /// Appends entries. Each must have the next index
    /// ([`Error::NonConsecutive`]) and a log id greater than the one before
    /// ([`Error::LogIdNotIncreasing`]); if any entry is invalid, none is appended.
    /// An empty log that was never purged starts at its first entry, whatever its
    /// index. Leading entries at or below the purged id (index and id both not
    /// greater) are already covered by the purge point and are skipped; such an entry
    /// after one that is not covered is [`Error::NonConsecutive`]. Returns the span of
    /// the appended records.
    ///
    /// A large append may reach the disk in several batches (see
    /// `Config::batch_max_bytes`), so a crash before the flush that covers it may keep
    /// a prefix of its entries; a flush that reported `Ok` covers all of them.
    fn append<I>(&mut self, entries: I) -> Result<Segment, Error>
    where
        I: IntoIterator<Item = (T::LogId, T::LogPayload)>;

    /// Saves the committed log id. It must not be lower than the saved one
    /// ([`Error::CommitRegression`]) and must be an entry of the log or a purged id
    /// ([`Error::CommitNotInLog`]).
    fn commit(&mut self, log_id: T::LogId) -> Result<Segment, Error>;

    /// Removes the entries at `index` and after. `index` must be within
    /// `[first_index, next_index]` ([`Error::TruncateOutOfRange`]) and after the
    /// committed entry ([`Error::TruncateCommitted`]).
    fn truncate(&mut self, index: u64) -> Result<Segment, Error>;

    /// Removes the entries up to and including `upto`. `upto` must not be lower than
    /// the purged id ([`Error::PurgeRegression`]) and, within the log, must be the
    /// entry at its index ([`Error::PurgeConflict`]). It may lie beyond the last entry
    /// (a snapshot ahead of the log): the log is then empty and continues after `upto`;
    /// or below the first entry of a log that starts after 0: no entry is removed.
    /// Chunk files holding only purged entries are removed once the purge is durable.
    fn purge(&mut self, upto: T::LogId) -> Result<Segment, Error>;

    /// Saves (or clears) the user data.
    fn save_user_data(&mut self, user_data: Option<T::UserData>) -> Result<Segment, Error>;

    /// Hands every buffered write to the flush worker; `callback` receives `Ok(())`
    /// once they (and all writes before) are durable, or the error that prevented it.
    /// If `flush` itself returns an error, the callback is dropped without a call.
    fn flush(&mut self, callback: Option<T::Callback>) -> Result<(), Error>;
}
