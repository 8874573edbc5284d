//! # openraft-raftwal
//!
//! An [openraft] log store on the [raftwal] write-ahead log: [`LogStore`] implements
//! openraft's [`RaftLogStorage`] (and [`RaftLogReader`]) for any [`RaftTypeConfig`]
//! whose types are serde-serializable (openraft's `serde` feature, which this crate
//! turns on).
//!
//! How openraft's calls map onto raftwal ([`RaftLogWriter`]):
//!
//! | openraft | raftwal |
//! | --- | --- |
//! | `save_vote` | `save_vote` + `flush`, and waits until the vote is durable |
//! | `append(entries, callback)` | `append` + `flush(callback)`: openraft's callback is called by raftwal's flush worker only after the sync |
//! | `truncate(log_id)` | `truncate(log_id.index)` |
//! | `purge(log_id)` | `purge(log_id)` |
//! | `save_committed` / `read_committed` | `commit` / `log_state().committed` |
//! | `get_log_state` / `read_vote` | `log_state()` |
//! | `try_get_log_entries(range)` | `read`, with the range clipped to the entries present |
//!
//! Log ids and votes are stored through [`Serde`], entries as their serde encoding
//! ([`EntryBytes`]); the encoding is [postcard]'s: compact (varints), deterministic and
//! self-delimiting.
//!
//! The [`RaftLog`] is shared between the store and its readers behind one
//! `Arc<parking_lot::Mutex<_>>` ([`SharedLog`]); no lock is held across an `.await`.
//!
//! ```no_run
//! use openraft_raftwal::LogStore;
//! use std::sync::Arc;
//!
//! openraft::declare_raft_types!(pub TypeConfig);
//! # use std::io::Cursor;
//!
//! # fn main() -> Result<(), raftwal::Error> {
//! let config = Arc::new(raftwal::Config::new("/var/lib/my-node/raft-log"));
//! let log_store = LogStore::<TypeConfig>::open(config)?;
//! // Raft::new(node_id, raft_config, network, log_store, state_machine).await
//! # Ok(())
//! # }
//! ```
//!
//! [openraft]: https://docs.rs/openraft
//! [postcard]: https://docs.rs/postcard
#![warn(missing_docs)]

use std::fmt;
use std::fmt::Debug;
use std::io;
use std::marker::PhantomData;
use std::ops::{Bound, RangeBounds};
use std::sync::Arc;

use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{
    AnyError, LogId, OptionalSend, RaftLogId, RaftLogReader, RaftTypeConfig, StorageError,
    StorageIOError, Vote,
};
use parking_lot::Mutex;
use raftwal::{Codec, DecodeError, RaftLog, RaftLogWriter};
use tokio::sync::oneshot;

pub use raftwal;

/// Log ids and votes are stored through raftwal's own serde codec (feature `serde`):
/// [postcard]'s encoding, ordered like the wrapped value.
///
/// [postcard]: https://docs.rs/postcard
pub use raftwal::Serde;

/// An openraft entry (`C::Entry`) as raftwal stores it: its postcard encoding.
///
/// Entries are kept encoded so that the adapter needs nothing of `C::Entry` beyond
/// serde (openraft does not require entries to be `Clone` or `PartialEq`, which
/// raftwal's payloads must be); the payload cache then counts real bytes.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct EntryBytes(pub Vec<u8>);

impl Debug for EntryBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EntryBytes({} bytes)", self.0.len())
    }
}

impl Codec for EntryBytes {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
    }

    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        Vec::<u8>::decode(input).map(Self)
    }
}

/// The [`raftwal::Types`] of a log that stores openraft type config `C`.
pub struct WalTypes<C>(PhantomData<fn() -> C>);

impl<C> Debug for WalTypes<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WalTypes")
    }
}

impl<C> Default for WalTypes<C> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<C> Clone for WalTypes<C> {
    fn clone(&self) -> Self {
        Self(PhantomData)
    }
}

