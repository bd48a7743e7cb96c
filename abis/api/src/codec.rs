//! What distinguishes one memory-sharing ABI from another: how the
//! scenarios' messages become bytes and back.
//!
//! One [`Codec`] implementation serves both halves: the host encodes with it
//! and the guest decodes with the very same code (as extism's `convert`
//! crate does for its encodings), so the two sides cannot drift apart.

use alloc::borrow::Cow;

use cachesim::{Request, Stats};
use payload::{HttpRequest, HttpResponse, Record, Shape};

/// A byte encoding of every message a scenario passes through memory.
///
/// `encode_*` write into `out` and return the bytes written, or `None` if
/// `out` is too small; `size_*` give the exact encoded size; `decode_*`
/// return `None` for bytes that are not a valid message.
pub trait Codec: 'static {
    /// The micro scenario's `i32` arguments.
    fn encode_mul_i32(a: i32, b: i32, out: &mut [u8]) -> Option<usize>;
    /// Exact size of [`Codec::encode_mul_i32`]'s output.
    fn size_mul_i32(a: i32, b: i32) -> usize;
    /// Reads them back.
    fn decode_mul_i32(bytes: &[u8]) -> Option<(i32, i32)>;

    /// The micro scenario's `f32` arguments.
    fn encode_mul_f32(a: f32, b: f32, out: &mut [u8]) -> Option<usize>;
    /// Exact size of [`Codec::encode_mul_f32`]'s output.
    fn size_mul_f32(a: f32, b: f32) -> usize;
    /// Reads them back.
    fn decode_mul_f32(bytes: &[u8]) -> Option<(f32, f32)>;

    /// One simulator request.
    fn encode_request(r: Request, out: &mut [u8]) -> Option<usize>;
    /// Exact size of [`Codec::encode_request`]'s output.
    fn size_request(r: Request) -> usize;
    /// Reads it back.
    fn decode_request(bytes: &[u8]) -> Option<Request>;

    /// The simulator's counters (guest → host).
    fn encode_stats(s: Stats, out: &mut [u8]) -> Option<usize>;
    /// Reads them back.
    fn decode_stats(bytes: &[u8]) -> Option<Stats>;

    /// A batch of simulator requests, sent in one call.
    fn encode_requests(rs: &[Request], out: &mut [u8]) -> Option<usize>;
    /// Exact size of [`Codec::encode_requests`]'s output.
    fn size_requests(rs: &[Request]) -> usize;
    /// Calls `each` on every request of a batch, in order; `None` (after
    /// any number of calls) if the bytes are not a batch.
    fn decode_requests(bytes: &[u8], each: impl FnMut(Request)) -> Option<()>;

    /// Whether the encoding carries the payload `shape`, or why not.
    fn carries(shape: Shape) -> Result<(), &'static str> {
        let _ = shape;
        Ok(())
    }

    /// The payload record.
    fn encode_record(r: &Record, out: &mut [u8]) -> Option<usize>;
    /// Exact size of [`Codec::encode_record`]'s output.
    fn size_record(r: &Record) -> usize;
    /// Reads it back.
    fn decode_record(bytes: &[u8]) -> Option<Record>;

    /// Payload text.
    fn encode_str(s: &str, out: &mut [u8]) -> Option<usize>;
    /// Exact size of [`Codec::encode_str`]'s output.
    fn size_str(s: &str) -> usize;
    /// Reads it back, in place where the encoding allows.
    fn decode_str(bytes: &[u8]) -> Option<Cow<'_, str>>;
    /// The digest of the text in `bytes` (default: decode, then digest).
    fn digest_str(bytes: &[u8]) -> Option<u64> {
        Self::decode_str(bytes).map(|s| payload::Digest::new().str(&s).finish())
    }

    /// A payload list.
    fn encode_list(xs: &[u32], out: &mut [u8]) -> Option<usize>;
    /// Exact size of [`Codec::encode_list`]'s output.
    fn size_list(xs: &[u32]) -> usize;
    /// Reads it back, in place where the encoding allows.
    fn decode_list(bytes: &[u8]) -> Option<Cow<'_, [u32]>>;
    /// The digest of the list in `bytes` (default: decode, then digest).
    fn digest_list(bytes: &[u8]) -> Option<u64> {
        Self::decode_list(bytes).map(|xs| payload::digest_list(&xs))
    }

    /// A payload request.
    fn encode_request_msg(r: &HttpRequest, out: &mut [u8]) -> Option<usize>;
    /// Exact size of [`Codec::encode_request_msg`]'s output.
    fn size_request_msg(r: &HttpRequest) -> usize;
    /// Reads it back.
    fn decode_request_msg(bytes: &[u8]) -> Option<HttpRequest>;
    /// The digest of the request in `bytes` (default: decode, then digest).
    fn digest_request_msg(bytes: &[u8]) -> Option<u64> {
        Self::decode_request_msg(bytes).map(|r| payload::digest_request(&r))
    }

    /// A payload response.
    fn encode_response_msg(r: &HttpResponse, out: &mut [u8]) -> Option<usize>;
    /// Exact size of [`Codec::encode_response_msg`]'s output.
    fn size_response_msg(r: &HttpResponse) -> usize;
    /// Reads it back.
    fn decode_response_msg(bytes: &[u8]) -> Option<HttpResponse>;
    /// The digest of the response in `bytes` (default: decode, then digest).
    fn digest_response_msg(bytes: &[u8]) -> Option<u64> {
        Self::decode_response_msg(bytes).map(|r| payload::digest_response(&r))
    }
}

