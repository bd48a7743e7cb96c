//! The rkyv ABI: zero-copy. The sender serialises an rkyv archive straight
//! into the receiver's memory; the receiver validates it (bytecheck) and
//! reads the archived value in place — no decode step, no allocation, for
//! text, lists and the nested message alike.
//!
//! ```text
//!   host                                      guest (guests/rkyv)
//!   TextRef { text } ──to_bytes_in──▶ archive at ptr (8-aligned: buffer or block)
//!   call payload_string_in(ptr, len) ─────────▶ access::<ArchivedTextRef>(..)
//!                                                → digest of text read in place
//!                      ◀──────────── i64 ───
//! ```
//!
//! An archive's root sits at its end and every pointer in it is relative,
//! so it can be read wherever it lands, provided it lands aligned: the
//! shared protocol's buffer, blocks and message block are all 8-aligned,
//! and a misaligned or malformed archive fails validation (a `decode`
//! error on the host, a trap in the guest). Messages are serialised from
//! borrowed values (`*Ref` types with `InlineAsBox` fields), so nothing is
//! copied into an owned message first.

mod archive;
mod messages;

use std::borrow::Cow;

use abi_api::Codec;
use cachesim::{Request, Stats};
use payload::{Digest, HttpRequest, HttpResponse, Method, Record};
use rkyv::Archived;
use rkyv::vec::ArchivedVec;

use archive::{get, put, size};
use messages::{digest_headers, headers_of, record_w, request_ref, response_ref};
// The archived messages, with the `Archived*` and `*Resolver` types rkyv
// derives for them.
pub use messages::*;

/// The rkyv encoding: one [`Codec`] for both halves.
#[derive(Debug, Clone, Copy, Default)]
pub struct RkyvCodec;

impl Codec for RkyvCodec {
    #[inline(always)]
    fn encode_mul_i32(a: i32, b: i32, out: &mut [u8]) -> Option<usize> {
        put(&MulI32 { a, b }, out)
    }
    #[inline(always)]
    fn size_mul_i32(a: i32, b: i32) -> usize {
        size(&MulI32 { a, b })
    }
    #[inline(always)]
    fn decode_mul_i32(bytes: &[u8]) -> Option<(i32, i32)> {
        get::<ArchivedMulI32>(bytes).map(|m| (m.a.to_native(), m.b.to_native()))
    }

    #[inline(always)]
    fn encode_mul_f32(a: f32, b: f32, out: &mut [u8]) -> Option<usize> {
        put(&MulF32 { a, b }, out)
    }
    #[inline(always)]
    fn size_mul_f32(a: f32, b: f32) -> usize {
        size(&MulF32 { a, b })
    }
    #[inline(always)]
    fn decode_mul_f32(bytes: &[u8]) -> Option<(f32, f32)> {
        get::<ArchivedMulF32>(bytes).map(|m| (m.a.to_native(), m.b.to_native()))
    }

    #[inline(always)]
    fn encode_request(r: Request, out: &mut [u8]) -> Option<usize> {
        put(
            &Req {
                id: r.id,
                size: r.size,
            },
            out,
        )
    }
    #[inline(always)]
    fn size_request(r: Request) -> usize {
        size(&Req {
            id: r.id,
            size: r.size,
        })
    }
    #[inline(always)]
    fn decode_request(bytes: &[u8]) -> Option<Request> {
        get::<ArchivedReq>(bytes).map(|r| Request::new(r.id.to_native(), r.size.to_native()))
    }

    fn encode_stats(s: Stats, out: &mut [u8]) -> Option<usize> {
        put(
            &StatsW {
                requests: s.requests,
                hits: s.hits,
                bytes: s.bytes,
                byte_hits: s.byte_hits,
            },
            out,
        )
    }
    fn decode_stats(bytes: &[u8]) -> Option<Stats> {
        get::<ArchivedStatsW>(bytes).map(|s| Stats {
            requests: s.requests.to_native(),
            hits: s.hits.to_native(),
            bytes: s.bytes.to_native(),
            byte_hits: s.byte_hits.to_native(),
        })
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
        for r in get::<ArchivedVec<ArchivedReq>>(bytes)?.iter() {
            each(Request::new(r.id.to_native(), r.size.to_native()));
        }
        Some(())
    }

