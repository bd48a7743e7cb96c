//! The host-side contract: what an ABI crate tells the harness.

use factor::{FactorSet, Workload};

pub use cachesim::Simulator;
pub use micro::Multiply;
pub use runtimes::{
    Caching, CallStyle, Engine, Error, ErrorKind, Instance, Linkage, Result, RuntimeId,
};

/// Turns guest bytes into a ready host, in two timed phases.
///
/// The harness measures every cell through a loader: compile once and
/// instantiate once before timing (preload), or both inside each timed
/// replicate (hotload). Core-module ABIs hand over a [`CoreLoader`]; an ABI
/// that runs on the component engine writes its own.
pub trait Loader: Sync {
    /// What compiling produces: shared by every thread of a `threads` cell.
    type Module: Send + Sync;
    /// A ready host: instantiated, exports resolved.
    type Host;
    /// Validates and compiles the guest.
    fn compile(&self, wasm: &[u8]) -> Result<Self::Module>;
    /// Instantiates it and resolves what the host needs.
    fn instantiate(&self, module: &Self::Module) -> Result<Self::Host>;
    /// The engine's module cache: a compiled module as bytes
    /// ([`runtimes::Engine::serialize`]); `Unsupported` by default.
    fn serialize(&self, module: &Self::Module) -> Result<Vec<u8>> {
        let _ = module;
        Err(ErrorKind::Unsupported("this loader has no module cache".into()).into())
    }
    /// Loads what [`Loader::serialize`] wrote.
    ///
    /// # Safety
    ///
    /// As [`runtimes::Engine::deserialize`]: the bytes must come from
    /// `serialize` on this loader's engine.
    unsafe fn deserialize(&self, bytes: &[u8]) -> Result<Self::Module> {
        let _ = bytes;
        Err(ErrorKind::Unsupported("this loader has no module cache".into()).into())
    }
}

/// A core-module ABI's loader: an engine and the ABI's constructor.
pub struct CoreLoader<E: Engine, H> {
    engine: E,
    open: fn(E::Instance) -> Result<H>,
}

impl<E: Engine, H> CoreLoader<E, H> {
    /// Loads with `engine`; `open` turns a fresh instance into the host
    /// (resolving exports as the ABI's linkage dictates).
    pub fn new(engine: E, open: fn(E::Instance) -> Result<H>) -> Self {
        CoreLoader { engine, open }
    }
}

impl<E: Engine, H> Loader for CoreLoader<E, H> {
    type Module = E::Module;
    type Host = H;
    fn compile(&self, wasm: &[u8]) -> Result<E::Module> {
        self.engine.compile(wasm)
    }
    fn instantiate(&self, module: &E::Module) -> Result<H> {
        self.engine.instantiate(module).and_then(self.open)
    }
    fn serialize(&self, module: &E::Module) -> Result<Vec<u8>> {
        self.engine.serialize(module)
    }
    unsafe fn deserialize(&self, bytes: &[u8]) -> Result<E::Module> {
        // SAFETY: the caller's promise passes through.
        unsafe { self.engine.deserialize(bytes) }
    }
}

/// Receives the loader of an ABI's micro host (Rust has no generic
/// closures; this trait is one).
pub trait MicroVisitor {
    /// What the visit produces (a measured cell).
    type Output;
    /// Called with the loader.
    fn visit<Ld: Loader>(self, loader: Ld) -> Self::Output
    where
        Ld::Host: Multiply<Error = Error> + 'static;
}

/// Receives the loader of an ABI's simulator host.
pub trait SimVisitor {
    /// What the visit produces.
    type Output;
    /// Called with the loader.
    fn visit<Ld: Loader>(self, loader: Ld) -> Self::Output
    where
        Ld::Host: Simulator<Error = Error> + 'static;
}

/// Receives the loader of an ABI's payload host.
pub trait PayloadVisitor {
    /// What the visit produces.
    type Output;
    /// Called with the loader.
    fn visit<Ld: Loader>(self, loader: Ld) -> Self::Output
    where
        Ld::Host: payload::Exchange<Error = Error> + 'static;
}

/// One way of passing a scenario's data across the sandbox boundary.
///
/// Implemented by a zero-sized type in the ABI's crate and registered with
/// the harness by one line (see `docs/adding-an-abi.md`). The harness
/// supplies the engine and the [`Linkage`] (caching and call style) as
/// types, and the ABI's own factors as a typed [`FactorSet`]; the ABI never
/// sees a timer.
pub trait Abi: 'static {
    /// Kebab-case id: CLI value, result field, test name, and the name of
    /// its guest (`guests/<id>`, crate `guest-<id>`).
    const ID: &'static str;
    /// One line for `harness list`.
    const ABOUT: &'static str;
    /// The scenarios it implements; the others are absent from its matrix
    /// by design.
    const WORKLOADS: &'static [Workload];
    /// Whether its simulator host sends a batch of requests in one call
    /// (overrides `Simulator::send_batch`); the `batch` factor's values
    /// above 1 exist only for ABIs that do.
    const BATCHES: bool = false;
    /// Whether this build of the ABI can run at all, or the one line that
    /// says how to build it (an ABI behind a cargo feature): `--abi all`
    /// leaves out an ABI that is not built, and naming it is an error.
    const BUILT: std::result::Result<(), &'static str> = Ok(());
    /// The factors only this ABI has (`()` for none); a field marked
    /// `#[only(...)]` exists in those scenarios only.
    type Factors: FactorSet;

    /// Whether a cell with this caching and these own factors exists at
    /// all; combinations that make no sense are absent from the matrix by
    /// design, not `unsupported`.
    fn applies(caching: Caching, own: &Self::Factors) -> bool {
        let _ = (caching, own);
        true
    }

    /// Hands `visitor` the loader of the micro host for engine `E`,
    /// linkage `L` and these own factors; an `Unsupported` error if this
    /// ABI cannot run on the engine (or has no micro scenario).
    fn micro<E: Engine, L: Linkage, V: MicroVisitor>(
        engine: E,
        own: Self::Factors,
        visitor: V,
    ) -> Result<V::Output> {
        let _ = (engine, own, visitor);
        Err(no_scenario(Self::ID, Workload::Micro))
    }

    /// The same for the simulator host (typed linkages only).
    fn sim<E: Engine, L: Linkage, V: SimVisitor>(
        engine: E,
        own: Self::Factors,
        visitor: V,
    ) -> Result<V::Output> {
        let _ = (engine, own, visitor);
        Err(no_scenario(Self::ID, Workload::Sim))
    }

    /// The same for the payload host; the host says which shapes and
    /// directions it carries (`payload::Exchange::carries`).
    fn payload<E: Engine, L: Linkage, V: PayloadVisitor>(
        engine: E,
        own: Self::Factors,
        visitor: V,
    ) -> Result<V::Output> {
        let _ = (engine, own, visitor);
        Err(no_scenario(Self::ID, Workload::Payload))
    }
}

/// The error of an ABI asked for a scenario it does not implement.
#[cold]
pub fn no_scenario(abi: &str, scenario: Workload) -> Error {
    ErrorKind::Unsupported(format!("the {abi} ABI has no {scenario} scenario")).into()
}
