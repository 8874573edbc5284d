//! openraft 0.10's own storage test suite (`openraft::testing::log::Suite`) on raftwal.
//!
//! `test_all_*` run `Suite::test_all` as openraft ships it, once on a fresh directory of
//! the real filesystem per case and once on raftwal's simulated disk (no faults). It
//! stops at the first failing case, so each case is also run as a test of its own
//! (`dir::*`, `sim::*`), with the same builders: the test output then lists every case,
//! 45 per disk (the 44 cases of `Suite::test_store` of openraft 0.10.0-alpha.37, in its
//! order, and `transfer_snapshot`).

mod common;

use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use common::{MemStateMachine, TypeConfig};
use openraft::testing::log::{StoreBuilder, Suite};
use openraft::type_config::TypeConfigExt;
use openraft::StorageError;
use openraft_v010_raftwal::LogStore;
use raftwal::Config;
use raftwal_simdisk::{FaultConfig, SimDisk};
use tempfile::TempDir;

type Store = LogStore<TypeConfig>;

fn storage_error(e: impl std::error::Error + 'static) -> StorageError<TypeConfig> {
    StorageError::write(TypeConfig::err_from_error(&e))
}

/// A store on a fresh raftwal directory (a temp dir, removed when the guard drops).
struct DirBuilder;

impl StoreBuilder<TypeConfig, Store, MemStateMachine, TempDir> for DirBuilder {
    async fn build(&self) -> Result<(TempDir, Store, MemStateMachine), StorageError<TypeConfig>> {
        let dir = tempfile::Builder::new()
            .prefix("openraft-v010-raftwal-suite-")
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
    async fn build(&self) -> Result<((), Store, MemStateMachine), StorageError<TypeConfig>> {
        let disk = SimDisk::new(
            SIM_SEED.fetch_add(1, Ordering::Relaxed),
            FaultConfig::none(),
        );
        let config = Arc::new(Config::new("sim"));
        let store = Store::open_with(Arc::new(disk), config).map_err(storage_error)?;
        Ok(((), store, MemStateMachine::default()))
    }
}

/// A runtime whose clock is paused: the Suite's cases sleep to give a store's
/// background purge time, and a paused clock skips the sleep as soon as nothing else
/// can run (raftwal's purge is done when `purge` returns, so the reads that follow see
/// the same state either way). The sleeping cases cost about 16 s of each test run.
fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
}

#[test]
fn test_all_on_dir() -> Result<(), Box<dyn std::error::Error>> {
    Ok(runtime()?.block_on(Suite::test_all(DirBuilder))?)
}

#[test]
fn test_all_on_sim_disk() -> Result<(), Box<dyn std::error::Error>> {
    Ok(runtime()?.block_on(Suite::test_all(SimBuilder))?)
}

/// Runs one case the way `Suite::test_store` does: a fresh store and state machine from
/// the builder, in a fresh runtime.
fn run_case<B, G, F, Fut>(builder: B, case: F) -> Result<(), Box<dyn std::error::Error>>
where
    B: StoreBuilder<TypeConfig, Store, MemStateMachine, G>,
    G: Send + Sync,
    F: FnOnce(Store, MemStateMachine) -> Fut,
    Fut: Future<Output = Result<(), io::Error>>,
{
    runtime()?.block_on(async {
        let (_guard, store, sm) = builder.build().await?;
        case(store, sm).await?;
        Ok(())
    })
}

/// One test per case of `Suite::test_store` of openraft 0.10.0-alpha.37, in its order.
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
            get_initial_state_membership_from_empty_log_and_sm,
            get_initial_state_membership_from_sm_inlog_is_smaller,
            get_initial_state_membership_from_log_insm_is_smaller,
            get_initial_state_with_state,
            get_initial_state_last_log_gt_sm,
            get_initial_state_last_log_lt_sm,
            get_initial_state_inverted_log_order,
            get_initial_state_conflict_at_same_index,
            get_initial_state_log_ids,
            get_initial_state_re_apply_committed,
            save_vote,
            get_log_entries,
            limited_get_log_entries,
            leader_bounded_stream,
            entries_stream,
            try_get_log_entry,
            log_reader_reads_new_entries,
            initial_logs,
            get_log_state,
            get_log_id,
            last_id_in_log,
            last_applied_state,
            purge_logs_upto_0,
            purge_logs_upto_5,
            purge_logs_upto_20,
            delete_logs_after_11,
            delete_logs_after_5,
            delete_logs_after_0,
            delete_logs_after_none,
            append_to_log,
            snapshot_meta,
            snapshot_meta_optional,
            apply_single,
            apply_multiple,
        );

        #[test]
        fn transfer_snapshot() -> Result<(), Box<dyn std::error::Error>> {
            Ok(super::runtime()?.block_on(S::transfer_snapshot(&$builder))?)
        }
    };
    (@cases $builder:ident; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() -> Result<(), Box<dyn std::error::Error>> {
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
