//! What a refusal, an action of the recovery table, and a drop mean for the
//! operator: the words `verify`, `repair` and `info` print.

use crate::dir::LogDir;
use crate::scan::{self, FileScan};
use crate::show;
use raftwal::{
    ChunkAction, ChunkDecision, DamageKind, Dropped, DumpHeader, DumpStop, Error, RaftLogState,
    RecoveryReport, Types,
};
use serde_json::{json, Value};

/// Why open refuses, what it affects and what to look at.
pub(crate) struct Refusal {
    pub(crate) error: Error,
    pub(crate) affects: Vec<String>,
    pub(crate) look_at: Vec<String>,
    /// The raw scan of every chunk file (open decided nothing).
    pub(crate) files: Vec<FileScan>,
}

const NOTHING_CHANGED: &str = "open refuses and changes nothing on disk; so does this command.";

pub(crate) fn refusal<T: Types>(dir: &LogDir, error: Error) -> Refusal {
    let probe = match &error {
        Error::Corrupt { chunk, offset, .. } => Some((chunk.as_str(), *offset)),
        _ => None,
    };
    let bar = crate::common::ScanBar::start(dir, "open refuses; raw scan");
    let hook = |progress| bar.update(progress);
    let files = scan::scan_files::<T>(dir.storage.as_ref(), probe, &hook).unwrap_or_default();
    drop(bar);
    let file = |name: &str| files.iter().find(|f| f.file == name);
    let written = |name: &str| {
        file(name).map_or_else(
            || format!("{name}: not scanned"),
            |f| {
                format!(
                    "{name}: {} B, valid to {}, entries written {}",
                    f.len_bytes,
                    f.valid_end,
                    show::range(f.written)
                )
            },
        )
    };
    let mut affects = Vec::new();
    let mut look_at = vec![NOTHING_CHANGED.to_string()];
    match &error {
        Error::Corrupt {
            chunk,
            offset: _,
            damage,
            ..
        } => {
            if *damage == DamageKind::MissingEntries {
                affects.push("entries the later chunks need are in no chunk file".to_string());
                look_at.push("a chunk file was lost (deleted, or not restored with the others): restore it from a backup.".to_string());
            } else {
                match file(chunk).and_then(|f| f.last_index_before_probe) {
                    Some(index) => affects.push(format!(
                        "the entries of {chunk} up to index {index} lie before the damage; entries after index {index}, and every later record of the log, lie behind it"
                    )),
                    None => affects.push(format!(
                        "no entry of {chunk} lies before the damage: its entries and every later record of the log lie behind it"
                    )),
                }
                if *damage == DamageKind::InvalidRecord {
                    look_at.push("a record whose checksums match does not decode, or breaks a rule of the log: most often the log was written with other types than this tool's (choose the right --types, or build a binary for your types: see --help); otherwise a chunk of another log, or a bug.".to_string());
                } else {
                    look_at.push("bytes that had been synced (acknowledged) are damaged: open will not drop them. Look at the disk: the kernel log (dmesg) for I/O errors, the drive's health (SMART), and whether a file was copied or edited in part.".to_string());
                }
            }
            look_at.push("`raftwal dump DIR` lists every record up to the damage.".to_string());
            look_at.push("to bring the node back: restore the directory from a backup, or rebuild the node from the leader (move the directory aside and keep it, start the node empty, let it catch up from a snapshot; as a new member if your Raft requires it). `repair` cannot fix this: it drops only what open would drop.".to_string());
        }
        Error::UnsupportedVersion {
            chunk,
            version,
            supported,
        } => {
            affects.push(format!("this build can read none of {chunk}'s records"));
            if version > supported {
                look_at.push(format!("{chunk} was written by a newer raftwal (format version {version}; this build reads {supported}): an upgrade was rolled back. Run the newer release again (roll the upgrade forward): the log opens there with every entry."));
            } else {
                look_at.push(format!("{chunk} was written by an older raftwal (format version {version}; this build reads {supported}): run a release that reads version {version}."));
            }
        }
        Error::ChunkConflict { chunk, other, .. } => {
            affects.push(written(chunk));
            affects.push(written(other));
            look_at.push(format!("{other} contradicts {chunk}: a stray file, a restored backup, or a file of another log. Look at both (`raftwal dump DIR`), move the one that does not belong out of the directory (keep a copy), and verify again: the log then opens with every acknowledged entry."));
        }
        Error::ChunkGap {
            chunk,
            expected_offset,
        } => {
            affects.push(format!(
                "the log's bytes from global offset {expected_offset} up to {chunk} are in no file"
            ));
            look_at.push(
                "a chunk file is missing, or one ends early: restore it from a backup.".to_string(),
            );
        }
        _ => {}
    }
    Refusal {
        error,
        affects,
        look_at,
        files,
    }
}

