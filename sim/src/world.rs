//! The world: the simulated disk and the log open on it. It opens, crashes, loses
//! power and starts fresh disks; it judges nothing (the oracle does) and decides no
//! policy (the runner does).

use crate::config::RunConfig;
use crate::mutant_storage::{MutantStorage, StorageMutant};
use crate::types::SimTypes;
use raftwal::{Config, Error, RaftLog, Storage};
use raftwal_simdisk::{FaultCounts, SimDisk};
use std::sync::Arc;

/// The disk, the log on it, and the disks retired so far.
pub struct World {
    /// The engine's configuration (shared by every open).
    pub engine_config: Arc<Config>,
    /// The storage mutant the engine sees the disk through, if any.
    pub storage_mutant: Option<StorageMutant>,
    /// The current disk.
    pub disk: SimDisk,
    /// How many disks were replaced by fresh ones.
    pub generation: u64,
    /// The log, when open.
    pub log: Option<RaftLog<SimTypes>>,
    /// Fault counts of the disks replaced by fresh ones.
    pub retired: FaultCounts,
}

impl World {
    /// The first disk of a run of `config`, no log open.
    pub fn new(config: &RunConfig) -> Self {
        World {
            engine_config: Arc::new(config.limits.config(config.mutant)),
            storage_mutant: config.mutant.and_then(|m| m.storage()),
            disk: SimDisk::new(config.disk_seed(0), config.faults.clone()),
            generation: 0,
            log: None,
            retired: FaultCounts::default(),
        }
    }

    /// The open log.
    pub fn log(&self) -> &RaftLog<SimTypes> {
        self.log.as_ref().expect("the log is open between ops")
    }

    /// Opens a log on the disk (the caller keeps it if it opened), through the storage
    /// mutant if there is one.
    pub fn open(&self) -> Result<RaftLog<SimTypes>, Error> {
        let storage: Arc<dyn Storage> = match self.storage_mutant {
            Some(mutant) => Arc::new(MutantStorage::new(self.disk.clone(), mutant)),
            None => Arc::new(self.disk.clone()),
        };
        RaftLog::<SimTypes>::open_with(storage, self.engine_config.clone())
    }

    /// Some file has writes not yet synced.
    pub fn unsynced_on_disk(&self) -> bool {
        self.disk
            .file_names()
            .iter()
            .any(|name| self.disk.pending_op_count(name).unwrap_or(0) > 0)
    }

    /// The files with unsynced writes, each with its durable length.
    pub fn pending_files(&self) -> Vec<(String, u64)> {
        self.disk
            .file_names()
            .into_iter()
            .filter(|name| self.disk.pending_op_count(name).unwrap_or(0) > 0)
            .map(|name| {
                let len = self.disk.durable_bytes(&name).map_or(0, |b| b.len() as u64);
                (name, len)
            })
            .collect()
    }

    /// The process crashes: the log is gone, the disk keeps what the OS had.
    pub fn crash(&mut self) {
        self.log = None;
        self.disk.crash();
    }

    /// The power goes: the disk keeps what was durable (and what the faults decide).
    pub fn power_loss(&mut self) {
        self.disk.power_loss();
    }

    /// Retires the disk (its faults counted): returns the next generation number.
    pub fn retire_disk(&mut self) -> u64 {
        self.log = None;
        self.retired += self.disk.fault_counts();
        self.generation += 1;
        self.generation
    }

    /// Puts a fresh, empty disk of generation [`World::generation`] in place.
    pub fn new_disk(&mut self, config: &RunConfig) {
        self.disk = SimDisk::new(config.disk_seed(self.generation), config.faults.clone());
    }

    /// Fault counts over every disk of the run.
    pub fn total_faults(&self) -> FaultCounts {
        let mut faults = self.retired;
        faults += self.disk.fault_counts();
        faults
    }
}
