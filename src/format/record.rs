//! Records: the unit of change, framed with a length and a CRC32.
//!
//! ```text
//! len u32 , crc u32 , kind u8 , body        -- len = 1 + body length
//! ```
//! `crc` covers `len`, `kind` and `body`.

use super::checksums::Checksums;
use super::damage::DamageKind;
use crate::codec::{Codec, DecodeError};
use crate::types::{RaftLogState, Types};

/// Size of a record's frame header (len + crc) in bytes.
pub(crate) const RECORD_HEADER_SIZE: usize = 8;

/// The largest record the log writes, header included (2 GiB): an entry, a vote or
/// user data larger than this once encoded is refused with
/// [`crate::Error::RecordTooLarge`]. With [`crate::Config::batch_max_bytes`] at most
/// [`crate::BATCH_MAX_BYTES_MAX`], every batch's length fits its 32-bit field.
pub const RECORD_SIZE_MAX_BYTES: u64 = 1 << 31;

/// The kind byte of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum RecordKind {
    State = 1,
    Vote = 2,
    Append = 3,
    Commit = 4,
    Truncate = 5,
    Purge = 6,
    UserData = 7,
}

impl RecordKind {
    /// What a record of this kind holds, in words ([`crate::Error::RecordTooLarge`]).
    pub(crate) fn what(self) -> &'static str {
        match self {
            Self::State => "state",
            Self::Vote => "vote",
            Self::Append => "log entry",
            Self::Commit => "commit",
            Self::Truncate => "truncate",
            Self::Purge => "purge",
            Self::UserData => "user data",
        }
    }

    fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            1 => Self::State,
            2 => Self::Vote,
            3 => Self::Append,
            4 => Self::Commit,
            5 => Self::Truncate,
            6 => Self::Purge,
            7 => Self::UserData,
            _ => return None,
        })
    }
}

/// A decoded record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Record<T: Types> {
    /// The full state; the first record of every chunk, and `update_state`.
    State(RaftLogState<T>),
    /// `save_vote`.
    Vote(T::Vote),
    /// One appended entry; the payload is decoded only when asked for.
    Append(T::LogId, Option<T::LogPayload>),
    /// `commit`.
    Commit(T::LogId),
    /// `truncate(index)`; `new_last` is the last log id after it.
    Truncate {
        index: u64,
        new_last: Option<T::LogId>,
    },
    /// `purge(upto)`.
    Purge(T::LogId),
    /// `save_user_data`.
    UserData(Option<T::UserData>),
}

/// Starts a record of `kind` at the end of `out`; append the body, then call
/// [`finish_record`] with the returned start.
#[inline]
pub(crate) fn begin_record(out: &mut Vec<u8>, kind: RecordKind) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0u8; RECORD_HEADER_SIZE]);
    out.push(kind as u8);
    start
}

/// Completes the length of the record that starts at `start` and runs to the end of
/// `out`; returns its size in bytes. The checksum stays zero until [`seal_records`]
/// (the flush worker's job, off the caller's thread).
#[inline]
pub(crate) fn finish_record(out: &mut [u8], start: usize) -> usize {
    let size = out.len() - start;
    let len = (size - RECORD_HEADER_SIZE) as u32;
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    size
}

/// Fills in the checksum of every record framed in `payload` (records laid end to
/// end, lengths complete, as [`finish_record`] leaves them) and returns the batch
/// checksum: the CRC32 of the record checksums in order. Each byte is hashed once.
pub(crate) fn seal_records(payload: &mut [u8]) -> u32 {
    let mut batch = crc32fast::Hasher::new();
    let mut at = 0;
    while at < payload.len() {
        let frame = &mut payload[at..];
        let len = u32::from_le_bytes(frame[0..4].try_into().expect("4 bytes")) as usize;
        debug_assert!(
            len >= 1 && RECORD_HEADER_SIZE + len <= frame.len(),
            "a framed record"
        );
        let crc = record_crc(
            &frame[0..4],
            &frame[RECORD_HEADER_SIZE..RECORD_HEADER_SIZE + len],
        );
        frame[4..8].copy_from_slice(&crc.to_le_bytes());
        batch.update(&frame[4..8]);
        at += RECORD_HEADER_SIZE + len;
    }
    debug_assert_eq!(at, payload.len(), "records fill the payload exactly");
    batch.finalize()
}

