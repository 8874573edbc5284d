//! `sync`: the latency-bound path. Append one 100 B entry, flush, wait for the
//! flush callback (the entry is durable), repeat. Figure: ops/s (one op = one
//! durable entry). Raw: one 100 B `pwrite` + `fdatasync` per op on a growing file.
//!
//! `sync-reserved`: the same against a stricter raw loop that writes into space
//! reserved beforehand (`fallocate`), so that its `fdatasync` commits no file-size
//! change, as raftwal's chunk reservation does. The gap left is the hand-off to the
//! flush thread and back (see the wake-up line under the table). raft-log is not run.

use crate::harness::{Metric, Scale, Workload};
use crate::rawfile;
use crate::wal::{payload, reopen_and_verify, LogCfg, Wal};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Instant;

const SIZE: usize = 100;

pub struct Sync;

fn ops(s: &Scale) -> u64 {
    s.pick(500, 5_000)
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
    const RUNS_RAFT_LOG: bool = false;

    fn log<W: Wal>(dir: &Path, s: &Scale) -> Vec<f64> {
        Sync::log::<W>(dir, s)
    }

    fn raw(dir: &Path, s: &Scale) -> Option<Vec<f64>> {
        let n = ops(s);
        let f = rawfile::create(dir);
        rustix::fs::fallocate(&f, rustix::fs::FallocateFlags::empty(), 0, n * SIZE as u64)
            .expect("raw: fallocate");
        f.sync_all().expect("raw: fsync after fallocate");
        Some(vec![sync_loop(&f, dir, n)])
    }
}

/// `n` ops of one 100 B `pwrite` + `fdatasync` on `f`; ops/s. Checks the file after.
fn sync_loop(f: &std::fs::File, dir: &Path, n: u64) -> f64 {
    let t = Instant::now();
    for i in 0..n {
        f.write_all_at(payload(i, SIZE).as_bytes(), i * SIZE as u64)
            .expect("raw: pwrite");
        f.sync_data().expect("raw: fdatasync");
    }
    let secs = t.elapsed().as_secs_f64();
    rawfile::verify(dir, n, SIZE);
    n as f64 / secs
}

impl Workload for Sync {
    const NAME: &'static str = "sync";
    const METRICS: &'static [Metric] = &[Metric {
        name: "sync",
        unit: "ops/s",
        higher_is_better: true,
    }];

    fn log<W: Wal>(dir: &Path, s: &Scale) -> Vec<f64> {
        let n = ops(s);
        let cfg = LogCfg::default();
        let mut log = W::open(dir, &cfg);
        let t = Instant::now();
        for i in 0..n {
            log.append(i, payload(i, SIZE));
            log.flush();
            log.wait_flushed(1);
        }
        let secs = t.elapsed().as_secs_f64();
        reopen_and_verify(log, dir, &cfg, n, SIZE);
        vec![n as f64 / secs]
    }

    fn raw(dir: &Path, s: &Scale) -> Option<Vec<f64>> {
        let n = ops(s);
        let f = rawfile::create(dir);
        Some(vec![sync_loop(&f, dir, n)])
    }
}
