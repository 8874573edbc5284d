//! Dropping a log gives every requested flush's callback its outcome, in both worker
//! modes: in thread mode the worker finishes the queue (the flushes complete); in
//! manual mode nobody runs the worker any more, so every flush it had not reported
//! gets `Error::WorkerGone` (and nothing more is written, as in a crash).

mod common;
mod hooked;

use common::*;
use hooked::{Hooked, Hooks};
use raftwal::{Error, ErrorKind, MemStorage, RaftLogWriter, Storage, WorkerMode};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;

fn flush(log: &mut Log) -> Receiver<Result<(), Error>> {
    let (tx, rx) = mpsc::sync_channel(1);
    log.flush(Some(tx)).unwrap();
    rx
}

#[test]
fn thread_mode_drop_completes_every_requested_flush() {
    let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let config = small_config(WorkerMode::Thread);
    let mut log = open(&storage, &config);
    let mut receivers = Vec::new();
    for i in 0..20 {
        log.append(entries(1, i, i + 1)).unwrap();
        receivers.push(flush(&mut log));
    }
    drop(log); // no wait: the queue is still full
    for rx in receivers {
        rx.recv().expect("an outcome").expect("completed");
    }
    let log = open(&storage, &config);
    assert_eq!(read_all(&log), entries(1, 0, 20));
}

/// In manual mode a flush can be anywhere when the log is dropped: queued, in the
/// worker's round, or waiting for the round's sync. Each gets `WorkerGone`.
#[test]
fn manual_mode_drop_reports_every_flush_wherever_it_is() {
    for steps in 0..4 {
        let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
        let config = small_config(WorkerMode::Manual);
        let mut log = open(&storage, &config);
        log.append(entries(1, 0, 2)).unwrap();
        let first = flush(&mut log);
        // 0 steps: queued; 1: the write done, the flush still in the round; 2: the
        // flush waiting for the sync; 3: synced and reported.
        for _ in 0..steps {
            assert!(log.run_worker_step());
        }
        log.append(entries(1, 2, 3)).unwrap();
        let second = flush(&mut log);
        drop(log);
        let first = first.recv().expect("the first flush gets an outcome");
        if steps == 3 {
            first.expect("reported before the drop");
        } else {
            assert_eq!(first.unwrap_err().kind(), ErrorKind::WorkerGone, "{steps}");
        }
        let second = second.recv().expect("the second flush gets an outcome");
        assert_eq!(second.unwrap_err().kind(), ErrorKind::WorkerGone, "{steps}");
        // Nothing was lost that was acknowledged, and the log reopens.
        let log = open(&storage, &config);
        let recovered = read_all(&log);
        let acked = if steps == 3 { 2 } else { 0 };
        assert!(recovered.len() >= acked && recovered.len() <= 3, "{steps}");
        assert_eq!(recovered[..], entries(1, 0, 3)[..recovered.len()]);
    }
}

/// After a failure, the outcome a dropped manual-mode log gives is the failure.
#[test]
fn manual_mode_drop_after_a_failure_reports_the_failure() {
    let inner: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let storage: Arc<dyn Storage> = Arc::new(Hooked::new(
        inner.clone(),
        Hooks {
            before_sync: Some(Box::new(|| Err(std::io::Error::other("EIO")))),
            ..Hooks::default()
        },
    ));
    let config = small_config(WorkerMode::Manual);
    let mut log = open(&storage, &config);
    log.append(entries(1, 0, 1)).unwrap();
    let first = flush(&mut log);
    assert!(log.run_worker_step()); // takes the round, writes
    log.append(entries(1, 1, 2)).unwrap();
    let second = flush(&mut log); // queued
    assert!(log.run_worker_step()); // the first flush waits for the sync
    assert!(log.run_worker_step()); // the sync fails
    assert_eq!(log.failure().map(|e| e.kind()), Some(ErrorKind::Failed));
    let first = first.recv().expect("reported at the failure").unwrap_err();
    assert_eq!(first.kind(), ErrorKind::Failed, "{first}");
    drop(log);
    let second = second.recv().expect("reported at the drop").unwrap_err();
    assert_eq!(second.kind(), ErrorKind::Failed, "{second}");
}

/// A panicking callback still queued at a manual-mode drop does not make the drop
/// panic.
#[test]
fn manual_mode_drop_survives_a_panicking_callback() {
    #[derive(Debug, Default, Clone, PartialEq, Eq)]
    struct BoxTypes;
    impl raftwal::Types for BoxTypes {
        type LogId = (u64, u64);
        type LogPayload = String;
        type Vote = (u64, u64);
        type UserData = String;
        type Callback = Box<dyn FnOnce(Result<(), Error>) + Send + 'static>;
        fn log_index(log_id: &(u64, u64)) -> u64 {
            log_id.1
        }
        fn payload_size(payload: &String) -> u64 {
            payload.len() as u64
        }
    }
    let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let mut log =
        raftwal::RaftLog::<BoxTypes>::open_with(storage, small_config(WorkerMode::Manual)).unwrap();
    log.append(entries(1, 0, 1)).unwrap();
    let (tx, rx) = mpsc::channel();
    log.flush(Some(Box::new(move |result| {
        tx.send(result).unwrap();
        panic!("boom at drop");
    })))
    .unwrap();
    drop(log);
    assert_eq!(
        rx.recv().unwrap().unwrap_err().kind(),
        ErrorKind::WorkerGone
    );
}
