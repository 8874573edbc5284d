//! [`Dump`]: a record-by-record listing of the chunk files, for debugging and for
//! snapshot tests of the on-disk format; [`Dump::visit`] gives the same listing as
//! values, for tools.

use crate::error::Error;
use crate::format::Checksums;
use crate::format::{self, chunk_file_name, HeaderProblem, Record};
use crate::log::{
    scan_for_dump, Progress, ProgressHook, RaftLog, ScannedBatch, ScannedHeader, ScannedStop,
};
use crate::storage::Storage;
use crate::types::{RaftLogState, Types};
use crate::DamageKind;
use std::fmt;
use std::marker::PhantomData;

/// A listing of the log's files as they are on the storage now (buffered writes not
/// yet handed to the worker are not there; flush and wait for the worker first).
pub struct Dump<'a, T: Types> {
    storage: &'a dyn Storage,
    checksums: Checksums,
    progress: Option<ProgressHook<'a>>,
    _types: PhantomData<T>,
}

/// One item of a [`Dump`], in file order: see [`Dump::visit`]. Offsets are within
/// the chunk file.
#[derive(Debug)]
pub enum DumpItem<T: Types> {
    /// A chunk file's listing starts.
    Chunk {
        /// The file name.
        name: String,
        /// The chunk id: the global offset of its first byte.
        chunk_id: u64,
    },
    /// A valid batch of the current chunk.
    Batch {
        /// Offset of the batch header.
        offset: u64,
        /// Bytes of its records.
        payload_bytes: u64,
        /// The durable offset its header records (global).
        durable_offset: u64,
    },
    /// A record of the current batch.
    Record {
        /// Offset of the record's frame.
        offset: u64,
        /// Size of the frame in bytes.
        size_bytes: u64,
        /// The decoded record, or why it does not decode.
        record: Result<DumpRecord<T>, String>,
    },
    /// The current chunk's scan ended.
    ChunkEnd {
        /// The file's length when scanned.
        len_bytes: u64,
        /// `[0, valid_end)` is the header and whole valid batches (0 if the header
        /// is not valid).
        valid_end: u64,
        /// What the chunk header is.
        header: DumpHeader,
        /// How the valid part ends.
        stop: DumpStop,
    },
    /// The directory could not be listed (`name` is `None`), or a chunk file could
    /// not be opened or scanned: its listing ends here, without a `ChunkEnd`.
    Error {
        /// The chunk file, if the error is about one.
        name: Option<String>,
        /// What failed.
        error: Error,
    },
}

/// A decoded record, as a [`Dump`] lists it.
#[derive(Debug, Clone, PartialEq)]
pub enum DumpRecord<T: Types> {
    /// The full state: the first record of every chunk, and `update_state`.
    State(RaftLogState<T>),
    /// `save_vote`.
    Vote(T::Vote),
    /// One appended entry.
    Append(T::LogId, T::LogPayload),
    /// `commit`.
    Commit(T::LogId),
    /// `truncate(index)`; `new_last` is the last log id after it.
    Truncate {
        /// The first index removed.
        index: u64,
        /// The last log id after the truncation.
        new_last: Option<T::LogId>,
    },
    /// `purge(upto)`.
    Purge(T::LogId),
    /// `save_user_data`.
    UserData(Option<T::UserData>),
}

/// What a chunk file's header is, as a [`Dump`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpHeader {
    /// A valid header of this format version ([`crate::FORMAT_VERSION`]) for this
    /// chunk.
    Valid,
    /// The file has no non-zero byte (it may be empty).
    Blank,
    /// Fewer bytes than a header.
    CutShort,
    /// The header's checksum does not match.
    Checksum,
    /// A valid checksum over bytes that are not a raftwal header.
    Foreign,
    /// A raftwal header of another format version.
    Version(u32),
    /// A raftwal header naming another chunk id than its file name.
    Id(u64),
    /// The header's bytes stayed unreadable.
    Unreadable,
}

/// How the valid part of a chunk file ends, as a [`Dump`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpStop {
    /// At the end of the file.
    End,
    /// Only zeros follow `valid_end` (reserved space, or writes that never reached
    /// the disk).
    Zeros,
    /// Damage at `offset`.
    Damage {
        /// Offset of the first damaged byte.
        offset: u64,
        /// What is wrong there.
        damage: DamageKind,
        /// A later valid batch proves the bytes had been synced (rot, not a torn
        /// write).
        proven: bool,
    },
}

impl<T: Types> RaftLog<T> {
    /// A record-by-record listing of the chunk files; print it with `{}`.
    pub fn dump(&self) -> Dump<'_, T> {
        Dump {
            storage: self.storage.as_ref(),
            checksums: self.checksums,
            progress: None,
            _types: PhantomData,
        }
    }
}

