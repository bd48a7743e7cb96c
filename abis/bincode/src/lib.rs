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

use std::borrow::Cow;

use abi_api::Codec;
use abi_api::wire::{
    RecordTuple, StatsTuple, record_from_tuple, record_tuple, stats_from_tuple, stats_tuple,
};
use bincode::config::{Config, legacy};
use bincode::de::BorrowDecode;
use bincode::enc::write::SizeWriter;
use bincode::{Decode, Encode};
use cachesim::{Request, Stats};
use payload::{HttpRequest, HttpResponse, Method, Record};

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

/// The most bytes a decoded message may claim. Bincode allocates what a
/// length prefix claims before reading the bytes, so without a limit a few
/// bytes from a hostile peer make it allocate whatever they say; with it,
/// at most 32 MiB (the largest payload is the aftermath scenario's 16 MiB
/// text, plus its length; at 4 MiB, the bound until then, that text
/// trapped the guest). Found by the `codec_bincode` fuzz target (fuzz).
const LIMIT: usize = 32 << 20;

/// The configuration for decoding containers (same wire format, bounded).
#[inline(always)]
fn bounded() -> impl Config {
    legacy().with_limit::<LIMIT>()
}

/// Decodes exactly `bytes` as a message with containers, within [`LIMIT`].
#[inline(always)]
fn get_bounded<T: Decode<()>>(bytes: &[u8]) -> Option<T> {
    match bincode::decode_from_slice::<T, _>(bytes, bounded()) {
        Ok((v, n)) if n == bytes.len() => Some(v),
        _ => None,
    }
}

/// Decodes exactly `bytes`, borrowing from them where the type allows.
#[inline(always)]
fn borrow<'a, T: BorrowDecode<'a, ()>>(bytes: &'a [u8]) -> Option<T> {
    match bincode::borrow_decode_from_slice::<T, _>(bytes, bounded()) {
        Ok((v, n)) if n == bytes.len() => Some(v),
        _ => None,
    }
}

