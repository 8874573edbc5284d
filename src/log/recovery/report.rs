//! [`RecoveryReport`]: what an open dropped from the log and where those bytes are now.

use crate::format::DamageKind;
use std::fmt;

/// What [`crate::RaftLog::open`] dropped from the log, and where the bytes went.
///
/// # What open does with each chunk file
///
/// Open scans every chunk file (streamed, in windows of a few MiB), classifies it by
/// its scan and its place, and takes the action of this table. Open removes or cuts
/// only bytes it proves are not part of the log; everything else it drops is first
/// copied into a quarantine file in the log directory (synced, and its name synced,
/// before the chunk is cut or removed) and listed here. A refusal changes nothing on
/// disk.
///
/// "Closed" means a later chunk file exists (a chunk is synced before the next one is
/// created, so every byte of a closed chunk up to the next chunk's id had been
/// synced); "last" means none does. "Proven synced" means a later valid batch records
/// a durable offset past the damage.
///
/// | chunk | found | action |
/// |---|---|---|
/// | any | valid header of another format version | refuse: [`crate::Error::UnsupportedVersion`] |
/// | any | valid header naming another chunk than its file name | refuse: [`crate::Error::ChunkConflict`] |
/// | any | valid checksum over a header that is not ours | refuse: [`crate::Error::ChunkConflict`] |
/// | closed | valid batches run past where the next chunk file starts | refuse: [`crate::Error::ChunkConflict`] naming both |
/// | closed | valid exactly to the next chunk's id, nothing after | keep |
/// | closed | valid to the next chunk's id, then zeros | cut the zeros |
/// | closed | valid to the next chunk's id, then other bytes; next header valid | cut them |
/// | closed | valid to the next chunk's id, then other bytes; next header not valid | quarantine them, cut |
/// | closed | file ends before the next chunk's id | refuse: [`crate::Error::ChunkGap`] |
/// | closed | damage, zeros or an unreadable sector before the next chunk's id | refuse: [`crate::Error::Corrupt`] (1) |
/// | last | valid batches, then nothing or zeros (reserved space) | keep |
/// | last | empty, all zeros, or our header and only zeros | remove the file |
/// | last | damage (torn, checksum, zeros amid data, unreadable sector) not proven synced, valid records before it | quarantine from the damage on, cut |
/// | last | damaged header, or no valid record, not proven synced | quarantine the whole file, remove it |
/// | last | damage proven synced | refuse: [`crate::Error::Corrupt`] |
///
/// (1) If no chunk before it is kept, the chunk is left out of the replay instead;
/// when the chunks after it prove it superseded (their state has a purge point at or
/// past every entry its readable part shows, a vote and purge point no older than
/// its own, and no entry is missing), it is quarantined and removed, otherwise open
/// refuses with that error.
///
/// After the table: the last kept chunk's bytes that no batch proves durable are
/// written again and synced (a page cache may show bytes a failed `sync_data`
/// dropped), and closed chunks whose entries are all purged are removed.
///
/// A read that fails is tried [`crate::READ_ATTEMPTS_MAX`] times; bytes that stay
/// unreadable are damage like any other, and are written to the quarantine as zeros
/// (counted in [`Dropped::unreadable_bytes`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Byte ranges dropped from the log and copied to the quarantine, in chunk order.
    pub dropped: Vec<Dropped>,
    /// Chunk files removed because they held no log data (empty, zeros, or only a
    /// header): a crash at a chunk switch leaves one.
    pub blank_files_removed: Vec<String>,
    /// Bytes cut that were proven not part of the log (zeros, bytes past a closed
    /// chunk's end), the zeros after each dropped range's last non-zero byte included
    /// (the quarantine copy leaves them out): with [`Dropped::size_bytes`], every byte
    /// an open removes from the chunk files it keeps or quarantines whole.
    pub garbage_cut_bytes: u64,
    /// What open decided for each chunk file, in order: the row of the table above.
    pub decisions: Vec<ChunkDecision>,
    /// The actions were carried out. `false` for a read-only open
    /// ([`crate::RaftLog::open_read_only`]): nothing was moved, cut or removed, and
    /// `dropped` lists what an open would drop (with an empty `quarantine_file`).
    pub applied: bool,
}

/// What open decided for one chunk file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkDecision {
    /// The chunk file.
    pub chunk: String,
    /// Its length in bytes when it was scanned.
    pub len_bytes: u64,
    /// Where its valid batches end (0 if its header is not valid).
    pub valid_end: u64,
    /// Records in its valid batches.
    pub records: u64,
    /// What the scan found, in words (for tools and logs; not a stable format).
    pub finding: String,
    /// What open does with it.
    pub action: ChunkAction,
}