impl<C> PartialEq for WalTypes<C> {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl<C> Eq for WalTypes<C> {}

impl<C: RaftTypeConfig> raftwal::Types for WalTypes<C> {
    type LogId = Serde<LogId<C::NodeId>>;
    type LogPayload = EntryBytes;
    type Vote = Serde<Vote<C::NodeId>>;
    type UserData = ();
    type Callback = FlushCallback<C>;

    fn log_index(log_id: &Self::LogId) -> u64 {
        log_id.0.index
    }

    fn payload_size(payload: &EntryBytes) -> u64 {
        payload.0.len() as u64
    }
}

/// The raftwal [`Callback`](raftwal::Callback) of the adapter: raftwal's flush worker
/// calls it once every write before the flush is durable (or failed), and it passes
/// the outcome on to openraft's [`LogFlushed`] (for `append`) or to the task waiting in
/// [`LogStore::save_vote`].
pub struct FlushCallback<C: RaftTypeConfig>(Notify<C>);

enum Notify<C: RaftTypeConfig> {
    Openraft(LogFlushed<C>),
    Waiter(oneshot::Sender<Result<(), raftwal::Error>>),
}

impl<C: RaftTypeConfig> FlushCallback<C> {
    /// A callback that completes openraft's IO callback of an `append`.
    pub fn log_flushed(callback: LogFlushed<C>) -> Self {
        Self(Notify::Openraft(callback))
    }

    /// A callback that sends the outcome to a oneshot channel.
    pub fn oneshot(sender: oneshot::Sender<Result<(), raftwal::Error>>) -> Self {
        Self(Notify::Waiter(sender))
    }
}

impl<C: RaftTypeConfig> raftwal::Callback for FlushCallback<C> {
    fn send(self, result: Result<(), raftwal::Error>) {
        match self.0 {
            Notify::Openraft(callback) => {
                callback.log_io_completed(result.map_err(io::Error::other))
            }
            Notify::Waiter(sender) => {
                // The waiter may have been cancelled; nobody is left to tell.
                let _ = sender.send(result);
            }
        }
    }
}

/// The raftwal log of type config `C`, shared by a [`LogStore`] and its [`LogReader`]s.
pub type SharedLog<C> = Arc<Mutex<RaftLog<WalTypes<C>>>>;

/// An openraft log store ([`RaftLogStorage`]) on a raftwal [`RaftLog`].
pub struct LogStore<C: RaftTypeConfig> {
    log: SharedLog<C>,
}

impl<C: RaftTypeConfig> LogStore<C> {
    /// Opens (or creates) the log in `config.dir` on the real filesystem
    /// ([`RaftLog::open`]).
    pub fn open(config: Arc<raftwal::Config>) -> Result<Self, raftwal::Error> {
        RaftLog::open(config).map(Self::new)
    }

    /// Opens the log on any raftwal [`Storage`](raftwal::Storage), for example
    /// [`raftwal::MemStorage`] or the simulator's `raftwal_simdisk::SimDisk`
    /// ([`RaftLog::open_with`]).
    pub fn open_with(
        storage: Arc<dyn raftwal::Storage>,
        config: Arc<raftwal::Config>,
    ) -> Result<Self, raftwal::Error> {
        RaftLog::open_with(storage, config).map(Self::new)
    }

    /// A store on an already open log.
    pub fn new(log: RaftLog<WalTypes<C>>) -> Self {
        Self {
            log: Arc::new(Mutex::new(log)),
        }
    }

    /// The shared log, for inspection (state, statistics) or to wait for the flush
    /// worker. Do not hold its lock across an `.await`.
    pub fn log(&self) -> &SharedLog<C> {
        &self.log
    }

