//! The rules about reads: a read returns exactly the model's entries, in order, or
//! the model's error; it may stop early only at an I/O error the disk injected.

use super::{breach, Breach};
use crate::trace::format::show_entry;
use crate::types::{LogId, Payload, SimTypes};
use raftwal::{Error, ErrorKind, RaftLog};
use raftwal_simdisk::SimDisk;

/// What one checked read saw.
pub struct ReadCheck {
    /// Entries read and found equal to the model's.
    pub got: usize,
    /// The injected I/O error the read stopped at, if any.
    pub injected: Option<Error>,
    /// The rule it broke, if any.
    pub breach: Option<Breach>,
}

/// Reads `[from, to)` from `log` and compares it with `expected` (the model's read).
pub fn check_read(
    log: &RaftLog<SimTypes>,
    disk: &SimDisk,
    from: u64,
    to: u64,
    expected: &Result<Vec<&(LogId, Payload)>, ErrorKind>,
) -> ReadCheck {
    let before = disk.fault_counts().read_failures;
    let mut got = 0usize;
    let mut injected: Option<Error> = None;
    let mut problem: Option<(String, String)> = None;
    match expected {
        Err(kind) => {
            let items: Vec<Result<(), ErrorKind>> = log
                .read(from, to)
                .map(|r| r.map(|_| ()).map_err(|e| e.kind()))
                .collect();
            if items != [Err(*kind)] {
                problem = Some((format!("[Err({kind:?})]"), format!("{items:?}")));
            }
        }
        Ok(entries) => {
            for item in log.read(from, to) {
                match item {
                    Ok(entry) => match entries.get(got) {
                        Some(e) if **e == entry => got += 1,
                        Some(e) => {
                            problem = Some((
                                format!("entry {}: {}", from + got as u64, show_entry(e)),
                                show_entry(&entry),
                            ));
                            break;
                        }
                        None => {
                            problem = Some((
                                format!("{} entries", entries.len()),
                                format!("more: {}", show_entry(&entry)),
                            ));
                            break;
                        }
                    },
                    Err(e)
                        if e.kind() == ErrorKind::Io
                            && disk.fault_counts().read_failures > before =>
                    {
                        injected = Some(e);
                        break;
                    }
                    Err(e) => {
                        problem = Some((
                            format!("entry {}", from + got as u64),
                            format!("Err({:?}: {e})", e.kind()),
                        ));
                        break;
                    }
                }
            }
            if problem.is_none() && injected.is_none() && got != entries.len() {
                problem = Some((
                    format!("{} entries", entries.len()),
                    format!("{got} entries"),
                ));
            }
        }
    }
    ReadCheck {
        got,
        injected,
        breach: problem.map(|(e, a)| breach("read", e, a)),
    }
}