/// The action of a [`ChunkDecision`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkAction {
    /// Kept as it is.
    Keep,
    /// Cut to `to`: the bytes after are proven not part of the log.
    CutGarbage {
        /// The new length.
        to: u64,
    },
    /// The bytes from `from` are moved to the quarantine, then cut.
    QuarantineTail {
        /// Offset of the first dropped byte.
        from: u64,
        /// What is wrong there.
        damage: DamageKind,
    },
    /// The whole file is moved to the quarantine and removed (including a damaged
    /// leading chunk whose entries the later chunks prove all purged).
    QuarantineFile {
        /// What is wrong with it.
        damage: DamageKind,
    },
    /// Removed: it holds no log data.
    RemoveBlank,
}

impl RecoveryReport {
    /// Bytes copied to the quarantine by this open.
    pub fn quarantined_bytes(&self) -> u64 {
        self.dropped.iter().map(|d| d.size_bytes).sum()
    }

    /// Nothing was dropped (garbage may have been cut or removed).
    pub fn dropped_nothing(&self) -> bool {
        self.dropped.is_empty()
    }
}

/// One byte range dropped from the log at open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// The chunk file it was cut from (or that was removed whole).
    pub chunk: String,
    /// Offset within that file of the first dropped byte.
    pub offset: u64,
    /// Bytes copied to the quarantine (trailing zeros are not copied: they count in
    /// [`RecoveryReport::garbage_cut_bytes`]).
    pub size_bytes: u64,
    /// What was wrong at `offset`.
    pub damage: DamageKind,
    /// The quarantine file in the log directory that holds the bytes
    /// `[offset, offset + size_bytes)` of `chunk` as they were.
    pub quarantine_file: String,
    /// Bytes of the range that could not be read (written as zeros in the copy).
    pub unreadable_bytes: u64,
    /// The last entry index the log kept. Entries after it, a vote, a commit or user
    /// data that lay in the dropped bytes are not in the log: they were never
    /// acknowledged, unless the damage is the undecidable case (rot inside the very
    /// last synced write looks exactly like a torn write).
    pub last_index_kept: Option<u64>,
}

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "dropped {} bytes of {} from offset {} ({}), moved to {}",
            self.size_bytes, self.chunk, self.offset, self.damage, self.quarantine_file
        )?;
        if self.unreadable_bytes > 0 {
            write!(f, ", {} bytes unreadable", self.unreadable_bytes)?;
        }
        match self.last_index_kept {
            Some(index) => write!(f, "; the log keeps entries up to index {index}"),
            None => write!(f, "; the log keeps no entry"),
        }
    }
}

const QUARANTINE_PREFIX: &str = "quarantine.";

/// The name of a quarantine file: `quarantine.{chunk_id:020}.{offset:020}.{seq}`. It
/// holds the bytes from `offset_bytes` of chunk file `chunk_id` as they were when an
/// open dropped them; `seq` tells apart several drops at the same place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct QuarantineFile {
    /// The chunk the bytes came from.
    pub chunk_id: u64,
    /// Offset within the chunk file of the first byte.
    pub offset_bytes: u64,
    /// Tells apart drops at the same place (0, 1, ...).
    pub seq: u32,
}

impl QuarantineFile {
    /// The file name.
    pub fn name(&self) -> String {
        format!(
            "{QUARANTINE_PREFIX}{:020}.{:020}.{}",
            self.chunk_id, self.offset_bytes, self.seq
        )
    }

    /// Parses a quarantine file name; `None` for any other name.
    pub fn parse(name: &str) -> Option<Self> {
        let rest = name.strip_prefix(QUARANTINE_PREFIX)?;
        let mut parts = rest.split('.');
        let chunk_id = parse_digits(parts.next()?, 20)?;
        let offset_bytes = parse_digits(parts.next()?, 20)?;
        let seq = parts.next()?;
        if parts.next().is_some() || seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Self {
            chunk_id,
            offset_bytes,
            seq: seq.parse().ok()?,
        })
    }
}

fn parse_digits(s: &str, digits: usize) -> Option<u64> {
    (s.len() == digits && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarantine_names_round_trip_and_reject_others() {
        let q = QuarantineFile {
            chunk_id: 4096,
            offset_bytes: 77,
            seq: 3,
        };
        assert_eq!(QuarantineFile::parse(&q.name()), Some(q));
        for other in [
            "LOCK",
            "00000000000000000000.wal",
            "quarantine.1.2.3",
            "quarantine.00000000000000000000.00000000000000000000.",
            "quarantine.00000000000000000000.00000000000000000000.1.x",
        ] {
            assert_eq!(QuarantineFile::parse(other), None, "{other}");
        }
    }
}
