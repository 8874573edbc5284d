//! Snapshots of the log directory, taken just before an open and just after it, that
//! the oracle's file rules ([`super::files`]) compare.

use crate::layout::{parse_chunk_name, parse_quarantine_name, FORMAT_VERSION};
use raftwal_simdisk::SimDisk;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

/// One file as a snapshot saw it.
#[derive(Clone, Debug)]
pub struct FileSnap {
    /// Its bytes (what reads saw).
    pub bytes: Arc<Vec<u8>>,
    /// Its unreadable byte ranges (latent sector errors).
    pub unreadable: Vec<Range<u64>>,
    /// One past its last byte a successful `sync_data` of the engine made durable.
    pub synced_end: u64,
    /// Its name is durable. Computed for the quarantine files asked for only (`false`
    /// for the others).
    pub durable_name: bool,
    /// Its bytes are durable: a power loss keeps what reads see. Computed for the
    /// quarantine files asked for only (`false` for the others).
    pub durable_bytes: bool,
}

impl FileSnap {
    /// Name and bytes durable; with `misdirected` (a misdirected write fired, which
    /// may have put the file's own bytes elsewhere on the medium) the name suffices.
    pub fn durable(&self, misdirected: bool) -> bool {
        self.durable_name && (self.durable_bytes || misdirected)
    }
}

/// The log directory at one moment.
#[derive(Clone, Debug, Default)]
pub struct DirSnapshot {
    /// Every file, by name.
    pub files: BTreeMap<String, FileSnap>,
}

impl DirSnapshot {
    /// The directory of `disk` now (cheap: file bytes are shared, not copied), without
    /// the durability of quarantine files.
    pub fn take(disk: &SimDisk) -> Self {
        Self::take_checking(disk, |_| false)
    }

    /// Like [`DirSnapshot::take`], with the durability of the quarantine files whose
    /// name `check` accepts (it compares their bytes with the medium's).
    pub fn take_checking(disk: &SimDisk, check: impl Fn(&str) -> bool) -> Self {
        let ss = disk.sector_size_bytes();
        let durable_names = disk.file_names_durable();
        let files = disk
            .file_names()
            .into_iter()
            .filter_map(|name| {
                let bytes = disk.file_bytes_shared(&name)?;
                let unreadable = disk
                    .latent_sectors(&name)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| s * ss..(s + 1) * ss)
                    .collect();
                let synced_end = disk.synced_end(&name).unwrap_or(0);
                let quarantine = parse_quarantine_name(&name).is_some() && check(&name);
                let durable_name = quarantine && durable_names.binary_search(&name).is_ok();
                let durable_bytes = quarantine && disk.is_durable(&name).unwrap_or(false);
                Some((
                    name,
                    FileSnap {
                        bytes,
                        unreadable,
                        synced_end,
                        durable_name,
                        durable_bytes,
                    },
                ))
            })
            .collect();
        DirSnapshot { files }
    }

    /// The chunk files: (id, name), by id.
    pub fn chunks(&self) -> Vec<(u64, &str)> {
        let mut v: Vec<(u64, &str)> = self
            .files
            .keys()
            .filter_map(|n| Some((parse_chunk_name(n)?, n.as_str())))
            .collect();
        v.sort();
        v
    }

    /// The quarantine files: name -> bytes.
    pub fn quarantines(&self) -> BTreeMap<String, Arc<Vec<u8>>> {
        self.files
            .iter()
            .filter(|(n, _)| parse_quarantine_name(n).is_some())
            .map(|(n, f)| (n.clone(), f.bytes.clone()))
            .collect()
    }

    /// Does any chunk file hold a valid header of ours with another format version?
    pub fn has_version_skew(&self) -> bool {
        self.chunks().iter().any(|(_, name)| {
            crate::layout::parse_chunk_header(&self.files[*name].bytes)
                .is_some_and(|(v, _)| v != FORMAT_VERSION)
        })
    }
}

/// The same bytes (the same shared buffer, or equal contents).
pub(super) fn same_bytes(a: &Arc<Vec<u8>>, b: &Arc<Vec<u8>>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

/// The offset of the first byte where `a` and `b` differ (the shorter length if one
/// is a prefix of the other).
pub(super) fn first_difference(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    // Blocks first (memcmp), then the bytes of the first differing block.
    const BLOCK: usize = 256;
    let mut at = 0;
    while at + BLOCK <= n && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    a[at..n]
        .iter()
        .zip(&b[at..n])
        .position(|(x, y)| x != y)
        .map_or(n, |p| at + p)
}
