//! Where a loop's wall time goes, from the kernel's per-thread scheduler counters
//! (`/proc/self/task/<tid>/schedstat`: nanoseconds on a CPU, nanoseconds runnable
//! but waiting for one).
//!
//! A [`ThreadSample`] holds the counters of every thread of the process except the
//! load spinners ([`crate::cpu_load`], named [`LOAD_THREAD_NAME`]); the difference of
//! two samples ([`ThreadSample::since`]) sums, thread by thread, what each thread
//! alive at the end did since the start (from its birth, for a thread born in
//! between). So a side's figure counts its own threads (raftwal's flush thread,
//! raft-engine's and okaywal's) and the harness thread that drives it. A thread that
//! ends within the span loses its share (a thread of a log dropped just before, such
//! as okaywal's checkpointer, then counts nothing rather than a negative amount); a
//! thread of the measured loop that ends reports its own counters
//! ([`ThreadSample::this_thread`]).

use std::collections::BTreeMap;
use std::fs;

/// The name of every spinning load thread, left out of the sums.
pub const LOAD_THREAD_NAME: &str = "bench-load";

/// Nanoseconds on a CPU and waiting runnable for one, of a thread or a sum of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SchedTimes {
    /// Nanoseconds on a CPU, user and kernel.
    pub on_cpu_ns: u64,
    /// Nanoseconds runnable but waiting for a CPU.
    pub runnable_wait_ns: u64,
}

impl SchedTimes {
    /// Both counters added.
    pub fn plus(self, other: Self) -> Self {
        Self {
            on_cpu_ns: self.on_cpu_ns + other.on_cpu_ns,
            runnable_wait_ns: self.runnable_wait_ns + other.runnable_wait_ns,
        }
    }

    /// What the counters grew by from `start` (counters only grow; a thread id
    /// reused by a newer thread can make one smaller, which counts as zero).
    fn minus(self, start: Self) -> Self {
        Self {
            on_cpu_ns: self.on_cpu_ns.saturating_sub(start.on_cpu_ns),
            runnable_wait_ns: self.runnable_wait_ns.saturating_sub(start.runnable_wait_ns),
        }
    }

    /// Microseconds per op of each counter over `ops` ops: `(on CPU, runnable
    /// waiting for a CPU)`.
    pub fn per_op_us(self, ops: u64) -> (f64, f64) {
        let per_op = |ns: u64| ns as f64 / 1e3 / ops as f64;
        (per_op(self.on_cpu_ns), per_op(self.runnable_wait_ns))
    }

    /// A schedstat line: run nanoseconds, wait nanoseconds, timeslices.
    fn parse(stat: &str) -> Self {
        let mut fields = stat.split_whitespace().map(|f| {
            f.parse::<u64>()
                .expect("schedstat holds decimal nanoseconds")
        });
        Self {
            on_cpu_ns: fields.next().expect("schedstat run time"),
            runnable_wait_ns: fields.next().expect("schedstat wait time"),
        }
    }
}

/// The counters of each counted thread, by thread id.
#[derive(Debug, Clone, Default)]
pub struct ThreadSample {
    threads: BTreeMap<u32, SchedTimes>,
}

impl ThreadSample {
    /// The counters of every thread but the load spinners, now. Panics if `/proc`
    /// does not have them (a kernel without schedstat): the bench reports no guess.
    pub fn now() -> Self {
        let mut threads = BTreeMap::new();
        for task in fs::read_dir("/proc/self/task").expect("read /proc/self/task") {
            let task = task.expect("a /proc/self/task entry");
            let Some(tid) = task.file_name().to_str().and_then(|t| t.parse().ok()) else {
                continue;
            };
            let path = task.path();
            // A thread may end between the listing and the reads: skip it.
            let (Ok(comm), Ok(stat)) = (
                fs::read_to_string(path.join("comm")),
                fs::read_to_string(path.join("schedstat")),
            ) else {
                continue;
            };
            if comm.trim_end() != LOAD_THREAD_NAME {
                threads.insert(tid, SchedTimes::parse(&stat));
            }
        }
        Self { threads }
    }

    /// The calling thread's id and counters, for a thread that ends before the
    /// measured span does (its caller adds them with [`ThreadSample::with_ended`]).
    pub fn this_thread() -> (u32, SchedTimes) {
        let link = fs::read_link("/proc/thread-self").expect("read /proc/thread-self");
        let tid = link
            .file_name()
            .and_then(|t| t.to_str())
            .and_then(|t| t.parse().ok())
            .expect("/proc/thread-self ends in the thread id");
        let stat = fs::read_to_string("/proc/thread-self/schedstat")
            .expect("read /proc/thread-self/schedstat");
        (tid, SchedTimes::parse(&stat))
    }

    /// This sample with thread `tid`'s counters set to `times`, its own last report:
    /// a thread just joined may still be listed, or already gone.
    pub fn with_ended(mut self, (tid, times): (u32, SchedTimes)) -> Self {
        self.threads.insert(tid, times);
        self
    }

    /// What the threads of this (later) sample did since `start`, summed.
    pub fn since(&self, start: &ThreadSample) -> SchedTimes {
        self.threads
            .iter()
            .map(|(tid, &end)| end.minus(start.threads.get(tid).copied().unwrap_or_default()))
            .fold(SchedTimes::default(), SchedTimes::plus)
    }
}
