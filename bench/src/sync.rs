//! `sync`: the latency-bound path. Append one 100 B entry, flush, wait for the
//! flush callback (the entry is durable), repeat. Figure: ops/s (one op = one
//! durable entry). Raw: one 100 B `pwrite` + `fdatasync` per op on a growing file.
//! Two rows: `sync` on an otherwise idle machine, and `sync-loaded`, the same loop
//! (in a fresh directory) while [`LOAD_THREADS`] other threads keep the cores busy
//! (a machine where other work runs: a thread that spins while it waits, or a
//! hand-off to another thread, then competes with them for a core).
//! Three more rows say where an op's time goes, from the kernel's scheduler counters
//! of the side's threads ([`crate::schedstat`]): `sync-cpu` and `sync-loaded-cpu`,
//! microseconds per op on a CPU (user and kernel: the rest of an idle op is the
//! disk), and `sync-loaded-wait`, microseconds per op runnable but waiting for a CPU
//! (what the load costs a side beyond its own work).
//!
//! `sync-reserved`: the same against a stricter raw loop that writes into space
//! reserved beforehand (`fallocate`), so that its `fdatasync` commits no file-size
//! change, as raftwal's chunk reservation does. The gap left is the hand-off to the
//! flush thread and back (see the wake-up line under the table). raft-log is not run.
//! Each op is `append` + [`Wal::sync_one`].

use crate::cpu_load::CpuLoad;
use crate::harness::{Metric, Scale, Side, Workload};
use crate::rawfile;
use crate::schedstat::ThreadSample;
use crate::wal::{payload, reopen_and_verify, LogCfg, Wal};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Instant;

/// Busy threads during the `sync-loaded` run.
pub const LOAD_THREADS: usize = 2;

/// A fresh subdirectory `name` of `dir`.
fn subdir(dir: &Path, name: &str) -> std::path::PathBuf {
    let sub = dir.join(name);
    std::fs::create_dir(&sub).expect("create bench subdirectory");
    sub
}

const SIZE: usize = 100;

pub struct Sync;

/// Ops per run: 20,000 (1.5 s at 14k ops/s) keeps a round's figure within a few per
/// cent of the next; at 5,000 the peers' rounds spread over 12k-16k ops/s and the
/// medians' order changed from run to run.
fn ops(s: &Scale) -> u64 {
    s.pick(500, 20_000)
}

/// Ops of a run of `W`: raft-log gets a quarter (it runs at about 750 ops/s, and its
/// rate does not depend on the count: it syncs every op the same way).
fn ops_of<W: Wal>(s: &Scale) -> u64 {
    if W::NAME == crate::raftlog::RaftLogWal::NAME {
        ops(s) / 4
    } else {
        ops(s)
    }
}

/// See the module documentation.
pub struct SyncReserved;

impl Workload for SyncReserved {
    const NAME: &'static str = "sync-reserved";
    const METRICS: &'static [Metric] = &[Metric {
        name: "sync-reserved",
        unit: "ops/s",
        higher_is_better: true,
    }];
    /// raft-log is not run (see the module documentation).
    fn runs(side: Side) -> bool {
        side != Side::RaftLog
    }

    fn log<W: Wal>(dir: &Path, s: &Scale) -> Vec<f64> {
        vec![sync_log::<W>(dir, s).ops_per_sec]
    }

    fn raw(dir: &Path, s: &Scale) -> Option<Vec<f64>> {
        let n = ops(s);
        let f = rawfile::create(dir);
        rustix::fs::fallocate(&f, rustix::fs::FallocateFlags::empty(), 0, n * SIZE as u64)
            .expect("raw: fallocate");
        f.sync_all().expect("raw: fsync after fallocate");
        Some(vec![sync_loop(&f, dir, n).ops_per_sec])
    }
}

/// What one run of a synced loop measured.
struct LoopFigures {
    /// Durable ops per second of wall time.
    ops_per_sec: f64,
    /// Microseconds per op the side's threads ran on a CPU (user and kernel).
    on_cpu_us: f64,
    /// Microseconds per op they were runnable but waited for a CPU.
    runnable_wait_us: f64,
}

