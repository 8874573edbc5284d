//! FlushTracker through its public API (its concurrency is model-checked in
//! src/flush/model).

#[macro_use]
mod common;

use raftwal::{Callback, Error, FlushTracker, FLUSH_TRACKER_SPINS_DEFAULT};

#[test]
fn sleeps_at_once_by_default() {
    assert_eq!(FLUSH_TRACKER_SPINS_DEFAULT, 0);
}

#[test]
fn counts_outcomes_and_keeps_the_first_error() {
    let tracker = FlushTracker::with_spins(0);
    tracker.clone().send(Ok(()));
    assert_eq!(tracker.acked(), 1);
    assert!(tracker.wait_acked(1).is_ok());
    tracker.clone().send(Err(Error::WorkerGone));
    tracker.clone().send(Err(Error::Failed {
        cause: Box::new(Error::WorkerGone),
    }));
    assert_eq!(tracker.acked(), 3);
    let err = tracker.wait_acked(3).unwrap_err();
    assert!(matches!(err, Error::WorkerGone), "{err}");
}

#[test]
fn a_sleeping_waiter_is_woken_by_the_last_outcome() {
    for spins in [0, 1 << 10] {
        let tracker = FlushTracker::with_spins(spins);
        let sender = tracker.clone();
        let thread = std::thread::spawn(move || {
            for _ in 0..1000 {
                sender.clone().send(Ok(()));
            }
        });
        // Whatever the interleaving, the wait returns only once all 1000 arrived.
        tracker.wait_acked(1000).unwrap();
        assert_eq!(tracker.acked(), 1000);
        thread.join().unwrap();
    }
}

#[test]
fn absorbs_its_own_clones_only() {
    let tracker = FlushTracker::with_spins(0);
    let other = FlushTracker::with_spins(0);
    let mut first = tracker.clone();
    for _ in 0..4 {
        assert!(first.absorb(tracker.clone()).is_ok());
    }
    let refused = first.absorb(other.clone()).unwrap_err();
    first.send(Ok(()));
    assert_eq!(tracker.acked(), 5, "one send reports the five flushes");
    assert_eq!(other.acked(), 0);
    // A clone of a handle that absorbed others reports one flush, not theirs.
    let mut folded = tracker.clone();
    folded.absorb(tracker.clone()).unwrap();
    folded.clone().send(Ok(()));
    assert_eq!(tracker.acked(), 6);
    folded.send(Ok(()));
    assert_eq!(tracker.acked(), 8);
    refused.send(Ok(()));
    assert_eq!(other.acked(), 1);
}

string_types!(TrackedTypes, FlushTracker);

/// Opens a log of `T` in manual mode (nothing runs the worker until asked), appends
/// 100 entries with a flush after each reporting to `mine()`, and one more flush
/// reporting to `theirs` after entry 50, and returns the log with all of it queued:
/// every flush then joins the worker's next sync.
fn flush_100_around_another<T>(
    mine: impl Fn() -> T::Callback,
    theirs: T::Callback,
) -> raftwal::RaftLog<T>
where
    T: raftwal::Types<LogId = (u64, u64), LogPayload = String>,
{
    use raftwal::{Config, MemStorage, RaftLog, RaftLogWriter, WorkerMode};
    use std::sync::Arc;
    let config = Config::new("mem").with_worker_mode(WorkerMode::Manual);
    let storage = Arc::new(MemStorage::new());
    let mut log = RaftLog::<T>::open_with(storage, Arc::new(config)).unwrap();
    let mut theirs = Some(theirs);
    for i in 0..100 {
        log.append([((1, i), format!("entry {i}"))]).unwrap();
        log.flush(Some(mine())).unwrap();
        if i == 50 {
            log.flush(theirs.take()).unwrap();
        }
    }
    log
}

/// The log folds the consecutive flushes of one tracker into one report, and every
/// flush is still counted exactly once, another tracker's kept apart.
#[test]
fn a_log_counts_every_flush_of_folded_trackers() {
    let tracker = FlushTracker::with_spins(0);
    let other = FlushTracker::with_spins(0);
    let log = flush_100_around_another::<TrackedTypes>(|| tracker.clone(), other.clone());
    assert_eq!(tracker.acked(), 0, "nothing ran the worker yet");
    log.wait_worker_idle();
    assert_eq!(tracker.acked(), 100);
    assert_eq!(other.acked(), 1);
    tracker.wait_acked(100).unwrap();
}

/// A callback that counts its sends and the flushes they report, and folds callbacks
/// of the same counter.
#[derive(Debug)]
struct Counted {
    counter: std::sync::Arc<(std::sync::atomic::AtomicU64, std::sync::atomic::AtomicU64)>,
    flushes: u64,
}

impl Callback for Counted {
    fn send(self, result: Result<(), Error>) {
        use std::sync::atomic::Ordering;
        result.unwrap();
        self.counter.0.fetch_add(1, Ordering::SeqCst);
        self.counter.1.fetch_add(self.flushes, Ordering::SeqCst);
    }

    fn absorb(&mut self, next: Self) -> Result<(), Self> {
        if !std::sync::Arc::ptr_eq(&self.counter, &next.counter) {
            return Err(next);
        }
        self.flushes += next.flushes;
        Ok(())
    }
}

string_types!(CountedTypes, Counted);

/// The log folds the consecutive callbacks one sync reports: 100 flushes of one
/// counter with another's after the 51st are three sends.
#[test]
fn a_log_folds_consecutive_callbacks_of_one_sync() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let mine = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
    let theirs = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
    let callback = |counter: &Arc<(AtomicU64, AtomicU64)>| Counted {
        counter: counter.clone(),
        flushes: 1,
    };
    let log = flush_100_around_another::<CountedTypes>(|| callback(&mine), callback(&theirs));
    log.wait_worker_idle();
    let counts =
        |c: &Arc<(AtomicU64, AtomicU64)>| (c.0.load(Ordering::SeqCst), c.1.load(Ordering::SeqCst));
    assert_eq!(counts(&mine), (2, 100), "(sends, flushes reported)");
    assert_eq!(counts(&theirs), (1, 1));
}
