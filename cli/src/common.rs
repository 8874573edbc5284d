//! Opening the log the way each command needs, with a progress bar on a terminal,
//! and the log's state in words and in JSON.

use crate::dir::LogDir;
use crate::show;
use indicatif::{ProgressBar, ProgressStyle};
use raftwal::{Config, Error, RaftLog, ScanProgress, Types};
use serde_json::{json, Value};
use std::io::IsTerminal;
use std::sync::Arc;

/// Logs at least this large get a progress bar while a scan reads them.
const BAR_MIN_BYTES: u64 = 16 << 20;

/// The bar: what is being done, how far (bytes), how fast (MB/s), how long still.
const BAR_TEMPLATE: &str =
    "{msg} [{wide_bar}] {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} ETA {eta}";

/// A progress bar on standard error for a scan of the chunk files, fed by the
/// library's progress hook ([`raftwal::ScanProgress`]): only when standard error is
/// a terminal and the log has at least [`BAR_MIN_BYTES`]; otherwise it does nothing
/// (nothing is printed: output to a pipe or a file, and so the tests, are unchanged).
/// It is cleared when dropped.
pub(crate) struct ScanBar {
    bar: Option<ProgressBar>,
    /// The chunk ids, in order, to say which file of how many is being read.
    ids: Vec<u64>,
    what: &'static str,
}

impl ScanBar {
    /// A bar for a scan of `dir`'s chunk files; `what` says which scan.
    pub(crate) fn start(dir: &LogDir, what: &'static str) -> Self {
        let bytes = dir.chunk_bytes();
        let shown = bytes >= BAR_MIN_BYTES && std::io::stderr().is_terminal();
        let ids: Vec<u64> = dir.chunks.iter().map(|(name, _)| chunk_id(name)).collect();
        let bar = shown.then(|| {
            let bar = ProgressBar::new(bytes);
            if let Ok(style) = ProgressStyle::with_template(BAR_TEMPLATE) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(format!("{what} chunk 1/{}", ids.len()));
            bar
        });
        Self { bar, ids, what }
    }

    /// Moves the bar to where the scan is.
    pub(crate) fn update(&self, progress: ScanProgress) {
        let Some(bar) = &self.bar else { return };
        bar.set_length(progress.bytes_total);
        bar.set_position(progress.bytes_done);
        let at = self.ids.partition_point(|&id| id <= progress.chunk_id);
        bar.set_message(format!("{} chunk {at}/{}", self.what, self.ids.len()));
    }
}

impl Drop for ScanBar {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn config(dir: &LogDir) -> Arc<Config> {
    Arc::new(Config::new(&dir.path))
}

/// The read-only open: no lock, no write, the recovery's own decisions; a progress
/// bar on a terminal while it scans.
pub(crate) fn open_read_only<T: Types>(
    dir: &LogDir,
    what: &'static str,
) -> Result<RaftLog<T>, Error> {
    let bar = ScanBar::start(dir, what);
    let hook = |progress| bar.update(progress);
    RaftLog::open_read_only_with_progress(dir.storage.clone(), config(dir), &hook)
}

/// A normal open (takes the lock, carries out the recovery table), with a progress
/// bar on a terminal while it scans. Creates nothing: the directory was checked to be
/// a log directory.
pub(crate) fn open_for_repair<T: Types>(dir: &LogDir) -> Result<RaftLog<T>, Error> {
    let bar = ScanBar::start(dir, "repair --apply: open");
    let hook = |progress| bar.update(progress);
    RaftLog::open_with_progress(dir.storage.clone(), config(dir), &hook)
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
