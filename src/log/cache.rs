//! The payload cache: the payloads of the newest entries, `[first, next)`, bounded by an
//! item count and a byte count. Only payloads whose records are durable may be evicted
//! (an evicted payload is read back from disk), and eviction is oldest first.

use crate::types::Types;
use std::collections::VecDeque;

/// Payloads of indexes `[first, first + len)`.
#[derive(Debug, Clone)]
pub(crate) struct PayloadCache<T: Types> {
    first: u64,
    /// (payload, end offset of its record, payload size).
    items: VecDeque<(T::LogPayload, u64, u64)>,
    size_bytes: u64,
}

impl<T: Types> PayloadCache<T> {
    /// An empty cache whose next payload has index `first`.
    pub(crate) fn new(first: u64) -> Self {
        Self {
            first,
            items: VecDeque::new(),
            size_bytes: 0,
        }
    }

    pub(crate) fn first(&self) -> u64 {
        self.first
    }

    pub(crate) fn len(&self) -> u64 {
        self.items.len() as u64
    }

    pub(crate) fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    pub(crate) fn get(&self, index: u64) -> Option<&T::LogPayload> {
        let pos = index.checked_sub(self.first)?;
        self.items
            .get(usize::try_from(pos).ok()?)
            .map(|item| &item.0)
    }

    /// Adds the payload of `index`, of `T::payload_size` `size_bytes`, whose record
    /// ends at global offset `record_end`. `index` must be the cache's next index.
    pub(crate) fn push(
        &mut self,
        index: u64,
        payload: T::LogPayload,
        size_bytes: u64,
        record_end: u64,
    ) {
        if self.items.is_empty() {
            // The first entry of a log that starts after 0, or after a truncate.
            self.first = index;
        }
        debug_assert_eq!(index, self.first + self.items.len() as u64);
        self.size_bytes += size_bytes;
        self.items.push_back((payload, record_end, size_bytes));
    }

    /// Drops the payloads at `index` and after.
    pub(crate) fn truncate_from(&mut self, index: u64) {
        if index <= self.first {
            self.items.clear();
            self.size_bytes = 0;
            self.first = index;
            return;
        }
        while self.first + self.items.len() as u64 > index {
            let (_, _, size) = self.items.pop_back().expect("non-empty");
            self.size_bytes -= size;
        }
    }

    /// Drops the payloads before `index`.
    pub(crate) fn purge_before(&mut self, index: u64) {
        while self.first < index {
            match self.items.pop_front() {
                Some((_, _, size)) => self.size_bytes -= size,
                None => break,
            }
            self.first += 1;
        }
        self.first = self.first.max(index);
    }

    /// Evicts the oldest payloads while the cache is over `max_items` or `max_bytes`
    /// and the oldest one's record ends at or before `durable_offset`. With
    /// `ignore_durability` (mutant only) unsynced payloads are evicted too. Returns
    /// whether the cache is still over its limits (waiting for durability).
    pub(crate) fn evict(
        &mut self,
        max_items: u64,
        max_bytes: u64,
        durable_offset: u64,
        ignore_durability: bool,
    ) -> bool {
        while self.items.len() as u64 > max_items || self.size_bytes > max_bytes {
            match self.items.front() {
                Some(&(_, end, size)) if end <= durable_offset || ignore_durability => {
                    self.items.pop_front();
                    self.size_bytes -= size;
                    self.first += 1;
                }
                Some(_) => return true,
                None => break,
            }
        }
        false
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &T::LogPayload)> + '_ {
        let first = self.first;
        self.items
            .iter()
            .enumerate()
            .map(move |(i, item)| (first + i as u64, &item.0))
    }
}
