//! The `ops` target: arbitrary sequences of operations on a log in memory. Checked
//! against no model (the simulator has one): nothing panics, every rejected operation
//! leaves the log as it was, the log stays consistent, and a reopen after a flush shows
//! exactly the log before the close.
//!
//! Input layout: pairs `op u8, arg u8`, at most [`OPS_MAX`] of them; `op % 10` picks
//! the operation, `arg` its argument (log ids are picked near the log's own, so that
//! most operations are valid and some are not).

use super::open::{check_consistent, durable_view, flush_and_wait, fuzz_config};
use super::FuzzTypes;
use crate::log::{RaftLog, RaftLogWriter};
use crate::storage::{MemStorage, Storage};
use std::sync::Arc;

/// Operations run at most per input.
pub const OPS_MAX: usize = 200;

type Log = RaftLog<FuzzTypes>;

/// The target: see the module documentation for the input layout.
pub fn ops(data: &[u8]) {
    let storage: Arc<dyn Storage> = Arc::new(MemStorage::new());
    let mut log = Log::open_with(storage.clone(), fuzz_config()).expect("an empty log opens");
    for pair in data.chunks(2).take(OPS_MAX) {
        let (op, arg) = (pair[0], pair.get(1).copied().unwrap_or(0));
        log = step(log, &storage, op, arg);
    }
    reopen(log, &storage);
}

/// The log id of entry `index` if the log has it, else `(term of the last, index)`.
fn id_at(log: &Log, index: u64) -> (u64, u64) {
    let next = log.log_state().next_index();
    if index >= log.first_index() && index < next {
        if let Some(Ok((id, _))) = log.read(index, index + 1).next() {
            return id;
        }
    }
    let term = log.log_state().last.map_or(1, |(term, _)| term);
    (term, index)
}

fn step(mut log: Log, storage: &Arc<dyn Storage>, op: u8, arg: u8) -> Log {
    let first = log.first_index();
    let next = log.log_state().next_index();
    let span = next - first + 2;
    // An index from just before the log to just past it.
    let near = (first + u64::from(arg) % span).saturating_sub(1);
    let before = log.dump_data();
    let result = match op % 10 {
        0 => {
            let (term, _) = id_at(&log, next.saturating_sub(1));
            // Mostly the next index and the same or a higher term; sometimes a gap or
            // a lower term, which must be refused.
            let term = (term + u64::from(arg >> 4) % 3).saturating_sub(1).max(1);
            let start = next + u64::from(arg >> 6 == 3);
            let count = 1 + u64::from(arg % 4);
            let entries =
                (start..start + count).map(|i| ((term, i), vec![arg; usize::from(arg % 7)]));
            log.append(entries.collect::<Vec<_>>()).map(drop)
        }
        1 => log.commit(id_at(&log, near)).map(drop),
        2 => log.truncate(near).map(drop),
        3 => log.purge(id_at(&log, near)).map(drop),
        4 => log
            .save_vote((u64::from(arg >> 4), u64::from(arg & 15)))
            .map(drop),
        5 => {
            let data = (!arg.is_multiple_of(3)).then(|| vec![arg; usize::from(arg % 5)]);
            log.save_user_data(data).map(drop)
        }
        6 => {
            flush_and_wait(&mut log);
            Ok(())
        }
        7 => {
            log.run_worker_step();
            Ok(())
        }
        8 => return reopen(log, storage),
        _ => {
            let mut state = log.log_state().clone();
            state.user_data = Some(vec![arg]);
            if arg & 1 == 1 {
                state.committed = Some(id_at(&log, near));
            }
            log.update_state(state).map(drop)
        }
    };
    if let Err(e) = result {
        assert!(log.failure().is_none(), "the log failed: {e}");
        assert_eq!(
            log.dump_data(),
            before,
            "a rejected op changed the log: {e}"
        );
    }
    log
}

/// Flushes, closes and reopens: the reopened log is the log before the close.
fn reopen(mut log: Log, storage: &Arc<dyn Storage>) -> Log {
    flush_and_wait(&mut log);
    check_consistent(&log);
    let closed = durable_view(log.dump_data());
    let entries = all_entries(&log);
    drop(log);
    let log = Log::open_with(storage.clone(), fuzz_config())
        .unwrap_or_else(|e| panic!("the log does not reopen: {e}"));
    assert!(
        log.recovery_report().dropped.is_empty(),
        "a reopen after a flush dropped bytes: {:?}",
        log.recovery_report()
    );
    assert_eq!(durable_view(log.dump_data()), closed, "reopen");
    // The payloads too: the view compares ids, offsets and sizes only.
    assert_eq!(
        all_entries(&log),
        entries,
        "the entries read after the reopen"
    );
    check_consistent(&log);
    log
}

/// Every entry of `log`, read.
fn all_entries(log: &Log) -> Vec<((u64, u64), Vec<u8>)> {
    log.read(log.first_index(), log.log_state().next_index())
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("a read of the whole log: {e}"))
}
