//! raftwal: a write-ahead log for Raft.
pub mod storage;
pub use storage::{MemStorage, StdStorage, Storage, StorageFile};
