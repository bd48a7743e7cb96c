//! The serve scenario: what one request costs a plugin server, by the
//! lifecycle it gives its instances.
//!
//! A server either makes a fresh instance for every request (isolation
//! between requests, nothing kept) or keeps one per tenant and calls it
//! again. Each replicate here is one request (`micro_mul_i32` through the
//! ABI's micro host, checked against native outside the timed region), so
//! the replicates are the distribution of request latencies (median and
//! p99 in the row) and their mean gives requests per second on one core:
//!
//! - `lifecycle=per-request`: instantiate (store, instance, the ABI's
//!   exports resolved), call, drop, all timed;
//! - `lifecycle=kept`: the call alone, on an instance made before timing.
//!
//! `allocator=pooling` gives Wasmtime's engines the pooling instance
//! allocator (slots reserved once and reused, [`POOL`] of them) in place
//! of the default on-demand allocator; Wasmer, wasmi and Extism have no
//! such allocator, and their pooling cells say so as `unsupported`.
//! Limits are off (the engines' defaults), as in `phases`, so a
//! per-request cell is comparable with phases' instantiate plus first call.

use std::hint::black_box;
use std::time::Duration;

use abi_api::{Loader, MicroVisitor, Multiply};
use factor::{FactorInfo, FactorSet, Workload, factor_enum, factor_set};
use runtimes::{Caching, CallStyle, EngineConfig, RuntimeId};

use super::chain;
use super::define::{Defaults, PlanInput, Scenario, ScenarioCell};
use super::outcome::{Inputs, Outcome, SetupTimes};
use super::phases::verify;
use super::spec::{HostedWork, Targeted};
use crate::abis::AbiChoice;
use crate::error::CellError;
use crate::measure::{Protocol, Subject, Timer, measure};

/// Slots in the pooling allocator's pool (instances, memories, tables,
/// component instances): Wasmtime's own default instance count, enough
/// for every kept instance of the footprint sweep up to 1,000; the 10,000
/// step is refused by it (`pool-full`), which is the point of a pool.
pub const POOL: u32 = 1000;

/// The serve scenario.
pub struct Serve;

impl Scenario for Serve {
    type Cell = ServeCell;
    const ABOUT: &'static str = "one request per replicate: a fresh instance for it \
        (instantiate, call, drop) or a call on a kept one; on-demand or pooled instances";
    const DRIVES: &'static [Workload] = &[Workload::Micro];

    fn factors() -> Vec<FactorInfo> {
        ServeWork::INFO.to_vec()
    }

    // A replicate is one request; enough of them for a p99.
    const DEFAULTS: Defaults = Defaults {
        calls: 1,
        reps: 2000,
        warmup_s: 0.2,
    };
    const QUICK: Defaults = Defaults {
        calls: 1,
        reps: 100,
        warmup_s: 0.01,
    };

    fn cells(input: &PlanInput<'_>) -> Vec<ServeCell> {
        let mut out = Vec::new();
        for (runtime, abi) in targets(input) {
            for &lifecycle in Lifecycle::ALL {
                for &allocator in Allocator::ALL {
                    out.push(ServeCell {
                        host: input.host,
                        runtime,
                        abi,
                        own: ServeWork {
                            lifecycle,
                            allocator,
                        },
                    });
                }
            }
        }
        out
    }

    fn run(cell: &ServeCell, protocol: &Protocol, inputs: &Inputs, tick: &mut dyn FnMut()) -> Outcome {
        let of = cell.guest();
        let guest = match chain::guest(&inputs.guests, &of) {
            Ok(g) => g,
            Err(unsupported) => return unsupported,
        };
        chain::sandboxed(
            cell.runtime,
            cell.own.allocator.config(),
            cell.abi,
            Caching::Cached,
            CallStyle::Typed,
            chain::Micro(Step {
                guest,
                lifecycle: cell.own.lifecycle,
                protocol,
                tick,
            }),
        )
    }
}

/// Every runtime × ABI with a micro guest, its own factors at their first
/// value (cached, as phases plans them): the targets of a serving cell.
pub(super) fn targets(input: &PlanInput<'_>) -> Vec<(RuntimeId, AbiChoice)> {
    let mut out = Vec::new();
    for &runtime in input.runtimes {
        for &abi in input.abis {
            if !abi.info().workloads.contains(&Workload::Micro) {
                continue;
            }
            if let Some(&choice) = abi.choices(Workload::Micro, Caching::Cached).first() {
                out.push((runtime, choice));
            }
        }
    }
    out
}

factor_enum! {
    /// What a server does with an instance between requests.
    pub enum Lifecycle ("lifecycle", "a fresh instance per request (instantiate, call, drop, \
        all timed) or a call on an instance kept across requests") {
        /// Instantiate, call, drop: nothing survives a request.
        PerRequest = "per-request",
        /// One instance made before timing, called once per request.
        Kept = "kept",
    }
}

factor_enum! {
    /// How the engine allocates instances.
    pub enum Allocator ("allocator", "Wasmtime's default on-demand instance allocator, or its \
        pooling allocator (1,000 slots reserved once, reused); the other engines have only \
        the first") {
        /// Every instance maps its own memories and tables when made.
        OnDemand = "on-demand",
        /// Slots reserved once per engine and reused.
        Pooling = "pooling",
    }
}

impl Allocator {
    /// The engine configuration it stands for: the engines' defaults
    /// (limits off), with a pool of [`POOL`] slots when pooling.
    pub fn config(self) -> EngineConfig {
        EngineConfig {
            pool: match self {
                Allocator::OnDemand => None,
                Allocator::Pooling => Some(POOL),
            },
            ..EngineConfig::default()
        }
    }
}

