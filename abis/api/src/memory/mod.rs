//! The host half of the shared-memory protocol (see [`crate::guest`] for
//! the drawing): placing payloads in guest memory, statically or
//! dynamically, and reading payloads the guest returns.
//!
//! Every address the guest hands over (from `abi_buffer`, `abi_alloc` or
//! an op's packed result) is checked against the memory's current size,
//! without overflow, before the host touches a byte.
//!
//! This file holds the protocol every scenario shares ([`GuestMemory`],
//! the [`Memory`] factor and its [`Strategy`] types); each scenario's host
//! lives in its own file (`micro.rs`, `sim.rs`, `payload.rs`), re-exported
//! here so every item keeps its `abi_api::memory::` path.

use std::marker::PhantomData;

use runtimes::{Error, ErrorKind, Instance, Linkage, Result, guest_range};

/// Export name: `(len: i32) -> i32`, a fresh block.
pub const ALLOC: &str = "abi_alloc";
/// Export name: `() -> i64`, the static buffer as `cap << 32 | ptr`.
pub const BUFFER: &str = "abi_buffer";
/// Export name of the guest's linear memory.
pub const MEMORY: &str = "memory";

crate::factor_enum! {
    /// Where payloads go: the `memory` factor of every memory-sharing ABI.
    pub enum Memory ("memory", "payload in the guest's static buffer (fetched once) or in an abi_alloc block per call") {
        /// The static buffer, fetched once ([`Static`]).
        Static = "static",
        /// A fresh `abi_alloc` block per payload ([`Dynamic`]).
        Dynamic = "dynamic",
    }
}

crate::factor_set! {
    /// The own factors of every memory-sharing ABI.
    pub struct CodecFactors {
        /// Where payloads go.
        pub memory: Memory,
    }
}

/// Where payloads go, as a type: the timed code of each [`Memory`] value
/// is compiled on its own.
pub trait Strategy: Send + 'static {
    /// Whether the static buffer is used (when the payload fits).
    const STATIC: bool;
}

/// The static buffer, fetched once; `abi_alloc` only for payloads that do
/// not fit (n + 1 guest calls for n small payloads).
#[derive(Debug, Clone, Copy, Default)]
pub struct Static;
impl Strategy for Static {
    const STATIC: bool = true;
}

/// A fresh `abi_alloc` block for every payload (2n guest calls).
#[derive(Debug, Clone, Copy, Default)]
pub struct Dynamic;
impl Strategy for Dynamic {
    const STATIC: bool = false;
}

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
        // The static buffer was checked when opened: a block outside
        // memory can only come from the allocator.
        let range = guest_range(ptr.into(), len as u64, bytes.len())
            .map_err(|e| e.in_export(L::name(&self.alloc)))?;
        fill(&mut bytes[range]);
        Ok((ptr as i32, len as i32))
    }

    /// Places a message of known encoded size `len`: `encode` must write
    /// exactly `len` bytes. Returns `(ptr, len)` for the op call.
    #[inline(always)]
    pub fn place_sized(
        &mut self,
        inst: &mut I,
        len: usize,
        encode: impl FnOnce(&mut [u8]) -> Option<usize>,
    ) -> Result<(i32, i32)> {
        let mut written = None;
        let placed = self.place(inst, len, |buf| written = encode(buf))?;
        match written {
            Some(n) if n == len => Ok(placed),
            _ => Err(size_broken(len)),
        }
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
        self.place_sized(inst, len, encode)
    }

    /// Checks a `len << 32 | ptr` result that export `from` answered and
    /// hands the bytes to `read`; an error names the export, and a decode
    /// error where the bytes lay.
    pub fn read_packed<T>(
        &mut self,
        inst: &mut I,
        from: &'static str,
        packed: i64,
        read: impl FnOnce(&[u8]) -> Result<T>,
    ) -> Result<T> {
        let (ptr, len) = unpack(packed);
        let mem = L::memory(inst, &self.memory)?;
        let bytes = inst.memory_mut(&mem);
        match guest_range(ptr.into(), len.into(), bytes.len()) {
            Ok(range) => match read(&bytes[range]) {
                Ok(v) => Ok(v),
                Err(e) => Err(located(e, from, ptr, len)),
            },
            Err(e) => Err(e.in_export(from)),
        }
    }
}

/// `e`, from reading `len` bytes at `ptr` that export `from` answered:
/// named after the export, and a decode error says where the bytes lay.
#[cold]
#[inline(never)]
fn located(e: Error, from: &'static str, ptr: u32, len: u32) -> Error {
    let e = match e.kind() {
        ErrorKind::Decode(what) => Error::from(ErrorKind::Decode(format!(
            "{what} ({len} bytes at guest address {ptr})"
        ))),
        _ => e,
    };
    e.in_export(from)
}

#[cold]
#[inline(never)]
fn size_broken(len: usize) -> Error {
    Error::from(ErrorKind::Abi(format!(
        "encoder wrote other than its size {len}"
    )))
}

