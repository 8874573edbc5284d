//! Recovery: the history of the model since the log was opened, and the search
//! for the prefix a recovered log equals.
//!
//! Write ops are numbered (`seq`) in issue order over the whole run. The history holds
//! the model as the last open recovered it (`base`, at `base_seq`) and every write
//! accepted since, so the model after any prefix `k` can be rebuilt by replay; no
//! per-op snapshot is kept.
//!
//! Granularity: each appended entry is its own record, and the engine may hand part of
//! a batch to the worker before the rest (when its buffer passes `batch_max_bytes`),
//! so a crash may keep a prefix of one `append`'s entries. Such a state (writes
//! `..k` plus the first entries of append `k + 1`) counts as the prefix `k`.

use super::{breach, Breach};
use crate::model::Model;
use crate::ops::WriteOp;
use crate::oracle::excuses::{describe_at_rest, describe_rot, Excuses};

/// The model's history since the last successful open.
#[derive(Debug, Clone, Default)]
pub struct History {
    base: Model,
    base_seq: u64,
    ops: Vec<(u64, WriteOp)>,
    acked: u64,
}

/// Where a recovered log stands with respect to the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It equals the model after write `k`, with `acked <= k <= issued`: correct.
    Prefix {
        /// The prefix.
        k: u64,
        /// Entries of append `k + 1` also recovered (a partial append).
        partial: usize,
    },
    /// It equals the model after write `k < acked`: acknowledged writes were lost.
    LostAcked {
        /// The prefix.
        k: u64,
        /// Entries of append `k + 1` also recovered.
        partial: usize,
    },
    /// It equals the model after no prefix since the last open.
    NoPrefix,
}

impl History {
    /// A history starting at `base`, the model after write `seq`, durable.
    pub fn new(base: Model, seq: u64) -> Self {
        Self {
            base,
            base_seq: seq,
            ops: Vec::new(),
            acked: seq,
        }
    }

    /// Records accepted write number `seq`.
    pub fn push(&mut self, seq: u64, op: WriteOp) {
        debug_assert!(seq > self.issued());
        self.ops.push((seq, op));
    }

    /// Every write up to `seq` is acknowledged. Returns how many became so now.
    pub fn ack(&mut self, seq: u64) -> u64 {
        let newly = seq.saturating_sub(self.acked);
        self.acked = self.acked.max(seq);
        newly
    }

    /// The last acknowledged write.
    pub fn acked(&self) -> u64 {
        self.acked
    }

    /// The last issued (accepted) write.
    pub fn issued(&self) -> u64 {
        self.ops.last().map_or(self.base_seq, |(seq, _)| *seq)
    }

    /// The model after the last successful open.
    pub fn base_seq(&self) -> u64 {
        self.base_seq
    }

    /// The model after write `k` (`base_seq <= k <= issued`).
    pub fn model_at(&self, k: u64) -> Model {
        let mut m = self.base.clone();
        for (seq, op) in &self.ops {
            if *seq > k {
                break;
            }
            m.apply(op);
        }
        m
    }

    /// Compares a recovered log with every prefix since the last open.
    pub fn judge(&self, recovered: &Model) -> Verdict {
        let mut m = self.base.clone();
        let mut best = m.same_as(recovered).then_some((self.base_seq, 0));
        for (seq, op) in &self.ops {
            if let WriteOp::Append(entries) = op {
                // Entry by entry: a crash may keep a prefix of the batch.
                let kept: Vec<_> = m.not_covered(entries).cloned().collect();
                let n = kept.len();
                for (i, entry) in kept.into_iter().enumerate() {
                    m.push_entry(entry);
                    if m.same_as(recovered) {
                        best = Some(if i + 1 == n {
                            (*seq, 0)
                        } else {
                            (*seq - 1, i + 1)
                        });
                    }
                }
                if n == 0 && m.same_as(recovered) {
                    best = Some((*seq, 0));
                }
                continue;
            }
            m.apply(op);
            if m.same_as(recovered) {
                best = Some((*seq, 0));
            }
        }
        match best {
            Some((k, partial)) if k >= self.acked => Verdict::Prefix { k, partial },
            Some((k, partial)) => Verdict::LostAcked { k, partial },
            None => Verdict::NoPrefix,
        }
    }
}

/// The recovered log equals the model after write `k` (+ `partial` entries of the
/// next append), before the last acknowledged write: acknowledged writes were lost.
pub fn lost_acknowledged(
    history: &History,
    k: u64,
    partial: usize,
    recovered: &Model,
    excuses: &Excuses,
) -> Breach {
    let (acked, issued) = (history.acked(), history.issued());
    breach(
        "lost acknowledged writes",
        format!(
            "the model after some write k, {acked} (acked) <= k <= {issued} (issued): {}",
            history.model_at(acked).describe()
        ),
        format!(
            "the model after write {k} (+{partial} entries of the next append): {}{}{}",
            recovered.describe(),
            describe_rot(&excuses.rot),
            describe_at_rest(excuses)
        ),
    )
}

/// The recovered log equals the model after no write since the last open.
pub fn no_prefix(history: &History, recovered: &Model, excuses: &Excuses) -> Breach {
    let (acked, issued) = (history.acked(), history.issued());
    breach(
        "recovery",
        format!(
            "the model after some write k, {acked} (acked) <= k <= {issued} (issued): from {} to {}",
            history.model_at(acked).describe(),
            history.model_at(issued).describe()
        ),
        format!(
            "a state that equals no prefix since the open at write {}: {}{}{}",
            history.base_seq(),
            recovered.describe(),
            describe_rot(&excuses.rot),
            describe_at_rest(excuses)
        ),
    )
}
