//! The chunk header and chunk file names.

/// Size of the chunk header in bytes.
pub(crate) const CHUNK_HEADER_SIZE: usize = 24;
const CHUNK_MAGIC: [u8; 8] = *b"RAFTWAL\0";
/// 1: fixed-width integers; 2: LEB128 varint integers and lengths (`codec`).
const FORMAT_VERSION: u32 = 2;
const CHUNK_SUFFIX: &str = ".wal";
const CHUNK_NAME_DIGITS: usize = 20;

/// The file name of the chunk that starts at global offset `chunk_id`.
pub(crate) fn chunk_file_name(chunk_id: u64) -> String {
    format!("{chunk_id:020}{CHUNK_SUFFIX}")
}

/// The chunk id of a chunk file name, or `None` for a foreign file.
pub(crate) fn parse_chunk_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(CHUNK_SUFFIX)?;
    if digits.len() != CHUNK_NAME_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Appends the header of chunk `chunk_id` to `out`.
pub(crate) fn encode_chunk_header(out: &mut Vec<u8>, chunk_id: u64) {
    let start = out.len();
    out.extend_from_slice(&CHUNK_MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&chunk_id.to_le_bytes());
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
    debug_assert_eq!(out.len() - start, CHUNK_HEADER_SIZE);
}

/// Why a chunk header is not usable (see [`check_chunk_header`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderProblem {
    /// Fewer than [`CHUNK_HEADER_SIZE`] bytes.
    CutShort,
    /// The checksum does not match: damaged (or not a header at all).
    Checksum,
    /// A valid checksum over bytes that are not a raftwal header.
    Foreign,
    /// A raftwal header of another format version.
    Version(u32),
    /// A raftwal header that names another chunk than its file name.
    Id(u64),
}

/// The current format version, written in every chunk header.
pub(crate) const fn format_version() -> u32 {
    FORMAT_VERSION
}

/// Checks the header at the start of `bytes` for chunk `chunk_id`.
pub(crate) fn check_chunk_header(bytes: &[u8], chunk_id: u64) -> Result<(), HeaderProblem> {
    if bytes.len() < CHUNK_HEADER_SIZE {
        return Err(HeaderProblem::CutShort);
    }
    let header = &bytes[..CHUNK_HEADER_SIZE];
    let crc = u32::from_le_bytes(header[20..24].try_into().expect("4 bytes"));
    if crc32fast::hash(&header[..20]) != crc {
        return Err(HeaderProblem::Checksum);
    }
    if header[..8] != CHUNK_MAGIC {
        return Err(HeaderProblem::Foreign);
    }
    let version = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(HeaderProblem::Version(version));
    }
    let id = u64::from_le_bytes(header[12..20].try_into().expect("8 bytes"));
    if id != chunk_id {
        return Err(HeaderProblem::Id(id));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_offset_and_parse_back() {
        let a = chunk_file_name(9);
        let b = chunk_file_name(10);
        assert!(a < b);
        assert_eq!(parse_chunk_file_name(&a), Some(9));
        assert_eq!(parse_chunk_file_name("LOCK"), None);
        assert_eq!(parse_chunk_file_name("0000000000000000000x.wal"), None);
        assert_eq!(parse_chunk_file_name("99999999999999999999.wal"), None); // overflows u64
    }

    #[test]
    fn header_round_trip_and_damage() {
        let mut buf = Vec::new();
        encode_chunk_header(&mut buf, 4096);
        assert_eq!(check_chunk_header(&buf, 4096), Ok(()));
        assert_eq!(check_chunk_header(&buf, 0), Err(HeaderProblem::Id(4096)));
        for i in 0..buf.len() {
            let mut bad = buf.clone();
            bad[i] ^= 1;
            assert!(check_chunk_header(&bad, 4096).is_err(), "flip at {i}");
        }
        assert_eq!(
            check_chunk_header(&buf[..10], 4096),
            Err(HeaderProblem::CutShort)
        );
        let mut newer = buf.clone();
        newer[8..12].copy_from_slice(&3u32.to_le_bytes());
        let crc = crc32fast::hash(&newer[..20]);
        newer[20..24].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(
            check_chunk_header(&newer, 4096),
            Err(HeaderProblem::Version(3))
        );
    }
}