impl<'a, T: Types> Dump<'a, T> {
    /// Builds a dump of any storage holding a log (no lock is taken, files are opened
    /// read-only; for tools).
    pub fn of_storage(storage: &'a dyn Storage) -> Dump<'a, T> {
        Dump {
            storage,
            checksums: Checksums::Verify,
            progress: None,
            _types: PhantomData,
        }
    }

    /// The same dump, whose [`Dump::visit`] calls `progress` as its scan of the chunk
    /// files advances (see [`crate::ScanProgress`]; the total is the chunk files'
    /// lengths when `visit` starts, and a file that cannot be opened counts as 0
    /// bytes). The items visited are the same as without it.
    pub fn with_progress(self, progress: ProgressHook<'a>) -> Self {
        Self {
            progress: Some(progress),
            ..self
        }
    }

    /// Scans every chunk file in order, as open does (every checksum checked), and
    /// hands each chunk, batch and record to `visit` as it is found: memory does not
    /// grow with the log. Changes nothing.
    pub fn visit(&self, mut visit: impl FnMut(DumpItem<T>)) {
        let ids = match crate::log::list_chunk_ids(self.storage) {
            Ok(ids) => ids,
            Err(error) => {
                let error = error.in_storage(self.storage);
                return visit(DumpItem::Error { name: None, error });
            }
        };
        let progress = self.progress.map(|hook| {
            let len = |id| {
                let file = self.storage.open_read_only(&chunk_file_name(id)).ok()?;
                file.len().ok()
            };
            Progress::new(hook, ids.iter().map(|&id| len(id).unwrap_or(0)).sum())
        });
        let mut bytes_before = 0;
        for chunk_id in ids {
            if let Some(len_bytes) =
                self.visit_chunk(chunk_id, bytes_before, progress.as_ref(), &mut visit)
            {
                bytes_before += len_bytes;
            }
        }
    }

    /// Scans chunk `chunk_id` (after `bytes_before` bytes of earlier chunks, for the
    /// progress hook) and hands its items to `visit`; its length, if it was scanned.
    fn visit_chunk(
        &self,
        chunk_id: u64,
        bytes_before: u64,
        progress: Option<&Progress<'_>>,
        visit: &mut impl FnMut(DumpItem<T>),
    ) -> Option<u64> {
        let name = chunk_file_name(chunk_id);
        let file = match self.storage.open_read_only(&name) {
            Ok(file) => file,
            Err(e) => {
                let error = Error::io("open", self.storage.path_of(&name), e);
                visit(DumpItem::Error {
                    name: Some(name),
                    error,
                });
                return None;
            }
        };
        visit(DumpItem::Chunk {
            name: name.clone(),
            chunk_id,
        });
        // A stray file named for an offset no log reaches is not scanned (its offset
        // sums would overflow), as the open refuses it.
        let within_reach = file
            .len()
            .map_err(|e| Error::io("len", self.storage.path_of(&name), e))
            .and_then(|len| crate::log::recovery::check_chunk_within_reach(chunk_id, len));
        if let Err(error) = within_reach {
            visit(DumpItem::Error {
                name: Some(name),
                error,
            });
            return None;
        }
        if let Some(progress) = progress {
            progress.start_chunk(chunk_id, bytes_before);
        }
        let scanned = scan_for_dump(
            file.as_ref(),
            &name,
            chunk_id,
            self.checksums,
            progress,
            |batch| {
                visit_batch::<T>(visit, &batch);
                Ok(())
            },
        );
        let scan = match scanned {
            Ok(scan) => scan,
            Err(error) => {
                visit(DumpItem::Error {
                    name: Some(name),
                    error: error.in_storage(self.storage),
                });
                return None;
            }
        };
        if let Some(progress) = progress {
            progress.end_chunk(scan.len_bytes);
        }
        visit(DumpItem::ChunkEnd {
            len_bytes: scan.len_bytes,
            valid_end: scan.valid_end,
            header: dump_header(scan.header),
            stop: dump_stop(scan.stop),
        });
        Some(scan.len_bytes)
    }
}

/// The public face of a scanned chunk header.
fn dump_header(header: ScannedHeader) -> DumpHeader {
    match header {
        ScannedHeader::Valid => DumpHeader::Valid,
        ScannedHeader::Blank => DumpHeader::Blank,
        ScannedHeader::Unreadable => DumpHeader::Unreadable,
        ScannedHeader::Problem(problem) => match problem {
            HeaderProblem::CutShort => DumpHeader::CutShort,
            HeaderProblem::Checksum => DumpHeader::Checksum,
            HeaderProblem::Foreign => DumpHeader::Foreign,
            HeaderProblem::Version(version) => DumpHeader::Version(version),
            HeaderProblem::Id(id) => DumpHeader::Id(id),
        },
    }
}

/// The public face of where a chunk's scan stopped.
fn dump_stop(stop: ScannedStop) -> DumpStop {
    match stop {
        ScannedStop::End => DumpStop::End,
        ScannedStop::Zeros => DumpStop::Zeros,
        ScannedStop::Damage {
            offset,
            damage,
            proven,
        } => DumpStop::Damage {
            offset,
            damage,
            proven,
        },
    }
}

/// The batch, then each of its records.
fn visit_batch<T: Types>(visit: &mut impl FnMut(DumpItem<T>), batch: &ScannedBatch<'_>) {
    visit(DumpItem::Batch {
        offset: batch.offset,
        payload_bytes: batch.payload.len() as u64,
        durable_offset: batch.durable_offset,
    });
    for &(at, size) in batch.records {
        let offset = batch.offset + (format::BATCH_HEADER_SIZE + at) as u64;
        let record = format::verify_record_frame(&batch.payload[at..at + size], Checksums::Verify)
            .map_err(|damage| damage.to_string())
            .and_then(|(_, content)| {
                format::decode_record::<T>(content, true).map_err(|e| e.to_string())
            })
            .and_then(DumpRecord::try_from);
        visit(DumpItem::Record {
            offset,
            size_bytes: size as u64,
            record,
        });
    }
}

impl<T: Types> TryFrom<Record<T>> for DumpRecord<T> {
    type Error = String;

