//! `pipelined`: the throughput path of a Raft leader. Append one 100 B entry and
//! request a flush with a callback, without waiting; after the last entry wait for
//! every callback. Figure: entries/s, from the first append to the last callback.
//! The log is free to group many flush requests into one `fdatasync`. Two more rows
//! say where the time goes ([`crate::schedstat`], the side's threads and the
//! harness's): `pipelined-cpu`, nanoseconds per entry on a CPU (on a machine whose
//! cores are all busy, throughput is the CPU share a side gets over this), and
//! `pipelined-wait`, nanoseconds per entry runnable but waiting for a CPU (about 0
//! on an idle machine; with `--load N`, what the load took).
//!
//! Raw: an ideal group commit. A producer thread appends each 100 B entry to a shared
//! buffer; a syncer thread repeatedly takes everything buffered, writes it with one
//! `pwrite` and calls `fdatasync`. Figure: entries/s until the last sync returned.

use crate::harness::{Metric, Scale, Workload};
use crate::rawfile;
use crate::schedstat::ThreadSample;
use crate::wal::{payload, reopen_and_verify, LogCfg, Wal};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

const SIZE: usize = 100;

pub struct Pipelined;

fn entries(s: &Scale) -> u64 {
    s.pick(100_000, 1_000_000)
}

impl Workload for Pipelined {
    const NAME: &'static str = "pipelined";
    const METRICS: &'static [Metric] = &[
        Metric {
            name: "pipelined",
            unit: "entries/s",
            higher_is_better: true,
        },
        Metric {
            name: "pipelined-cpu",
            unit: "ns/entry on CPU",
            higher_is_better: false,
        },
        Metric {
            name: "pipelined-wait",
            unit: "ns/entry runnable",
            higher_is_better: false,
        },
    ];

    fn log<W: Wal>(dir: &Path, s: &Scale) -> Vec<f64> {
        let n = entries(s);
        let cfg = LogCfg::default();
        let mut log = W::open(dir, &cfg);
        let start = ThreadSample::now();
        let t = Instant::now();
        for i in 0..n {
            log.append(i, payload(i, SIZE));
            log.flush();
        }
        log.wait_flushed(n as usize);
        let secs = t.elapsed().as_secs_f64();
        let end = ThreadSample::now();
        reopen_and_verify(log, dir, &cfg, n, SIZE);
        figures(n, secs, &start, &end)
    }

    fn raw(dir: &Path, s: &Scale) -> Option<Vec<f64>> {
        let n = entries(s);
        let f = rawfile::create(dir);
        let start = ThreadSample::now();
        // (bytes not yet written, producer finished)
        let shared = Arc::new((Mutex::new((Vec::<u8>::new(), false)), Condvar::new()));
        let t = Instant::now();
        let syncer = {
            let shared = shared.clone();
            std::thread::spawn(move || {
                let (lock, cv) = &*shared;
                let mut off = 0u64;
                let mut mine = Vec::new();
                loop {
                    {
                        let mut g = lock.lock().unwrap();
                        while g.0.is_empty() && !g.1 {
                            g = cv.wait(g).unwrap();
                        }
                        if g.0.is_empty() {
                            // Finished and everything synced.
                            return ThreadSample::this_thread();
                        }
                        std::mem::swap(&mut g.0, &mut mine);
                    }
                    f.write_all_at(&mine, off).expect("raw: pwrite");
                    f.sync_data().expect("raw: fdatasync");
                    off += mine.len() as u64;
                    mine.clear();
                }
            })
        };
        let (lock, cv) = &*shared;
        for i in 0..n {
            let p = payload(i, SIZE);
            lock.lock().unwrap().0.extend_from_slice(p.as_bytes());
            cv.notify_one();
        }
        lock.lock().unwrap().1 = true;
        cv.notify_one();
        let syncer_times = syncer.join().expect("raw: syncer thread");
        let secs = t.elapsed().as_secs_f64();
        // The syncer's own last report: once joined it may be listed still, or gone.
        let end = ThreadSample::now().with_ended(syncer_times);
        rawfile::verify(dir, n, SIZE);
        Some(figures(n, secs, &start, &end))
    }
}

/// The rows of a run of `n` entries in `secs`, between scheduler samples `start`
/// and `end`, in the order of `METRICS`.
fn figures(n: u64, secs: f64, start: &ThreadSample, end: &ThreadSample) -> Vec<f64> {
    let (on_cpu_us, runnable_wait_us) = end.since(start).per_op_us(n);
    vec![n as f64 / secs, on_cpu_us * 1e3, runnable_wait_us * 1e3]
}
