//! `bulk-4k`: bandwidth. Append 4 KiB entries one per call, with a single flush at the
//! end, and wait for it. Figure: MB/s (10^6 bytes of payload per second), from the
//! first append to the callback.
//!
//! Raw: the same payload bytes written sequentially in 1 MiB `pwrite`s, one
//! `fdatasync` at the end.

use crate::harness::{Metric, Scale, Workload};
use crate::rawfile;
use crate::wal::{payload, reopen_and_verify, LogCfg, Wal};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Instant;

const SIZE: usize = 4096;

pub struct Bulk;

fn entries(s: &Scale) -> u64 {
    // quick: 64 MiB, full: 256 MiB
    s.pick(16 * 1024, 64 * 1024)
}

fn mb_per_s(n: u64, secs: f64) -> f64 {
    (n * SIZE as u64) as f64 / 1e6 / secs
}

impl Workload for Bulk {
    const NAME: &'static str = "bulk-4k";
    const METRICS: &'static [Metric] = &[Metric {
        name: "bulk-4k",
        unit: "MB/s",
        higher_is_better: true,
    }];

    fn log<W: Wal>(dir: &Path, s: &Scale) -> Vec<f64> {
        let n = entries(s);
        let cfg = LogCfg::default();
        let mut log = W::open(dir, &cfg);
        let t = Instant::now();
        for i in 0..n {
            log.append(i, payload(i, SIZE));
        }
        log.flush();
        log.wait_flushed(1);
        let secs = t.elapsed().as_secs_f64();
        reopen_and_verify(log, dir, &cfg, n, SIZE);
        vec![mb_per_s(n, secs)]
    }

    fn raw(dir: &Path, s: &Scale) -> Option<Vec<f64>> {
        let n = entries(s);
        let f = rawfile::create(dir);
        let mut buf = Vec::with_capacity(1 << 20);
        let mut off = 0u64;
        let t = Instant::now();
        for i in 0..n {
            buf.extend_from_slice(payload(i, SIZE).as_bytes());
            if buf.len() >= 1 << 20 || i + 1 == n {
                f.write_all_at(&buf, off).expect("raw: pwrite");
                off += buf.len() as u64;
                buf.clear();
            }
        }
        f.sync_data().expect("raw: fdatasync");
        let secs = t.elapsed().as_secs_f64();
        rawfile::verify(dir, n, SIZE);
        Some(vec![mb_per_s(n, secs)])
    }
}
