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

use cachesim::{InGuest, Request, Setup, Simulator, Stats};

use crate::{Codec, CoreLoader, Engine, MicroVisitor, PayloadVisitor, SimVisitor, exports};
use payload::{Direction, Exchange, HttpRequest, Record, Shape};

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
        let range = guest_range(ptr.into(), len as u64, bytes.len())?;
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

#[cold]
#[inline(never)]
fn size_broken(len: usize) -> Error {
    Error::from(ErrorKind::Abi(format!(
        "encoder wrote other than its size {len}"
    )))
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

/// `Abi::micro` for a memory-sharing ABI with codec `C`: the host type for
/// the chosen `memory`.
pub fn micro<E: Engine, L: Linkage, C: Codec, V: MicroVisitor>(
    engine: E,
    memory: Memory,
    visitor: V,
) -> V::Output {
    type I<E> = <E as Engine>::Instance;
    match memory {
        Memory::Static => visitor.visit(CoreLoader::new(
            engine,
            MemoryMicro::<I<E>, L, Static, C>::open,
        )),
        Memory::Dynamic => visitor.visit(CoreLoader::new(
            engine,
            MemoryMicro::<I<E>, L, Dynamic, C>::open,
        )),
    }
}

/// The simulator over any memory-sharing ABI: `init` with scalars, each
/// request encoded with `C` into guest memory as `S` dictates and sent as
/// `(ptr, len)`, the counters read back from the guest's output buffer.
pub struct MemorySim<I: Instance, L: Linkage, S: Strategy, C: Codec> {
    inst: I,
    mem: GuestMemory<I, L, S>,
    init: L::Func<I, (i32, i64), i32>,
    send: L::Func<I, (i32, i32), i32>,
    send_batch: L::Func<I, (i32, i32), i32>,
    stats: L::Func<I, (), i64>,
    replay: Option<Replay<I, L>>,
    _codec: PhantomData<C>,
}

/// The host half of the in-guest replay ([`InGuest`]), shared by every
/// core ABI: its exports are resolved only when a trace is loaded (a guest
/// without them runs every other cell), and the trace is written as raw
/// `(id, size)` pairs, whatever the ABI's codec, into the block
/// `sim_replay_alloc` gives.
pub struct Replay<I: Instance, L: Linkage> {
    run: L::Func<I, (i32, i32), i32>,
    /// The loaded trace's address and length.
    loaded: (i32, i32),
}

impl<I: Instance, L: Linkage> Replay<I, L> {
    /// Resolves the two exports and copies `trace` into the guest.
    pub fn load(inst: &mut I, trace: &[Request]) -> Result<Self> {
        let alloc = L::resolve::<I, (i32,), i32>(inst, exports::SIM_REPLAY_ALLOC)?;
        let run = L::resolve::<I, (i32, i32), i32>(inst, exports::SIM_REPLAY)?;
        let n = i32::try_from(trace.len()).map_err(|_| {
            Error::from(ErrorKind::Abi(format!(
                "a trace of {} requests",
                trace.len()
            )))
        })?;
        let ptr = L::invoke(inst, &alloc, (n,))? as u32;
        let memory = L::resolve_memory(inst, MEMORY)?;
        let mem = L::memory(inst, &memory)?;
        let bytes = inst.memory_mut(&mem);
        let range = guest_range(ptr.into(), 8 * trace.len() as u64, bytes.len())?;
        for (out, r) in bytes[range].chunks_exact_mut(8).zip(trace) {
            out[..4].copy_from_slice(&r.id.to_le_bytes());
            out[4..].copy_from_slice(&r.size.to_le_bytes());
        }
        Ok(Replay {
            run,
            loaded: (ptr as i32, n),
        })
    }

    /// Replays the loaded trace inside the guest: one call; the hits.
    #[inline(always)]
    pub fn run(&self, inst: &mut I) -> Result<u32> {
        let hits = L::invoke(inst, &self.run, self.loaded)?;
        batch_hits(hits, self.loaded.1 as usize)
    }

    /// [`Replay::run`] on an optional loaded replay.
    pub fn run_loaded(replay: Option<&Self>, inst: &mut I) -> Result<u32> {
        match replay {
            Some(r) => r.run(inst),
            None => Err(ErrorKind::Abi("sim_replay before a trace was loaded".into()).into()),
        }
    }
}

impl<I: Instance, L: Linkage, S: Strategy, C: Codec> MemorySim<I, L, S, C> {
    /// Resolves the exports and the memory protocol.
    pub fn open(mut inst: I) -> Result<Self> {
        Ok(MemorySim {
            mem: GuestMemory::open(&mut inst)?,
            init: L::resolve(&mut inst, exports::SIM_INIT)?,
            send: L::resolve(&mut inst, exports::SIM_SEND)?,
            send_batch: L::resolve(&mut inst, exports::SIM_SEND_BATCH)?,
            stats: L::resolve(&mut inst, exports::SIM_STATS)?,
            replay: None,
            inst,
            _codec: PhantomData,
        })
    }
}

/// Interprets `sim_send_batch`'s answer for a batch of `n` requests.
#[inline(always)]
pub fn batch_hits(code: i32, n: usize) -> Result<u32> {
    match u32::try_from(code) {
        Ok(h) if h as usize <= n => Ok(h),
        _ => Err(bad_batch(code, n)),
    }
}

#[cold]
#[inline(never)]
fn bad_batch(code: i32, n: usize) -> Error {
    ErrorKind::Abi(format!(
        "sim_send_batch answered {code} hits for {n} requests"
    ))
    .into()
}

/// Interprets `sim_init`'s answer.
pub fn init_result(code: i32) -> Result<()> {
    match code {
        0 => Ok(()),
        other => Err(ErrorKind::Abi(format!("sim_init answered {other}")).into()),
    }
}

/// Interprets `sim_send`'s answer: 1 hit, 0 miss, anything else a broken guest.
#[inline(always)]
pub fn hit_result(code: i32) -> Result<bool> {
    match code {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(bad_hit(other)),
    }
}

#[cold]
#[inline(never)]
fn bad_hit(code: i32) -> Error {
    ErrorKind::Abi(format!("sim_send answered {code}, not 0 or 1")).into()
}

impl<I: Instance, L: Linkage, S: Strategy, C: Codec> InGuest for MemorySim<I, L, S, C> {
    type Error = Error;

    fn load(&mut self, trace: &[Request]) -> Result<()> {
        self.replay = Some(Replay::load(&mut self.inst, trace)?);
        Ok(())
    }

    #[inline(always)]
    fn replay(&mut self) -> Result<u32> {
        Replay::run_loaded(self.replay.as_ref(), &mut self.inst)
    }
}

impl<I: Instance, L: Linkage, S: Strategy, C: Codec> Simulator for MemorySim<I, L, S, C> {
    type Error = Error;

    fn in_guest(&mut self) -> Option<&mut dyn InGuest<Error = Error>> {
        Some(self)
    }

    fn init(&mut self, setup: Setup, capacity_bytes: u64) -> Result<()> {
        let code = L::invoke(
            &mut self.inst,
            &self.init,
            (setup.code() as i32, capacity_bytes as i64),
        )?;
        init_result(code)
    }

    #[inline(always)]
    fn send(&mut self, r: Request) -> Result<bool> {
        let args = self.mem.place_encoded(
            &mut self.inst,
            |out| C::encode_request(r, out),
            || C::size_request(r),
        )?;
        hit_result(L::invoke(&mut self.inst, &self.send, args)?)
    }

    #[inline(always)]
    fn send_batch(&mut self, reqs: &[Request]) -> Result<u32> {
        let args = self
            .mem
            .place_sized(&mut self.inst, C::size_requests(reqs), |out| {
                C::encode_requests(reqs, out)
            })?;
        batch_hits(
            L::invoke(&mut self.inst, &self.send_batch, args)?,
            reqs.len(),
        )
    }

    fn stats(&mut self) -> Result<Stats> {
        let packed = L::invoke(&mut self.inst, &self.stats, ())?;
        self.mem.read_packed(&mut self.inst, packed, |bytes| {
            C::decode_stats(bytes)
                .ok_or_else(|| ErrorKind::Decode("sim_stats: not a stats message".into()).into())
        })
    }
}

/// `Abi::sim` for a memory-sharing ABI with codec `C`.
pub fn sim<E: Engine, L: Linkage, C: Codec, V: SimVisitor>(
    engine: E,
    memory: Memory,
    visitor: V,
) -> V::Output {
    type I<E> = <E as Engine>::Instance;
    match memory {
        Memory::Static => visitor.visit(CoreLoader::new(
            engine,
            MemorySim::<I<E>, L, Static, C>::open,
        )),
        Memory::Dynamic => visitor.visit(CoreLoader::new(
            engine,
            MemorySim::<I<E>, L, Dynamic, C>::open,
        )),
    }
}

/// A shape's `in` and `roundtrip` exports: both take `(ptr, len)` and
/// answer one packed `i64`.
type InAndRoundtrip<I, L> = [<L as Linkage>::Func<I, (i32, i32), i64>; 2];

/// The payload scenario over any memory-sharing ABI: messages encoded with
/// `C` into guest memory as `S` dictates (the static buffer when they fit,
/// else an `abi_alloc` block), replies read in place from the guest's
/// message block after a bounds check, and decoded (or digested in place)
/// with the same codec.
pub struct MemoryPayload<I: Instance, L: Linkage, S: Strategy, C: Codec> {
    inst: I,
    mem: GuestMemory<I, L, S>,
    record: InAndRoundtrip<I, L>,
    record_out: L::Func<I, (i64,), i64>,
    string: InAndRoundtrip<I, L>,
    string_out: L::Func<I, (i64, i32), i64>,
    list: InAndRoundtrip<I, L>,
    list_out: L::Func<I, (i64, i32), i64>,
    nested: InAndRoundtrip<I, L>,
    nested_out: L::Func<I, (i64, i32), i64>,
    _codec: PhantomData<C>,
}

impl<I: Instance, L: Linkage, S: Strategy, C: Codec> MemoryPayload<I, L, S, C> {
    /// Resolves the twelve payload exports and the memory protocol.
    pub fn open(mut inst: I) -> Result<Self> {
        let name = exports::payload;
        let (i, o, r) = (Direction::In, Direction::Out, Direction::Roundtrip);
        let pair = |inst: &mut I, shape: Shape| -> Result<InAndRoundtrip<I, L>> {
            Ok([
                L::resolve(inst, name(shape, i))?,
                L::resolve(inst, name(shape, r))?,
            ])
        };
        Ok(MemoryPayload {
            mem: GuestMemory::open(&mut inst)?,
            record: pair(&mut inst, Shape::Record)?,
            record_out: L::resolve(&mut inst, name(Shape::Record, o))?,
            string: pair(&mut inst, Shape::String)?,
            string_out: L::resolve(&mut inst, name(Shape::String, o))?,
            list: pair(&mut inst, Shape::List)?,
            list_out: L::resolve(&mut inst, name(Shape::List, o))?,
            nested: pair(&mut inst, Shape::Nested)?,
            nested_out: L::resolve(&mut inst, name(Shape::Nested, o))?,
            inst,
            _codec: PhantomData,
        })
    }
}

/// Places a message and calls `f` with it; the guest's i64 answer.
#[inline(always)]
fn send<I: Instance, L: Linkage, S: Strategy>(
    inst: &mut I,
    mem: &mut GuestMemory<I, L, S>,
    f: &L::Func<I, (i32, i32), i64>,
    len: usize,
    encode: impl FnOnce(&mut [u8]) -> Option<usize>,
) -> Result<i64> {
    let args = mem.place_sized(inst, len, encode)?;
    L::invoke(inst, f, args)
}

/// Reads the message the guest answered with `packed` and digests it.
#[inline(always)]
fn receive<I: Instance, L: Linkage, S: Strategy>(
    inst: &mut I,
    mem: &mut GuestMemory<I, L, S>,
    packed: i64,
    what: &'static str,
    digest: impl FnOnce(&[u8]) -> Option<u64>,
) -> Result<u64> {
    mem.read_packed(inst, packed, |bytes| {
        digest(bytes).ok_or_else(|| undecodable(what))
    })
}

#[cold]
#[inline(never)]
fn undecodable(what: &str) -> Error {
    ErrorKind::Decode(format!("the guest's {what} does not decode")).into()
}

/// Index of `in` and `roundtrip` in a payload export pair.
const IN: usize = 0;
const ROUNDTRIP: usize = 1;

impl<I: Instance, L: Linkage, S: Strategy, C: Codec> Exchange for MemoryPayload<I, L, S, C> {
    type Error = Error;

    fn carries(shape: Shape, _: Direction) -> core::result::Result<(), &'static str> {
        C::carries(shape)
    }

    #[cold]
    fn unsupported(shape: Shape, direction: Direction) -> Error {
        ErrorKind::Unsupported(format!("this codec does not carry {shape} {direction}")).into()
    }

    #[inline(always)]
    fn record_in(&mut self, r: &Record) -> Result<u64> {
        let (i, m) = (&mut self.inst, &mut self.mem);
        let d = send(i, m, &self.record[IN], C::size_record(r), |o| {
            C::encode_record(r, o)
        })?;
        Ok(d as u64)
    }
    #[inline(always)]
    fn record_out(&mut self, seed: u64) -> Result<u64> {
        let packed = L::invoke(&mut self.inst, &self.record_out, (seed as i64,))?;
        receive(&mut self.inst, &mut self.mem, packed, "record", |b| {
            C::decode_record(b).map(|r| payload::digest_record(&r))
        })
    }
    #[inline(always)]
    fn record_roundtrip(&mut self, r: &Record) -> Result<u64> {
        let (i, m) = (&mut self.inst, &mut self.mem);
        let f = &self.record[ROUNDTRIP];
        let packed = send(i, m, f, C::size_record(r), |o| C::encode_record(r, o))?;
        receive(i, m, packed, "record", |b| {
            C::decode_record(b).map(|r| payload::digest_record(&r))
        })
    }

    #[inline(always)]
    fn string_in(&mut self, s: &str) -> Result<u64> {
        let (i, m) = (&mut self.inst, &mut self.mem);
        let d = send(i, m, &self.string[IN], C::size_str(s), |o| {
            C::encode_str(s, o)
        })?;
        Ok(d as u64)
    }
    #[inline(always)]
    fn string_out(&mut self, seed: u64, len: usize) -> Result<u64> {
        let packed = L::invoke(&mut self.inst, &self.string_out, (seed as i64, len as i32))?;
        receive(&mut self.inst, &mut self.mem, packed, "text", C::digest_str)
    }
    #[inline(always)]
    fn string_roundtrip(&mut self, s: &str) -> Result<u64> {
        let (i, m) = (&mut self.inst, &mut self.mem);
        let f = &self.string[ROUNDTRIP];
        let packed = send(i, m, f, C::size_str(s), |o| C::encode_str(s, o))?;
        receive(i, m, packed, "text", C::digest_str)
    }

    #[inline(always)]
    fn list_in(&mut self, xs: &[u32]) -> Result<u64> {
        let (i, m) = (&mut self.inst, &mut self.mem);
        let d = send(i, m, &self.list[IN], C::size_list(xs), |o| {
            C::encode_list(xs, o)
        })?;
        Ok(d as u64)
    }
    #[inline(always)]
    fn list_out(&mut self, seed: u64, n: usize) -> Result<u64> {
        let packed = L::invoke(&mut self.inst, &self.list_out, (seed as i64, n as i32))?;
        receive(
            &mut self.inst,
            &mut self.mem,
            packed,
            "list",
            C::digest_list,
        )
    }
    #[inline(always)]
    fn list_roundtrip(&mut self, xs: &[u32]) -> Result<u64> {
        let (i, m) = (&mut self.inst, &mut self.mem);
        let f = &self.list[ROUNDTRIP];
        let packed = send(i, m, f, C::size_list(xs), |o| C::encode_list(xs, o))?;
        receive(i, m, packed, "list", C::digest_list)
    }

    #[inline(always)]
    fn nested_in(&mut self, r: &HttpRequest) -> Result<u64> {
        let (i, m) = (&mut self.inst, &mut self.mem);
        let len = C::size_request_msg(r);
        let d = send(i, m, &self.nested[IN], len, |o| C::encode_request_msg(r, o))?;
        Ok(d as u64)
    }
    #[inline(always)]
    fn nested_out(&mut self, seed: u64, body_len: usize) -> Result<u64> {
        let args = (seed as i64, body_len as i32);
        let packed = L::invoke(&mut self.inst, &self.nested_out, args)?;
        receive(
            &mut self.inst,
            &mut self.mem,
            packed,
            "response",
            C::digest_response_msg,
        )
    }
    #[inline(always)]
    fn nested_roundtrip(&mut self, r: &HttpRequest) -> Result<u64> {
        let (i, m) = (&mut self.inst, &mut self.mem);
        let len = C::size_request_msg(r);
        let f = &self.nested[ROUNDTRIP];
        let packed = send(i, m, f, len, |o| C::encode_request_msg(r, o))?;
        receive(i, m, packed, "response", C::digest_response_msg)
    }
}

