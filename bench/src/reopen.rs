//! `reopen`: recovery time. A log of N x 100 B entries spread over 8+ chunks (written,
//! flushed and closed beforehand, untimed) is opened again. Figure: seconds for
//! `open` to return a usable log (lower is better). The files were just written, so
//! they are in the OS page cache: this measures the log's replay work (read, check,
//! decode, index), not the disk.
//!
//! Raw: the same entries as length-prefixed frames (`u32` length + payload) in one
//! file; timed: read the file in 1 MiB `pread`s and build an offset index of the
//! frames (no checksums, no decoding).

use crate::harness::{Metric, Scale, Workload};
use crate::rawfile;
use crate::wal::{payload, verify, LogCfg, Wal};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Instant;

const SIZE: usize = 100;

pub struct Reopen;

fn entries(s: &Scale) -> u64 {
    s.pick(200_000, 1_000_000)
}

impl Workload for Reopen {
    const NAME: &'static str = "reopen";
    const METRICS: &'static [Metric] = &[Metric {
        name: "reopen",
        unit: "s",
        higher_is_better: false,
    }];

    fn log<W: Wal>(dir: &Path, s: &Scale) -> Vec<f64> {
        let n = entries(s);
        let cfg = LogCfg {
            chunk_max_records: n / 8,
            ..LogCfg::default()
        };
        let mut log = W::open(dir, &cfg);
        for i in 0..n {
            log.append(i, payload(i, SIZE));
        }
        log.flush();
        log.wait_flushed(1);
        drop(log);

        let t = Instant::now();
        let log = W::open(dir, &cfg);
        let secs = t.elapsed().as_secs_f64();
        verify(&log, n, SIZE);
        vec![secs]
    }

    fn raw(dir: &Path, s: &Scale) -> Option<Vec<f64>> {
        let n = entries(s);
        write_frames(dir, n);

        let t = Instant::now();
        let index = read_frames(dir);
        let secs = t.elapsed().as_secs_f64();

        assert_eq!(index.len() as u64, n, "raw: frame count");
        let f = rawfile::open(dir);
        let mut buf = vec![0u8; SIZE];
        for (i, off) in index.iter().enumerate() {
            f.read_exact_at(&mut buf, off + 4).expect("raw: read back");
            assert!(
                buf == payload(i as u64, SIZE).as_bytes(),
                "raw: wrong frame {i}"
            );
        }
        Some(vec![secs])
    }
}

fn write_frames(dir: &Path, n: u64) {
    let f = rawfile::create(dir);
    let mut buf = Vec::with_capacity(2 << 20);
    let mut off = 0u64;
    for i in 0..n {
        let p = payload(i, SIZE);
        buf.extend_from_slice(&(p.len() as u32).to_le_bytes());
        buf.extend_from_slice(p.as_bytes());
        if buf.len() >= 1 << 20 || i + 1 == n {
            f.write_all_at(&buf, off).expect("raw: pwrite");
            off += buf.len() as u64;
            buf.clear();
        }
    }
    f.sync_data().expect("raw: fdatasync");
}

/// The length of the complete frame at the start of `buf`, if `buf` holds all of it.
fn frame_len(buf: &[u8]) -> Option<usize> {
    let len = u32::from_le_bytes(buf.get(..4)?.try_into().unwrap()) as usize;
    (buf.len() >= 4 + len).then_some(4 + len)
}

/// Reads the whole frame file and returns the offset of every frame.
fn read_frames(dir: &Path) -> Vec<u64> {
    let f = rawfile::open(dir);
    let len = f.metadata().expect("raw: stat").len();
    let mut index = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut pos = 0u64; // file offset of buf[0]
    let mut have = 0usize; // valid bytes in buf
    let mut at = 0usize; // next frame start within buf
    loop {
        if let Some(frame) = frame_len(&buf[at..have]) {
            index.push(pos + at as u64);
            at += frame;
            continue;
        }
        if pos + have as u64 == len {
            assert_eq!(at, have, "raw: torn frame at the end");
            return index;
        }
        // Move the partial frame to the front and read more.
        buf.copy_within(at..have, 0);
        pos += at as u64;
        have -= at;
        at = 0;
        let r = f
            .read_at(&mut buf[have..], pos + have as u64)
            .expect("raw: pread");
        assert!(r > 0, "raw: unexpected end of file");
        have += r;
    }
}
