//! The host half of the shared-memory protocol (see [`crate::guest`] for
//! the drawing): placing payloads in guest memory, statically or
//! dynamically, and reading payloads the guest returns.
//!
//! Every address the guest hands over (from `abi_buffer`, `abi_alloc` or
//! an op's packed result) is checked against the memory's current size,
//! without overflow, before the host touches a byte.

use std::marker::PhantomData;

use micro::Multiply;
use runtimes::{Error, ErrorKind, Instance, Linkage, Result, guest_range};

use crate::{Choice, Codec, Factor, MicroVisitor, exports};

/// Export name: `(len: i32) -> i32`, a fresh block.
pub const ALLOC: &str = "abi_alloc";
/// Export name: `() -> i64`, the static buffer as `cap << 32 | ptr`.
pub const BUFFER: &str = "abi_buffer";
/// Export name of the guest's linear memory.
pub const MEMORY: &str = "memory";

/// Where payloads go: the `memory` factor of the memory-sharing ABIs.
pub trait Strategy: Send + 'static {
    /// `static` or `dynamic`.
    const ID: &'static str;
    /// Whether the static buffer is used (when the payload fits).
    const STATIC: bool;
}

/// The static buffer, fetched once; `abi_alloc` only for payloads that do
/// not fit (n + 1 guest calls for n small payloads).
#[derive(Debug, Clone, Copy, Default)]
pub struct Static;
impl Strategy for Static {
    const ID: &'static str = "static";
    const STATIC: bool = true;
}

/// A fresh `abi_alloc` block for every payload (2n guest calls).
#[derive(Debug, Clone, Copy, Default)]
pub struct Dynamic;
impl Strategy for Dynamic {
    const ID: &'static str = "dynamic";
    const STATIC: bool = false;
}

/// The `memory` factor of every memory-sharing ABI.
pub const MEMORY_FACTOR: Factor = Factor {
    name: "memory",
    values: &[Static::ID, Dynamic::ID],
    about: "payload in the guest's static buffer (fetched once) or in an abi_alloc block per call",
};

/// Splits `cap << 32 | ptr` (the paper's packing of a buffer in one i64).
#[inline(always)]
pub fn unpack(packed: i64) -> (u32, u32) {
    (packed as u32, (packed as u64 >> 32) as u32)
}

/// A guest's memory and allocator, reached as the linkage dictates.
pub struct GuestMemory<I: Instance, L: Linkage, S: Strategy> {
    memory: L::Memory<I>,
    alloc: L::Func<I, (i32,), i32>,
    /// The static buffer (address, capacity); (0, 0) when dynamic.
    buffer: (u32, u32),
    _strategy: PhantomData<S>,
}

impl<I: Instance, L: Linkage, S: Strategy> GuestMemory<I, L, S> {
    /// Resolves the memory and `abi_alloc`; for [`Static`], fetches the
    /// buffer once and checks it lies inside memory.
    pub fn open(inst: &mut I) -> Result<Self> {
        let memory = L::resolve_memory(inst, MEMORY)?;
        let alloc = L::resolve(inst, ALLOC)?;
        let buffer = if S::STATIC {
            let f = L::resolve::<I, (), i64>(inst, BUFFER)?;
            let (ptr, cap) = unpack(L::invoke(inst, &f, ())?);
            let mem = L::memory(inst, &memory)?;
            let size = inst.memory_size(&mem);
            guest_range(ptr.into(), cap.into(), size).map_err(|e| {
                Error::from(ErrorKind::Abi(format!(
                    "abi_buffer() returned a bad buffer: {e}"
                )))
            })?;
            (ptr, cap)
        } else {
            (0, 0)
        };
        Ok(GuestMemory {
            memory,
            alloc,
            buffer,
            _strategy: PhantomData,
        })
    }

    /// Where a payload of `len` bytes goes: the static buffer if it fits,
    /// else a fresh block from the guest (whose address is not yet trusted).
    #[inline(always)]
    fn target(&mut self, inst: &mut I, len: usize) -> Result<u32> {
        if S::STATIC && len <= self.buffer.1 as usize {
            return Ok(self.buffer.0);
        }
        let len = i32::try_from(len)
            .map_err(|_| Error::from(ErrorKind::Abi(format!("payload of {len} bytes"))))?;
        Ok(L::invoke(inst, &self.alloc, (len,))? as u32)
    }

    /// Places a payload of known size: `fill` writes exactly `len` bytes.
    /// Returns `(ptr, len)` for the op call.
    #[inline(always)]
    pub fn place(
        &mut self,
        inst: &mut I,
        len: usize,
        fill: impl FnOnce(&mut [u8]),
    ) -> Result<(i32, i32)> {
        let ptr = self.target(inst, len)?;
        let mem = L::memory(inst, &self.memory)?;
        let bytes = inst.memory_mut(&mem);
        let range = guest_range(ptr.into(), len as u64, bytes.len())?;
        fill(&mut bytes[range]);
        Ok((ptr as i32, len as i32))
    }

    /// Places a payload whose size an encoder learns while writing: with
    /// [`Static`], `encode` first tries the buffer directly and the size is
    /// computed only if it does not fit; with [`Dynamic`], `size` first,
    /// then a block of that size. `encode` returns the bytes written, or
    /// `None` if the slice was too small.
    #[inline(always)]
    pub fn place_encoded(
        &mut self,
        inst: &mut I,
        mut encode: impl FnMut(&mut [u8]) -> Option<usize>,
        size: impl FnOnce() -> usize,
    ) -> Result<(i32, i32)> {
        if S::STATIC {
            let (ptr, cap) = self.buffer;
            let mem = L::memory(inst, &self.memory)?;
            let bytes = inst.memory_mut(&mem);
            let range = guest_range(ptr.into(), cap.into(), bytes.len())?;
            if let Some(n) = encode(&mut bytes[range]) {
                return Ok((ptr as i32, n as i32));
            }
        }
        let len = size();
        let mut written = None;
        let placed = self.place(inst, len, |buf| written = encode(buf))?;
        match written {
            Some(n) if n == len => Ok(placed),
            _ => Err(Error::from(ErrorKind::Abi(format!(
                "encoder wrote other than its size {len}"
            )))),
        }
    }

    /// Checks a `len << 32 | ptr` result from the guest and hands the bytes
    /// to `read`.
    pub fn read_packed<T>(
        &mut self,
        inst: &mut I,
        packed: i64,
        read: impl FnOnce(&[u8]) -> Result<T>,
    ) -> Result<T> {
        let (ptr, len) = unpack(packed);
        let mem = L::memory(inst, &self.memory)?;
        let bytes = inst.memory_mut(&mem);
        let range = guest_range(ptr.into(), len.into(), bytes.len())?;
        read(&bytes[range])
    }
}

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

/// `Abi::micro` for a memory-sharing ABI with codec `C`: picks the host
/// type for the chosen `memory` factor.
pub fn micro<I: Instance, L: Linkage, C: Codec, V: MicroVisitor<I>>(
    choice: Choice<'_>,
    visitor: V,
) -> Option<V::Output> {
    Some(match choice.get(MEMORY_FACTOR.name) {
        "static" => visitor.visit(MemoryMicro::<I, L, Static, C>::open),
        _ => visitor.visit(MemoryMicro::<I, L, Dynamic, C>::open),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpack_splits_the_paper_packing() {
        assert_eq!(unpack((65536i64 << 32) | 1024), (1024, 65536));
        assert_eq!(unpack(-1), (u32::MAX, u32::MAX));
    }
}
