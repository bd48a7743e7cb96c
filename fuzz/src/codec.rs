//! The `codec_*` targets: every `decode_*`/`digest_*` function of one
//! [`Codec`], and `decode_requests`, on the input ([`check_codec`]); and
//! the seeds made by the codec's own encoders ([`codec_seeds`]). The five
//! codec targets differ only in the codec (and whether it reads in place),
//! chosen in the target table of `lib.rs`.

use std::borrow::Cow;

use abi_api::Codec;
use cachesim::{Request, Stats};
use payload::{Digest, HttpRequest, HttpResponse, Record, Shape};

/// A copy of some bytes at a chosen offset from an 8-aligned address, as
/// a guest may hand them back anywhere in its memory.
pub struct Placed {
    buf: Vec<u64>,
    offset: usize,
    len: usize,
}

impl Placed {
    /// `bytes` copied to an address `offset` bytes past an 8-aligned one.
    pub fn new(bytes: &[u8], offset: usize) -> Placed {
        let mut buf = vec![0u64; (offset + bytes.len()).div_ceil(8).max(1)];
        // SAFETY: `buf` holds at least `offset + bytes.len()` bytes; u64 has
        // no invalid bit patterns.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                buf.as_mut_ptr().cast::<u8>().add(offset),
                bytes.len(),
            );
        }
        Placed {
            buf,
            offset,
            len: bytes.len(),
        }
    }

    /// The placed bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: in bounds of `buf` and initialised (see `new`).
        unsafe {
            std::slice::from_raw_parts(self.buf.as_ptr().cast::<u8>().add(self.offset), self.len)
        }
    }
}

/// A record with its floats as bits, so NaNs compare equal to themselves.
pub type RecordBits = (u64, u64, u64, u32, u16, u8);

fn record_bits(r: &Record) -> RecordBits {
    (r.id, r.x.to_bits(), r.y.to_bits(), r.count, r.port, r.flags)
}

/// Everything one codec decodes from one input, comparable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// `decode_mul_i32`.
    pub mul_i32: Option<(i32, i32)>,
    /// `decode_mul_f32`, as bits.
    pub mul_f32: Option<(u32, u32)>,
    /// `decode_request`.
    pub request: Option<Request>,
    /// `decode_stats`.
    pub stats: Option<Stats>,
    /// `decode_requests`: the requests passed to `each` (also those
    /// before a `None`) and the result.
    pub requests: (Vec<Request>, Option<()>),
    /// `decode_record`, as bits.
    pub record: Option<RecordBits>,
    /// `decode_str`.
    pub text: Option<String>,
    /// `digest_str`.
    pub text_digest: Option<u64>,
    /// `decode_list`.
    pub list: Option<Vec<u32>>,
    /// `digest_list`.
    pub list_digest: Option<u64>,
    /// `decode_request_msg`.
    pub request_msg: Option<HttpRequest>,
    /// `digest_request_msg`.
    pub request_digest: Option<u64>,
    /// `decode_response_msg`.
    pub response_msg: Option<HttpResponse>,
    /// `digest_response_msg`.
    pub response_digest: Option<u64>,
}

impl Decoded {
    /// Calls every decoder and digest of `C` on `bytes`.
    pub fn of<C: Codec>(bytes: &[u8]) -> Decoded {
        let mut batch = Vec::new();
        let ok = C::decode_requests(bytes, |r| batch.push(r));
        assert!(
            batch.len() <= bytes.len(),
            "decode_requests produced more requests than input bytes"
        );
        Decoded {
            mul_i32: C::decode_mul_i32(bytes),
            mul_f32: C::decode_mul_f32(bytes).map(|(a, b)| (a.to_bits(), b.to_bits())),
            request: C::decode_request(bytes),
            stats: C::decode_stats(bytes),
            requests: (batch, ok),
            record: C::decode_record(bytes).map(|r| record_bits(&r)),
            text: C::decode_str(bytes).map(Cow::into_owned),
            text_digest: C::digest_str(bytes),
            list: C::decode_list(bytes).map(Cow::into_owned),
            list_digest: C::digest_list(bytes),
            request_msg: C::decode_request_msg(bytes),
            request_digest: C::digest_request_msg(bytes),
            response_msg: C::decode_response_msg(bytes),
            response_digest: C::digest_response_msg(bytes),
        }
    }

