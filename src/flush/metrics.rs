//! Flush metrics: what the worker wrote and synced, and how long it took.
//!
//! Counts (writes, bytes, batches, syncs) are kept in every mode. Durations need a
//! clock, and the clock is chosen by whoever makes the log: [`Clock::Monotonic`] for a
//! log whose worker runs on its thread, [`Clock::Off`] in `WorkerMode::Manual`, so
//! that the worker's state machine, as the simulator drives it, never reads the time
//! and stays deterministic (its durations then stay empty).
//!
//! The counters are plain std atomics, even where the flush protocol is model-checked:
//! they order nothing, and the log only reads them for [`crate::Stat`].

use crate::stat::{Distribution, FlushStat};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Where durations come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clock {
    /// `Instant::now`.
    Monotonic,
    /// No clock: durations are not measured.
    Off,
}

impl Clock {
    /// The time now, if this clock tells it.
    pub(crate) fn now(self) -> Option<Instant> {
        match self {
            Clock::Monotonic => Some(Instant::now()),
            Clock::Off => None,
        }
    }
}

/// Microseconds since `start` (0 without a start: no clock).
fn elapsed_us(start: Option<Instant>) -> Option<u64> {
    start.map(|start| u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX))
}

/// The worker's counters and duration histograms, shared with the log.
pub(crate) struct FlushMetrics {
    clock: Clock,
    writes: AtomicU64,
    write_bytes: AtomicU64,
    batches: AtomicU64,
    syncs: AtomicU64,
    write_size_bytes: Histogram,
    write_latency_us: Histogram,
    sync_latency_us: Histogram,
    queue_wait_us: Histogram,
}

impl FlushMetrics {
    pub(crate) fn new(clock: Clock) -> Self {
        Self {
            clock,
            writes: AtomicU64::new(0),
            write_bytes: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            syncs: AtomicU64::new(0),
            write_size_bytes: Histogram::new(),
            write_latency_us: Histogram::new(),
            sync_latency_us: Histogram::new(),
            queue_wait_us: Histogram::new(),
        }
    }

    /// The time now, if durations are measured.
    pub(crate) fn now(&self) -> Option<Instant> {
        self.clock.now()
    }

    /// A write job reached the worker: it was queued at `queued_at`.
    pub(crate) fn dequeued(&self, queued_at: Option<Instant>) {
        if let Some(us) = elapsed_us(queued_at) {
            self.queue_wait_us.record(us);
        }
    }

    /// The worker wrote `bytes` holding `batches` batches, starting at `started`.
    pub(crate) fn wrote(&self, bytes: u64, batches: u64, started: Option<Instant>) {
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.write_bytes.fetch_add(bytes, Ordering::Relaxed);
        self.batches.fetch_add(batches, Ordering::Relaxed);
        self.write_size_bytes.record(bytes);
        if let Some(us) = elapsed_us(started) {
            self.write_latency_us.record(us);
        }
    }

    /// A `sync_data` started at `started` returned `Ok`.
    pub(crate) fn synced(&self, started: Option<Instant>) {
        self.syncs.fetch_add(1, Ordering::Relaxed);
        if let Some(us) = elapsed_us(started) {
            self.sync_latency_us.record(us);
        }
    }

    /// What the counters say now.
    pub(crate) fn stat(&self) -> FlushStat {
        FlushStat {
            writes: self.writes.load(Ordering::Relaxed),
            write_bytes: self.write_bytes.load(Ordering::Relaxed),
            batches: self.batches.load(Ordering::Relaxed),
            syncs: self.syncs.load(Ordering::Relaxed),
            write_size_bytes: self.write_size_bytes.distribution(),
            write_latency_us: self.write_latency_us.distribution(),
            sync_latency_us: self.sync_latency_us.distribution(),
            queue_wait_us: self.queue_wait_us.distribution(),
        }
    }
}

/// Sub-buckets per power of two: values are kept to within 1/8 (12.5%).
const SUB_BUCKET_BITS: u32 = 3;
const SUB_BUCKETS: u64 = 1 << SUB_BUCKET_BITS;
/// Values below `SUB_BUCKETS` have a bucket each; above, `SUB_BUCKETS` per power of 2.
const BUCKETS: usize = ((64 - SUB_BUCKET_BITS as usize) + 1) * SUB_BUCKETS as usize;

