//! What the store promises openraft about durability, checked on raftwal's simulated
//! disk by cutting the power right after a call returns and reopening the log.

// openraft's `StorageError` is large, and not ours to shrink.
#![allow(clippy::result_large_err)]

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use common::{NodeId, TypeConfig};
use openraft::storage::RaftLogStorage;
use openraft::{CommittedLeaderId, LogId, Vote};
use openraft_raftwal::LogStore;
use raftwal::{Config, WorkerMode};
use raftwal_simdisk::{FaultConfig, SimDisk};

fn open(disk: &Arc<SimDisk>) -> LogStore<TypeConfig> {
    LogStore::open_with(disk.clone(), Arc::new(Config::new("sim"))).expect("open the log")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("a tokio runtime")
}

#[test]
fn save_vote_returns_only_once_the_vote_is_durable() {
    runtime().block_on(async {
        for seed in 0..10 {
            let disk = Arc::new(SimDisk::new(seed, FaultConfig::none()));
            // Nobody runs the flush worker until the test does.
            let config = Config::new("sim").with_worker_mode(WorkerMode::Manual);
            let mut store =
                LogStore::<TypeConfig>::open_with(disk.clone(), Arc::new(config)).expect("open");
            let log = store.log().clone();
            let vote = Vote::<NodeId>::new(3 + seed, 2);
            {
                let mut save = pin!(store.save_vote(&vote));
                let early = tokio::time::timeout(Duration::from_millis(20), &mut save).await;
                assert!(
                    early.is_err(),
                    "save_vote returned before anything was synced"
                );
                log.lock().wait_worker_idle();
                save.await.expect("save_vote");
            }
            // Power off right after save_vote returned: the vote must be on the medium.
            disk.power_loss();
            drop(log);
            drop(store);

            let mut store = open(&disk);
            assert_eq!(
                store.read_vote().await.expect("read_vote"),
                Some(vote),
                "seed {seed}"
            );
        }
    });
}

#[test]
fn committed_becomes_durable_with_the_next_flush() {
    runtime().block_on(async {
        let disk = Arc::new(SimDisk::new(7, FaultConfig::none()));
        let mut store = open(&disk);
        // An empty log can commit nothing but a purged id: purge ahead (a snapshot),
        // then commit it, then a vote (which flushes everything before it).
        let purged = LogId::new(CommittedLeaderId::new(1, 0), 9);
        store.purge(purged).await.expect("purge");
        store
            .save_committed(Some(purged))
            .await
            .expect("save_committed");
        store.save_vote(&Vote::new(1, 0)).await.expect("save_vote");
        disk.power_loss();
        drop(store);

        let mut store = open(&disk);
        assert_eq!(
            store.read_committed().await.expect("read_committed"),
            Some(purged)
        );
        let state = store.get_log_state().await.expect("get_log_state");
        assert_eq!(state.last_purged_log_id, Some(purged));
        assert_eq!(state.last_log_id, Some(purged));
    });
}
