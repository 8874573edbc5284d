//! The run loop: one seeded run, its ops drawn on the fly from the seed (and
//! recorded) or replayed from a list, each handed to the [`Runner`]; a panic anywhere
//! is a violation of its own. Both paths execute the same code, so a recorded list
//! replays exactly and can be shrunk.

use crate::config::{FaultKind, RunConfig};
use crate::generator::Generator;
use crate::mutant::Mutant;
use crate::ops::Op;
use crate::oracle::breach;
use crate::runner::Runner;
use crate::streams::Streams;
use crate::summary::{RunSummary, Violation};
use rand_chacha::ChaCha8Rng;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

/// The outcome of a run: summary, the ops it ran (when generated), the trace.
pub struct RunOutcome {
    /// The summary.
    pub summary: RunSummary,
    /// The ops run (the generated list, up to and including a violating op).
    pub ops: Vec<Op>,
    /// The trace (empty unless asked for).
    pub trace: String,
    /// The recovered `dump()` and `dump_data()` of the final log, when asked for.
    pub inspection: Option<(String, String)>,
}

enum Source<'a> {
    Generate {
        generator: Generator,
        rng: Box<ChaCha8Rng>,
    },
    Replay(&'a [Op]),
}

/// Options of a run.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Record the trace.
    pub trace: bool,
    /// Keep the final `dump()` and `dump_data()` text.
    pub inspect: bool,
}

fn execute(config: RunConfig, mut source: Source<'_>, options: RunOptions) -> RunOutcome {
    let start = Instant::now();
    let target = config.ops;
    let mut runner = Runner::new(config, options.trace);
    let mut ops: Vec<Op> = Vec::new();
    let mut index = 0usize;
    let result = catch_unwind(AssertUnwindSafe(|| -> Result<(), Violation> {
        runner.start()?;
        loop {
            let op: &Op = match &mut source {
                Source::Generate { generator, rng } => {
                    if ops.len() >= target {
                        break;
                    }
                    let op = generator.next(rng, &runner.view());
                    ops.push(op);
                    ops.last().expect("pushed")
                }
                Source::Replay(list) => match list.get(index) {
                    Some(op) => op,
                    None => break,
                },
            };
            runner.step(index, op)?;
            index += 1;
        }
        runner.end_with_power_loss(index)
    }));
    let violation = match result {
        Ok(Ok(())) => None,
        Ok(Err(v)) => Some(v),
        Err(payload) => {
            let op = match &source {
                Source::Generate { .. } => ops.get(index),
                Source::Replay(list) => list.get(index),
            };
            Some(Violation::new(
                index,
                op.map_or("(open)".to_string(), |op| op.to_string()),
                breach(
                    "panic",
                    "no panic, ever",
                    format!("panic: {}", panic_message(payload.as_ref())),
                ),
            ))
        }
    };
    let inspection = if options.inspect {
        runner.log_for_inspection().map(|log| {
            catch_unwind(AssertUnwindSafe(|| {
                (log.dump().to_string(), format!("{:#?}", log.dump_data()))
            }))
            .unwrap_or_else(|_| {
                (
                    "(dump panicked)".to_string(),
                    "(dump_data panicked)".to_string(),
                )
            })
        })
    } else {
        None
    };
    let (summary, trace) = runner.finish(violation, start.elapsed());
    RunOutcome {
        summary,
        ops,
        trace,
        inspection,
    }
}

/// Runs seed `seed`: `ops` ops drawn from it.
pub fn run_seed(seed: u64, ops: usize, mutant: Option<Mutant>, options: RunOptions) -> RunOutcome {
    run_seed_without(seed, ops, mutant, &[], options)
}

/// Runs seed `seed` with the fault kinds `without` switched off.
pub fn run_seed_without(
    seed: u64,
    ops: usize,
    mutant: Option<Mutant>,
    without: &[FaultKind],
    options: RunOptions,
) -> RunOutcome {
    run_streams(seed, ops, mutant, without, Streams::new(seed), options)
}

/// The generator of a run of `config` and the ops stream it draws from: its op mix
/// and rot probability from `config`, its syncs and edges from `streams` (what is left
/// of them after [`RunConfig::from_streams`]).
pub fn generator_of(config: &RunConfig, streams: Streams) -> (Generator, ChaCha8Rng) {
    let generator = Generator::new(
        config.mix.clone(),
        config.faults.bit_rot_before_reopen_probability,
    )
    .with_syncs(streams.syncs)
    .with_edges(streams.edges);
    (generator, streams.ops)
}

/// Runs seed `seed` drawn from `streams` (see [`RunConfig::from_streams`]): those of
/// [`Streams::new`]`(seed)`, or, to prove that the concerns are independent, the same
/// after extra draws from some of them.
pub fn run_streams(
    seed: u64,
    ops: usize,
    mutant: Option<Mutant>,
    without: &[FaultKind],
    mut streams: Streams,
    options: RunOptions,
) -> RunOutcome {
    let config = RunConfig::from_streams(seed, ops, mutant, without, &mut streams);
    let (generator, rng) = generator_of(&config, streams);
    execute(
        config,
        Source::Generate {
            generator,
            rng: Box::new(rng),
        },
        options,
    )
}

/// Replays `ops` under `config`.
pub fn run_ops(config: &RunConfig, ops: &[Op], options: RunOptions) -> RunOutcome {
    execute(config.clone(), Source::Replay(ops), options)
}
