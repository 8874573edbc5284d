//! Writes a demo log for trying the `raftwal` command line:
//! `cargo run -p raftwal-cli --example write_log -- DIR [MiB] [PAYLOAD_BYTES]`
//! (default 1 MiB of 100-byte payloads, `pairs` types: log id (term, index), String
//! payloads). `-- DIR 1024 4096` writes the 1 GiB log of 4 KiB entries that the
//! README's `verify` figure was measured on.

use raftwal::{Config, RaftLog, RaftLogWriter};
use raftwal_cli::types::Pairs;
use std::sync::{mpsc, Arc};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: write_log DIR [MiB] [PAYLOAD_BYTES]")?;
    let mib: u64 = args.next().map_or(Ok(1), |s| s.parse())?;
    let payload_bytes: usize = args.next().map_or(Ok(100), |s| s.parse())?;
    // A record is its payload plus about 14 B of framing (114 B for 100 B).
    let record_bytes = payload_bytes as u64 + 14;
    let mut log = RaftLog::<Pairs>::open(Arc::new(Config::new(dir)))?;
    log.save_vote((1, 1))?;
    log.save_user_data(Some("members=1,2,3".to_string()))?;
    let entries = mib * (1 << 20) / record_bytes;
    // Flush about every 4 MiB.
    let flush_every = ((4 << 20) / record_bytes).max(1);
    let start = log.log_state().next_index();
    for index in start..start + entries {
        log.append([((1, index), format!("{index:0payload_bytes$}"))])?;
        if index % flush_every == flush_every - 1 {
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
