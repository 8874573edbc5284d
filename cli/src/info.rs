//! `info`: what a log directory holds, chunk by chunk, and the log's state.
//!
//! Its figures come from the read-only open's recovery report (one row per chunk
//! file) and from one streamed walk over the index (the entries of each chunk): its
//! memory beyond what the read-only open holds is one row per chunk file, whatever
//! the number of entries (no copy of the index is made). The open itself holds the
//! log's index, as any open does (about 28 B per entry with `(u64, u64)` log ids; no
//! payload), and scans the files in 4 MiB windows.

use crate::common::{self, chunk_id, entries_range};
use crate::dir::{environment_failure, Failure, LogDir};
use crate::exit;
use crate::explain;
use crate::show;
use raftwal::{ChunkAction, ChunkDecision, RaftLog, Types};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::Path;

pub(crate) fn run<T: Types>(path: &Path, json: bool, out: &mut String) -> Result<u8, Failure> {
    let dir = LogDir::open(path)?;
    match common::open_read_only::<T>(&dir, "info") {
        Ok(log) => {
            let summary = OpenedSummary::of(&log);
            if json {
                opened_json(&dir, &log, &summary, out);
            } else {
                opened_text(&dir, &log, &summary, out);
            }
            Ok(exit::OK)
        }
        Err(error) => {
            if let Some(failure) = environment_failure(&dir.path, &error) {
                return Err(failure);
            }
            let refusal = explain::refusal::<T>(&dir, error);
            if json {
                refused_json(&dir, &refusal, out);
            } else {
                refused_text(&dir, &refusal, out);
            }
            Ok(exit::REFUSED)
        }
    }
}

/// `info --json` of a directory whose open refuses: the files as scanned.
fn refused_json(dir: &LogDir, refusal: &explain::Refusal, out: &mut String) {
    let value = json!({
        "dir": dir.display(),
        "format_version": raftwal::FORMAT_VERSION,
        "opens": false,
        "refusal": {"kind": refusal.kind(), "message": refusal.error.to_string()},
        "chunks": (0..refusal.files.len()).map(|i| explain::file_json(&refusal.files, i)).collect::<Vec<_>>(),
        "state": Value::Null,
        "quarantine_files": quarantine_json(dir),
        "other_files": dir.others,
        "totals": totals_json(dir, refusal.files.iter().map(|f| f.records).sum(), None, None),
    });
    let _ = writeln!(out, "{value:#}");
}

/// `info` of a directory whose open refuses: the files as scanned, and why.
fn refused_text(dir: &LogDir, refusal: &explain::Refusal, out: &mut String) {
    heading(
        dir,
        &format!("this build reads {}", raftwal::FORMAT_VERSION),
        &format!(
            "{} ({} B), as scanned (open refuses, so it decided nothing):",
            dir.chunks.len(),
            dir.chunk_bytes()
        ),
        out,
    );
    explain::files_table(&refusal.files, out);
    let _ = writeln!(
        out,
        "state: not available: open refuses: {} ({})",
        refusal.error,
        refusal.kind()
    );
    let _ = writeln!(
        out,
        "  `raftwal verify {}` says what it affects and what to look at.",
        dir.display()
    );
    others_text(dir, out);
}

/// Per chunk file: the first and last index of the log's entries whose records lie
/// in it. Streams the index ([`RaftLog::index_entries`], one entry at a time): memory
/// is one range per chunk file, whatever the number of entries.
fn entries_by_chunk<T: Types>(log: &RaftLog<T>, ids: &[u64]) -> Vec<Option<(u64, u64)>> {
    let mut ranges = vec![None; ids.len()];
    for (index, entry) in log.index_entries() {
        // The last chunk that starts at or before the record.
        let Some(at) = ids.partition_point(|&id| id <= entry.offset).checked_sub(1) else {
            continue;
        };
        ranges[at] = Some(match ranges[at] {
            None => (index, index),
            Some((first, _)) => (first, index),
        });
    }
    ranges
}

/// What `info` says of one chunk file of a log that opens.
struct ChunkSummary<'a> {
    /// What the open decided for the file.
    decision: &'a ChunkDecision,
    /// The chunk id its name gives.
    chunk_id: u64,
    /// The first and last index of the entries whose records lie in the chunk.
    entry_range: Option<(u64, u64)>,
    /// Bytes after the chunk's valid end, and what they are.
    after_valid_end_bytes: u64,
    after_valid_end: &'static str,
}

