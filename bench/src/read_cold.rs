//! `read-cold`: reads that miss the payload cache. N x 100 B entries are written over
//! many small chunks with a 1,000-item cache; the log is closed, reopened and
//! settled (worker idle, evictable payloads dropped), all untimed. Timed: one
//! `read(0, R)` over the first R entries, which all live in closed chunks and so are
//! out of the cache. Figure: entries/s. The OS page cache is warm (the files were
//! just written): this measures the log's read path (index lookup, pread, checks,
//! decode), not the disk. Where the log counts cache misses, the run asserts that
//! the read really was served from the files.
//!
//! Raw: one 100 B `pread` per entry at its known offset in a flat file. That is the
//! floor for one system call per entry; a log that reads a larger block per call
//! can beat it.

use crate::harness::{Metric, Scale, Workload};
use crate::rawfile;
use crate::wal::{payload, verify, LogCfg, Wal};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Instant;

const SIZE: usize = 100;
const CACHE_ITEMS: u64 = 1_000;

pub struct ReadCold;

/// (entries read, entries per chunk); the log holds the read ones plus two chunks.
fn sizes(s: &Scale) -> (u64, u64) {
    s.pick((50_000, 5_000), (100_000, 10_000))
}

impl Workload for ReadCold {
    const NAME: &'static str = "read-cold";
    const METRICS: &'static [Metric] = &[Metric {
        name: "read-cold",
        unit: "entries/s",
        higher_is_better: true,
    }];

    fn log<W: Wal>(dir: &Path, s: &Scale) -> Vec<f64> {
        let (reads, chunk) = sizes(s);
        let total = reads + 2 * chunk;
        let cfg = LogCfg {
            chunk_max_records: chunk,
            cache_max_items: CACHE_ITEMS,
            ..LogCfg::default()
        };
        let mut log = W::open(dir, &cfg);
        for i in 0..total {
            log.append(i, payload(i, SIZE));
        }
        log.flush();
        log.wait_flushed(1);
        drop(log);
        let mut log = W::open(dir, &cfg);
        log.settle();
        let misses_before = log.cache_misses();

        let t = Instant::now();
        let mut count = 0u64;
        let mut bytes = 0usize;
        log.read(0, reads, &mut |_id, p| {
            count += 1;
            bytes += p.len();
        });
        let secs = t.elapsed().as_secs_f64();

        assert_eq!(
            (count, bytes),
            (reads, reads as usize * SIZE),
            "{}: read count",
            W::NAME
        );
        if let (Some(a), Some(b)) = (misses_before, log.cache_misses()) {
            assert!(
                b - a + CACHE_ITEMS >= reads,
                "{}: only {} of {reads} reads missed the cache: not a cold read",
                W::NAME,
                b - a
            );
        }
        verify(&log, total, SIZE);
        vec![reads as f64 / secs]
    }

    fn raw(dir: &Path, s: &Scale) -> Option<Vec<f64>> {
        let (reads, chunk) = sizes(s);
        let total = reads + 2 * chunk;
        let f = rawfile::create(dir);
        let mut all = Vec::with_capacity(total as usize * SIZE);
        for i in 0..total {
            all.extend_from_slice(payload(i, SIZE).as_bytes());
        }
        f.write_all_at(&all, 0).expect("raw: pwrite");
        f.sync_data().expect("raw: fdatasync");
        drop(f);

        let t = Instant::now();
        let f = rawfile::open(dir);
        let mut buf = [0u8; SIZE];
        let mut sum = 0u64;
        for i in 0..reads {
            f.read_exact_at(&mut buf, i * SIZE as u64)
                .expect("raw: pread");
            sum += buf[SIZE - 1] as u64;
        }
        let secs = t.elapsed().as_secs_f64();
        assert!(sum > 0, "raw: read nothing");
        rawfile::verify(dir, total, SIZE);
        Some(vec![reads as f64 / secs])
    }
}
