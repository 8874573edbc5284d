//! Shrinking a failing op list: drop chunks of ops (halves, quarters, ... single ops)
//! while the run still violates the same rule, and cut everything after the violating
//! op. The run is a function of (config, op list), so every candidate replays exactly;
//! only the disk's own fault draws move when ops are dropped.

use crate::config::RunConfig;
use crate::ops::Op;
use crate::run::{run_ops, RunOptions};
use crate::summary::Violation;
use std::time::{Duration, Instant};

/// A shrunk op list and the violation it still shows.
pub struct Shrunk {
    /// The ops.
    pub ops: Vec<Op>,
    /// The violation of the shrunk list.
    pub violation: Violation,
    /// Candidate runs tried.
    pub trials: usize,
}

/// Shrinks `ops` (which violate `violation` under `config`) for at most `budget`.
pub fn shrink(config: &RunConfig, ops: &[Op], violation: &Violation, budget: Duration) -> Shrunk {
    let start = Instant::now();
    let category = violation.category;
    let mut trials = 0usize;
    let mut fails = |candidate: &[Op]| {
        trials += 1;
        run_ops(config, candidate, RunOptions::default())
            .summary
            .violation
            .filter(|v| v.category == category)
    };
    let mut current: Vec<Op> = ops[..(violation.op_index + 1).min(ops.len())].to_vec();
    let Some(mut current_violation) = fails(&current) else {
        return Shrunk {
            ops: current,
            violation: violation.clone(),
            trials,
        };
    };
    current.truncate(current_violation.op_index + 1);
    let mut chunk = (current.len() / 2).max(1);
    loop {
        let mut progress = false;
        let mut i = 0;
        while i < current.len() && start.elapsed() < budget {
            let end = (i + chunk).min(current.len());
            let mut candidate = Vec::with_capacity(current.len() - (end - i));
            candidate.extend_from_slice(&current[..i]);
            candidate.extend_from_slice(&current[end..]);
            match fails(&candidate) {
                Some(v) => {
                    candidate.truncate(v.op_index + 1);
                    current = candidate;
                    current_violation = v;
                    progress = true;
                }
                None => i += chunk,
            }
        }
        if start.elapsed() >= budget || (chunk == 1 && !progress) {
            break;
        }
        if !progress {
            chunk = (chunk / 2).max(1);
        }
        chunk = chunk.min((current.len() / 2).max(1));
    }
    Shrunk {
        ops: current,
        violation: current_violation,
        trials,
    }
}
