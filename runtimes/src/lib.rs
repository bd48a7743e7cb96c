//! The runtime axis of abilab: one small abstraction over WebAssembly
//! runtimes, and one module per backend behind a cargo feature.
//!
//! Lifecycle: an [`Engine`] (one per backend per run) compiles wasm bytes into
//! a module and instantiates it; an [`Instance`] (with its own store) resolves
//! exports into handles, calls them, and reads and writes its linear memory
//! with bounds checks. A [`Linkage`] decides *how* an export is reached on
//! every call — a handle cached once or a lookup by name, a typed or an
//! untyped call — so every ABI gets the paper's caching factor and our
//! call-style factor without writing either twice.
//!
//! Everything here is generic and statically dispatched: the harness picks a
//! backend once with [`visit`], and from there a timed loop compiles to the
//! backend's own call. `benches/overhead.rs` in the harness checks that
//! claim against hand-written loops on each runtime's own API.

mod backend;
mod error;
pub mod host_fns;
pub mod limits;
pub mod linkage;
mod value;

#[cfg(feature = "wasmer")]
pub use backend::wasmer::{WasmerEngine, WasmerInstance};
#[cfg(feature = "wasmi")]
pub use backend::wasmi::{WasmiEngine, WasmiInstance};
#[cfg(feature = "wasmtime")]
pub use backend::wasmtime::{WasmtimeEngine, WasmtimeInstance, component};
pub use backend::{EngineVisitor, RuntimeId, visit};
pub use error::{Error, ErrorKind, Result, guest_range};
pub use factor::{self, BadValue, Factor, FactorSet};
pub use limits::{Budget, EngineConfig, Limits};
pub use linkage::{
    CachedTyped, CachedUntyped, Caching, CallStyle, Linkage, UncachedTyped, UncachedUntyped,
};
pub use value::{MAX_ARITY, Params, Results, ValType, Value, WasmVal, bounds, signature};
/// The Wasmer crate, for code that drives it directly (the overhead yardstick).
#[cfg(feature = "wasmer")]
pub use wasmer;
/// The wasmi crate, for code that drives it directly (the overhead yardstick).
#[cfg(feature = "wasmi")]
pub use wasmi;
/// The Wasmtime crate, for code that drives it directly (the overhead yardstick).
#[cfg(feature = "wasmtime")]
pub use wasmtime;

/// A backend, configured once per run: turns wasm bytes into instances.
///
/// Creating the engine is not part of any timed region; compiling and
/// instantiating are (in the `hotload` cells), so they are separate steps.
pub trait Engine: Sized + Send + Sync + 'static {
    /// A compiled module, reusable for many instances (on several threads:
    /// the `threads` scenario shares one).
    type Module: Send + Sync + 'static;
    /// A live instance with its own store.
    type Instance: Instance;

    /// Which runtime and compiler this is.
    fn id(&self) -> RuntimeId;
    /// How it was configured (the limits it enforces): what an ABI that
    /// brings its own engine (components) configures that engine with.
    fn config(&self) -> EngineConfig;
    /// Validates and compiles a core wasm module.
    fn compile(&self, wasm: &[u8]) -> Result<Self::Module>;
    /// Instantiates a module in a fresh store, with no imports.
    fn instantiate(&self, module: &Self::Module) -> Result<Self::Instance>;

    /// Serializes a compiled module into bytes [`Engine::deserialize`]
    /// loads: the engine's module cache (Wasmtime's serialized modules,
    /// Wasmer's artifacts), which skips compilation. `Unsupported` on an
    /// engine that has none.
    fn serialize(&self, module: &Self::Module) -> Result<Vec<u8>> {
        let _ = module;
        Err(Error::from(ErrorKind::Unsupported(format!(
            "{} has no serialized modules (no module cache)",
            self.id()
        ))))
    }

    /// Loads a module [`Engine::serialize`] wrote.
    ///
    /// # Safety
    ///
    /// `bytes` must come from `serialize` on an engine of the same runtime
    /// and configuration: engines load them as trusted machine code.
    unsafe fn deserialize(&self, bytes: &[u8]) -> Result<Self::Module> {
        let _ = bytes;
        Err(Error::from(ErrorKind::Unsupported(format!(
            "{} has no serialized modules (no module cache)",
            self.id()
        ))))
    }

    /// Instantiates a module in a fresh store with the host functions of
    /// [`host_fns`] linked (module `abilab`), computing what `H` says,
    /// each call counted.
    fn instantiate_with_host<H: host_fns::HostFunctions>(
        &self,
        module: &Self::Module,
    ) -> Result<Self::Instance>;

    /// Compiles and instantiates in one step.
    fn load(&self, wasm: &[u8]) -> Result<Self::Instance> {
        let module = self.compile(wasm)?;
        self.instantiate(&module)
    }
}