/// What `info` says of a log that opens, computed once for the text and the JSON.
struct OpenedSummary<'a> {
    chunks: Vec<ChunkSummary<'a>>,
    /// Zeros after the valid end of the chunks the open keeps (reserved space).
    reserved_bytes: u64,
    /// Records in all chunk files.
    records: u64,
    /// Entries the log holds (from its first index to its last).
    entry_count: u64,
    /// Bytes the open drops into the quarantine.
    dropped_bytes: u64,
}

impl<'a> OpenedSummary<'a> {
    fn of<T: Types>(log: &'a RaftLog<T>) -> Self {
        let decisions = &log.recovery_report().decisions;
        let ids: Vec<u64> = decisions.iter().map(|d| chunk_id(&d.chunk)).collect();
        let ranges = entries_by_chunk(log, &ids);
        let chunks: Vec<ChunkSummary<'a>> = decisions
            .iter()
            .zip(ids)
            .zip(ranges)
            .map(|((decision, chunk_id), entry_range)| {
                let bytes = decision.len_bytes - decision.valid_end.min(decision.len_bytes);
                ChunkSummary {
                    decision,
                    chunk_id,
                    entry_range,
                    after_valid_end_bytes: bytes,
                    after_valid_end: after_valid_end(decision.action, bytes),
                }
            })
            .collect();
        Self {
            reserved_bytes: chunks
                .iter()
                .filter(|c| c.decision.action == ChunkAction::Keep)
                .map(|c| c.after_valid_end_bytes)
                .sum(),
            records: decisions.iter().map(|d| d.records).sum(),
            entry_count: log.log_state().next_index() - log.first_index(),
            dropped_bytes: decisions.iter().map(explain::dropped_bytes).sum(),
            chunks,
        }
    }
}

/// What the `bytes` after a chunk's valid end are, given what the open does with it.
fn after_valid_end(action: ChunkAction, bytes: u64) -> &'static str {
    match action {
        _ if bytes == 0 => "",
        ChunkAction::Keep => "zeros (reserved space)",
        ChunkAction::CutGarbage { .. } => "garbage (open cuts it)",
        ChunkAction::QuarantineTail { .. } => "damaged (open quarantines it)",
        ChunkAction::QuarantineFile { .. } => "unusable (open quarantines the file)",
        ChunkAction::RemoveBlank => "blank (open removes the file)",
    }
}

/// `info --json` of a log that opens.
fn opened_json<T: Types>(
    dir: &LogDir,
    log: &RaftLog<T>,
    summary: &OpenedSummary,
    out: &mut String,
) {
    let chunks: Vec<Value> = summary
        .chunks
        .iter()
        .map(|c| {
            let d = c.decision;
            json!({
                "file": d.chunk,
                "chunk_id": c.chunk_id,
                "len_bytes": d.len_bytes,
                "valid_end": d.valid_end,
                "after_valid_end_bytes": c.after_valid_end_bytes,
                "after_valid_end": c.after_valid_end,
                "records": d.records,
                "entries": c.entry_range.map(|(a, b)| json!({"first": a, "last": b})),
                "open_action": explain::action_json(d.action),
            })
        })
        .collect();
    let value = json!({
        "dir": dir.display(),
        "format_version": raftwal::FORMAT_VERSION,
        "opens": true,
        "refusal": Value::Null,
        "chunks": chunks,
        "state": common::state_json(log),
        "open_would_drop_bytes": summary.dropped_bytes,
        "quarantine_files": quarantine_json(dir),
        "other_files": dir.others,
        "totals": totals_json(dir, summary.records, Some(summary.entry_count), Some(summary.reserved_bytes)),
    });
    let _ = writeln!(out, "{value:#}");
}

