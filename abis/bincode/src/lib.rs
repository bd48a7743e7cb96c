//! The Bincode ABI: a scenario's arguments serialised with bincode 2 into
//! guest memory; the guest deserialises them.
//!
//! ```text
//!   host                                    guest (guests/bincode)
//!   (a, b) ──encode──▶ bytes at ptr (abi_alloc block, or the static buffer)
//!   call micro_mul_i32(ptr, len) ────────────▶ decode::<(i32, i32)> → a * b
//!                    ◀────────────── i32 ───
//! ```
//!
//! Two memory strategies (the `memory` factor):
//! - `dynamic`, the paper's path: the host computes the encoded size, asks
//!   the guest's `abi_alloc(len)` for a block, encodes into it, calls the op,
//!   which frees the block: two guest calls per operation.
//! - `static`, the variant the paper's conclusion asks for: the host encodes
//!   straight into the guest's reusable buffer (fetched once) and calls
//!   `abi_alloc` only for a payload that does not fit.
//!
//! The configuration is bincode's `legacy()` one (fixed-width little-endian
//! integers): the encoding of bincode 1, which the paper used, where two
//! `i32`s are the same eight bytes as a C struct.

use abi_api::Codec;
use bincode::config::{Config, legacy};
use bincode::enc::write::SizeWriter;
use bincode::{Decode, Encode};
use cachesim::{Request, Stats};

/// The bincode configuration both halves use.
#[inline(always)]
fn config() -> impl Config {
    legacy()
}

#[inline(always)]
fn put<T: Encode>(v: T, out: &mut [u8]) -> Option<usize> {
    bincode::encode_into_slice(v, out, config()).ok()
}

#[inline(always)]
fn size<T: Encode>(v: T) -> usize {
    let mut w = SizeWriter::default();
    match bincode::encode_into_writer(v, &mut w, config()) {
        Ok(()) => w.bytes_written,
        Err(_) => 0,
    }
}

/// Decodes exactly `bytes`: trailing bytes are an error too.
#[inline(always)]
fn get<T: Decode<()>>(bytes: &[u8]) -> Option<T> {
    match bincode::decode_from_slice::<T, _>(bytes, config()) {
        Ok((v, n)) if n == bytes.len() => Some(v),
        _ => None,
    }
}

/// The Bincode encoding: one [`Codec`] for both halves.
#[derive(Debug, Clone, Copy, Default)]
pub struct BincodeCodec;

impl Codec for BincodeCodec {
    #[inline(always)]
    fn encode_mul_i32(a: i32, b: i32, out: &mut [u8]) -> Option<usize> {
        put((a, b), out)
    }
    #[inline(always)]
    fn size_mul_i32(a: i32, b: i32) -> usize {
        size((a, b))
    }
    #[inline(always)]
    fn decode_mul_i32(bytes: &[u8]) -> Option<(i32, i32)> {
        get(bytes)
    }

    #[inline(always)]
    fn encode_mul_f32(a: f32, b: f32, out: &mut [u8]) -> Option<usize> {
        put((a, b), out)
    }
    #[inline(always)]
    fn size_mul_f32(a: f32, b: f32) -> usize {
        size((a, b))
    }
    #[inline(always)]
    fn decode_mul_f32(bytes: &[u8]) -> Option<(f32, f32)> {
        get(bytes)
    }

    #[inline(always)]
    fn encode_request(r: Request, out: &mut [u8]) -> Option<usize> {
        put((r.id, r.size), out)
    }
    #[inline(always)]
    fn size_request(r: Request) -> usize {
        size((r.id, r.size))
    }
    #[inline(always)]
    fn decode_request(bytes: &[u8]) -> Option<Request> {
        get::<(u32, u32)>(bytes).map(|(id, size)| Request::new(id, size))
    }

    fn encode_stats(s: Stats, out: &mut [u8]) -> Option<usize> {
        put((s.requests, s.hits, s.bytes, s.byte_hits), out)
    }
    fn decode_stats(bytes: &[u8]) -> Option<Stats> {
        get::<(u64, u64, u64, u64)>(bytes).map(|(requests, hits, bytes, byte_hits)| Stats {
            requests,
            hits,
            bytes,
            byte_hits,
        })
    }
}

abi_api::codec_abi! {
    /// The Bincode ABI, as registered with the harness.
    pub struct Bincode {
        codec: BincodeCodec,
        id: "bincode",
        about: "bincode 2 (legacy config) encoded into guest memory",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_i32s_encode_like_a_c_struct() {
        let mut buf = [0u8; 16];
        let n = BincodeCodec::encode_mul_i32(1, 2, &mut buf).unwrap();
        assert_eq!(&buf[..n], &[1, 0, 0, 0, 2, 0, 0, 0]);
        assert_eq!(BincodeCodec::size_mul_i32(1, 2), n);
    }

    #[test]
    fn round_trips_and_rejects_bad_lengths() {
        let mut buf = [0u8; 64];
        let n = BincodeCodec::encode_mul_f32(-0.0, f32::NAN, &mut buf).unwrap();
        let (a, b) = BincodeCodec::decode_mul_f32(&buf[..n]).unwrap();
        assert_eq!(a.to_bits(), (-0.0f32).to_bits());
        assert!(b.is_nan());
        let r = Request::new(u32::MAX, 3);
        let n = BincodeCodec::encode_request(r, &mut buf).unwrap();
        assert_eq!(n, BincodeCodec::size_request(r));
        assert_eq!(BincodeCodec::decode_request(&buf[..n]), Some(r));
        assert_eq!(BincodeCodec::decode_request(&buf[..n - 1]), None);
        assert_eq!(BincodeCodec::decode_request(&buf[..n + 1]), None);
        let s = Stats {
            requests: 1 << 40,
            hits: 2,
            bytes: 3,
            byte_hits: 4,
        };
        let n = BincodeCodec::encode_stats(s, &mut buf).unwrap();
        assert_eq!(BincodeCodec::decode_stats(&buf[..n]), Some(s));
        assert_eq!(BincodeCodec::encode_stats(s, &mut buf[..8]), None);
    }
}
