//! The steps every sandboxed cell takes, whatever its scenario: the runtime
//! becomes an engine type ([`runtimes::visit`]), the ABI choice a type with
//! its own factors typed ([`with_abi`]), the caching and call style a
//! [`Linkage`] type; then the scenario's [`ScenarioStep`] runs with
//! everything monomorphic, and [`load`] compiles and instantiates the guest
//! with both phases timed.

use std::time::Instant;

use abi_api::{Abi, Loader, MicroVisitor, PayloadVisitor};
use runtimes::{
    CachedTyped, CachedUntyped, Caching, CallStyle, Engine, EngineConfig, EngineVisitor, Linkage,
    RuntimeId, UncachedTyped, UncachedUntyped,
};

use super::outcome::{Outcome, SetupTimes};
use crate::abis::{AbiChoice, AbiVisitor, with_abi};
use crate::error::CellError;
use crate::guests::{GuestOf, Guests};

/// What a scenario does once the engine, the ABI and the linkage are types.
pub trait ScenarioStep {
    /// Runs the cell.
    fn run<E: Engine, A: Abi, L: Linkage>(self, engine: E, own: A::Factors) -> Outcome;
}

/// A step that is an ABI's micro host and nothing more: the visitor gets
/// the ABI's loader for the micro workload (`serve`, `footprint`).
pub struct Micro<V>(pub V);

impl<V: MicroVisitor<Output = Outcome>> ScenarioStep for Micro<V> {
    fn run<E: Engine, A: Abi, L: Linkage>(self, engine: E, own: A::Factors) -> Outcome {
        A::micro::<E, L, _>(engine, own, self.0).unwrap_or_else(Outcome::failed)
    }
}

/// The same for the payload workload (`aftermath`).
pub struct Payload<V>(pub V);

impl<V: PayloadVisitor<Output = Outcome>> ScenarioStep for Payload<V> {
    fn run<E: Engine, A: Abi, L: Linkage>(self, engine: E, own: A::Factors) -> Outcome {
        A::payload::<E, L, _>(engine, own, self.0).unwrap_or_else(Outcome::failed)
    }
}

/// Runs a sandboxed cell: `step` with the runtime (configured by
/// `config`), ABI and linkage chosen.
pub fn sandboxed<S: ScenarioStep>(
    runtime: RuntimeId,
    config: EngineConfig,
    abi: AbiChoice,
    caching: Caching,
    call: CallStyle,
    step: S,
) -> Outcome {
    let step = EngineStep {
        abi,
        caching,
        call,
        step,
    };
    runtimes::visit(runtime, config, step).unwrap_or_else(Outcome::failed)
}

struct EngineStep<S> {
    abi: AbiChoice,
    caching: Caching,
    call: CallStyle,
    step: S,
}

impl<S: ScenarioStep> EngineVisitor for EngineStep<S> {
    type Output = Outcome;
    fn visit<E: Engine>(self, engine: E) -> Outcome {
        with_abi(self.abi, AbiStep { engine, step: self })
    }
}

struct AbiStep<E, S> {
    engine: E,
    step: EngineStep<S>,
}

impl<E: Engine, S: ScenarioStep> AbiVisitor for AbiStep<E, S> {
    type Output = Outcome;
    fn visit<A: Abi>(self, own: A::Factors) -> Outcome {
        let (engine, step) = (self.engine, self.step.step);
        match (self.step.caching, self.step.call) {
            (Caching::Cached, CallStyle::Typed) => step.run::<E, A, CachedTyped>(engine, own),
            (Caching::Cached, CallStyle::Untyped) => step.run::<E, A, CachedUntyped>(engine, own),
            (Caching::Uncached, CallStyle::Typed) => step.run::<E, A, UncachedTyped>(engine, own),
            (Caching::Uncached, CallStyle::Untyped) => {
                step.run::<E, A, UncachedUntyped>(engine, own)
            }
        }
    }
}

/// The bytes of guest `of` from the run's `guests` (what the cell's row
/// will name); the cell's `unsupported` outcome if there are none.
// The error is the cell's final outcome, made once per cell and returned
// as it is: its size costs nothing, and boxing it would only add a step.
#[allow(clippy::result_large_err)]
pub fn guest<'a>(guests: &'a Guests, of: &'a GuestOf) -> Result<&'a [u8], Outcome> {
    guests.bytes(of).map_err(Outcome::Unsupported)
}

/// Compiles and instantiates once, timing both phases.
pub fn load<Ld: Loader>(loader: &Ld, wasm: &[u8]) -> Result<(Ld::Host, SetupTimes), CellError> {
    let t0 = Instant::now();
    let module = loader.compile(wasm)?;
    let t1 = Instant::now();
    let host = loader.instantiate(&module)?;
    let phases = SetupTimes {
        compile_s: Some((t1 - t0).as_secs_f64()),
        instantiate_s: Some(t1.elapsed().as_secs_f64()),
    };
    Ok((host, phases))
}
