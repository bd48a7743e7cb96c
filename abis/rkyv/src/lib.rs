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

use std::borrow::Cow;

use abi_api::Codec;
use cachesim::{Request, Stats};
use payload::{Digest, HttpRequest, HttpResponse, Method, Record};
use rkyv::api::high::{HighSerializer, HighValidator, to_bytes_in};
use rkyv::bytecheck::CheckBytes;
use rkyv::rancor::{Failure, Fallible};
use rkyv::ser::allocator::{Allocator, ArenaHandle};
use rkyv::ser::writer::{Buffer, Positional, Writer};
use rkyv::vec::{ArchivedVec, VecResolver};
use rkyv::with::InlineAsBox;
use rkyv::{Archive, Archived, Place, Portable, Serialize};

/// Two `i32` operands.
#[derive(Archive, Serialize)]
pub struct MulI32 {
    a: i32,
    b: i32,
}

/// Two `f32` operands.
#[derive(Archive, Serialize)]
pub struct MulF32 {
    a: f32,
    b: f32,
}

/// One simulator request.
#[derive(Archive, Serialize)]
pub struct Req {
    id: u32,
    size: u32,
}

/// The simulator's counters.
#[derive(Archive, Serialize)]
pub struct StatsW {
    requests: u64,
    hits: u64,
    bytes: u64,
    byte_hits: u64,
}

/// The payload record.
#[derive(Archive, Serialize)]
pub struct RecordW {
    id: u64,
    x: f64,
    y: f64,
    count: u32,
    port: u16,
    flags: u8,
}

/// Payload text, borrowed.
#[derive(Archive, Serialize)]
pub struct TextRef<'a> {
    #[rkyv(with = InlineAsBox)]
    text: &'a str,
}

/// A payload list, borrowed.
#[derive(Archive, Serialize)]
pub struct ListRef<'a> {
    #[rkyv(with = InlineAsBox)]
    values: &'a [u32],
}

/// A payload request, borrowed.
#[derive(Archive, Serialize)]
pub struct RequestRef<'a> {
    method: u8,
    #[rkyv(with = InlineAsBox)]
    url: &'a str,
    #[rkyv(with = InlineAsBox)]
    headers: &'a [(String, String)],
    #[rkyv(with = InlineAsBox)]
    body: &'a [u8],
}

/// A payload response, borrowed.
#[derive(Archive, Serialize)]
pub struct ResponseRef<'a> {
    status: u16,
    #[rkyv(with = InlineAsBox)]
    headers: &'a [(String, String)],
    #[rkyv(with = InlineAsBox)]
    body: &'a [u8],
}

/// A batch of simulator requests: archived as a vector of [`Req`],
/// serialised straight from the slice.
pub struct Batch<'a>(&'a [Request]);

impl Archive for Batch<'_> {
    type Archived = ArchivedVec<ArchivedReq>;
    type Resolver = VecResolver;
    fn resolve(&self, resolver: VecResolver, out: Place<Self::Archived>) {
        ArchivedVec::resolve_from_len(self.0.len(), resolver, out);
    }
}

impl<S: Fallible + Allocator + Writer + ?Sized> Serialize<S> for Batch<'_> {
    fn serialize(&self, s: &mut S) -> Result<VecResolver, S::Error> {
        let reqs = self.0.iter().map(|r| Req {
            id: r.id,
            size: r.size,
        });
        ArchivedVec::<ArchivedReq>::serialize_from_iter::<Req, _, _>(reqs, s)
    }
}

/// Counts the bytes an archive takes, writing nothing.
struct Counter(usize);

impl Positional for Counter {
    fn pos(&self) -> usize {
        self.0
    }
}

impl<E> Writer<E> for Counter {
    fn write(&mut self, bytes: &[u8]) -> Result<(), E> {
        self.0 += bytes.len();
        Ok(())
    }
}

#[inline(always)]
fn put<T>(v: &T, out: &mut [u8]) -> Option<usize>
where
    T: for<'a, 'b> Serialize<HighSerializer<Buffer<'b>, ArenaHandle<'a>, Failure>>,
{
    to_bytes_in::<Buffer<'_>, Failure>(v, Buffer::from(out))
        .ok()
        .map(|b| b.len())
}

#[inline(always)]
fn size<T>(v: &T) -> usize
where
    T: for<'a> Serialize<HighSerializer<Counter, ArenaHandle<'a>, Failure>>,
{
    to_bytes_in::<Counter, Failure>(v, Counter(0)).map_or(0, |c| c.0)
}

/// Validates an archive and returns its root, in place.
#[inline(always)]
fn get<T>(bytes: &[u8]) -> Option<&T>
where
    T: Portable + for<'a> CheckBytes<HighValidator<'a, Failure>>,
{
    rkyv::access::<T, Failure>(bytes).ok()
}

fn headers_of(h: &[Archived<(String, String)>]) -> Vec<(String, String)> {
    h.iter()
        .map(|t| (t.0.as_str().to_string(), t.1.as_str().to_string()))
        .collect()
}

fn digest_headers(d: Digest, h: &[Archived<(String, String)>]) -> Digest {
    d.headers(h.iter().map(|t| (t.0.as_str(), t.1.as_str())))
}

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

fn record_w(r: &Record) -> RecordW {
    RecordW {
        id: r.id,
        x: r.x,
        y: r.y,
        count: r.count,
        port: r.port,
        flags: r.flags,
    }
}

fn request_ref(r: &HttpRequest) -> RequestRef<'_> {
    RequestRef {
        method: r.method.code(),
        url: &r.url,
        headers: &r.headers,
        body: &r.body,
    }
}

fn response_ref(r: &HttpResponse) -> ResponseRef<'_> {
    ResponseRef {
        status: r.status,
        headers: &r.headers,
        body: &r.body,
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
