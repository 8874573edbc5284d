//! `reopen-rss`: peak resident memory of opening a log that holds 1 GiB of entries in
//! one chunk (issue 9: the goal is under 64 MiB plus the index; an open that reads the
//! whole chunk into memory shows the chunk's size instead). raftwal only.
//!
//! Setup (untimed, in the bench process): N x 4 KiB entries, 1 GiB of payload in all
//! (quick mode: 128 MiB, scaled down), appended one per call and flushed (and waited
//! for) every 1,024 entries, with `chunk_max_size` 2 GiB so that everything stays in
//! one chunk file (checked) and a small payload cache. The log is closed.
//!
//! Measured, each in a fresh child process (this binary re-executed), so that the
//! figures belong to the open alone and not to the writing:
//! - `--child reopen-rss <N> <dir>`: opens the log (timed), reads VmHWM and VmRSS from
//!   `/proc/self/status`, then checks that the log holds exactly entries `[0, N)`
//!   (last log id, first index, the last entry and a sample of others read back).
//! - `--child baseline`: a child that only starts and reports its VmHWM.
//!
//! Figures:
//! - `reopen-rss-peak`: the reopen child's VmHWM after `open`, in MiB (the whole
//!   process, so it includes the baseline).
//! - `reopen-rss-kept`: VmRSS after `open` minus VmRSS before it: what the open keeps
//!   (index and buffers), in MiB.
//! - `reopen-rss-index`: N x 28 B, the index slot size of a `(u64, u64)` log id that
//!   src/log/index.rs documents, in MiB (computed, not measured).
//! - `reopen-rss-base`: the VmHWM of the baseline child, in MiB.
//! - `reopen-rss-open`: seconds for `open` to return (files in the OS page cache).
//!
//! After the table a line compares the median peak with the goal
//! `64 MiB + index`. Nothing asserts on the figures.

use crate::child::child_output;
use crate::harness::{fmt_fig, Metric, Row, Scale, Side, Workload};
use crate::ours::Ours;
use crate::procstatus::hwm_and_rss;
use crate::wal::{payload, LogCfg, Wal};
use std::path::Path;
use std::time::Instant;

const SIZE: usize = 4096;
const BATCH: u64 = 1024;
/// Bytes per index slot for a `(u64, u64)` log id (log id, offset, size).
const INDEX_SLOT_BYTES: u64 = 28;
const MIB: f64 = (1u64 << 20) as f64;
/// The goal of issue 9, on top of the index.
const GOAL_MIB: f64 = 64.0;

pub struct ReopenRss;

/// Payload bytes in the log: 1 GiB (quick: 128 MiB).
fn payload_bytes(s: &Scale) -> u64 {
    s.pick(128 << 20, 1 << 30)
}

fn entries(s: &Scale) -> u64 {
    payload_bytes(s) / SIZE as u64
}

fn cfg() -> LogCfg {
    LogCfg {
        chunk_max_size: 2 << 30,
        cache_max_items: 1024,
        cache_max_bytes: 8 << 20,
        ..LogCfg::default()
    }
}

