//! `latency`: the tail of one durable append. An op is one `append` of a 100 B entry
//! and [`Wal::sync_one`] (make it durable, wait), timed alone; each op's time goes
//! into a `Vec<u64>` of nanoseconds, sorted at the end. Figures: p50, p99 and p99.9
//! in microseconds (`latency-p50`, ...), then the same beside another writer
//! (`latency-shared-p50`, ...).
//!
//! The other writer: raftwal's and raft-log's logs take appends from one `&mut`
//! owner, so a second writer cannot run on its own thread without a lock that would
//! serialise it with the op anyway. It runs interleaved on the same thread: before
//! each timed op, untimed, it appends [`OTHER_ENTRIES`] entries of 100 B without
//! waiting for them; the timed op's flush then makes them durable too. So a shared
//! op pays for writing the other writer's pending entries in its `fdatasync`, as a
//! leader's flush does when a pipelined stream shares its log, but never runs in
//! parallel with it. Every side, raft-engine and okaywal too, runs the same
//! interleaving, so the figures compare. Raw: one `pwrite` + `fdatasync` per op;
//! shared, the other writer's bytes are `pwrite`n (untimed) before each op.
//! The log is reopened and checked after each run.

use crate::harness::{Metric, Scale, Workload};
use crate::rawfile;
use crate::wal::{payload, reopen_and_verify, LogCfg, Wal};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Instant;

const SIZE: usize = 100;
/// Entries the other writer appends before each shared op.
pub const OTHER_ENTRIES: u64 = 64;

/// See the module documentation.
pub struct Latency;

fn ops(s: &Scale) -> u64 {
    s.pick(1_000, 10_000)
}

/// (p50, p99, p99.9) of `latencies_ns`, in microseconds.
fn percentiles_us(mut latencies_ns: Vec<u64>) -> [f64; 3] {
    latencies_ns.sort_unstable();
    let at = |q: f64| {
        let k = ((latencies_ns.len() as f64 * q).ceil() as usize).clamp(1, latencies_ns.len());
        latencies_ns[k - 1] as f64 / 1e3
    };
    [at(0.50), at(0.99), at(0.999)]
}

/// `n` timed ops on a fresh log in `dir`, with `other` untimed appends before each.
fn log_run<W: Wal>(dir: &Path, n: u64, other: u64) -> [f64; 3] {
    std::fs::create_dir(dir).expect("create latency subdirectory");
    let cfg = LogCfg::default();
    let mut log = W::open(dir, &cfg);
    let mut latencies_ns = Vec::with_capacity(n as usize);
    let mut next = 0u64;
    for _ in 0..n {
        for _ in 0..other {
            log.append(next, payload(next, SIZE));
            next += 1;
        }
        let p = payload(next, SIZE);
        let t = Instant::now();
        log.append(next, p);
        log.sync_one();
        latencies_ns.push(t.elapsed().as_nanos() as u64);
        next += 1;
    }
    reopen_and_verify(log, dir, &cfg, next, SIZE);
    percentiles_us(latencies_ns)
}

/// The raw side of [`log_run`].
fn raw_run(dir: &Path, n: u64, other: u64) -> [f64; 3] {
    std::fs::create_dir(dir).expect("create latency subdirectory");
    let f = rawfile::create(dir);
    let mut latencies_ns = Vec::with_capacity(n as usize);
    let mut next = 0u64;
    for _ in 0..n {
        for _ in 0..other {
            f.write_all_at(payload(next, SIZE).as_bytes(), next * SIZE as u64)
                .expect("raw: pwrite");
            next += 1;
        }
        let p = payload(next, SIZE);
        let t = Instant::now();
        f.write_all_at(p.as_bytes(), next * SIZE as u64)
            .expect("raw: pwrite");
        f.sync_data().expect("raw: fdatasync");
        latencies_ns.push(t.elapsed().as_nanos() as u64);
        next += 1;
    }
    rawfile::verify(dir, next, SIZE);
    percentiles_us(latencies_ns)
}

const fn us(name: &'static str) -> Metric {
    Metric {
        name,
        unit: "us",
        higher_is_better: false,
    }
}

impl Workload for Latency {
    const NAME: &'static str = "latency";
    const METRICS: &'static [Metric] = &[
        us("latency-p50"),
        us("latency-p99"),
        us("latency-p999"),
        us("latency-shared-p50"),
        us("latency-shared-p99"),
        us("latency-shared-p999"),
    ];

    fn log<W: Wal>(dir: &Path, s: &Scale) -> Vec<f64> {
        let alone = log_run::<W>(&dir.join("alone"), ops(s), 0);
        let shared = log_run::<W>(&dir.join("shared"), ops(s), OTHER_ENTRIES);
        alone.into_iter().chain(shared).collect()
    }

    fn raw(dir: &Path, s: &Scale) -> Option<Vec<f64>> {
        let alone = raw_run(&dir.join("alone"), ops(s), 0);
        let shared = raw_run(&dir.join("shared"), ops(s), OTHER_ENTRIES);
        Some(alone.into_iter().chain(shared).collect())
    }
}
