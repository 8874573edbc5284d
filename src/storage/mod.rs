//! The only door to the disk: [`Storage`] and [`StorageFile`] (the durability contract is in [`Storage`]'s documentation).

mod mem;
mod std_fs;

pub use mem::MemStorage;
pub use std_fs::StdStorage;

use std::any::Any;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

/// A directory of files, seen by the engine as a flat namespace of names.
///
/// Names are plain file names (no path separators). All methods may be called from
/// several threads.
///
/// This is the only door to the disk: every byte the engine reads or writes goes through [`Storage`] and [`StorageFile`],
/// so the same engine runs on the real filesystem ([`StdStorage`]), on a plain
/// in-memory disk ([`MemStorage`]) and on the simulator's faulty disk (the
/// `raftwal-simdisk` crate, which implements these traits from outside).
///
/// # Durability contract
///
/// Every backend must behave at least as well as this, and the engine assumes no more:
/// - bytes written to a file are durable only after a later [`StorageFile::sync_data`]
///   of that file returned `Ok`;
/// - a created or removed file name is durable only after [`Storage::sync_dir`];
/// - until then, after a power loss, unsynced bytes may be lost, torn at sector
///   granularity, or persisted out of order;
/// - a failed `sync_data` may drop the unsynced bytes for good while a later
///   `sync_data` returns `Ok` (the Linux "fsyncgate" behaviour), so the engine never
///   retries a failed sync: it fails the log until it is reopened.
pub trait Storage: Send + Sync + 'static {
    /// Takes the exclusive lock of the directory. The lock is held until the returned
    /// guard is dropped. Fails with [`io::ErrorKind::WouldBlock`] if another holder
    /// (this process or another) has it.
    fn lock(&self) -> io::Result<Box<dyn Any + Send + Sync>>;

    /// Lists the names of all entries in the directory (files, and anything else
    /// under a name: a directory or a symlink in a chunk file's place must be listed,
    /// so that the open refuses it rather than open the log without it), in no
    /// particular order.
    fn list(&self) -> io::Result<Vec<String>>;

    /// Creates a new empty file; fails with [`io::ErrorKind::AlreadyExists`] if the name
    /// exists. The name is durable only after [`Storage::sync_dir`].
    fn create(&self, name: &str) -> io::Result<Arc<dyn StorageFile>>;

    /// Opens an existing file for reading and writing.
    fn open(&self, name: &str) -> io::Result<Arc<dyn StorageFile>>;

    /// Opens an existing file for reading only (a read-only open of the log, which must
    /// work on a read-only filesystem and without write permission). The engine never
    /// writes through the returned file. Like [`Storage::open`], it fails on a name
    /// that is not a file (a directory), so that a read-only open decides what the
    /// open would. The default opens it like [`Storage::open`].
    fn open_read_only(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        self.open(name)
    }

    /// Removes a file. The removal is durable only after [`Storage::sync_dir`].
    fn remove(&self, name: &str) -> io::Result<()>;

    /// Makes every create and remove issued before this call durable.
    fn sync_dir(&self) -> io::Result<()>;

    /// The path that errors about file `name` show (`""` for the directory itself). The
    /// default is the name alone (`"."` for the directory), for a backend that is not
    /// a directory of the filesystem; [`StdStorage`] gives the directory joined with
    /// the name, so an [`Error::Io`](crate::Error::Io) names the full path.
    fn path_of(&self, name: &str) -> PathBuf {
        if name.is_empty() {
            PathBuf::from(".")
        } else {
            PathBuf::from(name)
        }
    }
}

/// One open file. All methods take `&self`: positional reads may run concurrently with
/// writes from the flush worker.
#[allow(clippy::len_without_is_empty)]
pub trait StorageFile: Send + Sync + 'static {
    /// Writes all of `buf` at `offset`. On error, any prefix of `buf` may have been
    /// written. The bytes are durable only after a later successful `sync_data`.
    fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()>;

    /// Fills all of `buf` from `offset`; fails with [`io::ErrorKind::UnexpectedEof`] if
    /// the file is shorter.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;

    /// The current length of the file in bytes.
    fn len(&self) -> io::Result<u64>;

    /// Truncates or extends the file. Durable only after a later `sync_data`.
    fn set_len(&self, len: u64) -> io::Result<()>;

    /// Makes the file at least `len_bytes` long, the added bytes reading as zeros,
    /// reserving their disk space where the platform can; never shrinks the file.
    /// Durable like `set_len`: only after a later `sync_data`.
    ///
    /// The log reserves space ahead of its writes so that a `sync_data` after an
    /// append has no file-size change to commit. The default extends the length
    /// with `set_len` (no reservation); a failure here loses nothing, the log then
    /// grows the file by writing.
    fn allocate(&self, len_bytes: u64) -> io::Result<()> {
        if self.len()? < len_bytes {
            self.set_len(len_bytes)?;
        }
        Ok(())
    }

    /// Hints that the `len_bytes` bytes written at `offset`, not yet synced, may go to
    /// the device now, without waiting for them: the `sync_data` that follows then
    /// finds less to write, and a bulk load keeps the device busy while its caller
    /// produces more. This makes nothing durable and changes no byte; the range lies
    /// inside the file. The default does nothing. A failure costs the log only speed.
    fn start_writeback(&self, offset: u64, len_bytes: u64) -> io::Result<()> {
        let _ = (offset, len_bytes);
        Ok(())
    }

    /// Makes every write, `set_len` and `allocate` issued before this call durable.
    fn sync_data(&self) -> io::Result<()>;
}
