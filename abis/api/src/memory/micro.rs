//! The micro scenario over any memory-sharing ABI: [`MemoryMicro`] and
//! its entry point [`micro()`].

use std::marker::PhantomData;

use micro::Multiply;
use runtimes::{Error, Instance, Linkage, Result};

use super::{GuestMemory, Strategy};
use crate::{Codec, exports};

/// The micro scenario over any memory-sharing ABI: per call, the
/// arguments are encoded with `C` into guest memory as `S` dictates, and
/// the guest's op is called with `(ptr, len)`; the product comes back as a
/// scalar.
pub struct MemoryMicro<I: Instance, L: Linkage, S: Strategy, C: Codec> {
    inst: I,
    mem: GuestMemory<I, L, S>,
    mul_i32: L::Func<I, (i32, i32), i32>,
    mul_f32: L::Func<I, (i32, i32), f32>,
    _codec: PhantomData<C>,
}

impl<I: Instance, L: Linkage, S: Strategy, C: Codec> MemoryMicro<I, L, S, C> {
    /// Resolves the exports and the memory protocol.
    pub fn open(mut inst: I) -> Result<Self> {
        Ok(MemoryMicro {
            mem: GuestMemory::open(&mut inst)?,
            mul_i32: L::resolve(&mut inst, exports::MUL_I32)?,
            mul_f32: L::resolve(&mut inst, exports::MUL_F32)?,
            inst,
            _codec: PhantomData,
        })
    }
}

impl<I: Instance, L: Linkage, S: Strategy, C: Codec> Multiply for MemoryMicro<I, L, S, C> {
    type Error = Error;

    #[inline(always)]
    fn mul_i32(&mut self, a: i32, b: i32) -> Result<i32> {
        let args = self.mem.place_encoded(
            &mut self.inst,
            |out| C::encode_mul_i32(a, b, out),
            || C::size_mul_i32(a, b),
        )?;
        L::invoke(&mut self.inst, &self.mul_i32, args)
    }

    #[inline(always)]
    fn mul_f32(&mut self, a: f32, b: f32) -> Result<f32> {
        let args = self.mem.place_encoded(
            &mut self.inst,
            |out| C::encode_mul_f32(a, b, out),
            || C::size_mul_f32(a, b),
        )?;
        L::invoke(&mut self.inst, &self.mul_f32, args)
    }
}

entry_point! {
    /// `Abi::micro` for a memory-sharing ABI with codec `C`: the host type for
    /// the chosen `memory`.
    micro: MicroVisitor => MemoryMicro
}

#[cfg(test)]
mod tests {
    use super::MemoryMicro;
    use crate::memory::Static;
    use crate::memory::testing::{Raw, guest};
    use runtimes::{CachedTyped, ErrorKind};

    #[test]
    fn a_trapping_op_is_a_clean_error() {
        use micro::Multiply;
        let inst = guest(1024, (16i64 << 32) | 512);
        let mut host = MemoryMicro::<_, CachedTyped, Static, Raw>::open(inst).unwrap();
        // The op reads back the i32 the host wrote at the buffer.
        assert_eq!(host.mul_i32(41, 0).unwrap(), 41);
        let err = host.mul_f32(1.0, 2.0).err().unwrap();
        assert!(matches!(err.kind(), ErrorKind::Trap(_)), "{err}");
        // The instance survives the trap.
        assert_eq!(host.mul_i32(-5, 0).unwrap(), -5);
    }
}
