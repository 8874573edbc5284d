//! Rounds, alternation, medians and the result table.
//!
//! For each workload, every round runs each side once, each in a fresh directory,
//! round k starting with the k-th side of ours, `raft-log`, `raft-engine`, `okaywal`,
//! raw; alternating sides within a round spreads slow drifts of the machine (page
//! cache, other processes, disk state) over all sides. The table shows the median of
//! the rounds for each side and the ratios; under it, raftwal over the best peer
//! (raft-engine or okaywal) within each round, whose median and range are steadier
//! than the ratio of medians when the disk's speed drifts from round to round.

use crate::wal::Wal;
use std::path::Path;
use std::time::Instant;

/// One figure a workload reports.
pub struct Metric {
    pub name: &'static str,
    pub unit: &'static str,
    pub higher_is_better: bool,
}

/// Sizes and repetitions: quick mode (under a minute in all) or full mode.
#[derive(Debug, Clone)]
pub struct Scale {
    pub quick: bool,
    pub rounds: usize,
}

impl Scale {
    /// `quick` in quick mode, `full` otherwise.
    pub fn pick<N>(&self, quick: N, full: N) -> N {
        if self.quick {
            quick
        } else {
            full
        }
    }
}

/// A workload: the same operations on a log (generic over [`Wal`]) and, where it
/// makes sense, on a raw file. Each run returns one figure per entry of `METRICS`.
pub trait Workload {
    const NAME: &'static str;
    const METRICS: &'static [Metric];
    /// Whether the log side `side` (not [`Side::Raw`], see [`Workload::raw`]) runs
    /// this workload; its column shows `-` otherwise.
    fn runs(_side: Side) -> bool {
        true
    }
    fn log<W: Wal>(dir: &Path, s: &Scale) -> Vec<f64>;
    fn raw(dir: &Path, s: &Scale) -> Option<Vec<f64>>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// raftwal.
    Ours,
    /// The `raft-log` crate.
    RaftLog,
    /// TiKV's `raft-engine` crate.
    RaftEngine,
    /// The `okaywal` crate.
    OkayWal,
    /// A raw file, `pwrite` + `fdatasync`.
    Raw,
}

/// Every side, in the order of the table's columns and of each round.
pub const SIDES: [Side; 5] = [
    Side::Ours,
    Side::RaftLog,
    Side::RaftEngine,
    Side::OkayWal,
    Side::Raw,
];

impl Side {
    /// The column name.
    pub fn name(self) -> &'static str {
        match self {
            Side::Ours => "raftwal",
            Side::RaftLog => "raft-log",
            Side::RaftEngine => "raft-engine",
            Side::OkayWal => "okaywal",
            Side::Raw => "raw",
        }
    }
}

/// The medians of one metric, per side (`None`: the side does not run it).
pub struct Row {
    pub metric: &'static Metric,
    pub medians: [Option<f64>; SIDES.len()],
    /// raftwal's figure over the best peer's (raft-engine or okaywal) of the same
    /// round, for every round where raftwal and a peer ran: (median, lowest, highest).
    pub per_round_best_peer: Option<(f64, f64, f64)>,
}

/// Runs `rounds` rounds of `W` over the sides and returns one row per metric.
/// `run` executes one side in a fresh directory and returns its figures, or `None`
/// when that side has no such measurement.
pub fn run_workload<W: Workload>(
    s: &Scale,
    base: &Path,
    run: impl Fn(Side, &Path) -> Option<Vec<f64>>,
) -> Vec<Row> {
    let mut samples: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); SIDES.len()]; W::METRICS.len()];
    // [round][metric][side]
    let mut by_round: Vec<Vec<[Option<f64>; SIDES.len()]>> = Vec::new();
    for round in 0..s.rounds {
        by_round.push(vec![[None; SIDES.len()]; W::METRICS.len()]);
        // Each round starts with a different side, so that no side always runs first
        // (on a cold page cache and an idle device) or always after the same one.
        for turn in 0..SIDES.len() {
            let k = (round + turn) % SIDES.len();
            let side = &SIDES[k];
            settle_disk();
            let dir = tempfile::Builder::new()
                .prefix(&format!("{}-{}-", W::NAME, side.name()))
                .tempdir_in(base)
                .expect("create bench directory");
            let t = Instant::now();
            let Some(figs) = run(*side, dir.path()) else {
                continue;
            };
            assert_eq!(figs.len(), W::METRICS.len(), "{}: figure count", W::NAME);
            let shown: Vec<String> = W::METRICS
                .iter()
                .zip(&figs)
                .map(|(m, v)| format!("{} {}", fmt_fig(*v), m.unit))
                .collect();
            eprintln!(
                "  {:<10} round {}/{} {:<9} {}   ({:.1}s incl. setup+check)",
                W::NAME,
                round + 1,
                s.rounds,
                side.name(),
                shown.join(", "),
                t.elapsed().as_secs_f64()
            );
            for (m, v) in figs.into_iter().enumerate() {
                samples[m][k].push(v);
                by_round[round][m][k] = Some(v);
            }
        }
    }
    W::METRICS
        .iter()
        .zip(samples)
        .enumerate()
        .map(|(m, (metric, per_side))| {
            let mut medians = [None; SIDES.len()];
            for (k, v) in per_side.into_iter().enumerate() {
                medians[k] = median(v);
            }
            let ratios: Vec<f64> = by_round
                .iter()
                .filter_map(|figs| per_round_best_peer(metric, &figs[m]))
                .collect();
            Row {
                metric,
                medians,
                per_round_best_peer: spread(ratios),
            }
        })
        .collect()
}