    /// What the host decodes from guest output (see `abi_api::memory`).
    #[allow(clippy::type_complexity)]
    fn host_side(
        &self,
    ) -> (
        &Option<Stats>,
        &Option<RecordBits>,
        (&Option<String>, &Option<u64>),
        (&Option<Vec<u32>>, &Option<u64>),
        (&Option<HttpResponse>, &Option<u64>),
    ) {
        (
            &self.stats,
            &self.record,
            (&self.text, &self.text_digest),
            (&self.list, &self.list_digest),
            (&self.response_msg, &self.response_digest),
        )
    }

    /// The decoded values with every field that `other` has as `None`
    /// cleared: what a stricter decoding of the same bytes may give.
    fn restricted_to(&self, other: &Decoded) -> Decoded {
        fn r<T: Clone>(a: &Option<T>, b: &Option<T>) -> Option<T> {
            b.as_ref().and(a.clone())
        }
        Decoded {
            mul_i32: r(&self.mul_i32, &other.mul_i32),
            mul_f32: r(&self.mul_f32, &other.mul_f32),
            request: r(&self.request, &other.request),
            stats: r(&self.stats, &other.stats),
            requests: if other.requests.1.is_some() || !other.requests.0.is_empty() {
                self.requests.clone()
            } else {
                other.requests.clone()
            },
            record: r(&self.record, &other.record),
            text: r(&self.text, &other.text),
            text_digest: r(&self.text_digest, &other.text_digest),
            list: r(&self.list, &other.list),
            list_digest: r(&self.list_digest, &other.list_digest),
            request_msg: r(&self.request_msg, &other.request_msg),
            request_digest: r(&self.request_digest, &other.request_digest),
            response_msg: r(&self.response_msg, &other.response_msg),
            response_digest: r(&self.response_digest, &other.response_digest),
        }
    }
}

/// Encodes `v` with `size`/`encode` (checking the size is exact), then
/// decodes the bytes from an 8-aligned copy with `decode`.
fn reencode<T: ?Sized, U>(
    what: &str,
    v: &T,
    size: impl Fn(&T) -> usize,
    encode: impl Fn(&T, &mut [u8]) -> Option<usize>,
    decode: impl FnOnce(&[u8]) -> U,
) -> U {
    let n = size(v);
    let mut out = vec![0u8; n];
    let written = encode(v, &mut out)
        .unwrap_or_else(|| panic!("{what}: a decoded value does not encode in its size {n}"));
    assert_eq!(written, n, "{what}: encode wrote other than size_*");
    decode(Placed::new(&out, 0).bytes())
}

/// The `codec_*` targets: every decoder and digest of `C` on the input.
///
/// The input is decoded from an 8-aligned copy (the rkyv codec reads in
/// place and needs it) and from a copy at an odd address (a hostile guest
/// may hand back any pointer). Properties checked, besides "no panic, no
/// hang, no allocation over the cap":
/// - unless `C` reads in place (`in_place`: rkyv), at the odd address a
///   decoder gives the same value or `None` (Bytemuck's fixed-size
///   guest-side decoders demand alignment), never another value, and the
///   decoders the host runs on guest output (`decode_stats`,
///   `decode_record`, `digest_str`, `digest_list`, `digest_response_msg`
///   and their `decode_*`) give the same result at any address;
/// - at either address, each `digest_*` is `Some` exactly when its
///   `decode_*` is, and equals the digest of the decoded value (the rkyv
///   codec digests in place);
/// - every decoded value re-encodes in exactly its `size_*` bytes and
///   decodes back to itself.
pub fn check_codec<C: Codec>(data: &[u8], in_place: bool) {
    let aligned = Decoded::of::<C>(Placed::new(data, 0).bytes());
    let odd = Decoded::of::<C>(Placed::new(data, 1).bytes());
    if in_place {
        // rkyv checks the alignment of absolute addresses: moved by one
        // byte, the same bytes are another archive (one that fails
        // validation at one address may pass at the other), so each
        // placement is checked on its own.
        check_decoded::<C>(&odd);
    } else {
        assert_eq!(
            aligned.restricted_to(&odd),
            odd,
            "a misaligned input decodes to another value"
        );
        assert_eq!(
            aligned.host_side(),
            odd.host_side(),
            "a host-side decoder depends on the input's alignment"
        );
    }
    check_decoded::<C>(&aligned);
}

