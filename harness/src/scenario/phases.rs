//! The phases scenario: what a guest costs before its first answer.
//!
//! Each cell times one phase alone, once per replicate, over many fresh
//! modules or instances, so the replicates are a distribution (median and
//! p99 in the results) rather than means of a loop: compiling the ABI's
//! built-in guest (or, with the module cache on, loading the module the
//! engine serialized from it), instantiating it (with the ABI's exports
//! resolved), and its first call (`micro_mul_i32` on a fresh instance,
//! checked against native). Limits are off (the engines' defaults) and the
//! ABI's own factors take their first value.

use std::hint::black_box;
use std::time::Duration;

use abi_api::{Abi, Loader, MicroVisitor, Multiply};
use factor::{FactorInfo, FactorValue, Workload, factor_enum};
use runtimes::{CachedTyped, Caching, CallStyle, Engine, EngineConfig, Linkage, RuntimeId};

use super::chain::{self, ScenarioStep};
use super::define::{Defaults, PlanInput, ProtocolFlag, Scenario, ScenarioCell};
use super::outcome::{Inputs, Outcome, SetupTimes};
use crate::guests::Guests;
use crate::abis::{AbiChoice, AbiId};
use crate::error::CellError;
use crate::factors::HostProfile;
use crate::measure::{Protocol, Subject, measure, Timer};

/// The phases scenario: what a guest costs before its first answer.
pub struct PhasesScenario;

impl Scenario for PhasesScenario {
    type Cell = PhasesCell;
    const ABOUT: &'static str =
        "compile (or load a cached module), instantiate and first call, one per replicate";
    const DRIVES: &'static [Workload] = &[Workload::Micro];
    const REFUSES: &'static [(ProtocolFlag, &'static str)] = &[(
        ProtocolFlag::Calls,
        "a replicate is one fresh module or instance",
    )];

    fn factors() -> Vec<FactorInfo> {
        vec![FactorInfo::of::<Phase>(), FactorInfo::of::<ModuleCache>()]
    }

    // One fresh module or instance per replicate; one warm-up.
    const DEFAULTS: Defaults = Defaults {
        calls: 1,
        reps: 100,
        warmup_s: 1e-9,
    };
    const QUICK: Defaults = Defaults {
        calls: 1,
        reps: 5,
        warmup_s: 1e-9,
    };

    fn cells(input: &PlanInput<'_>) -> Vec<PhasesCell> {
        cells(input.host, input.runtimes, input.abis)
    }

    fn run(
        cell: &PhasesCell,
        protocol: &Protocol,
        inputs: &Inputs,
        tick: &mut dyn FnMut(),
    ) -> Outcome {
        run(cell, protocol, &inputs.guests, tick)
    }
}

impl ScenarioCell for PhasesCell {
    fn target(&self) -> Option<(RuntimeId, AbiId)> {
        Some((self.runtime, self.abi.id()))
    }
    fn host(&self) -> HostProfile {
        self.host
    }
    /// Host profile, phase, module cache, then the ABI's own factors.
    fn values(&self) -> Vec<FactorValue> {
        let mut v = vec![
            FactorValue::of(self.host),
            FactorValue::of(self.phase),
            FactorValue::of(self.cache),
        ];
        v.extend(self.abi.values(Workload::Micro));
        v
    }
    /// No baseline: native code has no such phases.
    fn baseline(&self) -> PhasesCell {
        *self
    }
}

factor_enum! {
    /// The phase a phases cell times.
    pub enum Phase ("phase", "what a phases cell times, once per replicate: compiling the guest, \
        instantiating it (exports resolved), or the first call on a fresh instance") {
        /// Wasm bytes to a module (or, with the module cache on, a
        /// serialized module loaded back).
        Compile = "compile",
        /// A module to a ready host: store, instance, resolved exports.
        Instantiate = "instantiate",
        /// The first `micro_mul_i32` on a fresh instance.
        FirstCall = "first-call",
    }
}

factor_enum! {
    /// Whether compiling is replaced by loading a serialized module.
    pub enum ModuleCache ("module-cache", "compile the guest from wasm (off), or load the module \
        the engine serialized from it (on: Wasmtime's serialized modules, Wasmer's artifacts; \
        compile cells only)") {
        /// Compile from the wasm bytes.
        Off = "off",
        /// Load a module serialized once before timing.
        On = "on",
    }
}

/// A phases cell: one phase of one runtime and ABI guest (no native
/// baseline: native code has no such phases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhasesCell {
    /// The harness build.
    pub host: HostProfile,
    /// The runtime.
    pub runtime: RuntimeId,
    /// The ABI whose guest and micro host are loaded, own factors at their
    /// first value.
    pub abi: AbiChoice,
    /// What is timed.
    pub phase: Phase,
    /// Compile from wasm or load a serialized module.
    pub cache: ModuleCache,
}

