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

use std::borrow::Cow;

use abi_api::Codec;
use cachesim::Stats;
use payload::{HttpRequest, HttpResponse, Method, Record};
use prost::Message;
use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint, key_len};

/// The generated message types.
#[allow(missing_docs)]
pub mod wire {
    include!(concat!(env!("OUT_DIR"), "/abilab.rs"));
}

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

/// Writes with prost's own encoding functions from borrowed fields: the
/// bytes the generated types would write, without first copying the
/// payload into an owned message. `out` must hold `len` bytes.
#[inline(always)]
fn write(out: &mut [u8], len: usize, f: impl FnOnce(&mut &mut [u8])) -> Option<usize> {
    let mut buf = out.get_mut(..len)?;
    f(&mut buf);
    Some(len)
}

/// Size of a length-delimited field of `n` bytes with `tag`.
#[inline(always)]
fn delimited_len(tag: u32, n: usize) -> usize {
    key_len(tag) + encoded_len_varint(n as u64) + n
}

/// Writes a length-delimited field holding `bytes`.
#[inline(always)]
fn put_delimited(tag: u32, bytes: &[u8], buf: &mut &mut [u8]) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(bytes.len() as u64, buf);
    prost::bytes::BufMut::put_slice(buf, bytes);
}

/// Size of a varint field.
#[inline(always)]
fn varint_len(tag: u32, v: u64) -> usize {
    key_len(tag) + encoded_len_varint(v)
}

/// Writes a varint field.
#[inline(always)]
fn put_varint(tag: u32, v: u64, buf: &mut &mut [u8]) {
    encode_key(tag, WireType::Varint, buf);
    encode_varint(v, buf);
}

/// Size of one `Header` message's body.
fn header_len(name: &str, value: &str) -> usize {
    delimited_len(1, name.len()) + delimited_len(2, value.len())
}

/// Size of a repeated `Header` field with `tag`.
fn headers_len(tag: u32, headers: &[(String, String)]) -> usize {
    headers
        .iter()
        .map(|(k, v)| delimited_len(tag, header_len(k, v)))
        .sum()
}

/// Writes a repeated `Header` field with `tag`.
fn put_headers(tag: u32, headers: &[(String, String)], buf: &mut &mut [u8]) {
    for (k, v) in headers {
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint(header_len(k, v) as u64, buf);
        put_delimited(1, k.as_bytes(), buf);
        put_delimited(2, v.as_bytes(), buf);
    }
}

fn request_len(r: &HttpRequest) -> usize {
    varint_len(1, u64::from(r.method.code()))
        + delimited_len(2, r.url.len())
        + headers_len(3, &r.headers)
        + delimited_len(4, r.body.len())
}

