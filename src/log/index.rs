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

/// Entries `[first, first + len)`.
#[derive(Debug, Clone)]
pub(crate) struct Index<T: Types> {
    first: u64,
    slots: VecDeque<IndexEntry<T>>,
}

impl<T: Types> Index<T> {
    /// An empty index whose next entry has index `first`.
    pub(crate) fn new(first: u64) -> Self {
        Self {
            first,
            slots: VecDeque::new(),
        }
    }

    /// The index of the first slot.
    pub(crate) fn first(&self) -> u64 {
        self.first
    }

    /// The index after the last slot.
    pub(crate) fn next(&self) -> u64 {
        self.first + self.slots.len() as u64
    }

    pub(crate) fn get(&self, index: u64) -> Option<&IndexEntry<T>> {
        let pos = index.checked_sub(self.first)?;
        self.slots.get(usize::try_from(pos).ok()?)
    }

    pub(crate) fn push(&mut self, entry: IndexEntry<T>) {
        self.slots.push_back(entry);
    }

    /// Removes the slots at `index` and after. An index before `first` empties the
    /// index, which then starts at `index`.
    pub(crate) fn truncate_from(&mut self, index: u64) {
        if index <= self.first {
            self.slots.clear();
            self.first = index;
        } else {
            let keep = (index - self.first) as usize;
            self.slots.truncate(keep);
        }
    }

    /// Removes the slots before `index`. An index past the end empties the index,
    /// which then starts at `index`.
    pub(crate) fn purge_before(&mut self, index: u64) {
        if index >= self.next() {
            self.slots.clear();
            self.first = index;
        } else if index > self.first {
            let drop = (index - self.first) as usize;
            self.slots.drain(..drop);
            self.first = index;
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &IndexEntry<T>)> + '_ {
        let first = self.first;
        self.slots
            .iter()
            .enumerate()
            .map(move |(i, e)| (first + i as u64, e))
    }
}
