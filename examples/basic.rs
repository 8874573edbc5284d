//! The reference usage of raftwal, end to end: open, vote, append, commit, flush and
//! wait for durability, read, truncate, purge, reopen.
//!
//! Run with `cargo run --example basic`.

use raftwal::{Config, Error, RaftLog, RaftLogWriter, Types};
use std::sync::{mpsc, Arc};

/// The types of this example's log.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Example;

impl Types for Example {
    /// (term, index)
    type LogId = (u64, u64);
    type LogPayload = String;
    /// (term, voted_for)
    type Vote = (u64, u64);
    type UserData = String;
    type Callback = mpsc::SyncSender<Result<(), Error>>;

    fn log_index(log_id: &Self::LogId) -> u64 {
        log_id.1
    }

    fn payload_size(payload: &Self::LogPayload) -> u64 {
        payload.len() as u64
    }
}

/// Flushes and blocks until the worker reports the writes durable.
fn flush_and_wait(log: &mut RaftLog<Example>) -> Result<(), Error> {
    let (tx, rx) = mpsc::sync_channel(1);
    log.flush(Some(tx))?;
    rx.recv().expect("the flush worker reports every flush")
}

fn main() -> Result<(), Error> {
    // Removed when `dir` drops, even if a step below panics.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = Arc::new(Config::new(dir.path()).with_chunk_max_records(100));

    let mut log = RaftLog::<Example>::open(config.clone())?;
    log.save_vote((1, 1))?;
    for i in 0..250 {
        log.append([((1, i), format!("command {i}"))])?;
    }
    log.commit((1, 200))?;
    log.save_user_data(Some("members: 1, 2, 3".to_string()))?;
    flush_and_wait(&mut log)?;
    println!("wrote 250 entries; {}", log.stat());

    // A new leader in term 2 overwrites the uncommitted tail.
    log.truncate(240)?;
    log.save_vote((2, 3))?;
    log.append((240..245).map(|i| ((2, i), format!("term 2 command {i}"))))?;

    // A snapshot covers everything up to 199: purge it (whole chunks are removed).
    log.purge((1, 199))?;
    flush_and_wait(&mut log)?;
    log.wait_worker_idle();
    println!("after truncate and purge; {}", log.stat());

    // Invalid operations are rejected and change nothing.
    let err = log.save_vote((1, 9)).unwrap_err();
    println!("rejected as expected: {err}");

    drop(log);
    let log = RaftLog::<Example>::open(config)?;
    let state = log.log_state();
    println!("reopened: {state:?}");
    let tail: Vec<_> = log.read(238, 245).collect::<Result<_, _>>()?;
    for (log_id, payload) in &tail {
        println!("  {log_id:?} {payload}");
    }
    assert_eq!(state.vote, Some((2, 3)));
    assert_eq!(state.purged, Some((1, 199)));
    assert_eq!(state.last, Some((2, 244)));
    assert_eq!(tail.len(), 7);
    assert_eq!(tail[2], ((2, 240), "term 2 command 240".to_string()));
    assert_eq!(log.read(200, 245).count(), 45);
    drop(log);
    println!("ok");
    Ok(())
}
