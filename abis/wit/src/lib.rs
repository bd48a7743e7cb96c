//! The WIT ABI: the component model's canonical ABI, the "Interface Types"
//! the paper's conclusion asks about, on the same work as the hand-rolled
//! ABIs.
//!
//! ```text
//!   host (wasmtime::component)                 guest component (guests/wit)
//!   call mul-i32(a, b) ── lower s32, s32 ──▶ flat i32 params ──▶ micro::mul_i32
//!                      ◀── lift s32 ──────── flat i32 result ◀──
//!   call sim-send-batch(list<request>) ── realloc in guest, copy 8·n bytes ──▶ n sends
//! ```
//! Who allocates: the canonical ABI, through the guest's `cabi_realloc`,
//! for lists. Who writes: Wasmtime's lowering code. Who frees: the guest's
//! bindings, after the call.
//!
//! The world is `wit/abilab.wit`. Only Wasmtime's engines host components
//! here (Wasmer 7.4 cannot load them; the engine is
//! `runtimes::component`): on every other runtime a WIT cell is
//! `unsupported` with that reason. The guest's WASI imports (pulled in by
//! Rust's std) are linked as traps: the guest gets no capabilities.
//!
//! Factors of its own: `args` (two scalars, or one record of two fields),
//! and `concurrency` (Wasmtime's component-model async support off or on:
//! its default build turns it on, and it changes what every synchronous
//! call does). It carries a simulator batch as one `list<request>`.

use abi_api::{Abi, Engine, Linkage, MicroVisitor, PayloadVisitor, Result, SimVisitor, Workload};

#[cfg(feature = "wasmtime")]
mod host;

abi_api::factor_enum! {
    /// How the micro operands travel.
    pub enum Args ("args", "operands as two scalar parameters, or as one record parameter") {
        /// Two scalar parameters.
        Scalars = "scalars",
        /// One record of two fields.
        Record = "record",
    }
}

abi_api::factor_enum! {
    /// Wasmtime's component-model concurrency support.
    pub enum Concurrency ("concurrency", "Wasmtime's component-model async concurrency support \
        (Config::concurrency_support)") {
        /// Off: synchronous calls take the plain path.
        Off = "off",
        /// On (Wasmtime's default build).
        On = "on",
    }
}

abi_api::factor_set! {
    /// The WIT ABI's own factors.
    pub struct WitFactors {
        /// How the micro operands travel.
        #[only(Micro)]
        pub args: Args,
        /// Wasmtime's concurrency support.
        pub concurrency: Concurrency,
    }
}

/// The WIT ABI, as registered with the harness.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wit;

impl Abi for Wit {
    const ID: &'static str = "wit";
    const ABOUT: &'static str =
        "the component model's canonical ABI (wit-bindgen guest, Wasmtime host)";
    const WORKLOADS: &'static [Workload] = &[Workload::Micro, Workload::Sim, Workload::Payload];
    const BATCHES: bool = true;
    type Factors = WitFactors;

    fn micro<E: Engine, L: Linkage, V: MicroVisitor>(
        engine: E,
        own: WitFactors,
        visitor: V,
    ) -> Result<V::Output> {
        #[cfg(feature = "wasmtime")]
        return host::micro::<L, V>(engine.id(), engine.config(), own, visitor);
        #[cfg(not(feature = "wasmtime"))]
        {
            let _ = (own, visitor);
            Err(no_components(engine.id()))
        }
    }

    fn sim<E: Engine, L: Linkage, V: SimVisitor>(
        engine: E,
        own: WitFactors,
        visitor: V,
    ) -> Result<V::Output> {
        #[cfg(feature = "wasmtime")]
        return host::sim::<L, V>(engine.id(), engine.config(), own, visitor);
        #[cfg(not(feature = "wasmtime"))]
        {
            let _ = (own, visitor);
            Err(no_components(engine.id()))
        }
    }

    fn payload<E: Engine, L: Linkage, V: PayloadVisitor>(
        engine: E,
        own: WitFactors,
        visitor: V,
    ) -> Result<V::Output> {
        #[cfg(feature = "wasmtime")]
        return host::payload::<L, V>(engine.id(), engine.config(), own, visitor);
        #[cfg(not(feature = "wasmtime"))]
        {
            let _ = (own, visitor);
            Err(no_components(engine.id()))
        }
    }
}

/// Why a build without Wasmtime cannot run a WIT cell.
#[cfg(not(feature = "wasmtime"))]
fn no_components(runtime: abi_api::RuntimeId) -> abi_api::Error {
    abi_api::ErrorKind::Unsupported(format!(
        "{runtime} cannot host components (only Wasmtime's engines load them here)"
    ))
    .into()
}

#[cfg(feature = "wasmtime")]
pub use host::{WitLoader, WitMicro, WitPayload, WitSim};
