//! Forged chunks (every checksum right) holding records no log writes, run through
//! the `open` target: each must be a typed refusal, never a panic nor an open that
//! panics later. Each was once accepted (see `log::core`'s replay checks).

use super::{open, FuzzTypes};
use crate::codec::Codec;
use crate::error::ErrorKind;
use crate::format::{self, BatchHeader, RecordKind, BATCH_HEADER_SIZE};
use crate::log::RaftLog;
use crate::storage::{MemStorage, Storage};
use crate::types::RaftLogState;
use std::sync::Arc;

/// Chunk file 0 holding one batch of `records` (kind, body).
fn chunk(records: &[(RecordKind, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    format::encode_chunk_header(&mut out, 0);
    let header_pos = out.len();
    out.extend_from_slice(&[0; BATCH_HEADER_SIZE]);
    for (kind, body) in records {
        let start = format::begin_record(&mut out, *kind);
        out.extend_from_slice(body);
        format::finish_record(&mut out, start);
    }
    let payload_len = (out.len() - header_pos - BATCH_HEADER_SIZE) as u32;
    BatchHeader::encode_payload_len(&mut out[header_pos..], payload_len);
    BatchHeader::seal(&mut out[header_pos..], header_pos as u64, 0);
    out
}

fn state(last: Option<(u64, u64)>, purged: Option<(u64, u64)>) -> (RecordKind, Vec<u8>) {
    let mut body = Vec::new();
    let state = RaftLogState::<FuzzTypes> {
        last,
        purged,
        ..RaftLogState::default()
    };
    format::encode_state(&state, &mut body);
    (RecordKind::State, body)
}

fn truncate(index: u64, new_last: Option<(u64, u64)>) -> (RecordKind, Vec<u8>) {
    let mut body = Vec::new();
    index.encode(&mut body);
    new_last.encode(&mut body);
    (RecordKind::Truncate, body)
}

/// The open refuses `file` as corrupt, and the fuzz target finds nothing.
fn refused(file: Vec<u8>) {
    let mem = MemStorage::new();
    mem.set_file_bytes(&format::chunk_file_name(0), file.clone());
    let storage: Arc<dyn Storage> = Arc::new(mem);
    let opened = RaftLog::<FuzzTypes>::open_with(storage, super::open::fuzz_config());
    let err = opened.expect_err("a forged chunk is refused");
    assert_eq!(err.kind(), ErrorKind::Corrupt, "{err}");
    open(&super::open::encode_open_input(&[(0, file)]).expect("one file"));
}

#[test]
fn a_state_purged_past_its_last_entry_is_refused() {
    refused(chunk(&[state(Some((1, 5)), Some((1, 10)))]));
    refused(chunk(&[state(None, Some((1, 10)))]));
}

#[test]
fn a_state_whose_last_index_leaves_no_next_is_refused() {
    refused(chunk(&[state(Some((1, u64::MAX)), None)]));
}

#[test]
fn a_truncate_naming_a_made_up_last_entry_is_refused() {
    refused(chunk(&[
        state(Some((1, 5)), None),
        truncate(0, Some((1, 100))),
    ]));
}
