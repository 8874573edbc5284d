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
    let mut code = exit::OK;
    let mut write_error: Option<io::Error> = None;
    let mut file = String::new();
    // A batch line waits for its first record that is shown.
    let mut pending_batch: Option<(String, Value)> = None;
    let max = (!options.full).then_some(TEXT_PAYLOAD_MAX);
    let shown_index = |index: u64| {
        options.from.is_none_or(|from| index >= from) && options.to.is_none_or(|to| index <= to)
    };
    Dump::<T>::of_storage(dir.storage.as_ref()).visit(|item| {
        if write_error.is_some() {
            return;
        }
        let mut emit = |text: String, value: Value| -> io::Result<()> {
            if options.json {
                writeln!(out, "{value}")
            } else {
                writeln!(out, "{text}")
            }
        };
        let result = match item {
            DumpItem::Chunk { name, chunk_id } => {
                file = name;
                pending_batch = None;
                emit(
                    format!("{file} (chunk id {chunk_id})"),
                    json!({"type": "chunk", "file": file, "chunk_id": chunk_id}),
                )
            }
            DumpItem::Batch {
                offset,
                payload_bytes,
                durable_offset,
            } => {
                pending_batch = Some((
                    format!("  batch @{offset}: {payload_bytes} B of records, durable up to {durable_offset}"),
                    json!({
                        "type": "batch",
                        "file": file,
                        "offset": offset,
                        "payload_bytes": payload_bytes,
                        "durable_offset": durable_offset,
                    }),
                ));
                Ok(())
            }
            DumpItem::Record {
                offset,
                size_bytes,
                record,
            } => {
                let show_it = match &record {
                    Ok(DumpRecord::Append(log_id, _)) => shown_index(T::log_index(log_id)),
                    _ => !options.entries_only,
                };
                if !show_it {
                    return;
                }
                let (text, mut value) = describe::<T>(record, max);
                value["type"] = json!("record");
                value["file"] = json!(file);
                value["offset"] = json!(offset);
                value["size"] = json!(size_bytes);
                let batch = pending_batch.take();
                batch
                    .map_or(Ok(()), |(text, value)| emit(text, value))
                    .and_then(|()| emit(format!("    @{offset} {size_bytes} B {text}"), value))
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
                emit(
                    format!(
                        "  end: {len_bytes} B; {header_words}{}",
                        scan::stop_text(stop, len_bytes, valid_end)
                    ),
                    json!({
                        "type": "chunk_end",
                        "file": file,
                        "len_bytes": len_bytes,
                        "valid_end": valid_end,
                        "header": format!("{header:?}"),
                        "stop": stop_json(stop),
                    }),
                )
            }
            DumpItem::Error { name, error } => {
                code = exit::CANNOT;
                let name = name.unwrap_or_else(|| dir.display());
                emit(
                    format!("{name}: error: {error}"),
                    json!({"type": "error", "file": name, "error": error.to_string()}),
                )
            }
        };
        if let Err(e) = result {
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
    Ok(code)
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
