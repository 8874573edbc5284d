//! `RaftLog::sync`: a flush and the wait for it in one call, run on the caller's
//! thread when the worker is idle. Checked in both worker modes: what it acknowledges
//! survives a power loss, it completes the flushes queued before it, a failed or
//! panicking sync is reported and fails the log, and it really runs on the caller.

mod common;
mod hooked;

use common::{entries, open, read_all, small_config, Log, TT};
use hooked::{Hooked, Hooks};
use raftwal::{Error, ErrorKind, MemStorage, RaftLog, RaftLogWriter, Storage, WorkerMode};
use raftwal_simdisk::{FaultConfig, SimDisk};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{mpsc, Arc, Mutex};

const MODES: [WorkerMode; 2] = [WorkerMode::Thread, WorkerMode::Manual];

/// Every entry synced survives a power loss that drops whatever was not synced, and
/// every flush queued before a sync has its `Ok` when the sync returns.
#[test]
fn what_sync_acknowledges_survives_a_power_loss() {
    for mode in MODES {
        let disk = SimDisk::new(11, FaultConfig::crash_only());
        let storage: Arc<dyn Storage> = Arc::new(disk.clone());
        let config = small_config(mode);
        let mut log = open(&storage, &config);
        let mut pending = Vec::new();
        // 40 entries over several 8-record chunks: syncs after chunk switches too.
        for i in 0..40 {
            log.append(entries(1, i, i + 1)).unwrap();
            if i % 3 == 0 {
                let (tx, rx) = mpsc::sync_channel(1);
                log.flush(Some(tx)).unwrap();
                pending.push(rx);
            } else {
                log.sync().unwrap();
                for rx in pending.drain(..) {
                    rx.try_recv()
                        .expect("a flush queued before the sync has reported")
                        .unwrap();
                }
            }
        }
        log.sync().unwrap();
        // Written, never synced: may or may not survive.
        log.append(entries(1, 40, 45)).unwrap();
        std::mem::forget(log);
        disk.power_loss();
        let log = open(&storage, &config);
        let recovered = read_all(&log);
        assert!(
            recovered.len() >= 40,
            "{mode:?}: {} entries",
            recovered.len()
        );
        assert_eq!(recovered[..40], entries(1, 0, 40)[..], "{mode:?}");
    }
}

/// A storage whose syncs fail from the `from`-th on (counting from 0).
fn failing_sync(from: u32) -> Arc<dyn Storage> {
    let count = AtomicU32::new(0);
    Arc::new(Hooked::new(
        Arc::new(MemStorage::new()),
        Hooks {
            before_sync: Some(Box::new(move || {
                if count.fetch_add(1, Ordering::SeqCst) >= from {
                    Err(io::Error::other("injected sync failure"))
                } else {
                    Ok(())
                }
            })),
            ..Hooks::default()
        },
    ))
}

#[test]
fn a_failed_sync_is_returned_and_fails_the_log() {
    for mode in MODES {
        let storage = failing_sync(1);
        let mut log = open(&storage, &small_config(mode));
        log.append(entries(1, 0, 2)).unwrap();
        log.sync().unwrap();
        log.append(entries(1, 2, 3)).unwrap();
        let error = log.sync().unwrap_err();
        let Error::Failed { cause } = &error else {
            panic!("{mode:?}: {error:?}")
        };
        assert!(cause.to_string().contains("sync_data"), "{mode:?}: {cause}");
        assert_eq!(log.failure().map(|e| e.kind()), Some(ErrorKind::Failed));
        assert_eq!(log.sync().unwrap_err().kind(), ErrorKind::Failed);
        assert_eq!(
            log.append(entries(1, 3, 4)).unwrap_err().kind(),
            ErrorKind::Failed
        );
    }
}

/// A panic of the storage inside a sync run on the caller's thread is caught there:
/// the sync returns the failure, the flush queued before it gets the failure too, and
/// the log (and its worker thread) still drops cleanly.
#[test]
fn a_storage_panic_inside_sync_fails_the_log() {
    let armed = Arc::new(AtomicBool::new(false));
    let hook_armed = armed.clone();
    let storage: Arc<dyn Storage> = Arc::new(Hooked::new(
        Arc::new(MemStorage::new()),
        Hooks {
            before_sync: Some(Box::new(move || {
                if hook_armed.load(Ordering::SeqCst) {
                    panic!("boom in sync_data");
                }
                Ok(())
            })),
            ..Hooks::default()
        },
    ));
    let mut log = open(&storage, &small_config(WorkerMode::Thread));
    log.append(entries(1, 0, 2)).unwrap();
    log.sync().unwrap();
    armed.store(true, Ordering::SeqCst);
    log.append(entries(1, 2, 3)).unwrap();
    let (tx, rx) = mpsc::sync_channel(1);
    log.flush(Some(tx)).unwrap();
    let error = log.sync().unwrap_err();
    let Error::Failed { cause } = &error else {
        panic!("{error:?}")
    };
    assert!(
        matches!(cause.as_ref(), Error::Panicked { what: "flush worker", message } if message.contains("boom")),
        "{cause:?}"
    );
    let queued = rx.recv().expect("the queued flush gets its outcome");
    assert_eq!(queued.unwrap_err().kind(), ErrorKind::Failed);
    assert_eq!(
        log.append(entries(1, 3, 4)).unwrap_err().kind(),
        ErrorKind::Failed
    );
    drop(log);
}

/// With no flush to wake the worker thread, every sync runs the write and the
/// `fdatasync` on the caller's own thread: the point of the call.
#[test]
fn sync_runs_on_the_callers_thread_when_the_worker_sleeps() {
    let threads = Arc::new(Mutex::new(Vec::new()));
    let seen = threads.clone();
    let storage: Arc<dyn Storage> = Arc::new(Hooked::new(
        Arc::new(MemStorage::new()),
        Hooks {
            before_sync: Some(Box::new(move || {
                let name = std::thread::current().name().map(str::to_string);
                seen.lock().unwrap().push(name);
                Ok(())
            })),
            ..Hooks::default()
        },
    ));
    let mut log = open(&storage, &small_config(WorkerMode::Thread));
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                for i in 0..20 {
                    log.append(entries(1, i, i + 1)).unwrap();
                    log.sync().unwrap();
                }
            })
            .join()
            .unwrap();
    });
    let names = threads.lock().unwrap().clone();
    // Nothing here wakes the worker thread, and it leaves the jobs a sync queued to
    // that sync's caller: every sync runs on the caller, whatever the timing.
    let on_worker = names
        .iter()
        .filter(|n| n.as_deref() == Some("raftwal-flush"))
        .count();
    assert_eq!(on_worker, 0, "syncs ran on the worker thread: {names:?}");
    assert!(names.len() >= 20, "a sync per op at least: {names:?}");
    drop(log);
    let log = RaftLog::<TT>::open_with(storage, small_config(WorkerMode::Thread)).unwrap();
    assert_eq!(read_all(&log), entries(1, 0, 20));
}

#[test]
fn sync_on_a_read_only_log_is_refused() {
    let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let config = small_config(WorkerMode::Thread);
    let mut log: Log = open(&storage, &config);
    log.append(entries(1, 0, 3)).unwrap();
    log.sync().unwrap();
    drop(log);
    let mut log = RaftLog::<TT>::open_read_only_with(storage, config).unwrap();
    assert_eq!(log.sync().unwrap_err().kind(), ErrorKind::ReadOnly);
}
