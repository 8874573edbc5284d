//! Scanning a chunk file: its valid batches, its records, and where and how it is
//! damaged.

use super::batch::{BatchHeader, BATCH_HEADER_SIZE};
use super::chunk::{check_chunk_header, CHUNK_HEADER_SIZE};
use super::record::verify_records;

/// Damage found in a chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Damage {
    /// Offset within the file of the first damaged byte (a batch or the header start).
    pub offset: u64,
    /// What is wrong there.
    pub reason: String,
    /// A later valid batch proves the damaged bytes had been synced: rot, not a torn
    /// tail.
    pub proven_synced: bool,
}

/// The result of scanning one chunk file.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChunkScan {
    /// Every valid batch: (offset within the file, header).
    pub batches: Vec<(u64, BatchHeader)>,
    /// Every record in the valid batches: (offset within the file, frame size).
    pub records: Vec<(u64, u64)>,
    /// The bytes `[0, valid_end)` are the header and whole valid batches.
    pub valid_end: u64,
    /// The first damage, if the file does not end at `valid_end` or in zeros after it.
    pub damage: Option<Damage>,
    /// The bytes `[valid_end, file end)` are all zeros and there is at least one:
    /// space reserved ahead of the writes (or writes that never reached the disk).
    /// Unused space in the last chunk; missing batches in a closed one.
    pub zero_tail: bool,
}

/// Scans `bytes`, the content of chunk `chunk_id`. With `check_crc` false, payload
/// checksums are not verified (mutant only).
pub(crate) fn scan_chunk(bytes: &[u8], chunk_id: u64, check_crc: bool) -> ChunkScan {
    let mut scan = ChunkScan::default();
    if let Err(reason) = check_chunk_header(bytes, chunk_id) {
        scan.damage = Some(damage_at(bytes, chunk_id, 0, reason));
        return scan;
    }
    let mut pos = CHUNK_HEADER_SIZE;
    scan.valid_end = pos as u64;
    while pos < bytes.len() {
        match parse_batch(bytes, chunk_id, pos, check_crc) {
            Ok((header, records)) => {
                scan.batches.push((pos as u64, header));
                scan.records.extend(records);
                pos += BATCH_HEADER_SIZE + header.payload_len as usize;
                scan.valid_end = pos as u64;
            }
            Err(_) if bytes[pos..].iter().all(|&b| b == 0) => {
                scan.zero_tail = true;
                break;
            }
            Err(reason) => {
                scan.damage = Some(damage_at(bytes, chunk_id, pos, reason));
                break;
            }
        }
    }
    scan
}

type Records = Vec<(u64, u64)>;

/// Parses the batch at `pos`: header, payload checksum and record frames.
fn parse_batch(
    bytes: &[u8],
    chunk_id: u64,
    pos: usize,
    check_crc: bool,
) -> Result<(BatchHeader, Records), String> {
    let global = chunk_id + pos as u64;
    let header = BatchHeader::parse(&bytes[pos..], global)
        .ok_or_else(|| "invalid batch header".to_string())?;
    let start = pos + BATCH_HEADER_SIZE;
    let end = start
        .checked_add(header.payload_len as usize)
        .filter(|&end| end <= bytes.len())
        .ok_or_else(|| {
            format!(
                "batch of {} bytes runs past the end of the file",
                header.payload_len
            )
        })?;
    let (records, payload_crc) = verify_records(&bytes[start..end], check_crc)?;
    if check_crc && payload_crc != header.payload_crc {
        return Err("batch checksum mismatch".to_string());
    }
    let records = records
        .into_iter()
        .map(|(at, size)| ((start + at) as u64, size as u64))
        .collect();
    Ok((header, records))
}

/// Describes damage at `pos` and decides whether it is proven synced: some later
/// position holds a valid batch whose `durable_offset` lies past the damaged offset.
fn damage_at(bytes: &[u8], chunk_id: u64, pos: usize, reason: String) -> Damage {
    let damaged_global = chunk_id + pos as u64;
    let mut proven_synced = false;
    let mut probe = pos + 1;
    while probe + BATCH_HEADER_SIZE <= bytes.len() {
        if BatchHeader::has_magic(&bytes[probe..]) {
            let global = chunk_id + probe as u64;
            if let Some(header) = BatchHeader::parse(&bytes[probe..], global) {
                let start = probe + BATCH_HEADER_SIZE;
                let payload_ok = start
                    .checked_add(header.payload_len as usize)
                    .filter(|&end| end <= bytes.len())
                    .and_then(|end| verify_records(&bytes[start..end], true).ok())
                    .is_some_and(|(_, crc)| crc == header.payload_crc);
                if payload_ok && header.durable_offset > damaged_global {
                    proven_synced = true;
                    break;
                }
            }
        }
        probe += 1;
    }
    Damage {
        offset: pos as u64,
        reason,
        proven_synced,
    }
}
