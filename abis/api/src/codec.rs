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
