//! openraft's own storage test suite (`openraft::testing::Suite`) on raftwal.
//!
//! `test_all_*` run `Suite::test_all` as openraft ships it, once on a fresh directory of
//! the real filesystem per case and once on raftwal's simulated disk (no faults). It
//! stops at the first failing case, so each case is also run as a test of its own
//! (`dir::*`, `sim::*`), with the same builders: the test output then lists every case.

// The Suite's error type is openraft's `StorageError`: large, and not ours to shrink.
#![allow(clippy::result_large_err)]

mod common;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use common::{MemStateMachine, NodeId, TypeConfig};
use openraft::testing::{StoreBuilder, Suite};
use openraft::{AnyError, StorageError, StorageIOError};
use openraft_raftwal::LogStore;
use raftwal::Config;
use raftwal_simdisk::{FaultConfig, SimDisk};
use tempfile::TempDir;

type Store = LogStore<TypeConfig>;

fn storage_error(e: impl std::fmt::Display) -> StorageError<NodeId> {
    StorageIOError::write(AnyError::error(e)).into()
}

/// A store on a fresh raftwal directory (a temp dir, removed when the guard drops).
struct DirBuilder;

impl StoreBuilder<TypeConfig, Store, MemStateMachine, TempDir> for DirBuilder {
    async fn build(&self) -> Result<(TempDir, Store, MemStateMachine), StorageError<NodeId>> {
        let dir = tempfile::Builder::new()
            .prefix("openraft-raftwal-suite-")
            .tempdir()
            .map_err(storage_error)?;
        let config = Arc::new(Config::new(dir.path()));
        let store = Store::open(config).map_err(storage_error)?;
        Ok((dir, store, MemStateMachine::default()))
    }
}

/// A store on a fresh simulated disk without faults, each with its own seed.
struct SimBuilder;

static SIM_SEED: AtomicU64 = AtomicU64::new(1);

impl StoreBuilder<TypeConfig, Store, MemStateMachine> for SimBuilder {
    async fn build(&self) -> Result<((), Store, MemStateMachine), StorageError<NodeId>> {
        let disk = SimDisk::new(
            SIM_SEED.fetch_add(1, Ordering::Relaxed),
            FaultConfig::none(),
        );
        let config = Arc::new(Config::new("sim"));
        let store = Store::open_with(Arc::new(disk), config).map_err(storage_error)?;
        Ok(((), store, MemStateMachine::default()))
    }
}

#[test]
fn test_all_on_dir() -> Result<(), StorageError<NodeId>> {
    Suite::test_all(DirBuilder)
}

#[test]
fn test_all_on_sim_disk() -> Result<(), StorageError<NodeId>> {
    Suite::test_all(SimBuilder)
}

/// Runs one case the way `Suite::test_store` does: a fresh store and state machine from
/// the builder, in a fresh runtime.
fn run_case<B, G, F, Fut>(builder: B, case: F) -> Result<(), StorageError<NodeId>>
where
    B: StoreBuilder<TypeConfig, Store, MemStateMachine, G>,
    G: Send + Sync,
    F: FnOnce(Store, MemStateMachine) -> Fut,
    Fut: Future<Output = Result<(), StorageError<NodeId>>>,
{
    paused_runtime().block_on(async {
        let (_guard, store, sm) = builder.build().await?;
        case(store, sm).await
    })
}

/// A runtime whose clock is paused: the Suite's cases sleep a second to give a store's
/// background purge time, and a paused clock skips the sleep as soon as nothing else
/// can run (raftwal's purge is done when `purge` returns, so the reads that follow see
/// the same state either way). Sixteen sleeping cases cost 16 s of each test run.
/// `Suite::test_all` builds its own runtime, so `test_all_*` still sleep.
fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a tokio runtime")
}

/// One test per case of `Suite::test_store` of openraft 0.9.25, in its order.
macro_rules! suite_cases {
    ($builder:ident, $guard:ty) => {
        type S = Suite<TypeConfig, Store, MemStateMachine, $builder, $guard>;

        suite_cases!(@cases $builder;
            last_membership_in_log_initial,
            last_membership_in_log,
            last_membership_in_log_multi_step,
            get_membership_initial,
            get_membership_from_log_and_empty_sm,
            get_membership_from_empty_log_and_sm,
            get_membership_from_log_le_sm_last_applied,
            get_membership_from_log_gt_sm_last_applied_1,
            get_membership_from_log_gt_sm_last_applied_2,
            get_initial_state_without_init,
            get_initial_state_membership_from_log_and_sm,
            get_initial_state_with_state,
            get_initial_state_last_log_gt_sm,
            get_initial_state_last_log_lt_sm,
            get_initial_state_log_ids,
            get_initial_state_re_apply_committed,
            save_vote,
            get_log_entries,
            limited_get_log_entries,
            try_get_log_entry,
            initial_logs,
            get_log_state,
            get_log_id,
            last_id_in_log,
            last_applied_state,
            purge_logs_upto_0,
            purge_logs_upto_5,
            purge_logs_upto_20,
            delete_logs_since_11,
            delete_logs_since_0,
            append_to_log,
            snapshot_meta,
            apply_single,
            apply_multiple,
        );

        #[test]
        fn transfer_snapshot() -> Result<(), StorageError<NodeId>> {
            paused_runtime().block_on(S::transfer_snapshot(&$builder))
        }
    };
    (@cases $builder:ident; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() -> Result<(), StorageError<NodeId>> {
                super::run_case($builder, S::$case)
            }
        )*
    };
}

/// Every case on a fresh directory.
mod dir {
    use super::*;
    suite_cases!(DirBuilder, TempDir);
}

/// Every case on a fresh simulated disk.
mod sim {
    use super::*;
    suite_cases!(SimBuilder, ());
}