/// A histogram of `u64` values in logarithmic buckets (a value's bucket holds values
/// within 12.5% of it), recorded with relaxed atomics, so that recording costs two
/// atomic adds and a `fetch_max`, and reading is a consistent-enough snapshot.
struct Histogram {
    buckets: Box<[AtomicU64]>,
    count: AtomicU64,
    max: AtomicU64,
}

impl Histogram {
    fn new() -> Self {
        Self {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            max: AtomicU64::new(0),
        }
    }

    fn record(&self, value: u64) {
        self.buckets[bucket_of(value)].fetch_add(1, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
        self.max.fetch_max(value, Ordering::Relaxed);
    }

    fn distribution(&self) -> Distribution {
        let counts: Vec<u64> = self
            .buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect();
        let count: u64 = counts.iter().sum();
        let max = self.max.load(Ordering::Relaxed);
        let quantile = |per_mille: u64| -> u64 {
            if count == 0 {
                return 0;
            }
            // The smallest value with at least `per_mille`/1000 of the values at or
            // below it, reported as its bucket's upper bound (never above the max).
            let rank = (count * per_mille).div_ceil(1000).max(1);
            let mut seen = 0;
            for (bucket, n) in counts.iter().enumerate() {
                seen += n;
                if seen >= rank {
                    return bucket_upper_bound(bucket).min(max);
                }
            }
            max
        };
        Distribution {
            count,
            p50: quantile(500),
            p99: quantile(990),
            p999: quantile(999),
            max,
        }
    }
}

/// The bucket of `value`.
fn bucket_of(value: u64) -> usize {
    if value < SUB_BUCKETS {
        return value as usize;
    }
    let log2 = 63 - value.leading_zeros(); // >= SUB_BUCKET_BITS
    let shift = log2 - SUB_BUCKET_BITS;
    let sub = (value >> shift) & (SUB_BUCKETS - 1);
    ((u64::from(shift) + 1) * SUB_BUCKETS + sub) as usize
}

/// The largest value of bucket `bucket`.
fn bucket_upper_bound(bucket: usize) -> u64 {
    let bucket = bucket as u64;
    if bucket < SUB_BUCKETS {
        return bucket;
    }
    let shift = bucket / SUB_BUCKETS - 1;
    let sub = bucket % SUB_BUCKETS;
    let lower = (SUB_BUCKETS + sub) << shift;
    lower + ((1u64 << shift) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_lies_in_its_bucket_and_buckets_are_ordered() {
        let mut values: Vec<u64> = (0..2000).collect();
        values.extend((0..64).map(|k| 1u64 << k));
        values.extend((1..64).map(|k| (1u64 << k) - 1));
        values.push(u64::MAX);
        for value in values {
            let bucket = bucket_of(value);
            assert!(bucket < BUCKETS, "{value}");
            assert!(value <= bucket_upper_bound(bucket), "{value}");
            if bucket > 0 {
                assert!(value > bucket_upper_bound(bucket - 1), "{value}");
            }
            // Within 12.5% of the value.
            assert!(bucket_upper_bound(bucket) - value <= value / 8, "{value}");
        }
    }

    #[test]
    fn quantiles_of_a_known_distribution() {
        let histogram = Histogram::new();
        assert_eq!(histogram.distribution().count, 0);
        assert_eq!(histogram.distribution().p99, 0);
        for value in 1..=1000 {
            histogram.record(value);
        }
        let d = histogram.distribution();
        assert_eq!((d.count, d.max), (1000, 1000));
        // Each within 12.5% above the exact quantile.
        assert!((500..=562).contains(&d.p50), "{d:?}");
        assert!((990..=1000).contains(&d.p99), "{d:?}");
        assert!((999..=1000).contains(&d.p999), "{d:?}");
    }

    #[test]
    fn no_clock_measures_no_duration() {
        let metrics = FlushMetrics::new(Clock::Off);
        let start = metrics.now();
        metrics.wrote(100, 2, start);
        metrics.synced(start);
        metrics.dequeued(start);
        let stat = metrics.stat();
        assert_eq!(
            (stat.writes, stat.write_bytes, stat.batches, stat.syncs),
            (1, 100, 2, 1)
        );
        assert_eq!(stat.write_size_bytes.count, 1);
        assert_eq!(stat.write_latency_us.count, 0);
        assert_eq!(stat.sync_latency_us.count, 0);
        assert_eq!(stat.queue_wait_us.count, 0);
    }
}
