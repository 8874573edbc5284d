//! `verify` and `repair`: the recovery's own decisions (a read-only open, or for
//! `repair --apply` a normal open), what they drop, and what that means for Raft.

use crate::common::{self, entries_range};
use crate::dir::{environment_failure, Failure, LogDir};
use crate::exit;
use crate::explain::{self, Refusal};
use crate::scan;
use crate::show;
use raftwal::{ChunkAction, ChunkDecision, RaftLog, RecoveryReport, Types};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Verify,
    RepairDryRun,
    RepairApply,
}

impl Mode {
    fn command(self) -> &'static str {
        match self {
            Mode::Verify => "verify",
            Mode::RepairDryRun | Mode::RepairApply => "repair",
        }
    }
}

/// Runs `verify` or `repair`; writes text or JSON to `out`; returns the exit status.
pub(crate) fn run<T: Types>(
    path: &Path,
    mode: Mode,
    json: bool,
    out: &mut String,
) -> Result<u8, Failure> {
    let dir = LogDir::open(path)?;
    let opened = match mode {
        Mode::Verify => common::open_read_only::<T>(&dir, "verify"),
        Mode::RepairDryRun => common::open_read_only::<T>(&dir, "repair (dry run)"),
        Mode::RepairApply => common::open_for_repair::<T>(&dir),
    };
    match opened {
        Ok(log) => Ok(opened_log(&dir, &log, mode, json, out)),
        Err(error) => {
            if let Some(failure) = environment_failure(&dir.path, &error) {
                return Err(failure);
            }
            let refusal = explain::refusal::<T>(&dir, error);
            refused(&dir, &refusal, mode, json, out);
            Ok(exit::REFUSED)
        }
    }
}

fn refused(dir: &LogDir, refusal: &Refusal, mode: Mode, json: bool, out: &mut String) {
    if json {
        let value = json!({
            "command": mode.command(),
            "dir": dir.display(),
            "applied": false,
            "status": "refused",
            "exit_code": exit::REFUSED,
            "format_version": raftwal::FORMAT_VERSION,
            "refusal": refusal.json(),
        });
        let _ = writeln!(out, "{value:#}");
        return;
    }
    let what = match mode {
        Mode::Verify => "open would refuse the log",
        Mode::RepairDryRun => "open would refuse the log, and repair cannot fix that",
        Mode::RepairApply if dir.has_lock_file => "open refused the log: nothing was changed",
        // The lock comes before the scan: a copied directory gains an empty LOCK.
        Mode::RepairApply => {
            "open refused the log: nothing was changed but the empty LOCK file its lock created"
        }
    };
    let _ = writeln!(
        out,
        "{} {}: {what} (exit {})",
        mode.command(),
        dir.display(),
        exit::REFUSED
    );
    refusal.text(out);
}

fn opened_log<T: Types>(
    dir: &LogDir,
    log: &RaftLog<T>,
    mode: Mode,
    json: bool,
    out: &mut String,
) -> u8 {
    let report = log.recovery_report();
    let dropping = !report.dropped.is_empty();
    let code = match (mode, dropping) {
        (Mode::RepairApply, _) | (_, false) => exit::OK,
        (_, true) => exit::DAMAGED,
    };
    if json {
        opened_json(dir, log, mode, code, out);
    } else {
        opened_text(dir, log, mode, code, out);
    }
    code
}

/// The JSON report of an opened log (`verify --json`, `repair --json`).
fn opened_json<T: Types>(dir: &LogDir, log: &RaftLog<T>, mode: Mode, code: u8, out: &mut String) {
    let report = log.recovery_report();
    let applied = report.applied;
    let dropping = !report.dropped.is_empty();
    let status = match (mode, dropping) {
        (Mode::RepairApply, true) => "repaired",
        (Mode::RepairApply, false) => "opened",
        (_, false) => "healthy",
        (_, true) => "damaged",
    };
    let raft = explain::raft_note(report, log.log_state());
    let dropped_of = |chunk: &str| report.dropped.iter().find(|d| d.chunk == chunk);
    let problems: Vec<Value> = report
        .decisions
        .iter()
        .filter(|d| explain::drops(d.action))
        .map(|d| {
            let mut value = dropped_of(&d.chunk)
                .map_or_else(|| json!({"file": d.chunk}), explain::dropped_json);
            value["dropped_bytes"] = json!(explain::dropped_bytes(d));
            value["action"] = explain::action_json(d.action);
            value["open"] = json!(explain::action_text(d, applied));
            value["finding"] = json!(d.finding);
            value
        })
        .collect();
    let value = json!({
        "command": mode.command(),
        "dir": dir.display(),
        "applied": applied,
        "status": status,
        "exit_code": code,
        "format_version": raftwal::FORMAT_VERSION,
        "chunks": report.decisions.iter().map(|d| json!({
            "file": d.chunk,
            "len_bytes": d.len_bytes,
            "valid_end": d.valid_end,
            "records": d.records,
            "finding": d.finding,
            "action": explain::action_json(d.action),
        })).collect::<Vec<_>>(),
        "problems": problems,
        "dropped_bytes": report.decisions.iter().map(explain::dropped_bytes).sum::<u64>(),
        "blank_files_removed": report.blank_files_removed,
        "garbage_cut_bytes": report.garbage_cut_bytes,
        "state": common::state_json(log),
        "raft": raft.as_ref().map(|r| r.json()),
        "refusal": Value::Null,
    });
    let _ = writeln!(out, "{value:#}");
}

