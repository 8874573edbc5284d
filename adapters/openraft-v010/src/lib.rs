//! # openraft-v010-raftwal
//!
//! An [openraft] 0.10 log store on the [raftwal] write-ahead log: [`LogStore`]
//! implements openraft's [`RaftLogStorage`] and its [`LogReader`] implements
//! [`RaftLogReader`], for any [`RaftTypeConfig`] (openraft's `serde` feature, which this
//! crate turns on, makes its log ids, votes and entries serializable). The openraft 0.9
//! store is the sibling crate `openraft-raftwal`; the two share the on-disk format of
//! raftwal but not their types.
//!
//! How openraft's calls map onto raftwal ([`RaftLogWriter`]):
//!
//! | openraft 0.10 | raftwal |
//! | --- | --- |
//! | `save_vote` | `save_vote` + `flush`, and waits until the vote is durable |
//! | `append(entries, callback)` | `append` + `flush(callback)`: openraft's [`IOFlushed`] is completed by raftwal's flush worker only after the sync |
//! | `truncate_after(last_log_id)` | `truncate(last_log_id.index + 1)` (`truncate(first_index)` for `None`), nothing if no entry lies after it |
//! | `purge(log_id)` | `purge(log_id)` |
//! | `save_committed` / `read_committed` | `commit` / `log_state().committed` |
//! | `get_log_state` / `read_vote` | `log_state()` |
//! | `try_get_log_entries(range)` | `read`, with the range clipped to the entries present |
//!
//! Log ids are stored through [`Serde`], votes through [`StoredVote`] (the same encoding,
//! with openraft's vote order), entries as their serde encoding ([`EntryBytes`]); the
//! encoding is [postcard]'s: compact (varints), deterministic and self-delimiting.
//! Every error reaches openraft as an [`io::Error`] whose source is the raftwal
//! [`Error`](raftwal::Error) (or the decoding error).
//!
//! The [`RaftLog`] is shared between the store and its readers behind one
//! `Arc<parking_lot::Mutex<_>>` ([`SharedLog`]); no lock is held across an `.await`.
//!
//! ```no_run
//! use openraft_v010_raftwal::LogStore;
//! use std::sync::Arc;
//!
//! openraft::declare_raft_types!(pub TypeConfig);
//!
//! # fn main() -> Result<(), raftwal::Error> {
//! let config = Arc::new(raftwal::Config::new("/var/lib/my-node/raft-log"));
//! let log_store = LogStore::<TypeConfig>::open(config)?;
//! // Raft::new(node_id, raft_config, network, log_store, state_machine).await
//! # Ok(())
//! # }
//! ```
//!
//! [openraft]: https://docs.rs/openraft/0.10.0-alpha.37
//! [postcard]: https://docs.rs/postcard
#![warn(missing_docs)]

use std::cmp::Ordering;
use std::fmt;
use std::fmt::Debug;
use std::io;
use std::marker::PhantomData;
use std::ops::{Bound, RangeBounds};
use std::sync::Arc;

use openraft::async_runtime::OneshotSender;
use openraft::entry::RaftEntry;
use openraft::storage::{IOFlushed, LogState, RaftLogReader, RaftLogStorage};
use openraft::type_config::alias::{LogIdOf, OneshotSenderOf, VoteOf};
use openraft::type_config::TypeConfigExt;
use openraft::vote::RaftVote;
use openraft::{OptionalSend, RaftTypeConfig};
use parking_lot::Mutex;
use raftwal::{Codec, DecodeError, RaftLog, RaftLogWriter};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use raftwal;

/// Log ids are stored through raftwal's own serde codec (feature `serde`):
/// [postcard]'s encoding, ordered like the wrapped value.
///
/// [postcard]: https://docs.rs/postcard
pub use raftwal::Serde;

/// An openraft vote as raftwal stores it: the [`Serde`] encoding of the vote, ordered
/// the way openraft orders votes ([`RaftVote::partial_cmp`]).
///
/// openraft 0.10's vote types need not implement `PartialOrd` themselves, while raftwal
/// checks every saved vote against the one before (a vote must never go back); this
/// wrapper gives it openraft's own order, under which two votes may be incomparable
/// (raftwal then refuses the later one, as openraft never saves it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVote<V>(pub V);

impl<V: RaftVote> PartialOrd for StoredVote<V> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        RaftVote::partial_cmp(&self.0, &other.0)
    }
}

