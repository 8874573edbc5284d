//! The `codec` target: every [`Codec`] type of the crate decoded from arbitrary
//! bytes; whatever decodes must re-encode to exactly the bytes it consumed (the
//! encoding is canonical) and pass [`check_round_trip`].
//!
//! Input layout: `type u8` (`% 12` picks the type), then the bytes to decode.

use crate::codec::{check_round_trip, Codec};
use std::fmt::Debug;

/// The target: see the module documentation for the input layout.
pub fn codec(data: &[u8]) {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    match which % 12 {
        0 => check::<u64>(bytes),
        1 => check::<u32>(bytes),
        2 => check::<bool>(bytes),
        3 => check::<()>(bytes),
        4 => check::<Vec<u8>>(bytes),
        5 => check::<String>(bytes),
        6 => check::<Option<u64>>(bytes),
        7 => check::<(u64, u64)>(bytes),
        8 => check::<Option<(u64, u64)>>(bytes),
        9 => check::<(u64, u64, Option<u64>)>(bytes),
        10 => check::<(bool, u64, Vec<u8>, String)>(bytes),
        _ => check::<Option<String>>(bytes),
    }
}

fn check<T: Codec + PartialEq + Debug>(bytes: &[u8]) {
    let mut input = bytes;
    let Ok(value) = T::decode(&mut input) else {
        return;
    };
    let consumed = bytes.len() - input.len();
    let mut encoded = Vec::new();
    value.encode(&mut encoded);
    assert_eq!(
        encoded,
        &bytes[..consumed],
        "{value:?} re-encodes to other bytes than it decoded from"
    );
    if let Err(e) = check_round_trip(&value) {
        panic!("round trip: {e}");
    }
}
