//! The bytes a peer without typed log ids stores per entry (`raft-engine`'s protobuf
//! `BytesValue`, an `okaywal` chunk): two little-endian `u64`s, then the payload. In
//! a single-writer log they are `(term, index)`; with concurrent writers
//! (`pipelined-4w`) `(writer, index)`. 16 bytes, about what a Raft entry's term and
//! index cost in any encoding.

/// Bytes before the payload.
pub const HEADER_BYTES: usize = 16;

/// `a`, `b` and `payload`, framed.
pub fn encode(a: u64, b: u64, payload: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(HEADER_BYTES + payload.len());
    v.extend_from_slice(&a.to_le_bytes());
    v.extend_from_slice(&b.to_le_bytes());
    v.extend_from_slice(payload.as_bytes());
    v
}

/// The second `u64` of a frame (the index), without copying the payload.
pub fn index(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes[8..16].try_into().expect("framed entry header"))
}

/// `(a, b, payload)` of a frame; panics on a frame too short or not UTF-8.
pub fn decode(bytes: Vec<u8>) -> (u64, u64, String) {
    let a = u64::from_le_bytes(bytes[..8].try_into().expect("framed entry header"));
    let b = index(&bytes);
    let payload = String::from_utf8(bytes[HEADER_BYTES..].to_vec()).expect("UTF-8 payload");
    (a, b, payload)
}
