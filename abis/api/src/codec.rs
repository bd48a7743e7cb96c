//! What distinguishes one memory-sharing ABI from another: how the
//! scenarios' messages become bytes and back.
//!
//! One [`Codec`] implementation serves both halves: the host encodes with it
//! and the guest decodes with the very same code (as extism's `convert`
//! crate does for its encodings), so the two sides cannot drift apart.

use cachesim::{Request, Stats};

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
}

/// Declares the registration type of a memory-sharing ABI.
///
/// Every [`Codec`] ABI runs both scenarios through `memory::micro` and `memory::sim`
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
            const SCENARIOS: &'static [$crate::Scenario] =
                &[$crate::Scenario::Micro, $crate::Scenario::Sim];
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
        }
    };
}
