//! The payload scenario over any memory-sharing ABI: [`MemoryPayload`] and
//! its entry point [`payload()`].

use std::marker::PhantomData;

use payload::{Direction, Exchange, HttpRequest, Record, Shape};
use runtimes::{Error, ErrorKind, Instance, Linkage, Result};

use super::{GuestMemory, Strategy};
use crate::{Codec, exports};

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

/// Reads the message export `from` answered with `packed` and digests it.
#[inline(always)]
fn receive<I: Instance, L: Linkage, S: Strategy>(
    inst: &mut I,
    mem: &mut GuestMemory<I, L, S>,
    (from, packed): (&'static str, i64),
    what: &'static str,
    digest: impl FnOnce(&[u8]) -> Option<u64>,
) -> Result<u64> {
    mem.read_packed(inst, from, packed, |bytes| {
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
        let from = L::name(&self.record_out);
        let packed = L::invoke(&mut self.inst, &self.record_out, (seed as i64,))?;
        receive(
            &mut self.inst,
            &mut self.mem,
            (from, packed),
            "record",
            |b| C::decode_record(b).map(|r| payload::digest_record(&r)),
        )
    }
    #[inline(always)]
    fn record_roundtrip(&mut self, r: &Record) -> Result<u64> {
        let (i, m) = (&mut self.inst, &mut self.mem);
        let f = &self.record[ROUNDTRIP];
        let packed = send(i, m, f, C::size_record(r), |o| C::encode_record(r, o))?;
        receive(i, m, (L::name(f), packed), "record", |b| {
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
        let from = L::name(&self.string_out);
        let packed = L::invoke(&mut self.inst, &self.string_out, (seed as i64, len as i32))?;
        receive(
            &mut self.inst,
            &mut self.mem,
            (from, packed),
            "text",
            C::digest_str,
        )
    }
    #[inline(always)]
    fn string_roundtrip(&mut self, s: &str) -> Result<u64> {
        let (i, m) = (&mut self.inst, &mut self.mem);
        let f = &self.string[ROUNDTRIP];
        let packed = send(i, m, f, C::size_str(s), |o| C::encode_str(s, o))?;
        receive(i, m, (L::name(f), packed), "text", C::digest_str)
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
        let from = L::name(&self.list_out);
        let packed = L::invoke(&mut self.inst, &self.list_out, (seed as i64, n as i32))?;
        receive(
            &mut self.inst,
            &mut self.mem,
            (from, packed),
            "list",
            C::digest_list,
        )
    }
    #[inline(always)]
    fn list_roundtrip(&mut self, xs: &[u32]) -> Result<u64> {
        let (i, m) = (&mut self.inst, &mut self.mem);
        let f = &self.list[ROUNDTRIP];
        let packed = send(i, m, f, C::size_list(xs), |o| C::encode_list(xs, o))?;
        receive(i, m, (L::name(f), packed), "list", C::digest_list)
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
        let from = L::name(&self.nested_out);
        let packed = L::invoke(&mut self.inst, &self.nested_out, args)?;
        receive(
            &mut self.inst,
            &mut self.mem,
            (from, packed),
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
        receive(
            i,
            m,
            (L::name(f), packed),
            "response",
            C::digest_response_msg,
        )
    }
}

entry_point! {
    /// `Abi::payload` for a memory-sharing ABI with codec `C`.
    payload: PayloadVisitor => MemoryPayload
}

#[cfg(test)]
mod tests {
    use super::MemoryPayload;
    use crate::memory::Dynamic;
    use crate::memory::testing::{Raw, kind, load_wat};
    use runtimes::{CachedTyped, ErrorKind};

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
        load_wat(&wat)
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
