//! [`DamageKind`]: what is wrong with bytes that should be part of the log.

use std::fmt;

/// What is wrong at a place in a chunk file. Recovery ([`crate::RecoveryReport`]) and
/// [`crate::Error::Corrupt`] name one of these; the recovery table in the crate
/// documentation says what `open` does with each, depending on where it lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DamageKind {
    /// The file is shorter than a chunk header (24 bytes) and not all zeros.
    HeaderCutShort,
    /// The chunk header's checksum does not match.
    HeaderChecksum,
    /// The chunk header has a valid checksum but is not a raftwal chunk header.
    HeaderForeign,
    /// A batch header is invalid (torn, garbage, or written for another offset).
    BatchHeader,
    /// A batch's payload runs past the end of the file.
    BatchCutShort,
    /// A batch's checksum (over its records' checksums) does not match.
    BatchChecksum,
    /// A record frame inside a batch is cut short or its length is out of bounds.
    RecordFrame,
    /// A record's checksum does not match.
    RecordChecksum,
    /// A record in a valid batch does not decode, or breaks a rule of the log when
    /// replayed after the records before it (for example a chunk of another log).
    InvalidRecord,
    /// A chunk's first record is not the full state record every chunk starts with.
    MissingStateRecord,
    /// Zeros where a closed chunk had batches (a later chunk exists).
    Zeros,
    /// A closed chunk ends before the next chunk starts.
    CutShort,
    /// A sector that stayed unreadable after the read was retried.
    Unreadable,
    /// Entries the replayed chunks need are in no chunk file (a chunk file was lost).
    MissingEntries,
}

impl DamageKind {
    /// A short description, as used in error messages and reports.
    pub fn describe(self) -> &'static str {
        match self {
            DamageKind::HeaderCutShort => "chunk header cut short",
            DamageKind::HeaderChecksum => "chunk header checksum mismatch",
            DamageKind::HeaderForeign => "not a raftwal chunk header",
            DamageKind::BatchHeader => "invalid batch header",
            DamageKind::BatchCutShort => "batch runs past the end of the file",
            DamageKind::BatchChecksum => "batch checksum mismatch",
            DamageKind::RecordFrame => "record frame out of bounds",
            DamageKind::RecordChecksum => "record checksum mismatch",
            DamageKind::InvalidRecord => "record does not follow the log",
            DamageKind::MissingStateRecord => "chunk does not start with a state record",
            DamageKind::Zeros => "zeros where batches were",
            DamageKind::CutShort => "chunk ends before the next chunk starts",
            DamageKind::Unreadable => "unreadable sector",
            DamageKind::MissingEntries => "entries missing",
        }
    }
}

impl fmt::Display for DamageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}
