//! A storage wrapper that runs a hook before every file write and sync (to slow the
//! disk down, or to make it panic), forwarding everything to an inner storage.
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
        Arc::new(HookedFile {
            inner: file,
            hooks: self.hooks.clone(),
        })
    }
}

struct HookedFile {
    inner: Arc<dyn StorageFile>,
    hooks: Arc<Hooks>,
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
        self.inner.write_at(offset, buf)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.inner.read_at(offset, buf)
    }
    fn len(&self) -> io::Result<u64> {
        self.inner.len()
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        self.inner.set_len(len)
    }
    fn allocate(&self, len_bytes: u64) -> io::Result<()> {
        self.inner.allocate(len_bytes)
    }
    fn sync_data(&self) -> io::Result<()> {
        if let Some(hook) = &self.hooks.before_sync {
            hook()?;
        }
        self.inner.sync_data()
    }
}
