//! A progress hook for the scan of the chunk files: how many of their bytes have been
//! read and checked, for a progress bar in a tool. Without a hook nothing is counted
//! or called: the reader pays one `Option` test per window of
//! [`WINDOW_SIZE_BYTES`](super::read::WINDOW_SIZE_BYTES) read.

use std::cell::Cell;

/// How far a scan of the chunk files has come, as handed to a progress hook
/// ([`crate::RaftLog::open_with_progress`],
/// [`crate::RaftLog::open_read_only_with_progress`], [`crate::Dump::with_progress`]).
///
/// Contract: for one scan, `bytes_total` is the same in every call, `bytes_done`
/// never decreases and is at most `bytes_total`, and `chunk_id` never decreases. The
/// hook is called at most once per window read (4 MiB) and once at the end of each
/// chunk file; the last call of a scan that read every file has
/// `bytes_done == bytes_total`. A scan that stops early (a refusal, an I/O error)
/// makes no further call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanProgress {
    /// Bytes of the chunk files scanned so far: every byte of the files before
    /// `chunk_id`, and the bytes of `chunk_id`'s file up to the end of the last window
    /// read (or all of them once its scan ended, including bytes a damaged or foreign
    /// header made the scan skip).
    pub bytes_done: u64,
    /// Bytes of all chunk files: the sum of their lengths when the scan started.
    pub bytes_total: u64,
    /// The chunk being scanned: its id (the global offset of its first byte).
    pub chunk_id: u64,
}

/// A progress hook: called with the scan's position; see [`ScanProgress`] for when.
/// It must not panic (a panic unwinds out of the open).
pub type ProgressHook<'a> = &'a dyn Fn(ScanProgress);

/// The scan's side of a hook: turns the reader's window ends into [`ScanProgress`],
/// monotone, and calls the hook only when `bytes_done` grows. Shared by reference
/// with each chunk's reader (its counters are cells), so nothing is handed back.
pub(crate) struct Progress<'a> {
    hook: ProgressHook<'a>,
    bytes_total: u64,
    /// Bytes of the chunk files before the current one.
    bytes_before: Cell<u64>,
    chunk_id: Cell<u64>,
    /// The last `bytes_done` reported.
    reported: Cell<u64>,
}

impl<'a> Progress<'a> {
    /// A progress over chunk files of `bytes_total` bytes in all, reporting to `hook`.
    pub(crate) fn new(hook: ProgressHook<'a>, bytes_total: u64) -> Self {
        Self {
            hook,
            bytes_total,
            bytes_before: Cell::new(0),
            chunk_id: Cell::new(0),
            reported: Cell::new(0),
        }
    }

    /// The scan of chunk `chunk_id` starts, after `bytes_before` bytes of chunk files.
    pub(crate) fn start_chunk(&self, chunk_id: u64, bytes_before: u64) {
        self.chunk_id.set(chunk_id);
        self.bytes_before.set(bytes_before);
    }

    /// The current chunk's bytes up to `offset` (within the file) have been read.
    pub(crate) fn read_to(&self, offset: u64) {
        let done = (self.bytes_before.get() + offset).min(self.bytes_total);
        if done > self.reported.get() {
            self.reported.set(done);
            (self.hook)(ScanProgress {
                bytes_done: done,
                bytes_total: self.bytes_total,
                chunk_id: self.chunk_id.get(),
            });
        }
    }

    /// The current chunk's scan ended: all of its `len_bytes` count as done.
    pub(crate) fn end_chunk(&self, len_bytes: u64) {
        self.read_to(len_bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn reports_are_monotone_bounded_and_only_when_they_grow() {
        let seen = RefCell::new(Vec::new());
        let hook = |p: ScanProgress| seen.borrow_mut().push((p.bytes_done, p.chunk_id));
        let progress = Progress::new(&hook, 300);
        progress.start_chunk(0, 0);
        progress.read_to(100);
        progress.read_to(50); // a read further back
        progress.read_to(100);
        progress.end_chunk(120);
        progress.start_chunk(120, 120);
        progress.read_to(500); // past the total: a file that grew
        assert_eq!(*seen.borrow(), [(100, 0), (120, 0), (300, 120)]);
    }
}
