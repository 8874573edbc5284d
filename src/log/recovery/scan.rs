//! Scanning one chunk file, streamed in windows: its header, its valid batches (handed
//! to a visitor as they are found), and where and how the valid part stops.

use super::read::ChunkReader;
use crate::error::Error;
use crate::format::{
    check_chunk_header, verify_records, BatchHeader, Checksums, DamageKind, HeaderProblem,
    BATCH_HEADER_SIZE, CHUNK_HEADER_SIZE,
};

/// What the chunk header is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Header {
    /// A valid header of this format for this chunk.
    Valid,
    /// The file has no non-zero byte (it may be empty).
    Blank,
    /// The header is not usable.
    Problem(HeaderProblem),
    /// The header's bytes stayed unreadable.
    Unreadable,
}

/// How the valid part of the chunk ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// At the end of the file.
    End,
    /// Only zeros follow (reserved space, or writes that never reached the disk).
    Zeros,
    /// Damage at `offset`.
    Damage {
        /// Offset within the file of the first damaged byte (a batch start, or 0).
        offset: u64,
        /// What is wrong there.
        damage: DamageKind,
        /// A later valid batch records a durable offset past `offset`: the bytes had
        /// been synced, so this is rot (or a lost sector), not a torn write.
        proven: bool,
    },
}

/// The result of scanning one chunk file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChunkScan {
    /// The file's length in bytes.
    pub(crate) len_bytes: u64,
    /// The header.
    pub(crate) header: Header,
    /// `[0, valid_end)` is the header and whole valid batches (0 if the header is not
    /// valid).
    pub(crate) valid_end: u64,
    /// Records in the valid batches.
    pub(crate) records: u64,
    /// The highest durable offset a valid batch records (global), if any batch.
    pub(crate) durable_offset_max: Option<u64>,
    /// How the valid part ends (`End` for a header that is not examined further).
    pub(crate) stop: Stop,
}

/// One valid batch, as the scan hands it to its visitor.
pub(crate) struct Batch<'a> {
    /// Offset of the batch header within the file.
    pub(crate) offset: u64,
    /// The durable offset its header records (global).
    pub(crate) durable_offset: u64,
    /// The batch's records: payload bytes.
    pub(crate) payload: &'a [u8],
    /// Each record's (offset in `payload`, frame size).
    pub(crate) records: &'a [(usize, usize)],
}

/// Whether the file may be written while the scan reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Writers {
    /// The scan holds the log's lock: nobody writes the file (a normal open).
    None,
    /// A node may be writing the file now (a read-only open, a dump): a window read
    /// while a batch was being written can show that batch as damage, even as damage
    /// a later batch proves synced. The scan reads the bytes at a damaged batch again
    /// before it believes them ([`REREADS_MAX`] times per chunk at most), and its
    /// reader follows the file if the node cuts it (`ChunkReader::follow_shrinks`).
    Maybe,
}

/// How many times a scan of a file that may be written ([`Writers::Maybe`]) reads
/// damaged bytes again and finds them whole, at most, before it takes damage as
/// found: a file that changes under every read is reported, not chased forever.
pub(crate) const REREADS_MAX: u32 = 16;