    /// A reader of the log; it sees every write of the store at once.
    pub fn reader(&self) -> LogReader<C> {
        LogReader {
            log: self.log.clone(),
        }
    }
}

/// A reader of a [`LogStore`]'s log ([`RaftLogReader`]), as openraft's replication
/// tasks use it. Cloning it is cheap.
pub struct LogReader<C: RaftTypeConfig> {
    log: SharedLog<C>,
}

impl<C: RaftTypeConfig> Clone for LogReader<C> {
    fn clone(&self) -> Self {
        Self {
            log: self.log.clone(),
        }
    }
}

/// The entries of `range` present in the log: openraft allows a reader to leave out
/// entries it does not have (purged, or beyond the last), so the range is clipped to
/// `[first_index, next_index)` rather than rejected.
// The error type is openraft's (`StorageError`), large but not ours to shrink.
#[allow(clippy::result_large_err)]
fn read_entries<C, RB>(
    log: &Mutex<RaftLog<WalTypes<C>>>,
    range: RB,
) -> Result<Vec<C::Entry>, StorageError<C::NodeId>>
where
    C: RaftTypeConfig,
    RB: RangeBounds<u64>,
{
    let start = match range.start_bound() {
        Bound::Included(&i) => i,
        Bound::Excluded(&i) => i.saturating_add(1),
        Bound::Unbounded => 0,
    };
    let end = match range.end_bound() {
        Bound::Included(&i) => i.saturating_add(1),
        Bound::Excluded(&i) => i,
        Bound::Unbounded => u64::MAX,
    };
    let raw: Vec<(Serde<LogId<C::NodeId>>, EntryBytes)> = {
        let log = log.lock();
        let state = log.log_state();
        let from = start.max(log.first_index());
        let to = end.min(state.next_index());
        if from >= to {
            return Ok(Vec::new());
        }
        log.read(from, to)
            .collect::<Result<_, _>>()
            .map_err(|e| StorageIOError::read_logs(AnyError::new(&e)))?
    };
    // Decoded outside the lock.
    raw.into_iter()
        .map(|(Serde(log_id), bytes)| {
            let entry: C::Entry = postcard::from_bytes(&bytes.0)
                .map_err(|e| StorageIOError::read_log_entry(log_id.clone(), AnyError::error(e)))?;
            if entry.get_log_id() != &log_id {
                let found = entry.get_log_id();
                return Err(StorageIOError::read_log_entry(
                    log_id,
                    AnyError::error(format!("the stored entry has log id {found}")),
                )
                .into());
            }
            Ok(entry)
        })
        .collect()
}

impl<C: RaftTypeConfig> RaftLogReader<C> for LogReader<C> {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<C::Entry>, StorageError<C::NodeId>> {
        read_entries::<C, RB>(&self.log, range)
    }
}

impl<C: RaftTypeConfig> RaftLogReader<C> for LogStore<C> {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<C::Entry>, StorageError<C::NodeId>> {
        read_entries::<C, RB>(&self.log, range)
    }
}

impl<C: RaftTypeConfig> RaftLogStorage<C> for LogStore<C> {
    type LogReader = LogReader<C>;

    async fn get_log_state(&mut self) -> Result<LogState<C>, StorageError<C::NodeId>> {
        let log = self.log.lock();
        let state = log.log_state();
        Ok(LogState {
            last_purged_log_id: state.purged.as_ref().map(|id| id.0.clone()),
            last_log_id: state.last.as_ref().map(|id| id.0.clone()),
        })
    }

    async fn get_log_reader(&mut self) -> LogReader<C> {
        self.reader()
    }

