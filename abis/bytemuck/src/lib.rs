//! The Bytemuck ABI: a scenario's arguments as a `#[repr(C)]` [`Pod`]
//! struct, copied byte for byte into guest memory; the guest reinterprets
//! the bytes in place after an alignment and size check.
//!
//! ```text
//!   host                                guest (guests/bytemuck)
//!   MulI32 { a, b } ──bytes_of──▶ 8 bytes at ptr (static buffer or abi_alloc block)
//!   call micro_mul_i32(ptr, 8) ─────────▶ from_bytes::<MulI32>(..) → a * b
//!                  ◀──────────── i32 ───
//! ```
//!
//! The memory protocol (static buffer fetched once, or an `abi_alloc` block
//! per call that the op frees) is shared by every memory-sharing ABI: see
//! `abi_api::guest`. This crate only says how messages become bytes.

use std::borrow::Cow;

use abi_api::Codec;
use bytemuck::{Pod, Zeroable};
use cachesim::{Request, Stats};
use payload::{HttpRequest, HttpResponse, Record, Shape};

/// The micro scenario's `i32` arguments, as laid out in memory.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct MulI32 {
    /// Left operand.
    pub a: i32,
    /// Right operand.
    pub b: i32,
}

/// The micro scenario's `f32` arguments.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct MulF32 {
    /// Left operand.
    pub a: f32,
    /// Right operand.
    pub b: f32,
}

/// One simulator request.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct RequestPod {
    /// Object id.
    pub id: u32,
    /// Object size in bytes.
    pub size: u32,
}

/// The simulator's counters.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct StatsPod {
    /// Requests sent.
    pub requests: u64,
    /// Hits.
    pub hits: u64,
    /// Bytes requested.
    pub bytes: u64,
    /// Bytes of hits.
    pub byte_hits: u64,
}

/// The payload record, as laid out in memory (the padding byte explicit,
/// so the struct is plain old data).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct RecordPod {
    /// An identifier.
    pub id: u64,
    /// A coordinate.
    pub x: f64,
    /// Another.
    pub y: f64,
    /// A counter.
    pub count: u32,
    /// A port.
    pub port: u16,
    /// Flag bits.
    pub flags: u8,
    /// Padding to 32 bytes, always zero.
    pub pad: u8,
}

/// Copies a slice of `Pod` values' bytes into `out`, if it fits.
#[inline(always)]
fn put_slice<T: Pod>(v: &[T], out: &mut [u8]) -> Option<usize> {
    let bytes: &[u8] = bytemuck::cast_slice(v);
    out.get_mut(..bytes.len())?.copy_from_slice(bytes);
    Some(bytes.len())
}

/// Reads a slice of `Pod` values in place when `bytes` is aligned for
/// them, copying otherwise (a guest may hand back any address).
#[inline(always)]
fn get_slice<T: Pod>(bytes: &[u8]) -> Option<Cow<'_, [T]>> {
    if !bytes.len().is_multiple_of(size_of::<T>()) {
        return None;
    }
    Some(match bytemuck::try_cast_slice(bytes) {
        Ok(v) => Cow::Borrowed(v),
        Err(_) => Cow::Owned(
            bytes
                .chunks_exact(size_of::<T>())
                .map(bytemuck::pod_read_unaligned)
                .collect(),
        ),
    })
}

/// Copies a `Pod` value's bytes into `out`, if it fits.
#[inline(always)]
fn put<T: Pod>(v: &T, out: &mut [u8]) -> Option<usize> {
    let bytes = bytemuck::bytes_of(v);
    out.get_mut(..bytes.len())?.copy_from_slice(bytes);
    Some(bytes.len())
}

/// Reads a `Pod` value in place: the bytes must have its exact size and
/// alignment (the check the paper credits bytemuck with).
#[inline(always)]
fn get<T: Pod>(bytes: &[u8]) -> Option<T> {
    bytemuck::try_from_bytes::<T>(bytes).ok().copied()
}

/// The Bytemuck encoding: one [`Codec`] for both halves.
#[derive(Debug, Clone, Copy, Default)]
pub struct BytemuckCodec;

impl Codec for BytemuckCodec {
    #[inline(always)]
    fn encode_mul_i32(a: i32, b: i32, out: &mut [u8]) -> Option<usize> {
        put(&MulI32 { a, b }, out)
    }
    #[inline(always)]
    fn size_mul_i32(_: i32, _: i32) -> usize {
        size_of::<MulI32>()
    }
    #[inline(always)]
    fn decode_mul_i32(bytes: &[u8]) -> Option<(i32, i32)> {
        get::<MulI32>(bytes).map(|m| (m.a, m.b))
    }

