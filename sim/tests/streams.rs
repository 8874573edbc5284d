//! One random stream per concern (see `raftwal_sim::streams`): a concern that draws
//! one value more leaves the other concerns' draws, and the op sequence of a seed,
//! unchanged.

use raftwal_sim::generator::View;
use raftwal_sim::model::Model;
use raftwal_sim::ops::Op;
use raftwal_sim::run::generator_of;
use raftwal_sim::streams::Streams;
use raftwal_sim::RunConfig;
use rand::Rng;

const SEEDS: u64 = 20;
const OPS: usize = 400;

/// The first `OPS` ops of the generator of `config` (its ops and syncs streams in
/// `streams`), on a model that takes every valid write and loses nothing: the op
/// sequence as the seed's own concerns decide it (a real run also feeds back what the
/// disk did).
fn op_sequence(config: &RunConfig, streams: Streams) -> Vec<Op> {
    let (mut generator, mut rng) = generator_of(config, streams);
    let mut model = Model::default();
    (0..OPS)
        .map(|_| {
            let op = generator.next(
                &mut rng,
                &View {
                    model: &model,
                    failed: false,
                },
            );
            if let Op::Write(w) = &op {
                if model.check(w).is_ok() {
                    model.apply(w);
                }
            }
            op
        })
        .collect()
}

/// A power loss's rot flag is a fault decision (it follows the rot probability of the
/// fault mix); everything else of an op is the ops stream's.
fn without_rot(ops: &[Op]) -> Vec<Op> {
    ops.iter()
        .map(|op| match op {
            Op::PowerLoss { .. } => Op::PowerLoss { rot: false },
            op => op.clone(),
        })
        .collect()
}

/// The config and op sequence of `seed`, after `perturb` drew from its streams.
fn perturbed(seed: u64, perturb: impl Fn(&mut Streams)) -> (RunConfig, Vec<Op>) {
    let mut streams = Streams::new(seed);
    perturb(&mut streams);
    let config = RunConfig::from_streams(seed, OPS, None, &[], &mut streams);
    let ops = op_sequence(&config, streams);
    (config, ops)
}

fn draw_one(rng: &mut impl Rng) {
    let _: u64 = rng.gen();
}

/// One more fault decision moves the fault mix only: limits, op mix, at-rest mix,
/// disk seed and the op sequence stay.
#[test]
fn one_more_fault_draw_leaves_the_ops_unchanged() {
    let mut moved = 0;
    for seed in 0..SEEDS {
        let (a, ops_a) = perturbed(seed, |_| {});
        let (b, ops_b) = perturbed(seed, |s| draw_one(&mut s.faults));
        moved += usize::from(a.faults != b.faults);
        assert_eq!(a.limits, b.limits, "seed {seed}");
        assert_eq!(a.mix, b.mix, "seed {seed}");
        assert_eq!(a.at_rest, b.at_rest, "seed {seed}");
        assert_eq!(a.disk_seed, b.disk_seed, "seed {seed}");
        assert_eq!(a.at_rest_seed, b.at_rest_seed, "seed {seed}");
        assert_eq!(without_rot(&ops_a), without_rot(&ops_b), "seed {seed}");
    }
    assert!(
        moved > SEEDS as usize / 2,
        "the extra draw moved the fault mix of {moved} seeds only"
    );
}

/// One more draw of the limits or of the at-rest mix moves nothing else either, and
/// leaves the op sequence exactly as it was.
/// (The control, as for the faults: the extra draw does move the mix it drew from, in
/// most seeds, so the streams are really the ones drawn.)
#[test]
fn one_more_limits_or_at_rest_draw_leaves_the_ops_unchanged() {
    let (mut limits_moved, mut at_rest_moved) = (0, 0);
    for seed in 0..SEEDS {
        let (a, ops_a) = perturbed(seed, |_| {});
        for which in ["limits", "at-rest"] {
            let (b, ops_b) = perturbed(seed, |s| match which {
                "limits" => draw_one(&mut s.limits),
                _ => draw_one(&mut s.at_rest),
            });
            limits_moved += usize::from(a.limits != b.limits);
            at_rest_moved += usize::from(a.at_rest != b.at_rest);
            assert_eq!(a.faults, b.faults, "seed {seed}, {which}");
            assert_eq!(a.mix, b.mix, "seed {seed}, {which}");
            assert_eq!(a.disk_seed, b.disk_seed, "seed {seed}, {which}");
            if which == "limits" {
                assert_eq!(a.at_rest, b.at_rest, "seed {seed}");
            } else {
                assert_eq!(a.limits, b.limits, "seed {seed}");
            }
            assert_eq!(ops_a, ops_b, "seed {seed}, {which}");
        }
    }
    for (which, moved) in [("limits", limits_moved), ("at-rest", at_rest_moved)] {
        assert!(
            moved > SEEDS as usize / 2,
            "the extra {which} draw moved its mix in {moved} seeds only"
        );
    }
}

/// The control: the comparison above can fail. One more draw of the ops stream itself
/// changes the op sequence of (nearly) every seed.
#[test]
fn one_more_ops_draw_changes_the_ops() {
    let changed = (0..SEEDS)
        .filter(|&seed| perturbed(seed, |_| {}).1 != perturbed(seed, |s| draw_one(&mut s.ops)).1)
        .count();
    assert!(
        changed >= SEEDS as usize - 1,
        "only {changed} of {SEEDS} seeds changed"
    );
}
