//! [`Storage`] on the real filesystem, through `std::fs`.

use super::{Storage, StorageFile};
use std::any::Any;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::FileExt as _;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// A directory on the real filesystem. The directory is created if missing.
#[derive(Debug, Clone)]
pub struct StdStorage {
    dir: PathBuf,
}

impl StdStorage {
    /// Uses `dir`, creating it (and its missing parents) if it does not exist.
    ///
    /// Every directory it creates is durable when this returns: after each creation
    /// the parent directory is synced, as the [durability contract](crate::Storage) asks of a
    /// new name. Fails with [`io::ErrorKind::InvalidInput`] if `dir` is empty and
    /// with [`io::ErrorKind::NotADirectory`] if `dir` (or one of its ancestors)
    /// exists but is not a directory.
    pub fn new(dir: impl AsRef<Path>) -> io::Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        create_dir_durably(&dir, &mut |parent| File::open(parent)?.sync_all())?;
        Ok(Self { dir })
    }

    /// Uses `dir`, which must exist and be a directory; creates nothing (for a
    /// read-only open and for tools that must not create a log by mistake).
    pub fn existing(dir: impl AsRef<Path>) -> io::Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        if dir.as_os_str().is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the log directory path is empty",
            ));
        }
        let meta = fs::metadata(&dir)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
        if !meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a directory", dir.display()),
            ));
        }
        Ok(Self { dir })
    }

    /// The directory this storage lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Creates `dir` and its missing ancestors one at a time, top-down, calling
/// `sync_dir` on the parent of each directory right after creating it, so that every
/// new name is durable. Creates and syncs nothing if `dir` already is a directory.
///
/// A directory that a concurrent creator made first (`AlreadyExists`) counts as
/// created, and its parent is synced all the same: the other creator may not have
/// synced it yet.
fn create_dir_durably(
    dir: &Path,
    sync_dir: &mut dyn FnMut(&Path) -> io::Result<()>,
) -> io::Result<()> {
    if dir.as_os_str().is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the log directory path is empty",
        ));
    }
    // Rebuilt from its components, the path loses its `.` components past the first
    // and its trailing slashes, so that each `parent()` below is the next directory up.
    let dir: PathBuf = dir.components().collect();

    // Walk up to the first ancestor that exists, remembering the missing ones.
    let mut missing = Vec::new();
    let mut cur = dir.as_path();
    loop {
        match fs::metadata(cur) {
            Ok(meta) if meta.is_dir() => break,
            Ok(_) => return Err(not_a_directory(cur)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                missing.push(cur);
                match cur.parent() {
                    // A relative path's first component: its parent is the current
                    // directory, which exists.
                    Some(parent) if parent.as_os_str().is_empty() => break,
                    Some(parent) => cur = parent,
                    None => break,
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
                return Err(io::Error::new(
                    io::ErrorKind::NotADirectory,
                    format!(
                        "cannot create the log directory {}: an ancestor of {} is not a directory",
                        dir.display(),
                        cur.display()
                    ),
                ));
            }
            Err(e) => return Err(e),
        }
    }

    // Create them top-down, each made durable by a sync of its parent.
    for &path in missing.iter().rev() {
        match fs::create_dir(path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if !fs::metadata(path)?.is_dir() {
                    return Err(not_a_directory(path));
                }
            }
            Err(e) => return Err(e),
        }
        sync_dir(parent_dir(path))?;
    }
    Ok(())
}

/// The directory holding `path`'s last component: `.` for a one-component relative
/// path.
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new(Component::CurDir.as_os_str()),
    }
}

fn not_a_directory(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotADirectory,
        format!(
            "the log directory path {} exists but is not a directory",
            path.display()
        ),
    )
}

struct DirLock {
    file: File,
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Closing the file releases the lock as well; unlocking explicitly makes the
        // release immediate even if the descriptor leaks into a forked child.
        let _ = self.file.unlock();
    }
}

struct StdFile {
    file: File,
}