/// A live instance: the calls and memory accesses an ABI is built from.
///
/// Handles returned by the `resolve_*` methods stay valid for the life of the
/// instance. Memory accesses are bounds-checked against the memory's size at
/// the time of the access.
pub trait Instance: 'static {
    /// A function resolved once with its signature checked ("cached, typed").
    type Func<P: Params, R: Results>;
    /// A function resolved once, called with a value array ("cached, untyped").
    type Untyped: Clone;
    /// A linear memory.
    type Memory: Clone;

    /// Looks up an exported function and checks its signature.
    fn resolve_func<P: Params, R: Results>(&mut self, name: &str) -> Result<Self::Func<P, R>>;
    /// Calls a typed function.
    fn call<P: Params, R: Results>(&mut self, f: &Self::Func<P, R>, args: P) -> Result<R>;

    /// Looks up an exported function for untyped calls, checking its signature.
    fn resolve_untyped(
        &mut self,
        name: &str,
        params: &[ValType],
        results: &[ValType],
    ) -> Result<Self::Untyped>;
    /// Looks up an exported function for an untyped call, without checking its
    /// signature (the call itself checks the arguments): the per-call lookup of
    /// an uncached untyped call.
    fn lookup_untyped(&mut self, name: &str) -> Result<Self::Untyped>;
    /// Calls a function with a value array; `results` must have the function's
    /// result count.
    fn call_untyped(
        &mut self,
        f: &Self::Untyped,
        args: &[Value],
        results: &mut [Value],
    ) -> Result<()>;

    /// How many times the guest has called a host function of
    /// [`host_fns`] (0 for an instance made without them).
    fn host_calls(&mut self) -> u64;

    /// Looks up an exported memory.
    fn resolve_memory(&mut self, name: &str) -> Result<Self::Memory>;
    /// The whole memory as a byte slice, for zero-copy encoding and decoding.
    ///
    /// The borrow of `self` guarantees no guest code runs (and the memory
    /// cannot grow) while the slice is alive.
    fn memory_mut(&mut self, memory: &Self::Memory) -> &mut [u8];

    /// The memory's current size in bytes.
    fn memory_size(&mut self, memory: &Self::Memory) -> usize {
        self.memory_mut(memory).len()
    }
    /// Copies guest bytes at `offset` into `buf`, or fails if out of bounds.
    #[inline]
    fn read(&mut self, memory: &Self::Memory, offset: u64, buf: &mut [u8]) -> Result<()> {
        let mem = self.memory_mut(memory);
        let range = guest_range(offset, buf.len() as u64, mem.len())?;
        buf.copy_from_slice(&mem[range]);
        Ok(())
    }
    /// Copies `data` into guest memory at `offset`, or fails if out of bounds.
    #[inline]
    fn write(&mut self, memory: &Self::Memory, offset: u64, data: &[u8]) -> Result<()> {
        let mem = self.memory_mut(memory);
        let range = guest_range(offset, data.len() as u64, mem.len())?;
        mem[range].copy_from_slice(data);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
