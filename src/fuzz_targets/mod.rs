//! The bodies of the fuzz targets in `fuzz/` (coverage-guided, AFL++ through
//! `cargo afl`), kept in the library so that the fuzzer and the replay test
//! (`cargo test`, which feeds every file of `fuzz/corpus/*` and `fuzz/regressions/*`
//! through the same functions) run one code path.
//!
//! Compiled only for the library's own unit tests and with the non-default feature
//! `fuzzing` (which the `fuzz/` crate enables): it is not part of the public API.
//!
//! Every target takes arbitrary bytes and must not panic: a panic is a finding (the
//! fuzzer records it as a crash). Errors returned by the engine are fine; the targets
//! check what must hold whatever the input.

mod codec;
#[cfg(test)]
mod forged;
mod open;
mod ops;
mod record;
#[cfg(test)]
mod replay;
mod seeds;

pub use codec::codec;
pub use open::{encode_open_input, open};
pub use ops::ops;
pub use record::record;
pub use seeds::write_seed_corpus;

use crate::error::Error;
use crate::types::Types;
use std::sync::mpsc;

/// The types the targets use: `(term, index)` log ids and votes, byte payloads and
/// user data (so any length-prefixed bytes decode; `String`'s UTF-8 check is covered
/// by the `codec` target). A log written with `String` payloads reads the same.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FuzzTypes;

impl Types for FuzzTypes {
    type LogId = (u64, u64);
    type LogPayload = Vec<u8>;
    type Vote = (u64, u64);
    type UserData = Vec<u8>;
    type Callback = mpsc::SyncSender<Result<(), Error>>;

    fn log_index(log_id: &(u64, u64)) -> u64 {
        log_id.1
    }

    fn payload_size(payload: &Vec<u8>) -> u64 {
        payload.len() as u64
    }
}

/// A fuzz target: takes any bytes, panics only on a finding.
pub type Target = fn(&[u8]);

/// The fuzz targets by name, as `fuzz/` builds them and the replay test runs them.
pub const TARGETS: [(&str, Target); 4] = [
    ("open", open),
    ("record", record),
    ("codec", codec),
    ("ops", ops),
];
