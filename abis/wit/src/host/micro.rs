//! The micro scenario over the component model: [`WitMicro`] and its
//! entry point [`micro()`].

use std::marker::PhantomData;

use abi_api::{Caching, CallStyle, Error, Linkage, MicroVisitor, Multiply, Result, RuntimeId};
use runtimes::EngineConfig;
use runtimes::component::trap;
use wasmtime::component::{Func, Val};

use super::{FromLive, Live, OperandsF32, OperandsI32, WitLoader, call_val, func, wrong};
use crate::{Args, WitFactors};

/// The micro scenario over the component model. `RECORD` passes the
/// operands as one record argument instead of two scalars.
pub struct WitMicro<L, const RECORD: bool> {
    live: Live,
    mul_i32: Func,
    mul_f32: Func,
    _linkage: PhantomData<L>,
}

impl<L: Linkage, const RECORD: bool> FromLive for WitMicro<L, RECORD> {
    fn from_live(mut live: Live) -> Result<Self> {
        let (i, f) = if RECORD {
            ("mul-i32-record", "mul-f32-record")
        } else {
            ("mul-i32", "mul-f32")
        };
        Ok(WitMicro {
            mul_i32: func(&mut live, i)?,
            mul_f32: func(&mut live, f)?,
            live,
            _linkage: PhantomData,
        })
    }
}

/// Writes one micro multiply of [`WitMicro`]: `mul_i32` and `mul_f32` differ
/// only in their scalar type, export names, bindgen calls, operand record
/// and `Val` variant, so both are this one body (the method's `Func` is the
/// field of the same name).
macro_rules! mul {
    (
        $(#[$attr:meta])*
        fn $method:ident($ty:ty) {
            names: ($name:literal, $record_name:literal),
            bindgen: ($call:ident, $call_record:ident),
            record: $operands:ident,
            val: $val:ident $(,)?
        }
    ) => {
        $(#[$attr])*
        fn $method(&mut self, a: $ty, b: $ty) -> Result<$ty> {
            let l = &mut self.live;
            let name = if RECORD { $record_name } else { $name };
            let f = match (L::CACHING, L::STYLE) {
                (Caching::Cached, CallStyle::Typed) if RECORD => {
                    return l
                        .bindings
                        .$call_record(&mut l.store, $operands { a, b })
                        .map_err(trap);
                }
                (Caching::Cached, CallStyle::Typed) => {
                    return l.bindings.$call(&mut l.store, a, b).map_err(trap);
                }
                (Caching::Uncached, CallStyle::Typed) if RECORD => {
                    let f = l
                        .instance
                        .get_typed_func::<($operands,), ($ty,)>(&mut l.store, name)
                        .map_err(trap)?;
                    return Ok(f
                        .call(&mut l.store, ($operands { a, b },))
                        .map_err(trap)?
                        .0);
                }
                (Caching::Uncached, CallStyle::Typed) => {
                    let f = l
                        .instance
                        .get_typed_func::<($ty, $ty), ($ty,)>(&mut l.store, name)
                        .map_err(trap)?;
                    return Ok(f.call(&mut l.store, (a, b)).map_err(trap)?.0);
                }
                (Caching::Cached, CallStyle::Untyped) => self.$method,
                (Caching::Uncached, CallStyle::Untyped) => func(l, name)?,
            };
            let v = if RECORD {
                call_val(
                    &mut l.store,
                    &f,
                    &[Val::Record(vec![
                        ("a".into(), Val::$val(a)),
                        ("b".into(), Val::$val(b)),
                    ])],
                )?
            } else {
                call_val(&mut l.store, &f, &[Val::$val(a), Val::$val(b)])?
            };
            match v {
                Val::$val(x) => Ok(x),
                other => Err(wrong(&other)),
            }
        }
    };
}

impl<L: Linkage, const RECORD: bool> Multiply for WitMicro<L, RECORD> {
    type Error = Error;

    mul! {
        #[inline(always)]
        fn mul_i32(i32) {
            names: ("mul-i32", "mul-i32-record"),
            bindgen: (call_mul_i32, call_mul_i32_record),
            record: OperandsI32,
            val: S32,
        }
    }

    mul! {
        #[inline(always)]
        fn mul_f32(f32) {
            names: ("mul-f32", "mul-f32-record"),
            bindgen: (call_mul_f32, call_mul_f32_record),
            record: OperandsF32,
            val: Float32,
        }
    }
}

/// Hands `visitor` the micro loader for these factors.
pub fn micro<L: Linkage, V: MicroVisitor>(
    runtime: RuntimeId,
    cfg: EngineConfig,
    own: WitFactors,
    v: V,
) -> Result<V::Output> {
    let conc = own.concurrency;
    Ok(match own.args {
        Args::Scalars => v.visit(WitLoader::<WitMicro<L, false>>::new(runtime, conc, cfg)?),
        Args::Record => v.visit(WitLoader::<WitMicro<L, true>>::new(runtime, conc, cfg)?),
    })
}