impl<V: Clone + Serialize + DeserializeOwned> Codec for StoredVote<V> {
    fn encode(&self, out: &mut Vec<u8>) {
        // A vote is a few integers: the clone costs nothing next to the write.
        Serde(self.0.clone()).encode(out);
    }

    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        Serde::<V>::decode(input).map(|Serde(vote)| Self(vote))
    }
}

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
    type LogId = Serde<LogIdOf<C>>;
    type LogPayload = EntryBytes;
    type Vote = StoredVote<VoteOf<C>>;
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
/// the outcome on to openraft's [`IOFlushed`] (for `append`) or to the task waiting in
/// [`LogStore`]'s `save_vote`.
pub struct FlushCallback<C: RaftTypeConfig>(Notify<C>);

enum Notify<C: RaftTypeConfig> {
    Openraft(IOFlushed<C>),
    Waiter(OneshotSenderOf<C, Result<(), raftwal::Error>>),
}

impl<C: RaftTypeConfig> FlushCallback<C> {
    /// A callback that completes openraft's IO callback of an `append`.
    pub fn io_flushed(callback: IOFlushed<C>) -> Self {
        Self(Notify::Openraft(callback))
    }

    /// A callback that sends the outcome to a oneshot channel of `C`'s async runtime
    /// (`C::oneshot()`).
    pub fn oneshot(sender: OneshotSenderOf<C, Result<(), raftwal::Error>>) -> Self {
        Self(Notify::Waiter(sender))
    }
}

impl<C: RaftTypeConfig> raftwal::Callback for FlushCallback<C> {
    fn send(self, result: Result<(), raftwal::Error>) {
        match self.0 {
            Notify::Openraft(callback) => callback.io_completed(result.map_err(io::Error::other)),
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

/// A stored entry that does not decode, or decodes to another log id than the one
/// raftwal stored it under.
fn bad_entry<C: RaftTypeConfig>(log_id: &LogIdOf<C>, why: impl fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the stored entry {log_id} is invalid: {why}"),
    )
}

/// The entries of `range` present in the log: openraft allows a reader to leave out
/// entries it does not have (purged, or beyond the last), so the range is clipped to
/// `[first_index, next_index)` rather than rejected.
fn read_entries<C, RB>(log: &Mutex<RaftLog<WalTypes<C>>>, range: RB) -> io::Result<Vec<C::Entry>>
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
    let raw: Vec<(Serde<LogIdOf<C>>, EntryBytes)> = {
        let log = log.lock();
        let from = start.max(log.first_index());
        let to = end.min(log.log_state().next_index());
        if from >= to {
            return Ok(Vec::new());
        }
        log.read(from, to)
            .collect::<Result<_, _>>()
            .map_err(io::Error::other)?
    };
    // Decoded outside the lock.
    raw.into_iter()
        .map(|(Serde(log_id), bytes)| {
            let entry: C::Entry =
                postcard::from_bytes(&bytes.0).map_err(|e| bad_entry::<C>(&log_id, e))?;
            let found = entry.log_id();
            if found != log_id {
                return Err(bad_entry::<C>(
                    &log_id,
                    format_args!("it has log id {found}"),
                ));
            }
            Ok(entry)
        })
        .collect()
}

impl<C: RaftTypeConfig> RaftLogReader<C> for LogReader<C> {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> io::Result<Vec<C::Entry>> {
        read_entries::<C, RB>(&self.log, range)
    }

    async fn read_vote(&mut self) -> io::Result<Option<VoteOf<C>>> {
        Ok(self
            .log
            .lock()
            .log_state()
            .vote
            .as_ref()
            .map(|v| v.0.clone()))
    }
}

impl<C: RaftTypeConfig> RaftLogStorage<C> for LogStore<C> {
    type LogReader = LogReader<C>;