impl Workload for ReopenRss {
    const NAME: &'static str = "reopen-rss";
    const METRICS: &'static [Metric] = &[
        Metric {
            name: "reopen-rss-peak",
            unit: "MiB",
            higher_is_better: false,
        },
        Metric {
            name: "reopen-rss-kept",
            unit: "MiB",
            higher_is_better: false,
        },
        Metric {
            name: "reopen-rss-index",
            unit: "MiB",
            higher_is_better: false,
        },
        Metric {
            name: "reopen-rss-base",
            unit: "MiB",
            higher_is_better: false,
        },
        Metric {
            name: "reopen-rss-open",
            unit: "s",
            higher_is_better: false,
        },
    ];
    fn runs(side: Side) -> bool {
        side == Side::Ours
    }

    fn log<W: Wal>(dir: &Path, s: &Scale) -> Vec<f64> {
        assert_eq!(W::NAME, Ours::NAME, "reopen-rss runs raftwal only");
        let n = entries(s);
        let mut log = W::open(dir, &cfg());
        for i in 0..n {
            log.append(i, payload(i, SIZE));
            if (i + 1) % BATCH == 0 || i + 1 == n {
                log.flush();
                log.wait_flushed(1);
            }
        }
        drop(log);
        let chunks = chunk_files(dir);
        assert_eq!(
            chunks.len(),
            1,
            "reopen-rss: expected one chunk file, found {chunks:?}"
        );
        let chunk_len = std::fs::metadata(dir.join(&chunks[0]))
            .expect("stat chunk")
            .len();
        assert!(
            chunk_len >= payload_bytes(s),
            "reopen-rss: chunk of {chunk_len} B holds less than the payload"
        );

        let base = child_output(&["baseline".into()], "baseline-result");
        let [base_hwm] = base[..] else {
            panic!("bad baseline-result {base:?}")
        };
        let out = child_output(
            &[
                "reopen-rss".into(),
                n.to_string(),
                dir.to_str().expect("utf-8 path").into(),
            ],
            "reopen-rss-result",
        );
        let [rss_before, hwm_after, rss_after, secs] = out[..] else {
            panic!("bad reopen-rss-result {out:?}")
        };
        eprintln!(
            "  reopen-rss: {} MiB of payload in one chunk file of {} MiB{}; child VmRSS before open {} MiB",
            payload_bytes(s) >> 20,
            fmt_fig(chunk_len as f64 / MIB),
            if s.quick { " (quick mode: scaled down from 1 GiB)" } else { "" },
            fmt_fig(rss_before / MIB),
        );
        vec![
            hwm_after / MIB,
            (rss_after - rss_before) / MIB,
            index_mib(n),
            base_hwm / MIB,
            secs,
        ]
    }

    fn raw(_dir: &Path, _s: &Scale) -> Option<Vec<f64>> {
        None
    }
}

fn index_mib(n: u64) -> f64 {
    (n * INDEX_SLOT_BYTES) as f64 / MIB
}

/// The names of the chunk files (`*.wal`) in `dir`.
fn chunk_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read log directory")
        .map(|e| {
            e.expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".wal"))
        .collect();
    names.sort();
    names
}

/// `--child baseline`: prints `baseline-result <VmHWM bytes>`.
pub fn baseline_child() {
    let (hwm, _) = hwm_and_rss();
    println!("baseline-result {hwm}");
}

/// `--child reopen-rss <N> <dir>`: opens the log in `dir`, prints
/// `reopen-rss-result <VmRSS before> <VmHWM after> <VmRSS after> <open seconds>`
/// (bytes), then checks that it holds exactly entries `[0, N)`.
pub fn child(dir: &Path, n: u64) {
    let (_, rss0) = hwm_and_rss();
    let t = Instant::now();
    let log = Ours::open(dir, &cfg());
    let secs = t.elapsed().as_secs_f64();
    let (hwm1, rss1) = hwm_and_rss();
    println!("reopen-rss-result {rss0} {hwm1} {rss1} {secs}");

    let raft_log = log.raft_log();
    assert_eq!(raft_log.first_index(), 0, "reopen-rss: first index");
    assert_eq!(
        raft_log.log_state().last,
        Some((1, n - 1)),
        "reopen-rss: last log id"
    );
    // The last entry, and every 1,024th, read back from the file.
    let check = |i: u64| {
        let mut got = 0;
        log.read(i, i + 1, &mut |id, p| {
            assert_eq!(id, (1, i), "reopen-rss: wrong log id");
            assert!(p == payload(i, SIZE), "reopen-rss: wrong payload at {i}");
            got += 1;
        });
        assert_eq!(got, 1, "reopen-rss: entry {i} missing");
    };
    check(n - 1);
    (0..n).step_by(1024).for_each(check);
}

/// After the table: the median peak against the goal of issue 9.
pub fn summary(rows: &[Row], s: &Scale) -> Option<String> {
    let ours = |name: &str| {
        rows.iter()
            .find(|r| r.metric.name == name)
            .and_then(|r| r.medians[0])
    };
    let (peak, index) = (ours("reopen-rss-peak")?, ours("reopen-rss-index")?);
    let goal = GOAL_MIB + index;
    Some(format!(
        "reopen-rss: {} MiB in one chunk{}: peak RSS {} MiB, goal (issue 9) < {} MiB + index {} MiB = {} MiB: {}",
        payload_bytes(s) >> 20,
        if s.quick { " (quick mode, scaled down from 1 GiB)" } else { "" },
        fmt_fig(peak),
        GOAL_MIB,
        fmt_fig(index),
        fmt_fig(goal),
        if peak < goal { "met" } else { "not met" },
    ))
}
