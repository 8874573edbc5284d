//! `dump`: every record of every chunk file with its offset, streamed, from the raw
//! scan ([`raftwal::Dump::visit`]): it works on a log that open refuses.

use crate::dir::{Failure, LogDir};
use crate::exit;
use crate::scan;
use crate::show::{self, shown};
use raftwal::{Dump, DumpHeader, DumpItem, DumpRecord, DumpStop, Types};
use serde_json::{json, Value};
use std::io::{self, Write};
use std::path::Path;

/// Payloads longer than this are cut in the text listing (not with `--full` or
/// `--json`).
const TEXT_PAYLOAD_MAX: usize = 200;

pub(crate) struct Options {
    pub(crate) from: Option<u64>,
    pub(crate) to: Option<u64>,
    pub(crate) entries_only: bool,
    pub(crate) full: bool,
    pub(crate) json: bool,
}

pub(crate) fn run<T: Types>(
    path: &Path,
    options: &Options,
    out: &mut dyn Write,
) -> Result<u8, Failure> {
    let dir = LogDir::open(path)?;
    let mut listing = Listing {
        options,
        dir_name: dir.display(),
        file: String::new(),
        pending_batch: None,
        code: exit::OK,
    };
    let mut write_error: Option<io::Error> = None;
    Dump::<T>::of_storage(dir.storage.as_ref()).visit(|item| {
        if write_error.is_some() {
            return;
        }
        let mut emit = |line: Line| -> io::Result<()> {
            if options.json {
                writeln!(out, "{}", line.value)
            } else {
                writeln!(out, "{}", line.text)
            }
        };
        if let Err(e) = listing.item::<T>(item, &mut emit) {
            write_error = Some(e);
        }
    });
    match write_error.or_else(|| out.flush().err()) {
        // The reader went away (`raftwal dump DIR | head`): not a failure.
        Some(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Some(e) => {
            return Err(crate::dir::io_failure(
                "cannot write the listing of",
                path,
                &e,
            ))
        }
        None => {}
    }
    Ok(listing.code)
}

/// One line of the listing, as text and as JSON (`--json`).
struct Line {
    /// The line of the text listing.
    text: String,
    /// The object printed on its own line with `--json`.
    value: Value,
}

/// The listing's state between the items of the scan.
struct Listing<'a> {
    options: &'a Options,
    /// The directory, for errors that name no file.
    dir_name: String,
    /// The chunk file being listed.
    file: String,
    /// A batch line waits for its first record that is shown.
    pending_batch: Option<Line>,
    /// The exit code: [`exit::CANNOT`] once the scan reported an error.
    code: u8,
}

impl Listing<'_> {
    /// Emits the lines of `item`.
    fn item<T: Types>(
        &mut self,
        item: DumpItem<T>,
        emit: &mut impl FnMut(Line) -> io::Result<()>,
    ) -> io::Result<()> {
        match item {
            DumpItem::Chunk { name, chunk_id } => {
                self.file = name;
                self.pending_batch = None;
                emit(Line {
                    text: format!("{} (chunk id {chunk_id})", self.file),
                    value: json!({"type": "chunk", "file": self.file, "chunk_id": chunk_id}),
                })
            }
            DumpItem::Batch {
                offset,
                payload_bytes,
                durable_offset,
            } => {
                self.pending_batch = Some(Line {
                    text: format!("  batch @{offset}: {payload_bytes} B of records, durable up to {durable_offset}"),
                    value: json!({
                        "type": "batch",
                        "file": self.file,
                        "offset": offset,
                        "payload_bytes": payload_bytes,
                        "durable_offset": durable_offset,
                    }),
                });
                Ok(())
            }
            DumpItem::Record {
                offset,
                size_bytes,
                record,
            } => {
                if !self.shows::<T>(&record) {
                    return Ok(());
                }
                let max = (!self.options.full).then_some(TEXT_PAYLOAD_MAX);
                let (text, mut value) = describe::<T>(record, max);
                value["type"] = json!("record");
                value["file"] = json!(self.file);
                value["offset"] = json!(offset);
                value["size"] = json!(size_bytes);
                if let Some(batch) = self.pending_batch.take() {
                    emit(batch)?;
                }
                emit(Line {
                    text: format!("    @{offset} {size_bytes} B {text}"),
                    value,
                })
            }
            DumpItem::ChunkEnd {
                len_bytes,
                valid_end,
                header,
                stop,
            } => {
                let header_words = match header {
                    DumpHeader::Valid => String::new(),
                    other => format!("header {}; ", scan::header_text(other)),
                };
                emit(Line {
                    text: format!(
                        "  end: {len_bytes} B; {header_words}{}",
                        scan::stop_text(stop, len_bytes, valid_end)
                    ),
                    value: json!({
                        "type": "chunk_end",
                        "file": self.file,
                        "len_bytes": len_bytes,
                        "valid_end": valid_end,
                        "header": format!("{header:?}"),
                        "stop": stop_json(stop),
                    }),
                })
            }
            DumpItem::Error { name, error } => {
                self.code = exit::CANNOT;
                let name = name.unwrap_or_else(|| self.dir_name.clone());
                emit(Line {
                    text: format!("{name}: error: {error}"),
                    value: json!({"type": "error", "file": name, "error": error.to_string()}),
                })
            }
        }
    }

    /// Whether the listing shows `record`: an entry inside `--from`/`--to`, any other
    /// record unless `--entries-only`.
    fn shows<T: Types>(&self, record: &Result<DumpRecord<T>, String>) -> bool {
        let options = self.options;
        match record {
            Ok(DumpRecord::Append(log_id, _)) => {
                let index = T::log_index(log_id);
                options.from.is_none_or(|from| index >= from)
                    && options.to.is_none_or(|to| index <= to)
            }
            _ => !options.entries_only,
        }
    }
}

