//! The async scenario: what Wasmtime's `call_async` adds to a call.
//!
//! Servers built on Wasmtime call guests asynchronously (an executor
//! drives the call on a fiber), and Wasmtime's component-model async
//! support (`Config::concurrency_support`) changes what every call does;
//! its tracker records `call_async` 120-150% slower with it
//! (wasmtime#11209). Each replicate is one call of `mul_i32`, timed alone,
//! so the row's median and p99 are per call; the answer is checked
//! against native outside the timed region:
//!
//! - `module=core`: the Pair guest's `micro_mul_i32` through a
//!   `wasmtime::TypedFunc`; `module=component`: the WIT guest's `mul-i32`
//!   through a `wasmtime::component::TypedFunc`;
//! - `invoke=sync`: `call`; `invoke=async`: `call_async`, its future
//!   polled to completion by a minimal executor (a no-op waker and a poll
//!   loop: the guest never yields, so the first poll finishes it, and the
//!   executor adds no scheduling of its own to the figure);
//! - `concurrency` on or off (WIT's own factor, here for both kinds).
//!
//! Wasmtime's engines only: the other runtimes have no async call, and
//! their cells say so.

use abi_wit::Concurrency;
use factor::{FactorInfo, FactorValue, Workload, factor_enum};
use runtimes::RuntimeId;

use super::define::{Defaults, PlanInput, Scenario, ScenarioCell};
use super::outcome::{Inputs, Outcome};
use crate::abis::AbiId;
use crate::factors::{HostProfile, Lang};
use crate::guests::GuestOf;
use crate::measure::Protocol;

/// The async scenario.
pub struct AsyncCall;

impl Scenario for AsyncCall {
    type Cell = AsyncCell;
    const ABOUT: &'static str = "Wasmtime's call_async beside call, core and component \
        guests, with and without component-model concurrency; one call per replicate";
    const DRIVES: &'static [Workload] = &[];

    fn factors() -> Vec<FactorInfo> {
        vec![
            FactorInfo::of::<ModuleKind>(),
            FactorInfo::of::<Invoke>(),
            FactorInfo::of::<Concurrency>(),
        ]
    }

    const DEFAULTS: Defaults = Defaults {
        calls: 1,
        reps: 20_000,
        warmup_s: 0.1,
    };
    const QUICK: Defaults = Defaults {
        calls: 1,
        reps: 500,
        warmup_s: 0.01,
    };

    fn cells(input: &PlanInput<'_>) -> Vec<AsyncCell> {
        let mut out = Vec::new();
        for &runtime in input.runtimes {
            for &module in ModuleKind::ALL {
                if !input.abis.contains(&module.abi()) {
                    continue;
                }
                for &concurrency in Concurrency::ALL {
                    for &invoke in Invoke::ALL {
                        out.push(AsyncCell {
                            host: input.host,
                            runtime,
                            module,
                            invoke,
                            concurrency,
                        });
                    }
                }
            }
        }
        out
    }

    fn run(cell: &AsyncCell, protocol: &Protocol, inputs: &Inputs, tick: &mut dyn FnMut()) -> Outcome {
        if !cell.runtime.hosts_components() {
            return Outcome::Unsupported(format!(
                "{}: call_async is Wasmtime's (the other engines' calls are synchronous only)",
                cell.runtime
            ));
        }
        let of = cell.guest();
        let guest = match inputs.guests.bytes(&of) {
            Ok(g) => g,
            Err(why) => return Outcome::Unsupported(why),
        };
        wasmtime_calls::run(cell, guest, protocol, tick)
    }
}

factor_enum! {
    /// What kind of guest is called.
    pub enum ModuleKind ("module", "a core module (the Pair guest) or a component (the WIT \
        guest)") {
        /// A core module: `wasmtime::TypedFunc`.
        Core = "core",
        /// A component: `wasmtime::component::TypedFunc`.
        Component = "component",
    }
}

impl ModuleKind {
    /// The ABI whose built-in guest it calls.
    pub fn abi(self) -> AbiId {
        match self {
            ModuleKind::Core => AbiId::Pair,
            ModuleKind::Component => AbiId::Wit,
        }
    }
}

factor_enum! {
    /// How the host calls.
    pub enum Invoke ("invoke", "Wasmtime's synchronous call, or call_async polled to \
        completion") {
        /// `call`.
        Sync = "sync",
        /// `call_async`, on a minimal executor.
        Async = "async",
    }
}