    /// Saves the vote and returns once it is durable.
    async fn save_vote(&mut self, vote: &Vote<C::NodeId>) -> Result<(), StorageError<C::NodeId>> {
        let write_vote =
            |e: raftwal::Error| StorageError::from(StorageIOError::write_vote(AnyError::new(&e)));
        let (sender, receiver) = oneshot::channel();
        {
            let mut log = self.log.lock();
            log.save_vote(Serde(vote.clone())).map_err(write_vote)?;
            log.flush(Some(FlushCallback::oneshot(sender)))
                .map_err(write_vote)?;
        }
        match receiver.await {
            Ok(result) => result.map_err(write_vote),
            Err(_) => Err(StorageIOError::write_vote(AnyError::error(
                "raftwal's flush worker dropped the flush callback",
            ))
            .into()),
        }
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<C::NodeId>>, StorageError<C::NodeId>> {
        Ok(self
            .log
            .lock()
            .log_state()
            .vote
            .as_ref()
            .map(|v| v.0.clone()))
    }

    /// Saves the committed log id. It becomes durable with the next flush (the next
    /// append or vote); openraft does not need it durable at once. `None` saves nothing.
    async fn save_committed(
        &mut self,
        committed: Option<LogId<C::NodeId>>,
    ) -> Result<(), StorageError<C::NodeId>> {
        if let Some(committed) = committed {
            self.log
                .lock()
                .commit(Serde(committed))
                .map_err(|e| StorageIOError::write(AnyError::new(&e)))?;
        }
        Ok(())
    }

    async fn read_committed(
        &mut self,
    ) -> Result<Option<LogId<C::NodeId>>, StorageError<C::NodeId>> {
        Ok(self
            .log
            .lock()
            .log_state()
            .committed
            .as_ref()
            .map(|id| id.0.clone()))
    }

    /// Appends the entries (readable at once) and hands openraft's callback to raftwal's
    /// flush worker, which calls it after the entries are synced.
    #[allow(clippy::result_large_err)] // openraft's `StorageError`, in a closure
    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<C>,
    ) -> Result<(), StorageError<C::NodeId>>
    where
        I: IntoIterator<Item = C::Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let batch = entries
            .into_iter()
            .map(|entry| {
                let log_id = entry.get_log_id().clone();
                let bytes = postcard::to_allocvec(&entry).map_err(|e| {
                    StorageIOError::write_log_entry(log_id.clone(), AnyError::error(e))
                })?;
                Ok((Serde(log_id), EntryBytes(bytes)))
            })
            .collect::<Result<Vec<_>, StorageError<C::NodeId>>>()?;
        let write_logs =
            |e: raftwal::Error| StorageError::from(StorageIOError::write_logs(AnyError::new(&e)));
        let mut log = self.log.lock();
        log.append(batch).map_err(write_logs)?;
        log.flush(Some(FlushCallback::log_flushed(callback)))
            .map_err(write_logs)?;
        Ok(())
    }

    /// Removes the entries from `log_id.index` on.
    async fn truncate(&mut self, log_id: LogId<C::NodeId>) -> Result<(), StorageError<C::NodeId>> {
        self.log
            .lock()
            .truncate(log_id.index)
            .map_err(|e| StorageIOError::write_logs(AnyError::new(&e)))?;
        Ok(())
    }

    /// Removes the entries up to and including `log_id`; raftwal removes whole chunk
    /// files once the purge is durable.
    async fn purge(&mut self, log_id: LogId<C::NodeId>) -> Result<(), StorageError<C::NodeId>> {
        self.log
            .lock()
            .purge(Serde(log_id))
            .map_err(|e| StorageIOError::write_logs(AnyError::new(&e)))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openraft::CommittedLeaderId;

    fn round_trip<T: Codec + PartialEq + Debug>(value: T) {
        raftwal::check_round_trip(&value).unwrap();
    }

    #[test]
    fn log_ids_votes_and_entries_round_trip() {
        round_trip(Serde(LogId::<u64>::new(CommittedLeaderId::new(0, 0), 0)));
        round_trip(Serde(LogId::<u64>::new(
            CommittedLeaderId::new(7, 3),
            u64::MAX,
        )));
        round_trip(Serde(Vote::<u64>::new(5, 2)));
        round_trip(Serde(Vote::<u64>::new_committed(u64::MAX, 9)));
        round_trip(EntryBytes(vec![]));
        round_trip(EntryBytes(vec![1, 2, 3]));
    }

    #[test]
    fn encodings_are_compact() {
        let mut buf = Vec::new();
        Serde(LogId::<u64>::new(CommittedLeaderId::new(3, 1), 1000)).encode(&mut buf);
        // openraft's default (advanced) leader id is (term, node id): varints of 1 byte
        // each, then the index, 2 bytes.
        assert_eq!(buf.len(), 4);
    }

    #[test]
    fn decoding_arbitrary_bytes_does_not_panic() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for len in 0..64 {
            for _ in 0..32 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        seed as u8
                    })
                    .collect();
                let _ = Serde::<LogId<u64>>::decode(&mut &bytes[..]);
                let _ = Serde::<Vote<u64>>::decode(&mut &bytes[..]);
                let _ = EntryBytes::decode(&mut &bytes[..]);
            }
        }
    }
}