/// `Abi::payload` for a memory-sharing ABI with codec `C`.
pub fn payload<E: Engine, L: Linkage, C: Codec, V: PayloadVisitor>(
    engine: E,
    memory: Memory,
    visitor: V,
) -> V::Output {
    type I<E> = <E as Engine>::Instance;
    match memory {
        Memory::Static => visitor.visit(CoreLoader::new(
            engine,
            MemoryPayload::<I<E>, L, Static, C>::open,
        )),
        Memory::Dynamic => visitor.visit(CoreLoader::new(
            engine,
            MemoryPayload::<I<E>, L, Dynamic, C>::open,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use runtimes::{CachedTyped, Engine, ErrorKind, UncachedTyped, WasmerEngine};

    #[test]
    fn unpack_splits_the_paper_packing() {
        assert_eq!(unpack((65536i64 << 32) | 1024), (1024, 65536));
        assert_eq!(unpack(-1), (u32::MAX, u32::MAX));
    }

    /// A guest speaking the protocol, with the addresses it returns chosen
    /// by the test: one page of memory, `abi_alloc` returning `alloc`,
    /// `abi_buffer` returning `buffer`, an op that reads an i32 at `ptr` (and
    /// traps on its own if that is out of bounds).
    fn guest(alloc: i64, buffer: i64) -> runtimes::WasmerInstance {
        let wat = format!(
            r#"(module
                (memory (export "memory") 1)
                (func (export "abi_alloc") (param i32) (result i32) i32.const {alloc})
                (func (export "abi_buffer") (result i64) i64.const {buffer})
                (func (export "micro_mul_i32") (param i32 i32) (result i32)
                    local.get 0 i32.load)
                (func (export "micro_mul_f32") (param i32 i32) (result f32)
                    unreachable))"#,
            alloc = alloc as i32
        );
        let engine = WasmerEngine::new(
            runtimes::RuntimeId::WasmerCranelift,
            runtimes::EngineConfig::default(),
        )
        .unwrap();
        engine.load(&wat::parse_str(wat).unwrap()).unwrap()
    }

    fn kind<T>(r: Result<T>) -> ErrorKind {
        match r {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.kind().clone(),
        }
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
        let ok = mem.read_packed(&mut inst, (4i64 << 32) | 100, |b| Ok(b.len()));
        assert_eq!(ok.unwrap(), 4);
        for packed in [(8i64 << 32) | 65532, -1, (1i64 << 32) | 65536] {
            let err = kind(mem.read_packed(&mut inst, packed, |_| Ok(())));
            assert!(
                matches!(err, ErrorKind::OutOfBounds { .. }),
                "{packed:#x}: {err}"
            );
        }
    }

    /// A codec that writes text raw and refuses everything else.
    struct Raw;
    impl Codec for Raw {
        fn encode_mul_i32(a: i32, _: i32, out: &mut [u8]) -> Option<usize> {
            out.get_mut(..4)?.copy_from_slice(&a.to_le_bytes());
            Some(4)
        }
        fn size_mul_i32(_: i32, _: i32) -> usize {
            4
        }
        fn decode_mul_i32(_: &[u8]) -> Option<(i32, i32)> {
            None
        }
        fn encode_mul_f32(_: f32, _: f32, _: &mut [u8]) -> Option<usize> {
            Some(0)
        }
        fn size_mul_f32(_: f32, _: f32) -> usize {
            0
        }
        fn decode_mul_f32(_: &[u8]) -> Option<(f32, f32)> {
            None
        }
        fn encode_request(_: cachesim::Request, _: &mut [u8]) -> Option<usize> {
            None
        }
        fn size_request(_: cachesim::Request) -> usize {
            0
        }
        fn decode_request(_: &[u8]) -> Option<cachesim::Request> {
            None
        }
        fn encode_stats(_: cachesim::Stats, _: &mut [u8]) -> Option<usize> {
            None
        }
        fn decode_stats(_: &[u8]) -> Option<cachesim::Stats> {
            None
        }
        fn encode_requests(_: &[cachesim::Request], _: &mut [u8]) -> Option<usize> {
            None
        }
        fn size_requests(_: &[cachesim::Request]) -> usize {
            0
        }
        fn decode_requests(_: &[u8], _: impl FnMut(cachesim::Request)) -> Option<()> {
            None
        }
        fn encode_record(_: &Record, _: &mut [u8]) -> Option<usize> {
            None
        }
        fn size_record(_: &Record) -> usize {
            0
        }
        fn decode_record(_: &[u8]) -> Option<Record> {
            None
        }
        fn encode_str(s: &str, out: &mut [u8]) -> Option<usize> {
            out.get_mut(..s.len())?.copy_from_slice(s.as_bytes());
            Some(s.len())
        }
        fn size_str(s: &str) -> usize {
            s.len()
        }
        fn decode_str(bytes: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
            std::str::from_utf8(bytes).ok().map(Into::into)
        }
        fn encode_list(_: &[u32], _: &mut [u8]) -> Option<usize> {
            None
        }
        fn size_list(_: &[u32]) -> usize {
            0
        }
        fn decode_list(_: &[u8]) -> Option<std::borrow::Cow<'_, [u32]>> {
            None
        }
        fn encode_request_msg(_: &HttpRequest, _: &mut [u8]) -> Option<usize> {
            None
        }
        fn size_request_msg(_: &HttpRequest) -> usize {
            0
        }
        fn decode_request_msg(_: &[u8]) -> Option<HttpRequest> {
            None
        }
        fn encode_response_msg(_: &payload::HttpResponse, _: &mut [u8]) -> Option<usize> {
            None
        }
        fn size_response_msg(_: &payload::HttpResponse) -> usize {
            0
        }
        fn decode_response_msg(_: &[u8]) -> Option<payload::HttpResponse> {
            None
        }
    }
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

    /// A payload guest whose `payload_string_out` answers `packed`, with
    /// bytes 0xff at address 2048 and "ok" at 4096; every other payload
    /// export traps.
    fn payload_guest(packed: i64) -> runtimes::WasmerInstance {
        let stub = |name: &str, params: &str| {
            format!("(func (export \"{name}\") (param {params}) (result i64) unreachable)")
        };
        let mut funcs = String::new();
        for shape in ["record", "string", "list", "nested"] {
            funcs.push_str(&stub(&format!("payload_{shape}_in"), "i32 i32"));
            funcs.push_str(&stub(&format!("payload_{shape}_roundtrip"), "i32 i32"));
        }
        funcs.push_str(&stub("payload_record_out", "i64"));
        funcs.push_str(&stub("payload_list_out", "i64 i32"));
        funcs.push_str(&stub("payload_nested_out", "i64 i32"));
        let wat = format!(
            r#"(module
                (memory (export "memory") 1)
                (data (i32.const 2048) "\ff\ff\ff\ff")
                (data (i32.const 4096) "ok")
                (func (export "abi_alloc") (param i32) (result i32) i32.const 8192)
                (func (export "abi_buffer") (result i64) i64.const {buffer})
                (func (export "payload_string_out") (param i64 i32) (result i64)
                    i64.const {packed})
                {funcs})"#,
            buffer = (64i64 << 32) | 1024,
        );
        let engine = WasmerEngine::new(
            runtimes::RuntimeId::WasmerCranelift,
            runtimes::EngineConfig::default(),
        )
        .unwrap();
        engine.load(&wat::parse_str(wat).unwrap()).unwrap()
    }

    #[test]
    fn garbage_or_stray_payload_replies_are_clean_errors() {
        use payload::Exchange;
        let open = |packed| {
            MemoryPayload::<_, CachedTyped, Dynamic, Raw>::open(payload_guest(packed)).unwrap()
        };
        // A valid reply: "ok" at 4096.
        let mut host = open((2i64 << 32) | 4096);
        let want = payload::Digest::new().str("ok").finish();
        assert_eq!(host.string_out(1, 2).unwrap(), want);
        // Bytes that do not decode: a decode error, not a panic.
        let mut host = open((4i64 << 32) | 2048);
        let err = kind(host.string_out(1, 4));
        assert!(matches!(err, ErrorKind::Decode(_)), "{err}");
        // Pointing outside memory, or wrapping around: out of bounds.
        for packed in [(8i64 << 32) | 65532, (0xFFFF_FFFFi64 << 32) | 16] {
            let mut host = open(packed);
            let err = kind(host.string_out(1, 4));
            assert!(matches!(err, ErrorKind::OutOfBounds { .. }), "{err}");
        }
        // A trapping export, then the instance still answers.
        let mut host = open((2i64 << 32) | 4096);
        assert!(matches!(kind(host.list_out(1, 1)), ErrorKind::Trap(_)));
        assert_eq!(host.string_out(1, 2).unwrap(), want);
    }
}