/// An async cell (no native baseline: the question is between two ways
/// into the same guest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AsyncCell {
    /// The harness build.
    pub host: HostProfile,
    /// The runtime.
    pub runtime: RuntimeId,
    /// Core module or component.
    pub module: ModuleKind,
    /// Sync or async.
    pub invoke: Invoke,
    /// Component-model concurrency support.
    pub concurrency: Concurrency,
}

impl ScenarioCell for AsyncCell {
    fn target(&self) -> Option<(RuntimeId, AbiId)> {
        Some((self.runtime, self.module.abi()))
    }
    fn host(&self) -> HostProfile {
        self.host
    }
    /// Host profile, module kind, invoke, concurrency.
    fn values(&self) -> Vec<FactorValue> {
        vec![
            FactorValue::of(self.host),
            FactorValue::of(self.module),
            FactorValue::of(self.invoke),
            FactorValue::of(self.concurrency),
        ]
    }
    /// No baseline.
    fn baseline(&self) -> AsyncCell {
        *self
    }
    /// The built-in Rust guest of its ABI, whatever `--guest` says (the
    /// scenario drives no ABI workload: a user's module is not its
    /// contract).
    fn guest(&self) -> GuestOf {
        GuestOf::Abi {
            abi: self.module.abi(),
            lang: Lang::Rust,
            variant: None,
        }
    }
}

#[cfg(feature = "wasmtime")]
mod wasmtime_calls {
    use std::hint::black_box;
    use std::time::Duration;

    use super::*;
    use crate::error::CellError;
    use crate::measure::{Subject, Timer, measure};
    use crate::scenario::outcome::SetupTimes;

    /// Polls `f` until it is ready: the smallest executor there is (no
    /// scheduling, no wake-ups; a future that never yields finishes in one
    /// poll).
    pub(super) fn block_on<F: std::future::Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    /// Times one call per replicate through `call` (which returns the
    /// guest's answer), checked against native after.
    struct OneCall<F> {
        call: F,
    }

    impl<F: FnMut(i32, i32) -> Result<i32, CellError>> Subject for OneCall<F> {
        fn replicate(&mut self, calls: u64) -> Result<Duration, CellError> {
            debug_assert_eq!(calls, 1, "an async replicate is one call");
            let (a, b) = micro::operands_i32(0);
            let start = Timer::start();
            let got = (self.call)(black_box(a), black_box(b));
            let elapsed = start.stop();
            crate::scenario::phases::verify(got?, a, b)?;
            Ok(elapsed)
        }
    }
    use runtimes::component::ComponentEngine;
    use runtimes::{Engine, EngineConfig, Instance, WasmtimeEngine};

    /// A Wasmtime error as the cell's (cold: never built on the Ok path).
    #[cold]
    fn failed(e: runtimes::wasmtime::Error) -> CellError {
        runtimes::Error::from(runtimes::ErrorKind::Trap(format!("{e:#}"))).into()
    }

    pub(super) fn run(
        cell: &AsyncCell,
        guest: &[u8],
        protocol: &Protocol,
        tick: &mut dyn FnMut(),
    ) -> Outcome {
        let on = cell.concurrency == Concurrency::On;
        let result = match cell.module {
            ModuleKind::Core => core(cell, on, guest, protocol, tick),
            ModuleKind::Component => component(cell, on, guest, protocol, tick),
        };
        match result {
            Ok(outcome) => outcome,
            Err(e) => Outcome::failed(e),
        }
    }

    fn core(
        cell: &AsyncCell,
        on: bool,
        guest: &[u8],
        protocol: &Protocol,
        tick: &mut dyn FnMut(),
    ) -> runtimes::Result<Outcome> {
        let engine = WasmtimeEngine::with_concurrency(cell.runtime, EngineConfig::default(), on)?;
        let module = engine.compile(guest)?;
        let mut inst = engine.instantiate(&module)?;
        // Resolved (and its signature checked) the portable way first.
        inst.resolve_func::<(i32, i32), i32>(abi_pair::exports::MUL_I32)?;
        let (store, instance) = inst.parts_mut();
        let f = instance
            .get_typed_func::<(i32, i32), i32>(&mut *store, abi_pair::exports::MUL_I32)
            .map_err(|e| runtimes::Error::from(runtimes::ErrorKind::MissingExport(format!("{e:#}"))))?;
        let samples = match cell.invoke {
            Invoke::Sync => measure(
                &mut OneCall {
                    call: |a, b| f.call(&mut *store, (a, b)).map_err(failed),
                },
                protocol,
                tick,
            ),
            Invoke::Async => measure(
                &mut OneCall {
                    call: |a, b| block_on(f.call_async(&mut *store, (a, b))).map_err(failed),
                },
                protocol,
                tick,
            ),
        };
        Ok(Outcome::measured(samples, SetupTimes::default(), None))
    }

