//! The threaded engine under random op sequences: appends, flushes with callbacks
//! (folded when consecutive), syncs, waits for callbacks, votes and commits, with the
//! worker thread running beside the caller, a small flush queue (back-pressure) and
//! small batches (handed to the thread without a flush). The op sequence comes from a
//! seed; the interleaving with the thread is the machine's, perturbed by yields in the
//! disk's writes and syncs. The simulator drives the worker inline; this is where its
//! thread, queue and waits meet real scheduling.
//!
//! Checked: every flush reports exactly once, in order, `Ok`, and only once the disk
//! holds what it covers durably; a sync returns only after every flush requested
//! before it reported; after the worker is idle and the power is lost, every entry
//! and the vote covered by a reported flush or a sync are recovered. Each check was
//! seen to fail once with the engine broken on purpose: syncs of under 200 bytes
//! skipped (reported before durable; with that check off, the reopen after the power
//! loss refuses the log), a sync that returns when the thread holds the worker, and
//! a callback that cannot be folded queued first.

#[macro_use]
mod common;
mod hooked;

use common::entry;
use hooked::{Hooked, Hooks};
use raftwal::{Callback, Config, Error, RaftLog, RaftLogWriter, Storage, WorkerMode};
use raftwal_simdisk::{FaultConfig, SimDisk};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// The chunk file suffix (`format::chunk`).
const CHUNK_SUFFIX: &str = ".wal";

/// Seeds, and ops per seed.
const SEEDS: u64 = 120;
const OPS: usize = 300;

string_types!(
    /// The test types, reporting to a [`Recorder`].
    StressTypes,
    Recorder
);

/// One report: the flushes' ids, whether it was `Ok`, and what was not durable yet
/// when it was (none: everything they cover was).
type Report = (Range<u64>, bool, Option<String>);

/// The flushes reported so far, in report order.
#[derive(Default)]
struct Reports {
    ranges: Mutex<Vec<Report>>,
    reported: Condvar,
}

impl Reports {
    /// Flushes reported so far.
    fn count(&self) -> u64 {
        let ranges = self.ranges.lock().unwrap();
        ranges.iter().map(|(r, _, _)| r.end - r.start).sum()
    }

    /// Waits until at least `count` flushes reported (the callbacks will come: each
    /// flush was accepted).
    fn wait_for(&self, count: u64) {
        let mut ranges = self.ranges.lock().unwrap();
        while ranges.iter().map(|(r, _, _)| r.end - r.start).sum::<u64>() < count {
            ranges = self.reported.wait(ranges).unwrap();
        }
    }
}

/// The callback of flushes `ids` (one, or several folded), which cover the log up to
/// global offset `end`. It folds the next flush's only if both are `foldable`, so
/// that both of the queue's paths run (a callback folded, one queued after another).
struct Recorder {
    ids: Range<u64>,
    end: u64,
    foldable: bool,
    reports: Arc<Reports>,
    disk: SimDisk,
}

impl Recorder {
    /// What of the bytes before `end` the disk does not hold durably, if anything: the
    /// chunk file holding the last of them must be a durable name, synced that far.
    /// (Checked here, reported to the test's thread: a panic in a callback would
    /// leave its flushes unreported.)
    fn not_durable(&self) -> Option<String> {
        let last = self.end.checked_sub(1)?;
        let names = self.disk.file_names_durable();
        let Some(chunk) = names
            .iter()
            .filter_map(|name| name.strip_suffix(CHUNK_SUFFIX)?.parse::<u64>().ok())
            .filter(|&chunk_id| chunk_id <= last)
            .max()
        else {
            return Some(format!("no durable chunk before {last}: {names:?}"));
        };
        let synced = self
            .disk
            .synced_end(&format!("{chunk:020}{CHUNK_SUFFIX}"))
            .unwrap_or(0);
        (chunk + synced < self.end).then(|| {
            format!(
                "chunk {chunk} synced to {synced}, not to {}",
                self.end - chunk
            )
        })
    }
}

impl Callback for Recorder {
    fn send(self, result: Result<(), Error>) {
        let not_durable = if result.is_ok() {
            self.not_durable()
        } else {
            None
        };
        self.reports
            .ranges
            .lock()
            .unwrap()
            .push((self.ids, result.is_ok(), not_durable));
        self.reports.reported.notify_all();
    }

    /// Folds the next flush's recorder of the same reports.
    fn absorb(&mut self, next: Self) -> Result<(), Self> {
        if self.foldable
            && next.foldable
            && Arc::ptr_eq(&self.reports, &next.reports)
            && next.ids.start == self.ids.end
        {
            self.ids.end = next.ids.end;
            self.end = next.end;
            Ok(())
        } else {
            Err(next)
        }
    }
}

/// splitmix64: the op sequence of a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn config() -> Arc<Config> {
    Arc::new(
        Config::new("mem")
            .with_chunk_max_records(16)
            .with_chunk_max_size(8192)
            .with_cache_max_items(8)
            .with_batch_max_bytes(512)
            .with_flush_queue_max_bytes(1024)
            .with_worker_mode(WorkerMode::Thread),
    )
}

/// A storage over `disk` whose writes and syncs yield the thread now and then.
fn perturbed(disk: &SimDisk) -> Arc<dyn Storage> {
    let calls = Arc::new(AtomicU64::new(0));
    let on_sync = calls.clone();
    Arc::new(Hooked::new(
        Arc::new(disk.clone()),
        Hooks {
            before_write: Some(Box::new(move |_| {
                if calls.fetch_add(1, Ordering::Relaxed).is_multiple_of(3) {
                    std::thread::yield_now();
                }
            })),
            before_sync: Some(Box::new(move || {
                if on_sync.fetch_add(1, Ordering::Relaxed).is_multiple_of(2) {
                    std::thread::yield_now();
                }
                Ok(())
            })),
        },
    ))
}

