//! The Extism peer's guest: an Extism plug-in written with Extism's Rust
//! PDK (`extism-pdk`), computing with the same scenario crates as every
//! other guest. The host half is `abis/extism`.
//!
//! Each export reads its input with `input_bytes` (the PDK copies it out
//! of the Extism kernel's memory, eight bytes per kernel call), computes,
//! and hands its output back with `output` (copied into kernel memory the
//! same way); it returns 0. This is the PDK's leanest path: the
//! `#[plugin_fn]` macro would add a conversion and a second copy of the
//! input, so these exports are written by hand, to give Extism its best
//! case. Malformed input traps (`panic = "abort"` in the guest profile).
//!
//! | export | input | output |
//! |---|---|---|
//! | `micro_mul_i32` | `a: i32le, b: i32le` | `i32le` product |
//! | `micro_mul_f32` | `a: f32le, b: f32le` | `f32le` product |
//! | `payload_string_in` | UTF-8 text | `u64le` digest |
//! | `payload_string_out` | `seed: u64le, len: u32le` | `make_string(seed, len)` |
//! | `payload_string_roundtrip` | UTF-8 text | `transform_string` of it |
//! | `payload_list_in` | `n` × `u32le` | `u64le` digest |
//! | `payload_list_out` | `seed: u64le, n: u32le` | `make_list(seed, n)` as `u32le` |
//! | `payload_list_roundtrip` | `n` × `u32le` | `transform_list` of it |

use extism_pdk::{input_bytes, output};

/// The two little-endian words of an 8-byte input.
fn pair(input: &[u8]) -> ([u8; 4], [u8; 4]) {
    let x: &[u8; 8] = input.try_into().expect("an 8-byte input");
    ([x[0], x[1], x[2], x[3]], [x[4], x[5], x[6], x[7]])
}

/// A generator's arguments: `seed: u64le, n: u32le`.
fn seed_and_len(input: &[u8]) -> (u64, usize) {
    let x: &[u8; 12] = input.try_into().expect("a 12-byte input");
    let seed = u64::from_le_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]]);
    let n = u32::from_le_bytes([x[8], x[9], x[10], x[11]]);
    (seed, n as usize)
}

/// Sets the call's output; the kernel copy cannot fail but for a full
/// memory, which traps.
fn reply(bytes: &[u8]) -> i32 {
    output(bytes).expect("output fits the kernel's memory");
    0
}

/// The input's `u32le` numbers.
fn u32s(input: &[u8]) -> impl ExactSizeIterator<Item = u32> + '_ {
    assert!(input.len().is_multiple_of(4), "a list of u32");
    input
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

/// `mul_i32` of the two operands.
#[unsafe(no_mangle)]
pub extern "C" fn micro_mul_i32() -> i32 {
    let (a, b) = pair(&input_bytes());
    let p = micro::mul_i32(i32::from_le_bytes(a), i32::from_le_bytes(b));
    reply(&p.to_le_bytes())
}

/// `mul_f32` of the two operands.
#[unsafe(no_mangle)]
pub extern "C" fn micro_mul_f32() -> i32 {
    let (a, b) = pair(&input_bytes());
    let p = micro::mul_f32(f32::from_le_bytes(a), f32::from_le_bytes(b));
    reply(&p.to_le_bytes())
}

/// The digest of the text received.
#[unsafe(no_mangle)]
pub extern "C" fn payload_string_in() -> i32 {
    let input = input_bytes();
    let s = core::str::from_utf8(&input).expect("UTF-8 text");
    reply(&payload::Digest::new().str(s).finish().to_le_bytes())
}

/// `make_string(seed, len)`.
#[unsafe(no_mangle)]
pub extern "C" fn payload_string_out() -> i32 {
    let (seed, len) = seed_and_len(&input_bytes());
    reply(payload::make_string(seed, len).as_bytes())
}

/// `transform_string` of the text received.
#[unsafe(no_mangle)]
pub extern "C" fn payload_string_roundtrip() -> i32 {
    let input = input_bytes();
    let s = core::str::from_utf8(&input).expect("UTF-8 text");
    reply(payload::transform_string(s).as_bytes())
}

/// The digest of the numbers received.
#[unsafe(no_mangle)]
pub extern "C" fn payload_list_in() -> i32 {
    let input = input_bytes();
    reply(
        &payload::Digest::new()
            .u32s(u32s(&input))
            .finish()
            .to_le_bytes(),
    )
}

/// `make_list(seed, n)`.
#[unsafe(no_mangle)]
pub extern "C" fn payload_list_out() -> i32 {
    let (seed, n) = seed_and_len(&input_bytes());
    let bytes: Vec<u8> = payload::make_list(seed, n)
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    reply(&bytes)
}

/// `transform_list` of the numbers received.
#[unsafe(no_mangle)]
pub extern "C" fn payload_list_roundtrip() -> i32 {
    let input = input_bytes();
    let xs: Vec<u32> = u32s(&input).collect();
    let bytes: Vec<u8> = payload::transform_list(&xs)
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    reply(&bytes)
}
