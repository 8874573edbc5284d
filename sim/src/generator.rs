//! The generator: draws the next op of a run from the RNG and a view of the model
//! (mostly valid ops, some invalid on purpose). The ops themselves are plain data
//! (see [`crate::ops`]); only the generator looks at the model.

use crate::model::Model;
use crate::ops::{Kind, Op, OpMix, WriteOp};
use crate::types::{LogId, Payload, SimTypes, Vote};
use raftwal::RaftLogState;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// What the generator may look at.
pub struct View<'a> {
    /// The model of the live log.
    pub model: &'a Model,
    /// The log refuses writes until reopened.
    pub failed: bool,
}

/// Draws ops.
pub struct Generator {
    mix: OpMix,
    cumulative: Vec<u32>,
    rot_probability: f64,
    /// The current leader term used for appends.
    term: u64,
    /// Which flushes become syncs (the seed's `syncs` stream, see [`crate::streams`]).
    syncs: Option<Share>,
    /// Which valid truncates and purges go to the log's edges instead (the seed's
    /// `edges` stream).
    edges: Option<Share>,
    /// A truncate planned by the last op, drawn next: the truncate at the first entry
    /// that may follow a purge below it (see [`Generator::with_edges`]).
    planned_truncate: Option<u64>,
}

impl Generator {
    /// A generator for `mix`; power losses come with bit rot with `rot_probability`.
    pub fn new(mix: OpMix, rot_probability: f64) -> Self {
        let mut total = 0;
        let cumulative = mix
            .weights
            .iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Self {
            mix,
            cumulative,
            rot_probability,
            term: 1,
            syncs: None,
            edges: None,
            planned_truncate: None,
        }
    }

    /// Turns a share of the flushes into syncs, drawn from `syncs` (the seed's
    /// [`crate::streams::Concern::Syncs`] stream): none in about a third of the seeds,
    /// 5% to 50% of the flushes in the others.
    pub fn with_syncs(mut self, syncs: ChaCha8Rng) -> Self {
        self.syncs = Some(Share::new(syncs, 50..=500));
        self
    }

    /// Sends a share of the valid truncates and purges to the log's edges, drawn from
    /// `edges` (the seed's [`crate::streams::Concern::Edges`] stream): none in about a
    /// third of the seeds, 10% to 40% of them in the others. A truncate at the edge
    /// removes every uncommitted entry (a log with nothing committed is emptied back
    /// to its purge point, or to nothing); a purge at the edge names an index below
    /// the first entry of a log never purged that starts after 0 (openraft's storage
    /// Suite does this), and half the time, if nothing from that entry on is
    /// committed, the next op truncates at that first entry (emptying the log back to
    /// the purge point). Both reached bugs only hand-written tests found (fbf3e78: such
    /// logs did not reopen once a purge removed their oldest chunk).
    pub fn with_edges(mut self, edges: ChaCha8Rng) -> Self {
        self.edges = Some(Share::new(edges, 100..=400));
        self
    }

    /// The edges stream, if this valid truncate or purge goes to the log's edge.
    fn draw_edge(&mut self) -> Option<&mut ChaCha8Rng> {
        self.edges.as_mut()?.draw()
    }

    /// The flush just drawn (`flush`), or a sync in its place.
    fn flush_or_sync(&mut self, flush: Op) -> Op {
        match self.syncs.as_mut().and_then(Share::draw) {
            Some(_) => Op::Sync,
            None => flush,
        }
    }

    fn pick(&self, rng: &mut impl Rng) -> Kind {
        let total = *self.cumulative.last().expect("kinds");
        let x = rng.gen_range(0..total);
        let i = self
            .cumulative
            .iter()
            .position(|&c| x < c)
            .expect("in range");
        Kind::ALL[i]
    }