impl Storage for StdStorage {
    fn lock(&self) -> io::Result<Box<dyn Any + Send + Sync>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.dir.join("LOCK"))?;
        // `flock(LOCK_EX | LOCK_NB)` on Unix, the same lock `fs2` took, so an older
        // build of this crate and this one still exclude each other.
        file.try_lock().map_err(|e| match e {
            TryLockError::WouldBlock => io::Error::new(
                io::ErrorKind::WouldBlock,
                "the log directory is locked by another holder",
            ),
            TryLockError::Error(e) => e,
        })?;
        Ok(Box::new(DirLock { file }))
    }

    fn list(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        // Every entry, not only regular files: a symlink or a directory under a
        // chunk's name must reach the open (which opens it, or refuses it), never be
        // skipped, or the log would open without that chunk's entries. A name that is
        // not UTF-8 is no name the log uses.
        for entry in fs::read_dir(&self.dir)? {
            if let Some(name) = entry?.file_name().to_str() {
                names.push(name.to_string());
            }
        }
        Ok(names)
    }

    fn create(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(self.dir.join(name))?;
        Ok(Arc::new(StdFile { file }))
    }

    fn open(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(self.dir.join(name))?;
        Ok(Arc::new(StdFile { file }))
    }

    fn open_read_only(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        let file = OpenOptions::new().read(true).open(self.dir.join(name))?;
        // A directory opens for reading (not for writing): refuse it as `open` does,
        // or a stray directory under a chunk's name would read as an unreadable chunk
        // where the open reports an I/O error.
        if file.metadata()?.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory, not a chunk file",
            ));
        }
        Ok(Arc::new(StdFile { file }))
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        fs::remove_file(self.dir.join(name))
    }

    fn sync_dir(&self) -> io::Result<()> {
        File::open(&self.dir)?.sync_all()
    }

    fn path_of(&self, name: &str) -> PathBuf {
        if name.is_empty() {
            self.dir.clone()
        } else {
            self.dir.join(name)
        }
    }
}

impl StorageFile for StdFile {
    fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        self.file.write_all_at(buf, offset)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.file.read_exact_at(buf, offset)
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }

    fn allocate(&self, len_bytes: u64) -> io::Result<()> {
        if self.len()? < len_bytes {
            allocate(&self.file, len_bytes)?;
        }
        Ok(())
    }

    fn start_writeback(&self, offset: u64, len_bytes: u64) -> io::Result<()> {
        start_writeback(&self.file, offset, len_bytes)
    }

    fn sync_data(&self) -> io::Result<()> {
        self.file.sync_data()
    }
}

/// Starts the writeback of `len_bytes` dirty bytes of `file` at `offset`.
///
/// On Linux, `posix_fadvise(DONTNEED)`: the kernel starts writing the range's dirty
/// pages without waiting for them, then drops those of its pages that are already
/// clean (here, next to none: the range was just written). Without it the pages wait
/// for the `fdatasync` (or for background writeback, which starts only once a tenth
/// of memory is dirty), and a bulk load writes to the device only at its end:
/// measured here, 1 MiB writes of 256 MiB then one `fdatasync` went from 730-880 MB/s
/// to 1,400-1,550 MB/s with this call after every 4 MiB.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn start_writeback(file: &File, offset: u64, len_bytes: u64) -> io::Result<()> {
    use rustix::fs::{fadvise, Advice};
    let Some(len) = std::num::NonZeroU64::new(len_bytes) else {
        return Ok(());
    };
    Ok(fadvise(file, offset, Some(len), Advice::DontNeed)?)
}

/// Starts the writeback of a range: nothing to do off Linux (the `fdatasync` writes it).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn start_writeback(_file: &File, _offset: u64, _len_bytes: u64) -> io::Result<()> {
    Ok(())
}

/// Makes `file` at least `len_bytes` long (the caller checked it is shorter).
///
/// On Linux, `fallocate` with mode 0 over `0..len_bytes` (what `posix_fallocate`
/// does, as `fs2` did): the space is reserved and the length set in one call, so
/// later writes inside it change no file size. A file system without `fallocate`
/// gets the length only, through `set_len`, like the [`StorageFile::allocate`]
/// default.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn allocate(file: &File, len_bytes: u64) -> io::Result<()> {
    use rustix::fs::{fallocate, FallocateFlags};
    use rustix::io::Errno;
    loop {
        match fallocate(file, FallocateFlags::empty(), 0, len_bytes) {
            Ok(()) => return Ok(()),
            Err(Errno::INTR) => continue,
            Err(Errno::OPNOTSUPP) | Err(Errno::NOSYS) => return file.set_len(len_bytes),
            Err(e) => return Err(e.into()),
        }
    }
}