fn stop_json(stop: DumpStop) -> Value {
    match stop {
        DumpStop::End => json!({"kind": "end"}),
        DumpStop::Zeros => json!({"kind": "zeros"}),
        DumpStop::Damage {
            offset,
            damage,
            proven,
        } => json!({
            "kind": "damage",
            "offset": offset,
            "damage": scan::damage_name(damage),
            "damage_text": damage.describe(),
            "proven_synced": proven,
        }),
    }
}

/// A record in words and as JSON fields.
fn describe<T: Types>(
    record: Result<DumpRecord<T>, String>,
    max: Option<usize>,
) -> (String, Value) {
    match record {
        Err(error) => (
            format!("error: {error}"),
            json!({"kind": "invalid", "error": error}),
        ),
        Ok(DumpRecord::State(state)) => {
            let user_data = state.user_data.as_ref().map(shown);
            (
                format!(
                    "state: vote {}, last {}, committed {}, purged {}, user data {}",
                    show::opt(state.vote.as_ref()),
                    show::opt(state.last.as_ref()),
                    show::opt(state.committed.as_ref()),
                    show::opt(state.purged.as_ref()),
                    user_data
                        .as_ref()
                        .map_or("none".to_string(), |u| u.text(max)),
                ),
                json!({
                    "kind": "state",
                    "vote": show::opt_json(state.vote.as_ref()),
                    "last": show::opt_json(state.last.as_ref()),
                    "committed": show::opt_json(state.committed.as_ref()),
                    "purged": show::opt_json(state.purged.as_ref()),
                    "user_data": user_data.map(|u| u.json()),
                }),
            )
        }
        Ok(DumpRecord::Vote(vote)) => (
            format!("vote {vote:?}"),
            json!({"kind": "vote", "vote": format!("{vote:?}")}),
        ),
        Ok(DumpRecord::Append(log_id, payload)) => {
            let index = T::log_index(&log_id);
            let payload = shown(&payload);
            (
                format!("append index {index} {log_id:?}: {}", payload.text(max)),
                json!({
                    "kind": "append",
                    "index": index,
                    "log_id": format!("{log_id:?}"),
                    "payload": payload.json(),
                }),
            )
        }
        Ok(DumpRecord::Commit(log_id)) => (
            format!("commit {log_id:?}"),
            json!({"kind": "commit", "log_id": format!("{log_id:?}")}),
        ),
        Ok(DumpRecord::Truncate { index, new_last }) => (
            format!(
                "truncate from index {index}, last now {}",
                show::opt(new_last.as_ref())
            ),
            json!({"kind": "truncate", "index": index, "new_last": show::opt_json(new_last.as_ref())}),
        ),
        Ok(DumpRecord::Purge(log_id)) => (
            format!("purge up to {log_id:?}"),
            json!({"kind": "purge", "log_id": format!("{log_id:?}")}),
        ),
        Ok(DumpRecord::UserData(user_data)) => {
            let user_data = user_data.as_ref().map(shown);
            (
                format!(
                    "user data {}",
                    user_data
                        .as_ref()
                        .map_or("none".to_string(), |u| u.text(max))
                ),
                json!({"kind": "user_data", "user_data": user_data.map(|u| u.json())}),
            )
        }
    }
}
