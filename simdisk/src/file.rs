//! Per-file state of the simulated disk: the durable bytes, the volatile view (what
//! reads see, like a page cache) and the pending operations (what a power loss may or
//! may not persist), in issue order.

use std::collections::BTreeSet;
use std::sync::Arc;

/// The largest file the simulated disk accepts, in bytes. A write or `set_len` past it
/// fails with an I/O error instead of allocating without bound (a bogus offset from a
/// buggy engine must not abort the simulator).
pub(super) const MAX_FILE_LEN_BYTES: u64 = 1 << 30;

/// One operation issued to a file and not yet made durable by a successful `sync_data`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum PendingOp {
    /// `bytes` written at `offset_bytes` (on the medium: a misdirected write records
    /// the offset where the bytes will actually land).
    Write { offset_bytes: u64, bytes: Vec<u8> },
    /// The file truncated or extended (with zeros) to `len_bytes`.
    SetLen { len_bytes: u64 },
}

impl PendingOp {
    /// The file length after this operation, given the length before it.
    pub(super) fn len_after(&self, len_before_bytes: u64) -> u64 {
        match self {
            PendingOp::Write {
                offset_bytes,
                bytes,
            } => {
                if bytes.is_empty() {
                    len_before_bytes
                } else {
                    len_before_bytes.max(offset_bytes + bytes.len() as u64)
                }
            }
            PendingOp::SetLen { len_bytes } => *len_bytes,
        }
    }

    /// Applies this operation to `image` (a whole file's contents).
    pub(super) fn apply(&self, image: &mut Vec<u8>) {
        match self {
            PendingOp::Write {
                offset_bytes,
                bytes,
            } => write_into(image, *offset_bytes, bytes),
            PendingOp::SetLen { len_bytes } => set_len_zeroed(image, *len_bytes as usize),
        }
    }
}

/// Cuts `image` to `len_bytes` or grows it with zeros. Not `Vec::resize`: unoptimised
/// (the tests' debug builds) it writes the zeros one by one, and growing by the
/// reserved 4 MiB of each chunk was three quarters of the CPU of the tests on this disk
/// (`perf` of the openraft suites); a zeroed allocation is a `calloc`.
pub(super) fn set_len_zeroed(image: &mut Vec<u8>, len_bytes: usize) {
    if len_bytes <= image.len() {
        image.truncate(len_bytes);
    } else {
        image.append(&mut vec![0; len_bytes - image.len()]);
    }
}

/// Copies `bytes` into `image` at `offset_bytes`, extending `image` with zeros first if
/// needed. The caller has checked that the end is at most [`MAX_FILE_LEN_BYTES`].
pub(super) fn write_into(image: &mut Vec<u8>, offset_bytes: u64, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    let start = offset_bytes as usize;
    let end = start + bytes.len();
    if image.len() < end {
        set_len_zeroed(image, end);
    }
    image[start..end].copy_from_slice(bytes);
}

/// One file (an inode: names refer to it, it may outlive its name while open).
#[derive(Clone, Debug, Default)]
pub(super) struct SimFile {
    /// What the medium holds: the bytes a power loss keeps for sure.
    pub(super) durable: Vec<u8>,
    /// What reads see: every write and `set_len` issued, in order, on top of the
    /// durable bytes (plus, after a failed `sync_data`, bytes that will never be
    /// durable). Shared copy-on-write, so that a caller can keep a view of a file's
    /// bytes at one moment (to compare them later) without copying them.
    pub(super) volatile: Arc<Vec<u8>>,
    /// Operations not yet durable, in issue order. A failed `sync_data` empties this
    /// without applying it (fsyncgate).
    pub(super) pending: Vec<PendingOp>,
    /// Sector indexes whose reads fail until rewritten.
    pub(super) latent_bad_sectors: BTreeSet<u64>,
    /// Half-open byte range `[start, end)` covering the writes that the last successful
    /// `sync_data` with at least one pending write made durable.
    pub(super) last_synced_range: Option<(u64, u64)>,
    /// One past the last byte written by a write that a successful `sync_data` made
    /// durable, lowered by durable truncations: bytes below it were synced at some
    /// point (by the process writing the file, not by an operator edit).
    pub(super) synced_end: u64,
    /// The offsets of reads of this file that failed with a transient error and were
    /// not read again since: the next read at such an offset does not fail
    /// transiently (a retry passes; only latent sector errors keep failing).
    pub(super) transient_failures_at: BTreeSet<u64>,
}

