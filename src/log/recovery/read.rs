//! Reading a chunk file at open: in bounded windows, each failed read retried, and a
//! sector that stays unreadable reported as damage instead of failing the open.

use super::progress::Progress;
use crate::error::Error;
use crate::storage::StorageFile;

/// How many times a failed read is tried in all before the bytes are taken as
/// unreadable. A transient error (EIO that passes) costs a retry; a latent sector error
/// keeps failing and becomes damage that the recovery table decides on.
pub const READ_ATTEMPTS_MAX: u32 = 4;

/// The bytes the scan reads at once. Open's memory for a chunk is this plus the largest
/// batch, whatever the chunk's size and its reserved space.
pub(crate) const WINDOW_SIZE_BYTES: usize = 4 << 20;

/// The fewest bytes [`ChunkReader::window_at`] returns before the end of the file: a
/// batch header's worth, so that a search for one never misses it at a window seam.
const WINDOW_MIN_BYTES: u64 = 24;

/// The unit in which a window that stays unreadable is read again, to find the bad
/// sectors: the smallest sector size of any disk.
pub(crate) const PIECE_SIZE_BYTES: usize = 512;

/// The bytes at this offset stayed unreadable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unreadable {
    /// Offset within the file of the first unreadable byte asked for.
    pub(crate) offset: u64,
}

/// A window over one chunk file.
pub(crate) struct ChunkReader<'a> {
    file: &'a dyn StorageFile,
    len_bytes: u64,
    window: Vec<u8>,
    window_start: u64,
    /// Unreadable ranges found so far, `[start, end)`, sorted and disjoint.
    unreadable: Vec<(u64, u64)>,
    /// Told the end of every window loaded, if anyone listens.
    progress: Option<&'a Progress<'a>>,
    /// The file may be cut while it is read (a running node closing the chunk cuts its
    /// reserved space): a failed read asks the file's length again, and a shorter
    /// file ends the reader there instead of showing its lost end as unreadable.
    follow_shrinks: bool,
}

impl<'a> ChunkReader<'a> {
    /// A reader over `file`, whose length (asked once) is `len_bytes`.
    pub(crate) fn new(file: &'a dyn StorageFile, name: &str) -> Result<Self, Error> {
        Self::with_progress(file, name, None)
    }

    /// A reader over `file` that tells `progress` how far it has read (the end of
    /// each window it loads).
    pub(crate) fn with_progress(
        file: &'a dyn StorageFile,
        name: &str,
        progress: Option<&'a Progress<'a>>,
    ) -> Result<Self, Error> {
        let len_bytes = file.len().map_err(|e| Error::io("len", name, e))?;
        Ok(Self {
            file,
            len_bytes,
            window: Vec::new(),
            window_start: 0,
            unreadable: Vec::new(),
            progress,
            follow_shrinks: false,
        })
    }

    /// Lets the file be cut while it is read (see `follow_shrinks`): for a scan of a
    /// log a node may be writing.
    pub(crate) fn follow_shrinks(&mut self) {
        self.follow_shrinks = true;
    }

    /// The file's length in bytes (as first asked; shorter once a reader that
    /// follows shrinks found the file cut).
    pub(crate) fn len_bytes(&self) -> u64 {
        self.len_bytes
    }

    /// Bytes found unreadable so far.
    pub(crate) fn unreadable_bytes(&self) -> u64 {
        self.unreadable.iter().map(|(s, e)| e - s).sum()
    }

    /// The end of the last unreadable range found so far (0 if none).
    pub(crate) fn unreadable_end(&self) -> u64 {
        self.unreadable.last().map_or(0, |&(_, end)| end)
    }

    /// The bytes `[offset, offset + len)`, which must lie inside the file; `Err` if
    /// any of them is unreadable.
    pub(crate) fn read(&mut self, offset: u64, len: usize) -> Result<&[u8], Unreadable> {
        let end = offset + len as u64;
        debug_assert!(end <= self.len_bytes, "reads stay inside the file");
        let window_end = self.window_start + self.window.len() as u64;
        if offset < self.window_start || end > window_end {
            self.load(offset, len.max(WINDOW_SIZE_BYTES));
            let loaded_end = self.window_start + self.window.len() as u64;
            if end > loaded_end {
                // The file was cut under the reader (`follow_shrinks`): these bytes are
                // gone, past its new end.
                return Err(Unreadable {
                    offset: loaded_end.max(offset),
                });
            }
        }
        if let Some(&(bad, _)) = self
            .unreadable
            .iter()
            .find(|&&(s, e)| s < end && offset < e)
        {
            return Err(Unreadable {
                offset: bad.max(offset),
            });
        }
        let at = (offset - self.window_start) as usize;
        Ok(&self.window[at..at + len])
    }

