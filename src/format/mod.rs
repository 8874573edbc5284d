//! The on-disk format.
//!
//! A log is a sequence of chunk files laid end to end in one global offset space; a
//! chunk's id is the global offset of its first byte, and its file name is that offset
//! in 20 decimal digits (so names sort by offset):
//!
//! ```text
//! chunk file  = chunk header (24 B) , batch*
//! batch       = batch header (24 B) , record*        -- the records of one flush
//! record      = len u32 , crc u32 , kind u8 , body   -- len counts kind + body
//! ```
//!
//! Header and frame integers are little-endian; record bodies use the [`crate::Codec`]
//! encoding (varint integers). A record's `crc` covers its `len`, `kind` and body; a
//! batch's payload checksum is the CRC32 of its records' `crc` fields in order, so
//! writing hashes each byte once (the flush worker's cost per byte is what limits a
//! bulk load) and the open checks each record's own checksum.
//!
//! Every chunk starts with a full state record, so a chunk can be replayed without the
//! chunks before it once those are purged.
//!
//! Telling a torn tail from rot: each batch header carries `durable_offset`, the global
//! offset up to which the log was known durable (a `sync_data` had returned) when the
//! batch was written. A damaged batch at offset `x` followed by a valid batch whose
//! `durable_offset > x` was damaged after it had been synced: that is rot, reported as
//! corruption. Otherwise the damage is a torn tail of writes that were never
//! acknowledged: open moves it to the quarantine and cuts it (see
//! [`crate::RecoveryReport`]).

mod batch;
mod checksums;
mod chunk;
mod damage;
mod record;

pub(crate) use batch::{BatchHeader, BATCH_HEADER_SIZE};
pub(crate) use checksums::Checksums;
pub(crate) use chunk::{
    check_chunk_header, chunk_file_name, encode_chunk_header, format_version,
    parse_chunk_file_name, HeaderProblem, CHUNK_HEADER_SIZE,
};
pub use damage::DamageKind;
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) use record::seal_records;
pub use record::RECORD_SIZE_MAX_BYTES;
pub(crate) use record::{
    begin_record, decode_record, encode_state, finish_record, verify_record_frame, verify_records,
    Record, RecordKind,
};