    #[inline(always)]
    fn encode_mul_f32(a: f32, b: f32, out: &mut [u8]) -> Option<usize> {
        put(&MulF32 { a, b }, out)
    }
    #[inline(always)]
    fn size_mul_f32(_: f32, _: f32) -> usize {
        size_of::<MulF32>()
    }
    #[inline(always)]
    fn decode_mul_f32(bytes: &[u8]) -> Option<(f32, f32)> {
        get::<MulF32>(bytes).map(|m| (m.a, m.b))
    }

    #[inline(always)]
    fn encode_request(r: Request, out: &mut [u8]) -> Option<usize> {
        put(
            &RequestPod {
                id: r.id,
                size: r.size,
            },
            out,
        )
    }
    #[inline(always)]
    fn size_request(_: Request) -> usize {
        size_of::<RequestPod>()
    }
    #[inline(always)]
    fn decode_request(bytes: &[u8]) -> Option<Request> {
        get::<RequestPod>(bytes).map(|r| Request::new(r.id, r.size))
    }

    fn encode_stats(s: Stats, out: &mut [u8]) -> Option<usize> {
        put(
            &StatsPod {
                requests: s.requests,
                hits: s.hits,
                bytes: s.bytes,
                byte_hits: s.byte_hits,
            },
            out,
        )
    }
    fn decode_stats(bytes: &[u8]) -> Option<Stats> {
        // The guest's output buffer is 8-aligned, but read unaligned anyway:
        // a hostile guest could point anywhere.
        (bytes.len() == size_of::<StatsPod>()).then(|| {
            let s: StatsPod = bytemuck::pod_read_unaligned(bytes);
            Stats {
                requests: s.requests,
                hits: s.hits,
                bytes: s.bytes,
                byte_hits: s.byte_hits,
            }
        })
    }

    #[inline(always)]
    fn encode_requests(rs: &[Request], out: &mut [u8]) -> Option<usize> {
        let n = rs.len() * size_of::<RequestPod>();
        let out = out.get_mut(..n)?;
        for (chunk, r) in out.chunks_exact_mut(size_of::<RequestPod>()).zip(rs) {
            chunk.copy_from_slice(bytemuck::bytes_of(&RequestPod {
                id: r.id,
                size: r.size,
            }));
        }
        Some(n)
    }
    #[inline(always)]
    fn size_requests(rs: &[Request]) -> usize {
        rs.len() * size_of::<RequestPod>()
    }
    #[inline(always)]
    fn decode_requests(bytes: &[u8], mut each: impl FnMut(Request)) -> Option<()> {
        for r in get_slice::<RequestPod>(bytes)?.iter() {
            each(Request::new(r.id, r.size));
        }
        Some(())
    }

    fn carries(shape: Shape) -> Result<(), &'static str> {
        match shape {
            Shape::Record | Shape::String | Shape::List => Ok(()),
            Shape::Nested => Err(
                "a nested message (strings and lists inside a record) is not \
                 plain old data: Bytemuck cannot lay it out in place",
            ),
        }
    }

    #[inline(always)]
    fn encode_record(r: &Record, out: &mut [u8]) -> Option<usize> {
        put(
            &RecordPod {
                id: r.id,
                x: r.x,
                y: r.y,
                count: r.count,
                port: r.port,
                flags: r.flags,
                pad: 0,
            },
            out,
        )
    }
    #[inline(always)]
    fn size_record(_: &Record) -> usize {
        size_of::<RecordPod>()
    }
    #[inline(always)]
    fn decode_record(bytes: &[u8]) -> Option<Record> {
        // Unaligned read: the record may come from anywhere in guest memory.
        (bytes.len() == size_of::<RecordPod>()).then(|| {
            let r: RecordPod = bytemuck::pod_read_unaligned(bytes);
            Record {
                id: r.id,
                x: r.x,
                y: r.y,
                count: r.count,
                port: r.port,
                flags: r.flags,
            }
        })
    }

    #[inline(always)]
    fn encode_str(s: &str, out: &mut [u8]) -> Option<usize> {
        put_slice(s.as_bytes(), out)
    }
    #[inline(always)]
    fn size_str(s: &str) -> usize {
        s.len()
    }
    #[inline(always)]
    fn decode_str(bytes: &[u8]) -> Option<Cow<'_, str>> {
        // Text is bytes here; checking they are UTF-8 is the decode.
        std::str::from_utf8(bytes).ok().map(Cow::Borrowed)
    }

    #[inline(always)]
    fn encode_list(xs: &[u32], out: &mut [u8]) -> Option<usize> {
        put_slice(xs, out)
    }
    #[inline(always)]
    fn size_list(xs: &[u32]) -> usize {
        size_of_val(xs)
    }
    #[inline(always)]
    fn decode_list(bytes: &[u8]) -> Option<Cow<'_, [u32]>> {
        get_slice(bytes)
    }

    fn encode_request_msg(_: &HttpRequest, _: &mut [u8]) -> Option<usize> {
        None
    }
    fn size_request_msg(_: &HttpRequest) -> usize {
        0
    }
    fn decode_request_msg(_: &[u8]) -> Option<HttpRequest> {
        None
    }
    fn encode_response_msg(_: &HttpResponse, _: &mut [u8]) -> Option<usize> {
        None
    }
    fn size_response_msg(_: &HttpResponse) -> usize {
        0
    }
    fn decode_response_msg(_: &[u8]) -> Option<HttpResponse> {
        None
    }
}

