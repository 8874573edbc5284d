//! `raftwal`, the operator's command line for a raftwal log directory: `info`,
//! `verify`, `dump` and `repair`. Everything but `repair --apply` is read-only: no
//! lock is taken, no file is created or written, and it works on a read-only file
//! system and while the node runs.
//!
//! Records are encoded with the log's own [`raftwal::Types`], so the tool is generic
//! over them: [`run`] is the whole command line for one set of types. The `raftwal`
//! binary of this package picks one of the built-in sets ([`types::Pairs`],
//! [`types::Bytes`]) with `--types`. A log written with other types gets its own
//! binary, five lines long:
//!
//! ```no_run
//! // src/bin/raftwal.rs in your crate, with raftwal-cli as a dependency
//! fn main() -> std::process::ExitCode {
//! #   type MyTypes = raftwal_cli::types::Pairs;
//!     raftwal_cli::run::<MyTypes>() // MyTypes: your raftwal::Types
//! }
//! ```
//!
//! Exit status: 0 done, or the log is healthy; 1 `verify`/`repair` found damage that
//! open recovers from (something is dropped into the quarantine); 2 open refuses the
//! log (the typed error is printed, with what to look at); 3 the command could not run
//! (not a log directory, permission denied, locked, I/O error); 64 bad usage.

mod common;
mod dir;
mod dump;
mod explain;
mod info;
mod scan;
mod show;
pub mod types;
mod verify;

use clap::{Parser, Subcommand};
use raftwal::Types;
use serde_json::json;
use std::ffi::OsString;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit statuses of the commands.
pub mod exit {
    /// Done; or `verify`/`repair`: nothing is dropped (at most garbage is cut).
    pub const OK: u8 = 0;
    /// `verify`/`repair`: damaged, and open would recover by moving bytes into the
    /// quarantine.
    pub const DAMAGED: u8 = 1;
    /// Open refuses the log: the typed error says why; nothing was changed.
    pub const REFUSED: u8 = 2;
    /// The command could not run: not a log directory, permission denied, locked
    /// (`repair --apply`), an I/O error.
    pub const CANNOT: u8 = 3;
    /// Bad command line.
    pub const USAGE: u8 = 64;
}

/// The text after `--help`: exit statuses and the read-only promise.
pub const AFTER_HELP: &str = "\
Exit status: 0 done / healthy (at most garbage such as trailing zeros is cut);
1 damaged, open would recover (bytes would be moved to the quarantine);
2 open refuses the log (the typed error is printed with what to look at);
3 could not run (not a log directory, permission denied, locked, I/O error); 64 usage.

Every command but `repair --apply` is read-only: no lock, nothing created or written;
it works on a read-only file system, without write permission, and while the node runs.";