/// The properties of one input's decoded values (see [`check_codec`]).
fn check_decoded<C: Codec>(d: &Decoded) {
    // Digests agree with the decoded values.
    assert_eq!(
        d.text_digest,
        d.text.as_ref().map(|s| Digest::new().str(s).finish()),
        "digest_str disagrees with decode_str"
    );
    assert_eq!(
        d.list_digest,
        d.list.as_ref().map(|xs| payload::digest_list(xs)),
        "digest_list disagrees with decode_list"
    );
    assert_eq!(
        d.request_digest,
        d.request_msg.as_ref().map(payload::digest_request),
        "digest_request_msg disagrees with decode_request_msg"
    );
    assert_eq!(
        d.response_digest,
        d.response_msg.as_ref().map(payload::digest_response),
        "digest_response_msg disagrees with decode_response_msg"
    );

    // Decoded values round-trip.
    if let Some((a, b)) = d.mul_i32 {
        let back = reencode(
            "mul_i32",
            &(a, b),
            |&(a, b)| C::size_mul_i32(a, b),
            |&(a, b), o| C::encode_mul_i32(a, b, o),
            C::decode_mul_i32,
        );
        assert_eq!(back, Some((a, b)), "mul_i32 round trip");
    }
    if let Some((a, b)) = d.mul_f32 {
        let (a, b) = (f32::from_bits(a), f32::from_bits(b));
        let back = reencode(
            "mul_f32",
            &(a, b),
            |&(a, b)| C::size_mul_f32(a, b),
            |&(a, b), o| C::encode_mul_f32(a, b, o),
            C::decode_mul_f32,
        );
        assert_eq!(
            back.map(|(a, b)| (a.to_bits(), b.to_bits())),
            d.mul_f32,
            "mul_f32 round trip"
        );
    }
    if let Some(r) = d.request {
        let back = reencode(
            "request",
            &r,
            |&r| C::size_request(r),
            |&r, o| C::encode_request(r, o),
            C::decode_request,
        );
        assert_eq!(back, Some(r), "request round trip");
    }
    if let Some(s) = d.stats {
        // No size_stats: encode into a buffer with room to spare.
        let mut out = vec![0u8; 256];
        let n = C::encode_stats(s, &mut out).expect("stats: a decoded value does not encode");
        assert_eq!(
            C::decode_stats(Placed::new(&out[..n], 0).bytes()),
            Some(s),
            "stats round trip"
        );
    }
    if let (batch, Some(())) = &d.requests {
        let back = reencode(
            "requests",
            &batch[..],
            C::size_requests,
            C::encode_requests,
            |b| {
                let mut v = Vec::new();
                C::decode_requests(b, |r| v.push(r)).map(|()| v)
            },
        );
        assert_eq!(back.as_ref(), Some(batch), "requests round trip");
    }
    if let Some(bits) = d.record {
        let r = Record {
            id: bits.0,
            x: f64::from_bits(bits.1),
            y: f64::from_bits(bits.2),
            count: bits.3,
            port: bits.4,
            flags: bits.5,
        };
        let back = reencode(
            "record",
            &r,
            C::size_record,
            C::encode_record,
            C::decode_record,
        );
        assert_eq!(back.map(|r| record_bits(&r)), d.record, "record round trip");
    }
    if let Some(s) = &d.text {
        let back = reencode("str", s.as_str(), C::size_str, C::encode_str, |b| {
            C::decode_str(b).map(Cow::into_owned)
        });
        assert_eq!(back.as_ref(), Some(s), "str round trip");
    }
    if let Some(xs) = &d.list {
        let back = reencode("list", &xs[..], C::size_list, C::encode_list, |b| {
            C::decode_list(b).map(Cow::into_owned)
        });
        assert_eq!(back.as_ref(), Some(xs), "list round trip");
    }
    if let Some(m) = &d.request_msg {
        assert!(
            C::carries(Shape::Nested).is_ok(),
            "decoded a request_msg the codec says it does not carry"
        );
        let back = reencode(
            "request_msg",
            m,
            C::size_request_msg,
            C::encode_request_msg,
            C::decode_request_msg,
        );
        assert_eq!(back.as_ref(), Some(m), "request_msg round trip");
    }
    if let Some(m) = &d.response_msg {
        assert!(
            C::carries(Shape::Nested).is_ok(),
            "decoded a response_msg the codec says it does not carry"
        );
        let back = reencode(
            "response_msg",
            m,
            C::size_response_msg,
            C::encode_response_msg,
            C::decode_response_msg,
        );
        assert_eq!(back.as_ref(), Some(m), "response_msg round trip");
    }
}

