//! [`Codec`]: how user types (log ids, payloads, votes, user data) become bytes.
//!
//! The encoding is little-endian, length-prefixed and self-delimiting: `decode` reads
//! exactly what `encode` wrote and advances the input past it.

use thiserror::Error;

/// Failure to decode a value: the input is shorter than the value or malformed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("decode failed: {reason}")]
pub struct DecodeError {
    /// What was wrong.
    pub reason: &'static str,
}

impl DecodeError {
    /// A decode error with `reason`.
    pub const fn new(reason: &'static str) -> Self {
        Self { reason }
    }
}

/// A value that can be written to and read back from the log.
///
/// Contract: `decode(encode(x)) == x`, and `decode` consumes exactly the bytes that
/// `encode` appended. `decode` must never panic on arbitrary input.
pub trait Codec: Sized {
    /// Appends the encoding of `self` to `out`.
    fn encode(&self, out: &mut Vec<u8>);

    /// Decodes one value from the front of `input` and advances `input` past it.
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError>;
}

/// Checks the [`Codec`] contract for one value: it decodes back to itself, consuming
/// exactly its own bytes (a following byte is left alone), and every cut-short
/// encoding fails to decode. For the tests of a user's own `Codec` impls.
pub fn check_round_trip<T: Codec + PartialEq + std::fmt::Debug>(value: &T) -> Result<(), String> {
    let mut buf = Vec::new();
    value.encode(&mut buf);
    let encoded_len = buf.len();
    buf.push(0xAA);
    let mut input = &buf[..];
    match T::decode(&mut input) {
        Ok(decoded) if &decoded == value => {}
        Ok(decoded) => return Err(format!("{value:?} decoded as {decoded:?}")),
        Err(e) => return Err(format!("{value:?} does not decode: {e}")),
    }
    if input != [0xAA] {
        let consumed = buf.len() - input.len();
        return Err(format!(
            "{value:?} consumed {consumed} bytes, encoded {encoded_len}"
        ));
    }
    for cut in 0..encoded_len {
        if T::decode(&mut &buf[..cut]).is_ok() {
            return Err(format!(
                "{value:?} cut to {cut} of {encoded_len} bytes still decodes"
            ));
        }
    }
    Ok(())
}

fn take<'a>(input: &mut &'a [u8], n: usize) -> Result<&'a [u8], DecodeError> {
    if input.len() < n {
        return Err(DecodeError::new("unexpected end of input"));
    }
    let (head, tail) = input.split_at(n);
    *input = tail;
    Ok(head)
}

impl Codec for u64 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let bytes = take(input, 8)?;
        Ok(u64::from_le_bytes(bytes.try_into().expect("8 bytes")))
    }
}

impl Codec for u32 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let bytes = take(input, 4)?;
        Ok(u32::from_le_bytes(bytes.try_into().expect("4 bytes")))
    }
}

impl Codec for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        match take(input, 1)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError::new("invalid bool")),
        }
    }
}

impl Codec for () {
    fn encode(&self, _out: &mut Vec<u8>) {}
    fn decode(_input: &mut &[u8]) -> Result<Self, DecodeError> {
        Ok(())
    }
}

impl Codec for Vec<u8> {
    fn encode(&self, out: &mut Vec<u8>) {
        (self.len() as u32).encode(out);
        out.extend_from_slice(self);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let len = u32::decode(input)? as usize;
        Ok(take(input, len)?.to_vec())
    }
}

impl Codec for String {
    fn encode(&self, out: &mut Vec<u8>) {
        (self.len() as u32).encode(out);
        out.extend_from_slice(self.as_bytes());
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let len = u32::decode(input)? as usize;
        let bytes = take(input, len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::new("invalid utf-8"))
    }
}

impl<T: Codec> Codec for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.encode(out);
            }
        }
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        match take(input, 1)?[0] {
            0 => Ok(None),
            1 => Ok(Some(T::decode(input)?)),
            _ => Err(DecodeError::new("invalid option tag")),
        }
    }
}

macro_rules! tuple_codec {
    ($($name:ident),+) => {
        impl<$($name: Codec),+> Codec for ($($name,)+) {
            #[allow(non_snake_case)]
            fn encode(&self, out: &mut Vec<u8>) {
                let ($($name,)+) = self;
                $($name.encode(out);)+
            }
            fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
                Ok(($($name::decode(input)?,)+))
            }
        }
    };
}

tuple_codec!(A, B);
tuple_codec!(A, B, C);
tuple_codec!(A, B, C, D);

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Codec + PartialEq + std::fmt::Debug>(value: T) {
        check_round_trip(&value).unwrap();
    }

    #[test]
    fn the_contract_check_catches_a_codec_that_reads_too_little() {
        #[derive(Debug, PartialEq)]
        struct Sloppy(u64);
        impl Codec for Sloppy {
            fn encode(&self, out: &mut Vec<u8>) {
                self.0.encode(out);
                out.push(0); // a byte decode forgets to consume
            }
            fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
                Ok(Sloppy(u64::decode(input)?))
            }
        }
        assert!(check_round_trip(&Sloppy(1)).is_err());
    }

    #[test]
    fn values_round_trip_and_short_input_fails() {
        round_trip(7u64);
        round_trip(7u32);
        round_trip((3u64, 9u64));
        round_trip(String::from("héllo"));
        round_trip(vec![1u8, 2, 3]);
        round_trip(Some((1u64, String::from("x"))));
        round_trip((1u64, 2u64, Some(3u64)));
        round_trip((true, 1u64, vec![0u8], String::new()));
    }

    #[test]
    fn none_and_unit_round_trip() {
        let mut buf = Vec::new();
        None::<u64>.encode(&mut buf);
        assert_eq!(Option::<u64>::decode(&mut &buf[..]).unwrap(), None);
        assert_eq!(<()>::decode(&mut &[][..]).unwrap(), ());
    }

    #[test]
    fn invalid_tags_fail() {
        assert!(Option::<u64>::decode(&mut &[2u8][..]).is_err());
        assert!(bool::decode(&mut &[2u8][..]).is_err());
        assert!(String::decode(&mut &[1, 0, 0, 0, 0xFF][..]).is_err());
    }
}
