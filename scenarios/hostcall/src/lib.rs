//! What the hostcall scenario computes, shared by the host functions
//! (`runtimes::host_fns`), the native baseline and the guests (the WAT core
//! module in `harness/src/scenario/hostcall.rs`, the `guests/wit-hostcall`
//! component): one definition, so every side answers bit for bit alike.
//!
//! A request is two `i32` operands (`micro::operands_i32`). The guest
//! answers alone (`none`: their wrapping sum), by calling the host's `add`
//! (`scalars`), or by handing the host a [`SLICE`]-byte window of [`DATA`]
//! to [`digest`] (`bytes`), which the host reads from the guest's memory.
#![no_std]

/// What the scalar host function computes: a wrapping sum.
#[inline(always)]
pub fn add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

/// What the byte-slice host function computes: FNV-1a (64-bit) of the
/// bytes, so every byte is read.
#[inline]
pub fn digest(bytes: &[u8]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

/// The bytes every guest holds in its memory for `bytes` requests.
pub const DATA: [u8; 128] = {
    let mut d = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        d[i] = (i as u8).wrapping_mul(37).wrapping_add(11);
        i += 1;
    }
    d
};
/// The bytes a `bytes` request hands the host.
pub const SLICE: usize = 64;
/// Request `(a, _)`'s window starts at `a & MASK` in [`DATA`]: always
/// inside it.
pub const MASK: usize = DATA.len() - SLICE - 1;

/// The window of [`DATA`] request `(a, _)` hands the host.
#[inline(always)]
pub fn window(a: i32) -> &'static [u8] {
    let at = (a as usize) & MASK;
    &DATA[at..at + SLICE]
}

/// Every guest's answer to a request that does not call the host, and
/// what `scalars` answers through the host: `add(a, b)` widened.
#[inline(always)]
pub fn sum_answer(a: i32, b: i32) -> i64 {
    i64::from(add(a, b))
}

/// What a `bytes` request answers: the digest of its window.
#[inline(always)]
pub fn bytes_answer(a: i32) -> i64 {
    digest(window(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_sums_and_windows() {
        // FNV-1a 64 of "a".
        assert_eq!(digest(b"a") as u64, 0xaf63_dc4c_8601_ec8c);
        assert_eq!(add(i32::MAX, 1), i32::MIN);
        // The window stays inside DATA whatever the operand.
        for a in [0, 1, 63, 64, -1, i32::MIN, i32::MAX] {
            assert_eq!(window(a).len(), SLICE);
        }
        assert_eq!(window(1)[0], DATA[1]);
    }
}
