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
use raftwal::{ChunkAction, RaftLog, Types};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::Path;

pub(crate) fn run<T: Types>(path: &Path, json: bool, out: &mut String) -> Result<u8, Failure> {
    let dir = LogDir::open(path)?;
    match common::open_read_only::<T>(&dir, "info") {
        Ok(log) => {
            opened(&dir, &log, json, out);
            Ok(exit::OK)
        }
        Err(error) => {
            if let Some(failure) = environment_failure(&dir.path, &error) {
                return Err(failure);
            }
            let refusal = explain::refusal::<T>(&dir, error);
            if json {
                let value = json!({
                    "dir": dir.display(),
                    "format_version": raftwal::FORMAT_VERSION,
                    "opens": false,
                    "refusal": {"kind": refusal.kind(), "message": refusal.error.to_string()},
                    "chunks": (0..refusal.files.len()).map(|i| explain::file_json(&refusal.files, i)).collect::<Vec<_>>(),
                    "state": Value::Null,
                    "quarantine_files": quarantine_json(&dir),
                    "other_files": dir.others,
                    "totals": totals_json(&dir, refusal.files.iter().map(|f| f.records).sum(), None, None),
                });
                let _ = writeln!(out, "{value:#}");
            } else {
                let _ = writeln!(out, "log directory: {}", dir.display());
                let _ = writeln!(
                    out,
                    "format version: this build reads {}",
                    raftwal::FORMAT_VERSION
                );
                let _ = writeln!(
                    out,
                    "chunk files: {} ({} B), as scanned (open refuses, so it decided nothing):",
                    dir.chunks.len(),
                    dir.chunk_bytes()
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
                others_text(&dir, out);
            }
            Ok(exit::REFUSED)
        }
    }
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

fn opened<T: Types>(dir: &LogDir, log: &RaftLog<T>, json: bool, out: &mut String) {
    let report = log.recovery_report();
    let ids: Vec<u64> = report
        .decisions
        .iter()
        .map(|d| chunk_id(&d.chunk))
        .collect();
    let ranges = entries_by_chunk(log, &ids);
    let after_end = |d: &raftwal::ChunkDecision| {
        let bytes = d.len_bytes - d.valid_end.min(d.len_bytes);
        let what = match d.action {
            _ if bytes == 0 => "",
            ChunkAction::Keep => "zeros (reserved space)",
            ChunkAction::CutGarbage { .. } => "garbage (open cuts it)",
            ChunkAction::QuarantineTail { .. } => "damaged (open quarantines it)",
            ChunkAction::QuarantineFile { .. } => "unusable (open quarantines the file)",
            ChunkAction::RemoveBlank => "blank (open removes the file)",
        };
        (bytes, what)
    };
    let reserved: u64 = report
        .decisions
        .iter()
        .filter(|d| d.action == ChunkAction::Keep)
        .map(|d| d.len_bytes - d.valid_end.min(d.len_bytes))
        .sum();
    let records: u64 = report.decisions.iter().map(|d| d.records).sum();
    let entries = log.log_state().next_index() - log.first_index();

    if json {
        let chunks: Vec<Value> = report
            .decisions
            .iter()
            .zip(&ids)
            .zip(&ranges)
            .map(|((d, id), range)| {
                let (bytes, what) = after_end(d);
                json!({
                    "file": d.chunk,
                    "chunk_id": id,
                    "len_bytes": d.len_bytes,
                    "valid_end": d.valid_end,
                    "after_valid_end_bytes": bytes,
                    "after_valid_end": what,
                    "records": d.records,
                    "entries": range.map(|(a, b)| json!({"first": a, "last": b})),
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
            "open_would_drop_bytes": report.decisions.iter().map(explain::dropped_bytes).sum::<u64>(),
            "quarantine_files": quarantine_json(dir),
            "other_files": dir.others,
            "totals": totals_json(dir, records, Some(entries), Some(reserved)),
        });
        let _ = writeln!(out, "{value:#}");
        return;
    }

    let _ = writeln!(out, "log directory: {}", dir.display());
    let _ = writeln!(
        out,
        "format version: {} (every chunk header; another version would be refused)",
        raftwal::FORMAT_VERSION
    );
    let _ = writeln!(
        out,
        "chunk files: {} ({} B)",
        report.decisions.len(),
        report.decisions.iter().map(|d| d.len_bytes).sum::<u64>()
    );
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
    for ((d, id), range) in report.decisions.iter().zip(&ids).zip(&ranges) {
        let (bytes, what) = after_end(d);
        rows.push([
            d.chunk.clone(),
            id.to_string(),
            d.len_bytes.to_string(),
            d.valid_end.to_string(),
            if bytes == 0 {
                "-".to_string()
            } else {
                format!("{bytes} B {what}")
            },
            d.records.to_string(),
            show::range(*range),
            explain::action_short(d.action).to_string(),
        ]);
    }
    explain::table(&rows, out);
    let _ = writeln!(out, "state:");
    common::state_text(log, out);
    others_text(dir, out);
    let _ = writeln!(
        out,
        "totals: {}, {} B, {records} records, {entries} entries (indexes {}), {reserved} B reserved, {} ({} B)",
        show::count(report.decisions.len(), "chunk file"),
        dir.chunk_bytes(),
        show::range(entries_range(log)),
        show::count(dir.quarantine.len(), "quarantine file"),
        dir.quarantine.iter().map(|q| q.len_bytes).sum::<u64>()
    );
    if report.dropped.is_empty() {
        let _ = writeln!(out, "open: drops nothing");
    } else {
        let _ = writeln!(
            out,
            "open: would drop {} B into the quarantine: `raftwal verify {}` says what and why",
            report
                .decisions
                .iter()
                .map(explain::dropped_bytes)
                .sum::<u64>(),
            dir.display()
        );
    }
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