    fn try_from(record: Record<T>) -> Result<Self, String> {
        Ok(match record {
            Record::State(state) => DumpRecord::State(state),
            Record::Vote(vote) => DumpRecord::Vote(vote),
            Record::Append(log_id, Some(payload)) => DumpRecord::Append(log_id, payload),
            Record::Append(_, None) => return Err("append record without payload".into()),
            Record::Commit(log_id) => DumpRecord::Commit(log_id),
            Record::Truncate { index, new_last } => DumpRecord::Truncate { index, new_last },
            Record::Purge(log_id) => DumpRecord::Purge(log_id),
            Record::UserData(user_data) => DumpRecord::UserData(user_data),
        })
    }
}

impl<T: Types> fmt::Display for Dump<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use std::fmt::Write as _;
        // A chunk's lines are written once its length is known (at its end); a chunk
        // whose scan fails shows only the error.
        let mut name = String::new();
        let mut lines = String::new();
        let mut result = Ok(());
        self.visit(|item| {
            if result.is_err() {
                return;
            }
            result = match item {
                DumpItem::Chunk { name: chunk, .. } => {
                    name = chunk;
                    lines.clear();
                    Ok(())
                }
                DumpItem::Batch {
                    offset,
                    payload_bytes,
                    durable_offset,
                } => writeln!(
                    lines,
                    "  batch @{offset} payload {payload_bytes} B, durable up to {durable_offset}"
                ),
                DumpItem::Record {
                    offset,
                    size_bytes: size,
                    record,
                } => match record {
                    Ok(DumpRecord::Append(log_id, payload)) => {
                        writeln!(
                            lines,
                            "    @{offset} {size} B Append {log_id:?} {payload:?}"
                        )
                    }
                    Ok(record) => writeln!(lines, "    @{offset} {size} B {record:?}"),
                    Err(e) => writeln!(lines, "    @{offset} {size} B error: {e}"),
                },
                DumpItem::ChunkEnd {
                    len_bytes,
                    valid_end,
                    header,
                    stop,
                } => write_chunk(f, &name, &lines, len_bytes, valid_end, header, stop),
                DumpItem::Error {
                    name: Some(name),
                    error,
                } => writeln!(f, "{name}: error: {error}"),
                DumpItem::Error { name: None, error } => writeln!(f, "error: {error}"),
            };
        });
        result
    }
}

/// One chunk of the text listing: its length, its lines, its header and its end.
fn write_chunk(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    lines: &str,
    len_bytes: u64,
    valid_end: u64,
    header: DumpHeader,
    stop: DumpStop,
) -> fmt::Result {
    writeln!(f, "{name}: {len_bytes} bytes")?;
    f.write_str(lines)?;
    match header {
        DumpHeader::Valid => {}
        DumpHeader::Blank => writeln!(f, "  blank: no non-zero byte")?,
        DumpHeader::Unreadable => writeln!(f, "  header: unreadable")?,
        problem => writeln!(f, "  header: {problem:?}")?,
    }
    match stop {
        DumpStop::End => Ok(()),
        DumpStop::Zeros => writeln!(
            f,
            "  zeros @{valid_end}: {} B (reserved space, or batches the disk lost)",
            len_bytes - valid_end
        ),
        DumpStop::Damage {
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
        ),
    }
}
