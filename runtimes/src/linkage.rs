//! How the host reaches an export on every call: the caching and call-style
//! factors, written once for every ABI.
//!
//! | linkage            | resolved when          | call                         |
//! |--------------------|------------------------|------------------------------|
//! | [`CachedTyped`]    | once, signature checked | the backend's typed call     |
//! | [`UncachedTyped`]  | by name on every call  | typed lookup, then typed call |
//! | [`CachedUntyped`]  | once, signature checked | value-array call             |
//! | [`UncachedUntyped`] | by name on every call | lookup, then value-array call |
//!
//! Memories follow the same rule: cached linkages keep the memory handle,
//! uncached ones look the memory up by name each time it is used.

use std::marker::PhantomData;

use crate::{Error, ErrorKind, Instance, MAX_ARITY, Params, Result, Results, Value};
use factor::factor_enum;

factor_enum! {
    /// Whether export references are resolved once or looked up per call
    /// (the paper's "Cached").
    pub enum Caching ("caching", "export handles resolved once, or looked up by name on every call") {
        /// Resolved once, before timing (the paper's "Cached: yes").
        Cached = "cached",
        /// Looked up by export name on every call ("Cached: no").
        Uncached = "uncached",
    }
}

factor_enum! {
    /// Whether a call passes native typed values or a dynamic value array.
    pub enum CallStyle ("call", "the runtime's typed call API, or its untyped call with a value array") {
        /// The runtime's typed function API.
        Typed = "typed",
        /// The runtime's untyped API with an array of values.
        Untyped = "untyped",
    }
}

/// A way of reaching exports: resolve once, then invoke per call.
///
/// Implemented by four zero-sized types; an ABI is generic over `L: Linkage`
/// and so gets every caching × call-style cell from one source.
pub trait Linkage: Copy + Default + Send + 'static {
    /// This linkage's caching factor.
    const CACHING: Caching;
    /// This linkage's call-style factor.
    const STYLE: CallStyle;
    /// What is kept between calls for a function.
    type Func<I: Instance, P: Params, R: Results>;
    /// What is kept between calls for a memory.
    type Memory<I: Instance>;

    /// Prepares a function export; fails early if it is missing or mistyped.
    fn resolve<I: Instance, P: Params, R: Results>(
        inst: &mut I,
        name: &'static str,
    ) -> Result<Self::Func<I, P, R>>;
    /// The export's name, for errors.
    fn name<I: Instance, P: Params, R: Results>(f: &Self::Func<I, P, R>) -> &'static str;
    /// Calls it; an error names the export.
    fn invoke<I: Instance, P: Params, R: Results>(
        inst: &mut I,
        f: &Self::Func<I, P, R>,
        args: P,
    ) -> Result<R>;
    /// Prepares a memory export.
    fn resolve_memory<I: Instance>(inst: &mut I, name: &'static str) -> Result<Self::Memory<I>>;
    /// The memory handle to use for this access.
    fn memory<I: Instance>(inst: &mut I, m: &Self::Memory<I>) -> Result<I::Memory>;
}

/// An export remembered by name only, for the uncached linkages.
pub struct ByName<T> {
    name: &'static str,
    _marker: PhantomData<fn() -> T>,
}

impl<T> ByName<T> {
    fn new(name: &'static str) -> Self {
        ByName {
            name,
            _marker: PhantomData,
        }
    }
}

/// A handle resolved once, with its export's name (read only when a call
/// fails, to say which export did).
pub struct Resolved<F> {
    func: F,
    name: &'static str,
}

/// An untyped handle that remembers the typed signature it was checked against.
pub struct UntypedFunc<U, P, R> {
    handle: U,
    name: &'static str,
    _marker: PhantomData<fn(P) -> R>,
}

/// `result`, its error attributed to export `name`.
#[inline(always)]
fn named<T>(result: Result<T>, name: &'static str) -> Result<T> {
    match result {
        Ok(v) => Ok(v),
        Err(e) => Err(e.in_export(name)),
    }
}

#[inline(always)]
fn call_untyped<I: Instance, P: Params, R: Results>(
    inst: &mut I,
    f: &I::Untyped,
    args: P,
) -> Result<R> {
    let args = args.to_values();
    let mut results = [Value::I32(0); MAX_ARITY];
    let results = &mut results[..R::TYPES.len()];
    inst.call_untyped(f, &args[..P::TYPES.len()], results)?;
    match R::from_values(results) {
        Some(r) => Ok(r),
        None => Err(result_mismatch::<R>(results)),
    }
}

#[cold]
#[inline(never)]
fn result_mismatch<R: Results>(got: &[Value]) -> Error {
    Error::from(ErrorKind::Abi(format!(
        "untyped call returned {got:?}, expected types {:?}",
        R::TYPES
    )))
}

/// Handles resolved once; typed calls.
#[derive(Debug, Clone, Copy, Default)]
pub struct CachedTyped;

impl Linkage for CachedTyped {
    const CACHING: Caching = Caching::Cached;
    const STYLE: CallStyle = CallStyle::Typed;
    type Func<I: Instance, P: Params, R: Results> = Resolved<I::Func<P, R>>;
    type Memory<I: Instance> = I::Memory;

