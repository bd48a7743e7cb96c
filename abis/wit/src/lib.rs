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
//! The world is `wit/abilab.wit`. Only Wasmtime hosts components here
//! (Wasmer 7.4 cannot load them): on every other runtime a WIT cell is
//! `unsupported` with that reason. The guest's WASI imports (pulled in by
//! Rust's std) are linked as traps: the guest gets no capabilities.
//!
//! Factors of its own: `args` (two scalars, or one record of two fields),
//! `concurrency` (Wasmtime's component-model async support off or on: its
//! default build turns it on, and it changes what every synchronous call
//! does), and in the simulator `batch` (1 request per call, or a
//! `list<request>` of 256).

use abi_api::{
    Abi, Caching, CallStyle, Choice, Error, ErrorKind, Factor, MicroLoaderVisitor, Result,
    RuntimeId, SimLoaderVisitor,
};

#[cfg(feature = "wasmtime")]
mod host;

/// Two scalars, or a record of two fields.
pub const ARGS: Factor = Factor {
    name: "args",
    values: &["scalars", "record"],
    about: "operands as two scalar parameters, or as one record parameter",
};

/// Wasmtime's component-model concurrency support.
pub const CONCURRENCY: Factor = Factor {
    name: "concurrency",
    values: &["off", "on"],
    about: "Wasmtime's component-model async concurrency support (Config::concurrency_support)",
};

/// Requests per call in the simulator.
pub const BATCH: Factor = Factor {
    name: "batch",
    values: &["1", "256"],
    about: "requests per call: sim-send each, or sim-send-batch with a list",
};

/// The WIT ABI, as registered with the harness.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wit;

/// Why a runtime cannot run a WIT cell, if it cannot.
fn check(runtime: RuntimeId) -> Result<()> {
    if !runtime.hosts_components() {
        return Err(ErrorKind::Unsupported(format!(
            "{runtime} cannot host components (Wasmer 7.4 loads core modules only)"
        ))
        .into());
    }
    if !cfg!(feature = "wasmtime") {
        return Err(ErrorKind::NotCompiled(RuntimeId::Wasmtime).into());
    }
    Ok(())
}

impl Abi for Wit {
    const ID: &'static str = "wit";
    const ABOUT: &'static str =
        "the component model's canonical ABI (wit-bindgen guest, Wasmtime host)";
    const GUEST: &'static str = "wit";
    const SCENARIOS: &'static [&'static str] = &["micro", "sim"];
    const FACTORS: &'static [Factor] = &[ARGS, CONCURRENCY];
    const SIM_FACTORS: &'static [Factor] = &[CONCURRENCY, BATCH];
    const COMPONENT: bool = true;

    fn micro_component<V: MicroLoaderVisitor>(
        runtime: RuntimeId,
        caching: Caching,
        style: CallStyle,
        choice: Choice<'_>,
        visitor: V,
    ) -> Result<Option<V::Output>> {
        check(runtime)?;
        #[cfg(feature = "wasmtime")]
        return host::micro(caching, style, choice, visitor).map(Some);
        #[cfg(not(feature = "wasmtime"))]
        {
            let _ = (caching, style, choice, visitor);
            unreachable!("checked above")
        }
    }

    fn sim_component<V: SimLoaderVisitor>(
        runtime: RuntimeId,
        caching: Caching,
        choice: Choice<'_>,
        visitor: V,
    ) -> Result<Option<V::Output>> {
        check(runtime)?;
        #[cfg(feature = "wasmtime")]
        return host::sim(caching, choice, visitor).map(Some);
        #[cfg(not(feature = "wasmtime"))]
        {
            let _ = (caching, choice, visitor);
            unreachable!("checked above")
        }
    }
}

#[cfg(feature = "wasmtime")]
pub use host::{WitLoader, WitMicro, WitSim};

/// An error from Wasmtime, as the runtime layer reports it.
#[cfg(feature = "wasmtime")]
#[cold]
#[inline(never)]
fn trap(e: wasmtime::Error) -> Error {
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(t) => ErrorKind::Trap(t.to_string()).into(),
        None => ErrorKind::Trap(format!("{e:#}")).into(),
    }
}

#[cfg(not(feature = "wasmtime"))]
#[allow(dead_code)]
fn trap(e: Error) -> Error {
    e
}