/// Encodes `v` into a fresh vector with `encode`/`size`: for guests and
/// tests, which write into memory they own.
pub fn to_vec<T: ?Sized>(
    v: &T,
    size: impl Fn(&T) -> usize,
    encode: impl Fn(&T, &mut [u8]) -> Option<usize>,
) -> Option<alloc::vec::Vec<u8>> {
    let mut out = alloc::vec![0u8; size(v)];
    let n = encode(v, &mut out)?;
    (n == out.len()).then_some(out)
}

/// Declares the registration type of a memory-sharing ABI.
///
/// Every [`Codec`] ABI runs every scenario through `memory::micro`, `memory::sim` and `memory::payload`
/// with [`CodecFactors`](crate::memory::CodecFactors); only its name, description and codec differ, so
/// that is all a declaration says. Its guest crate is one line,
/// `abi_api::export_codec_guest!(<codec>);`. The declaration is empty in
/// a wasm build (the guest needs only the codec).
///
/// ```ignore
/// abi_api::codec_abi! {
///     /// The Bincode ABI, as registered with the harness.
///     pub struct Bincode {
///         codec: BincodeCodec,
///         id: "bincode",
///         about: "bincode 2 (legacy config) encoded into guest memory",
///     }
/// }
/// ```
#[macro_export]
macro_rules! codec_abi {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            codec: $codec:ty,
            id: $id:literal,
            about: $about:literal $(,)?
        }
    ) => {
        $(#[$meta])*
        #[cfg(not(target_family = "wasm"))]
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;

        #[cfg(not(target_family = "wasm"))]
        impl $crate::Abi for $name {
            const ID: &'static str = $id;
            const ABOUT: &'static str = $about;
            const WORKLOADS: &'static [$crate::Workload] = &[
                $crate::Workload::Micro,
                $crate::Workload::Sim,
                $crate::Workload::Payload,
            ];
            const BATCHES: bool = true;
            type Factors = $crate::memory::CodecFactors;

            fn micro<E: $crate::Engine, L: $crate::Linkage, V: $crate::MicroVisitor>(
                engine: E,
                own: Self::Factors,
                visitor: V,
            ) -> $crate::Result<V::Output> {
                Ok($crate::memory::micro::<E, L, $codec, V>(engine, own.memory, visitor))
            }

            fn sim<E: $crate::Engine, L: $crate::Linkage, V: $crate::SimVisitor>(
                engine: E,
                own: Self::Factors,
                visitor: V,
            ) -> $crate::Result<V::Output> {
                Ok($crate::memory::sim::<E, L, $codec, V>(engine, own.memory, visitor))
            }

            fn payload<E: $crate::Engine, L: $crate::Linkage, V: $crate::PayloadVisitor>(
                engine: E,
                own: Self::Factors,
                visitor: V,
            ) -> $crate::Result<V::Output> {
                Ok($crate::memory::payload::<E, L, $codec, V>(engine, own.memory, visitor))
            }
        }
    };
}
