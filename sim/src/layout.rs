//! The simulator's own reading of the on-disk format, written from the format's
//! documentation (`src/format/mod.rs`), not from the engine's code: file names, the
//! chunk header, batch and record frames. The fault injector uses it to aim faults at
//! headers and frame fields; the oracle uses it to tell data that a later batch proves
//! synced from an unproven tail.
//!
//! ```text
//! chunk file  = chunk header (24 B) , batch*
//! chunk header = magic "RAFTWAL\0" , version u32 , chunk id u64 , crc32 of bytes 0..20
//! batch       = batch header (24 B) , record*
//! batch header = magic u32 , payload_len u32 , durable_offset u64 , payload_crc u32 ,
//!                header_crc u32 (crc32 of bytes 0..20 then the batch's global offset)
//! record      = len u32 , crc u32 , kind u8 , body    -- len counts kind + body;
//!               crc covers len, kind, body; payload_crc = crc32 of the record crcs
//! ```

use std::ops::Range;

/// Bytes of the chunk header.
pub const CHUNK_HEADER_BYTES: u64 = 24;
/// Bytes of a batch header.
pub const BATCH_HEADER_BYTES: u64 = 24;
/// Bytes of a record frame's header (len, crc).
pub const RECORD_HEADER_BYTES: u64 = 8;
/// The chunk header's magic.
pub const CHUNK_MAGIC: [u8; 8] = *b"RAFTWAL\0";
/// The format version the engine writes.
pub const FORMAT_VERSION: u32 = 2;
const BATCH_MAGIC: u32 = 0x3142_5752;
const CHUNK_SUFFIX: &str = ".wal";
const QUARANTINE_PREFIX: &str = "quarantine.";

/// The file name of chunk `chunk_id`: 20 digits and `.wal`.
pub fn chunk_name(chunk_id: u64) -> String {
    format!("{chunk_id:020}{CHUNK_SUFFIX}")
}

/// Is this a chunk file's name? (Cheaper than [`parse_chunk_name`]: 20 digits and
/// `.wal`, without the parse.)
pub fn is_chunk_name(name: &str) -> bool {
    name.len() == 24
        && name.ends_with(CHUNK_SUFFIX)
        && name.as_bytes()[..20].iter().all(u8::is_ascii_digit)
}

/// The chunk id of a chunk file name, or `None` for any other name.
pub fn parse_chunk_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(CHUNK_SUFFIX)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A quarantine file's name, parsed: `quarantine.{chunk_id:020}.{offset:020}.{seq}`
/// holds the bytes `[offset, offset + len)` of chunk file `{chunk_id:020}.wal` as
/// they were when the open moved them aside.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct QuarantineName {
    /// The chunk the bytes come from.
    pub chunk_id: u64,
    /// Where in that chunk file they started.
    pub offset_bytes: u64,
    /// Tells apart quarantines of the same place.
    pub seq: u64,
}

/// Parses a quarantine file name, or `None` for any other name.
pub fn parse_quarantine_name(name: &str) -> Option<QuarantineName> {
    let rest = name.strip_prefix(QUARANTINE_PREFIX)?;
    let mut parts = rest.split('.');
    let number = |s: Option<&str>, digits: Option<usize>| -> Option<u64> {
        let s = s?;
        if s.is_empty()
            || !s.bytes().all(|b| b.is_ascii_digit())
            || digits.is_some_and(|d| s.len() != d)
        {
            return None;
        }
        s.parse().ok()
    };
    let chunk_id = number(parts.next(), Some(20))?;
    let offset_bytes = number(parts.next(), Some(20))?;
    let seq = number(parts.next(), None)?;
    if parts.next().is_some() {
        return None;
    }
    Some(QuarantineName {
        chunk_id,
        offset_bytes,
        seq,
    })
}