/// Valid inputs for a codec target: each message kind encoded by the
/// codec's own encoders, named by kind.
pub fn codec_seeds<C: Codec>() -> Vec<(String, Vec<u8>)> {
    fn enc<T: ?Sized>(
        v: &T,
        size: impl Fn(&T) -> usize,
        encode: impl Fn(&T, &mut [u8]) -> Option<usize>,
    ) -> Option<Vec<u8>> {
        abi_api::to_vec(v, size, encode)
    }
    let mut seeds: Vec<(String, Option<Vec<u8>>)> = Vec::new();
    for (i, (a, b)) in [(0, 0), (-3, 7), (i32::MIN, i32::MAX)]
        .into_iter()
        .enumerate()
    {
        seeds.push((
            format!("mul_i32-{i}"),
            enc(
                &(a, b),
                |&(a, b)| C::size_mul_i32(a, b),
                |&(a, b), o| C::encode_mul_i32(a, b, o),
            ),
        ));
    }
    for (i, (a, b)) in [(1.5f32, -0.0f32), (f32::NAN, f32::INFINITY)]
        .into_iter()
        .enumerate()
    {
        seeds.push((
            format!("mul_f32-{i}"),
            enc(
                &(a, b),
                |&(a, b)| C::size_mul_f32(a, b),
                |&(a, b), o| C::encode_mul_f32(a, b, o),
            ),
        ));
    }
    for (i, r) in [Request::new(7, 1 << 20), Request::new(u32::MAX, 1)]
        .into_iter()
        .enumerate()
    {
        seeds.push((
            format!("request-{i}"),
            enc(&r, |&r| C::size_request(r), |&r, o| C::encode_request(r, o)),
        ));
    }
    let stats = Stats {
        requests: 1000,
        hits: 400,
        bytes: 1 << 40,
        byte_hits: 3,
    };
    let mut out = vec![0u8; 256];
    seeds.push((
        "stats-0".into(),
        C::encode_stats(stats, &mut out).map(|n| out[..n].to_vec()),
    ));
    for n in [0usize, 1, 5] {
        let rs: Vec<Request> = (0..n as u32).map(|i| Request::new(i * 3, i + 1)).collect();
        seeds.push((
            format!("requests-{n}"),
            enc(&rs[..], C::size_requests, C::encode_requests),
        ));
    }
    for s in 0..2 {
        seeds.push((
            format!("record-{s}"),
            enc(&payload::make_record(s), C::size_record, C::encode_record),
        ));
    }
    for (i, s) in [String::new(), "héllo".into(), payload::make_string(1, 40)]
        .iter()
        .enumerate()
    {
        seeds.push((
            format!("str-{i}"),
            enc(s.as_str(), C::size_str, C::encode_str),
        ));
    }
    for n in [0usize, 3, 16] {
        seeds.push((
            format!("list-{n}"),
            enc(&payload::make_list(2, n)[..], C::size_list, C::encode_list),
        ));
    }
    if C::carries(Shape::Nested).is_ok() {
        for (s, body) in [(0u64, 0usize), (3, 16)] {
            seeds.push((
                format!("request_msg-{s}"),
                enc(
                    &payload::make_request(s, body),
                    C::size_request_msg,
                    C::encode_request_msg,
                ),
            ));
            seeds.push((
                format!("response_msg-{s}"),
                enc(
                    &payload::make_response(s, body),
                    C::size_response_msg,
                    C::encode_response_msg,
                ),
            ));
        }
    }
    seeds
        .into_iter()
        .map(|(name, bytes)| {
            let bytes =
                bytes.unwrap_or_else(|| panic!("the codec does not encode its seed {name}"));
            (name, bytes)
        })
        .collect()
}
