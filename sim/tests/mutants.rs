//! Proving the oracle: each deliberately broken engine variant must be caught by a
//! modest swarm (at most 200 seeds of 2,000 ops). A violation counts only if the same
//! seed without the mutant does not show it (no violation, or a different one, or a
//! later one), so a real engine bug cannot pass for a detection.
//!
//! Prints the seeds-to-detection of each mutant (`cargo test --test mutants -- --nocapture`).

use raftwal_sim::mutant::Mutant;
use raftwal_sim::names::mutant_name;
use raftwal_sim::{run_seed, swarm, RunOptions, SwarmOptions};

const SEEDS: u64 = 200;
const OPS: usize = 2000;

/// The first seed whose violation is the mutant's doing (of category `want`, if
/// given), and the violation.
fn detect(mutant: Mutant, want: Option<&str>) -> Option<(u64, String)> {
    let mut start = 0;
    while start < SEEDS {
        let mut options = SwarmOptions::new(SEEDS - start);
        options.start = start;
        options.ops = OPS;
        options.mutant = Some(mutant);
        options.stop_at_first_violation = true;
        let report = swarm(&options);
        let found = report.violations.first()?;
        let seed = found.config.seed;
        let violation = found.violation.clone().expect("violating");
        let baseline = run_seed(seed, OPS, None, RunOptions::default())
            .summary
            .violation;
        let own = match &baseline {
            None => true,
            Some(b) => b.category != violation.category || b.op_index > violation.op_index,
        };
        if own && want.is_none_or(|w| w == violation.category) {
            return Some((seed, format!("{violation}")));
        }
        start = seed + 1;
    }
    None
}

fn check(mutant: Mutant) {
    check_category(mutant, None);
}

/// Like [`check`], counting only violations of the rule `want`.
fn check_category(mutant: Mutant, want: Option<&str>) {
    let rule = want.map_or(String::new(), |w| format!(" as {w:?}"));
    match detect(mutant, want) {
        Some((seed, violation)) => {
            println!(
                "mutant {:<24} detected{rule} after {:>3} seed(s) (seed {seed}):\n{violation}",
                mutant_name(mutant),
                seed + 1
            );
        }
        None => panic!(
            "mutant {} not detected{rule} in {SEEDS} seeds",
            mutant_name(mutant)
        ),
    }
}

#[test]
fn ack_before_sync() {
    check(Mutant::AckBeforeSync);
}

/// The lying fsync of `ack-before-sync` is caught first, on most seeds, by a refused
/// open (the engine's proof that bytes were synced no longer holds) or a quarantine
/// file that is not durable; the rule it is about, that an acknowledged write
/// survives a power loss, must catch it too.
#[test]
fn ack_before_sync_loses_acknowledged_writes() {
    check_category(Mutant::AckBeforeSync, Some("lost acknowledged writes"));
}

#[test]
fn skip_sync_dir_on_create() {
    check(Mutant::SkipSyncDirOnCreate);
}

#[test]
fn skip_crc_check() {
    check(Mutant::SkipCrcCheck);
}

#[test]
fn write_before_validate() {
    check(Mutant::WriteBeforeValidate);
}

#[test]
fn evict_unsynced() {
    check(Mutant::EvictUnsynced);
}

#[test]
fn ignore_sync_failure() {
    check(Mutant::IgnoreSyncFailure);
}

/// Every mutant is run by a test of this file: the match has no wildcard (a new
/// mutant does not compile here until it names its test), and each test named must
/// exist and check that mutant. (It once compared `Mutant::ALL.len()` with 6, which the
/// array's type fixes.)
#[test]
fn every_mutant_has_a_test() {
    let test_of = |mutant: Mutant| match mutant {
        Mutant::AckBeforeSync => "ack_before_sync",
        Mutant::SkipSyncDirOnCreate => "skip_sync_dir_on_create",
        Mutant::SkipCrcCheck => "skip_crc_check",
        Mutant::WriteBeforeValidate => "write_before_validate",
        Mutant::EvictUnsynced => "evict_unsynced",
        Mutant::IgnoreSyncFailure => "ignore_sync_failure",
    };
    let source = include_str!("mutants.rs");
    for mutant in Mutant::ALL {
        let test = format!(
            "#[test]\nfn {}() {{\n    check(Mutant::{mutant:?});\n}}",
            test_of(mutant)
        );
        assert!(source.contains(&test), "no test runs {mutant:?}: {test}");
    }
}
