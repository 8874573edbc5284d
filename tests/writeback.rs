//! The worker's writeback hint ([`raftwal::StorageFile::start_writeback`]) during a bulk
//! load: the simulated disk panics on a range past the file's end, so a wrong range
//! fails the log (the worker catches the panic) and this test.

mod common;

use common::*;
use raftwal::{Config, RaftLogWriter, Storage, WorkerMode};
use raftwal_simdisk::{FaultConfig, SimDisk};
use std::sync::Arc;

/// 4 KiB entries, 9 MiB in all: the worker hands several 4 MiB steps to writeback.
fn bulk_entries() -> Vec<((u64, u64), String)> {
    (0..2304).map(|i| ((1, i), format!("{i:04096}"))).collect()
}

/// Appends [`bulk_entries`] on a fresh simulated disk (`seed`) in both worker modes,
/// with `config_of(mode)`, waits for one flush, cuts the power, and checks that every
/// entry is read back; `check` sees the log before the power loss.
fn bulk_load_survives_power_loss(
    seed: u64,
    config_of: impl Fn(WorkerMode) -> Config,
    check: impl Fn(WorkerMode, &Log),
) {
    for mode in [WorkerMode::Thread, WorkerMode::Manual] {
        let disk = SimDisk::new(seed, FaultConfig::none());
        let storage: Arc<dyn Storage> = Arc::new(disk.clone());
        let config = Arc::new(config_of(mode));
        let mut log = open(&storage, &config);
        let written = bulk_entries();
        for entry in written.iter().cloned() {
            log.append([entry]).unwrap();
        }
        flush_wait(&mut log).expect("the bulk load is durable");
        assert!(log.failure().is_none(), "{:?}", log.failure());
        check(mode, &log);
        drop(log);
        disk.power_loss();
        let log = open(&storage, &config);
        assert_eq!(read_all(&log), written, "{mode:?}");
    }
}

#[test]
fn a_bulk_load_with_writeback_hints_keeps_every_entry() {
    bulk_load_survives_power_loss(
        11,
        |mode| Config::new("sim").with_worker_mode(mode),
        |_, _| {},
    );
}

/// The same load in 1 MiB chunks: chunks rotate inside the bulk load, and the worker's
/// writeback range must start in the current chunk (a chunk starts only after the one
/// before is synced; the worker asserts it, and a skipped sync fails this test).
#[test]
fn a_bulk_load_over_small_chunks_keeps_every_entry() {
    bulk_load_survives_power_loss(
        12,
        |mode| {
            Config::new("sim")
                .with_worker_mode(mode)
                .with_chunk_max_size(1 << 20)
        },
        |mode, log| {
            let chunks = log.stat().closed_chunks.len();
            assert!(chunks >= 8, "{mode:?}: {chunks} closed chunks");
        },
    );
}