/// What an op covered: (op, entries appended, vote saved) when it was requested.
type Covered = (usize, u64, Option<(u64, u64)>);

/// What the caller did, and what a reported flush or a sync made durable.
#[derive(Default)]
struct Written {
    entries: u64,
    vote: Option<(u64, u64)>,
    flushes: u64,
    /// What the last sync covered: (op, entries, vote).
    synced: Option<Covered>,
    /// What the last flush covered: (op, entries, vote).
    flushed: Option<Covered>,
}

/// Runs seed `seed`; returns the log's statistics before the power loss.
fn run_seed(seed: u64) -> raftwal::Stat {
    let disk = SimDisk::new(seed, FaultConfig::crash_only());
    let storage = perturbed(&disk);
    let mut log = RaftLog::<StressTypes>::open_with(storage, config()).expect("open");
    let reports = Arc::new(Reports::default());
    let mut rng = Rng(seed);
    let mut w = Written::default();
    // The global offset past the last appended record.
    let mut end = 0;
    for op in 0..OPS {
        match rng.below(100) {
            0..=39 => {
                let n = 1 + rng.below(3);
                let batch = (w.entries..w.entries + n).map(|i| entry(1, i));
                end = log.append(batch).unwrap().end();
                w.entries += n;
            }
            40..=64 => {
                let id = w.flushes;
                log.flush(Some(Recorder {
                    ids: id..id + 1,
                    end,
                    foldable: rng.below(2) == 0,
                    reports: reports.clone(),
                    disk: disk.clone(),
                }))
                .unwrap();
                w.flushed = Some((op, w.entries, w.vote));
                w.flushes += 1;
            }
            65..=79 => {
                log.sync().unwrap();
                assert_eq!(
                    reports.count(),
                    w.flushes,
                    "seed {seed} op {op}: a sync returned before the flushes requested before it reported"
                );
                w.synced = Some((op, w.entries, w.vote));
            }
            80..=89 => {
                // Wait for a flush requested so far (the oldest not yet reported, or
                // a later one).
                if w.flushes > 0 {
                    let count = reports.count();
                    if count < w.flushes {
                        reports.wait_for(count + 1 + rng.below(w.flushes - count));
                    }
                }
            }
            90..=94 => {
                let vote = (2 + op as u64, rng.below(3));
                end = log.save_vote(vote).unwrap().end();
                w.vote = Some(vote);
            }
            _ => {
                if w.entries > 0 {
                    end = log.commit((1, w.entries - 1)).unwrap().end();
                }
            }
        }
    }
    log.wait_worker_idle();
    let ranges = reports.ranges.lock().unwrap().clone();
    let mut next = 0;
    for (range, ok, not_durable) in &ranges {
        assert_eq!(
            not_durable, &None,
            "seed {seed}: flushes {range:?} reported Ok before they were durable"
        );
        assert_eq!(
            range.start, next,
            "seed {seed}: reports out of order: {ranges:?}"
        );
        assert!(ok, "seed {seed}: flushes {range:?} failed");
        next = range.end;
    }
    assert_eq!(next, w.flushes, "seed {seed}: not every flush reported");
    // Every flush reported: the later of the last flush and the last sync covers most.
    let (_, durable_entries, durable_vote) = w.synced.max(w.flushed).unwrap_or((0, 0, None));
    let stat = log.stat();
    // Written, never flushed: may or may not survive.
    log.append([entry(1, w.entries)]).unwrap();
    std::mem::forget(log);
    disk.power_loss();
    let log = RaftLog::<StressTypes>::open_with(Arc::new(disk.clone()), config()).expect("reopen");
    let recovered: Vec<_> = log
        .read(0, durable_entries)
        .map(|r| r.expect("read"))
        .collect();
    let expected: Vec<_> = (0..durable_entries).map(|i| entry(1, i)).collect();
    assert_eq!(recovered, expected, "seed {seed}: acknowledged entries");
    let vote = log.log_state().vote;
    assert!(
        vote >= durable_vote && vote <= w.vote,
        "seed {seed}: vote {vote:?}, acknowledged {:?}, last {:?}",
        durable_vote,
        w.vote
    );
    stat
}

#[test]
fn random_ops_beside_the_worker_thread() {
    let stats: Vec<_> = (0..SEEDS).map(run_seed).collect();
    // The paths the sequences are meant to reach, over all seeds: chunks that
    // rotate, writes that merge several batches, and a queue held at its limit
    // (writers waiting for room).
    let closed_chunks: usize = stats.iter().map(|s| s.closed_chunks.len()).sum();
    let merged = stats
        .iter()
        .filter(|s| s.flush.batches > s.flush.writes)
        .count();
    let queue_peak = stats.iter().map(|s| s.flush_queue_peak_bytes).max();
    eprintln!("closed chunks {closed_chunks}, seeds with merged writes {merged}, queue peak {queue_peak:?} B");
    assert!(closed_chunks > 0);
    assert!(merged > 0);
    // Unlimited, the queue peaks at about 1,200 B here; at its 1,024 B limit it holds
    // just under it (1,011 B when this was written).
    assert!(queue_peak >= Some(768), "{queue_peak:?}");
}
