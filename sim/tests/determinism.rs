//! Same seed, same build: byte-identical trace, final `dump_data` and summary; a
//! recorded op list replays identically; swarm totals do not depend on the threads.

use raftwal_sim::{run_ops, run_seed, swarm, RunOptions, SwarmOptions};

const TRACE: RunOptions = RunOptions {
    trace: true,
    inspect: true,
};

#[test]
fn same_seed_same_trace_dump_and_summary() {
    // Seed 5: crashes, power losses, torn writes, write failures and bit rot.
    for seed in [5, 6] {
        let a = run_seed(seed, 2000, None, TRACE);
        let b = run_seed(seed, 2000, None, TRACE);
        assert!(a.summary.stats.crashes + a.summary.stats.power_losses > 0);
        assert!(!a.trace.is_empty());
        assert_eq!(a.trace, b.trace, "trace of seed {seed}");
        assert_eq!(
            a.inspection, b.inspection,
            "dump and dump_data of seed {seed}"
        );
        assert_eq!(a.summary.digest, b.summary.digest);
        assert_eq!(a.summary.to_string(), b.summary.to_string());
        assert_eq!(a.ops, b.ops);
    }
}

#[test]
fn a_recorded_op_list_replays_identically() {
    let generated = run_seed(5, 2000, None, TRACE);
    let replayed = run_ops(&generated.summary.config, &generated.ops, TRACE);
    assert_eq!(generated.trace, replayed.trace);
    assert_eq!(generated.inspection, replayed.inspection);
    assert_eq!(generated.summary.to_string(), replayed.summary.to_string());
}

#[test]
fn swarm_totals_do_not_depend_on_threads() {
    let mut one = SwarmOptions::new(12);
    one.ops = 500;
    one.jobs = 1;
    let mut three = one.clone();
    three.jobs = 3;
    let (a, b) = (swarm(&one), swarm(&three));
    assert_eq!(a.stats, b.stats);
    assert_eq!(a.faults, b.faults);
    let seeds = |r: &raftwal_sim::SwarmReport| {
        r.violations
            .iter()
            .map(|s| s.config.seed)
            .collect::<Vec<_>>()
    };
    assert_eq!(seeds(&a), seeds(&b));
}