/// Checks every record frame of a batch payload (its checksum too, if `checksums` are
/// verified)
/// and returns each record's (offset in `payload`, size) and the batch checksum
/// computed from the stored record checksums (see [`seal_records`]).
pub(crate) fn verify_records(
    payload: &[u8],
    checksums: Checksums,
    records: &mut Vec<(usize, usize)>,
) -> Result<u32, DamageKind> {
    let mut batch = crc32fast::Hasher::new();
    records.clear();
    let mut at = 0;
    while at < payload.len() {
        let (size, _) = verify_record_frame(&payload[at..], checksums)?;
        batch.update(&payload[at + 4..at + 8]);
        records.push((at, size));
        at += size;
    }
    debug_assert_eq!(at, payload.len());
    Ok(batch.finalize())
}

/// The checksum of a record: its length field, then its kind and body.
fn record_crc(len_field: &[u8], content: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(len_field);
    hasher.update(content);
    hasher.finalize()
}

/// Checks the frame at the start of `bytes`; returns the frame's total size and its
/// kind + body. With [`Checksums::Skip`] the checksum is not verified.
pub(crate) fn verify_record_frame(
    bytes: &[u8],
    checksums: Checksums,
) -> Result<(usize, &[u8]), DamageKind> {
    if bytes.len() < RECORD_HEADER_SIZE + 1 {
        return Err(DamageKind::RecordFrame);
    }
    let len = u32::from_le_bytes(bytes[0..4].try_into().expect("4 bytes")) as usize;
    let crc = u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes"));
    if len == 0 || len > bytes.len() - RECORD_HEADER_SIZE {
        return Err(DamageKind::RecordFrame);
    }
    let content = &bytes[RECORD_HEADER_SIZE..RECORD_HEADER_SIZE + len];
    if checksums.verified() && record_crc(&bytes[0..4], content) != crc {
        return Err(DamageKind::RecordChecksum);
    }
    Ok((RECORD_HEADER_SIZE + len, content))
}

fn decode_state<T: Types>(input: &mut &[u8]) -> Result<RaftLogState<T>, DecodeError> {
    Ok(RaftLogState {
        vote: Codec::decode(input)?,
        last: Codec::decode(input)?,
        committed: Codec::decode(input)?,
        purged: Codec::decode(input)?,
        user_data: Codec::decode(input)?,
    })
}

/// Appends the body of a state record.
pub(crate) fn encode_state<T: Types>(state: &RaftLogState<T>, out: &mut Vec<u8>) {
    state.vote.encode(out);
    state.last.encode(out);
    state.committed.encode(out);
    state.purged.encode(out);
    state.user_data.encode(out);
}

/// Why a record whose frame (length and checksum) is valid does not decode: a record
/// its writer could not have written, which the open refuses rather than drops.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RecordDecodeError {
    /// The record has no kind byte.
    #[error("empty record")]
    Empty,
    /// The kind byte names no record kind.
    #[error("unknown record kind {0}")]
    UnknownKind(u8),
    /// The body does not decode as the kind's fields.
    #[error("{kind:?} record: {error}")]
    Body {
        /// The record's kind.
        kind: RecordKind,
        /// What the codec found.
        error: DecodeError,
    },
    /// The body holds bytes after the kind's fields.
    #[error("{kind:?} record: {count} trailing bytes")]
    TrailingBytes {
        /// The record's kind.
        kind: RecordKind,
        /// How many.
        count: usize,
    },
}

/// Decodes a record's kind + body (as returned by [`verify_record_frame`]). The
/// payload of an append is decoded only if `with_payload`.
pub(crate) fn decode_record<T: Types>(
    content: &[u8],
    with_payload: bool,
) -> Result<Record<T>, RecordDecodeError> {
    let (&kind_byte, mut body) = content.split_first().ok_or(RecordDecodeError::Empty)?;
    let kind = RecordKind::from_byte(kind_byte).ok_or(RecordDecodeError::UnknownKind(kind_byte))?;
    let input = &mut body;
    let decoded: Result<Record<T>, DecodeError> = (|| {
        Ok(match kind {
            RecordKind::State => Record::State(decode_state::<T>(input)?),
            RecordKind::Vote => Record::Vote(Codec::decode(input)?),
            RecordKind::Append => {
                let log_id = Codec::decode(input)?;
                if with_payload {
                    Record::Append(log_id, Some(Codec::decode(input)?))
                } else {
                    *input = &[];
                    Record::Append(log_id, None)
                }
            }
            RecordKind::Commit => Record::Commit(Codec::decode(input)?),
            RecordKind::Truncate => Record::Truncate {
                index: Codec::decode(input)?,
                new_last: Codec::decode(input)?,
            },
            RecordKind::Purge => Record::Purge(Codec::decode(input)?),
            RecordKind::UserData => Record::UserData(Codec::decode(input)?),
        })
    })();
    let record = decoded.map_err(|error| RecordDecodeError::Body { kind, error })?;
    if !input.is_empty() {
        return Err(RecordDecodeError::TrailingBytes {
            kind,
            count: input.len(),
        });
    }
    Ok(record)
}
