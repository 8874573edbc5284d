//! The `record` target: the framing and decoding of one record, a batch header and a
//! chunk header, from arbitrary bytes, and the round trip of whatever decodes.
//!
//! Input layout: `mode u8`, then the bytes under test. `mode % 4` picks what they are:
//! ```text
//! 0  a record's kind + body          (decode_record; bit 2 of mode: with payload)
//! 1  record frames laid end to end   (verify_record_frame, verify_records; bit 2: crc)
//! 2  at u64, a batch header + payload (BatchHeader::parse at global offset `at`)
//! 3  id u64, a chunk header          (check_chunk_header for chunk `id`)
//! ```

use super::FuzzTypes;
use crate::codec::Codec;
use crate::format::{
    check_chunk_header, decode_record, encode_chunk_header, encode_state, finish_record,
    seal_records, verify_record_frame, verify_records, BatchHeader, Checksums, Record, RecordKind,
    BATCH_HEADER_SIZE, CHUNK_HEADER_SIZE,
};

/// The target: see the module documentation for the input layout.
pub fn record(data: &[u8]) {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let flag = mode & 0b100 != 0;
    match mode % 4 {
        0 => record_content(bytes, flag),
        1 => record_frames(
            bytes,
            if flag {
                Checksums::Verify
            } else {
                Checksums::Skip
            },
        ),
        2 => batch(bytes),
        _ => chunk_header(bytes),
    }
}

/// The kind byte and body of `record`, as the log writes it.
pub(crate) fn encode_record_content(record: &Record<FuzzTypes>) -> Vec<u8> {
    let mut out = Vec::new();
    let kind = match record {
        Record::State(_) => RecordKind::State,
        Record::Vote(_) => RecordKind::Vote,
        Record::Append(..) => RecordKind::Append,
        Record::Commit(_) => RecordKind::Commit,
        Record::Truncate { .. } => RecordKind::Truncate,
        Record::Purge(_) => RecordKind::Purge,
        Record::UserData(_) => RecordKind::UserData,
    };
    out.push(kind as u8);
    match record {
        Record::State(state) => encode_state(state, &mut out),
        Record::Vote(vote) => vote.encode(&mut out),
        Record::Append(log_id, payload) => {
            log_id.encode(&mut out);
            if let Some(payload) = payload {
                payload.encode(&mut out);
            }
        }
        Record::Commit(log_id) | Record::Purge(log_id) => log_id.encode(&mut out),
        Record::Truncate { index, new_last } => {
            index.encode(&mut out);
            new_last.encode(&mut out);
        }
        Record::UserData(user_data) => user_data.encode(&mut out),
    }
    out
}

/// Frames `content` (a kind byte and a body) as the log does and seals it; returns the
/// frame and the batch checksum.
fn frame(content: &[u8]) -> (Vec<u8>, u32) {
    let mut out = vec![0u8; 8];
    out.extend_from_slice(content);
    finish_record(&mut out, 0);
    let batch_crc = seal_records(&mut out);
    (out, batch_crc)
}

fn record_content(content: &[u8], with_payload: bool) {
    let Ok(record) = decode_record::<FuzzTypes>(content, with_payload) else {
        return;
    };
    let encoded = encode_record_content(&record);
    match &record {
        // Without its payload an append re-encodes to its kind and log id only.
        Record::Append(_, None) => {
            assert!(!with_payload);
            assert!(content.starts_with(&encoded), "{record:?}: {encoded:?}");
        }
        // The encoding is canonical: what decodes re-encodes to the same bytes.
        _ => assert_eq!(encoded, content, "{record:?} re-encodes differently"),
    }
    let again = decode_record::<FuzzTypes>(&encoded, with_payload)
        .unwrap_or_else(|e| panic!("{record:?} re-encoded does not decode: {e}"));
    assert_eq!(again, record);

    // Framed and sealed as the log writes it, the record verifies and reads back.
    let (framed, batch_crc) = frame(content);
    let (size, back) = verify_record_frame(&framed, Checksums::Verify)
        .unwrap_or_else(|e| panic!("a sealed frame does not verify: {e}"));
    assert_eq!((size, back), (framed.len(), content));
    let mut records = Vec::new();
    let crc = verify_records(&framed, Checksums::Verify, &mut records)
        .expect("a sealed payload verifies");
    assert_eq!(crc, batch_crc);
    assert_eq!(records, [(0, framed.len())]);
}

