//! [`Dump`]: a record-by-record listing of the chunk files, for debugging and for
//! snapshot tests of the on-disk format.

use crate::format::{self, chunk_file_name, Record};
use crate::log::{scan_for_dump, RaftLog, ScannedBatch, ScannedHeader, ScannedStop};
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
            let file = match self.storage.open(&name) {
                Ok(file) => file,
                Err(e) => {
                    writeln!(f, "{name}: error: {e}")?;
                    continue;
                }
            };
            let mut lines = String::new();
            let scanned = scan_for_dump(file.as_ref(), &name, chunk_id, self.check_crc, |batch| {
                describe_batch::<T>(&mut lines, &batch);
                Ok(())
            });
            let scan = match scanned {
                Ok(scan) => scan,
                Err(e) => {
                    writeln!(f, "{name}: error: {e}")?;
                    continue;
                }
            };
            writeln!(f, "{name}: {} bytes", scan.len_bytes)?;
            f.write_str(&lines)?;
            match scan.header {
                ScannedHeader::Valid => {}
                ScannedHeader::Blank => writeln!(f, "  blank: no non-zero byte")?,
                ScannedHeader::Problem(problem) => writeln!(f, "  header: {problem:?}")?,
                ScannedHeader::Unreadable => writeln!(f, "  header: unreadable")?,
            }
            match scan.stop {
                ScannedStop::End => {}
                ScannedStop::Zeros => writeln!(
                    f,
                    "  zeros @{}: {} B (reserved space, or batches the disk lost)",
                    scan.valid_end,
                    scan.len_bytes - scan.valid_end
                )?,
                ScannedStop::Damage {
                    offset,
                    damage,
                    proven,
                } => writeln!(
                    f,
                    "  damaged @{offset}: {damage} ({})",
                    if proven {
                        "proven synced: rot"
                    } else {
                        "torn tail"
                    }
                )?,
            }
        }
        Ok(())
    }
}

/// One line per batch and per record.
fn describe_batch<T: Types>(out: &mut String, batch: &ScannedBatch<'_>) {
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "  batch @{} payload {} B, durable up to {}",
        batch.offset,
        batch.payload.len(),
        batch.durable_offset
    );
    for &(at, size) in batch.records {
        let offset = batch.offset + (format::BATCH_HEADER_SIZE + at) as u64;
        let described = format::verify_record_frame(&batch.payload[at..at + size], true)
            .map_err(|damage| damage.to_string())
            .and_then(|(_, content)| format::decode_record::<T>(content, true));
        let _ = match described {
            Ok(Record::Append(log_id, Some(payload))) => {
                writeln!(out, "    @{offset} {size} B Append {log_id:?} {payload:?}")
            }
            Ok(record) => writeln!(out, "    @{offset} {size} B {record:?}"),
            Err(e) => writeln!(out, "    @{offset} {size} B error: {e}"),
        };
    }
}
