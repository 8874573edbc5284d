//! A flush callback that panics fails the log like an I/O failure, in both worker
//! modes: every other callback still gets its outcome, later writes are refused until
//! reopen, and what was acknowledged survives the reopen.

#[macro_use]
mod common;
mod hooked;

use hooked::{Hooked, Hooks};
use raftwal::{Config, Error, ErrorKind, MemStorage, RaftLog, RaftLogWriter, Storage, WorkerMode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};

type BoxCallback = Box<dyn FnOnce(Result<(), Error>) + Send + 'static>;

string_types!(
    /// The test types, with a boxed closure for a callback.
    BoxTypes,
    BoxCallback
);

type Log = RaftLog<BoxTypes>;

fn config(mode: WorkerMode) -> Arc<Config> {
    Arc::new(Config::new("mem").with_worker_mode(mode))
}

fn entries(from: u64, to: u64) -> Vec<((u64, u64), String)> {
    (from..to).map(|i| ((1, i), format!("entry {i}"))).collect()
}

/// A callback that sends its outcome to the returned receiver.
fn recorder() -> (BoxCallback, Receiver<Result<(), Error>>) {
    let (tx, rx) = mpsc::channel();
    let callback: BoxCallback = Box::new(move |result| {
        let _ = tx.send(result);
    });
    (callback, rx)
}

fn panicking() -> BoxCallback {
    Box::new(|_| panic!("boom in a flush callback"))
}

/// The log's failure is `Failed` caused by a panicking flush callback.
fn assert_failed_by_callback_panic(error: &Error) {
    match error {
        Error::Failed { cause } => match cause.as_ref() {
            Error::Panicked { what, message } => {
                assert_eq!(*what, "flush callback");
                assert!(message.contains("boom"), "{message}");
            }
            other => panic!("cause {other:?}, expected Panicked"),
        },
        other => panic!("{other:?}, expected Failed"),
    }
}

/// Every write is refused until reopen, with the failure.
fn assert_refuses_writes(log: &mut Log, next: u64) {
    let failure = log.failure().expect("the log failed");
    assert_failed_by_callback_panic(&failure);
    assert_failed_by_callback_panic(&log.append(entries(next, next + 1)).unwrap_err());
    assert_failed_by_callback_panic(&log.save_vote((9, 9)).unwrap_err());
    let (callback, rx) = recorder();
    assert_failed_by_callback_panic(&log.flush(Some(callback)).unwrap_err());
    drop(rx);
}

