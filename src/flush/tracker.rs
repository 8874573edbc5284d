//! [`FlushTracker`]: a flush callback that counts acknowledgements, for a caller that
//! waits for its own flushes.

use super::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use super::sync::{spin_loop, Condvar, Mutex};
use crate::error::Error;
use crate::types::Callback;
use std::sync::Arc;

/// Spins of [`FlushTracker::wait_acked`] before it sleeps, by default: none. A
/// library should not busy-wait by default: on a busy 2-core machine the former
/// default (65,536 `spin_loop` hints, about 1.7 ms) halved the `sync` benchmark under
/// CPU load (`sync-loaded`, bench/src/sync.rs) and burned a core while
/// waiting, for no clear gain on an idle machine.
pub const FLUSH_TRACKER_SPINS_DEFAULT: u32 = 0;

/// Counts the acknowledged flushes of a log, and lets the caller wait until a given
/// number of them arrived.
///
/// Pass a clone to every flush (`log.flush(Some(tracker.clone()))`, a reference count
/// increment), count the flushes issued, and call [`FlushTracker::wait_acked`] with
/// that count. The wait sleeps on a condition variable, like a channel receive.
/// [`FlushTracker::with_spins`]`(n)` spins `n` times (`spin_loop` hints; no clock, no
/// sleep) first: on an idle machine with cores to spare, a caller that waits for each
/// flush may then run again as soon as the worker reports instead of one thread
/// wake-up later, at the price of one busy core while it spins (and slower when the
/// cores are busy: measure before you use it).
///
/// ```
/// use raftwal::FlushTracker;
/// # use raftwal::{Config, Error, MemStorage, RaftLog, RaftLogWriter, Types};
/// # use std::sync::Arc;
/// # #[derive(Debug, Default, Clone, PartialEq, Eq)]
/// # struct T;
/// # impl Types for T {
/// #     type LogId = (u64, u64);
/// #     type LogPayload = String;
/// #     type Vote = (u64, u64);
/// #     type UserData = String;
/// #     type Callback = FlushTracker;
/// #     fn log_index(id: &(u64, u64)) -> u64 { id.1 }
/// #     fn payload_size(p: &String) -> u64 { p.len() as u64 }
/// # }
/// # let storage = Arc::new(MemStorage::new());
/// # let mut log = RaftLog::<T>::open_with(storage, Arc::new(Config::new("mem")))?;
/// let tracker = FlushTracker::new();
/// for i in 0..3 {
///     log.append([((1, i), format!("entry {i}"))])?;
///     log.flush(Some(tracker.clone()))?;
///     tracker.wait_acked(i + 1)?; // entry i is durable
/// }
/// assert_eq!(tracker.acked(), 3);
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug)]
pub struct FlushTracker {
    shared: Arc<TrackerShared>,
    /// Flushes this handle reports when it is sent: 1, plus those of the clones it
    /// absorbed ([`Callback::absorb`]).
    flushes: u64,
}

/// A handle for one more flush (its own count is 1, whatever `self` absorbed).
impl Clone for FlushTracker {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
            flushes: 1,
        }
    }
}

#[derive(Debug)]
struct TrackerShared {
    /// Flushes reported so far, successful or not.
    acked: AtomicU64,
    /// Waiters asleep (or about to sleep) on `wake`.
    sleepers: AtomicU32,
    /// The first error any flush reported.
    first_error: Mutex<Option<Error>>,
    /// `first_error` is set (set before the failed outcome is counted), so that a
    /// wait that saw only successes takes no lock.
    failed: AtomicBool,
    /// Guards sleeping; `wake` is notified under it.
    sleep: Mutex<()>,
    wake: Condvar,
    spins: u32,
}

impl Default for FlushTracker {
    fn default() -> Self {
        Self::new()
    }
}

impl FlushTracker {
    /// A tracker with no flush acknowledged that sleeps at once when it waits
    /// ([`FLUSH_TRACKER_SPINS_DEFAULT`] spins).
    pub fn new() -> Self {
        Self::with_spins(FLUSH_TRACKER_SPINS_DEFAULT)
    }

    /// A tracker that spins `spins` times (`spin_loop` hints) before it sleeps.
    pub fn with_spins(spins: u32) -> Self {
        Self {
            shared: Arc::new(TrackerShared {
                acked: AtomicU64::new(0),
                sleepers: AtomicU32::new(0),
                first_error: Mutex::new(None),
                failed: AtomicBool::new(false),
                sleep: Mutex::new(()),
                wake: Condvar::new(),
                spins,
            }),
            flushes: 1,
        }
    }

    /// How many flushes reported their outcome so far (successes and errors).
    pub fn acked(&self) -> u64 {
        self.shared.acked.load(Ordering::Acquire)
    }

    /// The first error a flush reported, if any.
    pub fn first_error(&self) -> Option<Error> {
        self.shared.first_error.lock().clone()
    }

    /// Waits until at least `count` flushes reported their outcome. Returns the first
    /// error any flush reported (the log refuses writes after a failure, so every
    /// later flush reports an error too), else `Ok`. Never returns before `count`
    /// outcomes arrived: waiting for more flushes than were issued waits forever.
    pub fn wait_acked(&self, count: u64) -> Result<(), Error> {
        let shared = &*self.shared;
        let mut spins = 0;
        while shared.acked.load(Ordering::Acquire) < count {
            if spins == shared.spins {
                self.sleep_until(count);
                break;
            }
            spins += 1;
            spin_loop();
        }
        if !shared.failed.load(Ordering::Acquire) {
            return Ok(());
        }
        match self.first_error() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn sleep_until(&self, count: u64) {
        let shared = &*self.shared;
        let mut guard = shared.sleep.lock();
        shared.sleepers.fetch_add(1, Ordering::SeqCst);
        // `record` adds to `acked` before it reads `sleepers` (both SeqCst): either it
        // sees this sleeper and notifies under the lock, or this load sees its count.
        while shared.acked.load(Ordering::SeqCst) < count {
            shared.wake.wait(&mut guard);
        }
        shared.sleepers.fetch_sub(1, Ordering::SeqCst);
    }

    /// Records the outcome of this handle's flushes (what [`Callback::send`] does).
    fn record(&self, result: Result<(), Error>) {
        debug_assert!(self.flushes >= 1, "a tracker handle reports no flush");
        let shared = &*self.shared;
        if let Err(e) = result {
            let mut first = shared.first_error.lock();
            if first.is_none() {
                *first = Some(e);
                shared.failed.store(true, Ordering::Release);
            }
        }
        shared.acked.fetch_add(self.flushes, Ordering::SeqCst);
        if shared.sleepers.load(Ordering::SeqCst) > 0 {
            let _guard = shared.sleep.lock();
            shared.wake.notify_all();
        }
    }
}

impl Callback for FlushTracker {
    fn send(self, result: Result<(), Error>) {
        self.record(result);
    }

    /// Folds a clone of the same tracker: its flushes are counted when `self` is sent.
    /// A clone of another tracker is returned.
    fn absorb(&mut self, next: Self) -> Result<(), Self> {
        if !Arc::ptr_eq(&self.shared, &next.shared) {
            return Err(next);
        }
        self.flushes += next.flushes;
        Ok(())
    }
}
