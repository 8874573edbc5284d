//! The storage mutants: a [`Storage`] over the simulated disk that breaks the
//! durability contract in one chosen way, so the simulator can prove its oracle catches
//! an engine that trusts a lying disk (or, equivalently, an engine with that bug: the
//! engine cannot tell the two apart). The wrapper draws nothing from any RNG and
//! forwards every call it does not break, unchanged, to the disk.

use raftwal::{Storage, StorageFile};
use raftwal_simdisk::SimDisk;
use std::any::Any;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// How the wrapper breaks the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StorageMutant {
    /// Every file's `sync_data` returns `Ok` without syncing (a lying fsync): the
    /// engine then acknowledges flushes whose bytes are not durable, and a power loss
    /// may drop them.
    LyingSync,
    /// A `sync_dir` that comes after a `create` with no other `sync_dir` in between
    /// returns `Ok` without syncing: the created name (and any create or remove
    /// issued with it) stays undurable until the next `sync_dir`, so a power loss may
    /// undo a chunk file the engine wrote, synced and acknowledged.
    SkipSyncDirAfterCreate,
    /// A file's `sync_data` that fails on the disk returns `Ok` (the error is
    /// swallowed; the disk may have dropped the unsynced bytes, fsyncgate): the
    /// engine keeps going and acknowledges the data the failed sync lost.
    IgnoreSyncFailure,
}

/// The simulated disk seen through a [`StorageMutant`].
pub struct MutantStorage {
    disk: SimDisk,
    mutant: StorageMutant,
    /// A `create` was issued since the last `sync_dir` (for
    /// [`StorageMutant::SkipSyncDirAfterCreate`]).
    created_since_sync_dir: AtomicBool,
}

impl MutantStorage {
    /// `disk` with the fault `mutant`.
    pub fn new(disk: SimDisk, mutant: StorageMutant) -> Self {
        MutantStorage {
            disk,
            mutant,
            created_since_sync_dir: AtomicBool::new(false),
        }
    }

    fn wrap(&self, file: Arc<dyn StorageFile>) -> Arc<dyn StorageFile> {
        Arc::new(MutantFile {
            file,
            mutant: self.mutant,
        })
    }
}

impl Storage for MutantStorage {
    fn lock(&self) -> io::Result<Box<dyn Any + Send + Sync>> {
        self.disk.lock()
    }

    fn list(&self) -> io::Result<Vec<String>> {
        self.disk.list()
    }

    fn create(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        let file = self.disk.create(name)?;
        self.created_since_sync_dir.store(true, Ordering::SeqCst);
        Ok(self.wrap(file))
    }

    fn open(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        self.disk.open(name).map(|f| self.wrap(f))
    }

    fn open_read_only(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        self.disk.open_read_only(name).map(|f| self.wrap(f))
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        self.disk.remove(name)
    }

    fn sync_dir(&self) -> io::Result<()> {
        let after_create = self.created_since_sync_dir.swap(false, Ordering::SeqCst);
        if self.mutant == StorageMutant::SkipSyncDirAfterCreate && after_create {
            return Ok(());
        }
        self.disk.sync_dir()
    }

    fn path_of(&self, name: &str) -> std::path::PathBuf {
        self.disk.path_of(name)
    }
}

/// A file of a [`MutantStorage`].
struct MutantFile {
    file: Arc<dyn StorageFile>,
    mutant: StorageMutant,
}

impl StorageFile for MutantFile {
    fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        self.file.write_at(offset, buf)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.file.read_at(offset, buf)
    }

    fn len(&self) -> io::Result<u64> {
        self.file.len()
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }

    fn allocate(&self, len_bytes: u64) -> io::Result<()> {
        self.file.allocate(len_bytes)
    }

    fn start_writeback(&self, offset: u64, len_bytes: u64) -> io::Result<()> {
        self.file.start_writeback(offset, len_bytes)
    }

    fn sync_data(&self) -> io::Result<()> {
        match self.mutant {
            StorageMutant::LyingSync => Ok(()),
            StorageMutant::IgnoreSyncFailure => self.file.sync_data().or(Ok(())),
            StorageMutant::SkipSyncDirAfterCreate => self.file.sync_data(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raftwal_simdisk::FaultConfig;

    fn disk() -> SimDisk {
        SimDisk::new(7, FaultConfig::none())
    }

    #[test]
    fn lying_sync_leaves_the_bytes_pending() {
        let disk = disk();
        let storage = MutantStorage::new(disk.clone(), StorageMutant::LyingSync);
        let file = storage.create("a").unwrap();
        storage.sync_dir().unwrap();
        file.write_at(0, b"hello").unwrap();
        file.sync_data().unwrap();
        assert_eq!(disk.pending_op_count("a"), Some(1), "nothing was synced");
        // The same calls on the disk itself make the bytes durable.
        let honest = disk.open("a").unwrap();
        honest.sync_data().unwrap();
        assert_eq!(disk.pending_op_count("a"), Some(0));
    }

    #[test]
    fn skip_sync_dir_after_create_leaves_the_name_undurable() {
        let disk = disk();
        let storage = MutantStorage::new(disk.clone(), StorageMutant::SkipSyncDirAfterCreate);
        storage.create("a").unwrap();
        storage.sync_dir().unwrap();
        assert!(
            disk.file_names_durable().is_empty(),
            "the first sync_dir is skipped"
        );
        // The next one, with no create in between, syncs (the name becomes durable).
        storage.sync_dir().unwrap();
        assert_eq!(disk.file_names_durable(), ["a"]);
        // Files still sync.
        let file = storage.open("a").unwrap();
        file.write_at(0, b"x").unwrap();
        file.sync_data().unwrap();
        assert_eq!(disk.pending_op_count("a"), Some(0));
    }

    #[test]
    fn ignore_sync_failure_swallows_the_error() {
        let mut faults = FaultConfig::none();
        faults.sync_data_failure_probability = 1.0;
        let disk = SimDisk::new(7, faults);
        let storage = MutantStorage::new(disk.clone(), StorageMutant::IgnoreSyncFailure);
        let file = storage.create("a").unwrap();
        file.write_at(0, b"hello").unwrap();
        assert!(
            disk.open("a").unwrap().sync_data().is_err(),
            "the disk fails it"
        );
        file.write_at(0, b"hello").unwrap();
        assert!(file.sync_data().is_ok(), "the wrapper hides the failure");
        assert_eq!(disk.fault_counts().fsync_failures, 2);
    }
}
