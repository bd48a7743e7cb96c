//! The Postcard ABI: a scenario's values serialised with serde into
//! postcard's wire format, written into guest memory; the guest
//! deserialises them, borrowing text in place.
//!
//! ```text
//!   host                                     guest (guests/postcard)
//!   (a, b) ──to_slice──▶ varint bytes at ptr (static buffer or abi_alloc block)
//!   call micro_mul_i32(ptr, len) ─────────────▶ from_bytes::<(i32, i32)> → a * b
//!                     ◀────────────── i32 ───
//! ```
//!
//! Postcard answers the paper's complaint about Bincode: its wire format is
//! written down (the Postcard Wire Format specification, 1.0, stable for
//! the 1.x crates): integers are varints (signed ones zigzag), floats
//! little-endian, sequences and strings a varint length then their
//! elements, tuples and structs their fields in order, enums a varint
//! variant index. Another language can implement either side from it.
//!
//! Memory strategies as for every memory-sharing ABI (`abi_api::guest`).

use std::borrow::Cow;

use abi_api::Codec;
use abi_api::wire::{
    RecordTuple, StatsTuple, record_from_tuple, record_tuple, stats_from_tuple, stats_tuple,
};
use cachesim::{Request, Stats};
use payload::{HttpRequest, HttpResponse, Method, Record};
use serde::de::{Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, SerializeSeq, Serializer};

#[inline(always)]
fn put<T: Serialize + ?Sized>(v: &T, out: &mut [u8]) -> Option<usize> {
    postcard::to_slice(v, out).ok().map(|b| b.len())
}

#[inline(always)]
fn size<T: Serialize + ?Sized>(v: &T) -> usize {
    postcard::experimental::serialized_size(v).unwrap_or(0)
}

/// Deserialises exactly `bytes`: trailing bytes are an error too.
#[inline(always)]
fn get<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Option<T> {
    match postcard::take_from_bytes::<T>(bytes) {
        Ok((v, [])) => Some(v),
        Ok(_) | Err(_) => None,
    }
}

/// Bytes as postcard's byte array (a varint length, then the bytes): the
/// same wire bytes as a sequence of `u8`, read with one copy instead of
/// one visit per byte.
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// An owned byte array read back from postcard.
struct ByteBuf(Vec<u8>);

impl<'de> Deserialize<'de> for ByteBuf {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ByteBuf;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a byte array")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<ByteBuf, E> {
                Ok(ByteBuf(v.to_vec()))
            }
        }
        d.deserialize_bytes(V)
    }
}

/// A batch of requests as a sequence of `(id, size)` pairs, serialised
/// straight from the slice.
struct Batch<'a>(&'a [Request]);

impl Serialize for Batch<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for r in self.0 {
            seq.serialize_element(&(r.id, r.size))?;
        }
        seq.end()
    }
}

fn request_wire(r: &HttpRequest) -> (u8, &str, &[(String, String)], Bytes<'_>) {
    (r.method.code(), &r.url, &r.headers, Bytes(&r.body))
}

fn response_wire(r: &HttpResponse) -> (u16, &[(String, String)], Bytes<'_>) {
    (r.status, &r.headers, Bytes(&r.body))
}

/// The Postcard encoding: one [`Codec`] for both halves.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostcardCodec;

impl Codec for PostcardCodec {
    #[inline(always)]
    fn encode_mul_i32(a: i32, b: i32, out: &mut [u8]) -> Option<usize> {
        put(&(a, b), out)
    }
    #[inline(always)]
    fn size_mul_i32(a: i32, b: i32) -> usize {
        size(&(a, b))
    }
    #[inline(always)]
    fn decode_mul_i32(bytes: &[u8]) -> Option<(i32, i32)> {
        get(bytes)
    }

    #[inline(always)]
    fn encode_mul_f32(a: f32, b: f32, out: &mut [u8]) -> Option<usize> {
        put(&(a, b), out)
    }
    #[inline(always)]
    fn size_mul_f32(a: f32, b: f32) -> usize {
        size(&(a, b))
    }
    #[inline(always)]
    fn decode_mul_f32(bytes: &[u8]) -> Option<(f32, f32)> {
        get(bytes)
    }

    #[inline(always)]
    fn encode_request(r: Request, out: &mut [u8]) -> Option<usize> {
        put(&(r.id, r.size), out)
    }
    #[inline(always)]
    fn size_request(r: Request) -> usize {
        size(&(r.id, r.size))
    }
    #[inline(always)]
    fn decode_request(bytes: &[u8]) -> Option<Request> {
        get::<(u32, u32)>(bytes).map(|(id, size)| Request::new(id, size))
    }

    fn encode_stats(s: Stats, out: &mut [u8]) -> Option<usize> {
        put(&stats_tuple(s), out)
    }
    fn decode_stats(bytes: &[u8]) -> Option<Stats> {
        get::<StatsTuple>(bytes).map(stats_from_tuple)
    }