    /// The next op.
    pub fn next(&mut self, rng: &mut impl Rng, view: &View<'_>) -> Op {
        let m = view.model;
        if let Some(last) = m.last {
            self.term = self.term.max(last.0);
        }
        if let Some(index) = self.planned_truncate.take() {
            return Op::Write(WriteOp::Truncate(index));
        }
        if view.failed && rng.gen_bool(0.3) {
            return self.reopen(rng);
        }
        let len = m.next_index().saturating_sub(m.first_index());
        if len > self.mix.max_log_len && rng.gen_bool(0.5) {
            let upto = m.entry(m.first_index() + len / 2).expect("in log").0;
            return Op::Write(WriteOp::Purge(upto));
        }
        let invalid = self.mix.invalid_percent > 0 && rng.gen_ratio(self.mix.invalid_percent, 100);
        match self.pick(rng) {
            Kind::Append => Op::Write(self.append(rng, m, invalid)),
            Kind::Vote => Op::Write(WriteOp::SaveVote(vote(rng, m, invalid))),
            Kind::Commit => Op::Write(WriteOp::Commit(commit(rng, m, invalid))),
            Kind::Truncate => Op::Write(self.truncate(rng, m, invalid)),
            Kind::Purge => Op::Write(WriteOp::Purge(self.purge(rng, m, invalid))),
            Kind::UserData => Op::Write(WriteOp::SaveUserData(user_data(rng))),
            Kind::UpdateState => Op::Write(WriteOp::UpdateState(update_state(rng, m, invalid))),
            Kind::Flush => {
                let flush = Op::Flush {
                    callback: rng.gen_ratio(19, 20),
                };
                self.flush_or_sync(flush)
            }
            Kind::Read => read(rng, m, invalid),
            Kind::Steps => Op::Steps(rng.gen_range(1..=8)),
            Kind::Drain => Op::Drain,
            Kind::Crash => Op::Crash,
            Kind::PowerLoss => self.power_loss(rng),
            Kind::CleanReopen => Op::CleanReopen,
        }
    }

    /// A power loss, with rot or not: one draw whatever the rot probability, so that
    /// the fault mix (another concern) does not move the ops stream.
    fn power_loss(&self, rng: &mut impl Rng) -> Op {
        let x: f64 = rng.gen();
        Op::PowerLoss {
            rot: x < self.rot_probability,
        }
    }

    fn reopen(&self, rng: &mut impl Rng) -> Op {
        let crash = self.mix.weight(Kind::Crash) + 1;
        let power = self.mix.weight(Kind::PowerLoss) + 1;
        let clean = self.mix.weight(Kind::CleanReopen) + 1;
        let x = rng.gen_range(0..crash + power + clean);
        if x < crash {
            Op::Crash
        } else if x < crash + power {
            self.power_loss(rng)
        } else {
            Op::CleanReopen
        }
    }

    fn payload(&self, rng: &mut impl Rng, log_id: LogId) -> Payload {
        let len = if self.mix.large_per_mille > 0 && rng.gen_ratio(self.mix.large_per_mille, 1000) {
            rng.gen_range(16 << 10..=160 << 10)
        } else {
            match rng.gen_range(0..100) {
                0..=69 => rng.gen_range(0..48),
                70..=94 => rng.gen_range(48..600),
                _ => rng.gen_range(600..6000),
            }
        };
        let mut s = format!("{}.{}.{:08x}:", log_id.1, log_id.0, rng.gen::<u32>());
        if len > s.len() {
            let fill = b'a' + rng.gen_range(0..26u8);
            let mut bytes = s.into_bytes();
            bytes.resize(len, fill);
            s = String::from_utf8(bytes).expect("ASCII");
        }
        s
    }

    fn append(&mut self, rng: &mut impl Rng, m: &Model, invalid: bool) -> WriteOp {
        if rng.gen_ratio(1, 100) {
            return WriteOp::Append(Vec::new());
        }
        if rng.gen_ratio(1, 20) {
            self.term += 1;
        }
        let n = rng.gen_range(1..=self.mix.max_batch) as u64;
        let next = match m.last {
            Some(last) => last.1 + 1,
            // An empty, never purged log starts wherever its first entry says.
            None => match rng.gen_range(0..10) {
                0..=3 => 0,
                4..=7 => 1,
                _ => rng.gen_range(2..1000),
            },
        };
        let mut ids: Vec<LogId> = (0..n).map(|i| (self.term, next + i)).collect();
        if let Some(p) = m.purged {
            if rng.gen_ratio(1, 12) {
                // Entries the purge point already covers (a leader resending what a
                // snapshot holds): skipped.
                let k = rng.gen_range(1..=3).min(p.1 + 1);
                let covered = (0..k).map(|i| (p.0, p.1 + 1 - k + i));
                ids = covered.chain(ids).collect();
            }
        }
        if invalid {
            let last_term = m.last.map_or(0, |l| l.0);
            match rng.gen_range(0..4) {
                0 => {
                    let gap = rng.gen_range(1..=3);
                    ids.iter_mut().for_each(|id| id.1 += gap);
                }
                1 if next > 0 => ids.iter_mut().for_each(|id| id.1 = id.1.saturating_sub(1)),
                2 if last_term > 0 => ids.iter_mut().for_each(|id| id.0 = last_term - 1),
                _ => {
                    // One bad entry inside an otherwise valid batch: nothing is appended.
                    let k = rng.gen_range(0..ids.len());
                    if rng.gen_bool(0.5) || ids[k].0 == 0 {
                        ids[k].1 += 1;
                    } else {
                        ids[k].0 = 0;
                    }
                }
            }
        }
        WriteOp::Append(
            ids.into_iter()
                .map(|id| (id, self.payload(rng, id)))
                .collect(),
        )
    }

