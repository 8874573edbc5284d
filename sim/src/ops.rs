//! The operations of a run and the swarm-chosen op mix: plain data. The model applies
//! ops ([`crate::model`]) and the generator draws them ([`crate::generator`]); ops know
//! neither.
//!
//! Ops are concrete values (log ids, payloads, indexes), so a recorded op list replays
//! exactly and can be shrunk: an op that became invalid after others were dropped is
//! simply expected to be rejected.

use crate::types::{LogId, Payload, SimTypes, Vote};
use raftwal::RaftLogState;
use rand::Rng;
use std::fmt;

/// An operation that changes the log.
#[derive(Clone, Debug, PartialEq)]
pub enum WriteOp {
    /// `save_vote`.
    SaveVote(Vote),
    /// `append` of a batch.
    Append(Vec<(LogId, Payload)>),
    /// `commit`.
    Commit(LogId),
    /// `truncate`.
    Truncate(u64),
    /// `purge`.
    Purge(LogId),
    /// `save_user_data`.
    SaveUserData(Option<String>),
    /// `update_state`.
    UpdateState(RaftLogState<SimTypes>),
}

/// One step of a run.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A write.
    Write(WriteOp),
    /// `flush`, with a recording callback or none.
    Flush {
        /// With a callback.
        callback: bool,
    },
    /// `RaftLog::sync`: a flush and its wait in one call (the worker runs inline until
    /// idle).
    Sync,
    /// `read(from, to)`, checked against the model.
    Read {
        /// First index.
        from: u64,
        /// End index (exclusive).
        to: u64,
    },
    /// Up to this many steps of the flush worker.
    Steps(u32),
    /// Run the worker until idle, then `drain_cache_evictable`.
    Drain,
    /// Process crash: drop the log, `SimDisk::crash`, reopen.
    Crash,
    /// Power loss: drop the log, `SimDisk::power_loss`, maybe bit rot, reopen.
    PowerLoss {
        /// Flip a bit in durable data before the reopen.
        rot: bool,
    },
    /// Flush, run the worker until idle, drop the log, reopen.
    CleanReopen,
}

fn id(id: &LogId) -> String {
    format!("({},{})", id.0, id.1)
}

fn opt_id(v: &Option<LogId>) -> String {
    v.as_ref().map_or("-".to_string(), id)
}

fn short(s: &Option<String>) -> String {
    match s {
        None => "None".to_string(),
        Some(s) if s.len() <= 12 => format!("{s:?}"),
        Some(s) => format!("{:?}..({}B)", &s[..12], s.len()),
    }
}

impl fmt::Display for WriteOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteOp::SaveVote(v) => write!(f, "save_vote {}", id(v)),
            WriteOp::Append(entries) => {
                let bytes: usize = entries.iter().map(|e| e.1.len()).sum();
                match entries.as_slice() {
                    [] => write!(f, "append []"),
                    [one] => write!(f, "append [{} {}B]", id(&one.0), one.1.len()),
                    [first, .., last] => write!(
                        f,
                        "append [{}..{}] {} entries {}B",
                        id(&first.0),
                        id(&last.0),
                        entries.len(),
                        bytes
                    ),
                }
            }
            WriteOp::Commit(c) => write!(f, "commit {}", id(c)),
            WriteOp::Truncate(i) => write!(f, "truncate {i}"),
            WriteOp::Purge(p) => write!(f, "purge {}", id(p)),
            WriteOp::SaveUserData(u) => write!(f, "save_user_data {}", short(u)),
            WriteOp::UpdateState(s) => write!(
                f,
                "update_state vote {} last {} committed {} purged {} user_data {}",
                opt_id(&s.vote),
                opt_id(&s.last),
                opt_id(&s.committed),
                opt_id(&s.purged),
                short(&s.user_data)
            ),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Write(w) => write!(f, "{w}"),
            Op::Flush { callback: true } => write!(f, "flush"),
            Op::Flush { callback: false } => write!(f, "flush (no callback)"),
            Op::Sync => write!(f, "sync"),
            Op::Read { from, to } => write!(f, "read [{from}, {to})"),
            Op::Steps(n) => write!(f, "worker steps {n}"),
            Op::Drain => write!(f, "worker drain"),
            Op::Crash => write!(f, "CRASH"),
            Op::PowerLoss { rot: false } => write!(f, "POWER LOSS"),
            Op::PowerLoss { rot: true } => write!(f, "POWER LOSS + BIT ROT"),
            Op::CleanReopen => write!(f, "clean reopen"),
        }
    }
}

