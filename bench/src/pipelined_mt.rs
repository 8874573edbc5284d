//! `pipelined-4w`: [`WRITERS`] threads writing into one store at once, each entry
//! (100 B) durable before its writer goes on: how `raft-engine` (one region per
//! writer thread) and `okaywal` (one committed entry per log entry) are meant to
//! take load from many writers, their write groups sharing one `fdatasync`. Figure:
//! entries/s in all, from the start of the threads to the last write's return.
//! Every entry is read back from the reopened store.
//!
//! raftwal and raft-log are single-writer logs (`&mut` appends, one writer per log,
//! their throughput path is `pipelined`), so their columns show `-`; no raw side.

use crate::harness::{Metric, Scale, Workload};
use crate::wal::Wal;
use std::path::Path;

/// Writer threads.
pub const WRITERS: u64 = 4;
const SIZE: usize = 100;

/// See the module documentation.
pub struct PipelinedMt;

/// Entries per writer thread.
fn per_writer(s: &Scale) -> u64 {
    s.pick(2_500, 25_000)
}

impl Workload for PipelinedMt {
    const NAME: &'static str = "pipelined-4w";
    const METRICS: &'static [Metric] = &[Metric {
        name: "pipelined-4w",
        unit: "entries/s",
        higher_is_better: true,
    }];

    fn log<W: Wal>(dir: &Path, s: &Scale) -> Vec<f64> {
        let figure = W::concurrent_writers(dir, WRITERS, per_writer(s), SIZE)
            .expect("runs() lets only concurrent sides in");
        vec![figure]
    }

    fn runs(side: crate::harness::Side) -> bool {
        use crate::harness::Side;
        matches!(side, Side::RaftEngine | Side::OkayWal)
    }

    fn raw(_dir: &Path, _s: &Scale) -> Option<Vec<f64>> {
        None
    }
}