    fn component(
        cell: &AsyncCell,
        on: bool,
        guest: &[u8],
        protocol: &Protocol,
        tick: &mut dyn FnMut(),
    ) -> runtimes::Result<Outcome> {
        let engine = ComponentEngine::new(cell.runtime, on, EngineConfig::default())?;
        let compiled = engine.compile(guest)?;
        let mut live = engine.instantiate(&compiled)?;
        let f = live
            .instance
            .get_typed_func::<(i32, i32), (i32,)>(&mut live.store, "mul-i32")
            .map_err(|e| runtimes::Error::from(runtimes::ErrorKind::MissingExport(format!("mul-i32: {e:#}"))))?;
        let store = &mut live.store;
        let samples = match cell.invoke {
            Invoke::Sync => measure(
                &mut OneCall {
                    call: |a, b| f.call(&mut *store, (a, b)).map(|r| r.0).map_err(failed),
                },
                protocol,
                tick,
            ),
            Invoke::Async => measure(
                &mut OneCall {
                    call: |a, b| {
                        block_on(f.call_async(&mut *store, (a, b)))
                            .map(|r| r.0)
                            .map_err(failed)
                    },
                },
                protocol,
                tick,
            ),
        };
        Ok(Outcome::measured(samples, SetupTimes::default(), None))
    }
}

#[cfg(not(feature = "wasmtime"))]
mod wasmtime_calls {
    use super::*;

    pub(super) fn run(cell: &AsyncCell, _: &[u8], _: &Protocol, _: &mut dyn FnMut()) -> Outcome {
        Outcome::failed(runtimes::ErrorKind::NotCompiled(cell.runtime).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "wasmtime")]
    #[test]
    fn block_on_finishes_a_ready_future_and_one_that_yields_once() {
        use super::wasmtime_calls::block_on;
        assert_eq!(block_on(async { 6 * 7 }), 42);
        let mut yielded = false;
        let once = std::future::poll_fn(|cx| {
            if yielded {
                std::task::Poll::Ready(1)
            } else {
                yielded = true;
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }
        });
        assert_eq!(block_on(once), 1);
    }

    /// Every cell of a Wasmtime run measures and checks its answer; a
    /// Wasmer cell says why not.
    #[test]
    fn every_way_in_answers_on_wasmtime_and_other_engines_say_why_not() {
        let protocol = Protocol {
            calls: 1,
            reps: 5,
            warmup: std::time::Duration::ZERO,
            budget: runtimes::Budget::DEFAULT,
            stop: crate::measure::Stop::Fixed,
        };
        let inputs = Inputs::default();
        let sim = crate::workload::SimOptions::quick();
        let runtimes: Vec<RuntimeId> = [RuntimeId::Wasmtime, RuntimeId::WasmerCranelift]
            .into_iter()
            .filter(|r| r.compiled_in())
            .collect();
        let cells = AsyncCall::cells(&PlanInput {
            host: HostProfile::Dev,
            runtimes: &runtimes,
            abis: &[AbiId::Pair, AbiId::Wit],
            sim: &sim,
            guests: &inputs.guests,
        });
        assert_eq!(cells.len(), runtimes.len() * 8);
        for cell in cells {
            match (cell.runtime, AsyncCall::run(&cell, &protocol, &inputs, &mut || {})) {
                (RuntimeId::Wasmtime, Outcome::Ok { samples, .. }) => {
                    assert_eq!(samples.replicate_s.len(), 5, "{cell:?}")
                }
                (RuntimeId::WasmerCranelift, Outcome::Unsupported(why)) => {
                    assert!(why.contains("call_async"), "{why}")
                }
                (_, other) => panic!("{cell:?}: {other:?}"),
            }
        }
    }
}
