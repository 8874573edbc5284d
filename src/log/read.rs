//! Reading entries: from the payload cache, else with positional reads of the chunk
//! files, several neighbouring records per read.

use super::raft_log::RaftLog;
use crate::error::Error;
use crate::format::{self, chunk_file_name, DamageKind, Record};
use crate::types::Types;

/// Most bytes one positional read fetches ahead for the next records.
const READ_AHEAD_BYTES_MAX: u64 = 256 * 1024;

impl<T: Types> RaftLog<T> {
    /// The entries with indexes `[from, to)`, oldest first: from the cache when there,
    /// else from disk (counted as a miss in [`RaftLog::access_stat`]).
    ///
    /// A range outside the log yields one [`Error::ReadOutOfRange`]; damaged bytes on
    /// disk yield [`Error::Corrupt`]; `from >= to` yields nothing.
    pub fn read(
        &self,
        from: u64,
        to: u64,
    ) -> impl Iterator<Item = Result<(T::LogId, T::LogPayload), Error>> + '_ {
        let first_index = self.core.first_index();
        let next_index = self.core.state.next_index();
        let invalid = (from < to && (from < first_index || to > next_index)).then_some(
            Error::ReadOutOfRange {
                from,
                to,
                first_index,
                next_index,
            },
        );
        Reader {
            log: self,
            next: from,
            to: if invalid.is_some() { from } else { to },
            invalid,
            buf: Vec::new(),
            buf_offset: 0,
        }
    }
}

struct Reader<'a, T: Types> {
    log: &'a RaftLog<T>,
    next: u64,
    to: u64,
    invalid: Option<Error>,
    /// Bytes read ahead, starting at global offset `buf_offset`.
    buf: Vec<u8>,
    buf_offset: u64,
}

impl<T: Types> Iterator for Reader<'_, T> {
    type Item = Result<(T::LogId, T::LogPayload), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(error) = self.invalid.take() {
            return Some(Err(error));
        }
        if self.next >= self.to {
            return None;
        }
        let index = self.next;
        self.next += 1;
        let entry = self
            .log
            .core
            .index
            .get(index)
            .expect("index within the log");
        if let Some(payload) = self.log.cache.get(index) {
            self.log.access.hit();
            return Some(Ok((entry.log_id.clone(), payload.clone())));
        }
        self.log.access.miss();
        let result = self.read_from_disk(index);
        if result.is_err() {
            self.next = self.to;
        }
        Some(result)
    }
}

impl<T: Types> Reader<'_, T> {
    fn read_from_disk(&mut self, index: u64) -> Result<(T::LogId, T::LogPayload), Error> {
        let log = self.log;
        let entry = log.core.index.get(index).expect("index within the log");
        let (offset, size) = (entry.offset, u64::from(entry.size));
        let chunk_pos = log.chunks.partition_point(|c| c.chunk_id <= offset);
        let chunk = &log.chunks[chunk_pos.checked_sub(1).expect("entry in a chunk")];
        // Built only for an error: formatting it per read shows in profiles.
        let name = || chunk_file_name(chunk.chunk_id);
        let in_buf =
            offset >= self.buf_offset && offset + size <= self.buf_offset + self.buf.len() as u64;
        if !in_buf {
            // Read this record and the following uncached ones of the same chunk.
            let chunk_end = chunk.chunk_id + chunk.size_bytes;
            let mut end = offset + size;
            let mut next = index + 1;
            while next < self.to && next < log.cache.first() {
                let Some(e) = log.core.index.get(next) else {
                    break;
                };
                let e_end = e.offset + u64::from(e.size);
                if e_end > chunk_end || e_end - offset > READ_AHEAD_BYTES_MAX {
                    break;
                }
                end = e_end;
                next += 1;
            }
            let file = log.shared.file(chunk.chunk_id).ok_or_else(|| {
                Error::corrupt(
                    name(),
                    offset - chunk.chunk_id,
                    DamageKind::InvalidRecord,
                    "chunk file is not open",
                )
            })?;
            self.buf.resize((end - offset) as usize, 0);
            file.read_at(offset - chunk.chunk_id, &mut self.buf)
                .map_err(|e| Error::io("read", log.storage.path_of(&name()), e))
                .inspect_err(|_| self.buf.clear())?;
            self.buf_offset = offset;
        }
        let at = (offset - self.buf_offset) as usize;
        let corrupt = |damage: DamageKind, reason: String| {
            Error::corrupt(name(), offset - chunk.chunk_id, damage, reason)
        };
        let (_, content) =
            format::verify_record_frame(&self.buf[at..at + size as usize], log.checksums)
                .map_err(|damage| corrupt(damage, String::new()))?;
        match format::decode_record::<T>(content, true)
            .map_err(|e| corrupt(DamageKind::InvalidRecord, e.to_string()))?
        {
            Record::Append(log_id, Some(payload)) if &log_id == entry.log_id => {
                Ok((log_id, payload))
            }
            other => Err(corrupt(
                DamageKind::InvalidRecord,
                format!("expected entry {:?}, found {other:?}", entry.log_id),
            )),
        }
    }
}
