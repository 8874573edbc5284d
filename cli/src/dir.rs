//! The directory the operator named: is it a log directory, what is in it, and the
//! failures that are about the environment rather than the log (exit status 3).

use crate::exit;
use raftwal::{Error, QuarantineFile, StdStorage};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A failure to run a command: exit status, a one-line message and hints.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: u8,
    /// A short name for scripts (`not_a_log_directory`, `locked`, ...).
    pub(crate) kind: &'static str,
    pub(crate) message: String,
    pub(crate) hints: Vec<String>,
}

impl Failure {
    pub(crate) fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            code: exit::CANNOT,
            kind,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

const PERMISSION_HINT: &str = "info, verify, dump and repair (without --apply) need only read \
     permission on the directory and its files; repair --apply needs write permission. Run as \
     the user the node runs as.";

/// An I/O error of the tool's own (listing the directory, ...).
pub(crate) fn io_failure(what: &str, path: &Path, e: &io::Error) -> Failure {
    match e.kind() {
        io::ErrorKind::PermissionDenied => Failure::new(
            "permission_denied",
            format!("permission denied: {what} {}", path.display()),
        )
        .hint(PERMISSION_HINT),
        io::ErrorKind::ReadOnlyFilesystem => Failure::new(
            "read_only_filesystem",
            format!("{what} {}: read-only file system", path.display()),
        )
        .hint("info, verify, dump and repair (without --apply) work on a read-only file system; repair --apply must write."),
        _ => Failure::new("io", format!("{what} {}: {e}", path.display())),
    }
}

/// An [`Error::Io`] (or [`Error::Locked`]) from the library, as a failure of the
/// environment; `None` for the errors that are about the log's bytes.
pub(crate) fn environment_failure(dir: &Path, error: &Error) -> Option<Failure> {
    match error {
        Error::Io { op, path, error } => {
            let path = if path.as_os_str() == "log directory" {
                dir.to_path_buf()
            } else if path.components().count() > 1 {
                path.clone()
            } else {
                dir.join(path)
            };
            Some(io_failure(op, &path, error))
        }
        Error::Locked { .. } => Some(
            Failure::new(
                "locked",
                format!(
                    "{} is locked by a running process: a RaftLog holds its LOCK (the node is running, or another repair)",
                    dir.display()
                ),
            )
            .hint("stop the node (or the other repair) before `repair --apply`: it opens the log for writing.")
            .hint("info, verify, dump and repair without --apply still work now: they take no lock and change nothing (they show the log as it is when they scan it)."),
        ),
        _ => None,
    }
}

/// A quarantine file found in the directory.
#[derive(Debug, Clone)]
pub(crate) struct Quarantined {
    pub(crate) file: String,
    pub(crate) len_bytes: u64,
    pub(crate) parsed: QuarantineFile,
}

/// A directory that is a log directory, and what it holds besides chunk files.
pub(crate) struct LogDir {
    pub(crate) path: PathBuf,
    pub(crate) storage: Arc<StdStorage>,
    /// Chunk files and their sizes, in name (= offset) order.
    pub(crate) chunks: Vec<(String, u64)>,
    pub(crate) has_lock_file: bool,
    pub(crate) quarantine: Vec<Quarantined>,
    /// Files the log ignores.
    pub(crate) others: Vec<String>,
}

impl LogDir {
    /// Checks that `path` is a log directory: it exists, is a directory, and holds a
    /// chunk file, a `LOCK` or a quarantine file. Creates nothing.
    pub(crate) fn open(path: &Path) -> Result<Self, Failure> {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(not_a_log(path, "it is not a directory"));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(not_a_log(path, "it does not exist"));
            }
            Err(e) => return Err(io_failure("cannot read", path, &e)),
        }
        let entries = fs::read_dir(path).map_err(|e| io_failure("cannot list", path, &e))?;
        let mut chunks = Vec::new();
        let mut has_lock_file = false;
        let mut quarantine = Vec::new();
        let mut others = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_failure("cannot list", path, &e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            // Through symlinks, as the log's own listing and open do: a chunk file
            // moved to another disk and linked back is a chunk of the log. A chunk's
            // name is a chunk whatever it is (a directory, a dangling link): the log
            // opens it or refuses it, it never ignores it.
            let meta = fs::metadata(entry.path());
            let len = meta.as_ref().map_or(0, |m| m.len());
            let is_file = meta.as_ref().is_ok_and(|m| m.is_file());
            if is_chunk_name(&name) {
                // No bytes for what is not a file (a directory's size is no chunk's).
                chunks.push((name, if is_file { len } else { 0 }));
            } else if is_file && name == "LOCK" {
                has_lock_file = true;
            } else if let Some(parsed) = QuarantineFile::parse(&name).filter(|_| is_file) {
                quarantine.push(Quarantined {
                    file: name,
                    len_bytes: len,
                    parsed,
                });
            } else {
                others.push(name);
            }
        }
        chunks.sort();
        quarantine.sort_by_key(|q| q.parsed);
        others.sort();
        if chunks.is_empty() && !has_lock_file && quarantine.is_empty() {
            let what = match others.len() {
                0 => "it is empty".to_string(),
                n => format!(
                    "it holds {n} other file{} ({})",
                    if n == 1 { "" } else { "s" },
                    others
                        .iter()
                        .take(5)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                        + if n > 5 { ", ..." } else { "" }
                ),
            };
            return Err(not_a_log(
                path,
                &format!("no chunk file and no LOCK: {what}"),
            ));
        }
        let storage = StdStorage::existing(path).map_err(|e| io_failure("cannot use", path, &e))?;
        Ok(Self {
            path: path.to_path_buf(),
            storage: Arc::new(storage),
            chunks,
            has_lock_file,
            quarantine,
            others,
        })
    }

    /// Bytes of all chunk files.
    pub(crate) fn chunk_bytes(&self) -> u64 {
        self.chunks.iter().map(|(_, len)| len).sum()
    }

    pub(crate) fn display(&self) -> String {
        self.path.display().to_string()
    }
}

fn not_a_log(path: &Path, why: &str) -> Failure {
    Failure::new(
        "not_a_log_directory",
        format!("{} is not a raftwal log directory: {why}", path.display()),
    )
    .hint("a log directory holds chunk files named like 00000000000000000000.wal and a LOCK file. Nothing was created or changed.")
}

/// `{20 digits}.wal` naming an offset (a `u64`), as the log names its chunk files and
/// as its listing reads them (a larger number is a foreign file to it).
fn is_chunk_name(name: &str) -> bool {
    name.strip_suffix(".wal").is_some_and(|digits| {
        digits.len() == 20
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits.parse::<u64>().is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::is_chunk_name;

    #[test]
    fn chunk_names_are_those_the_log_reads_as_chunks() {
        assert!(is_chunk_name("00000000000000000000.wal"));
        assert!(is_chunk_name("18446744073709551615.wal"));
        // Past u64::MAX: the log's listing calls it a foreign file, and so does `info`.
        assert!(!is_chunk_name("18446744073709551616.wal"));
        assert!(!is_chunk_name("99999999999999999999.wal"));
        assert!(!is_chunk_name("0000000000000000000.wal"));
        assert!(!is_chunk_name("0000000000000000000a.wal"));
    }
}