    fn truncate(&mut self, rng: &mut impl Rng, m: &Model, invalid: bool) -> WriteOp {
        let (first, next) = (m.first_index(), m.next_index());
        let lo = first.max(m.committed.map_or(0, |c| c.1 + 1));
        if invalid || lo > next {
            return WriteOp::Truncate(match rng.gen_range(0..3) {
                0 => next + rng.gen_range(1..=3),
                1 if first > 0 => first - 1,
                _ => m
                    .committed
                    .map_or(next + 1, |c| c.1.saturating_sub(rng.gen_range(0..2))),
            });
        }
        // A new leader replaces a short uncommitted suffix. (Drawn even when the edge
        // replaces it, so that the ops stream draws the same either way.)
        let back = rng.gen_range(0..=(next - lo).min(8));
        self.term += 1;
        if self.draw_edge().is_some() {
            // Every uncommitted entry.
            return WriteOp::Truncate(lo);
        }
        WriteOp::Truncate(next - back)
    }

    fn purge(&mut self, rng: &mut impl Rng, m: &Model, invalid: bool) -> LogId {
        // Drawn even when the edge replaces it, so that the ops stream draws the same.
        let upto = self.purge_within(rng, m, invalid);
        let first = m.first_index();
        if invalid || m.purged.is_some() || first == 0 {
            return upto;
        }
        let Some((first_id, _)) = m.entry(first) else {
            return upto;
        };
        let first_term = first_id.0;
        match self.draw_edge() {
            // Below the first entry: its term or an earlier one, now and then a later
            // one (as openraft's Suite purges).
            Some(edges) => {
                let term = match edges.gen_range(0..4) {
                    0 => first_term + 1,
                    1 => first_term.saturating_sub(1),
                    _ => first_term,
                };
                let upto = (term, edges.gen_range(0..first));
                let uncommitted = m.committed.is_none_or(|c| c.1 < first);
                if uncommitted && edges.gen_bool(0.5) {
                    self.planned_truncate = Some(first);
                }
                upto
            }
            None => upto,
        }
    }

    /// A purge within the log, ahead of it, or invalid.
    fn purge_within(&mut self, rng: &mut impl Rng, m: &Model, invalid: bool) -> LogId {
        let (first, next) = (m.first_index(), m.next_index());
        if invalid {
            return match (rng.gen_range(0..3), m.purged, m.entry(first)) {
                (0, Some(p), _) if p.1 > 0 => (p.0, p.1 - 1),
                (1, _, Some((id, _))) => (id.0 + 1, id.1),
                _ => match m.last {
                    Some(l) if l.0 > 0 => (l.0 - 1, next + rng.gen_range(0..4)),
                    _ => (0, next),
                },
            };
        }
        if next <= first || rng.gen_ratio(1, 12) {
            // A snapshot ahead of the log.
            self.term = self.term.max(m.last.map_or(0, |l| l.0));
            return (self.term, next + rng.gen_range(0..20));
        }
        // Mostly up to the committed entry, as Raft does; sometimes further.
        let upper = match m.committed {
            Some(c) if c.1 >= first && c.1 < next && rng.gen_ratio(4, 5) => c.1,
            _ => next - 1,
        };
        let index = rng.gen_range(first..=upper);
        m.entry(index).expect("in log").0
    }
}

/// A share of some ops, per mille, drawn from a stream of its own: none in about a
/// third of the seeds, a share in `per_mille` in the others.
struct Share {
    side: Box<ChaCha8Rng>,
    per_mille: u32,
}

