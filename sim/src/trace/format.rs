//! Trace formatting: how results, entries and the disk's files are written in the
//! trace and in violation messages.

use crate::types::{LogId, Payload};
use raftwal::{Error, ErrorKind};
use raftwal_simdisk::SimDisk;

/// An engine result as the trace shows it.
pub fn show<T>(r: &Result<T, Error>) -> String {
    match r {
        Ok(_) => "Ok".to_string(),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}

/// The result the model expected, as the trace shows it.
pub fn show_expected(r: &Result<(), ErrorKind>) -> String {
    match r {
        Ok(()) => "Ok".to_string(),
        Err(k) => format!("Err({k:?})"),
    }
}

/// An entry, its payload cut to 24 characters.
pub fn show_entry(e: &(LogId, Payload)) -> String {
    let p = &e.1;
    let head: String = p.chars().take(24).collect();
    format!(
        "({},{}) {:?}{} ({}B)",
        e.0 .0,
        e.0 .1,
        head,
        if p.len() > 24 { ".." } else { "" },
        p.len()
    )
}

/// The files (name without leading zeros, volatile length, durable length,
/// durable name or not), for the trace.
pub fn describe_files(disk: &SimDisk) -> String {
    let durable = disk.file_names_durable();
    disk.file_names()
        .iter()
        .map(|name| {
            let short = name.trim_start_matches('0');
            let len = disk.file_bytes(name).map_or(0, |b| b.len());
            let dlen = disk.durable_bytes(name).map_or(0, |b| b.len());
            let mark = if durable.contains(name) {
                ""
            } else {
                " (name not durable)"
            };
            format!(
                "{}:{len}/{dlen}{mark}",
                if short.starts_with('.') {
                    name.as_str()
                } else {
                    short
                }
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}
