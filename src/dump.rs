//! [`Dump`]: a record-by-record listing of the chunk files, for debugging and for
//! snapshot tests of the on-disk format.

use crate::format::{self, chunk_file_name, Record};
use crate::log::RaftLog;
use crate::mutants::Mutant;
use crate::storage::Storage;
use crate::types::Types;
use std::fmt;
use std::marker::PhantomData;

/// A listing of the log's files as they are on the storage now (buffered writes not
/// yet handed to the worker are not there; flush and wait for the worker first).
pub struct Dump<'a, T: Types> {
    storage: &'a dyn Storage,
    check_crc: bool,
    _types: PhantomData<T>,
}

impl<T: Types> RaftLog<T> {
    /// A record-by-record listing of the chunk files; print it with `{}`.
    pub fn dump(&self) -> Dump<'_, T> {
        Dump {
            storage: self.storage.as_ref(),
            check_crc: !self.is_mutant(Mutant::SkipCrcCheck),
            _types: PhantomData,
        }
    }
}

impl<T: Types> Dump<'_, T> {
    /// Builds a dump of any storage holding a log (no lock is taken; for tools).
    pub fn of_storage(storage: &dyn Storage) -> Dump<'_, T> {
        Dump {
            storage,
            check_crc: true,
            _types: PhantomData,
        }
    }
}

impl<T: Types> fmt::Display for Dump<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids = match crate::log::list_chunk_ids(self.storage) {
            Ok(ids) => ids,
            Err(e) => return writeln!(f, "error: {e}"),
        };
        for chunk_id in ids {
            let name = chunk_file_name(chunk_id);
            let bytes = match self.storage.open(&name).and_then(|file| {
                let mut bytes = vec![0u8; file.len()? as usize];
                file.read_at(0, &mut bytes)?;
                Ok(bytes)
            }) {
                Ok(bytes) => bytes,
                Err(e) => {
                    writeln!(f, "{name}: error: {e}")?;
                    continue;
                }
            };
            writeln!(f, "{name}: {} bytes", bytes.len())?;
            let scan = format::scan_chunk(&bytes, chunk_id, self.check_crc);
            let mut records = scan.records.iter().peekable();
            for (batch_offset, header) in &scan.batches {
                writeln!(
                    f,
                    "  batch @{batch_offset} payload {} B, durable up to {}",
                    header.payload_len, header.durable_offset
                )?;
                let batch_end = batch_offset
                    + (format::BATCH_HEADER_SIZE as u64)
                    + u64::from(header.payload_len);
                while let Some(&&(offset, size)) = records.peek() {
                    if offset >= batch_end {
                        break;
                    }
                    records.next();
                    let at = offset as usize;
                    let described =
                        format::verify_record_frame(&bytes[at..at + size as usize], self.check_crc)
                            .and_then(|(_, content)| format::decode_record::<T>(content, true));
                    match described {
                        Ok(Record::Append(log_id, Some(payload))) => {
                            writeln!(f, "    @{offset} {size} B Append {log_id:?} {payload:?}")?
                        }
                        Ok(record) => writeln!(f, "    @{offset} {size} B {record:?}")?,
                        Err(e) => writeln!(f, "    @{offset} {size} B error: {e}")?,
                    }
                }
            }
            if scan.zero_tail {
                writeln!(
                    f,
                    "  zeros @{}: {} B (reserved space, or batches the disk lost)",
                    scan.valid_end,
                    bytes.len() as u64 - scan.valid_end
                )?;
            }
            if let Some(damage) = &scan.damage {
                writeln!(
                    f,
                    "  damaged @{}: {} ({})",
                    damage.offset,
                    damage.reason,
                    if damage.proven_synced {
                        "proven synced: rot"
                    } else {
                        "torn tail"
                    }
                )?;
            }
        }
        Ok(())
    }
}