fn record_frames(bytes: &[u8], checksums: Checksums) {
    if let Ok((size, content)) = verify_record_frame(bytes, checksums) {
        assert!(
            size <= bytes.len() && size > 8,
            "frame size {size} of {}",
            bytes.len()
        );
        assert_eq!(content, &bytes[8..size]);
        if checksums.verified() {
            // A frame whose checksum verifies is exactly the frame the log would write.
            assert_eq!(frame(content).0, &bytes[..size]);
        }
    }
    let mut records = Vec::new();
    if verify_records(bytes, checksums, &mut records).is_ok() {
        let mut at = 0;
        for &(offset, size) in &records {
            assert_eq!(offset, at, "records are laid end to end");
            let (frame_size, _) = verify_record_frame(&bytes[at..], checksums)
                .unwrap_or_else(|e| panic!("record at {at} was verified, now {e}"));
            assert_eq!(frame_size, size);
            at += size;
        }
        assert_eq!(at, bytes.len(), "the records fill the payload");
    }
}

fn batch(bytes: &[u8]) {
    if bytes.len() < 8 {
        return;
    }
    let (at, bytes) = bytes.split_at(8);
    let at = u64::from_le_bytes(at.try_into().expect("8 bytes"));
    let Some(header) = BatchHeader::parse(bytes, at) else {
        return;
    };
    assert!(header.durable_offset <= at);
    let mut encoded = [0u8; BATCH_HEADER_SIZE];
    header.encode(&mut encoded, at);
    assert_eq!(
        &encoded[..],
        &bytes[..BATCH_HEADER_SIZE],
        "a parsed header re-encodes"
    );
    assert_eq!(BatchHeader::parse(&encoded, at.wrapping_add(1)), None);

    let payload = &bytes[BATCH_HEADER_SIZE..];
    let Some(payload) = payload.get(..header.payload_len as usize) else {
        return;
    };
    let mut records = Vec::new();
    let Ok(crc) = verify_records(payload, Checksums::Verify, &mut records) else {
        return;
    };
    if crc != header.payload_crc {
        return;
    }
    // A whole valid batch: its records decode (or fail) without panicking, and a batch
    // rebuilt from them by `seal` is byte for byte the same.
    let mut rebuilt = vec![0u8; BATCH_HEADER_SIZE];
    BatchHeader::encode_payload_len(&mut rebuilt, header.payload_len);
    for &(offset, size) in &records {
        let content = &payload[offset + 8..offset + size];
        let _ = decode_record::<FuzzTypes>(content, true);
        let start = rebuilt.len();
        rebuilt.extend_from_slice(&[0u8; 8]);
        rebuilt.extend_from_slice(content);
        finish_record(&mut rebuilt, start);
    }
    BatchHeader::seal(&mut rebuilt, at, header.durable_offset);
    assert_eq!(
        &rebuilt[..],
        &bytes[..BATCH_HEADER_SIZE + payload.len()],
        "a resealed batch"
    );
}

fn chunk_header(bytes: &[u8]) {
    if bytes.len() < 8 {
        return;
    }
    let (id, bytes) = bytes.split_at(8);
    let id = u64::from_le_bytes(id.try_into().expect("8 bytes"));
    if check_chunk_header(bytes, id).is_ok() {
        let mut encoded = Vec::new();
        encode_chunk_header(&mut encoded, id);
        assert_eq!(&encoded[..], &bytes[..CHUNK_HEADER_SIZE]);
    }
}
