//! The batch header: one per worker write.
//!
//! ```text
//! magic u32 , payload_len u32 , durable_offset u64 , payload_crc u32 , header_crc u32
//! ```
//! `header_crc` covers the first 20 bytes and the batch's own global offset, so a batch
//! found at the wrong place (a misdirected write, a stale copy) does not validate.

/// Size of the batch header in bytes.
pub(crate) const BATCH_HEADER_SIZE: usize = 24;
const BATCH_MAGIC: u32 = 0x3142_5752; // "RWB1"

/// A decoded batch header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchHeader {
    /// Bytes of records after the header.
    pub payload_len: u32,
    /// The log was durable up to this global offset when the batch was written.
    pub durable_offset: u64,
    /// CRC32 of the payload's record checksums, in order (each record's own checksum
    /// covers its bytes, so the batch's bytes are hashed once).
    pub payload_crc: u32,
}

impl BatchHeader {
    /// Writes the header of the batch at global offset `batch_offset` into `out`.
    pub(crate) fn encode(&self, out: &mut [u8], batch_offset: u64) {
        debug_assert!(self.durable_offset <= batch_offset);
        out[0..4].copy_from_slice(&BATCH_MAGIC.to_le_bytes());
        out[4..8].copy_from_slice(&self.payload_len.to_le_bytes());
        out[8..16].copy_from_slice(&self.durable_offset.to_le_bytes());
        out[16..20].copy_from_slice(&self.payload_crc.to_le_bytes());
        let crc = header_crc(&out[..20], batch_offset);
        out[20..24].copy_from_slice(&crc.to_le_bytes());
    }

    /// Parses the header at the start of `bytes` for a batch at global offset
    /// `batch_offset`; `None` if it is not a valid header there.
    pub(crate) fn parse(bytes: &[u8], batch_offset: u64) -> Option<Self> {
        if bytes.len() < BATCH_HEADER_SIZE {
            return None;
        }
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
        if u32_at(0) != BATCH_MAGIC {
            return None;
        }
        if header_crc(&bytes[..20], batch_offset) != u32_at(20) {
            return None;
        }
        let header = Self {
            payload_len: u32_at(4),
            durable_offset: u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes")),
            payload_crc: u32_at(16),
        };
        // A batch cannot have known bytes after itself to be durable.
        if header.durable_offset > batch_offset {
            return None;
        }
        Some(header)
    }

    /// Writes the payload length of an unsealed batch header (the rest stays zero,
    /// for [`BatchHeader::seal`] to complete).
    pub(crate) fn encode_payload_len(out: &mut [u8], payload_len: u32) {
        out[4..8].copy_from_slice(&payload_len.to_le_bytes());
    }

    /// Completes the batch at the start of `bytes` (its payload length written by
    /// [`BatchHeader::encode_payload_len`], records framed by
    /// `finish_record`) for the batch at `batch_offset`: seals every record, then
    /// writes the payload checksum and the durable offset into the header. The flush
    /// worker does this just before the write, so the hashing is off the caller's
    /// thread.
    pub(crate) fn seal(bytes: &mut [u8], batch_offset: u64, durable_offset: u64) {
        let payload_len = u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes"));
        let payload = &mut bytes[BATCH_HEADER_SIZE..BATCH_HEADER_SIZE + payload_len as usize];
        let payload_crc = super::record::seal_records(payload);
        let header = Self {
            payload_len,
            durable_offset,
            payload_crc,
        };
        header.encode(&mut bytes[..BATCH_HEADER_SIZE], batch_offset);
        #[cfg(debug_assertions)]
        Self::assert_opens(bytes, batch_offset, &header);
    }

    /// Checks a batch just sealed with the code the open uses: its header parses at
    /// `batch_offset` to `sealed`, and every record frame and checksum verifies.
    #[cfg(debug_assertions)]
    fn assert_opens(bytes: &[u8], batch_offset: u64, sealed: &Self) {
        let parsed = Self::parse(&bytes[..BATCH_HEADER_SIZE], batch_offset);
        assert_eq!(
            parsed.as_ref(),
            Some(sealed),
            "a sealed batch header parses back"
        );
        let payload = &bytes[BATCH_HEADER_SIZE..BATCH_HEADER_SIZE + sealed.payload_len as usize];
        let verified =
            super::record::verify_records(payload, super::Checksums::Verify, &mut Vec::new());
        assert_eq!(verified, Ok(sealed.payload_crc), "a sealed batch verifies");
    }

    /// Is this the first four bytes of a batch header? (A cheap pre-check for scans.)
    pub(crate) fn has_magic(bytes: &[u8]) -> bool {
        bytes.len() >= 4 && bytes[..4] == BATCH_MAGIC.to_le_bytes()
    }
}

fn header_crc(first_20: &[u8], batch_offset: u64) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(first_20);
    hasher.update(&batch_offset.to_le_bytes());
    hasher.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_only_at_its_own_offset() {
        let header = BatchHeader {
            payload_len: 77,
            durable_offset: 100,
            payload_crc: 0xDEAD_BEEF,
        };
        let mut buf = [0u8; BATCH_HEADER_SIZE];
        header.encode(&mut buf, 500);
        assert_eq!(BatchHeader::parse(&buf, 500), Some(header));
        assert_eq!(BatchHeader::parse(&buf, 501), None);
        for i in 0..BATCH_HEADER_SIZE {
            let mut bad = buf;
            bad[i] ^= 0x10;
            assert_eq!(BatchHeader::parse(&bad, 500), None, "flip at {i}");
        }
        assert_eq!(BatchHeader::parse(&[0u8; BATCH_HEADER_SIZE], 500), None);
    }
}