/// Every runtime × ABI with a micro guest × phase, and the module cache
/// on for compile cells.
pub fn cells(host: HostProfile, runtimes: &[RuntimeId], abis: &[AbiId]) -> Vec<PhasesCell> {
    let mut out = Vec::new();
    for &runtime in runtimes {
        for &abi in abis {
            if !abi.info().workloads.contains(&Workload::Micro) {
                continue;
            }
            let Some(&choice) = abi.choices(Workload::Micro, Caching::Cached).first() else {
                continue;
            };
            for &phase in Phase::ALL {
                for &cache in ModuleCache::ALL {
                    if cache == ModuleCache::On && phase != Phase::Compile {
                        continue;
                    }
                    out.push(PhasesCell {
                        host,
                        runtime,
                        abi: choice,
                        phase,
                        cache,
                    });
                }
            }
        }
    }
    out
}

/// Measures one phases cell.
pub fn run(
    cell: &PhasesCell,
    protocol: &Protocol,
    guests: &Guests,
    tick: &mut dyn FnMut(),
) -> Outcome {
    let of = cell.guest();
    let guest = match chain::guest(guests, &of) {
        Ok(g) => g,
        Err(unsupported) => return unsupported,
    };
    chain::sandboxed(
        cell.runtime,
        EngineConfig::default(),
        cell.abi,
        Caching::Cached,
        CallStyle::Typed,
        Step {
            guest,
            cell: *cell,
            protocol,
            tick,
        },
    )
}

struct Step<'a> {
    guest: &'a [u8],
    cell: PhasesCell,
    protocol: &'a Protocol,
    tick: &'a mut dyn FnMut(),
}

impl ScenarioStep for Step<'_> {
    fn run<E: Engine, A: Abi, L: Linkage>(self, engine: E, own: A::Factors) -> Outcome {
        let guest = self.guest;
        A::micro::<E, L, _>(engine, own, Load { guest, step: self }).unwrap_or_else(Outcome::failed)
    }
}

struct Load<'a> {
    guest: &'a [u8],
    step: Step<'a>,
}

impl MicroVisitor for Load<'_> {
    type Output = Outcome;
    fn visit<Ld: Loader>(self, loader: Ld) -> Outcome
    where
        Ld::Host: Multiply<Error = runtimes::Error> + 'static,
    {
        let Step {
            cell,
            protocol,
            tick,
            ..
        } = self.step;
        let module = match loader.compile(self.guest) {
            Ok(m) => m,
            Err(e) => return Outcome::failed(e),
        };
        let cached = match cell.cache {
            ModuleCache::Off => None,
            ModuleCache::On => match loader.serialize(&module) {
                Ok(bytes) => Some(bytes),
                Err(e) => return Outcome::failed(e),
            },
        };
        let result = match cell.phase {
            Phase::Compile => {
                let mut subject = FreshCompile {
                    runtime: cell.runtime,
                    abi: cell.abi,
                    guest: self.guest,
                    cached: cached.as_deref(),
                };
                measure(&mut subject, protocol, tick)
            }
            Phase::Instantiate | Phase::FirstCall => {
                let mut subject = Timed {
                    loader: &loader,
                    module: &module,
                    phase: cell.phase,
                };
                measure(&mut subject, protocol, tick)
            }
        };
        // What was timed must work: a module of this engine answers
        // correctly.
        let result = result.and_then(|samples| {
            let mut host = loader.instantiate(&module)?;
            check(&mut host)?;
            Ok(samples)
        });
        Outcome::measured(result, SetupTimes::default(), None)
    }
}

/// The operands of the first call, and its check against native (also a
/// served request's, in `serve` and `footprint`).
pub(super) fn check<M: Multiply<Error = runtimes::Error>>(host: &mut M) -> Result<(), CellError> {
    let (a, b) = micro::operands_i32(0);
    let got = host.mul_i32(a, b)?;
    verify(got, a, b)
}

pub(crate) fn verify(got: i32, a: i32, b: i32) -> Result<(), CellError> {
    let want = micro::mul_i32(a, b);
    if got == want {
        Ok(())
    } else {
        Err(CellError::wrong_result(format!(
            "wrong result: {a} * {b} gave {got} on the first call, native gives {want}"
        )))
    }
}

/// Instantiate and first-call replicates: one fresh instance of `module`
/// each, what comes before and after the phase (dropping, checking)
/// untimed.
struct Timed<'a, Ld: Loader> {
    loader: &'a Ld,
    module: &'a Ld::Module,
    phase: Phase,
}

