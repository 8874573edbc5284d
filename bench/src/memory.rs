//! `memory`: resident memory per entry. N x 100 B entries are appended in batches of
//! 1,000 (each batch flushed and waited for), with the payload cache capped at
//! 10,000 items / 1 MiB and 64 Ki records per chunk; then the log is settled.
//! Figures, in bytes per entry: `memory-peak` = (VmHWM after - VmRSS before) / N and
//! `memory-kept` = (VmRSS after - VmRSS before) / N.
//!
//! Each measurement runs in a child process (this binary re-executed with
//! `--child memory <side> <N> <dir>`), so that one side's allocations, or the
//! allocator's retained memory, never count against the other. No raw side.

use crate::harness::{Metric, Scale, Workload};
use crate::procstatus::hwm_and_rss;
use crate::wal::{payload, verify, LogCfg, Wal};
use std::path::Path;
use std::process::{Command, Stdio};

const SIZE: usize = 100;
const BATCH: u64 = 1_000;

pub struct Memory;

fn entries(s: &Scale) -> u64 {
    s.pick(200_000, 1_000_000)
}

impl Workload for Memory {
    const NAME: &'static str = "memory";
    const METRICS: &'static [Metric] = &[
        Metric {
            name: "memory-peak",
            unit: "B/entry",
            higher_is_better: false,
        },
        Metric {
            name: "memory-kept",
            unit: "B/entry",
            higher_is_better: false,
        },
    ];

    fn log<W: Wal>(dir: &Path, s: &Scale) -> Vec<f64> {
        let n = entries(s);
        let exe = std::env::current_exe().expect("current_exe");
        let out = Command::new(exe)
            .args(["--child", "memory", W::NAME, &n.to_string()])
            .arg(dir)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .expect("spawn memory child");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}: memory child failed: {}\n{stdout}",
            W::NAME,
            out.status
        );
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("memory-result "))
            .unwrap_or_else(|| panic!("{}: no result from memory child:\n{stdout}", W::NAME));
        let nums: Vec<f64> = line
            .split(' ')
            .map(|x| x.parse().expect("memory-result number"))
            .collect();
        let [peak, kept] = nums[..] else {
            panic!("bad memory-result line {line:?}")
        };
        vec![peak / n as f64, kept / n as f64]
    }

    fn raw(_dir: &Path, _s: &Scale) -> Option<Vec<f64>> {
        None
    }
}

/// The child process body: measure, print `memory-result <peak> <kept>` (bytes),
/// then check the entries.
pub fn child<W: Wal>(dir: &Path, n: u64) {
    let (_, rss0) = hwm_and_rss();
    let cfg = LogCfg {
        chunk_max_records: 64 * 1024,
        cache_max_items: 10_000,
        cache_max_bytes: 1 << 20,
        ..LogCfg::default()
    };
    let mut log = W::open(dir, &cfg);
    for i in 0..n {
        log.append(i, payload(i, SIZE));
        if (i + 1) % BATCH == 0 || i + 1 == n {
            log.flush();
            log.wait_flushed(1);
        }
    }
    log.settle();
    let (hwm1, rss1) = hwm_and_rss();
    println!(
        "memory-result {} {}",
        hwm1.saturating_sub(rss0),
        rss1.saturating_sub(rss0)
    );
    verify(&log, n, SIZE);
}
