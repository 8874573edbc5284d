//! `raftwal-bench`: raftwal against the `raft-log`, `raft-engine` and `okaywal` crates
//! and against a raw `pwrite` + `fdatasync` loop, on the same machine, filesystem and
//! run. This crate is its own workspace (see its Cargo.toml), so that the root crate's
//! build and tests never compile a peer.
//!
//! Usage (from the repository root; arguments after `--`):
//!   cargo run --release --manifest-path bench/Cargo.toml                   full mode
//!   cargo run --release --manifest-path bench/Cargo.toml -- --quick        quick mode
//!   RAFTWAL_BENCH_QUICK=1 cargo run --release --manifest-path bench/Cargo.toml
//!   cargo run --release --manifest-path bench/Cargo.toml -- --rounds 7 sync pipelined
//!   cargo run --release --manifest-path bench/Cargo.toml -- --load 2 pipelined bulk-4k
//!     (every row beside 2 threads that spin: a machine with other work on its cores)
//!
//! Each workload runs several rounds; every round runs raftwal, raft-log,
//! raft-engine, okaywal and raw, each in a fresh directory, round k starting with
//! the k-th of them (no side always runs first). The table gives each
//! side's median and the ratios. Every run checks afterwards that the log really holds what was written
//! (reopening it where possible) and panics otherwise. See each workload's file
//! for what exactly it measures. Nothing here asserts on timings.
//!
//! The peers' durable APIs differ from raftwal's: raft-engine (raftengine.rs) and
//! okaywal (okay.rs) write synchronously, so on the common face a flush request is
//! deferred to the wait (see those files); `pipelined-4w` (pipelined_mt.rs) drives
//! them from four writer threads as they are meant to be. `latency` (latency.rs) is
//! the tail of one durable append, alone and shared with an interleaved second
//! writer; `grow-1x`/`grow-10x` (grow.rs) the open time and memory of a log of 1M
//! and 10M entries. The ratio columns divide raftwal's median by each other side's.
//!
//! `reopen-rss` (raftwal only, `-` for the other sides; reopen_rss.rs) is the peak
//! resident memory of opening a log that holds 1 GiB of 4 KiB entries in one chunk
//! file (128 MiB in quick mode, scaled down), measured in a fresh child process
//! (`--child reopen-rss`): rows `reopen-rss-peak` (the child's VmHWM after `open`),
//! `-kept` (VmRSS after `open` minus before), `-index` (entries x 28 B, computed),
//! `-base` (VmHWM of a child that only starts, `--child baseline`) and `-open`
//! (seconds). A line after the table compares the peak with the goal of issue 9,
//! `< 64 MiB + index`. An open that reads the whole chunk into memory shows about
//! the chunk's size.

mod benchdir;
mod bulk;
mod child;
mod cpu_load;
mod framing;
mod grow;
mod harness;
mod latency;
mod memory;
mod okay;
mod ours;
mod pipelined;
mod pipelined_mt;
mod procstatus;
mod raftengine;
mod raftlog;
mod rawfile;
mod read_cold;
mod reopen;
mod reopen_rss;
mod schedstat;
mod sync;
mod wakeup;
mod wal;