    #[inline(always)]
    fn encode_requests(rs: &[Request], out: &mut [u8]) -> Option<usize> {
        put(&Batch(rs), out)
    }
    #[inline(always)]
    fn size_requests(rs: &[Request]) -> usize {
        size(&Batch(rs))
    }
    #[inline(always)]
    fn decode_requests(bytes: &[u8], mut each: impl FnMut(Request)) -> Option<()> {
        for (id, size) in get::<Vec<(u32, u32)>>(bytes)? {
            each(Request::new(id, size));
        }
        Some(())
    }

    #[inline(always)]
    fn encode_record(r: &Record, out: &mut [u8]) -> Option<usize> {
        put(&record_tuple(r), out)
    }
    #[inline(always)]
    fn size_record(r: &Record) -> usize {
        size(&record_tuple(r))
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
        get::<&str>(bytes).map(Cow::Borrowed)
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
        get::<Vec<u32>>(bytes).map(Cow::Owned)
    }

    #[inline(always)]
    fn encode_request_msg(r: &HttpRequest, out: &mut [u8]) -> Option<usize> {
        put(&request_wire(r), out)
    }
    #[inline(always)]
    fn size_request_msg(r: &HttpRequest) -> usize {
        size(&request_wire(r))
    }
    #[inline(always)]
    fn decode_request_msg(bytes: &[u8]) -> Option<HttpRequest> {
        let (method, url, headers, body) =
            get::<(u8, String, Vec<(String, String)>, ByteBuf)>(bytes)?;
        Some(HttpRequest {
            method: Method::from_code(method)?,
            url,
            headers,
            body: body.0,
        })
    }

    #[inline(always)]
    fn encode_response_msg(r: &HttpResponse, out: &mut [u8]) -> Option<usize> {
        put(&response_wire(r), out)
    }
    #[inline(always)]
    fn size_response_msg(r: &HttpResponse) -> usize {
        size(&response_wire(r))
    }
    #[inline(always)]
    fn decode_response_msg(bytes: &[u8]) -> Option<HttpResponse> {
        let (status, headers, body) = get::<(u16, Vec<(String, String)>, ByteBuf)>(bytes)?;
        Some(HttpResponse {
            status,
            headers,
            body: body.0,
        })
    }
}

abi_api::codec_abi! {
    /// The Postcard ABI, as registered with the harness.
    pub struct Postcard {
        codec: PostcardCodec,
        id: "postcard",
        about: "serde values in postcard's specified wire format, encoded into guest memory",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_format_is_the_specified_one() {
        // zigzag varints: -1 → 1, 300 → 600 = [0xd8, 0x04].
        let mut buf = [0u8; 16];
        let n = PostcardCodec::encode_mul_i32(-1, 300, &mut buf).unwrap();
        assert_eq!(&buf[..n], &[0x01, 0xd8, 0x04]);
        assert_eq!(PostcardCodec::size_mul_i32(-1, 300), 3);
        assert_eq!(PostcardCodec::decode_mul_i32(&buf[..n]), Some((-1, 300)));
        // Trailing bytes are refused.
        assert_eq!(PostcardCodec::decode_mul_i32(&buf[..n + 1]), None);
        // Text: a varint length, then the bytes.
        let n = PostcardCodec::encode_str("hé", &mut buf).unwrap();
        assert_eq!(&buf[..n], &[3, b'h', 0xc3, 0xa9]);
    }

    #[test]
    fn payloads_round_trip_and_bad_bytes_are_refused() {
        let req = payload::make_request(7, 1000);
        let bytes = abi_api::to_vec(
            &req,
            PostcardCodec::size_request_msg,
            PostcardCodec::encode_request_msg,
        )
        .unwrap();
        assert_eq!(PostcardCodec::decode_request_msg(&bytes), Some(req));
        assert_eq!(
            PostcardCodec::decode_request_msg(&bytes[..bytes.len() - 3]),
            None
        );
        let resp = payload::make_response(2, 64);
        let bytes = abi_api::to_vec(
            &resp,
            PostcardCodec::size_response_msg,
            PostcardCodec::encode_response_msg,
        )
        .unwrap();
        assert_eq!(PostcardCodec::decode_response_msg(&bytes), Some(resp));
        let r = payload::make_record(3);
        let bytes =
            abi_api::to_vec(&r, PostcardCodec::size_record, PostcardCodec::encode_record).unwrap();
        assert_eq!(PostcardCodec::decode_record(&bytes), Some(r));
        let xs = payload::make_list(1, 50);
        let bytes = abi_api::to_vec(
            &xs[..],
            PostcardCodec::size_list,
            PostcardCodec::encode_list,
        )
        .unwrap();
        assert_eq!(
            PostcardCodec::decode_list(&bytes).unwrap().as_ref(),
            &xs[..]
        );
        // A list claiming 2^62 elements: refused without allocating them.
        let huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 1, 2];
        assert_eq!(PostcardCodec::decode_list(&huge), None);
        assert_eq!(PostcardCodec::decode_str(&[2, 0xc3, 0x28]), None);
        let rs = [Request::new(1, 2), Request::new(u32::MAX, 0)];
        let bytes = abi_api::to_vec(
            &rs[..],
            PostcardCodec::size_requests,
            PostcardCodec::encode_requests,
        )
        .unwrap();
        let mut back = vec![];
        PostcardCodec::decode_requests(&bytes, |r| back.push(r)).unwrap();
        assert_eq!(back, rs);
    }
}