/// raftwal's figure over the best peer's in one round's `figs`, if both ran.
fn per_round_best_peer(metric: &Metric, figs: &[Option<f64>; SIDES.len()]) -> Option<f64> {
    let of = |side: Side| figs[SIDES.iter().position(|s| *s == side).expect("a side")];
    let ours = of(Side::Ours)?;
    let peers = [of(Side::RaftEngine), of(Side::OkayWal)]
        .into_iter()
        .flatten();
    let best = if metric.higher_is_better {
        peers.reduce(f64::max)
    } else {
        peers.reduce(f64::min)
    }?;
    (best > 0.0).then(|| ours / best)
}

/// (median, lowest, highest) of `v`, or `None` if it is empty.
fn spread(mut v: Vec<f64>) -> Option<(f64, f64, f64)> {
    v.sort_by(f64::total_cmp);
    let (&lo, &hi) = (v.first()?, v.last()?);
    Some((median(v)?, lo, hi))
}

/// Writes back every dirty page of the machine (`sync`) before a side runs, so that
/// no side pays for the writeback or file removal left behind by the one before.
fn settle_disk() {
    match std::process::Command::new("sync").status() {
        Ok(status) if status.success() => {}
        other => eprintln!("  (could not run `sync` between sides: {other:?})"),
    }
}

pub fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN figures"));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// A figure with about three significant digits; large ones with thousands separators.
pub fn fmt_fig(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        let digits = format!("{:.0}", a);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if v < 0.0 {
            out.insert(0, '-');
        }
        out
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => format!("{:.2}", a / b),
        _ => "-".to_string(),
    }
}

/// Prints the result table: medians per side, then raftwal against each other side
/// (ours/raft-log, ours/raft-engine, ours/okaywal, ours/raw) and raft-log/raw.
/// Whether a ratio above 1 is good depends on the `better` column.
pub fn print_table(rows: &[Row]) {
    let opt = |v: Option<f64>| v.map(fmt_fig).unwrap_or_else(|| "-".to_string());
    let line = |cells: [String; 13]| {
        let [w, u, b, v @ ..] = cells;
        let values: Vec<String> = v
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let width = if k < SIDES.len() { 11 } else { 9 };
                format!("{c:>width$}")
            })
            .collect();
        println!("{w:<20} {u:<10} {b:<7} {}", values.join(" "));
    };
    line(
        [
            "workload",
            "unit",
            "better",
            "raftwal",
            "raft-log",
            "raft-eng",
            "okaywal",
            "raw",
            "/raft-log",
            "/raft-eng",
            "/okaywal",
            "/raw",
            "rlog/raw",
        ]
        .map(String::from),
    );
    for r in rows {
        let [ours, rl, re, ok, raw] = r.medians;
        line([
            r.metric.name.to_string(),
            r.metric.unit.to_string(),
            if r.metric.higher_is_better {
                "higher"
            } else {
                "lower"
            }
            .to_string(),
            opt(ours),
            opt(rl),
            opt(re),
            opt(ok),
            opt(raw),
            ratio(ours, rl),
            ratio(ours, re),
            ratio(ours, ok),
            ratio(ours, raw),
            ratio(rl, raw),
        ]);
    }
    println!("(ratio columns: raftwal's median over that side's; rlog/raw: raft-log over raw)");
    println!();
    println!(
        "raftwal / best peer (raft-engine or okaywal) within each round: median (lowest-highest)"
    );
    for r in rows {
        if let Some((mid, lo, hi)) = r.per_round_best_peer {
            println!("  {:<20} {mid:.2} ({lo:.2}-{hi:.2})", r.metric.name);
        }
    }
}
