//! [`Serde`]: a [`Codec`] for any serde type (feature `serde`), in postcard's encoding.

use crate::codec::{Codec, DecodeError};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A value stored through its serde encoding: any `T: Serialize + DeserializeOwned`
/// becomes a log id, payload, vote or user data without a hand-written [`Codec`].
///
/// The encoding is [postcard]'s: compact (varint integers), deterministic, and
/// self-delimiting, so a value decodes from the front of a longer input and consumes
/// exactly its own bytes, as [`Codec`] requires. Ordering, equality and hashing are
/// those of the wrapped value (for a log id or a vote, the order the log checks).
/// Changing `T`'s serde shape (renaming is fine, reordering or retyping fields is
/// not) changes how existing logs decode: treat it like a format change.
///
/// ```
/// use raftwal::{check_round_trip, Serde};
///
/// #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
/// struct Command {
///     key: String,
///     value: Vec<u8>,
/// }
///
/// let command = Serde(Command { key: "x".into(), value: vec![1, 2, 3] });
/// check_round_trip(&command).unwrap();
/// ```
///
/// # Panics
///
/// [`Codec::encode`] cannot report an error, so it panics if `T`'s `Serialize`
/// fails under postcard: only for a sequence or map whose length is not known up front
/// (a hand-written `Serialize` that calls `serialize_seq(None)`); derived impls and
/// the standard containers never do. It panics before the log writes anything.
///
/// [postcard]: https://docs.rs/postcard
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Serde<T>(pub T);

impl<T: Serialize + DeserializeOwned> Codec for Serde<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        let bytes = postcard::to_allocvec(&self.0).unwrap_or_else(|e| {
            panic!("raftwal::Serde: postcard cannot serialize this value: {e}")
        });
        out.extend_from_slice(&bytes);
    }

    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let (value, rest) = postcard::take_from_bytes(input)
            .map_err(|_| DecodeError::new("invalid postcard encoding"))?;
        *input = rest;
        Ok(Self(value))
    }
}