/// Is this a quarantine file's name (the engine's, or anything starting like one)?
pub fn is_quarantine_name(name: &str) -> bool {
    name.starts_with(QUARANTINE_PREFIX)
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// A valid chunk header of chunk `chunk_id` with format version `version`.
pub fn chunk_header(chunk_id: u64, version: u32) -> [u8; 24] {
    let mut h = [0u8; 24];
    h[0..8].copy_from_slice(&CHUNK_MAGIC);
    h[8..12].copy_from_slice(&version.to_le_bytes());
    h[12..20].copy_from_slice(&chunk_id.to_le_bytes());
    let crc = crc32fast::hash(&h[..20]);
    h[20..24].copy_from_slice(&crc.to_le_bytes());
    h
}

/// The (version, chunk id) of a chunk header with our magic and a valid checksum.
pub fn parse_chunk_header(bytes: &[u8]) -> Option<(u32, u64)> {
    if bytes.len() < CHUNK_HEADER_BYTES as usize || bytes[..8] != CHUNK_MAGIC {
        return None;
    }
    if crc32fast::hash(&bytes[..20]) != u32_at(bytes, 20) {
        return None;
    }
    Some((u32_at(bytes, 8), u64_at(bytes, 12)))
}

/// A batch found in a chunk file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Batch {
    /// Its offset in the chunk file.
    pub offset: u64,
    /// Bytes of records after its header.
    pub payload_len: u64,
    /// The global offset its header says the log was durable up to when it was written.
    pub durable_offset: u64,
}

impl Batch {
    /// Its bytes in the file.
    pub fn range(&self) -> Range<u64> {
        self.offset..self.offset + BATCH_HEADER_BYTES + self.payload_len
    }
}

/// A frame field a fault can aim at (little-endian: its first byte is its lowest).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameField {
    /// A batch header's `payload_len` (u32).
    BatchPayloadLen,
    /// A batch header's `durable_offset` (u64).
    BatchDurableOffset,
    /// A record's `len` (u32).
    RecordLen,
    /// A record's kind byte.
    RecordKind,
}

impl FrameField {
    /// The field's width in bytes.
    pub fn width(self) -> u64 {
        match self {
            FrameField::BatchPayloadLen | FrameField::RecordLen => 4,
            FrameField::BatchDurableOffset => 8,
            FrameField::RecordKind => 1,
        }
    }

    /// Is it a length field?
    pub fn is_length(self) -> bool {
        matches!(self, FrameField::BatchPayloadLen | FrameField::RecordLen)
    }

    /// A short name.
    pub fn name(self) -> &'static str {
        match self {
            FrameField::BatchPayloadLen => "batch payload_len",
            FrameField::BatchDurableOffset => "batch durable_offset",
            FrameField::RecordLen => "record len",
            FrameField::RecordKind => "record kind",
        }
    }
}

/// The batch at `offset` of chunk `chunk_id` if it is whole and valid there: magic,
/// header checksum (which covers the batch's global offset), `durable_offset` not
/// past itself, record frames and their checksums, payload checksum.
pub fn batch_at(bytes: &[u8], chunk_id: u64, offset: u64) -> Option<Batch> {
    let at = usize::try_from(offset).ok()?;
    let header = bytes.get(at..at.checked_add(BATCH_HEADER_BYTES as usize)?)?;
    if u32_at(header, 0) != BATCH_MAGIC {
        return None;
    }
    let global = chunk_id.checked_add(offset)?;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&header[..20]);
    hasher.update(&global.to_le_bytes());
    if hasher.finalize() != u32_at(header, 20) {
        return None;
    }
    let payload_len = u64::from(u32_at(header, 4));
    let durable_offset = u64_at(header, 8);
    if durable_offset > global {
        return None;
    }
    let start = at + BATCH_HEADER_BYTES as usize;
    let payload = bytes.get(start..start.checked_add(payload_len as usize)?)?;
    let mut batch_crc = crc32fast::Hasher::new();
    let mut pos = 0usize;
    while pos < payload.len() {
        let frame = &payload[pos..];
        if frame.len() < RECORD_HEADER_BYTES as usize + 1 {
            return None;
        }
        let len = u32_at(frame, 0) as usize;
        if len == 0 || len > frame.len() - RECORD_HEADER_BYTES as usize {
            return None;
        }
        let mut record_crc = crc32fast::Hasher::new();
        record_crc.update(&frame[0..4]);
        record_crc.update(&frame[8..8 + len]);
        if record_crc.finalize() != u32_at(frame, 4) {
            return None;
        }
        batch_crc.update(&frame[4..8]);
        pos += RECORD_HEADER_BYTES as usize + len;
    }
    if batch_crc.finalize() != u32_at(header, 16) {
        return None;
    }
    Some(Batch {
        offset,
        payload_len,
        durable_offset,
    })
}

