//! Helpers shared by the CLI's test files.

use std::fs;
use std::path::Path;

/// The first chunk file of a log that starts at offset 0.
#[allow(dead_code)] // not every test file uses it
pub const CHUNK_0: &str = "00000000000000000000.wal";

/// Rewrites the version field of a chunk header (bytes 8..12) of `file` in `dir`,
/// with a valid header checksum: a chunk written by another format version.
pub fn set_version(dir: &Path, file: &str, version: u32) {
    let path = dir.join(file);
    let mut bytes = fs::read(&path).unwrap();
    bytes[8..12].copy_from_slice(&version.to_le_bytes());
    let crc = crc32(&bytes[..20]);
    bytes[20..24].copy_from_slice(&crc.to_le_bytes());
    fs::write(&path, bytes).unwrap();
}

/// CRC-32 (IEEE), as the chunk header uses.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
