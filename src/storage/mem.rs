//! A plain in-memory [`Storage`]: no faults, everything durable at once. For unit tests
//! of the engine that should not touch the disk.

use super::{Storage, StorageFile};
use parking_lot::Mutex;
use std::any::Any;
use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;

/// An in-memory directory. Clones share the same files, so a log can be dropped and
/// reopened on the same contents (a process restart without power loss).
#[derive(Clone, Default)]
pub struct MemStorage {
    inner: Arc<Mutex<MemDir>>,
}

#[derive(Default)]
struct MemDir {
    files: BTreeMap<String, Arc<MemFile>>,
    locked: bool,
}

/// One in-memory file.
#[derive(Default)]
struct MemFile {
    bytes: Mutex<Vec<u8>>,
}

struct MemLock {
    inner: Arc<Mutex<MemDir>>,
}

impl Drop for MemLock {
    fn drop(&mut self) {
        self.inner.lock().locked = false;
    }
}

impl MemStorage {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// The contents of file `name`, if it exists.
    pub fn file_bytes(&self, name: &str) -> Option<Vec<u8>> {
        let dir = self.inner.lock();
        dir.files.get(name).map(|f| f.bytes.lock().clone())
    }

    /// Replaces (or creates) file `name` with `bytes`.
    pub fn set_file_bytes(&self, name: &str, bytes: Vec<u8>) {
        let mut dir = self.inner.lock();
        let file = dir.files.entry(name.to_string()).or_default();
        *file.bytes.lock() = bytes;
    }
}

impl Storage for MemStorage {
    fn lock(&self) -> io::Result<Box<dyn Any + Send + Sync>> {
        let mut dir = self.inner.lock();
        if dir.locked {
            return Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                "directory is locked",
            ));
        }
        dir.locked = true;
        Ok(Box::new(MemLock {
            inner: self.inner.clone(),
        }))
    }

    fn list(&self) -> io::Result<Vec<String>> {
        Ok(self.inner.lock().files.keys().cloned().collect())
    }

    fn create(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        let mut dir = self.inner.lock();
        if dir.files.contains_key(name) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                name.to_string(),
            ));
        }
        let file = Arc::new(MemFile::default());
        dir.files.insert(name.to_string(), file.clone());
        Ok(file)
    }

    fn open(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        let dir = self.inner.lock();
        match dir.files.get(name) {
            Some(f) => Ok(f.clone()),
            None => Err(io::Error::new(io::ErrorKind::NotFound, name.to_string())),
        }
    }

    fn remove(&self, name: &str) -> io::Result<()> {
        let mut dir = self.inner.lock();
        match dir.files.remove(name) {
            Some(_) => Ok(()),
            None => Err(io::Error::new(io::ErrorKind::NotFound, name.to_string())),
        }
    }

    fn sync_dir(&self) -> io::Result<()> {
        Ok(())
    }
}

impl StorageFile for MemFile {
    fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        let mut bytes = self.bytes.lock();
        let end = offset as usize + buf.len();
        if bytes.len() < end {
            set_len_zeroed(&mut bytes, end);
        }
        bytes[offset as usize..end].copy_from_slice(buf);
        Ok(())
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let bytes = self.bytes.lock();
        let end = offset as usize + buf.len();
        if end > bytes.len() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "read past end of file",
            ));
        }
        buf.copy_from_slice(&bytes[offset as usize..end]);
        Ok(())
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.bytes.lock().len() as u64)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        set_len_zeroed(&mut self.bytes.lock(), len as usize);
        Ok(())
    }

    fn sync_data(&self) -> io::Result<()> {
        Ok(())
    }
}

/// Cuts `bytes` to `len` or grows it with zeros. Not `Vec::resize`: unoptimised (the
/// tests' debug builds), it writes the zeros one by one, and a test that streams 1 GiB
/// through memory spent most of its time there; a zeroed allocation is a `calloc`.
fn set_len_zeroed(bytes: &mut Vec<u8>, len: usize) {
    if len <= bytes.len() {
        bytes.truncate(len);
    } else {
        bytes.append(&mut vec![0; len - bytes.len()]);
    }
}