fn reopened_entries(storage: &Arc<dyn Storage>, mode: WorkerMode) -> Vec<((u64, u64), String)> {
    let log = Log::open_with(storage.clone(), config(mode)).expect("reopen after the panic");
    assert!(log.failure().is_none(), "a reopen clears the failure");
    log.read(log.first_index(), log.log_state().next_index())
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_panicking_callback_among_others_in_one_round() {
    for mode in [WorkerMode::Thread, WorkerMode::Manual] {
        let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
        let mut log = Log::open_with(storage.clone(), config(mode)).unwrap();
        log.append(entries(0, 5)).unwrap();
        let (before, before_rx) = recorder();
        let (after, after_rx) = recorder();
        log.flush(Some(before)).unwrap();
        log.flush(Some(panicking())).unwrap();
        log.flush(Some(after)).unwrap();
        log.wait_worker_idle();
        // The writes of the round are durable: both neighbours report Ok, whichever
        // rounds the worker made of them.
        assert!(before_rx.recv().unwrap().is_ok(), "{mode:?}");
        assert!(after_rx.recv().unwrap().is_ok(), "{mode:?}");
        assert_refuses_writes(&mut log, 5);
        drop(log);
        assert_eq!(reopened_entries(&storage, mode), entries(0, 5), "{mode:?}");
    }
}

/// A flush queued after the panicking one gets the failure (its write is not made
/// durable); in thread mode the panicking callback holds its round until the later
/// flush is queued, so the later one is in a round of its own.
#[test]
fn a_flush_after_the_panic_reports_the_failure() {
    for mode in [WorkerMode::Thread, WorkerMode::Manual] {
        let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
        let mut log = Log::open_with(storage.clone(), config(mode)).unwrap();
        log.append(entries(0, 3)).unwrap();
        let (started_tx, started_rx) = mpsc::channel::<()>();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let holding: BoxCallback = Box::new(move |result| {
            assert!(result.is_ok());
            started_tx.send(()).unwrap();
            go_rx.recv().unwrap();
            panic!("boom after the sync");
        });
        log.flush(Some(holding)).unwrap();
        match mode {
            WorkerMode::Thread => started_rx.recv().unwrap(),
            WorkerMode::Manual => {
                // Takes the round and processes its write; the next step syncs and
                // calls back, after the later flush is queued.
                assert!(log.run_worker_step());
                go_tx.send(()).unwrap();
            }
        }
        // The append is accepted: the panic has not happened yet.
        log.append(entries(3, 4)).unwrap();
        let (later, later_rx) = recorder();
        log.flush(Some(later)).unwrap();
        if mode == WorkerMode::Thread {
            go_tx.send(()).unwrap();
        }
        log.wait_worker_idle();
        assert_eq!(started_rx.try_recv().is_ok(), mode == WorkerMode::Manual);
        let later = later_rx.recv().expect("the later flush gets its outcome");
        assert_failed_by_callback_panic(&later.unwrap_err());
        assert_refuses_writes(&mut log, 4);
        drop(log);
        // Acknowledged: entries 0..3. Entry 3 was never acknowledged (its flush
        // reported the failure): it may or may not be there.
        let recovered = reopened_entries(&storage, mode);
        assert_eq!(recovered[..3], entries(0, 3)[..], "{mode:?}");
        assert!(recovered.len() <= 4);
    }
}

/// The worker thread survives a panicking callback: the log drops cleanly, the
/// directory lock is released and the log reopens writable.
#[test]
fn the_log_reopens_writable_after_a_callback_panic() {
    for mode in [WorkerMode::Thread, WorkerMode::Manual] {
        let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
        let mut log = Log::open_with(storage.clone(), config(mode)).unwrap();
        log.append(entries(0, 2)).unwrap();
        log.flush(Some(panicking())).unwrap();
        log.wait_worker_idle();
        assert_eq!(log.failure().map(|e| e.kind()), Some(ErrorKind::Failed));
        drop(log);
        let mut log = Log::open_with(storage.clone(), config(mode)).unwrap();
        log.append(entries(2, 3)).unwrap();
        let (callback, rx) = recorder();
        log.flush(Some(callback)).unwrap();
        log.wait_worker_idle();
        rx.recv().unwrap().unwrap();
        drop(log);
        assert_eq!(reopened_entries(&storage, mode), entries(0, 3));
    }
}

/// A panic of the worker itself (here its storage's `sync_data`) is caught on the
/// worker thread too: the log fails with a cause that says so, every queued callback
/// gets the failure, and the thread's end does not hide it.
#[test]
fn a_panicking_storage_fails_the_log_and_reports_to_every_callback() {
    let inner: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let armed = Arc::new(AtomicBool::new(false));
    let hook_armed = armed.clone();
    // Once armed, the next sync waits until every flush below is queued, then panics.
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let go_rx = Mutex::new(go_rx);
    let storage: Arc<dyn Storage> = Arc::new(Hooked::new(
        inner.clone(),
        Hooks {
            before_sync: Some(Box::new(move || {
                if hook_armed.load(Ordering::SeqCst) {
                    let _ = go_rx.lock().unwrap().recv();
                    panic!("boom in sync_data");
                }
                Ok(())
            })),
            ..Hooks::default()
        },
    ));
    let mut log = Log::open_with(storage, config(WorkerMode::Thread)).unwrap();
    log.append(entries(0, 2)).unwrap();
    let (first, first_rx) = recorder();
    log.flush(Some(first)).unwrap();
    log.wait_worker_idle();
    first_rx.recv().unwrap().unwrap();
    armed.store(true, Ordering::SeqCst);
    let receivers: Vec<_> = (2..6)
        .map(|i| {
            log.append(entries(i, i + 1)).unwrap();
            let (callback, rx) = recorder();
            log.flush(Some(callback)).unwrap();
            rx
        })
        .collect();
    go_tx.send(()).unwrap();
    log.wait_worker_idle();
    for rx in receivers {
        let error = rx
            .recv()
            .expect("every callback gets its outcome")
            .unwrap_err();
        let Error::Failed { cause } = &error else {
            panic!("{error:?}")
        };
        assert!(
            matches!(cause.as_ref(), Error::Panicked { what: "flush worker", message } if message.contains("boom")),
            "{cause:?}"
        );
    }
    assert_eq!(log.failure().map(|e| e.kind()), Some(ErrorKind::Failed));
    assert_eq!(
        log.append(entries(6, 7)).unwrap_err().kind(),
        ErrorKind::Failed
    );
    drop(log);
    let recovered = reopened_entries(&inner, WorkerMode::Thread);
    assert_eq!(recovered[..2], entries(0, 2)[..]);
}
