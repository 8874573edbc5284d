//! `raftwal-sim run --seed 42` / `raftwal-sim swarm --seeds 1000`.

use clap::Parser;

fn main() {
    let cli = raftwal_sim::cli::Cli::parse();
    std::process::exit(raftwal_sim::cli::main_with(cli));
}