impl Refusal {
    pub(crate) fn kind(&self) -> String {
        format!("{:?}", self.error.kind())
    }

    pub(crate) fn text(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = writeln!(out, "error ({}): {}", self.kind(), self.error);
        for line in &self.affects {
            let _ = writeln!(out, "  affects: {line}");
        }
        let _ = writeln!(out, "what to do:");
        for line in &self.look_at {
            let _ = writeln!(out, "  - {line}");
        }
        let _ = writeln!(out, "chunk files (raw scan; open decided nothing):");
        files_table(&self.files, out);
    }

    pub(crate) fn json(&self) -> Value {
        let (chunk, other, offset, damage) = match &self.error {
            Error::Corrupt {
                chunk,
                offset,
                damage,
                ..
            } => (Some(chunk.clone()), None, Some(*offset), Some(*damage)),
            Error::UnsupportedVersion { chunk, .. } | Error::ChunkGap { chunk, .. } => {
                (Some(chunk.clone()), None, None, None)
            }
            Error::ChunkConflict { chunk, other, .. } => {
                (Some(chunk.clone()), Some(other.clone()), None, None)
            }
            _ => (None, None, None, None),
        };
        json!({
            "kind": self.kind(),
            "message": self.error.to_string(),
            "chunk": chunk,
            "other": other,
            "offset": offset,
            "damage": damage.map(scan::damage_name),
            "affects": self.affects,
            "what_to_do": self.look_at,
            "files": (0..self.files.len()).map(|i| file_json(&self.files, i)).collect::<Vec<_>>(),
        })
    }
}

/// The raw scan as a table.
pub(crate) fn files_table(files: &[FileScan], out: &mut String) {
    let mut rows = vec![[
        "file".to_string(),
        "id".to_string(),
        "length".to_string(),
        "header".to_string(),
        "valid end".to_string(),
        "records".to_string(),
        "entries written".to_string(),
        "then".to_string(),
    ]];
    for (i, f) in files.iter().enumerate() {
        let then = then_text(files, i);
        rows.push([
            f.file.clone(),
            f.chunk_id.to_string(),
            f.len_bytes.to_string(),
            f.header.map(scan::header_text).unwrap_or_default(),
            f.valid_end.to_string(),
            f.records.to_string(),
            show::range(f.written),
            then,
        ]);
    }
    table(&rows, out);
}

/// What follows the valid part of file `i` of the raw scan, in words.
fn then_text(files: &[FileScan], i: usize) -> String {
    let f = &files[i];
    // The raw scan proves damage synced only by a later batch of the same file;
    // open also takes a later chunk file with a valid header as proof.
    let later_chunk = files[i + 1..]
        .first()
        .is_some_and(|next| next.header == Some(DumpHeader::Valid));
    match (&f.error, f.stop) {
            (Some(e), _) => format!("error: {e}"),
            (None, Some(_))
                if matches!(
                    f.header,
                    Some(DumpHeader::Version(_) | DumpHeader::Id(_) | DumpHeader::Foreign)
                ) =>
            {
                "not read further (its header is not this log's)".to_string()
            }
            (None, Some(_)) if f.header == Some(DumpHeader::Blank) => "no log data".to_string(),
            (
                None,
                Some(DumpStop::Damage {
                    offset,
                    damage,
                    proven: false,
                }),
            ) if later_chunk => format!(
                "damaged at {offset}: {damage} (a later chunk file follows, so these bytes had been synced: rot)"
            ),
            (None, Some(stop)) => scan::stop_text(stop, f.len_bytes, f.valid_end),
            (None, None) => String::new(),
    }
}

