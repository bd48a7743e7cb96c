//! The host half of the Pair ABI.

use abi_api::{Abi, Choice, Error, Instance, Linkage, MicroVisitor, Multiply, Result};

use crate::exports;

/// The Pair ABI, as registered with the harness.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pair;

impl Abi for Pair {
    const ID: &'static str = "pair";
    const ABOUT: &'static str = "operands as direct wasm scalars (no memory traffic)";
    const GUEST: &'static str = "pair";
    const SCENARIOS: &'static [&'static str] = &["micro"];

    fn micro<I: Instance, L: Linkage, V: MicroVisitor<I>>(
        _: Choice<'_>,
        visitor: V,
    ) -> Option<V::Output> {
        Some(visitor.visit(PairMicro::<I, L>::open))
    }
}

/// The micro scenario over the Pair ABI: one guest call per multiply.
pub struct PairMicro<I: Instance, L: Linkage> {
    inst: I,
    mul_i32: L::Func<I, (i32, i32), i32>,
    mul_f32: L::Func<I, (f32, f32), f32>,
}

impl<I: Instance, L: Linkage> PairMicro<I, L> {
    /// Resolves the exports as the linkage dictates (checking they exist
    /// and have the right signatures, even when they will be looked up
    /// again on every call).
    pub fn open(mut inst: I) -> Result<Self> {
        Ok(PairMicro {
            mul_i32: L::resolve(&mut inst, exports::MUL_I32)?,
            mul_f32: L::resolve(&mut inst, exports::MUL_F32)?,
            inst,
        })
    }
}

impl<I: Instance, L: Linkage> Multiply for PairMicro<I, L> {
    type Error = Error;

    #[inline(always)]
    fn mul_i32(&mut self, a: i32, b: i32) -> Result<i32> {
        L::invoke(&mut self.inst, &self.mul_i32, (a, b))
    }

    #[inline(always)]
    fn mul_f32(&mut self, a: f32, b: f32) -> Result<f32> {
        L::invoke(&mut self.inst, &self.mul_f32, (a, b))
    }
}
