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

use abi_api::Codec;
use cachesim::Stats;
use prost::Message;

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

    /// The schema file is the contract: every field it declares is on the
    /// wire with its declared number and wire type.
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
                fields.push((message, ty, name, num.parse::<u32>().unwrap()));
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