/// Makes `file` at least `len_bytes` long (the caller checked it is shorter). Off
/// Linux the length is set with `set_len`, reserving nothing (Apple's `fallocate`
/// emulation can truncate, so it is not used).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn allocate(file: &File, len_bytes: u64) -> io::Result<()> {
    file.set_len(len_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `create_dir_durably(dir)` and returns the directories it synced, in order.
    fn synced_by(dir: &Path) -> io::Result<Vec<PathBuf>> {
        let mut synced = Vec::new();
        create_dir_durably(dir, &mut |parent| {
            synced.push(parent.to_path_buf());
            Ok(())
        })?;
        Ok(synced)
    }

    #[test]
    fn each_created_directory_is_followed_by_a_sync_of_its_parent_top_down() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let c = root.join("a/b/c");
        assert_eq!(
            synced_by(&c).unwrap(),
            vec![root.to_path_buf(), root.join("a"), root.join("a/b")]
        );
        assert!(c.is_dir());
    }

    #[test]
    fn an_existing_directory_creates_and_syncs_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        assert_eq!(synced_by(root).unwrap(), Vec::<PathBuf>::new());
        fs::create_dir_all(root.join("a/b")).unwrap();
        assert_eq!(synced_by(&root.join("a/b")).unwrap(), Vec::<PathBuf>::new());
        // Only the missing last component is created and its parent synced.
        assert_eq!(
            synced_by(&root.join("a/b/c")).unwrap(),
            vec![root.join("a/b")]
        );
    }

    #[test]
    fn trailing_slash_and_dot_components_name_the_same_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let dir = PathBuf::from(format!("{}/./a/./b/", root.display()));
        assert_eq!(
            synced_by(&dir).unwrap(),
            vec![root.to_path_buf(), root.join("a")]
        );
        assert!(root.join("a/b").is_dir());
    }

    #[test]
    fn a_directory_made_by_a_concurrent_creator_still_gets_its_parent_synced() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let mut synced = Vec::new();
        // Right after `a` is created, another creator makes `a/b` before we do.
        create_dir_durably(&root.join("a/b"), &mut |parent| {
            if parent == root {
                fs::create_dir(root.join("a/b")).unwrap();
            }
            synced.push(parent.to_path_buf());
            Ok(())
        })
        .unwrap();
        assert_eq!(synced, vec![root.clone(), root.join("a")]);
    }

    #[test]
    fn a_failed_sync_fails_the_creation() {
        let tmp = tempfile::tempdir().unwrap();
        let err = create_dir_durably(&tmp.path().join("a/b"), &mut |_| {
            Err(io::Error::other("injected sync failure"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "injected sync failure");
        // It stopped at the first failure: `b` was never created.
        assert!(tmp.path().join("a").is_dir());
        assert!(!tmp.path().join("a/b").exists());
    }

    #[test]
    fn a_regular_file_on_the_path_is_an_error_and_nothing_is_synced() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("f");
        fs::write(&file, b"x").unwrap();
        for dir in [file.clone(), file.join("sub")] {
            let mut synced = Vec::new();
            let err = create_dir_durably(&dir, &mut |p| {
                synced.push(p.to_path_buf());
                Ok(())
            })
            .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::NotADirectory, "{dir:?}: {err}");
            assert!(synced.is_empty());
        }
        assert_eq!(fs::read(&file).unwrap(), b"x");
    }

    #[test]
    fn an_empty_path_is_invalid_input() {
        let err = synced_by(Path::new("")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn the_parent_of_a_one_component_relative_path_is_the_current_directory() {
        assert_eq!(parent_dir(Path::new("a")), Path::new("."));
        assert_eq!(parent_dir(Path::new("./a")), Path::new("."));
        assert_eq!(parent_dir(Path::new("x/a")), Path::new("x"));
        assert_eq!(parent_dir(Path::new("/a")), Path::new("/"));
    }
}
