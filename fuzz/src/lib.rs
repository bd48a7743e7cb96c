//! The checks behind the fuzz targets, shared by the targets
//! (`fuzz_targets/*.rs`), the seed generator (`src/bin/seed.rs`) and the
//! regression tests (`tests/regressions.rs`).
//!
//! Every check takes the raw fuzz input and panics (or aborts, for an
//! allocation over the cap) exactly when it finds a bug:
//! - [`check_trace`]: the trace readers (text, webcachesim, binary, and
//!   format detection through the file-based [`read_trace`] entry point);
//! - [`check_codec`]: every `decode_*`/`digest_*` function of one
//!   [`Codec`], and `decode_requests`.
//!
//! Beyond "does not panic", both check properties that must hold for any
//! input, so a silent misdecode is a crash too (see each function).

use std::alloc::{GlobalAlloc, Layout, System};
use std::borrow::Cow;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use abi_api::Codec;
use cachesim::workloads::{
    SizeChange, TraceFormat, TraceReader, read_trace, write_binary, write_text, write_webcachesim,
};
use cachesim::{Request, Stats};
use payload::{Digest, HttpRequest, HttpResponse, Record, Shape};

// ---------------------------------------------------------------------------
// Allocation cap.

/// The default cap on one allocation, in MiB. libFuzzer's own
/// `-malloc_limit_mb` needs a sanitizer's malloc hooks, which a
/// `--sanitizer none` build does not have, so the cap is enforced here.
/// 128 MiB lies above the largest allocation a decoder may make by design
/// (bincode's 64 MiB decode limit) and far above anything a valid message
/// of the benchmark (at most 1 MiB of payload) needs.
pub const DEFAULT_ALLOC_CAP_MB: usize = 128;

static ALLOC_CAP: AtomicUsize = AtomicUsize::new(DEFAULT_ALLOC_CAP_MB << 20);

/// The system allocator, aborting on any single allocation larger than the
/// cap: an "allocation bomb" (a few input bytes claiming a huge length)
/// becomes a crash that libFuzzer saves, instead of an out-of-memory kill
/// or a slow run.
pub struct CappedAlloc;

impl CappedAlloc {
    #[cold]
    #[inline(never)]
    fn over_cap(size: usize) -> ! {
        // No allocation from here on: a fixed message, then the size in
        // decimal from a stack buffer.
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut n = size;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(b"==abilab-fuzz== allocation of ");
        let _ = err.write_all(&digits[at..]);
        let _ = err.write_all(b" bytes exceeds the cap (ABILAB_FUZZ_ALLOC_CAP_MB)\n");
        std::process::abort()
    }
}

// SAFETY: forwards every call to `System` unchanged, after a size check.
unsafe impl GlobalAlloc for CappedAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > ALLOC_CAP.load(Ordering::Relaxed) {
            Self::over_cap(layout.size());
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > ALLOC_CAP.load(Ordering::Relaxed) {
            Self::over_cap(layout.size());
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > ALLOC_CAP.load(Ordering::Relaxed) {
            Self::over_cap(new_size);
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CappedAlloc = CappedAlloc;

/// Reads `ABILAB_FUZZ_ALLOC_CAP_MB` (MiB; default
/// [`DEFAULT_ALLOC_CAP_MB`]) once; the targets call it at start-up.
pub fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Some(mb) = std::env::var("ABILAB_FUZZ_ALLOC_CAP_MB")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
        {
            ALLOC_CAP.store(mb.saturating_mul(1 << 20), Ordering::Relaxed);
        }
    });
}

// ---------------------------------------------------------------------------
// Trace readers.

/// What a reader produced: the requests read, then the error that stopped
/// it (as its message), if any.
#[derive(Debug, PartialEq, Eq)]
pub struct TraceOutcome {
    /// The requests before the first error.
    pub requests: Vec<Request>,
    /// The error's location and message (without the path).
    pub error: Option<String>,
}

/// Drains `reader`, checking the iterator contract: at most one error,
/// the last item; nothing after `None` (the reader is fused).
fn drain<R: std::io::BufRead>(mut reader: TraceReader<R>) -> TraceOutcome {
    let mut requests = Vec::new();
    let mut error = None;
    for item in reader.by_ref() {
        assert!(error.is_none(), "an item after an error");
        match item {
            Ok(r) => {
                assert_ne!(r.size, 0, "a request of size 0 passed the reader");
                requests.push(r);
            }
            Err(e) => {
                // The whole message must format; kept without the path.
                assert!(!e.to_string().is_empty());
                error = Some(format!("{}: {}", e.location, e.kind));
            }
        }
    }
    assert!(reader.next().is_none(), "the reader yields after its end");
    assert!(
        !requests.is_empty() || error.is_some(),
        "an empty trace is an error"
    );
    TraceOutcome { requests, error }
}