    /// Drops the window held: the next read loads its bytes from the file again.
    pub(crate) fn forget_window(&mut self) {
        self.window.clear();
        self.window_start = 0;
    }

    /// Up to a window of bytes from `offset` (less at the end of the file), unreadable
    /// bytes given as zeros, and whether any of them is unreadable. For scans that
    /// look at every byte (zero checks, the search for a later batch, quarantine
    /// copies).
    pub(crate) fn window_at(&mut self, offset: u64) -> (&[u8], bool) {
        debug_assert!(offset < self.len_bytes);
        let window_end = self.window_start + self.window.len() as u64;
        // A window shorter than a batch header is no window for a search across a
        // seam: load a full one from here (unless the file ends here).
        let short =
            window_end - offset.min(window_end) < WINDOW_MIN_BYTES && window_end < self.len_bytes;
        if offset < self.window_start || offset >= window_end || short {
            self.load(offset, WINDOW_SIZE_BYTES);
        }
        let end = self.window_start + self.window.len() as u64;
        let bad = self.unreadable.iter().any(|&(s, e)| s < end && offset < e);
        let at = (offset - self.window_start) as usize;
        (&self.window[at..], bad)
    }

    /// Loads the window `[offset, offset + len)` (cut at the file's end).
    fn load(&mut self, offset: u64, len: usize) {
        let len = len.min(self.len_bytes.saturating_sub(offset) as usize);
        // Not cleared first: every byte of the window is read or, if unreadable, zeroed
        // below, and zeroing 1 MiB again for each load is wasted (and slow unoptimised).
        self.window.resize(len, 0);
        self.window_start = offset;
        if !read_retrying(self.file, offset, &mut self.window) {
            let mut read = false;
            if self.follow_shrinks && self.shrink_to_file() {
                // Cut under the reader: read what is left of the window.
                let left = self.len_bytes.saturating_sub(offset) as usize;
                self.window.truncate(left.min(len));
                read = read_retrying(self.file, offset, &mut self.window);
            }
            if !read {
                let len = self.window.len();
                self.load_pieces(offset, len);
            }
        }
        if let Some(progress) = self.progress {
            progress.read_to(offset + self.window.len() as u64);
        }
    }

    /// The file is now shorter than `len_bytes`: takes its new length. False if it is
    /// not (or its length cannot be had).
    fn shrink_to_file(&mut self) -> bool {
        match self.file.len() {
            Ok(now) if now < self.len_bytes => {
                self.len_bytes = now;
                true
            }
            _ => false,
        }
    }

    /// Reads the window `[offset, offset + len)` again piece by piece, after a read
    /// of all of it failed.
    fn load_pieces(&mut self, offset: u64, len: usize) {
        // Find the pieces that stay unreadable, aligned to the file's sectors (a piece
        // is a multiple of every sector size from its start); the others are read one
        // by one.
        let piece_size = PIECE_SIZE_BYTES as u64;
        let end = offset + len as u64;
        let mut at = offset;
        while at < end {
            let piece_end = ((at / piece_size + 1) * piece_size).min(end);
            let range = (at - offset) as usize..(piece_end - offset) as usize;
            let buf = &mut self.window[range];
            if !read_retrying(self.file, at, buf) {
                buf.fill(0);
                self.mark_unreadable(at, piece_end);
            }
            at = piece_end;
        }
    }

