//! A storage wrapper that runs a hook before every file write, sync and writeback hint
//! (to slow the disk down, to make it panic, or to check a hint's range), forwarding
//! everything to an inner storage.
#![allow(dead_code)]

use raftwal::{Storage, StorageFile};
use std::any::Any;
use std::io;
use std::sync::Arc;

/// What runs before each file operation.
#[derive(Default)]
pub struct Hooks {
    /// Before `write_at`, with the write's length.
    pub before_write: Option<Box<dyn Fn(usize) + Send + Sync>>,
    /// Before `sync_data`; an error is returned instead of syncing.
    pub before_sync: Option<Box<dyn Fn() -> io::Result<()> + Send + Sync>>,
    /// Before `start_writeback`, with the hint and what the file holds then.
    pub before_writeback: Option<Box<dyn Fn(Writeback) + Send + Sync>>,
}

/// A writeback hint as the file saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Writeback {
    /// The hint's range: `len_bytes` at `offset`.
    pub offset: u64,
    pub len_bytes: u64,
    /// The end of the file's bytes made durable by its last successful `sync_data`
    /// (through this wrapper), and the end of its written bytes.
    pub synced_end: u64,
    pub written_end: u64,
}

/// What a file was written and synced up to, through this wrapper.
#[derive(Default)]
struct Ends {
    synced: u64,
    written: u64,
}

pub struct Hooked {
    inner: Arc<dyn Storage>,
    hooks: Arc<Hooks>,
}

impl Hooked {
    pub fn new(inner: Arc<dyn Storage>, hooks: Hooks) -> Self {
        Self {
            inner,
            hooks: Arc::new(hooks),
        }
    }

    fn wrap(&self, file: Arc<dyn StorageFile>) -> Arc<dyn StorageFile> {
        let written = file.len().unwrap_or(0);
        Arc::new(HookedFile {
            inner: file,
            hooks: self.hooks.clone(),
            ends: std::sync::Mutex::new(Ends {
                synced: written,
                written,
            }),
        })
    }
}

struct HookedFile {
    inner: Arc<dyn StorageFile>,
    hooks: Arc<Hooks>,
    ends: std::sync::Mutex<Ends>,
}

impl HookedFile {
    fn ends(&self) -> std::sync::MutexGuard<'_, Ends> {
        self.ends.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Storage for Hooked {
    fn lock(&self) -> io::Result<Box<dyn Any + Send + Sync>> {
        self.inner.lock()
    }
    fn list(&self) -> io::Result<Vec<String>> {
        self.inner.list()
    }
    fn create(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        Ok(self.wrap(self.inner.create(name)?))
    }
    fn open(&self, name: &str) -> io::Result<Arc<dyn StorageFile>> {
        Ok(self.wrap(self.inner.open(name)?))
    }
    fn remove(&self, name: &str) -> io::Result<()> {
        self.inner.remove(name)
    }
    fn sync_dir(&self) -> io::Result<()> {
        self.inner.sync_dir()
    }
}

impl StorageFile for HookedFile {
    fn write_at(&self, offset: u64, buf: &[u8]) -> io::Result<()> {
        if let Some(hook) = &self.hooks.before_write {
            hook(buf.len());
        }
        self.inner.write_at(offset, buf)?;
        let mut ends = self.ends();
        ends.written = ends.written.max(offset + buf.len() as u64);
        Ok(())
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.inner.read_at(offset, buf)
    }
    fn len(&self) -> io::Result<u64> {
        self.inner.len()
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        self.inner.set_len(len)?;
        let mut ends = self.ends();
        ends.written = ends.written.min(len);
        ends.synced = ends.synced.min(len);
        Ok(())
    }
    fn start_writeback(&self, offset: u64, len_bytes: u64) -> io::Result<()> {
        if let Some(hook) = &self.hooks.before_writeback {
            let (synced_end, written_end) = {
                let ends = self.ends();
                (ends.synced, ends.written)
            };
            hook(Writeback {
                offset,
                len_bytes,
                synced_end,
                written_end,
            });
        }
        self.inner.start_writeback(offset, len_bytes)
    }
    fn allocate(&self, len_bytes: u64) -> io::Result<()> {
        self.inner.allocate(len_bytes)
    }
    fn sync_data(&self) -> io::Result<()> {
        if let Some(hook) = &self.hooks.before_sync {
            hook()?;
        }
        let written = self.ends().written;
        self.inner.sync_data()?;
        let mut ends = self.ends();
        ends.synced = ends.synced.max(written);
        Ok(())
    }
}