/// The fuzz input of the `trace` target: a control byte, then the file.
///
/// Control byte bits:
/// - 0–1: the format: 0 text, 1 webcachesim, 2 binary, 3 detect (the file
///   is written to a temporary file and read with [`read_trace`], the
///   entry point the harness uses, with `format: None`);
/// - 2: the size-change policy: 0 `error`, 1 `allow`;
/// - 3: under detection, the file's extension: 0 `.txt`, 1 `.bin`;
/// - 4–5: the capacity of the small `BufReader` the file is also read
///   through: 1, 3, 17 or 4097 bytes.
#[derive(Debug, Clone, Copy)]
pub struct TraceControl {
    /// The format, `None` to detect it.
    pub format: Option<TraceFormat>,
    /// The size-change policy.
    pub size_change: SizeChange,
    /// The file name under detection.
    pub extension: &'static str,
    /// The small reader's capacity.
    pub capacity: usize,
}

impl TraceControl {
    /// Decodes a control byte.
    pub fn from_byte(b: u8) -> TraceControl {
        TraceControl {
            format: match b & 3 {
                0 => Some(TraceFormat::Text),
                1 => Some(TraceFormat::Webcachesim),
                2 => Some(TraceFormat::Binary),
                _ => None,
            },
            size_change: if b & 4 == 0 {
                SizeChange::Error
            } else {
                SizeChange::Allow
            },
            extension: if b & 8 == 0 { "txt" } else { "bin" },
            capacity: [1, 3, 17, 4097][usize::from((b >> 4) & 3)],
        }
    }

    /// The control byte that decodes to this.
    pub fn to_byte(self) -> u8 {
        let f = match self.format {
            Some(TraceFormat::Text) => 0,
            Some(TraceFormat::Webcachesim) => 1,
            Some(TraceFormat::Binary) => 2,
            None => 3,
        };
        let s = if self.size_change == SizeChange::Allow {
            4
        } else {
            0
        };
        let e = if self.extension == "bin" { 8 } else { 0 };
        let c = [1, 3, 17, 4097]
            .iter()
            .position(|&c| c == self.capacity)
            .unwrap_or(0) as u8;
        f | s | e | (c << 4)
    }
}

/// A per-process scratch file for the detection path (in `/dev/shm` when
/// there is one: no disk I/O per execution).
fn scratch(extension: &str) -> PathBuf {
    let dir = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    dir.join(format!(
        "abilab-fuzz-{}-{:?}.{extension}",
        std::process::id(),
        std::thread::current().id()
    ))
}

/// The `trace` target. Properties checked, besides "no panic, no hang":
/// - the iterator contract of [`drain`];
/// - the result does not depend on how the input is chunked (read through
///   a `BufReader` of 1 to 4097 bytes, and from one slice);
/// - under detection, [`read_trace`] on a file agrees with a reader over
///   the bytes in the format [`TraceFormat::detect`] picks;
/// - a trace read without error, written back in each format with the
///   crate's writers, reads back to the same requests.
pub fn check_trace(data: &[u8]) {
    let Some((&ctl, file)) = data.split_first() else {
        return;
    };
    let ctl = TraceControl::from_byte(ctl);
    let path = PathBuf::from(format!("fuzz.{}", ctl.extension));
    let format = ctl.format.unwrap_or_else(|| {
        // What `open_trace` sees: the first fill of a 64 KiB BufReader.
        TraceFormat::detect(&path, &file[..file.len().min(1 << 16)])
    });
    let whole = drain(TraceReader::new(file, format, &path, ctl.size_change));
    let chunked = drain(TraceReader::new(
        BufReader::with_capacity(ctl.capacity, file),
        format,
        &path,
        ctl.size_change,
    ));
    assert_eq!(whole, chunked, "the result depends on the read chunking");

    if ctl.format.is_none() {
        let tmp = scratch(ctl.extension);
        std::fs::write(&tmp, file).expect("write the scratch trace");
        let from_file = read_trace(&tmp, None, ctl.size_change);
        let _ = std::fs::remove_file(&tmp);
        match from_file {
            Ok(reqs) => {
                assert_eq!(
                    whole.error, None,
                    "read_trace accepts what the reader refuses"
                );
                assert_eq!(reqs, whole.requests, "read_trace disagrees with the reader");
            }
            Err(e) => {
                assert_eq!(
                    Some(format!("{}: {}", e.location, e.kind)),
                    whole.error,
                    "read_trace fails otherwise than the reader"
                );
            }
        }
    }

    if whole.error.is_none() {
        for f in TraceFormat::ALL {
            let mut bytes = Vec::new();
            match f {
                TraceFormat::Text => write_text(&mut bytes, &whole.requests),
                TraceFormat::Webcachesim => write_webcachesim(&mut bytes, &whole.requests),
                TraceFormat::Binary => write_binary(&mut bytes, &whole.requests),
            }
            .expect("write to a Vec");
            let back = drain(TraceReader::new(&bytes[..], f, "back", ctl.size_change));
            assert_eq!(back.error, None, "a written {f} trace does not read back");
            assert_eq!(back.requests, whole.requests, "{f} round trip");
        }
    }
}