/// The text report of an opened log: the head line, each problem, the notes, the
/// state kept, and what to do next.
fn opened_text<T: Types>(dir: &LogDir, log: &RaftLog<T>, mode: Mode, code: u8, out: &mut String) {
    let report = log.recovery_report();
    let applied = report.applied;
    let dropping = !report.dropped.is_empty();
    let head = match (mode, dropping) {
        (Mode::Verify, false) => "healthy".to_string(),
        (Mode::Verify, true) => "damaged; open would recover it".to_string(),
        (Mode::RepairDryRun, false) => {
            "dry run: nothing to repair, the log opens as it is".to_string()
        }
        (Mode::RepairDryRun, true) => {
            "dry run (nothing is changed): what open would drop".to_string()
        }
        (Mode::RepairApply, false) => {
            "opened the log for writing (a normal open): nothing was dropped".to_string()
        }
        (Mode::RepairApply, true) => {
            "opened the log for writing (a normal open): it dropped what follows".to_string()
        }
    };
    let _ = writeln!(
        out,
        "{} {}: {head} (exit {code})",
        mode.command(),
        dir.display()
    );
    let records: u64 = report.decisions.iter().map(|d| d.records).sum();
    let _ = writeln!(
        out,
        "  {}, {} B read and checked, {records} records, entries {}",
        show::count(report.decisions.len(), "chunk file"),
        report.decisions.iter().map(|d| d.len_bytes).sum::<u64>(),
        show::range(entries_range(log))
    );

    let open = if applied { "open did" } else { "open would" };
    let mut number = 0;
    for d in report.decisions.iter().filter(|d| explain::drops(d.action)) {
        number += 1;
        problem_text(report, d, number, out);
    }
    for d in report.decisions.iter().filter(|d| {
        matches!(
            d.action,
            ChunkAction::CutGarbage { .. } | ChunkAction::RemoveBlank
        )
    }) {
        let _ = writeln!(
            out,
            "note: {}: {open} {} (nothing of the log is lost)",
            d.chunk,
            explain::action_text(d, applied)
        );
    }
    if !applied
        && report
            .decisions
            .iter()
            .all(|d| d.action == ChunkAction::Keep)
    {
        let _ = writeln!(out, "  open would change nothing");
    }
    if dropping || mode != Mode::Verify {
        let _ = writeln!(
            out,
            "the log {}:",
            if applied { "now holds" } else { "would keep" }
        );
        common::state_text(log, out);
    }
    if let Some(raft) = &explain::raft_note(report, log.log_state()) {
        raft.text(out);
    }
    next_step_text(dir, mode, dropping, out);
}

/// Problem `number` of the text report: chunk `d`, whose bytes the open drops.
fn problem_text(report: &RecoveryReport, d: &ChunkDecision, number: usize, out: &mut String) {
    let applied = report.applied;
    let open = if applied { "open did" } else { "open would" };
    let (offset, damage) = match d.action {
        ChunkAction::QuarantineTail { from, damage } => (from, damage),
        ChunkAction::QuarantineFile { damage } => (0, damage),
        _ => return,
    };
    let _ = writeln!(
        out,
        "problem {number}: {} at offset {offset}: {damage}",
        d.chunk
    );
    if matches!(d.action, ChunkAction::QuarantineTail { .. }) {
        let _ = writeln!(out, "  {}", scan::proven_text(false));
    }
    let _ = writeln!(out, "  scan: {}", d.finding);
    match report.dropped.iter().find(|x| x.chunk == d.chunk) {
        Some(dropped) => {
            let kept = match dropped.last_index_kept {
                Some(index) => format!(
                    "entries after index {index} that were in these bytes (the log keeps entries up to {index})"
                ),
                None => "any entry in these bytes (the log keeps no entry)".to_string(),
            };
            let _ = writeln!(
                out,
                "  affects: {kept}; the file loses {} B",
                explain::dropped_bytes(d)
            );
            if dropped.unreadable_bytes > 0 {
                let _ = writeln!(
                    out,
                    "  unreadable: {} B (copied as zeros)",
                    dropped.unreadable_bytes
                );
            }
            let _ = writeln!(out, "  {open}: {}", explain::action_text(d, applied));
            if applied {
                let _ = writeln!(
                    out,
                    "  the bytes are now in: {} ({} B)",
                    dropped.quarantine_file, dropped.size_bytes
                );
            }
        }
        None => {
            let _ = writeln!(out, "  {open}: {}", explain::action_text(d, applied));
        }
    }
}

/// What the operator does next, after a report that found something to drop.
fn next_step_text(dir: &LogDir, mode: Mode, dropping: bool, out: &mut String) {
    match (mode, dropping) {
        (Mode::Verify, true) => {
            let _ = writeln!(
                out,
                "to repair: stop the node, then `raftwal repair {} --apply` (a normal open of the log does the same).",
                dir.display()
            );
        }
        (Mode::RepairDryRun, true) => {
            let _ = writeln!(
                out,
                "to do it: stop the node, then `raftwal repair {} --apply` (it takes the directory's lock).",
                dir.display()
            );
        }
        (Mode::RepairApply, true) => {
            let _ = writeln!(
                out,
                "the quarantine files stay in the log directory (the log ignores them): delete them once the bytes are no longer needed."
            );
        }
        _ => {}
    }
}