impl SimFile {
    /// Applies every pending operation to the durable bytes (a successful `sync_data`).
    pub(super) fn make_pending_durable(&mut self) {
        let mut range: Option<(u64, u64)> = None;
        for op in std::mem::take(&mut self.pending) {
            if let PendingOp::Write {
                offset_bytes,
                bytes,
            } = &op
            {
                if !bytes.is_empty() {
                    let end = offset_bytes + bytes.len() as u64;
                    range = Some(match range {
                        None => (*offset_bytes, end),
                        Some((s, e)) => (s.min(*offset_bytes), e.max(end)),
                    });
                    self.synced_end = self.synced_end.max(end);
                }
            }
            op.apply(&mut self.durable);
            self.synced_end = self.synced_end.min(self.durable.len() as u64);
        }
        if range.is_some() {
            self.last_synced_range = range;
        }
    }

    /// Clears latent sector errors in the sectors that `[offset_bytes, end_bytes)`
    /// touches (a rewrite remaps a bad sector).
    pub(super) fn clear_latent(
        &mut self,
        sector_size_bytes: u64,
        offset_bytes: u64,
        end_bytes: u64,
    ) {
        if end_bytes <= offset_bytes || self.latent_bad_sectors.is_empty() {
            return;
        }
        let first = offset_bytes / sector_size_bytes;
        let last = (end_bytes - 1) / sector_size_bytes;
        let hit: Vec<u64> = self
            .latent_bad_sectors
            .range(first..=last)
            .copied()
            .collect();
        for sector in hit {
            self.latent_bad_sectors.remove(&sector);
        }
    }

    /// Forgets latent sector errors in sectors that start at or after `len_bytes` (they
    /// no longer belong to the file).
    pub(super) fn drop_latent_past(&mut self, sector_size_bytes: u64, len_bytes: u64) {
        let first_gone = len_bytes.div_ceil(sector_size_bytes);
        self.latent_bad_sectors.split_off(&first_gone);
    }

    /// Whether `[offset_bytes, end_bytes)` touches a sector with a latent error.
    pub(super) fn touches_latent(
        &self,
        sector_size_bytes: u64,
        offset_bytes: u64,
        end_bytes: u64,
    ) -> bool {
        if end_bytes <= offset_bytes {
            return false;
        }
        let first = offset_bytes / sector_size_bytes;
        let last = (end_bytes - 1) / sector_size_bytes;
        self.latent_bad_sectors.range(first..=last).next().is_some()
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn sync_applies_in_order_and_records_range() {
        let mut f = SimFile::default();
        f.pending.push(PendingOp::Write {
            offset_bytes: 10,
            bytes: vec![1; 5],
        });
        f.pending.push(PendingOp::SetLen { len_bytes: 12 });
        f.pending.push(PendingOp::Write {
            offset_bytes: 2,
            bytes: vec![2; 2],
        });
        f.make_pending_durable();
        assert_eq!(f.durable, vec![0, 0, 2, 2, 0, 0, 0, 0, 0, 0, 1, 1]);
        assert_eq!(f.last_synced_range, Some((2, 15)));
        // The write at 10 was synced, then cut by the set_len to 12.
        assert_eq!(f.synced_end, 12);
        assert!(f.pending.is_empty());
        // An empty sync keeps the previous range.
        f.make_pending_durable();
        assert_eq!(f.last_synced_range, Some((2, 15)));
    }

    #[test]
    fn latent_bookkeeping() {
        let mut f = SimFile::default();
        f.latent_bad_sectors.extend([1, 3, 5]);
        assert!(f.touches_latent(512, 600, 700));
        assert!(!f.touches_latent(512, 1024, 1536));
        f.clear_latent(512, 600, 700);
        assert_eq!(
            f.latent_bad_sectors.iter().copied().collect::<Vec<_>>(),
            vec![3, 5]
        );
        f.drop_latent_past(512, 5 * 512 + 1);
        assert_eq!(
            f.latent_bad_sectors.iter().copied().collect::<Vec<_>>(),
            vec![3, 5]
        );
        f.drop_latent_past(512, 5 * 512);
        assert_eq!(
            f.latent_bad_sectors.iter().copied().collect::<Vec<_>>(),
            vec![3]
        );
    }
}
