//! Where a loop's wall time goes, from the kernel's per-thread scheduler counters
//! (`/proc/self/task/<tid>/schedstat`: nanoseconds on a CPU, nanoseconds runnable
//! but waiting for one). Summed over the process's threads except the load spinners
//! ([`crate::cpu_load`], named [`LOAD_THREAD_NAME`]), so a side's figure counts its
//! own threads (raftwal's flush thread, raft-engine's and okaywal's) and the
//! harness thread that drives it. A thread that exits during the measured span is
//! not counted unless it reports its own ([`SchedTimes::this_thread`]); no log's
//! thread ends during a measured loop.

use std::fs;

/// The name of every spinning load thread, left out of the sums.
pub const LOAD_THREAD_NAME: &str = "bench-load";

/// Nanoseconds the counted threads have run, and waited runnable for a CPU.
#[derive(Debug, Clone, Copy, Default)]
pub struct SchedTimes {
    pub on_cpu_ns: u64,
    pub runnable_wait_ns: u64,
}

impl SchedTimes {
    /// The counters now, summed over the counted threads. Panics if `/proc` does
    /// not have them (a kernel without schedstat): the bench reports no guess.
    pub fn now() -> Self {
        let mut sum = Self::default();
        for task in fs::read_dir("/proc/self/task").expect("read /proc/self/task") {
            let path = task.expect("a /proc/self/task entry").path();
            // A thread may end between the listing and the reads: skip it.
            let (Ok(comm), Ok(stat)) = (
                fs::read_to_string(path.join("comm")),
                fs::read_to_string(path.join("schedstat")),
            ) else {
                continue;
            };
            if comm.trim_end() == LOAD_THREAD_NAME {
                continue;
            }
            sum = sum.plus(Self::parse(&stat));
        }
        sum
    }

    /// The calling thread's counters (for a thread that ends before the span does).
    pub fn this_thread() -> Self {
        let stat = fs::read_to_string("/proc/thread-self/schedstat")
            .expect("read /proc/thread-self/schedstat");
        Self::parse(&stat)
    }

    /// Both counters added.
    pub fn plus(self, other: Self) -> Self {
        Self {
            on_cpu_ns: self.on_cpu_ns + other.on_cpu_ns,
            runnable_wait_ns: self.runnable_wait_ns + other.runnable_wait_ns,
        }
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

    /// Microseconds per op of each counter between `self` (the start) and `end`,
    /// over `ops` ops: `(on CPU, runnable waiting for a CPU)`.
    pub fn per_op_us(self, end: Self, ops: u64) -> (f64, f64) {
        let per_op = |from: u64, to: u64| (to - from) as f64 / 1e3 / ops as f64;
        (
            per_op(self.on_cpu_ns, end.on_cpu_ns),
            per_op(self.runnable_wait_ns, end.runnable_wait_ns),
        )
    }
}
