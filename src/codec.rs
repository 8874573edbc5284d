//! How user types become bytes: [`Codec`] (its encoding is in its documentation).

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
///
/// How user types (log ids, payloads, votes, user data) become bytes: the encoding is self-delimiting: `decode` reads exactly what `encode` wrote and
/// advances the input past it. Integers (`u64`, `u32`, and the lengths of strings and
/// byte vectors) are LEB128 varints, seven bits per byte, least significant first, in
/// their one shortest form: a Raft log id `(term, index)` takes 2-6 bytes, not 16.
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

/// Appends `value` as a LEB128 varint.
#[inline]
fn encode_varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Decodes a varint of at most `bits` significant bits; refuses encodings that are
/// cut short, longer than the shortest form, or too large.
#[inline]
fn decode_varint(input: &mut &[u8], bits: u32) -> Result<u64, DecodeError> {
    let mut value = 0u64;
    let mut shift = 0u32;
    for (i, &byte) in input.iter().enumerate() {
        let group = u64::from(byte & 0x7F);
        if shift >= bits || (bits - shift < 7 && group >> (bits - shift) != 0) {
            return Err(DecodeError::new("varint too large"));
        }
        value |= group << shift;
        if byte & 0x80 == 0 {
            if byte == 0 && i > 0 {
                return Err(DecodeError::new("varint longer than its shortest form"));
            }
            *input = &input[i + 1..];
            return Ok(value);
        }
        shift += 7;
    }
    Err(DecodeError::new("unexpected end of input"))
}

impl Codec for u64 {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_varint(*self, out);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        decode_varint(input, 64)
    }
}

impl Codec for u32 {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_varint(u64::from(*self), out);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        Ok(decode_varint(input, 32)? as u32)
    }
}

/// The length prefix of a string or byte vector.
fn encode_len(len: usize, out: &mut Vec<u8>) {
    encode_varint(len as u64, out);
}

fn decode_len(input: &mut &[u8]) -> Result<usize, DecodeError> {
    let len = decode_varint(input, 64)?;
    // A length past the input fails in `take`; this only keeps the cast lossless.
    usize::try_from(len).map_err(|_| DecodeError::new("length larger than memory"))
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
        encode_len(self.len(), out);
        out.extend_from_slice(self);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let len = decode_len(input)?;
        Ok(take(input, len)?.to_vec())
    }
}

impl Codec for String {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_len(self.len(), out);
        out.extend_from_slice(self.as_bytes());
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let len = decode_len(input)?;
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
        assert!(String::decode(&mut &[1, 0xFF][..]).is_err());
    }

    #[test]
    fn varints_take_their_shortest_form_at_every_boundary() {
        let mut boundaries = vec![0u64, 1, u64::MAX, u64::MAX - 1];
        for bits in 1..64 {
            boundaries.extend([(1u64 << bits) - 1, 1u64 << bits, (1u64 << bits) + 1]);
        }
        for v in boundaries {
            round_trip(v);
            let mut buf = Vec::new();
            v.encode(&mut buf);
            let significant_bits = 64 - v.leading_zeros().min(63);
            assert_eq!(buf.len() as u32, significant_bits.div_ceil(7), "{v}");
            if let Ok(small) = u32::try_from(v) {
                round_trip(small);
            }
        }
        let mut buf = Vec::new();
        (1u64, 1_000_000u64).encode(&mut buf);
        assert_eq!(buf.len(), 4, "a log id (term 1, index 1M)");
    }

    #[test]
    fn malformed_varints_fail() {
        let fails = |bytes: &[u8]| u64::decode(&mut &bytes[..]).is_err();
        assert!(fails(&[]));
        assert!(fails(&[0x80]), "cut short");
        assert!(fails(&[0x80, 0x00]), "longer than the shortest form");
        assert!(fails(&[0xFF, 0x00]), "longer than the shortest form");
        let mut eleven = vec![0xFF; 10];
        eleven.push(0x01);
        assert!(fails(&eleven), "more than ten bytes");
        let mut max = vec![0xFF; 9];
        max.push(0x01);
        assert_eq!(u64::decode(&mut &max[..]).unwrap(), u64::MAX);
        max[9] = 0x02;
        assert!(fails(&max), "a 65th bit");
        assert!(u32::decode(&mut &[0xFF, 0xFF, 0xFF, 0xFF, 0x0F][..]).is_ok());
        assert!(u32::decode(&mut &[0xFF, 0xFF, 0xFF, 0xFF, 0x1F][..]).is_err());
    }
}