    #[inline(always)]
    fn encode_record(r: &Record, out: &mut [u8]) -> Option<usize> {
        put(&record_w(r), out)
    }
    #[inline(always)]
    fn size_record(r: &Record) -> usize {
        size(&record_w(r))
    }
    #[inline(always)]
    fn decode_record(bytes: &[u8]) -> Option<Record> {
        get::<ArchivedRecordW>(bytes).map(|r| Record {
            id: r.id.to_native(),
            x: r.x.to_native(),
            y: r.y.to_native(),
            count: r.count.to_native(),
            port: r.port.to_native(),
            flags: r.flags,
        })
    }

    #[inline(always)]
    fn encode_str(s: &str, out: &mut [u8]) -> Option<usize> {
        put(&TextRef { text: s }, out)
    }
    #[inline(always)]
    fn size_str(s: &str) -> usize {
        size(&TextRef { text: s })
    }
    #[inline(always)]
    fn decode_str(bytes: &[u8]) -> Option<Cow<'_, str>> {
        get::<Archived<TextRef<'static>>>(bytes).map(|t| Cow::Borrowed(t.text.get()))
    }

    #[inline(always)]
    fn encode_list(xs: &[u32], out: &mut [u8]) -> Option<usize> {
        put(&ListRef { values: xs }, out)
    }
    #[inline(always)]
    fn size_list(xs: &[u32]) -> usize {
        size(&ListRef { values: xs })
    }
    #[inline(always)]
    fn decode_list(bytes: &[u8]) -> Option<Cow<'_, [u32]>> {
        get::<Archived<ListRef<'static>>>(bytes)
            .map(|l| Cow::Owned(l.values.get().iter().map(|x| x.to_native()).collect()))
    }
    /// In place: the archived little-endian numbers are read where they lie.
    #[inline(always)]
    fn digest_list(bytes: &[u8]) -> Option<u64> {
        let l = get::<Archived<ListRef<'static>>>(bytes)?;
        Some(
            Digest::new()
                .u32s(l.values.get().iter().map(|x| x.to_native()))
                .finish(),
        )
    }

    #[inline(always)]
    fn encode_request_msg(r: &HttpRequest, out: &mut [u8]) -> Option<usize> {
        put(&request_ref(r), out)
    }
    #[inline(always)]
    fn size_request_msg(r: &HttpRequest) -> usize {
        size(&request_ref(r))
    }
    #[inline(always)]
    fn decode_request_msg(bytes: &[u8]) -> Option<HttpRequest> {
        let r = get::<Archived<RequestRef<'static>>>(bytes)?;
        Some(HttpRequest {
            method: Method::from_code(r.method)?,
            url: r.url.get().to_string(),
            headers: headers_of(r.headers.get()),
            body: r.body.get().to_vec(),
        })
    }
    /// In place: method, URL, headers and body read where they lie.
    #[inline(always)]
    fn digest_request_msg(bytes: &[u8]) -> Option<u64> {
        let r = get::<Archived<RequestRef<'static>>>(bytes)?;
        Method::from_code(r.method)?;
        let d = Digest::new().u64(u64::from(r.method)).str(r.url.get());
        Some(
            digest_headers(d, r.headers.get())
                .bytes(r.body.get())
                .finish(),
        )
    }

    #[inline(always)]
    fn encode_response_msg(r: &HttpResponse, out: &mut [u8]) -> Option<usize> {
        put(&response_ref(r), out)
    }
    #[inline(always)]
    fn size_response_msg(r: &HttpResponse) -> usize {
        size(&response_ref(r))
    }
    #[inline(always)]
    fn decode_response_msg(bytes: &[u8]) -> Option<HttpResponse> {
        let r = get::<Archived<ResponseRef<'static>>>(bytes)?;
        Some(HttpResponse {
            status: r.status.to_native(),
            headers: headers_of(r.headers.get()),
            body: r.body.get().to_vec(),
        })
    }
    /// In place: status, headers and body read where they lie.
    #[inline(always)]
    fn digest_response_msg(bytes: &[u8]) -> Option<u64> {
        let r = get::<Archived<ResponseRef<'static>>>(bytes)?;
        let d = Digest::new().u64(u64::from(r.status.to_native()));
        Some(
            digest_headers(d, r.headers.get())
                .bytes(r.body.get())
                .finish(),
        )
    }
}

