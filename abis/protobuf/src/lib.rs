//! The Protobuf ABI: a scenario's arguments as protobuf messages (prost),
//! encoded into guest memory; the guest decodes them. The schema is
//! `proto/abilab.proto`, compiled at build time for both halves: another
//! language could implement either side from it.
//!
//! ```text
//!   host                                     guest (guests/protobuf)
//!   MulI32 { a, b } ──encode──▶ bytes at ptr (static buffer or abi_alloc block)
//!   call micro_mul_i32(ptr, len) ─────────────▶ MulI32::decode(..) → a * b
//!                     ◀────────────── i32 ───
//! ```
//!
//! Memory strategies as for every memory-sharing ABI (`abi_api::guest`):
//! `static` encodes straight into the guest's buffer; `dynamic` asks
//! `abi_alloc` for a block of `encoded_len()` bytes per call.

mod borrowed;

use std::borrow::Cow;

use abi_api::Codec;
use cachesim::Stats;
use payload::{HttpRequest, HttpResponse, Method, Record};
use prost::Message;
use prost::encoding::{WireType, encode_key, encode_varint};

use borrowed::{
    delimited_len, put_delimited, put_headers, put_varint, request_len, response_len, varint_len,
    write,
};

#[allow(missing_docs)]
pub mod wire;

#[inline(always)]
fn put<M: Message>(m: &M, out: &mut [u8]) -> Option<usize> {
    let len = m.encoded_len();
    let mut buf = out.get_mut(..len)?;
    m.encode_raw(&mut buf);
    Some(len)
}

#[inline(always)]
fn get<M: Message + Default>(bytes: &[u8]) -> Option<M> {
    M::decode(bytes).ok()
}

/// Both operands always present, so the sign of a zero survives.
#[inline(always)]
fn mul_f32(a: f32, b: f32) -> wire::MulF32 {
    wire::MulF32 {
        a: Some(a),
        b: Some(b),
    }
}

fn headers_from(h: Vec<wire::Header>) -> Vec<(String, String)> {
    h.into_iter().map(|h| (h.name, h.value)).collect()
}

fn record_msg(r: &Record) -> wire::Record {
    wire::Record {
        id: r.id,
        x: Some(r.x),
        y: Some(r.y),
        count: r.count,
        port: u32::from(r.port),
        flags: u32::from(r.flags),
    }
}

/// The Protobuf encoding: one [`Codec`] for both halves.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProtobufCodec;

impl Codec for ProtobufCodec {
    #[inline(always)]
    fn encode_mul_i32(a: i32, b: i32, out: &mut [u8]) -> Option<usize> {
        put(&wire::MulI32 { a, b }, out)
    }
    #[inline(always)]
    fn size_mul_i32(a: i32, b: i32) -> usize {
        wire::MulI32 { a, b }.encoded_len()
    }
    #[inline(always)]
    fn decode_mul_i32(bytes: &[u8]) -> Option<(i32, i32)> {
        get::<wire::MulI32>(bytes).map(|m| (m.a, m.b))
    }

    #[inline(always)]
    fn encode_mul_f32(a: f32, b: f32, out: &mut [u8]) -> Option<usize> {
        put(&mul_f32(a, b), out)
    }
    #[inline(always)]
    fn size_mul_f32(a: f32, b: f32) -> usize {
        mul_f32(a, b).encoded_len()
    }
    #[inline(always)]
    fn decode_mul_f32(bytes: &[u8]) -> Option<(f32, f32)> {
        get::<wire::MulF32>(bytes).map(|m| (m.a.unwrap_or(0.0), m.b.unwrap_or(0.0)))
    }

    #[inline(always)]
    fn encode_request(r: cachesim::Request, out: &mut [u8]) -> Option<usize> {
        put(
            &wire::Request {
                id: r.id,
                size: r.size,
            },
            out,
        )
    }
    #[inline(always)]
    fn size_request(r: cachesim::Request) -> usize {
        wire::Request {
            id: r.id,
            size: r.size,
        }
        .encoded_len()
    }
    #[inline(always)]
    fn decode_request(bytes: &[u8]) -> Option<cachesim::Request> {
        get::<wire::Request>(bytes).map(|r| cachesim::Request::new(r.id, r.size))
    }

    fn encode_stats(s: Stats, out: &mut [u8]) -> Option<usize> {
        put(
            &wire::Stats {
                requests: s.requests,
                hits: s.hits,
                bytes: s.bytes,
                byte_hits: s.byte_hits,
            },
            out,
        )
    }
    fn decode_stats(bytes: &[u8]) -> Option<Stats> {
        get::<wire::Stats>(bytes).map(|s| Stats {
            requests: s.requests,
            hits: s.hits,
            bytes: s.bytes,
            byte_hits: s.byte_hits,
        })
    }

    #[inline(always)]
    fn encode_requests(rs: &[cachesim::Request], out: &mut [u8]) -> Option<usize> {
        let len = Self::size_requests(rs);
        write(out, len, |buf| {
            for r in rs {
                let n = varint_len(1, u64::from(r.id)) + varint_len(2, u64::from(r.size));
                encode_key(1, WireType::LengthDelimited, buf);
                encode_varint(n as u64, buf);
                put_varint(1, u64::from(r.id), buf);
                put_varint(2, u64::from(r.size), buf);
            }
        })
    }
    #[inline(always)]
    fn size_requests(rs: &[cachesim::Request]) -> usize {
        rs.iter()
            .map(|r| {
                delimited_len(
                    1,
                    varint_len(1, u64::from(r.id)) + varint_len(2, u64::from(r.size)),
                )
            })
            .sum()
    }
    #[inline(always)]
    fn decode_requests(bytes: &[u8], mut each: impl FnMut(cachesim::Request)) -> Option<()> {
        for r in get::<wire::Requests>(bytes)?.requests {
            each(cachesim::Request::new(r.id, r.size));
        }
        Some(())
    }