abi_api::codec_abi! {
    /// The Bytemuck ABI, as registered with the harness.
    pub struct Bytemuck {
        codec: BytemuckCodec,
        id: "bytemuck",
        about: "#[repr(C)] Pod structs copied into guest memory",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_wrong_sizes() {
        let mut buf = [0u8; 64];
        let n = BytemuckCodec::encode_mul_i32(-3, i32::MAX, &mut buf).unwrap();
        assert_eq!(n, 8);
        assert_eq!(
            BytemuckCodec::decode_mul_i32(&buf[..n]),
            Some((-3, i32::MAX))
        );
        assert_eq!(BytemuckCodec::decode_mul_i32(&buf[..7]), None);
        let n = BytemuckCodec::encode_mul_f32(-0.0, f32::INFINITY, &mut buf).unwrap();
        let (a, b) = BytemuckCodec::decode_mul_f32(&buf[..n]).unwrap();
        assert_eq!((a.to_bits(), b), ((-0.0f32).to_bits(), f32::INFINITY));
        let r = Request::new(7, 1 << 20);
        let n = BytemuckCodec::encode_request(r, &mut buf).unwrap();
        assert_eq!(BytemuckCodec::decode_request(&buf[..n]), Some(r));
        let s = Stats {
            requests: 10,
            hits: 4,
            bytes: 1000,
            byte_hits: 400,
        };
        let n = BytemuckCodec::encode_stats(s, &mut buf).unwrap();
        assert_eq!(BytemuckCodec::decode_stats(&buf[..n - 1]), None);
        // Stats are read unaligned: a guest may hand back any address.
        buf.copy_within(0..n, 1);
        assert_eq!(BytemuckCodec::decode_stats(&buf[1..n + 1]), Some(s));
        assert_eq!(BytemuckCodec::encode_mul_i32(1, 2, &mut buf[..4]), None);
    }

    #[test]
    fn payloads_round_trip_in_place_or_copied() {
        let r = payload::make_record(3);
        let bytes =
            abi_api::to_vec(&r, BytemuckCodec::size_record, BytemuckCodec::encode_record).unwrap();
        assert_eq!(bytes.len(), 32);
        assert_eq!(BytemuckCodec::decode_record(&bytes), Some(r));
        assert_eq!(BytemuckCodec::decode_record(&bytes[1..]), None);
        let xs = payload::make_list(1, 9);
        let bytes = abi_api::to_vec(
            &xs[..],
            BytemuckCodec::size_list,
            BytemuckCodec::encode_list,
        )
        .unwrap();
        assert_eq!(
            BytemuckCodec::decode_list(&bytes).unwrap().as_ref(),
            &xs[..]
        );
        // Misaligned: copied, same values; a partial element: refused.
        let mut shifted = vec![0u8; bytes.len() + 1];
        shifted[1..].copy_from_slice(&bytes);
        assert_eq!(
            BytemuckCodec::decode_list(&shifted[1..]).unwrap().as_ref(),
            &xs[..]
        );
        assert_eq!(BytemuckCodec::decode_list(&bytes[..5]), None);
        assert_eq!(BytemuckCodec::decode_str(&[0xC3]), None);
        assert!(BytemuckCodec::carries(Shape::Nested).is_err());
        let rs = [Request::new(1, 2), Request::new(3, 4)];
        let bytes = abi_api::to_vec(
            &rs[..],
            BytemuckCodec::size_requests,
            BytemuckCodec::encode_requests,
        )
        .unwrap();
        let mut back = vec![];
        BytemuckCodec::decode_requests(&bytes, |r| back.push(r)).unwrap();
        assert_eq!(back, rs);
    }

    #[test]
    fn layout_is_what_the_guest_reads() {
        let bytes = bytemuck::bytes_of(&MulI32 { a: 1, b: 2 });
        assert_eq!(bytes, &[1, 0, 0, 0, 2, 0, 0, 0]);
    }
}
