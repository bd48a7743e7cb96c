//! The host-side contract: what an ABI crate tells the harness.

pub use cachesim::Simulator;
pub use micro::Multiply;
pub use runtimes::{
    Caching, CallStyle, Engine, Error, ErrorKind, Instance, Linkage, Result, RuntimeId,
};

/// A factor only some ABIs have, and the values it takes.
#[derive(Debug, Clone, Copy)]
pub struct Factor {
    /// Its kebab-case name, as it appears in `factors` in results.
    pub name: &'static str,
    /// Its values, first one the default.
    pub values: &'static [&'static str],
    /// One line on what it changes, for `harness list`.
    pub about: &'static str,
}

/// The value chosen for each of an ABI's own factors.
#[derive(Debug, Clone, Copy)]
pub struct Choice<'a> {
    factors: &'static [Factor],
    values: &'a [&'static str],
}

impl<'a> Choice<'a> {
    /// Pairs `values` with `factors`, one value per factor, in order.
    ///
    /// # Panics
    /// If the lengths differ or a value is not one of its factor's values:
    /// the harness builds choices only from [`Abi::FACTORS`].
    pub fn new(factors: &'static [Factor], values: &'a [&'static str]) -> Self {
        assert_eq!(factors.len(), values.len(), "one value per factor");
        for (f, v) in factors.iter().zip(values) {
            assert!(f.values.contains(v), "`{v}` is not a value of `{}`", f.name);
        }
        Choice { factors, values }
    }

    /// The chosen value of factor `name`.
    ///
    /// # Panics
    /// If the ABI has no such factor (a bug in the ABI crate).
    pub fn get(&self, name: &str) -> &'static str {
        let i = self
            .factors
            .iter()
            .position(|f| f.name == name)
            .unwrap_or_else(|| panic!("no factor `{name}`"));
        self.values[i]
    }
}

/// Receives the host type an ABI uses for the micro scenario.
///
/// `open` turns a fresh instance into a ready host (exports resolved as the
/// linkage dictates); the harness calls it before timing (preload) or inside
/// each timed replicate (hotload).
pub trait MicroVisitor<I: Instance> {
    /// What the visit produces (a benchmark cell).
    type Output;
    /// Called with the ABI's constructor.
    fn visit<M: Multiply<Error = Error> + 'static>(self, open: fn(I) -> Result<M>) -> Self::Output;
}

/// Receives the host type an ABI uses for the simulator scenario.
pub trait SimVisitor<I: Instance> {
    /// What the visit produces.
    type Output;
    /// Called with the ABI's constructor.
    fn visit<S: Simulator<Error = Error> + 'static>(self, open: fn(I) -> Result<S>)
    -> Self::Output;
}

/// Turns guest bytes into a ready host, in two timed phases.
///
/// The harness measures every cell through a loader: compile once and
/// instantiate once before timing (preload), or both inside each timed
/// replicate (hotload). Core-module ABIs get one from [`CoreLoader`];
/// an ABI with its own runtime (a component) writes its own.
pub trait Loader {
    /// What compiling produces.
    type Module;
    /// A ready host: instantiated, exports resolved.
    type Host;
    /// Validates and compiles the guest.
    fn compile(&self, wasm: &[u8]) -> Result<Self::Module>;
    /// Instantiates it and resolves what the host needs.
    fn instantiate(&self, module: &Self::Module) -> Result<Self::Host>;
}

/// A core-module ABI's loader: an engine and the ABI's constructor.
pub struct CoreLoader<E: Engine, H> {
    /// The runtime.
    pub engine: E,
    /// The ABI's constructor for its host type.
    pub open: fn(E::Instance) -> Result<H>,
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
}

/// Receives a component ABI's micro loader.
pub trait MicroLoaderVisitor {
    /// What the visit produces.
    type Output;
    /// Called with the loader.
    fn visit<Ld: Loader>(self, loader: Ld) -> Self::Output
    where
        Ld::Host: Multiply<Error = Error> + 'static;
}

/// Receives a component ABI's simulator loader.
pub trait SimLoaderVisitor {
    /// What the visit produces.
    type Output;
    /// Called with the loader.
    fn visit<Ld: Loader>(self, loader: Ld) -> Self::Output
    where
        Ld::Host: Simulator<Error = Error> + 'static;
}

/// One way of passing a scenario's data across the sandbox boundary.
pub trait Abi: 'static {
    /// Kebab-case id: CLI value, result field, test name.
    const ID: &'static str;
    /// One line for `harness list`.
    const ABOUT: &'static str;
    /// Name of the guest crate's artifact in `guest_artifacts`, e.g. `"pair"`.
    const GUEST: &'static str;
    /// The scenarios it implements (`"micro"`, `"sim"`); the others are
    /// absent from its matrix by design.
    const SCENARIOS: &'static [&'static str];
    /// Factors only this ABI has, in the micro scenario.
    const FACTORS: &'static [Factor] = &[];
    /// Factors only this ABI has, in the simulator scenario.
    const SIM_FACTORS: &'static [Factor] = &[];

    /// Whether a cell with these factors (shared and own) exists at all;
    /// combinations that make no sense are absent from the matrix by
    /// design, not `unsupported`.
    fn applies(factors: &[(&'static str, &'static str)]) -> bool {
        let _ = factors;
        true
    }

    /// The micro host for `choice`, or `None` if this ABI (or this choice of
    /// its factors) does not do the micro scenario.
    fn micro<I: Instance, L: Linkage, V: MicroVisitor<I>>(
        choice: Choice<'_>,
        visitor: V,
    ) -> Option<V::Output> {
        let _ = (choice, visitor);
        None
    }

    /// The simulator host for `choice` (of [`Abi::SIM_FACTORS`]), or
    /// `None` if this ABI does not do the simulator.
    fn sim<I: Instance, L: Linkage, V: SimVisitor<I>>(
        choice: Choice<'_>,
        visitor: V,
    ) -> Option<V::Output> {
        let _ = (choice, visitor);
        None
    }

    /// Whether this ABI brings its own runtime (a component model host)
    /// instead of running on a core-module [`Instance`]. Such an ABI
    /// implements the `*_component` methods instead of `micro` and `sim`.
    const COMPONENT: bool = false;

    /// A component ABI's micro loader for `runtime` with this caching, call
    /// style and choice of its factors; `Ok(None)` if it has no micro,
    /// `Err` (an `Unsupported` error) if it cannot run on `runtime`.
    fn micro_component<V: MicroLoaderVisitor>(
        runtime: RuntimeId,
        caching: Caching,
        style: CallStyle,
        choice: Choice<'_>,
        visitor: V,
    ) -> Result<Option<V::Output>> {
        let _ = (runtime, caching, style, choice, visitor);
        Ok(None)
    }

    /// A component ABI's simulator loader; as [`Abi::micro_component`].
    fn sim_component<V: SimLoaderVisitor>(
        runtime: RuntimeId,
        caching: Caching,
        choice: Choice<'_>,
        visitor: V,
    ) -> Result<Option<V::Output>> {
        let _ = (runtime, caching, choice, visitor);
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMORY: &[Factor] = &[Factor {
        name: "memory",
        values: &["static", "dynamic"],
        about: "",
    }];

    #[test]
    fn choice_reads_values_by_name() {
        let c = Choice::new(MEMORY, &["dynamic"]);
        assert_eq!(c.get("memory"), "dynamic");
    }

    #[test]
    #[should_panic(expected = "not a value")]
    fn choice_rejects_foreign_values() {
        Choice::new(MEMORY, &["huge"]);
    }
}