/// A request: method code, URL, headers, body.
type RequestWire = (u8, String, Vec<(String, String)>, Vec<u8>);
/// A response: status, headers, body.
type ResponseWire = (u16, Vec<(String, String)>, Vec<u8>);

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
        put(stats_tuple(s), out)
    }
    fn decode_stats(bytes: &[u8]) -> Option<Stats> {
        get::<StatsTuple>(bytes).map(stats_from_tuple)
    }

    /// As a `Vec<(u32, u32)>`: a u64 count, then the pairs.
    #[inline(always)]
    fn encode_requests(rs: &[Request], out: &mut [u8]) -> Option<usize> {
        let mut n = put(rs.len() as u64, out)?;
        for r in rs {
            n += put((r.id, r.size), out.get_mut(n..)?)?;
        }
        Some(n)
    }
    #[inline(always)]
    fn size_requests(rs: &[Request]) -> usize {
        size(rs.len() as u64) + rs.iter().map(|r| size((r.id, r.size))).sum::<usize>()
    }
    #[inline(always)]
    fn decode_requests(bytes: &[u8], mut each: impl FnMut(Request)) -> Option<()> {
        let (count, mut at) = bincode::decode_from_slice::<u64, _>(bytes, config()).ok()?;
        for _ in 0..count {
            let ((id, size), n) =
                bincode::decode_from_slice::<(u32, u32), _>(bytes.get(at..)?, config()).ok()?;
            each(Request::new(id, size));
            at += n;
        }
        (at == bytes.len()).then_some(())
    }

    #[inline(always)]
    fn encode_record(r: &Record, out: &mut [u8]) -> Option<usize> {
        put(record_tuple(r), out)
    }
    #[inline(always)]
    fn size_record(r: &Record) -> usize {
        size(record_tuple(r))
    }
    #[inline(always)]
    fn decode_record(bytes: &[u8]) -> Option<Record> {
        get::<RecordTuple>(bytes).map(record_from_tuple)
    }

    #[inline(always)]
    fn encode_str(s: &str, out: &mut [u8]) -> Option<usize> {
        put(s, out)
    }
    #[inline(always)]
    fn size_str(s: &str) -> usize {
        size(s)
    }
    #[inline(always)]
    fn decode_str(bytes: &[u8]) -> Option<Cow<'_, str>> {
        borrow::<&str>(bytes).map(Cow::Borrowed)
    }

    #[inline(always)]
    fn encode_list(xs: &[u32], out: &mut [u8]) -> Option<usize> {
        put(xs, out)
    }
    #[inline(always)]
    fn size_list(xs: &[u32]) -> usize {
        size(xs)
    }
    #[inline(always)]
    fn decode_list(bytes: &[u8]) -> Option<Cow<'_, [u32]>> {
        get_bounded::<Vec<u32>>(bytes).map(Cow::Owned)
    }

    #[inline(always)]
    fn encode_request_msg(r: &HttpRequest, out: &mut [u8]) -> Option<usize> {
        put(
            (r.method.code(), r.url.as_str(), &r.headers[..], &r.body[..]),
            out,
        )
    }
    #[inline(always)]
    fn size_request_msg(r: &HttpRequest) -> usize {
        size((r.method.code(), r.url.as_str(), &r.headers[..], &r.body[..]))
    }
    #[inline(always)]
    fn decode_request_msg(bytes: &[u8]) -> Option<HttpRequest> {
        let (method, url, headers, body) = get_bounded::<RequestWire>(bytes)?;
        Some(HttpRequest {
            method: Method::from_code(method)?,
            url,
            headers,
            body,
        })
    }

    #[inline(always)]
    fn encode_response_msg(r: &HttpResponse, out: &mut [u8]) -> Option<usize> {
        put((r.status, &r.headers[..], &r.body[..]), out)
    }
    #[inline(always)]
    fn size_response_msg(r: &HttpResponse) -> usize {
        size((r.status, &r.headers[..], &r.body[..]))
    }
    #[inline(always)]
    fn decode_response_msg(bytes: &[u8]) -> Option<HttpResponse> {
        let (status, headers, body) = get_bounded::<ResponseWire>(bytes)?;
        Some(HttpResponse {
            status,
            headers,
            body,
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
    fn payloads_round_trip_and_hostile_lengths_are_refused() {
        let r = payload::make_record(2);
        let bytes =
            abi_api::to_vec(&r, BincodeCodec::size_record, BincodeCodec::encode_record).unwrap();
        assert_eq!(BincodeCodec::decode_record(&bytes), Some(r));
        let s = payload::make_string(1, 300);
        let bytes =
            abi_api::to_vec(s.as_str(), BincodeCodec::size_str, BincodeCodec::encode_str).unwrap();
        assert!(matches!(BincodeCodec::decode_str(&bytes), Some(Cow::Borrowed(t)) if t == s));
        let req = payload::make_request(4, 100);
        let bytes = abi_api::to_vec(
            &req,
            BincodeCodec::size_request_msg,
            BincodeCodec::encode_request_msg,
        )
        .unwrap();
        assert_eq!(BincodeCodec::decode_request_msg(&bytes), Some(req));
        assert_eq!(
            BincodeCodec::decode_request_msg(&bytes[..bytes.len() - 1]),
            None
        );
        // A list claiming 2^60 elements: refused, nothing allocated.
        let mut huge = (1u64 << 60).to_le_bytes().to_vec();
        huge.extend_from_slice(&[0; 16]);
        assert_eq!(BincodeCodec::decode_list(&huge), None);
        assert_eq!(BincodeCodec::decode_response_msg(&huge), None);
        let rs = [Request::new(5, 6), Request::new(7, 8)];
        let bytes = abi_api::to_vec(
            &rs[..],
            BincodeCodec::size_requests,
            BincodeCodec::encode_requests,
        )
        .unwrap();
        let mut back = vec![];
        BincodeCodec::decode_requests(&bytes, |r| back.push(r)).unwrap();
        assert_eq!(back, rs);
        assert_eq!(BincodeCodec::decode_requests(&huge, |_| {}), None);
    }

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