/// `info` of a log that opens: a row per chunk file, the state, the other files and
/// the totals.
fn opened_text<T: Types>(
    dir: &LogDir,
    log: &RaftLog<T>,
    summary: &OpenedSummary,
    out: &mut String,
) {
    heading(
        dir,
        &format!(
            "{} (every chunk header; another version would be refused)",
            raftwal::FORMAT_VERSION
        ),
        &format!(
            "{} ({} B)",
            summary.chunks.len(),
            summary
                .chunks
                .iter()
                .map(|c| c.decision.len_bytes)
                .sum::<u64>()
        ),
        out,
    );
    chunks_table(&summary.chunks, out);
    let _ = writeln!(out, "state:");
    common::state_text(log, out);
    others_text(dir, out);
    let _ = writeln!(
        out,
        "totals: {}, {} B, {} records, {} entries (indexes {}), {} B reserved, {} ({} B)",
        show::count(summary.chunks.len(), "chunk file"),
        dir.chunk_bytes(),
        summary.records,
        summary.entry_count,
        show::range(entries_range(log)),
        summary.reserved_bytes,
        show::count(dir.quarantine.len(), "quarantine file"),
        dir.quarantine.iter().map(|q| q.len_bytes).sum::<u64>()
    );
    if log.recovery_report().dropped.is_empty() {
        let _ = writeln!(out, "open: drops nothing");
    } else {
        let _ = writeln!(
            out,
            "open: would drop {} B into the quarantine: `raftwal verify {}` says what and why",
            summary.dropped_bytes,
            dir.display()
        );
    }
}

/// The first three lines of `info`'s text: the directory, then `version` and `chunks`
/// after their labels.
fn heading(dir: &LogDir, version: &str, chunks: &str, out: &mut String) {
    let _ = writeln!(out, "log directory: {}", dir.display());
    let _ = writeln!(out, "format version: {version}");
    let _ = writeln!(out, "chunk files: {chunks}");
}

/// The table of chunk files of `info`'s text.
fn chunks_table(chunks: &[ChunkSummary], out: &mut String) {
    let mut rows = vec![[
        "file".to_string(),
        "id".to_string(),
        "length".to_string(),
        "valid end".to_string(),
        "after valid end".to_string(),
        "records".to_string(),
        "entries".to_string(),
        "open".to_string(),
    ]];
    for c in chunks {
        let d = c.decision;
        rows.push([
            d.chunk.clone(),
            c.chunk_id.to_string(),
            d.len_bytes.to_string(),
            d.valid_end.to_string(),
            if c.after_valid_end_bytes == 0 {
                "-".to_string()
            } else {
                format!("{} B {}", c.after_valid_end_bytes, c.after_valid_end)
            },
            d.records.to_string(),
            show::range(c.entry_range),
            explain::action_short(d.action).to_string(),
        ]);
    }
    explain::table(&rows, out);
}

fn others_text(dir: &LogDir, out: &mut String) {
    if dir.quarantine.is_empty() {
        let _ = writeln!(out, "quarantine files: none");
    } else {
        let _ = writeln!(out, "quarantine files (bytes an open dropped, kept aside):");
        let rows: Vec<[String; 3]> = dir
            .quarantine
            .iter()
            .map(|q| {
                [
                    q.file.clone(),
                    format!("{} B", q.len_bytes),
                    format!(
                        "from chunk {:020}.wal at offset {}",
                        q.parsed.chunk_id, q.parsed.offset_bytes
                    ),
                ]
            })
            .collect();
        explain::table(&rows, out);
    }
    if !dir.others.is_empty() {
        let _ = writeln!(
            out,
            "other files (the log ignores them): {}",
            dir.others.join(", ")
        );
    }
    if !dir.has_lock_file {
        let _ = writeln!(
            out,
            "no LOCK file (no open has run here since the files were copied)"
        );
    }
}

fn quarantine_json(dir: &LogDir) -> Value {
    dir.quarantine
        .iter()
        .map(|q| {
            json!({
                "file": q.file,
                "len_bytes": q.len_bytes,
                "chunk_id": q.parsed.chunk_id,
                "offset": q.parsed.offset_bytes,
            })
        })
        .collect()
}

fn totals_json(dir: &LogDir, records: u64, entries: Option<u64>, reserved: Option<u64>) -> Value {
    json!({
        "chunk_files": dir.chunks.len(),
        "chunk_bytes": dir.chunk_bytes(),
        "records": records,
        "entries": entries,
        "reserved_bytes": reserved,
        "quarantine_files": dir.quarantine.len(),
        "quarantine_bytes": dir.quarantine.iter().map(|q| q.len_bytes).sum::<u64>(),
    })
}