impl LoopFigures {
    /// `ops` ops that took `secs` between scheduler samples `start` and `end`.
    fn new(ops: u64, secs: f64, start: &ThreadSample, end: &ThreadSample) -> Self {
        let (on_cpu_us, runnable_wait_us) = end.since(start).per_op_us(ops);
        Self {
            ops_per_sec: ops as f64 / secs,
            on_cpu_us,
            runnable_wait_us,
        }
    }
}

/// `n` ops of one 100 B `pwrite` + `fdatasync` on `f`. Checks the file after.
fn sync_loop(f: &std::fs::File, dir: &Path, n: u64) -> LoopFigures {
    let start = ThreadSample::now();
    let t = Instant::now();
    for i in 0..n {
        f.write_all_at(payload(i, SIZE).as_bytes(), i * SIZE as u64)
            .expect("raw: pwrite");
        f.sync_data().expect("raw: fdatasync");
    }
    let secs = t.elapsed().as_secs_f64();
    let end = ThreadSample::now();
    rawfile::verify(dir, n, SIZE);
    LoopFigures::new(n, secs, &start, &end)
}

/// The log side of `sync` in `dir`. Checks the log after.
fn sync_log<W: Wal>(dir: &Path, s: &Scale) -> LoopFigures {
    let n = ops_of::<W>(s);
    let cfg = LogCfg::default();
    let mut log = W::open(dir, &cfg);
    let start = ThreadSample::now();
    let t = Instant::now();
    for i in 0..n {
        log.append(i, payload(i, SIZE));
        log.sync_one();
    }
    let secs = t.elapsed().as_secs_f64();
    let end = ThreadSample::now();
    reopen_and_verify(log, dir, &cfg, n, SIZE);
    LoopFigures::new(n, secs, &start, &end)
}

/// The `sync` rows of an idle and a loaded run, in the order of `Sync::METRICS`.
fn sync_rows(idle: LoopFigures, loaded: LoopFigures) -> Vec<f64> {
    vec![
        idle.ops_per_sec,
        loaded.ops_per_sec,
        idle.on_cpu_us,
        loaded.on_cpu_us,
        loaded.runnable_wait_us,
    ]
}

impl Workload for Sync {
    const NAME: &'static str = "sync";
    const METRICS: &'static [Metric] = &[
        Metric {
            name: "sync",
            unit: "ops/s",
            higher_is_better: true,
        },
        Metric {
            name: "sync-loaded",
            unit: "ops/s",
            higher_is_better: true,
        },
        Metric {
            name: "sync-cpu",
            unit: "us/op on CPU",
            higher_is_better: false,
        },
        Metric {
            name: "sync-loaded-cpu",
            unit: "us/op on CPU",
            higher_is_better: false,
        },
        Metric {
            name: "sync-loaded-wait",
            unit: "us/op runnable",
            higher_is_better: false,
        },
    ];

    fn log<W: Wal>(dir: &Path, s: &Scale) -> Vec<f64> {
        let idle = sync_log::<W>(&subdir(dir, "idle"), s);
        let loaded = {
            let _load = CpuLoad::start(LOAD_THREADS);
            sync_log::<W>(&subdir(dir, "loaded"), s)
        };
        sync_rows(idle, loaded)
    }

    fn raw(dir: &Path, s: &Scale) -> Option<Vec<f64>> {
        let n = ops(s);
        let idle_dir = subdir(dir, "idle");
        let idle = sync_loop(&rawfile::create(&idle_dir), &idle_dir, n);
        let loaded_dir = subdir(dir, "loaded");
        let loaded = {
            let _load = CpuLoad::start(LOAD_THREADS);
            sync_loop(&rawfile::create(&loaded_dir), &loaded_dir, n)
        };
        Some(sync_rows(idle, loaded))
    }
}
