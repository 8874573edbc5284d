//! FlushTracker through its public API (its concurrency is model-checked in
//! src/flush/model).

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
