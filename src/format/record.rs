//! Records: the unit of change, framed with a length and a CRC32.
//!
//! ```text
//! len u32 , crc u32 , kind u8 , body        -- len = 1 + body length
//! ```
//! `crc` covers `len`, `kind` and `body`.

use crate::codec::{Codec, DecodeError};
use crate::types::{RaftLogState, Types};

/// Size of a record's frame header (len + crc) in bytes.
pub(crate) const RECORD_HEADER_SIZE: usize = 8;

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

/// Completes the record that starts at `start` and runs to the end of `out`; returns
/// its size in bytes.
#[inline]
pub(crate) fn finish_record(out: &mut [u8], start: usize) -> usize {
    let size = out.len() - start;
    let len = (size - RECORD_HEADER_SIZE) as u32;
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&out[start..start + 4]);
    hasher.update(&out[start + RECORD_HEADER_SIZE..]);
    let crc = hasher.finalize();
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    size
}

/// Checks the frame at the start of `bytes`; returns the frame's total size and its
/// kind + body. With `check_crc` false the checksum is not verified (mutant only).
pub(crate) fn verify_record_frame(bytes: &[u8], check_crc: bool) -> Result<(usize, &[u8]), String> {
    if bytes.len() < RECORD_HEADER_SIZE + 1 {
        return Err("record frame cut short".to_string());
    }
    let len = u32::from_le_bytes(bytes[0..4].try_into().expect("4 bytes")) as usize;
    let crc = u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes"));
    if len == 0 || len > bytes.len() - RECORD_HEADER_SIZE {
        return Err(format!("record length {len} out of bounds"));
    }
    let content = &bytes[RECORD_HEADER_SIZE..RECORD_HEADER_SIZE + len];
    if check_crc {
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&bytes[0..4]);
        hasher.update(content);
        if hasher.finalize() != crc {
            return Err("record checksum mismatch".to_string());
        }
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

/// Decodes a record's kind + body (as returned by [`verify_record_frame`]). The
/// payload of an append is decoded only if `with_payload`.
pub(crate) fn decode_record<T: Types>(
    content: &[u8],
    with_payload: bool,
) -> Result<Record<T>, String> {
    let (&kind_byte, mut body) = content.split_first().ok_or("empty record")?;
    let kind = RecordKind::from_byte(kind_byte)
        .ok_or_else(|| format!("unknown record kind {kind_byte}"))?;
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
    let record = decoded.map_err(|e| format!("{kind:?} record: {e}"))?;
    if !input.is_empty() {
        return Err(format!("{kind:?} record: {} trailing bytes", input.len()));
    }
    Ok(record)
}