    fn resolve<I: Instance, P: Params, R: Results>(
        inst: &mut I,
        name: &'static str,
    ) -> Result<Resolved<I::Func<P, R>>> {
        Ok(Resolved {
            func: inst.resolve_func(name)?,
            name,
        })
    }
    fn name<I: Instance, P: Params, R: Results>(f: &Resolved<I::Func<P, R>>) -> &'static str {
        f.name
    }
    #[inline(always)]
    fn invoke<I: Instance, P: Params, R: Results>(
        inst: &mut I,
        f: &Resolved<I::Func<P, R>>,
        args: P,
    ) -> Result<R> {
        named(inst.call(&f.func, args), f.name)
    }
    fn resolve_memory<I: Instance>(inst: &mut I, name: &'static str) -> Result<I::Memory> {
        inst.resolve_memory(name)
    }
    #[inline(always)]
    fn memory<I: Instance>(_: &mut I, m: &I::Memory) -> Result<I::Memory> {
        Ok(m.clone())
    }
}

/// Lookup by name on every call; typed calls.
#[derive(Debug, Clone, Copy, Default)]
pub struct UncachedTyped;

impl Linkage for UncachedTyped {
    const CACHING: Caching = Caching::Uncached;
    const STYLE: CallStyle = CallStyle::Typed;
    type Func<I: Instance, P: Params, R: Results> = ByName<(P, R)>;
    type Memory<I: Instance> = ByName<()>;

    fn resolve<I: Instance, P: Params, R: Results>(
        inst: &mut I,
        name: &'static str,
    ) -> Result<ByName<(P, R)>> {
        inst.resolve_func::<P, R>(name)?;
        Ok(ByName::new(name))
    }
    fn name<I: Instance, P: Params, R: Results>(f: &ByName<(P, R)>) -> &'static str {
        f.name
    }
    #[inline(always)]
    fn invoke<I: Instance, P: Params, R: Results>(
        inst: &mut I,
        f: &ByName<(P, R)>,
        args: P,
    ) -> Result<R> {
        let func = inst.resolve_func::<P, R>(f.name)?;
        named(inst.call(&func, args), f.name)
    }
    fn resolve_memory<I: Instance>(inst: &mut I, name: &'static str) -> Result<ByName<()>> {
        inst.resolve_memory(name)?;
        Ok(ByName::new(name))
    }
    #[inline(always)]
    fn memory<I: Instance>(inst: &mut I, m: &ByName<()>) -> Result<I::Memory> {
        inst.resolve_memory(m.name)
    }
}

/// Handles resolved once; value-array calls.
#[derive(Debug, Clone, Copy, Default)]
pub struct CachedUntyped;

impl Linkage for CachedUntyped {
    const CACHING: Caching = Caching::Cached;
    const STYLE: CallStyle = CallStyle::Untyped;
    type Func<I: Instance, P: Params, R: Results> = UntypedFunc<I::Untyped, P, R>;
    type Memory<I: Instance> = I::Memory;

    fn resolve<I: Instance, P: Params, R: Results>(
        inst: &mut I,
        name: &'static str,
    ) -> Result<UntypedFunc<I::Untyped, P, R>> {
        Ok(UntypedFunc {
            handle: inst.resolve_untyped(name, P::TYPES, R::TYPES)?,
            name,
            _marker: PhantomData,
        })
    }
    fn name<I: Instance, P: Params, R: Results>(f: &UntypedFunc<I::Untyped, P, R>) -> &'static str {
        f.name
    }
    #[inline(always)]
    fn invoke<I: Instance, P: Params, R: Results>(
        inst: &mut I,
        f: &UntypedFunc<I::Untyped, P, R>,
        args: P,
    ) -> Result<R> {
        named(call_untyped(inst, &f.handle, args), f.name)
    }
    fn resolve_memory<I: Instance>(inst: &mut I, name: &'static str) -> Result<I::Memory> {
        inst.resolve_memory(name)
    }
    #[inline(always)]
    fn memory<I: Instance>(_: &mut I, m: &I::Memory) -> Result<I::Memory> {
        Ok(m.clone())
    }
}

/// Lookup by name on every call; value-array calls.
#[derive(Debug, Clone, Copy, Default)]
pub struct UncachedUntyped;

impl Linkage for UncachedUntyped {
    const CACHING: Caching = Caching::Uncached;
    const STYLE: CallStyle = CallStyle::Untyped;
    type Func<I: Instance, P: Params, R: Results> = ByName<(P, R)>;
    type Memory<I: Instance> = ByName<()>;

    fn resolve<I: Instance, P: Params, R: Results>(
        inst: &mut I,
        name: &'static str,
    ) -> Result<ByName<(P, R)>> {
        inst.resolve_untyped(name, P::TYPES, R::TYPES)?;
        Ok(ByName::new(name))
    }
    fn name<I: Instance, P: Params, R: Results>(f: &ByName<(P, R)>) -> &'static str {
        f.name
    }
    #[inline(always)]
    fn invoke<I: Instance, P: Params, R: Results>(
        inst: &mut I,
        f: &ByName<(P, R)>,
        args: P,
    ) -> Result<R> {
        let func = inst.lookup_untyped(f.name)?;
        named(call_untyped(inst, &func, args), f.name)
    }
    fn resolve_memory<I: Instance>(inst: &mut I, name: &'static str) -> Result<ByName<()>> {
        inst.resolve_memory(name)?;
        Ok(ByName::new(name))
    }
    #[inline(always)]
    fn memory<I: Instance>(inst: &mut I, m: &ByName<()>) -> Result<I::Memory> {
        inst.resolve_memory(m.name)
    }
}