    async fn get_log_state(&mut self) -> io::Result<LogState<C>> {
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
    async fn save_vote(&mut self, vote: &VoteOf<C>) -> io::Result<()> {
        let (sender, receiver) = C::oneshot();
        {
            let mut log = self.log.lock();
            log.save_vote(StoredVote(vote.clone()))
                .map_err(io::Error::other)?;
            log.flush(Some(FlushCallback::oneshot(sender)))
                .map_err(io::Error::other)?;
        }
        match receiver.await {
            Ok(result) => result.map_err(io::Error::other),
            Err(_) => Err(io::Error::other(
                "raftwal's flush worker dropped the flush callback of a vote",
            )),
        }
    }

    /// Saves the committed log id. It becomes durable with the next flush (the next
    /// append or vote); openraft does not need it durable at once. `None` saves nothing.
    async fn save_committed(&mut self, committed: Option<LogIdOf<C>>) -> io::Result<()> {
        if let Some(committed) = committed {
            self.log
                .lock()
                .commit(Serde(committed))
                .map_err(io::Error::other)?;
        }
        Ok(())
    }

    async fn read_committed(&mut self) -> io::Result<Option<LogIdOf<C>>> {
        Ok(self
            .log
            .lock()
            .log_state()
            .committed
            .as_ref()
            .map(|id| id.0.clone()))
    }

    /// Appends the entries (readable at once) and hands openraft's callback to raftwal's
    /// flush worker, which completes it after the entries are synced.
    async fn append<I>(&mut self, entries: I, callback: IOFlushed<C>) -> io::Result<()>
    where
        I: IntoIterator<Item = C::Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let batch = entries
            .into_iter()
            .map(|entry| {
                let log_id = entry.log_id();
                let bytes = postcard::to_allocvec(&entry).map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("the entry {log_id} cannot be encoded: {e}"),
                    )
                })?;
                Ok((Serde(log_id), EntryBytes(bytes)))
            })
            .collect::<io::Result<Vec<_>>>()?;
        let mut log = self.log.lock();
        log.append(batch).map_err(io::Error::other)?;
        log.flush(Some(FlushCallback::io_flushed(callback)))
            .map_err(io::Error::other)?;
        Ok(())
    }

    /// Removes the entries after `last_log_id` (all of them for `None`). Like the
    /// other writes, the truncation becomes durable with the next flush: a crash before
    /// it may recover the entries it removed, but never an entry appended after it
    /// without the truncation (raftwal recovers a prefix of the writes).
    async fn truncate_after(&mut self, last_log_id: Option<LogIdOf<C>>) -> io::Result<()> {
        let mut log = self.log.lock();
        let first = log.first_index();
        let from = match last_log_id {
            Some(id) => id.index.saturating_add(1).max(first),
            None => first,
        };
        if from < log.log_state().next_index() {
            log.truncate(from).map_err(io::Error::other)?;
        }
        Ok(())
    }

    /// Removes the entries up to and including `log_id`; raftwal removes whole chunk
    /// files once the purge is durable.
    async fn purge(&mut self, log_id: LogIdOf<C>) -> io::Result<()> {
        self.log
            .lock()
            .purge(Serde(log_id))
            .map_err(io::Error::other)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openraft::impls::leader_id_adv::LeaderId;
    use openraft::impls::Vote;
    use openraft::vote::RaftLeaderId;
    use openraft::LogId;

    type Leader = LeaderId<u64, u64>;

    fn round_trip<T: Codec + PartialEq + Debug>(value: T) -> Result<(), String> {
        raftwal::check_round_trip(&value)
    }

    #[test]
    fn log_ids_votes_and_entries_round_trip() -> Result<(), String> {
        round_trip(Serde(LogId::new(LeaderId::<u64, u64>::new(0, 0), 0)))?;
        round_trip(Serde(LogId::new(LeaderId::<u64, u64>::new(7, 3), u64::MAX)))?;
        round_trip(StoredVote(Vote::<Leader>::new(5, 2)))?;
        round_trip(StoredVote(Vote::<Leader>::new_committed(u64::MAX, 9)))?;
        round_trip(EntryBytes(vec![]))?;
        round_trip(EntryBytes(vec![1, 2, 3]))
    }

    #[test]
    fn votes_are_ordered_like_openraft_orders_them() {
        let v = |term, node, committed| {
            StoredVote(if committed {
                Vote::<Leader>::new_committed(term, node)
            } else {
                Vote::<Leader>::new(term, node)
            })
        };
        assert!(v(1, 2, false) < v(2, 1, false));
        assert!(v(1, 2, false) < v(1, 2, true));
        assert!(v(1, 1, false) < v(1, 2, false));
        assert_eq!(
            v(3, 1, true).partial_cmp(&v(3, 1, true)),
            Some(Ordering::Equal)
        );
    }

    #[test]
    fn encodings_are_compact() {
        let mut buf = Vec::new();
        Serde(LogId::new(LeaderId::<u64, u64>::new(3, 1), 1000)).encode(&mut buf);
        // openraft's default (advanced) committed leader id is (term, node id): varints
        // of 1 byte each, then the index, 2 bytes.
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
                let _ = Serde::<LogId<Leader>>::decode(&mut &bytes[..]);
                let _ = StoredVote::<Vote<Leader>>::decode(&mut &bytes[..]);
                let _ = EntryBytes::decode(&mut &bytes[..]);
            }
        }
    }
}