impl<Ld: Loader> Subject for Timed<'_, Ld>
where
    Ld::Host: Multiply<Error = runtimes::Error>,
{
    fn replicate(&mut self, calls: u64) -> Result<Duration, CellError> {
        debug_assert_eq!(calls, 1, "a phases replicate is one fresh instance");
        match self.phase {
            Phase::Compile => unreachable!("compile cells time FreshCompile"),
            Phase::Instantiate => {
                let start = Timer::start();
                let host = self.loader.instantiate(self.module);
                let elapsed = start.stop();
                drop(host?);
                Ok(elapsed)
            }
            Phase::FirstCall => {
                let mut host = self.loader.instantiate(self.module)?;
                let (a, b) = micro::operands_i32(0);
                let start = Timer::start();
                let got = host.mul_i32(black_box(a), black_box(b));
                let elapsed = start.stop();
                verify(got?, a, b)?;
                drop(host);
                Ok(elapsed)
            }
        }
    }
}

/// Compile replicates: each compiles (or loads the serialized module) in
/// an engine of its own, made and dropped untimed. An engine that
/// compiled a hundred modules is not what a host has, and Wasmer keeps
/// every module's code and unwind frames until its engine drops, when
/// libgcc deregisters the frames one linear search each: dropping one
/// engine after a cell's hundred compiles took over ten minutes. A fresh
/// engine per replicate also times every runtime's compile alike (a
/// module into an engine that holds no other).
struct FreshCompile<'a> {
    runtime: RuntimeId,
    abi: AbiChoice,
    guest: &'a [u8],
    /// The module serialized by the cell's first engine (module cache on).
    cached: Option<&'a [u8]>,
}

impl Subject for FreshCompile<'_> {
    fn replicate(&mut self, calls: u64) -> Result<Duration, CellError> {
        debug_assert_eq!(calls, 1, "a phases replicate is one fresh module");
        let once = CompileOnce {
            abi: self.abi,
            guest: self.guest,
            cached: self.cached,
        };
        runtimes::visit(self.runtime, EngineConfig::default(), once)?
    }
}

/// One timed compile in the engine it is given.
struct CompileOnce<'a> {
    abi: AbiChoice,
    guest: &'a [u8],
    cached: Option<&'a [u8]>,
}

impl runtimes::EngineVisitor for CompileOnce<'_> {
    type Output = Result<Duration, CellError>;
    fn visit<E: Engine>(self, engine: E) -> Self::Output {
        crate::abis::with_abi(self.abi, InAbi { engine, once: self })
    }
}

struct InAbi<'a, E> {
    engine: E,
    once: CompileOnce<'a>,
}

impl<E: Engine> crate::abis::AbiVisitor for InAbi<'_, E> {
    type Output = Result<Duration, CellError>;
    fn visit<A: Abi>(self, own: A::Factors) -> Self::Output {
        let timed = TimedCompile {
            guest: self.once.guest,
            cached: self.once.cached,
        };
        A::micro::<E, CachedTyped, _>(self.engine, own, timed)?
    }
}

struct TimedCompile<'a> {
    guest: &'a [u8],
    cached: Option<&'a [u8]>,
}

impl MicroVisitor for TimedCompile<'_> {
    type Output = Result<Duration, CellError>;
    fn visit<Ld: Loader>(self, loader: Ld) -> Self::Output
    where
        Ld::Host: Multiply<Error = runtimes::Error> + 'static,
    {
        let start = Timer::start();
        let module = match self.cached {
            None => loader.compile(self.guest),
            // SAFETY: the bytes were serialized in this process by an
            // engine of the same runtime and configuration.
            Some(bytes) => unsafe { loader.deserialize(bytes) },
        };
        let elapsed = start.stop();
        // The module and its engine are dropped outside the timed region.
        drop(module?);
        Ok(elapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_cells_exist_for_compile_only() {
        use crate::cell::Cell;
        let cells: Vec<Cell> = cells(HostProfile::Dev, &[RuntimeId::Wasmtime], &[AbiId::Pair])
            .into_iter()
            .map(Cell::Phases)
            .collect();
        assert_eq!(cells.len(), Phase::ALL.len() + 1);
        let ids: Vec<String> = cells.iter().map(Cell::id).collect();
        assert!(
            ids.iter()
                .any(|i| i.contains("phase=compile,module-cache=on"))
        );
        assert!(
            !ids.iter()
                .any(|i| i.contains("phase=first-call,module-cache=on"))
        );
        assert!(cells.iter().all(|c| !c.is_native()));
    }
}
