//! The command line: `run` one seed, or `swarm` many.

use crate::config::FaultKind;
use crate::mutant::Mutant;
use crate::names::{mutant_name, parse_mutant, without_names};
use crate::run::{run_ops, run_seed_without, RunOptions};
use crate::shrink::shrink;
use crate::summary::RunSummary;
use crate::swarm::{swarm, SwarmOptions};
use clap::{Parser, Subcommand};
use std::time::Duration;

/// Seeded crash and disk-fault simulator for raftwal: runs random op sequences with
/// crashes, power losses and disk faults against the real engine on a simulated
/// disk, and checks every result and every recovery against a model.
#[derive(Parser, Debug)]
#[command(name = "raftwal-sim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run one seed and print its summary (and, with --trace, every step).
    Run {
        /// The seed.
        #[arg(long)]
        seed: u64,
        /// Ops to run.
        #[arg(long, default_value_t = 2000)]
        ops: usize,
        /// Print every step.
        #[arg(long)]
        trace: bool,
        /// Do not shrink a violating run.
        #[arg(long)]
        no_shrink: bool,
        /// Run a deliberately broken engine variant: ack-before-sync,
        /// skip-sync-dir-on-create, skip-crc-check, write-before-validate,
        /// evict-unsynced, ignore-sync-failure.
        #[arg(long, value_parser = parse_mutant)]
        mutant: Option<Mutant>,
        /// Switch fault kinds off (comma-separated): tear, reorder, garbage, fsync,
        /// write, read, sync-dir, misdirected, latent, rot.
        #[arg(long, value_delimiter = ',', value_parser = FaultKind::parse)]
        without: Vec<FaultKind>,
    },
    /// Run many seeds in parallel and print the totals; exit status 1 on a violation.
    Swarm {
        /// Number of seeds.
        #[arg(long, default_value_t = 1000)]
        seeds: u64,
        /// First seed.
        #[arg(long, default_value_t = 0)]
        start: u64,
        /// Ops per seed.
        #[arg(long, default_value_t = 2000)]
        ops: usize,
        /// Threads (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
        /// Run a deliberately broken engine variant (see `run --help`).
        #[arg(long, value_parser = parse_mutant)]
        mutant: Option<Mutant>,
        /// Switch fault kinds off (see `run --help`).
        #[arg(long, value_delimiter = ',', value_parser = FaultKind::parse)]
        without: Vec<FaultKind>,
        /// How many violating seeds to shrink and print, lowest first.
        #[arg(long, default_value_t = 1)]
        shrink: usize,
        /// List every violating seed, one line each (seed, rule, op).
        #[arg(long)]
        list: bool,
    },
}

/// The command that replays a run.
pub fn replay_command(summary: &RunSummary) -> String {
    let c = &summary.config;
    let mut cmd = format!(
        "cargo run --release -p raftwal-sim -- run --seed {} --ops {}",
        c.seed, c.ops
    );
    if let Some(m) = c.mutant {
        cmd.push_str(&format!(" --mutant {}", mutant_name(m)));
    }
    if !c.without.is_empty() {
        cmd.push_str(&format!(" --without {}", without_names(&c.without)));
    }
    cmd
}

/// Re-runs a violating seed, shrinks its op list and prints the shrunk trace.
fn shrink_and_print(summary: &RunSummary) {
    let c = &summary.config;
    let outcome = run_seed_without(c.seed, c.ops, c.mutant, &c.without, RunOptions::default());
    let Some(violation) = outcome.summary.violation else {
        println!(
            "(seed {} did not violate again: not deterministic?)",
            c.seed
        );
        return;
    };
    println!(
        "shrinking seed {} ({} ops up to the violation)...",
        c.seed,
        violation.op_index + 1
    );
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let shrunk = shrink(
        &outcome.summary.config,
        &outcome.ops,
        &violation,
        Duration::from_secs(60),
    );
    std::panic::set_hook(previous_hook);
    let replay = run_ops(
        &outcome.summary.config,
        &shrunk.ops,
        RunOptions {
            trace: true,
            inspect: false,
        },
    );
    println!(
        "shrunk to {} ops ({} trials); its trace:\n{}",
        shrunk.ops.len(),
        shrunk.trials,
        replay.trace
    );
    match &replay.summary.violation {
        Some(v) => println!("{v}"),
        None => println!("(the shrunk list no longer violates on replay)"),
    }
}

/// Runs the command line; returns the process exit status.
pub fn main_with(cli: Cli) -> i32 {
    match cli.command {
        Command::Run {
            seed,
            ops,
            trace,
            no_shrink,
            mutant,
            without,
        } => run_command(seed, ops, trace, no_shrink, mutant, &without),
        Command::Swarm {
            seeds,
            start,
            ops,
            jobs,
            mutant,
            without,
            shrink,
            list,
        } => {
            let mut options = SwarmOptions::new(seeds);
            options.start = start;
            options.ops = ops;
            if let Some(jobs) = jobs {
                options.jobs = jobs;
            }
            options.mutant = mutant;
            options.without = without;
            options.progress = true;
            swarm_command(&options, list, shrink)
        }
    }
}

/// `run`: one seed, its trace if asked, its summary; a violation is replayed and shrunk
/// (unless `no_shrink`). Returns the exit status.
fn run_command(
    seed: u64,
    ops: usize,
    trace: bool,
    no_shrink: bool,
    mutant: Option<Mutant>,
    without: &[FaultKind],
) -> i32 {
    let outcome = run_seed_without(
        seed,
        ops,
        mutant,
        without,
        RunOptions {
            trace,
            inspect: false,
        },
    );
    if trace {
        print!("{}", outcome.trace);
    }
    println!("{}", outcome.summary);
    println!(
        "ops/s: {:.0} ({:.3}s)",
        outcome.summary.ops_per_sec(),
        outcome.summary.elapsed.as_secs_f64()
    );
    if outcome.summary.violation.is_none() {
        return 0;
    }
    println!("replay: {}", replay_command(&outcome.summary));
    if !no_shrink {
        shrink_and_print(&outcome.summary);
    }
    1
}

/// `swarm`: the report, then the violating seeds (all of them with `list`), the
/// replay commands of the first 20, and the first `shrink` shrunk. Returns the exit
/// status.
fn swarm_command(options: &SwarmOptions, list: bool, shrink: usize) -> i32 {
    let report = swarm(options);
    println!("{report}");
    if report.violations.is_empty() {
        return 0;
    }
    println!();
    if list {
        for summary in &report.violations {
            if let Some(v) = &summary.violation {
                println!(
                    "violating seed {} ({}) at op #{}: {}",
                    summary.config.seed, v.category, v.op_index, v.op
                );
            }
        }
    }
    for summary in report.violations.iter().take(20) {
        if let Some(v) = &summary.violation {
            println!("seed {}: {v}", summary.config.seed);
            println!("  replay: {}", replay_command(summary));
        }
    }
    if report.violations.len() > 20 {
        println!(
            "... and {} more violating seeds",
            report.violations.len() - 20
        );
    }
    for summary in report.violations.iter().take(shrink) {
        println!();
        shrink_and_print(summary);
    }
    1
}
