//! `sync`: the latency-bound path. Append one 100 B entry, flush, wait for the
//! flush callback (the entry is durable), repeat. Figure: ops/s (one op = one
//! durable entry). Raw: one 100 B `pwrite` + `fdatasync` per op on a growing file.

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
        let t = Instant::now();
        for i in 0..n {
            f.write_all_at(payload(i, SIZE).as_bytes(), i * SIZE as u64)
                .expect("raw: pwrite");
            f.sync_data().expect("raw: fdatasync");
        }
        let secs = t.elapsed().as_secs_f64();
        rawfile::verify(dir, n, SIZE);
        Some(vec![n as f64 / secs])
    }
}