/// File `i` of the raw scan, as JSON.
pub(crate) fn file_json(files: &[FileScan], i: usize) -> Value {
    let f = &files[i];
    json!({
        "file": f.file,
        "chunk_id": f.chunk_id,
        "len_bytes": f.len_bytes,
        "header": f.header.map(|h| format!("{h:?}")),
        "valid_end": f.valid_end,
        "records": f.records,
        "entries_written": f.written.map(|(a, b)| json!({"first": a, "last": b})),
        "stop": f.stop.map(|_| then_text(files, i)),
        "error": f.error,
    })
}

/// Left-aligned columns, two spaces apart, indented by two.
pub(crate) fn table<const N: usize>(rows: &[[String; N]], out: &mut String) {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::from(" ");
        for (i, (w, cell)) in widths.iter().zip(row).enumerate() {
            line.push(' ');
            line.push_str(cell);
            if i + 1 < N {
                line.extend(std::iter::repeat_n(' ', w - cell.chars().count() + 1));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// What open does with one chunk file, as a verb phrase: `done` for what an open
/// did, else for what it would do.
pub(crate) fn action_text(d: &ChunkDecision, done: bool) -> String {
    let [copy, cut, remove, keep] = if done {
        ["copied", "cut", "removed", "kept"]
    } else {
        ["copy", "cut", "remove", "keep"]
    };
    match d.action {
        ChunkAction::Keep => format!("{keep} it"),
        ChunkAction::CutGarbage { to } => format!(
            "{cut} the {} B after offset {to}: not part of the log (zeros, or bytes past a closed chunk's end)",
            d.len_bytes.saturating_sub(to)
        ),
        ChunkAction::QuarantineTail { from, .. } => format!(
            "{copy} the {} B from offset {from} to a quarantine file in the log directory (trailing zeros are not copied), then {cut} the file to {from} B",
            d.len_bytes.saturating_sub(from)
        ),
        ChunkAction::QuarantineFile { .. } => format!(
            "{copy} the whole file ({} B) to a quarantine file in the log directory (trailing zeros are not copied), then {remove} it",
            d.len_bytes
        ),
        ChunkAction::RemoveBlank => {
            format!("{remove} it: it holds no log data (empty or zeros)")
        }
    }
}

/// The action in a word or two, for tables.
pub(crate) fn action_short(action: ChunkAction) -> &'static str {
    match action {
        ChunkAction::Keep => "keep",
        ChunkAction::CutGarbage { .. } => "cut garbage",
        ChunkAction::QuarantineTail { .. } => "quarantine tail",
        ChunkAction::QuarantineFile { .. } => "quarantine file",
        ChunkAction::RemoveBlank => "remove blank",
    }
}

/// Bytes the action takes out of the log (into the quarantine): from the damage
/// to the end of the file.
pub(crate) fn dropped_bytes(d: &ChunkDecision) -> u64 {
    match d.action {
        ChunkAction::QuarantineTail { from, .. } => d.len_bytes.saturating_sub(from),
        ChunkAction::QuarantineFile { .. } => d.len_bytes,
        _ => 0,
    }
}

/// The action drops log bytes (into the quarantine).
pub(crate) fn drops(action: ChunkAction) -> bool {
    matches!(
        action,
        ChunkAction::QuarantineTail { .. } | ChunkAction::QuarantineFile { .. }
    )
}

pub(crate) fn action_json(action: ChunkAction) -> Value {
    match action {
        ChunkAction::Keep => json!({"kind": "keep"}),
        ChunkAction::CutGarbage { to } => json!({"kind": "cut_garbage", "to": to}),
        ChunkAction::QuarantineTail { from, damage } => {
            json!({"kind": "quarantine_tail", "from": from, "damage": scan::damage_name(damage)})
        }
        ChunkAction::QuarantineFile { damage } => {
            json!({"kind": "quarantine_file", "damage": scan::damage_name(damage)})
        }
        ChunkAction::RemoveBlank => json!({"kind": "remove_blank"}),
    }
}

pub(crate) fn dropped_json(d: &Dropped) -> Value {
    json!({
        "file": d.chunk,
        "offset": d.offset,
        // A read-only open counts the bytes the file loses; an open that did it, the
        // bytes it copied (trailing zeros are not copied).
        "quarantine_bytes": (!d.quarantine_file.is_empty()).then_some(d.size_bytes),
        "damage": scan::damage_name(d.damage),
        "damage_text": d.damage.describe(),
        "unreadable_bytes": d.unreadable_bytes,
        "last_index_kept": d.last_index_kept,
        "quarantine_file": (!d.quarantine_file.is_empty()).then(|| d.quarantine_file.clone()),
    })
}

/// What a drop means for Raft, when anything is dropped.
pub(crate) struct RaftNote {
    pub(crate) last_index_kept: Option<u64>,
    pub(crate) whole_chunk: bool,
    pub(crate) kept_vote: String,
    pub(crate) lines: Vec<String>,
}

pub(crate) fn raft_note<T: Types>(
    report: &RecoveryReport,
    state: &RaftLogState<T>,
) -> Option<RaftNote> {
    if report.dropped.is_empty() {
        return None;
    }
    let last_index_kept = report
        .dropped
        .iter()
        .filter_map(|d| d.last_index_kept)
        .min();
    let whole_chunk = report
        .decisions
        .iter()
        .any(|d| matches!(d.action, ChunkAction::QuarantineFile { .. }));
    let kept_vote = show::opt(state.vote.as_ref());
    let kept = match last_index_kept {
        Some(index) => format!("the log keeps entries up to index {index}; the dropped bytes may hold entries after {index}"),
        None => "the log keeps no entry; the dropped bytes may hold entries".to_string(),
    };
    let after = last_index_kept.map_or_else(
        || "any entry".to_string(),
        |i| format!("entries after index {i}"),
    );
    let mut vote = format!(
        "vote: the log keeps vote {kept_vote}; the dropped bytes may have held a later vote (damaged records cannot be read)"
    );
    if whole_chunk {
        vote.push_str(". A whole chunk file is dropped, and with it its leading state record (vote, committed id, user data)");
    }
    let lines = vec![
        format!("entries: {kept}. No flush acknowledged them if this was a torn write, but rot inside the very last synced write looks exactly the same: if this node told a leader it had {after}, those acknowledged entries are lost."),
        format!("{vote}."),
        "so this node must catch up from the leader before it may vote again: do not let it vote or stand for election until its log holds the leader's committed entries and it has seen the current term (an acknowledged entry it lost may now be on less than a majority; a lost vote could let it vote twice in one term).".to_string(),
    ];
    Some(RaftNote {
        last_index_kept,
        whole_chunk,
        kept_vote,
        lines,
    })
}

impl RaftNote {
    pub(crate) fn text(&self, out: &mut String) {
        out.push_str("what this means for Raft:\n");
        for line in &self.lines {
            out.push_str("  - ");
            out.push_str(line);
            out.push('\n');
        }
    }

    pub(crate) fn json(&self) -> Value {
        json!({
            "last_index_kept": self.last_index_kept,
            "entries_after_last_index_kept_may_be_lost": true,
            "vote_may_be_lost": true,
            "whole_chunk_dropped": self.whole_chunk,
            "kept_vote": self.kept_vote,
            "must_catch_up_before_voting": true,
            "notes": self.lines,
        })
    }
}
