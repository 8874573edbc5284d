//! Snapshots of the recovered state (`dump_data`) and the on-disk records (`dump`) for
//! a fixed scenario that crosses several chunks, truncates, purges and reopens. Any
//! change of behaviour or format shows up as a reviewable diff (`cargo insta review`).

mod common;

use common::*;
use raftwal::{Config, MemStorage, RaftLogWriter, Storage, WorkerMode};
use std::sync::Arc;

fn scenario() -> (Arc<dyn Storage>, Arc<Config>) {
    let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let config = Arc::new(
        Config::new("mem")
            .with_chunk_max_records(6)
            .with_cache_max_items(3)
            .with_worker_mode(WorkerMode::Manual),
    );
    let mut log = open(&storage, &config);
    log.save_vote((1, 1)).unwrap();
    log.append(entries(1, 0, 8)).unwrap();
    flush_wait(&mut log).unwrap();
    log.commit((1, 3)).unwrap();
    log.truncate(6).unwrap();
    log.save_vote((2, 2)).unwrap();
    log.append(entries(2, 6, 12)).unwrap();
    log.save_user_data(Some("members=a,b,c".to_string()))
        .unwrap();
    flush_wait(&mut log).unwrap();
    log.purge((1, 5)).unwrap();
    log.commit((2, 9)).unwrap();
    flush_wait(&mut log).unwrap();
    drop(log);
    (storage, config)
}

#[test]
fn recovered_state_and_disk_records() {
    let (storage, config) = scenario();
    let mut log = open(&storage, &config);
    log.drain_cache_evictable();
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("engine_scenario_dump", log.dump().to_string());
        insta::assert_debug_snapshot!("engine_scenario_dump_data", log.dump_data());
        insta::assert_snapshot!("engine_scenario_stat", log.stat().to_string());
    });
}
