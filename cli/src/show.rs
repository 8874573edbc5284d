//! How values of the log's types are shown: payloads and user data as UTF-8 when
//! they are text, as hex when they are bytes that are not, otherwise as `Debug`.

use raftwal::Codec;
use serde_json::{json, Value};
use std::any::Any;
use std::fmt::{Debug, Write as _};

/// A value of one of the log's types, ready to print.
pub(crate) enum Shown {
    /// Valid UTF-8 (a `String`, or bytes that are text).
    Text(String),
    /// Bytes that are not UTF-8, in hex.
    Hex(String, usize),
    /// Any other type: its `Debug` form.
    Other(String),
}

/// `String` and `Vec<u8>` are shown as text or hex; any other type by `Debug`.
pub(crate) fn shown<V: Debug + 'static>(value: &V) -> Shown {
    let any = value as &dyn Any;
    if let Some(s) = any.downcast_ref::<String>() {
        return Shown::Text(s.clone());
    }
    if let Some(bytes) = any.downcast_ref::<Vec<u8>>() {
        return match std::str::from_utf8(bytes) {
            Ok(s) => Shown::Text(s.to_string()),
            Err(_) => Shown::Hex(hex(bytes), bytes.len()),
        };
    }
    Shown::Other(format!("{value:?}"))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

impl Shown {
    /// For text output; cut to about `max` characters unless `max` is `None`.
    pub(crate) fn text(&self, max: Option<usize>) -> String {
        let cut = |s: &str, unit: &str, len: usize| match max {
            Some(max) if s.chars().count() > max => {
                let head: String = s.chars().take(max).collect();
                format!("{head}... ({len} {unit})")
            }
            _ => s.to_string(),
        };
        match self {
            Shown::Text(s) => cut(&format!("{s:?}"), "B", s.len()),
            Shown::Hex(h, len) => format!("hex {}", cut(h, "B", *len)),
            Shown::Other(d) => cut(d, "chars", d.chars().count()),
        }
    }

    /// For JSON: `{"text": ...}`, `{"hex": ...}` or `{"debug": ...}`.
    pub(crate) fn json(&self) -> Value {
        match self {
            Shown::Text(s) => json!({ "text": s }),
            Shown::Hex(h, _) => json!({ "hex": h }),
            Shown::Other(d) => json!({ "debug": d }),
        }
    }
}

/// `none`, or the value's `Debug` form.
pub(crate) fn opt<V: Debug>(value: Option<&V>) -> String {
    value.map_or_else(|| "none".to_string(), |v| format!("{v:?}"))
}

/// `null`, or the value's `Debug` form as a JSON string.
pub(crate) fn opt_json<V: Debug>(value: Option<&V>) -> Value {
    value.map_or(Value::Null, |v| Value::String(format!("{v:?}")))
}

/// The size of a value's encoding in the log.
pub(crate) fn encoded_len<V: Codec>(value: &V) -> usize {
    let mut out = Vec::new();
    value.encode(&mut out);
    out.len()
}

/// `a..=b`, or `none`.
pub(crate) fn range(range: Option<(u64, u64)>) -> String {
    range.map_or_else(|| "none".to_string(), |(a, b)| format!("{a}..={b}"))
}

/// `1 chunk file`, `2 chunk files`.
pub(crate) fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}
