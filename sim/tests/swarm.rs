//! The acceptance swarm: 200 seeds x 2,000 ops of the real engine, no violation.

use raftwal_sim::cli::replay_command;
use raftwal_sim::{swarm, SwarmOptions};

#[test]
fn swarm_200_seeds_2000_ops_no_violation() {
    let report = swarm(&SwarmOptions::new(200));
    println!("{report}");
    assert_eq!(report.runs, 200);
    assert!(
        report.stats.recoveries_checked > 1000,
        "too few recoveries checked"
    );
    let failures: Vec<String> = report
        .violations
        .iter()
        .map(|s| {
            format!(
                "seed {}: {}\n  replay: {}",
                s.config.seed,
                s.violation.as_ref().expect("violating"),
                replay_command(s)
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} violating seeds:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