/// Writes one scenario's entry point (`micro`, `sim`, `payload`): the
/// [`CoreLoader`](crate::CoreLoader) of host type `$host` for the chosen
/// [`Memory`], handed to the scenario's visitor. The three entry points
/// differ only in the visitor trait and the host type, so they are written
/// once, here; each scenario's file invokes it next to its host type.
macro_rules! entry_point {
    ($(#[$doc:meta])* $name:ident: $visitor:ident => $host:ident) => {
        $(#[$doc])*
        pub fn $name<
            E: $crate::Engine,
            L: $crate::Linkage,
            C: $crate::Codec,
            V: $crate::$visitor,
        >(
            engine: E,
            memory: $crate::memory::Memory,
            visitor: V,
        ) -> V::Output {
            type I<E> = <E as $crate::Engine>::Instance;
            match memory {
                $crate::memory::Memory::Static => visitor.visit($crate::CoreLoader::new(
                    engine,
                    $host::<I<E>, L, $crate::memory::Static, C>::open,
                )),
                $crate::memory::Memory::Dynamic => visitor.visit($crate::CoreLoader::new(
                    engine,
                    $host::<I<E>, L, $crate::memory::Dynamic, C>::open,
                )),
            }
        }
    };
}

mod micro;
mod payload;
mod sim;
#[cfg(test)]
mod testing;

pub use self::micro::{MemoryMicro, micro};
pub use self::payload::{MemoryPayload, payload};
pub use self::sim::{MemorySim, Replay, batch_hits, hit_result, init_result, sim};

#[cfg(test)]
mod tests {
    use super::testing::{guest, kind};
    use super::*;
    use runtimes::{CachedTyped, ErrorKind, UncachedTyped};

    #[test]
    fn unpack_splits_the_paper_packing() {
        assert_eq!(unpack((65536i64 << 32) | 1024), (1024, 65536));
        assert_eq!(unpack(-1), (u32::MAX, u32::MAX));
    }

    #[test]
    fn a_buffer_outside_memory_is_refused_at_open() {
        for packed in [
            (16i64 << 32) | 65530,       // runs past the end
            (1i64 << 32) | 0xFFFF_FFFF,  // pointer past the end
            (0xFFFF_FFFFi64 << 32) | 16, // capacity larger than memory
        ] {
            let mut inst = guest(1024, packed);
            let err = GuestMemory::<_, CachedTyped, Static>::open(&mut inst)
                .err()
                .unwrap();
            assert!(
                err.to_string()
                    .starts_with("guest broke the ABI: abi_buffer() returned a bad buffer"),
                "{err}"
            );
        }
        // Dynamic never asks for the buffer.
        let mut inst = guest(1024, -1);
        assert!(GuestMemory::<_, CachedTyped, Dynamic>::open(&mut inst).is_ok());
    }

    #[test]
    fn a_bad_block_from_abi_alloc_is_an_error_not_a_write() {
        for alloc in [-16i64, 65532, 0x7FFF_FFFF] {
            let mut inst = guest(alloc, (64i64 << 32) | 1024);
            let mut mem = GuestMemory::<_, UncachedTyped, Dynamic>::open(&mut inst).unwrap();
            let mut wrote = false;
            let err = kind(mem.place(&mut inst, 8, |_| wrote = true));
            assert!(
                matches!(err, ErrorKind::OutOfBounds { len: 8, .. }),
                "{alloc}: {err}"
            );
            assert!(!wrote);
        }
    }

    #[test]
    fn static_uses_the_buffer_until_a_payload_does_not_fit() {
        let mut inst = guest(2048, (16i64 << 32) | 1024);
        let mut mem = GuestMemory::<_, CachedTyped, Static>::open(&mut inst).unwrap();
        let placed = mem.place(&mut inst, 16, |b| b.fill(7)).unwrap();
        assert_eq!(placed, (1024, 16));
        let placed = mem.place(&mut inst, 17, |b| b.fill(9)).unwrap();
        assert_eq!(placed, (2048, 17));
        let m = inst.resolve_memory(MEMORY).unwrap();
        let mut back = [0u8; 17];
        inst.read(&m, 2048, &mut back).unwrap();
        assert_eq!(back, [9; 17]);
        // An encoder that overflows the buffer falls back to a sized block.
        let placed = mem
            .place_encoded(&mut inst, |out| (out.len() >= 20).then_some(20), || 20)
            .unwrap();
        assert_eq!(placed, (2048, 20));
    }

    #[test]
    fn packed_results_are_checked_before_reading() {
        let mut inst = guest(1024, (16i64 << 32) | 1024);
        let mut mem = GuestMemory::<_, CachedTyped, Dynamic>::open(&mut inst).unwrap();
        let ok = mem.read_packed(&mut inst, "op", (4i64 << 32) | 100, |b| Ok(b.len()));
        assert_eq!(ok.unwrap(), 4);
        for packed in [(8i64 << 32) | 65532, -1, (1i64 << 32) | 65536] {
            let err = mem
                .read_packed(&mut inst, "op", packed, |_| Ok(()))
                .unwrap_err();
            assert!(
                matches!(err.kind(), ErrorKind::OutOfBounds { .. }),
                "{packed:#x}: {err}"
            );
            assert_eq!(err.export(), Some("op"), "{err}");
        }
        // A decode failure names the export and where its answer lay.
        let undecodable = || {
            Error::from(ErrorKind::Decode(
                "the guest's record does not decode".into(),
            ))
        };
        let err = mem
            .read_packed(&mut inst, "op", (4i64 << 32) | 100, |_| {
                Err::<(), _>(undecodable())
            })
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "in `op`: decode failed: the guest's record does not decode (4 bytes at guest address 100)"
        );
    }
}