    /// Adds `[start, end)` to the unreadable ranges, merging it with those it touches.
    fn mark_unreadable(&mut self, start: u64, end: u64) {
        self.unreadable.push((start, end));
        self.unreadable.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(self.unreadable.len());
        for &(s, e) in &self.unreadable {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.unreadable = merged;
    }
}

/// Reads `buf` at `offset`, trying up to [`READ_ATTEMPTS_MAX`] times. `false` if every
/// attempt failed.
pub(crate) fn read_retrying(file: &dyn StorageFile, offset: u64, buf: &mut [u8]) -> bool {
    (0..READ_ATTEMPTS_MAX).any(|_| file.read_at(offset, buf).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{MemStorage, Storage};
    use std::io;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    /// A file whose reads touching `bad` always fail, and whose first `transient`
    /// reads fail once each.
    struct Flaky {
        inner: Arc<dyn StorageFile>,
        bad: (u64, u64),
        transient: AtomicU32,
    }

    impl StorageFile for Flaky {
        fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
            self.inner.write_at(offset, buf)
        }
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
            if self.transient.load(Ordering::Relaxed) > 0 {
                self.transient.fetch_sub(1, Ordering::Relaxed);
                return Err(io::Error::other("transient"));
            }
            let end = offset + buf.len() as u64;
            if offset < self.bad.1 && self.bad.0 < end {
                return Err(io::Error::other("latent"));
            }
            self.inner.read_at(offset, buf)
        }
        fn len(&self) -> io::Result<u64> {
            self.inner.len()
        }
        fn set_len(&self, len: u64) -> io::Result<()> {
            self.inner.set_len(len)
        }
        fn sync_data(&self) -> io::Result<()> {
            self.inner.sync_data()
        }
    }

    fn flaky(len: usize, bad: (u64, u64), transient: u32) -> Flaky {
        let mem = MemStorage::new();
        let file = mem.create("f").unwrap();
        let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8 + 1).collect();
        file.write_at(0, &bytes).unwrap();
        Flaky {
            inner: file,
            bad,
            transient: AtomicU32::new(transient),
        }
    }

    #[test]
    fn transient_failures_are_retried() {
        let file = flaky(10_000, (0, 0), READ_ATTEMPTS_MAX - 1);
        let mut reader = ChunkReader::new(&file, "f").unwrap();
        assert_eq!(reader.read(100, 3).unwrap(), &[101, 102, 103]);
        assert_eq!(reader.unreadable_bytes(), 0);
    }

    #[test]
    fn a_latent_sector_is_found_to_the_piece_and_the_rest_reads() {
        let file = flaky(10_000, (1100, 1101), 0);
        let mut reader = ChunkReader::new(&file, "f").unwrap();
        assert_eq!(reader.read(0, 24).unwrap()[0], 1);
        assert_eq!(reader.unreadable_bytes(), 512, "one piece: [1024, 1536)");
        assert_eq!(reader.read(1000, 100), Err(Unreadable { offset: 1024 }));
        assert_eq!(reader.read(1536, 10).unwrap()[0], (1536 % 251) as u8 + 1);
        let (window, bad) = reader.window_at(0);
        assert!(bad);
        assert!(window[1024..1536].iter().all(|&b| b == 0));
    }

    #[test]
    fn unreadable_pieces_are_aligned_to_the_file_and_counted_once() {
        let file = flaky(10_000, (1100, 1101), 0);
        let mut reader = ChunkReader::new(&file, "f").unwrap();
        assert_eq!(reader.read(1000, 20).unwrap()[0], (1000 % 251) as u8 + 1);
        assert_eq!(reader.read(1090, 20), Err(Unreadable { offset: 1090 }));
        assert_eq!(reader.unreadable_bytes(), 512, "[1024, 1536), once");
        assert!(reader.read(1536, 10).is_ok(), "the next sector reads");
        assert!(reader.read(1020, 4).is_ok(), "the sector before reads");
    }

    #[test]
    fn a_window_near_its_end_is_reloaded_so_a_seam_hides_nothing() {
        let len = WINDOW_SIZE_BYTES * 2;
        let file = flaky(len, (0, 0), 0);
        let mut reader = ChunkReader::new(&file, "f").unwrap();
        assert_eq!(reader.window_at(0).0.len(), WINDOW_SIZE_BYTES);
        let near_end = WINDOW_SIZE_BYTES as u64 - 3;
        assert!(reader.window_at(near_end).0.len() >= 24);
        let last = len as u64 - 3;
        assert_eq!(reader.window_at(last).0.len(), 3, "the file ends there");
    }

    #[test]
    fn windows_are_bounded_and_a_large_read_gets_its_own() {
        let len = WINDOW_SIZE_BYTES * 2 + 10;
        let file = flaky(len, (0, 0), 0);
        let mut reader = ChunkReader::new(&file, "f").unwrap();
        assert_eq!(reader.window_at(0).0.len(), WINDOW_SIZE_BYTES);
        assert_eq!(reader.window_at(WINDOW_SIZE_BYTES as u64 * 2).0.len(), 10);
        assert_eq!(
            reader.read(5, WINDOW_SIZE_BYTES + 7).unwrap().len(),
            WINDOW_SIZE_BYTES + 7
        );
    }
}