use harness::{print_table, run_workload, Row, Scale, Side, Workload};
use okay::OkayWal;
use ours::Ours;
use raftengine::RaftEngineWal;
use raftlog::RaftLogWal;
use std::path::Path;
use std::time::Instant;
use wal::Wal;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }

    let mut quick = std::env::var("RAFTWAL_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let mut rounds = None;
    let mut load_threads = 0;
    let mut only = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--rounds" => rounds = it.next().and_then(|n| n.parse().ok()),
            "--load" => {
                load_threads = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--load takes a number of spinning threads")
            }
            "--bench" => {} // passed by `cargo bench`
            x if x.starts_with("--") => panic!("unknown option {x}; see bench/src/main.rs"),
            _ => only.push(a),
        }
    }
    let s = Scale {
        quick,
        rounds: rounds.unwrap_or(if quick { 3 } else { 5 }).max(1),
    };

    let base = benchdir::prepare();
    let fstype = benchdir::fs_type(&base);
    println!(
        "raftwal compare: {} mode, {} rounds, dir {} ({fstype})",
        if quick { "quick" } else { "full" },
        s.rounds,
        base.display()
    );
    // Other work on the machine for the whole run (`--load N`): every row is then a
    // loaded row (`sync-loaded` adds its own threads on top).
    let _load = (load_threads > 0).then(|| {
        println!("load: {load_threads} spinning threads for the whole run");
        cpu_load::CpuLoad::start(load_threads)
    });
    if benchdir::is_ram_fs(&fstype) {
        println!("WARNING: {fstype} keeps data in RAM: fdatasync is free there, figures are not disk figures");
    }

    let t = Instant::now();
    let mut rows = Vec::new();
    rows.extend(run::<sync::Sync>(&s, &base, &only));
    rows.extend(run::<sync::SyncReserved>(&s, &base, &only));
    rows.extend(run::<pipelined::Pipelined>(&s, &base, &only));
    rows.extend(run::<pipelined_mt::PipelinedMt>(&s, &base, &only));
    rows.extend(run::<latency::Latency>(&s, &base, &only));
    rows.extend(run::<bulk::Bulk>(&s, &base, &only));
    rows.extend(run::<reopen::Reopen>(&s, &base, &only));
    rows.extend(run::<read_cold::ReadCold>(&s, &base, &only));
    rows.extend(run::<memory::Memory>(&s, &base, &only));
    rows.extend(run::<reopen_rss::ReopenRss>(&s, &base, &only));
    rows.extend(run::<grow::Grow1x>(&s, &base, &only));
    if grow::fits_on_disk(&base, grow::entries_10x(&s)) {
        rows.extend(run::<grow::Grow10x>(&s, &base, &only));
    }
    assert!(!rows.is_empty(), "no workload matched {only:?}");

    println!();
    print_table(&rows);
    println!(
        "(medians of {} rounds; total {:.0}s)",
        s.rounds,
        t.elapsed().as_secs_f64()
    );
    if let Some(line) = reopen_rss::summary(&rows, &s) {
        println!("{line}");
    }
    println!("{}", grow::summary(&s));
    println!(
        "one thread wake-up through a sync_channel (what a flush callback costs a waiting caller): {:.1} us",
        wakeup::wakeup_us(s.rounds)
    );
}

fn run<L: Workload>(s: &Scale, base: &Path, only: &[String]) -> Vec<Row> {
    if !only.is_empty() && !only.iter().any(|w| w == L::NAME) {
        return Vec::new();
    }
    eprintln!("== {}", L::NAME);
    run_workload::<L>(s, base, |side, dir| match side {
        Side::Ours => L::runs(side).then(|| L::log::<Ours>(dir, s)),
        Side::RaftLog => L::runs(side).then(|| L::log::<RaftLogWal>(dir, s)),
        Side::RaftEngine => L::runs(side).then(|| L::log::<RaftEngineWal>(dir, s)),
        Side::OkayWal => L::runs(side).then(|| L::log::<OkayWal>(dir, s)),
        Side::Raw => L::raw(dir, s),
    })
}

/// Calls `$($body)::+::<W>($args)` with `W` the log side named `$side`.
macro_rules! for_side {
    ($side:expr, $($body:ident)::+, $($args:expr),*) => {
        match $side {
            Ours::NAME => $($body)::+::<Ours>($($args),*),
            RaftLogWal::NAME => $($body)::+::<RaftLogWal>($($args),*),
            RaftEngineWal::NAME => $($body)::+::<RaftEngineWal>($($args),*),
            OkayWal::NAME => $($body)::+::<OkayWal>($($args),*),
            other => panic!("unknown side {other}"),
        }
    };
}

/// `--child memory|grow <side> <entries> <dir>`, `--child reopen-rss <entries> <dir>`
/// or `--child baseline`: the body of a measurement in a fresh process.
fn child(args: &[String]) {
    match args {
        [what, side, n, dir] if what == "memory" || what == "grow" => {
            let n: u64 = n.parse().expect("entries");
            let dir = Path::new(dir);
            if what == "memory" {
                for_side!(side.as_str(), memory::child, dir, n)
            } else {
                for_side!(side.as_str(), grow::child, dir, n)
            }
        }
        [what, n, dir] if what == "reopen-rss" => {
            reopen_rss::child(Path::new(dir), n.parse().expect("entries"))
        }
        [what] if what == "baseline" => reopen_rss::baseline_child(),
        _ => panic!(
            "usage: --child memory|grow <side> <entries> <dir> | --child reopen-rss <entries> <dir> | --child baseline"
        ),
    }
}
