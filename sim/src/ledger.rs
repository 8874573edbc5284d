//! The durability ledger: per file, the byte ranges recently made durable, oldest
//! first, and how (a successful `sync_data`, or unsynced writes a power loss kept).
//!
//! It is observed through `SimDisk::last_synced_range` after every worker step and
//! open, and through the durable lengths around a power loss. It is kept because an
//! open that truncates a torn tail may cut the last synced range away: the last
//! synced write is then an earlier one. Its one question: does a byte range touch the
//! last write made durable still in its file (the undecidable place, where damage
//! looks exactly like a torn tail)?

use raftwal_simdisk::{BitRot, SimDisk};
use std::collections::BTreeMap;

/// Ranges kept per file.
const KEPT: usize = 32;

/// How a byte range of a file became durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Durable {
    /// A successful `sync_data`.
    Synced,
    /// Unsynced writes that a power loss kept (whole, torn, or as garbage).
    Survived,
}

/// The durable ranges of every file of one disk.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    ranges: BTreeMap<String, Vec<(u64, u64, Durable)>>,
}

impl Ledger {
    /// Forgets every file (a fresh disk).
    pub fn clear(&mut self) {
        self.ranges.clear();
    }

    /// Forgets the files not in `names` (removed ones).
    pub fn retain_files(&mut self, names: &[String]) {
        self.ranges.retain(|name, _| names.contains(name));
    }

    fn push(&mut self, name: String, range: (u64, u64, Durable)) {
        let ranges = self.ranges.entry(name).or_default();
        if ranges.len() >= KEPT {
            ranges.remove(0);
        }
        ranges.push(range);
    }

    /// Records the last synced range of every file in `names`, if new.
    pub fn observe_syncs(&mut self, disk: &SimDisk, names: Vec<String>) {
        for name in names {
            if let Some((start, end)) = disk.last_synced_range(&name) {
                let ranges = self.ranges.get(&name).map_or(&[][..], |r| r.as_slice());
                let last_synced = ranges.iter().rev().find(|r| r.2 == Durable::Synced);
                if last_synced.is_none_or(|r| (r.0, r.1) != (start, end)) {
                    self.push(name, (start, end, Durable::Synced));
                }
            }
        }
    }

    /// Records the bytes a power loss made durable past each file's old durable end
    /// (`pending`: name, durable length before): unsynced writes that survived are now
    /// the file's last durable write, exactly as if a sync had made them so.
    pub fn observe_power_loss_survivors(&mut self, disk: &SimDisk, pending: Vec<(String, u64)>) {
        for (name, old_len) in pending {
            let Some(new_len) = disk.durable_bytes(&name).map(|b| b.len() as u64) else {
                continue;
            };
            if new_len > old_len {
                self.push(name, (old_len, new_len, Durable::Survived));
            }
        }
    }

    /// Is `at` inside the last writes made durable still in its file? That is the
    /// undecidable place: rot there looks exactly like a torn tail. It spans the last
    /// synced range and whatever a later power loss kept after it (whole writes, which
    /// the open then adopts, or torn ones and garbage, which it drops).
    pub fn in_last_synced_write(&self, disk: &SimDisk, at: &BitRot) -> bool {
        self.in_last_synced_range(disk, &at.file_name, at.offset_bytes, at.offset_bytes + 1)
    }

    /// Does `[lo, hi)` of `file_name` touch the last writes made durable still in it?
    /// See [`Ledger::in_last_synced_write`].
    pub fn in_last_synced_range(&self, disk: &SimDisk, file_name: &str, lo: u64, hi: u64) -> bool {
        let len = disk
            .file_bytes_shared(file_name)
            .map_or(0, |b| b.len() as u64);
        let ranges = self.ranges.get(file_name).map_or(&[][..], |r| r.as_slice());
        for &(start, end, how) in ranges.iter().rev() {
            if start >= len {
                continue; // cut away by an open's repair
            }
            if lo < end.min(len) && hi > start {
                return true;
            }
            if how == Durable::Synced {
                return false;
            }
        }
        false
    }
}