/// The valid batches of a chunk file laid end to end from its header, stopping at the
/// first position that does not hold one (or whose bytes touch `unreadable`).
pub fn batches(bytes: &[u8], chunk_id: u64, unreadable: &[Range<u64>]) -> Vec<Batch> {
    let mut out = Vec::new();
    if parse_chunk_header(bytes).is_none() {
        return out;
    }
    let mut pos = CHUNK_HEADER_BYTES;
    while let Some(batch) = batch_at(bytes, chunk_id, pos) {
        if touches(unreadable, &batch.range()) {
            break;
        }
        pos = batch.range().end;
        out.push(batch);
    }
    out
}

fn touches(ranges: &[Range<u64>], r: &Range<u64>) -> bool {
    ranges.iter().any(|u| u.start < r.end && r.start < u.end)
}

/// The end of the valid batches laid end to end from the header (the header's end if
/// there is none, 0 if the header is not valid).
pub fn valid_end(bytes: &[u8], chunk_id: u64) -> u64 {
    if parse_chunk_header(bytes).is_none() {
        return 0;
    }
    batches(bytes, chunk_id, &[])
        .last()
        .map_or(CHUNK_HEADER_BYTES, |b| b.range().end)
}

/// The first damage of a chunk file, as the format's rule sees it: `None` if its
/// header and batches are valid and readable up to the end or to zeros that run to
/// the end; otherwise where the valid batches laid end to end stop (0 for a bad
/// header) and whether that damage is proven synced: a later valid, readable batch
/// records a `durable_offset` past it. `unreadable` are the byte ranges whose reads
/// fail (latent sector errors).
pub fn first_damage(bytes: &[u8], chunk_id: u64, unreadable: &[Range<u64>]) -> Option<(u64, bool)> {
    let len = bytes.len() as u64;
    let header_ok = parse_chunk_header(bytes)
        .is_some_and(|(v, id)| v == FORMAT_VERSION && id == chunk_id)
        && !touches(unreadable, &(0..CHUNK_HEADER_BYTES));
    let stop = if header_ok {
        batches(bytes, chunk_id, unreadable)
            .last()
            .map_or(CHUNK_HEADER_BYTES, |b| b.range().end)
    } else {
        0
    };
    let clean = stop == len
        || (header_ok
            && bytes[stop as usize..].iter().all(|&b| b == 0)
            && !touches(unreadable, &(stop..len)));
    if clean {
        return None;
    }
    let damaged_global = chunk_id + stop;
    let magic = BATCH_MAGIC.to_le_bytes();
    let mut probe = stop as usize + 1;
    while probe + BATCH_HEADER_BYTES as usize <= bytes.len() {
        if bytes[probe..probe + 4] == magic {
            if let Some(b) = batch_at(bytes, chunk_id, probe as u64) {
                if b.durable_offset > damaged_global && !touches(unreadable, &b.range()) {
                    return Some((stop, true));
                }
            }
        }
        probe += 1;
    }
    Some((stop, false))
}

