//! The `raftwal` binary: the command line of `raftwal_cli` for a built-in set of
//! types, chosen with `--types`.

use clap::{Parser, ValueEnum};
use raftwal_cli::types::{Bytes, Pairs};
use raftwal_cli::Command;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TypeSet {
    /// Log id (term, index), vote (term, node), payload and user data String.
    Pairs,
    /// Like pairs, with payload and user data Vec<u8>.
    Bytes,
}

const CUSTOM_TYPES: &str = "\
Records are decoded with the log's own types. For a log written with other types than
--types offers, build your own binary: add raftwal-cli as a dependency and write

    // src/bin/raftwal.rs
    fn main() -> std::process::ExitCode {
        raftwal_cli::run::<my_crate::MyTypes>() // your raftwal::Types
    }";

#[derive(Debug, Parser)]
#[command(
    name = "raftwal",
    version,
    about = "Inspect, verify and repair a raftwal log directory",
    after_help = format!("{}\n\n{CUSTOM_TYPES}", raftwal_cli::AFTER_HELP)
)]
struct Cli {
    /// The types the log was written with.
    #[arg(long, value_enum, default_value_t = TypeSet::Pairs, global = true)]
    types: TypeSet,
    #[command(subcommand)]
    command: Command,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return raftwal_cli::usage(&e),
    };
    match cli.types {
        TypeSet::Pairs => raftwal_cli::run_command::<Pairs>(&cli.command),
        TypeSet::Bytes => raftwal_cli::run_command::<Bytes>(&cli.command),
    }
}