factor_set! {
    /// A serve cell's own factors.
    pub struct ServeWork {
        /// Fresh instance per request, or kept.
        pub lifecycle: Lifecycle,
        /// On-demand or pooled instances.
        pub allocator: Allocator,
    }
}

impl HostedWork for ServeWork {
    const WORKLOAD: Workload = Workload::Micro;
}

/// A serve cell: one runtime and ABI guest, a lifecycle and an allocator
/// (no native baseline: native code has no instances).
pub type ServeCell = Targeted<ServeWork>;

struct Step<'a> {
    guest: &'a [u8],
    lifecycle: Lifecycle,
    protocol: &'a Protocol,
    tick: &'a mut dyn FnMut(),
}

impl MicroVisitor for Step<'_> {
    type Output = Outcome;
    fn visit<Ld: Loader>(self, loader: Ld) -> Outcome
    where
        Ld::Host: Multiply<Error = runtimes::Error> + 'static,
    {
        let (module, phases) = match timed_compile(&loader, self.guest) {
            Ok(m) => m,
            Err(e) => return Outcome::Error(e),
        };
        let result = match self.lifecycle {
            Lifecycle::PerRequest => {
                let mut subject = PerRequest {
                    loader: &loader,
                    module: &module,
                };
                measure(&mut subject, self.protocol, self.tick)
            }
            Lifecycle::Kept => match loader.instantiate(&module) {
                Ok(host) => measure(&mut Kept { host }, self.protocol, self.tick),
                Err(e) => Err(e.into()),
            },
        };
        Outcome::measured(result, phases, None)
    }
}

/// Compiles the guest once, before timing, and says how long it took.
fn timed_compile<Ld: Loader>(
    loader: &Ld,
    wasm: &[u8],
) -> Result<(Ld::Module, SetupTimes), CellError> {
    let start = std::time::Instant::now();
    let module = loader.compile(wasm)?;
    let setup = SetupTimes {
        compile_s: Some(start.elapsed().as_secs_f64()),
        instantiate_s: None,
    };
    Ok((module, setup))
}

/// A request on a fresh instance: instantiate, call, drop, timed
/// together; the answer checked after.
struct PerRequest<'a, Ld: Loader> {
    loader: &'a Ld,
    module: &'a Ld::Module,
}

impl<Ld: Loader> Subject for PerRequest<'_, Ld>
where
    Ld::Host: Multiply<Error = runtimes::Error>,
{
    fn replicate(&mut self, calls: u64) -> Result<Duration, CellError> {
        debug_assert_eq!(calls, 1, "a serve replicate is one request");
        let (a, b) = micro::operands_i32(0);
        let start = Timer::start();
        let served = self.loader.instantiate(self.module).and_then(|mut host| {
            let got = host.mul_i32(black_box(a), black_box(b));
            drop(host);
            got
        });
        let elapsed = start.stop();
        verify(served?, a, b)?;
        Ok(elapsed)
    }
}

/// A request on the kept instance: the call alone.
struct Kept<H> {
    host: H,
}

impl<H: Multiply<Error = runtimes::Error>> Subject for Kept<H> {
    fn replicate(&mut self, calls: u64) -> Result<Duration, CellError> {
        debug_assert_eq!(calls, 1, "a serve replicate is one request");
        let (a, b) = micro::operands_i32(0);
        let start = Timer::start();
        let got = self.host.mul_i32(black_box(a), black_box(b));
        let elapsed = start.stop();
        verify(got?, a, b)?;
        Ok(elapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abis::AbiId;
    use crate::cell::Cell;
    use crate::factors::HostProfile;
    use crate::guests::Guests;
    use crate::workload::SimOptions;

    fn plan(runtimes: &[RuntimeId]) -> Vec<ServeCell> {
        let sim = SimOptions::quick();
        let guests = Guests::default();
        Serve::cells(&PlanInput {
            host: HostProfile::Dev,
            runtimes,
            abis: &[AbiId::Pair],
            sim: &sim,
            guests: &guests,
        })
    }

    #[test]
    fn every_lifecycle_meets_every_allocator() {
        let cells = plan(&[RuntimeId::Wasmtime]);
        assert_eq!(cells.len(), Lifecycle::ALL.len() * Allocator::ALL.len());
        let ids: Vec<String> = cells.iter().map(|c| Cell::Serve(*c).id()).collect();
        assert!(
            ids.iter()
                .any(|i| i.contains("lifecycle=per-request,allocator=pooling")),
            "{ids:?}"
        );
    }

    /// Where an engine has no pool, the pooling cells end `unsupported`
    /// with the engine's reason; on Wasmtime a pooled request is served
    /// and checked.
    #[test]
    fn pooling_runs_on_wasmtime_and_is_refused_with_a_reason_elsewhere() {
        let protocol = Protocol {
            calls: 1,
            reps: 3,
            warmup: Duration::ZERO,
            budget: runtimes::Budget::DEFAULT,
            stop: crate::measure::Stop::Fixed,
        };
        let inputs = Inputs::default();
        let runtimes: Vec<RuntimeId> = [RuntimeId::Wasmtime, RuntimeId::Wasmi]
            .into_iter()
            .filter(|r| r.compiled_in())
            .collect();
        for cell in plan(&runtimes) {
            if cell.own.allocator != Allocator::Pooling {
                continue;
            }
            match (cell.runtime, Serve::run(&cell, &protocol, &inputs, &mut || {})) {
                (RuntimeId::Wasmtime, Outcome::Ok { samples, .. }) => {
                    assert_eq!(samples.replicate_s.len(), 3)
                }
                (RuntimeId::Wasmi, Outcome::Unsupported(why)) => {
                    assert!(why.contains("pooling"), "{why}")
                }
                (r, other) => panic!("{r}: {other:?}"),
            }
        }
    }
}