/// The kinds of op, for the mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// append
    Append,
    /// save_vote
    Vote,
    /// commit
    Commit,
    /// truncate
    Truncate,
    /// purge
    Purge,
    /// save_user_data
    UserData,
    /// update_state
    UpdateState,
    /// flush
    Flush,
    /// read
    Read,
    /// worker steps
    Steps,
    /// worker drain
    Drain,
    /// process crash
    Crash,
    /// power loss
    PowerLoss,
    /// clean reopen
    CleanReopen,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 14] = [
        Kind::Append,
        Kind::Vote,
        Kind::Commit,
        Kind::Truncate,
        Kind::Purge,
        Kind::UserData,
        Kind::UpdateState,
        Kind::Flush,
        Kind::Read,
        Kind::Steps,
        Kind::Drain,
        Kind::Crash,
        Kind::PowerLoss,
        Kind::CleanReopen,
    ];

    /// A short name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Append => "append",
            Kind::Vote => "vote",
            Kind::Commit => "commit",
            Kind::Truncate => "truncate",
            Kind::Purge => "purge",
            Kind::UserData => "user_data",
            Kind::UpdateState => "update_state",
            Kind::Flush => "flush",
            Kind::Read => "read",
            Kind::Steps => "steps",
            Kind::Drain => "drain",
            Kind::Crash => "crash",
            Kind::PowerLoss => "power_loss",
            Kind::CleanReopen => "clean_reopen",
        }
    }
}

/// The op mix of a run, drawn from its seed (swarm testing: kinds switched off or
/// weighted very differently from one seed to the next).
#[derive(Clone, Debug, PartialEq)]
pub struct OpMix {
    /// Weight of each kind, in [`Kind::ALL`] order, in tenths of a percent-ish units.
    pub weights: [u32; 14],
    /// Percentage of writes and reads made invalid on purpose.
    pub invalid_percent: u32,
    /// Entries per append batch, at most.
    pub max_batch: usize,
    /// Entries (per thousand) with a large payload (16 KiB to 160 KiB).
    pub large_per_mille: u32,
    /// Above this many entries the generator purges (to keep runs fast).
    pub max_log_len: u64,
}

impl Kind {
    /// How [`OpMix::swarm`] draws this kind's weight: `(on, lo, hi)`, the kind is on
    /// with probability `on`, then weighted uniformly in `lo..=hi` (0 when off).
    pub fn weight_range(self) -> (f64, u32, u32) {
        match self {
            Kind::Append => (1.0, 150, 400),
            Kind::Vote => (0.7, 5, 60),
            Kind::Commit => (0.85, 20, 150),
            Kind::Truncate => (0.7, 5, 40),
            Kind::Purge => (0.8, 5, 50),
            Kind::UserData => (0.6, 5, 30),
            Kind::UpdateState => (0.6, 5, 30),
            Kind::Flush => (1.0, 40, 200),
            Kind::Read => (0.85, 20, 120),
            Kind::Steps => (1.0, 80, 300),
            Kind::Drain => (0.6, 5, 40),
            Kind::Crash => (0.8, 3, 20),
            Kind::PowerLoss => (0.9, 3, 20),
            Kind::CleanReopen => (0.5, 1, 8),
        }
    }
}

impl OpMix {
    /// A random mix, drawn from the seed's [`crate::streams::Concern::OpMix`] stream:
    /// each kind's weight (see [`Kind::weight_range`]) in [`Kind::ALL`] order, then the
    /// other knobs.
    pub fn swarm(rng: &mut impl Rng) -> Self {
        let mut weights = [0; Kind::ALL.len()];
        for kind in Kind::ALL {
            let (on, lo, hi) = kind.weight_range();
            weights[kind as usize] = if rng.gen_bool(on) {
                rng.gen_range(lo..=hi)
            } else {
                0
            };
        }
        let mut mix = OpMix {
            weights,
            invalid_percent: if rng.gen_bool(0.8) {
                rng.gen_range(1..=25)
            } else {
                0
            },
            max_batch: rng.gen_range(1..=8),
            large_per_mille: if rng.gen_bool(0.4) {
                rng.gen_range(1..=15)
            } else {
                0
            },
            max_log_len: rng.gen_range(64..=1024),
        };
        // Every run crashes somehow: a run without recoveries checks too little.
        if mix.weight(Kind::Crash) == 0 && mix.weight(Kind::PowerLoss) == 0 {
            mix.weights[Kind::PowerLoss as usize] = 5;
        }
        mix
    }

    /// The weight of `kind`.
    pub fn weight(&self, kind: Kind) -> u32 {
        self.weights[kind as usize]
    }
}

impl fmt::Display for OpMix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: u32 = self.weights.iter().sum();
        for (i, kind) in Kind::ALL.iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            write!(
                f,
                "{} {:.1}%",
                kind.name(),
                100.0 * f64::from(self.weights[i]) / f64::from(total)
            )?;
        }
        write!(
            f,
            "; invalid {}%, batch <= {}, large payloads {}/1000, purge above {} entries",
            self.invalid_percent, self.max_batch, self.large_per_mille, self.max_log_len
        )
    }
}
