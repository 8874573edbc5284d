//! Opening the log the way each command needs, with a spinner on a terminal, and
//! the log's state in words and in JSON.

use crate::dir::LogDir;
use crate::show;
use indicatif::{ProgressBar, ProgressStyle};
use raftwal::{Config, Error, RaftLog, Types};
use serde_json::{json, Value};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

/// Logs at least this large get a spinner while the open scans them.
const SPINNER_MIN_BYTES: u64 = 16 << 20;

/// A spinner on standard error while a long scan runs, if that is a terminal.
pub(crate) struct Spinner(Option<ProgressBar>);

impl Spinner {
    pub(crate) fn start(dir: &LogDir) -> Self {
        let bytes = dir.chunk_bytes();
        if bytes < SPINNER_MIN_BYTES || !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(format!(
            "reading and checking {} MiB in {}",
            bytes >> 20,
            show::count(dir.chunks.len(), "chunk file")
        ));
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(Some(bar))
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}

fn config(dir: &LogDir) -> Arc<Config> {
    Arc::new(Config::new(dir.display()))
}

/// The read-only open: no lock, no write, the recovery's own decisions.
pub(crate) fn open_read_only<T: Types>(dir: &LogDir) -> Result<RaftLog<T>, Error> {
    let _spinner = Spinner::start(dir);
    RaftLog::open_read_only_with(dir.storage.clone(), config(dir))
}

/// A normal open (takes the lock, carries out the recovery table). Creates nothing:
/// the directory was checked to be a log directory.
pub(crate) fn open_for_repair<T: Types>(dir: &LogDir) -> Result<RaftLog<T>, Error> {
    let _spinner = Spinner::start(dir);
    RaftLog::open_with(dir.storage.clone(), config(dir))
}

/// The first and last index of the entries in the log.
pub(crate) fn entries_range<T: Types>(log: &RaftLog<T>) -> Option<(u64, u64)> {
    let (first, next) = (log.first_index(), log.log_state().next_index());
    (next > first).then(|| (first, next - 1))
}

pub(crate) fn user_data_text<T: Types>(log: &RaftLog<T>) -> String {
    match &log.log_state().user_data {
        None => "none".to_string(),
        Some(data) => format!("{} B (encoded)", show::encoded_len(data)),
    }
}

/// The state, one `name  value` line each, indented by two.
pub(crate) fn state_text<T: Types>(log: &RaftLog<T>, out: &mut String) {
    let state = log.log_state();
    let count = log.log_state().next_index() - log.first_index();
    let rows = [
        ["vote".to_string(), show::opt(state.vote.as_ref())],
        ["committed".to_string(), show::opt(state.committed.as_ref())],
        ["purged".to_string(), show::opt(state.purged.as_ref())],
        ["last".to_string(), show::opt(state.last.as_ref())],
        [
            "entries".to_string(),
            format!("{} ({count})", show::range(entries_range(log))),
        ],
        ["user data".to_string(), user_data_text(log)],
    ];
    crate::explain::table(&rows, out);
}

pub(crate) fn state_json<T: Types>(log: &RaftLog<T>) -> Value {
    let state = log.log_state();
    json!({
        "vote": show::opt_json(state.vote.as_ref()),
        "committed": show::opt_json(state.committed.as_ref()),
        "purged": show::opt_json(state.purged.as_ref()),
        "last": show::opt_json(state.last.as_ref()),
        "first_index": log.first_index(),
        "next_index": state.next_index(),
        "entries": state.next_index() - log.first_index(),
        "user_data_bytes": state.user_data.as_ref().map(show::encoded_len),
    })
}

/// The chunk id of a chunk file name.
pub(crate) fn chunk_id(name: &str) -> u64 {
    name.strip_suffix(".wal")
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(0)
}
