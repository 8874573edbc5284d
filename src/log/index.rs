//! The index: for every entry in the log, its log id and where its record lies.
//!
//! Log indexes are consecutive, so the index is a ring of fixed-size slots addressed by
//! `index - first`, not a map.

use crate::types::{Segment, Types};
use std::collections::VecDeque;

/// One slot of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry<T: Types> {
    /// The entry's log id.
    pub log_id: T::LogId,
    /// Global offset of the entry's record.
    pub offset: u64,
    /// Size of the record in bytes.
    pub size: u32,
}

impl<T: Types> IndexEntry<T> {
    /// Where the record lies.
    pub fn segment(&self) -> Segment {
        Segment {
            offset: self.offset,
            size: u64::from(self.size),
        }
    }
}

/// A borrowed view of one slot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EntryRef<'a, T: Types> {
    pub(crate) log_id: &'a T::LogId,
    pub(crate) offset: u64,
    pub(crate) size: u32,
}

/// Entries `[first, first + len)`, stored as three parallel rings (log ids, offsets,
/// sizes) so that no slot pays for padding: 28 bytes per `(u64, u64)` log id instead
/// of 32.
#[derive(Debug, Clone)]
pub(crate) struct Index<T: Types> {
    first: u64,
    log_ids: VecDeque<T::LogId>,
    offsets: VecDeque<u64>,
    sizes: VecDeque<u32>,
}

impl<T: Types> Index<T> {
    /// An empty index whose next entry has index `first`.
    pub(crate) fn new(first: u64) -> Self {
        Self {
            first,
            log_ids: VecDeque::new(),
            offsets: VecDeque::new(),
            sizes: VecDeque::new(),
        }
    }

    /// The index of the first slot.
    pub(crate) fn first(&self) -> u64 {
        self.first
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.log_ids.is_empty()
    }

    /// The index after the last slot.
    pub(crate) fn next(&self) -> u64 {
        self.first + self.log_ids.len() as u64
    }

    pub(crate) fn get(&self, index: u64) -> Option<EntryRef<'_, T>> {
        let pos = usize::try_from(index.checked_sub(self.first)?).ok()?;
        Some(EntryRef {
            log_id: self.log_ids.get(pos)?,
            offset: self.offsets[pos],
            size: self.sizes[pos],
        })
    }

    /// Appends the slot for index `next()`. Records lie in log order, so its record
    /// starts at or after the end of the last one.
    pub(crate) fn push(&mut self, log_id: T::LogId, offset: u64, size: u32) {
        debug_assert!(
            self.offsets
                .back()
                .zip(self.sizes.back())
                .is_none_or(|(&last, &last_size)| offset >= last + u64::from(last_size)),
            "a record at {offset} before the end of the last one"
        );
        self.log_ids.push_back(log_id);
        self.offsets.push_back(offset);
        self.sizes.push_back(size);
        self.assert_rings();
    }

    /// The three rings describe the same slots.
    fn assert_rings(&self) {
        debug_assert_eq!(self.log_ids.len(), self.offsets.len(), "log ids vs offsets");
        debug_assert_eq!(self.log_ids.len(), self.sizes.len(), "log ids vs sizes");
    }

    /// Removes the slots at `index` and after. An index before `first` empties the
    /// index, which then starts at `index`.
    pub(crate) fn truncate_from(&mut self, index: u64) {
        if index <= self.first {
            self.first = index;
            self.truncate_len(0);
        } else {
            self.truncate_len((index - self.first) as usize);
        }
    }

    fn truncate_len(&mut self, len: usize) {
        self.log_ids.truncate(len);
        self.offsets.truncate(len);
        self.sizes.truncate(len);
        self.assert_rings();
    }

    /// Removes the slots before `index`. An index past the end empties the index,
    /// which then starts at `index`.
    pub(crate) fn purge_before(&mut self, index: u64) {
        if index >= self.next() {
            self.truncate_len(0);
            self.first = index;
        } else if index > self.first {
            let drop = (index - self.first) as usize;
            self.log_ids.drain(..drop);
            self.offsets.drain(..drop);
            self.sizes.drain(..drop);
            self.first = index;
        }
        self.assert_rings();
        debug_assert!(
            self.first >= index,
            "purged up to {index}, the index starts at {}",
            self.first
        );
    }

    /// Every slot, as owned entries.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, IndexEntry<T>)> + '_ {
        let first = self.first;
        (0..self.log_ids.len()).map(move |pos| {
            let entry = IndexEntry {
                log_id: self.log_ids[pos].clone(),
                offset: self.offsets[pos],
                size: self.sizes[pos],
            };
            (first + pos as u64, entry)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[derive(Debug, Default, Clone, PartialEq, Eq)]
    struct Ids;

    impl Types for Ids {
        type LogId = (u64, u64);
        type LogPayload = String;
        type Vote = (u64, u64);
        type UserData = String;
        type Callback = std::sync::mpsc::Sender<Result<(), Error>>;

        fn log_index(log_id: &(u64, u64)) -> u64 {
            log_id.1
        }
        fn payload_size(payload: &String) -> u64 {
            payload.len() as u64
        }
    }

    #[test]
    fn slots_follow_truncates_and_purges() {
        let mut index = Index::<Ids>::new(5);
        for i in 5..10 {
            index.push((1, i), i * 100, 100);
        }
        index.truncate_from(8);
        index.purge_before(6);
        assert_eq!((index.first(), index.next()), (6, 8));
        assert_eq!(index.get(7).map(|e| e.offset), Some(700));
        index.purge_before(20);
        assert!(index.is_empty());
        assert_eq!(index.first(), 20);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "before the end of the last one")]
    fn a_record_before_the_last_ones_end_is_an_invariant_breach() {
        let mut index = Index::<Ids>::new(0);
        index.push((1, 0), 100, 50);
        index.push((1, 1), 120, 50);
    }
}