/// Scans chunk `chunk_id` through `reader`, calling `visit` for each valid batch in
/// order; an error of `visit` ends the scan with that error. With [`Checksums::Skip`],
/// payload checksums are not verified.
pub(crate) fn scan_chunk(
    reader: &mut ChunkReader<'_>,
    chunk_id: u64,
    checksums: Checksums,
    writers: Writers,
    visit: impl FnMut(Batch<'_>) -> Result<(), Error>,
) -> Result<ChunkScan, Error> {
    let mut scan = ChunkScan {
        len_bytes: reader.len_bytes(),
        header: Header::Valid,
        valid_end: 0,
        records: 0,
        durable_offset_max: None,
        stop: Stop::End,
    };
    if writers == Writers::Maybe {
        reader.follow_shrinks();
    }
    if scan_header(reader, chunk_id, &mut scan) {
        scan_batches(reader, chunk_id, checksums, writers, &mut scan, visit)?;
    }
    // Shorter if the file was cut under a reader that follows shrinks; never below the
    // batches already found (`valid_end <= len_bytes` holds for every scan).
    scan.len_bytes = reader.len_bytes().max(scan.valid_end);
    Ok(scan)
}

/// Reads and checks the chunk header into `scan`. True if batches follow it; false
/// if the scan ends at the header (a blank file, a damaged header, a file that is not
/// ours to read), `scan` then complete.
fn scan_header(reader: &mut ChunkReader<'_>, chunk_id: u64, scan: &mut ChunkScan) -> bool {
    let len = scan.len_bytes;
    if len == 0 {
        scan.header = Header::Blank;
        return false;
    }
    let head_len = CHUNK_HEADER_SIZE.min(len as usize);
    let damage = match reader.read(0, head_len) {
        Err(_) => {
            scan.header = Header::Unreadable;
            DamageKind::Unreadable
        }
        Ok(head) => match check_chunk_header(head, chunk_id) {
            Ok(()) => return true,
            Err(_) if zeros_from(reader, 0) => {
                scan.header = Header::Blank;
                scan.stop = Stop::Zeros;
                return false;
            }
            Err(problem) => {
                scan.header = Header::Problem(problem);
                match problem {
                    HeaderProblem::CutShort => DamageKind::HeaderCutShort,
                    HeaderProblem::Checksum => DamageKind::HeaderChecksum,
                    // Not damage: a file that is not (or no longer) ours to read.
                    HeaderProblem::Foreign | HeaderProblem::Version(_) | HeaderProblem::Id(_) => {
                        return false
                    }
                }
            }
        },
    };
    scan.stop = damage_at(reader, chunk_id, 0, damage);
    false
}

/// Scans the batches after a valid chunk header into `scan`, calling `visit` for
/// each valid one, until the end of the file, zeros, or damage.
fn scan_batches(
    reader: &mut ChunkReader<'_>,
    chunk_id: u64,
    checksums: Checksums,
    writers: Writers,
    scan: &mut ChunkScan,
    mut visit: impl FnMut(Batch<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut pos = CHUNK_HEADER_SIZE as u64;
    scan.valid_end = pos;
    let mut records = Vec::new();
    let mut rereads_left = match writers {
        Writers::None => 0,
        Writers::Maybe => REREADS_MAX,
    };
    while pos < reader.len_bytes() {
        let parsed = parse_batch(reader, chunk_id, pos, checksums, &mut records)
            .map(|(header, payload)| (header, payload.len()));
        match parsed {
            Ok((header, payload_len)) => {
                // The window holds the batch now: this read costs no I/O.
                let start = pos + BATCH_HEADER_SIZE as u64;
                let Ok(payload) = reader.read(start, payload_len) else {
                    scan.stop = damage_at(reader, chunk_id, pos, DamageKind::Unreadable);
                    break;
                };
                visit(Batch {
                    offset: pos,
                    durable_offset: header.durable_offset,
                    payload,
                    records: &records,
                })?;
                scan.records += records.len() as u64;
                scan.durable_offset_max = scan.durable_offset_max.max(Some(header.durable_offset));
                pos += (BATCH_HEADER_SIZE + payload_len) as u64;
                scan.valid_end = pos;
            }
            Err(_) if zeros_from(reader, pos) => {
                scan.stop = Stop::Zeros;
                break;
            }
            Err(_)
                if rereads_left > 0 && whole_when_read_again(reader, chunk_id, pos, checksums) =>
            {
                // The batch was being written when its window was read: go on from
                // it, with its bytes read again.
                rereads_left -= 1;
            }
            Err(damage) => {
                scan.stop = damage_at(reader, chunk_id, pos, damage);
                break;
            }
        }
    }
    Ok(())
}

/// Reads the bytes at `pos` again, past the window the scan holds, and tells whether
/// they now hold a whole batch (the window then starts at `pos`).
fn whole_when_read_again(
    reader: &mut ChunkReader<'_>,
    chunk_id: u64,
    pos: u64,
    checksums: Checksums,
) -> bool {
    reader.forget_window();
    parse_batch(reader, chunk_id, pos, checksums, &mut Vec::new()).is_ok()
}

/// Parses and checks the batch at `pos` (header, record frames, checksums); fills
/// `records` and returns the header and the payload.
fn parse_batch<'r>(
    reader: &'r mut ChunkReader<'_>,
    chunk_id: u64,
    pos: u64,
    checksums: Checksums,
    records: &mut Vec<(usize, usize)>,
) -> Result<(BatchHeader, &'r [u8]), DamageKind> {
    let len = reader.len_bytes();
    if pos + BATCH_HEADER_SIZE as u64 > len {
        return Err(DamageKind::BatchHeader);
    }
    let head = reader
        .read(pos, BATCH_HEADER_SIZE)
        .map_err(|_| DamageKind::Unreadable)?;
    let header = BatchHeader::parse(head, chunk_id + pos).ok_or(DamageKind::BatchHeader)?;
    let start = pos + BATCH_HEADER_SIZE as u64;
    // Asked again: the header's read may have found the file cut (`follow_shrinks`).
    if start + u64::from(header.payload_len) > reader.len_bytes() {
        return Err(DamageKind::BatchCutShort);
    }
    let payload = reader
        .read(start, header.payload_len as usize)
        .map_err(|_| DamageKind::Unreadable)?;
    let crc = verify_records(payload, checksums, records)?;
    if checksums.verified() && crc != header.payload_crc {
        return Err(DamageKind::BatchChecksum);
    }
    Ok((header, payload))
}

/// Are all bytes from `from` to the end of the file readable zeros?
pub(crate) fn zeros_from(reader: &mut ChunkReader<'_>, from: u64) -> bool {
    let mut at = from;
    // The length asked each time: a reader that follows shrinks may find the file cut.
    while at < reader.len_bytes() {
        let (window, unreadable) = reader.window_at(at);
        if unreadable || window.iter().any(|&b| b != 0) {
            return false;
        }
        at += window.len() as u64;
    }
    true
}

/// Describes damage at `pos` and decides whether it is proven synced: some later
/// position holds a valid batch whose `durable_offset` lies past the damaged offset.
fn damage_at(reader: &mut ChunkReader<'_>, chunk_id: u64, pos: u64, damage: DamageKind) -> Stop {
    let damaged_global = chunk_id + pos;
    let header_len = BATCH_HEADER_SIZE as u64;
    let mut records = Vec::new();
    let mut probe = pos + 1;
    // The length asked each time: a reader that follows shrinks may find the file cut.
    while probe + header_len <= reader.len_bytes() {
        let (window, _) = reader.window_at(probe);
        // A header needs its 4 magic bytes in this window; the next window starts 3
        // bytes before this one ends, so no magic is missed at the seam.
        let Some(at) = window.windows(4).position(BatchHeader::has_magic) else {
            probe += (window.len() as u64).saturating_sub(3).max(1);
            continue;
        };
        probe += at as u64;
        if probe + header_len > reader.len_bytes() {
            break;
        }
        let proves = match reader.read(probe, BATCH_HEADER_SIZE) {
            Ok(head) => BatchHeader::parse(head, chunk_id + probe)
                .is_some_and(|h| h.durable_offset > damaged_global),
            Err(_) => false,
        };
        if proves && parse_batch(reader, chunk_id, probe, Checksums::Verify, &mut records).is_ok() {
            return Stop::Damage {
                offset: pos,
                damage,
                proven: true,
            };
        }
        probe += 1;
    }
    Stop::Damage {
        offset: pos,
        damage,
        proven: false,
    }
}
