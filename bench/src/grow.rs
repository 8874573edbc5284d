//! `grow-1x` and `grow-10x`: what a log costs as it grows. A log of N x 100 B entries
//! (N = 1M and 10M; quick mode 100k and 1M) is written (untimed: batches of 10,000
//! appends, each flushed and waited for; default limits) and closed. Then a fresh
//! child process (this binary, `--child grow <side> <N> <dir>`) opens it. Figures:
//! - `grow-*-open`: seconds for `open` to return (files in the OS page cache);
//! - `grow-*-peak`: the child's VmHWM after `open`, in MiB (whole process);
//! - `grow-*-kept`: VmRSS after `open` minus before it, per entry kept, in bytes.
//!
//! The child then checks the log: the last entry and every 97th read back (not every
//! entry: at 10M, one-by-one reads through some peers' APIs take minutes; every
//! other row checks every entry). No raw side. Before `grow-10x` the free space of
//! the bench directory is checked; without room for the largest log the rows are
//! skipped with a printed note.

use crate::child::child_output;
use crate::harness::{Metric, Scale, Workload};
use crate::procstatus::hwm_and_rss;
use crate::wal::{payload, LogCfg, Wal};
use std::path::Path;
use std::time::Instant;

const SIZE: usize = 100;
const BATCH: u64 = 10_000;
const SAMPLE_STRIDE: u64 = 97;
const MIB: f64 = (1u64 << 20) as f64;
/// Disk bytes assumed per entry when checking free space: the payload, a generous
/// record overhead, and room for the largest peer's files.
const DISK_BYTES_PER_ENTRY: u64 = 2 * (SIZE as u64 + 64);

/// The smaller log's entries.
pub fn entries_1x(s: &Scale) -> u64 {
    s.pick(100_000, 1_000_000)
}

/// The larger log's entries.
pub fn entries_10x(s: &Scale) -> u64 {
    10 * entries_1x(s)
}

/// Whether the bench directory has room for a log of `n` entries; prints a note if
/// not.
pub fn fits_on_disk(base: &Path, n: u64) -> bool {
    let st = rustix::fs::statvfs(base).expect("statvfs of the bench directory");
    let free = st.f_bavail * st.f_frsize;
    let need = n * DISK_BYTES_PER_ENTRY;
    let fits = free >= need;
    if !fits {
        println!(
            "grow-10x skipped: {} MiB free in {}, {} MiB needed for {n} entries",
            free >> 20,
            base.display(),
            need >> 20
        );
    }
    fits
}

/// The line under the table that says what 1x and 10x are.
pub fn summary(s: &Scale) -> String {
    format!(
        "grow-1x: {} x 100 B entries, grow-10x: {}{}",
        entries_1x(s),
        entries_10x(s),
        if s.quick {
            " (quick mode; full: 1,000,000 and 10,000,000)"
        } else {
            ""
        }
    )
}

/// `grow-1x`, see the module documentation.
pub struct Grow1x;
/// `grow-10x`, see the module documentation.
pub struct Grow10x;

const fn metric(name: &'static str, unit: &'static str) -> Metric {
    Metric {
        name,
        unit,
        higher_is_better: false,
    }
}

impl Workload for Grow1x {
    const NAME: &'static str = "grow-1x";
    const METRICS: &'static [Metric] = &[
        metric("grow-1x-open", "s"),
        metric("grow-1x-peak", "MiB"),
        metric("grow-1x-kept", "B/entry"),
    ];

    fn log<W: Wal>(dir: &Path, s: &Scale) -> Vec<f64> {
        measure::<W>(dir, entries_1x(s))
    }

    fn raw(_dir: &Path, _s: &Scale) -> Option<Vec<f64>> {
        None
    }
}

impl Workload for Grow10x {
    const NAME: &'static str = "grow-10x";
    const METRICS: &'static [Metric] = &[
        metric("grow-10x-open", "s"),
        metric("grow-10x-peak", "MiB"),
        metric("grow-10x-kept", "B/entry"),
    ];

    fn log<W: Wal>(dir: &Path, s: &Scale) -> Vec<f64> {
        measure::<W>(dir, entries_10x(s))
    }

    fn raw(_dir: &Path, _s: &Scale) -> Option<Vec<f64>> {
        None
    }
}

/// Writes the log, runs the child, returns (open s, peak MiB, kept B/entry).
fn measure<W: Wal>(dir: &Path, n: u64) -> Vec<f64> {
    let mut log = W::open(dir, &LogCfg::default());
    for i in 0..n {
        log.append(i, payload(i, SIZE));
        if (i + 1) % BATCH == 0 || i + 1 == n {
            log.flush();
            log.wait_flushed(1);
        }
    }
    drop(log);

    let args = [
        "grow".to_string(),
        W::NAME.to_string(),
        n.to_string(),
        dir.to_str().expect("utf-8 bench dir").to_string(),
    ];
    let nums = child_output(&args, "grow-result");
    let [rss_before, hwm_after, rss_after, secs] = nums[..] else {
        panic!("{}: bad grow-result {nums:?}", W::NAME)
    };
    vec![
        secs,
        hwm_after / MIB,
        (rss_after - rss_before).max(0.0) / n as f64,
    ]
}

/// `--child grow <side> <N> <dir>`: opens the log, prints
/// `grow-result <VmRSS before> <VmHWM after> <VmRSS after> <open s>` (bytes), then
/// checks a sample of the entries (see the module documentation).
pub fn child<W: Wal>(dir: &Path, n: u64) {
    let (_, rss0) = hwm_and_rss();
    let t = Instant::now();
    let log = W::open(dir, &LogCfg::default());
    let secs = t.elapsed().as_secs_f64();
    let (hwm1, rss1) = hwm_and_rss();
    println!("grow-result {rss0} {hwm1} {rss1} {secs}");

    let check = |i: u64| {
        let mut got = 0;
        log.read(i, i + 1, &mut |id, p| {
            assert_eq!(id, (1, i), "{}: grow: wrong log id", W::NAME);
            assert!(
                p == payload(i, SIZE),
                "{}: grow: wrong payload at {i}",
                W::NAME
            );
            got += 1;
        });
        assert_eq!(got, 1, "{}: grow: entry {i} missing", W::NAME);
    };
    (0..n).step_by(SAMPLE_STRIDE as usize).for_each(check);
    check(n - 1);
}