abi_api::codec_abi! {
    /// The rkyv ABI, as registered with the harness.
    pub struct Rkyv {
        codec: RkyvCodec,
        id: "rkyv",
        about: "zero-copy rkyv archives in guest memory, validated and read in place",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An 8-aligned copy of `bytes`, as the memory protocol places them.
    fn aligned(bytes: &[u8]) -> Vec<u64> {
        let mut v = vec![0u64; bytes.len().div_ceil(8)];
        // SAFETY: `v` holds at least `bytes.len()` bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), v.as_mut_ptr().cast(), bytes.len())
        };
        v
    }

    fn view(v: &[u64], len: usize) -> &[u8] {
        // SAFETY: `v` holds at least `len` initialised bytes.
        unsafe { std::slice::from_raw_parts(v.as_ptr().cast(), len) }
    }

    #[test]
    fn payloads_are_read_in_place_and_match_the_owned_digests() {
        let req = payload::make_request(5, 300);
        let bytes = abi_api::to_vec(
            &req,
            RkyvCodec::size_request_msg,
            RkyvCodec::encode_request_msg,
        )
        .unwrap();
        let a = aligned(&bytes);
        let b = view(&a, bytes.len());
        assert_eq!(RkyvCodec::decode_request_msg(b), Some(req.clone()));
        assert_eq!(
            RkyvCodec::digest_request_msg(b),
            Some(payload::digest_request(&req))
        );
        let s = payload::make_string(2, 100);
        let bytes =
            abi_api::to_vec(s.as_str(), RkyvCodec::size_str, RkyvCodec::encode_str).unwrap();
        let a = aligned(&bytes);
        assert!(matches!(
            RkyvCodec::decode_str(view(&a, bytes.len())),
            Some(Cow::Borrowed(t)) if t == s
        ));
        let xs = payload::make_list(4, 33);
        let bytes = abi_api::to_vec(&xs[..], RkyvCodec::size_list, RkyvCodec::encode_list).unwrap();
        let a = aligned(&bytes);
        assert_eq!(
            RkyvCodec::digest_list(view(&a, bytes.len())),
            Some(payload::digest_list(&xs))
        );
        let rs = [Request::new(9, 8), Request::new(7, 6)];
        let bytes = abi_api::to_vec(
            &rs[..],
            RkyvCodec::size_requests,
            RkyvCodec::encode_requests,
        )
        .unwrap();
        let a = aligned(&bytes);
        let mut back = vec![];
        RkyvCodec::decode_requests(view(&a, bytes.len()), |r| back.push(r)).unwrap();
        assert_eq!(back, rs);
    }

    #[test]
    fn malformed_or_truncated_archives_fail_validation() {
        let req = payload::make_request(1, 64);
        let bytes = abi_api::to_vec(
            &req,
            RkyvCodec::size_request_msg,
            RkyvCodec::encode_request_msg,
        )
        .unwrap();
        let a = aligned(&bytes);
        let full = view(&a, bytes.len());
        // Truncated: the root moves and its pointers dangle.
        assert_eq!(RkyvCodec::digest_request_msg(&full[..full.len() - 8]), None);
        // Garbage: pointers outside the buffer.
        let junk = aligned(&[0xAB; 64]);
        assert_eq!(RkyvCodec::digest_request_msg(view(&junk, 64)), None);
        assert_eq!(RkyvCodec::decode_str(view(&junk, 64)), None);
        // Invalid UTF-8 inside an otherwise valid archive.
        let s = "héllo";
        let bytes = abi_api::to_vec(s, RkyvCodec::size_str, RkyvCodec::encode_str).unwrap();
        let mut a = aligned(&bytes);
        // SAFETY: in bounds of `a`.
        let raw: &mut [u8] =
            unsafe { std::slice::from_raw_parts_mut(a.as_mut_ptr().cast(), bytes.len()) };
        let at = raw.iter().position(|&b| b == 0xc3).unwrap();
        raw[at] = 0xff;
        assert_eq!(RkyvCodec::decode_str(raw), None);
    }
}
