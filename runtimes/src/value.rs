//! Wasm values and the signatures a host can call with.
//!
//! [`Params`] and [`Results`] are implemented for the tuples a scenario uses
//! (up to four parameters, up to three results) of [`WasmVal`]s. Each carries
//! the glue its backends need, so a typed call through the abstraction
//! compiles to exactly the backend's own typed call.

use std::fmt;

/// The four number types of core wasm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
        })
    }
}

/// A dynamically typed wasm value, for untyped ("dynamic") calls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`.
    F32(f32),
    /// An `f64`.
    F64(f64),
}

impl Value {
    /// The value's type.
    pub fn ty(self) -> ValType {
        match self {
            Value::I32(_) => ValType::I32,
            Value::I64(_) => ValType::I64,
            Value::F32(_) => ValType::F32,
            Value::F64(_) => ValType::F64,
        }
    }
}

/// The most parameters or results a signature here may have.
pub const MAX_ARITY: usize = 4;

/// Formats a signature the way error messages show it: `(i32, i32) -> i32`.
pub fn signature(params: &[ValType], results: &[ValType]) -> String {
    let list = |tys: &[ValType]| {
        tys.iter()
            .map(ValType::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("({}) -> ({})", list(params), list(results))
}

/// Backend-specific bounds, present only when the backend is compiled in.
///
/// They let [`WasmVal`], [`Params`] and [`Results`] promise the backends'
/// own traits without naming a backend that is not built.
#[doc(hidden)]
pub mod bounds {
    /// `Name: path::A | path::B, "feature";` makes `Name` mean `A + B`
    /// when the feature is on and a trait every type has when it is off.
    macro_rules! bound {
        ($(
            #[doc = $doc:literal]
            $name:ident: $first:path $(| $rest:path)*, $feature:literal;
        )+) => {$(
            #[doc = $doc]
            #[cfg(feature = $feature)]
            pub trait $name: $first $(+ $rest)* {}
            #[cfg(feature = $feature)]
            impl<T: $first $(+ $rest)*> $name for T {}
            #[doc = $doc]
            #[cfg(not(feature = $feature))]
            pub trait $name {}
            #[cfg(not(feature = $feature))]
            impl<T> $name for T {}
        )+};
    }

    bound! {
        /// A value Wasmer can pass natively.
        WasmerVal: wasmer::FromToNativeWasmType | wasmer::WasmTypeList, "wasmer";
        /// A result list Wasmer can return natively.
        WasmerResults: wasmer::WasmTypeList, "wasmer";
        /// A value Wasmtime can pass natively.
        WasmtimeVal: wasmtime::WasmTy, "wasmtime";
        /// A parameter list Wasmtime can pass natively.
        WasmtimeParams: wasmtime::WasmParams, "wasmtime";
        /// A result list Wasmtime can return natively.
        WasmtimeResults: wasmtime::WasmResults, "wasmtime";
        /// A value wasmi can pass natively.
        WasmiVal: wasmi::WasmTy, "wasmi";
        /// A parameter list wasmi can pass natively.
        WasmiParams: wasmi::WasmParams, "wasmi";
        /// A result list wasmi can return natively.
        WasmiResults: wasmi::WasmResults, "wasmi";
    }
}

mod sealed {
    pub trait Sealed {}
}

/// One of `i32`, `i64`, `f32`, `f64`.
pub trait WasmVal:
    Copy
    + Send
    + Sync
    + 'static
    + sealed::Sealed
    + bounds::WasmerVal
    + bounds::WasmtimeVal
    + bounds::WasmiVal
{
    /// Its wasm type.
    const TYPE: ValType;
    /// Wraps it for an untyped call.
    fn to_value(self) -> Value;
    /// Unwraps an untyped result, if it has this type.
    fn from_value(v: Value) -> Option<Self>;
}

macro_rules! wasm_val {
    ($($t:ty => $variant:ident),*) => {$(
        impl sealed::Sealed for $t {}
        impl WasmVal for $t {
            const TYPE: ValType = ValType::$variant;
            #[inline(always)]
            fn to_value(self) -> Value {
                Value::$variant(self)
            }
            #[inline(always)]
            fn from_value(v: Value) -> Option<Self> {
                match v {
                    Value::$variant(x) => Some(x),
                    _ => None,
                }
            }
        }
    )*};
}
wasm_val!(i32 => I32, i64 => I64, f32 => F32, f64 => F64);

/// A parameter list: a tuple of up to four [`WasmVal`]s.
pub trait Params:
    Copy + Send + Sync + 'static + bounds::WasmtimeParams + bounds::WasmiParams
{
    /// The parameter types, in order.
    const TYPES: &'static [ValType];

    /// Wraps the parameters for an untyped call; the first `TYPES.len()` are set.
    fn to_values(self) -> [Value; MAX_ARITY];

    /// The argument list Wasmer's `TypedFunction` is parameterised with
    /// (Wasmer writes a single parameter as the bare type, not a 1-tuple).
    #[cfg(feature = "wasmer")]
    type WasmerArgs: wasmer::WasmTypeList;

    /// Calls a Wasmer typed function with these arguments.
    #[cfg(feature = "wasmer")]
    fn wasmer_call<R: wasmer::WasmTypeList>(
        f: &wasmer::TypedFunction<Self::WasmerArgs, R>,
        store: &mut wasmer::Store,
        args: Self,
    ) -> Result<R, wasmer::RuntimeError>;
}

macro_rules! params {
    ($($t:ident $v:ident),*) => {
        #[allow(unused_parens, non_snake_case, unused_mut, unused_variables)]
        impl<$($t: WasmVal),*> Params for ($($t,)*) {
            const TYPES: &'static [ValType] = &[$($t::TYPE),*];

            #[inline(always)]
            fn to_values(self) -> [Value; MAX_ARITY] {
                let ($($v,)*) = self;
                let mut out = [Value::I32(0); MAX_ARITY];
                let mut i = 0;
                $( out[i] = $v.to_value(); i += 1; )*
                let _ = i;
                out
            }

            #[cfg(feature = "wasmer")]
            type WasmerArgs = ($($t),*);

            #[cfg(feature = "wasmer")]
            #[inline(always)]
            fn wasmer_call<R: wasmer::WasmTypeList>(
                f: &wasmer::TypedFunction<Self::WasmerArgs, R>,
                store: &mut wasmer::Store,
                args: Self,
            ) -> Result<R, wasmer::RuntimeError> {
                let ($($v,)*) = args;
                f.call(store, $($v),*)
            }
        }
    };
}
params!();
params!(A a);
params!(A a, B b);
params!(A a, B b, C c);
params!(A a, B b, C c, D d);

/// A result list: `()`, one [`WasmVal`], or a tuple of two or three.
///
/// Every backend spells these types the same way, so a typed function's
/// results need no conversion.
pub trait Results:
    Sized
    + Send
    + Sync
    + 'static
    + bounds::WasmtimeResults
    + bounds::WasmerResults
    + bounds::WasmiResults
{
    /// The result types, in order.
    const TYPES: &'static [ValType];
    /// Unwraps untyped results, if they have these types.
    fn from_values(v: &[Value]) -> Option<Self>;
}

impl Results for () {
    const TYPES: &'static [ValType] = &[];
    #[inline(always)]
    fn from_values(v: &[Value]) -> Option<Self> {
        v.is_empty().then_some(())
    }
}

macro_rules! single_result {
    ($($t:ty),*) => {$(
        impl Results for $t {
            const TYPES: &'static [ValType] = &[<$t as WasmVal>::TYPE];
            #[inline(always)]
            fn from_values(v: &[Value]) -> Option<Self> {
                match v {
                    [x] => <$t>::from_value(*x),
                    _ => None,
                }
            }
        }
    )*};
}
single_result!(i32, i64, f32, f64);

macro_rules! tuple_results {
    ($($t:ident $v:ident),*) => {
        impl<$($t: WasmVal),*> Results for ($($t,)*) {
            const TYPES: &'static [ValType] = &[$($t::TYPE),*];
            #[inline(always)]
            fn from_values(v: &[Value]) -> Option<Self> {
                match v {
                    [$($v),*] => Some(($($t::from_value(*$v)?,)*)),
                    _ => None,
                }
            }
        }
    };
}
tuple_results!(A a, B b);
tuple_results!(A a, B b, C c);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_wrap_in_order() {
        let v = (7i32, 2.5f32, -1i64).to_values();
        assert_eq!(&v[..3], &[Value::I32(7), Value::F32(2.5), Value::I64(-1)]);
        assert_eq!(
            <(i32, f32, i64) as Params>::TYPES,
            &[ValType::I32, ValType::F32, ValType::I64]
        );
    }

    #[test]
    fn results_unwrap_only_matching_types() {
        assert_eq!(i32::from_values(&[Value::I32(3)]), Some(3));
        assert_eq!(i32::from_values(&[Value::I64(3)]), None);
        assert_eq!(i32::from_values(&[]), None);
        assert_eq!(
            <(i64, f64)>::from_values(&[Value::I64(1), Value::F64(0.5)]),
            Some((1, 0.5))
        );
        assert_eq!(<()>::from_values(&[Value::I32(1)]), None);
    }

    #[test]
    fn signatures_read_like_wat() {
        assert_eq!(
            signature(<(i32, i32) as Params>::TYPES, <i32 as Results>::TYPES),
            "(i32, i32) -> (i32)"
        );
    }
}
