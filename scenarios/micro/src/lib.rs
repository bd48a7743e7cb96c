//! The paper's micro-benchmark: one multiplication per call.
//!
//! This crate is the single source of the work. The native baseline calls
//! [`mul_i32`] and [`mul_f32`] directly; every guest crate exports them through
//! its ABI. Because the same functions run on both sides, a difference in
//! time is the cost of crossing into the sandbox, never a difference in code.
//!
//! The harness drives every cell through the [`Multiply`] trait with operands
//! from [`operands_i32`]/[`operands_f32`] and folds each product into a
//! [`Checksum`], so no call can be optimised away and every run is compared
//! with the native result.
#![no_std]

use core::convert::Infallible;

/// Multiplies two `i32`s with two's-complement wrapping, as wasm's `i32.mul` does.
#[inline(always)]
pub fn mul_i32(a: i32, b: i32) -> i32 {
    a.wrapping_mul(b)
}

/// Multiplies two `f32`s (IEEE 754, round to nearest), as wasm's `f32.mul` does.
#[inline(always)]
pub fn mul_f32(a: f32, b: f32) -> f32 {
    a * b
}

/// One way of reaching the multiply: natively, or through an ABI into a guest.
///
/// The timed loop is generic over this trait, so native and sandboxed cells
/// run the very same loop and differ only in what a call costs.
pub trait Multiply {
    /// Why a call could fail (a trap, a bad pointer from the guest...).
    type Error;
    /// Returns `a * b` with wrapping.
    fn mul_i32(&mut self, a: i32, b: i32) -> Result<i32, Self::Error>;
    /// Returns `a * b` in `f32`.
    fn mul_f32(&mut self, a: f32, b: f32) -> Result<f32, Self::Error>;
}

/// The native baseline: the scenario functions called directly, no sandbox.
#[derive(Debug, Default, Clone, Copy)]
pub struct Native;

impl Multiply for Native {
    type Error = Infallible;

    #[inline(always)]
    fn mul_i32(&mut self, a: i32, b: i32) -> Result<i32, Infallible> {
        Ok(mul_i32(a, b))
    }

    #[inline(always)]
    fn mul_f32(&mut self, a: f32, b: f32) -> Result<f32, Infallible> {
        Ok(mul_f32(a, b))
    }
}

factor::factor_enum! {
    /// The operand type of the multiply: a factor of the micro matrix.
    pub enum Operand ("operand", "multiply i32 (wrapping) or f32") {
        /// `i32 × i32 → i32`, wrapping (the paper's case).
        I32 = "i32",
        /// `f32 × f32 → f32`.
        F32 = "f32",
    }
}

/// The operands of call number `i` for the `i32` multiply.
///
/// Cheap (two integer ops), varied, and overflowing often, so wrapping is
/// exercised on every runtime.
#[inline(always)]
pub fn operands_i32(i: u64) -> (i32, i32) {
    let i = i as u32;
    (i.wrapping_mul(0x9E37_79B1) as i32, (i ^ 0x5BD1_E995) as i32)
}

/// The operands of call number `i` for the `f32` multiply.
///
/// Bounded (|a| < 512, 0.5 <= b < 2) so no product is infinite or NaN and the
/// checksum is exact on every platform.
#[inline(always)]
pub fn operands_f32(i: u64) -> (f32, f32) {
    let i = i as u32;
    (
        ((i & 0xFFF) as f32 - 2048.0) * 0.25,
        0.5 + ((i >> 3) & 0xFF) as f32 * (1.5 / 256.0),
    )
}

/// An order-sensitive fold of every product of a run, bit for bit.
///
/// One rotate and one xor per call: cheap enough to sit in every timed loop,
/// strong enough that a wrong or skipped product changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Checksum(pub u32);

impl Checksum {
    /// Folds one product's bits into the checksum.
    #[inline(always)]
    pub fn fold(self, bits: u32) -> Checksum {
        Checksum(self.0.rotate_left(5) ^ bits)
    }

    /// The checksum native execution gives for `calls` calls of `operand`.
    pub fn expected(operand: Operand, calls: u64) -> Checksum {
        let mut c = Checksum::default();
        for i in 0..calls {
            c = match operand {
                Operand::I32 => {
                    let (a, b) = operands_i32(i);
                    c.fold(mul_i32(a, b) as u32)
                }
                Operand::F32 => {
                    let (a, b) = operands_f32(i);
                    c.fold(mul_f32(a, b).to_bits())
                }
            };
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i32_wraps() {
        assert_eq!(mul_i32(i32::MAX, 2), -2);
        assert_eq!(mul_i32(i32::MIN, -1), i32::MIN);
        assert_eq!(mul_i32(-7, 6), -42);
    }

    #[test]
    fn f32_follows_ieee() {
        assert!(mul_f32(f32::NAN, 1.0).is_nan());
        assert_eq!(mul_f32(f32::INFINITY, -2.0), f32::NEG_INFINITY);
        assert!(mul_f32(f32::INFINITY, 0.0).is_nan());
        assert_eq!(mul_f32(-0.0, 5.0).to_bits(), (-0.0f32).to_bits());
    }

    #[test]
    fn operands_overflow_and_stay_finite() {
        let overflowing = (0..1000)
            .map(operands_i32)
            .filter(|&(a, b)| a.checked_mul(b).is_none())
            .count();
        assert!(overflowing > 500, "only {overflowing} of 1000 overflow");
        for i in 0..100_000 {
            let (a, b) = operands_f32(i);
            assert!(mul_f32(a, b).is_finite(), "call {i}: {a} * {b}");
        }
    }

    #[test]
    fn checksum_sees_every_product() {
        let good = Checksum::expected(Operand::I32, 100);
        let mut bad = Checksum::default();
        for i in 0..100 {
            let (a, b) = operands_i32(i);
            let p = if i == 57 {
                mul_i32(a, b) ^ 1
            } else {
                mul_i32(a, b)
            };
            bad = bad.fold(p as u32);
        }
        assert_ne!(good, bad);
    }

    #[test]
    fn operand_ids_round_trip() {
        for &o in Operand::ALL {
            assert_eq!(o.id().parse::<Operand>(), Ok(o));
        }
        assert!("i64".parse::<Operand>().is_err());
    }
}