/// A command on a log directory.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Show the chunk files, the log's state and totals (read-only)
    ///
    /// Format version; each chunk file (id, length, valid end, reserved bytes,
    /// records, entries, what open does with it); the state (vote, committed, purged,
    /// last, user data size); quarantine files; totals. Bounded memory: a read-only
    /// open (the log's index, about 28 B per entry, no payload) and one row per chunk
    /// file; the entries are counted by streaming over the index, not copied.
    Info {
        /// The log directory.
        dir: PathBuf,
        /// One JSON document on standard output.
        #[arg(long)]
        json: bool,
    },
    /// Check every byte and say what open would do (read-only; exit 0, 1 or 2)
    ///
    /// Reads every byte and checks every checksum through the recovery's own decision
    /// table (a read-only open: one code path with open, not a second opinion), and
    /// prints each problem with file, offset, damage kind, the log indexes it affects
    /// and what open would do. Exit 0 healthy (at most garbage is cut), 1 damaged but
    /// open would recover (bytes would be quarantined), 2 open would refuse.
    Verify {
        /// The log directory.
        dir: PathBuf,
        /// One JSON document on standard output.
        #[arg(long)]
        json: bool,
    },
    /// List every record with its offset (read-only)
    ///
    /// Every batch and record of every chunk file, with offsets within the file;
    /// payloads and user data as UTF-8 when they are, else hex (types other than
    /// strings and bytes by their Debug form). A raw scan: it works on a log that
    /// open refuses, and shows where the valid part of each file ends.
    Dump {
        /// The log directory.
        dir: PathBuf,
        /// Only entries with index >= N.
        #[arg(long, value_name = "N")]
        from: Option<u64>,
        /// Only entries with index <= M.
        #[arg(long, value_name = "M")]
        to: Option<u64>,
        /// Only entries (no state, vote, commit, truncate, purge, user data records).
        #[arg(long)]
        entries_only: bool,
        /// Do not cut long payloads in the text listing.
        #[arg(long)]
        full: bool,
        /// One JSON object per line (JSON Lines): chunk, batch, record, chunk_end.
        #[arg(long)]
        json: bool,
    },
    /// Show what open would drop (dry run); --apply does it
    ///
    /// The dry run (the default, read-only) shows what open would drop to make the
    /// log open, and what that means for Raft: which acknowledged entries and whether
    /// the vote may be lost. With --apply: a normal open (it takes the lock: stop the
    /// node first), which copies every byte it drops into a quarantine file in the
    /// log directory before it cuts or removes anything. Neither fixes what open
    /// refuses (exit 2).
    Repair {
        /// The log directory.
        dir: PathBuf,
        /// Do it: open the log for writing (takes its lock: stop the node first).
        #[arg(long)]
        apply: bool,
        /// One JSON document on standard output.
        #[arg(long)]
        json: bool,
    },
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Info { .. } => "info",
            Command::Verify { .. } => "verify",
            Command::Dump { .. } => "dump",
            Command::Repair { .. } => "repair",
        }
    }

    fn dir(&self) -> &PathBuf {
        match self {
            Command::Info { dir, .. }
            | Command::Verify { dir, .. }
            | Command::Dump { dir, .. }
            | Command::Repair { dir, .. } => dir,
        }
    }

    fn json(&self) -> bool {
        match self {
            Command::Info { json, .. }
            | Command::Verify { json, .. }
            | Command::Dump { json, .. }
            | Command::Repair { json, .. } => *json,
        }
    }
}

/// The command line of a binary for one set of types.
#[derive(Debug, Parser)]
#[command(
    name = "raftwal",
    version,
    about = "Inspect, verify and repair a raftwal log directory",
    after_help = AFTER_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The whole command line, for a log whose records are of types `T`: parses
/// `std::env::args_os()`, runs the command, returns its exit status.
pub fn run<T: Types>() -> ExitCode {
    run_from::<T, _, _>(std::env::args_os())
}

/// [`run`] on the given arguments (the first is the program name).
pub fn run_from<T, I, S>(args: I) -> ExitCode
where
    T: Types,
    I: IntoIterator<Item = S>,
    S: Into<OsString> + Clone,
{
    match Cli::try_parse_from(args) {
        Ok(cli) => run_command::<T>(&cli.command),
        Err(e) => usage(&e),
    }
}

/// Prints a parse error (exit 64) or the help or version asked for (exit 0).
pub fn usage(e: &clap::Error) -> ExitCode {
    let _ = e.print();
    if e.use_stderr() {
        ExitCode::from(exit::USAGE)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs one command on a log of types `T`.
pub fn run_command<T: Types>(command: &Command) -> ExitCode {
    let mut text = String::new();
    let result = match command {
        Command::Info { dir, json } => info::run::<T>(dir, *json, &mut text),
        Command::Verify { dir, json } => {
            verify::run::<T>(dir, verify::Mode::Verify, *json, &mut text)
        }
        Command::Repair { dir, apply, json } => {
            let mode = if *apply {
                verify::Mode::RepairApply
            } else {
                verify::Mode::RepairDryRun
            };
            verify::run::<T>(dir, mode, *json, &mut text)
        }
        Command::Dump {
            dir,
            from,
            to,
            entries_only,
            full,
            json,
        } => {
            let options = dump::Options {
                from: *from,
                to: *to,
                entries_only: *entries_only,
                full: *full,
                json: *json,
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            dump::run::<T>(dir, &options, &mut out)
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            let mut message = format!("raftwal {}: {}\n", command.name(), failure.message);
            for hint in &failure.hints {
                message.push_str(&format!("  {hint}\n"));
            }
            if command.json() {
                let value = json!({
                    "command": command.name(),
                    "dir": command.dir().display().to_string(),
                    "status": "error",
                    "exit_code": failure.code,
                    "error": {
                        "kind": failure.kind,
                        "message": failure.message,
                        "hints": failure.hints,
                    },
                });
                let _ = writeln!(stdout, "{value:#}");
            }
            eprint!("{message}");
            ExitCode::from(failure.code)
        }
    }
}
