//! The built-in type sets of the `raftwal` binary (`--types`).
//!
//! Records are encoded with the log's own [`Types`] (their [`raftwal::Codec`]s), so
//! a tool can only decode a log whose types it knows. A log written with other
//! types needs its own binary: see the crate documentation.

use raftwal::{Error, Types};
use std::sync::mpsc::SyncSender;

/// Log id `(term, index)`, vote `(term, node)`, payload and user data `String`: the
/// types of the raftwal crate's documentation and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pairs;

impl Types for Pairs {
    type LogId = (u64, u64);
    type LogPayload = String;
    type Vote = (u64, u64);
    type UserData = String;
    // Never used: the tool does not flush.
    type Callback = SyncSender<Result<(), Error>>;

    fn log_index(log_id: &(u64, u64)) -> u64 {
        log_id.1
    }

    fn payload_size(payload: &String) -> u64 {
        payload.len() as u64
    }
}

/// Like [`Pairs`], with payload and user data as bytes (`Vec<u8>`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Bytes;

impl Types for Bytes {
    type LogId = (u64, u64);
    type LogPayload = Vec<u8>;
    type Vote = (u64, u64);
    type UserData = Vec<u8>;
    type Callback = SyncSender<Result<(), Error>>;

    fn log_index(log_id: &(u64, u64)) -> u64 {
        log_id.1
    }

    fn payload_size(payload: &Vec<u8>) -> u64 {
        payload.len() as u64
    }
}