// ---------------------------------------------------------------------------
// Codecs.

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

/// Runs the check of fuzz target `target` on `data` (the rkyv codec reads
/// in place with alignment checks: `None` at an odd address is right).
pub fn check(target: &str, data: &[u8]) {
    match target {
        "trace" => check_trace(data),
        "codec_bytemuck" => check_codec::<abi_bytemuck::BytemuckCodec>(data, false),
        "codec_bincode" => check_codec::<abi_bincode::BincodeCodec>(data, false),
        "codec_protobuf" => check_codec::<abi_protobuf::ProtobufCodec>(data, false),
        "codec_postcard" => check_codec::<abi_postcard::PostcardCodec>(data, false),
        "codec_rkyv" => check_codec::<abi_rkyv::RkyvCodec>(data, true),
        other => panic!("no fuzz target {other}"),
    }
}

// ---------------------------------------------------------------------------
// Seeds.

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

/// Seeds for target `target` (see [`codec_seeds`] and [`trace_seeds`]).
pub fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    match target {
        "trace" => trace_seeds(),
        "codec_bytemuck" => codec_seeds::<abi_bytemuck::BytemuckCodec>(),
        "codec_bincode" => codec_seeds::<abi_bincode::BincodeCodec>(),
        "codec_protobuf" => codec_seeds::<abi_protobuf::ProtobufCodec>(),
        "codec_postcard" => codec_seeds::<abi_postcard::PostcardCodec>(),
        "codec_rkyv" => codec_seeds::<abi_rkyv::RkyvCodec>(),
        other => panic!("no fuzz target {other}"),
    }
}

/// Every fuzz target, in the order `run.sh` runs them.
pub const TARGETS: [&str; 6] = [
    "trace",
    "codec_bytemuck",
    "codec_bincode",
    "codec_protobuf",
    "codec_postcard",
    "codec_rkyv",
];

/// Small valid traces in every format (and a few near-misses), each behind
/// the control byte that reads it.
pub fn trace_seeds() -> Vec<(String, Vec<u8>)> {
    let reqs = [
        Request::new(1, 100),
        Request::new(2, 4096),
        Request::new(1, 100),
        Request::new(u32::MAX, u32::MAX),
        Request::new(0, 1),
    ];
    let ctl = |format, size_change, extension, capacity| {
        TraceControl {
            format,
            size_change,
            extension,
            capacity,
        }
        .to_byte()
    };
    let mut text = Vec::new();
    write_text(&mut text, &reqs).unwrap();
    let mut wcs = Vec::new();
    write_webcachesim(&mut wcs, &reqs).unwrap();
    let mut bin = Vec::new();
    write_binary(&mut bin, &reqs).unwrap();
    let commented = b"# a comment\n\n  1   100 # trailing\n\t2 7\r\n1 100".to_vec();
    let wcs_commented = b"# t id size\n-5 1 10\n0 2 20 # x\n".to_vec();
    let changed = b"1 10\n1 11\n".to_vec();
    let bad = b"1 -5\n".to_vec();
    let mut truncated = bin.clone();
    truncated.truncate(bin.len() - 3);
    let t = Some(TraceFormat::Text);
    let w = Some(TraceFormat::Webcachesim);
    let b = Some(TraceFormat::Binary);
    let (e, a) = (SizeChange::Error, SizeChange::Allow);
    let cases: Vec<(&str, u8, &[u8])> = vec![
        ("text", ctl(t, e, "txt", 17), &text[..]),
        ("text-commented", ctl(t, e, "txt", 3), &commented[..]),
        ("text-size-changed", ctl(t, e, "txt", 1), &changed[..]),
        (
            "text-size-changed-allowed",
            ctl(t, a, "txt", 4097),
            &changed[..],
        ),
        ("text-negative", ctl(t, e, "txt", 17), &bad[..]),
        ("webcachesim", ctl(w, e, "txt", 17), &wcs[..]),
        (
            "webcachesim-commented",
            ctl(w, a, "txt", 3),
            &wcs_commented[..],
        ),
        ("binary", ctl(b, e, "bin", 17), &bin[..]),
        ("binary-truncated", ctl(b, e, "bin", 3), &truncated[..]),
        ("detect-text", ctl(None, e, "txt", 17), &text[..]),
        ("detect-webcachesim", ctl(None, e, "txt", 17), &wcs[..]),
        ("detect-binary", ctl(None, e, "txt", 17), &bin[..]),
        ("detect-bin-extension", ctl(None, e, "bin", 1), &text[..]),
    ];
    cases
        .into_iter()
        .map(|(name, c, file)| {
            let mut v = vec![c];
            v.extend_from_slice(file);
            (name.to_owned(), v)
        })
        .collect()
}