fn response_len(r: &HttpResponse) -> usize {
    varint_len(1, u64::from(r.status)) + headers_len(2, &r.headers) + delimited_len(3, r.body.len())
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
    fn hand_encoded_payloads_are_what_the_generated_types_read() {
        for seed in 0..6 {
            let req = payload::make_request(seed, 37 * seed as usize);
            let bytes = abi_api::to_vec(
                &req,
                ProtobufCodec::size_request_msg,
                ProtobufCodec::encode_request_msg,
            )
            .unwrap();
            assert_eq!(ProtobufCodec::decode_request_msg(&bytes), Some(req.clone()));
            // And the generated encoder's bytes decode the same.
            let generated = wire::HttpRequest {
                method: u32::from(req.method.code()),
                url: req.url.clone(),
                headers: req
                    .headers
                    .iter()
                    .map(|(name, value)| wire::Header {
                        name: name.clone(),
                        value: value.clone(),
                    })
                    .collect(),
                body: req.body.clone(),
            }
            .encode_to_vec();
            assert_eq!(ProtobufCodec::decode_request_msg(&generated), Some(req));
            let resp = payload::make_response(seed, 5);
            let bytes = abi_api::to_vec(
                &resp,
                ProtobufCodec::size_response_msg,
                ProtobufCodec::encode_response_msg,
            )
            .unwrap();
            assert_eq!(ProtobufCodec::decode_response_msg(&bytes), Some(resp));
        }
        let xs = payload::make_list(3, 100);
        let bytes = abi_api::to_vec(
            &xs[..],
            ProtobufCodec::size_list,
            ProtobufCodec::encode_list,
        )
        .unwrap();
        assert_eq!(bytes, wire::Numbers { values: xs.clone() }.encode_to_vec());
        assert_eq!(
            ProtobufCodec::decode_list(&bytes).unwrap().as_ref(),
            &xs[..]
        );
        let mut r = payload::make_record(3);
        r.x = -0.0;
        let bytes =
            abi_api::to_vec(&r, ProtobufCodec::size_record, ProtobufCodec::encode_record).unwrap();
        let back = ProtobufCodec::decode_record(&bytes).unwrap();
        assert_eq!(back.x.to_bits(), (-0.0f64).to_bits());
        let rs = [
            cachesim::Request::new(1, 1 << 20),
            cachesim::Request::new(0, 0),
        ];
        let bytes = abi_api::to_vec(
            &rs[..],
            ProtobufCodec::size_requests,
            ProtobufCodec::encode_requests,
        )
        .unwrap();
        let mut back = vec![];
        ProtobufCodec::decode_requests(&bytes, |r| back.push(r)).unwrap();
        assert_eq!(back, rs);
        // Truncated: refused.
        assert_eq!(ProtobufCodec::decode_list(&bytes[..bytes.len() - 1]), None);
    }

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

    /// The schema file is the contract: every field of the micro and
    /// simulator messages is on the wire with its declared number and wire
    /// type (the payload messages are checked against the generated types
    /// in `hand_encoded_payloads_are_what_the_generated_types_read`).
    #[test]
    fn messages_follow_the_schema_file() {
        let schema = include_str!("../proto/abilab.proto");
        let mut fields = Vec::new();
        let mut message = "";
        for line in schema.lines().map(str::trim) {
            if line.starts_with("//") || line.starts_with("syntax") {
                continue;
            }
            if let Some(rest) = line.strip_prefix("message ") {
                message = rest.trim_end_matches(" {").trim();
            } else if let Some((decl, num)) = line.trim_end_matches(';').split_once(" = ") {
                let mut words = decl.split_whitespace();
                let mut ty = words.next().unwrap();
                if ty == "optional" {
                    ty = words.next().unwrap();
                }
                let name = words.next().unwrap();
                if ["MulI32", "MulF32", "Request", "Stats"].contains(&message) {
                    fields.push((message, ty, name, num.parse::<u32>().unwrap()));
                }
            }
        }
        assert_eq!(fields.len(), 10, "{fields:?}");
        for (message, ty, name, num) in fields {
            // Encode a message with only this field set to 1.
            let bytes = match (message, name) {
                ("MulI32", "a") => wire::MulI32 { a: 1, b: 0 }.encode_to_vec(),
                ("MulI32", "b") => wire::MulI32 { a: 0, b: 1 }.encode_to_vec(),
                ("MulF32", "a") => wire::MulF32 {
                    a: Some(1.0),
                    b: None,
                }
                .encode_to_vec(),
                ("MulF32", "b") => wire::MulF32 {
                    a: None,
                    b: Some(1.0),
                }
                .encode_to_vec(),
                ("Request", "id") => wire::Request { id: 1, size: 0 }.encode_to_vec(),
                ("Request", "size") => wire::Request { id: 0, size: 1 }.encode_to_vec(),
                ("Stats", f) => {
                    let mut s = wire::Stats::default();
                    *match f {
                        "requests" => &mut s.requests,
                        "hits" => &mut s.hits,
                        "bytes" => &mut s.bytes,
                        "byte_hits" => &mut s.byte_hits,
                        other => panic!("unknown Stats field {other}"),
                    } = 1;
                    s.encode_to_vec()
                }
                other => panic!("schema field {other:?} has no Rust counterpart"),
            };
            let wire_type = if ty == "float" { 5 } else { 0 };
            assert_eq!(bytes[0], (num << 3 | wire_type) as u8, "{message}.{name}");
        }
    }
}