    #[inline(always)]
    fn encode_record(r: &Record, out: &mut [u8]) -> Option<usize> {
        put(&record_msg(r), out)
    }
    #[inline(always)]
    fn size_record(r: &Record) -> usize {
        record_msg(r).encoded_len()
    }
    #[inline(always)]
    fn decode_record(bytes: &[u8]) -> Option<Record> {
        let r = get::<wire::Record>(bytes)?;
        Some(Record {
            id: r.id,
            x: r.x.unwrap_or(0.0),
            y: r.y.unwrap_or(0.0),
            count: r.count,
            port: u16::try_from(r.port).ok()?,
            flags: u8::try_from(r.flags).ok()?,
        })
    }

    #[inline(always)]
    fn encode_str(s: &str, out: &mut [u8]) -> Option<usize> {
        write(out, delimited_len(1, s.len()), |buf| {
            put_delimited(1, s.as_bytes(), buf)
        })
    }
    #[inline(always)]
    fn size_str(s: &str) -> usize {
        delimited_len(1, s.len())
    }
    #[inline(always)]
    fn decode_str(bytes: &[u8]) -> Option<Cow<'_, str>> {
        get::<wire::Text>(bytes).map(|t| Cow::Owned(t.text))
    }

    #[inline(always)]
    fn encode_list(xs: &[u32], out: &mut [u8]) -> Option<usize> {
        write(out, Self::size_list(xs), |buf| {
            prost::encoding::uint32::encode_packed(1, xs, buf)
        })
    }
    #[inline(always)]
    fn size_list(xs: &[u32]) -> usize {
        prost::encoding::uint32::encoded_len_packed(1, xs)
    }
    #[inline(always)]
    fn decode_list(bytes: &[u8]) -> Option<Cow<'_, [u32]>> {
        get::<wire::Numbers>(bytes).map(|n| Cow::Owned(n.values))
    }

    #[inline(always)]
    fn encode_request_msg(r: &HttpRequest, out: &mut [u8]) -> Option<usize> {
        write(out, request_len(r), |buf| {
            put_varint(1, u64::from(r.method.code()), buf);
            put_delimited(2, r.url.as_bytes(), buf);
            put_headers(3, &r.headers, buf);
            put_delimited(4, &r.body, buf);
        })
    }
    #[inline(always)]
    fn size_request_msg(r: &HttpRequest) -> usize {
        request_len(r)
    }
    #[inline(always)]
    fn decode_request_msg(bytes: &[u8]) -> Option<HttpRequest> {
        let r = get::<wire::HttpRequest>(bytes)?;
        Some(HttpRequest {
            method: Method::from_code(u8::try_from(r.method).ok()?)?,
            url: r.url,
            headers: headers_from(r.headers),
            body: r.body,
        })
    }

    #[inline(always)]
    fn encode_response_msg(r: &HttpResponse, out: &mut [u8]) -> Option<usize> {
        write(out, response_len(r), |buf| {
            put_varint(1, u64::from(r.status), buf);
            put_headers(2, &r.headers, buf);
            put_delimited(3, &r.body, buf);
        })
    }
    #[inline(always)]
    fn size_response_msg(r: &HttpResponse) -> usize {
        response_len(r)
    }
    #[inline(always)]
    fn decode_response_msg(bytes: &[u8]) -> Option<HttpResponse> {
        let r = get::<wire::HttpResponse>(bytes)?;
        Some(HttpResponse {
            status: u16::try_from(r.status).ok()?,
            headers: headers_from(r.headers),
            body: r.body,
        })
    }
}

abi_api::codec_abi! {
    /// The Protobuf ABI, as registered with the harness.
    pub struct Protobuf {
        codec: ProtobufCodec,
        id: "protobuf",
        about: "protobuf messages (prost) encoded into guest memory",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_sizes_agree() {
        let mut buf = [0u8; 64];
        for (a, b) in [(0, 0), (-1, 1), (i32::MIN, i32::MAX)] {
            let n = ProtobufCodec::encode_mul_i32(a, b, &mut buf).unwrap();
            assert_eq!(n, ProtobufCodec::size_mul_i32(a, b));
            assert_eq!(ProtobufCodec::decode_mul_i32(&buf[..n]), Some((a, b)));
        }
        // sint32 zigzag: -1 is one byte, not ten.
        assert_eq!(ProtobufCodec::size_mul_i32(-1, 0), 2);
        assert_eq!(
            ProtobufCodec::encode_mul_i32(i32::MIN, i32::MAX, &mut buf[..3]),
            None
        );
        let n = ProtobufCodec::encode_mul_f32(-0.0, 0.0, &mut buf).unwrap();
        let (a, b) = ProtobufCodec::decode_mul_f32(&buf[..n]).unwrap();
        assert_eq!((a.to_bits(), b.to_bits()), ((-0.0f32).to_bits(), 0));
        let s = Stats {
            requests: 5,
            hits: 3,
            bytes: 50,
            byte_hits: 30,
        };
        let n = ProtobufCodec::encode_stats(s, &mut buf).unwrap();
        assert_eq!(ProtobufCodec::decode_stats(&buf[..n]), Some(s));
        assert_eq!(ProtobufCodec::decode_stats(&[0xFF, 0xFF]), None);
    }
}
