//! Helpers for the raw side: a plain file written with `pwrite` and made durable with
//! `fdatasync` (`File::sync_data`), the physical floor the logs are compared with.

use crate::wal::payload;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::Path;

pub fn create(dir: &Path) -> File {
    OpenOptions::new()
        .create_new(true)
        .read(true)
        .write(true)
        .open(dir.join("raw.dat"))
        .expect("raw: create file")
}

pub fn open(dir: &Path) -> File {
    File::open(dir.join("raw.dat")).expect("raw: open file")
}

/// Asserts that the raw file holds exactly the payloads `[0, n)` of `size` bytes laid
/// end to end.
pub fn verify(dir: &Path, n: u64, size: usize) {
    let f = open(dir);
    let len = f.metadata().expect("raw: stat").len();
    assert_eq!(len, n * size as u64, "raw: file length");
    let mut buf = vec![0u8; size];
    for i in 0..n {
        f.read_exact_at(&mut buf, i * size as u64)
            .expect("raw: read back");
        assert!(
            buf == payload(i, size).as_bytes(),
            "raw: wrong bytes at entry {i}"
        );
    }
}
