//! What the store promises openraft about durability, checked on raftwal's simulated
//! disk by cutting the power right after a call returns (or its callback reports Ok)
//! and reopening the log.

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use common::{NodeId, TypeConfig};
use openraft::entry::RaftEntry;
use openraft::impls::leader_id_adv::LeaderId;
use openraft::storage::{IOFlushed, RaftLogReader, RaftLogStorage};
use openraft::type_config::alias::{EntryOf, LogIdOf, VoteOf};
use openraft::type_config::TypeConfigExt;
use openraft::LogId;
use openraft_v010_raftwal::LogStore;
use raftwal::{Config, WorkerMode};
use raftwal_simdisk::{FaultConfig, SimDisk};

fn open(disk: &Arc<SimDisk>) -> LogStore<TypeConfig> {
    LogStore::open_with(disk.clone(), Arc::new(Config::new("sim"))).expect("open the log")
}

/// A store whose flush worker runs only when the test calls `wait_worker_idle`.
fn open_manual(disk: &Arc<SimDisk>) -> LogStore<TypeConfig> {
    let config = Config::new("sim").with_worker_mode(WorkerMode::Manual);
    LogStore::open_with(disk.clone(), Arc::new(config)).expect("open the log")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn log_id(term: u64, node: NodeId, index: u64) -> LogIdOf<TypeConfig> {
    LogId::new(
        LeaderId {
            term,
            node_id: node,
        },
        index,
    )
}

fn blank(term: u64, index: u64) -> EntryOf<TypeConfig> {
    EntryOf::<TypeConfig>::new_blank(log_id(term, 0, index))
}

#[test]
fn save_vote_returns_only_once_the_vote_is_durable() {
    runtime().block_on(async {
        for seed in 0..10 {
            let disk = Arc::new(SimDisk::new(seed, FaultConfig::none()));
            let mut store = open_manual(&disk);
            let log = store.log().clone();
            let vote = VoteOf::<TypeConfig>::new(3 + seed, 2);
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

            let mut reader = open(&disk).reader();
            assert_eq!(
                reader.read_vote().await.expect("read_vote"),
                Some(vote),
                "seed {seed}"
            );
        }
    });
}

#[test]
fn append_completes_its_callback_only_once_the_entries_are_durable() {
    runtime().block_on(async {
        for seed in 0..10 {
            let disk = Arc::new(SimDisk::new(seed, FaultConfig::none()));
            let mut store = open_manual(&disk);
            let entries: Vec<_> = (0..5).map(|i| blank(1, i)).collect();
            let (tx, rx) = TypeConfig::oneshot();
            store
                .append(entries, IOFlushed::signal(tx))
                .await
                .expect("append");
            // Readable at once, durable only after the worker synced them.
            let mut reader = store.reader();
            assert_eq!(reader.try_get_log_entries(..).await.expect("read").len(), 5);
            let mut rx = pin!(rx);
            let early = tokio::time::timeout(Duration::from_millis(20), &mut rx).await;
            assert!(
                early.is_err(),
                "the append's callback was completed before anything was synced"
            );
            store.log().lock().wait_worker_idle();
            rx.await
                .expect("the callback was completed")
                .expect("the append is durable");
            disk.power_loss();
            drop(reader);
            drop(store);

            let mut store = open(&disk);
            let state = store.get_log_state().await.expect("get_log_state");
            assert_eq!(state.last_log_id, Some(log_id(1, 0, 4)), "seed {seed}");
            let ids: Vec<_> = store
                .reader()
                .try_get_log_entries(..)
                .await
                .expect("read")
                .iter()
                .map(|e| e.log_id())
                .collect();
            assert_eq!(ids, (0..5).map(|i| log_id(1, 0, i)).collect::<Vec<_>>());
        }
    });
}

/// Appends and waits until the entries are durable.
async fn append_durably(store: &mut LogStore<TypeConfig>, entries: Vec<EntryOf<TypeConfig>>) {
    let (tx, rx) = TypeConfig::oneshot();
    store
        .append(entries, IOFlushed::signal(tx))
        .await
        .expect("append");
    rx.await.expect("completed").expect("durable");
}

#[test]
fn truncate_after_and_a_new_append_leave_no_hole_after_a_crash() {
    runtime().block_on(async {
        let disk = Arc::new(SimDisk::new(11, FaultConfig::none()));
        let mut store = open(&disk);
        append_durably(&mut store, (0..10).map(|i| blank(1, i)).collect()).await;
        // A new leader replaces the entries after 5.
        store
            .truncate_after(Some(log_id(1, 0, 5)))
            .await
            .expect("truncate_after");
        append_durably(&mut store, vec![blank(2, 6), blank(2, 7)]).await;
        disk.power_loss();
        drop(store);

        let store = open(&disk);
        let ids: Vec<_> = store
            .reader()
            .try_get_log_entries(..)
            .await
            .expect("read")
            .iter()
            .map(|e| e.log_id())
            .collect();
        let mut expected: Vec<_> = (0..6).map(|i| log_id(1, 0, i)).collect();
        expected.extend([log_id(2, 0, 6), log_id(2, 0, 7)]);
        assert_eq!(ids, expected);
    });
}

#[test]
fn committed_becomes_durable_with_the_next_flush() {
    runtime().block_on(async {
        let disk = Arc::new(SimDisk::new(7, FaultConfig::none()));
        let mut store = open(&disk);
        // An empty log can commit nothing but a purged id: purge ahead (a snapshot),
        // then commit it, then a vote (which flushes everything before it).
        let purged = log_id(1, 0, 9);
        store.purge(purged).await.expect("purge");
        store
            .save_committed(Some(purged))
            .await
            .expect("save_committed");
        store
            .save_vote(&VoteOf::<TypeConfig>::new(1, 0))
            .await
            .expect("save_vote");
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