/// Where the frame fields of a chunk file's valid batches lie: (offset of the 4-byte
/// field, which field).
pub fn frame_fields(bytes: &[u8], chunk_id: u64) -> Vec<(u64, FrameField)> {
    let mut out = Vec::new();
    for b in batches(bytes, chunk_id, &[]) {
        out.push((b.offset + 4, FrameField::BatchPayloadLen));
        out.push((b.offset + 8, FrameField::BatchDurableOffset));
        let mut pos = b.offset + BATCH_HEADER_BYTES;
        let end = b.range().end;
        while pos < end {
            let len = u64::from(u32_at(bytes, pos as usize));
            out.push((pos, FrameField::RecordLen));
            out.push((pos + RECORD_HEADER_BYTES, FrameField::RecordKind));
            pos += RECORD_HEADER_BYTES + len;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(parse_chunk_name(&chunk_name(4096)), Some(4096));
        assert_eq!(parse_chunk_name("LOCK"), None);
        let q = format!("quarantine.{:020}.{:020}.3", 4096, 100);
        assert_eq!(
            parse_quarantine_name(&q),
            Some(QuarantineName {
                chunk_id: 4096,
                offset_bytes: 100,
                seq: 3
            })
        );
        assert!(is_quarantine_name(&q));
        assert_eq!(parse_quarantine_name("quarantine.1.2.3"), None);
        assert_eq!(parse_quarantine_name(&format!("{q}.4")), None);
        assert_eq!(parse_quarantine_name(&chunk_name(1)), None);
    }

    /// The simulator's reading of the format agrees with what the engine writes.
    #[test]
    #[allow(clippy::single_range_in_vec_init)] // one unreadable range
    fn agrees_with_the_engine() {
        use crate::types::SimTypes;
        use raftwal::{Config, RaftLog, RaftLogWriter, WorkerMode};
        use raftwal_simdisk::{FaultConfig, SimDisk};
        use std::sync::Arc;
        let disk = SimDisk::new(1, FaultConfig::none());
        let mut config = Config::new("x");
        config.worker_mode = WorkerMode::Manual;
        config.chunk_max_records = Some(8);
        config.chunk_preallocate_size = Some(0);
        let mut log =
            RaftLog::<SimTypes>::open_with(Arc::new(disk.clone()), Arc::new(config)).unwrap();
        for i in 0..20u64 {
            log.append([((1, i), "x".repeat(i as usize * 7))]).unwrap();
            log.flush(None).unwrap();
            while log.run_worker_step() {}
        }
        drop(log);
        let names = disk.file_names();
        assert!(names.len() >= 3, "{names:?}");
        let mut durable_offset_seen = false;
        for name in names {
            let id = parse_chunk_name(&name).unwrap();
            let bytes = disk.file_bytes(&name).unwrap();
            assert_eq!(parse_chunk_header(&bytes), Some((FORMAT_VERSION, id)));
            assert_eq!(valid_end(&bytes, id), bytes.len() as u64, "{name}");
            assert_eq!(first_damage(&bytes, id, &[]), None);
            let b = batches(&bytes, id, &[]);
            durable_offset_seen |= b.iter().any(|b| b.durable_offset > id);
            let fields = frame_fields(&bytes, id);
            assert!(fields.len() >= 4 * b.len());
            // A flipped low bit of the last batch's payload_len: damage there, not
            // proven (nothing after it).
            let last = b.last().unwrap();
            let mut bad = bytes.clone();
            bad[last.offset as usize + 4] ^= 1;
            assert_eq!(first_damage(&bad, id, &[]), Some((last.offset, false)));
            if b.len() >= 2 && b[1].durable_offset > id + b[0].offset {
                // The first batch damaged, a later batch proves it synced.
                let mut bad = bytes.clone();
                bad[b[0].offset as usize + 30] ^= 1;
                assert_eq!(first_damage(&bad, id, &[]), Some((b[0].offset, true)));
            }
            // An unreadable sector over the last batch: damage there.
            let unreadable = [last.offset..last.offset + 1];
            assert_eq!(
                first_damage(&bytes, id, &unreadable),
                Some((last.offset, false))
            );
        }
        assert!(durable_offset_seen);
        let q = raftwal::QuarantineFile {
            chunk_id: 77,
            offset_bytes: 1234,
            seq: 5,
        };
        assert_eq!(
            parse_quarantine_name(&q.name()),
            Some(QuarantineName {
                chunk_id: 77,
                offset_bytes: 1234,
                seq: 5
            })
        );
    }

    #[test]
    fn header() {
        let h = chunk_header(77, FORMAT_VERSION);
        assert_eq!(parse_chunk_header(&h), Some((2, 77)));
        let mut bad = h;
        bad[13] ^= 1;
        assert_eq!(parse_chunk_header(&bad), None);
        assert_eq!(parse_chunk_header(&h[..23]), None);
        assert_eq!(parse_chunk_header(&chunk_header(77, 3)), Some((3, 77)));
    }
}