impl Share {
    fn new(mut side: ChaCha8Rng, per_mille: std::ops::RangeInclusive<u32>) -> Self {
        let per_mille = if side.gen_bool(0.35) {
            0
        } else {
            side.gen_range(per_mille)
        };
        Self {
            side: Box::new(side),
            per_mille,
        }
    }

    /// The stream, if this op is in the share (no draw when the share is none).
    fn draw(&mut self) -> Option<&mut ChaCha8Rng> {
        (self.per_mille > 0 && self.side.gen_ratio(self.per_mille, 1000)).then_some(&mut *self.side)
    }
}

fn vote(rng: &mut impl Rng, m: &Model, invalid: bool) -> Vote {
    let (term, node) = m.vote.unwrap_or((0, 0));
    if invalid && m.vote.is_some() {
        if term > 0 && rng.gen_bool(0.5) {
            return (term - 1, rng.gen_range(0..5));
        }
        if node > 0 {
            return (term, node - 1);
        }
    }
    match rng.gen_range(0..4) {
        0 => (term, node),
        1 => (term, node + 1),
        _ => (term + rng.gen_range(1..=3), rng.gen_range(0..5)),
    }
}

fn commit(rng: &mut impl Rng, m: &Model, invalid: bool) -> LogId {
    let (first, next) = (m.first_index(), m.next_index());
    if invalid {
        return match rng.gen_range(0..3) {
            0 => (m.last.map_or(1, |l| l.0), next + rng.gen_range(0..3)),
            1 if next > first => {
                let (id, _) = m.entry(rng.gen_range(first..next)).expect("in log");
                (id.0 + 1, id.1)
            }
            _ => match m.committed {
                Some(c) if c.1 > 0 => (c.0, c.1 - 1),
                _ => (1, next + 5),
            },
        };
    }
    let lo = first.max(m.committed.map_or(0, |c| c.1));
    if lo >= next {
        // Nothing newer to commit: repeat the committed id, or the purged one.
        return m.committed.or(m.purged).unwrap_or((0, 0));
    }
    // Commit advances a little at a time, toward the last entry.
    let index = (lo + rng.gen_range(0..=(next - lo).min(12))).min(next - 1);
    m.entry(index).expect("in log").0
}

fn user_data(rng: &mut impl Rng) -> Option<String> {
    if rng.gen_ratio(1, 5) {
        return None;
    }
    let len = rng.gen_range(0..64);
    Some(
        (0..len)
            .map(|_| char::from(b'A' + rng.gen_range(0..26u8)))
            .collect(),
    )
}

fn update_state(rng: &mut impl Rng, m: &Model, invalid: bool) -> RaftLogState<SimTypes> {
    let mut s = m.state();
    if rng.gen_bool(0.5) {
        s.vote = Some(vote(rng, m, false));
    }
    if rng.gen_bool(0.5) {
        s.committed = Some(commit(rng, m, false));
    }
    if rng.gen_bool(0.5) {
        s.user_data = user_data(rng);
    }
    if invalid {
        match rng.gen_range(0..5) {
            0 => s.last = Some((m.last.map_or(1, |l| l.0), m.next_index())),
            1 => s.purged = Some((1, m.first_index())),
            2 if m.vote.is_some() => s.vote = None,
            3 if m.committed.is_some() => s.committed = None,
            _ => s.vote = Some(vote(rng, m, true)),
        }
    }
    s
}

fn read(rng: &mut impl Rng, m: &Model, invalid: bool) -> Op {
    let (first, next) = (m.first_index(), m.next_index());
    if invalid {
        return match rng.gen_range(0..3) {
            0 if first > 0 => Op::Read {
                from: first - 1,
                to: next.max(first),
            },
            1 => Op::Read {
                from: next.saturating_sub(2).max(first),
                to: next + rng.gen_range(1..=3),
            },
            _ => Op::Read {
                from: next,
                to: first,
            },
        };
    }
    let len = next.saturating_sub(first);
    if len == 0 {
        return Op::Read {
            from: first,
            to: first,
        };
    }
    let span = rng.gen_range(1..=len.min(48));
    let from = if rng.gen_bool(0.5) {
        next - span // the newest entries: mostly the cache
    } else {
        first + rng.gen_range(0..=len - span) // anywhere: mostly the disk
    };
    Op::Read {
        from,
        to: from + span,
    }
}
