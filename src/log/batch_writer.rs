//! The batch buffer: records are encoded straight into it, and it is handed to the
//! worker as one batch on flush, when it grows past `batch_max_bytes`, or when a new
//! chunk starts.

use crate::flush::BatchBytes;
use crate::format::{self, BatchHeader, RecordKind, BATCH_HEADER_SIZE};
use crate::types::Segment;

pub(crate) struct BatchWriter {
    buf: Vec<u8>,
    /// The chunk the buffer belongs to.
    chunk_id: u64,
    /// Offset in the chunk file of `buf[0]`.
    file_offset: u64,
    /// Where the open batch's header is in `buf`.
    batch_header_pos: Option<usize>,
}

impl BatchWriter {
    /// A writer that continues chunk `chunk_id` at `file_offset`.
    pub(crate) fn new(chunk_id: u64, file_offset: u64) -> Self {
        Self {
            buf: Vec::new(),
            chunk_id,
            file_offset,
            batch_header_pos: None,
        }
    }

    /// The global offset just past the last buffered byte.
    pub(crate) fn global_end(&self) -> u64 {
        self.chunk_id + self.file_offset + self.buf.len() as u64
    }

    pub(crate) fn buffered_bytes(&self) -> usize {
        self.buf.len()
    }

    /// Starts chunk `chunk_id` at the current global end. The buffer must have been
    /// taken.
    pub(crate) fn start_chunk(&mut self, chunk_id: u64) {
        debug_assert!(self.buf.is_empty());
        debug_assert_eq!(chunk_id, self.global_end());
        self.chunk_id = chunk_id;
        self.file_offset = 0;
        format::encode_chunk_header(&mut self.buf, chunk_id);
    }

    /// Starts a record of `kind`; encode its body into the returned buffer, then call
    /// [`BatchWriter::finish_record`].
    #[inline]
    pub(crate) fn begin_record(&mut self, kind: RecordKind) -> (usize, &mut Vec<u8>) {
        if self.batch_header_pos.is_none() {
            self.batch_header_pos = Some(self.buf.len());
            self.buf.extend_from_slice(&[0u8; BATCH_HEADER_SIZE]);
        }
        let start = format::begin_record(&mut self.buf, kind);
        (start, &mut self.buf)
    }

    /// Removes the record begun at `start` (and the batch header it opened, if it
    /// is the batch's first), as if it had never been begun.
    pub(crate) fn discard_record(&mut self, start: usize) {
        debug_assert!(start <= self.buf.len());
        self.buf.truncate(start);
        if start.checked_sub(BATCH_HEADER_SIZE) == self.batch_header_pos {
            self.buf.truncate(start - BATCH_HEADER_SIZE);
            self.batch_header_pos = None;
        }
    }

    /// Completes the record begun at `start`; returns where it lies.
    #[inline]
    pub(crate) fn finish_record(&mut self, start: usize) -> Segment {
        let size = format::finish_record(&mut self.buf, start);
        Segment {
            offset: self.chunk_id + self.file_offset + start as u64,
            size: size as u64,
        }
    }

    /// Closes the buffered batch (its header gets the payload length; the worker seals
    /// it with the checksums and the durable offset, see [`BatchHeader::seal`]) and
    /// returns it for [`crate::flush::Shared::submit`], if anything is buffered.
    pub(crate) fn take_batch(&mut self) -> Option<BatchBytes<'_>> {
        let batch_header_pos = self.batch_header_pos.take()?;
        let payload_len = self.buf.len() - batch_header_pos - BATCH_HEADER_SIZE;
        BatchHeader::encode_payload_len(
            &mut self.buf[batch_header_pos..batch_header_pos + BATCH_HEADER_SIZE],
            u32::try_from(payload_len).expect("batch larger than 4 GiB"),
        );
        let file_offset = self.file_offset;
        self.file_offset += self.buf.len() as u64;
        Some(BatchBytes {
            chunk_id: self.chunk_id,
            file_offset,
            bytes: &mut self.buf,
            batch_header_pos,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_discarded_record_leaves_the_buffer_as_before_it() {
        let mut writer = BatchWriter::new(0, 32);
        // The batch's first record: its header goes with it.
        let start = writer.begin_record(RecordKind::Vote).0;
        writer.discard_record(start);
        assert_eq!(writer.buffered_bytes(), 0);
        assert!(writer.take_batch().is_none(), "no batch is open");
        // A later record: the batch and the records before it stay.
        let first = writer.begin_record(RecordKind::Vote).0;
        writer.begin_record(RecordKind::Vote);
        let kept = writer.finish_record(first);
        let (second, buf) = writer.begin_record(RecordKind::Commit);
        buf.extend_from_slice(&[7; 100]);
        writer.discard_record(second);
        assert_eq!(writer.global_end(), kept.end());
        let batch = writer.take_batch().expect("the open batch");
        assert_eq!(batch.batch_header_pos, 0);
        assert_eq!(batch.bytes.len() as u64, kept.end() - 32);
    }
}
