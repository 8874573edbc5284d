//! Writes a demo log for trying the `raftwal` command line:
//! `cargo run -p raftwal-cli --example write_log -- DIR [MiB]` (default 1 MiB of
//! 100-byte entries, `pairs` types: log id (term, index), String payloads).

use raftwal::{Config, RaftLog, RaftLogWriter};
use raftwal_cli::types::Pairs;
use std::sync::{mpsc, Arc};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: write_log DIR [MiB]")?;
    let mib: u64 = args.next().map_or(Ok(1), |s| s.parse())?;
    let mut log = RaftLog::<Pairs>::open(Arc::new(Config::new(dir)))?;
    log.save_vote((1, 1))?;
    log.save_user_data(Some("members=1,2,3".to_string()))?;
    let entries = mib * (1 << 20) / 114; // a 100 B payload's record is 114 B
    let start = log.log_state().next_index();
    for index in start..start + entries {
        log.append([((1, index), format!("{index:0100}"))])?;
        if index % 10_000 == 9_999 {
            log.commit((1, index))?;
            log.flush(None)?;
        }
    }
    let (tx, rx) = mpsc::sync_channel(1);
    log.flush(Some(tx))?;
    rx.recv()??;
    println!("wrote entries {start}..{} ", start + entries);
    Ok(())
}
