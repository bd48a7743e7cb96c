//! The simulator scenario: a whole trace per replicate, one call per
//! request, natively or with the policy inside the guest.

pub mod factors;

use std::time::Duration;

use abi_api::{Abi, Loader, SimVisitor};
use cachesim::{Policy, Request, Setup, Simulator, Stats};
use factor::{FactorInfo, FactorSet, Workload};
use runtimes::{CallStyle, Engine, EngineConfig, Linkage, RuntimeId};

use super::chain::{self, ScenarioStep};
use super::define::{Defaults, PlanInput, ProtocolFlag, Scenario, ScenarioCell};
use super::outcome::{Inputs, Outcome, SetupTimes};
use super::spec::{HostedWork, Sandbox, Spec};
use crate::abis::AbiId;
use crate::error::CellError;
use crate::factors::{Caching, HostProfile};
use crate::measure::{Protocol, Subject, measure, Timer};
pub use factors::{Ablation, Batch, CacheSize, SimLink, SimWork};

/// The simulator scenario (the paper's macro-benchmark).
pub struct Sim;

/// A simulator cell: a policy, a cache size and a build, natively or
/// through an ABI.
pub type SimCell = Spec<SimWork, SimLink>;

impl Scenario for Sim {
    type Cell = SimCell;
    const ABOUT: &'static str = "the web-proxy cache simulator, one call per request of a trace";
    const DRIVES: &'static [Workload] = &[Workload::Sim];
    const TRACE: bool = true;
    const REFUSES: &'static [(ProtocolFlag, &'static str)] =
        &[(ProtocolFlag::Calls, "a replicate replays the whole trace")];

    const HELD: &'static [(&'static str, &'static str)] = &[("limits", "off")];

    fn factors() -> Vec<FactorInfo> {
        [SimWork::INFO, SimLink::INFO].concat()
    }

    // One warm-up replay of the trace; the calls are the trace's length.
    const DEFAULTS: Defaults = Defaults {
        calls: 0,
        reps: 10,
        warmup_s: 1e-9,
    };
    const QUICK: Defaults = Defaults {
        calls: 0,
        reps: 3,
        warmup_s: 1e-9,
    };

    fn cells(input: &PlanInput<'_>) -> Vec<SimCell> {
        cells(
            input.host,
            input.runtimes,
            input.abis,
            &input.sim.sizes,
            &input.sim.sweep,
            &input.sim.ablations,
        )
    }

    fn run(
        cell: &SimCell,
        protocol: &Protocol,
        inputs: &Inputs,
        tick: &mut dyn FnMut(),
    ) -> Outcome {
        run(cell, protocol, inputs, tick)
    }
}

impl HostedWork for SimWork {
    const WORKLOAD: Workload = Workload::Sim;
    fn variant(&self) -> Option<&'static str> {
        self.ablation.guest_variant()
    }
}

/// Per policy and ablation: native cells at every size (sandboxed sizes
/// and the sweep), then runtime × ABI × link × ABI factors at the
/// sandboxed sizes. Batches above 1 exist for the ABIs that carry a batch
/// in one call; an ablation that has no meaning for a policy (a heap for
/// FIFO or GD-Size) has no cells.
pub fn cells(
    host: HostProfile,
    runtimes: &[RuntimeId],
    abis: &[AbiId],
    sizes: &[CacheSize],
    sweep: &[CacheSize],
    ablations: &[Ablation],
) -> Vec<SimCell> {
    let spec = |policy, cache_size, ablation, sandbox| Spec {
        host,
        work: SimWork {
            policy,
            cache_size,
            ablation,
        },
        sandbox,
    };
    let applies = |a: Ablation, p: Policy| a.setup(p, || 0).is_some();
    let mut native_sizes: Vec<CacheSize> = sizes.iter().chain(sweep).copied().collect();
    native_sizes.sort_unstable();
    native_sizes.dedup();
    let mut out = Vec::new();
    for &policy in Policy::ALL {
        for &ablation in ablations.iter().filter(|&&a| applies(a, policy)) {
            for &size in &native_sizes {
                out.push(spec(policy, size, ablation, None));
            }
        }
    }
    for &runtime in runtimes {
        for &abi in abis {
            let info = abi.info();
            if !info.workloads.contains(&Workload::Sim) {
                continue;
            }
            for &policy in Policy::ALL {
                for (&ablation, &size) in ablations
                    .iter()
                    .filter(|&&a| applies(a, policy))
                    .flat_map(|a| sizes.iter().map(move |s| (a, s)))
                {
                    for link in SimLink::combinations(Workload::Sim) {
                        // The in-guest replay calls once per replicate:
                        // caching has nothing to change, so cached only.
                        let in_guest = link.batch == Batch::InGuest;
                        if in_guest && link.caching == Caching::Uncached {
                            continue;
                        }
                        if !link.batch.is_single() && !in_guest && !info.batches {
                            continue;
                        }
                        for choice in abi.choices(Workload::Sim, link.caching) {
                            let sandbox = Sandbox {
                                runtime,
                                abi: choice,
                                link,
                            };
                            out.push(spec(policy, size, ablation, Some(sandbox)));
                        }
                    }
                }
            }
        }
    }
    out
}

/// The counters native execution gives for a policy, capacity and trace.
pub fn expected(policy: Policy, capacity: u64, trace: &[Request]) -> Stats {
    let mut cache = cachesim::Cache::new(policy, capacity);
    for &r in trace {
        cache.send(r);
    }
    cache.stats()
}

/// Measures one sim cell.
pub fn run(
    spec: &Spec<SimWork, SimLink>,
    protocol: &Protocol,
    inputs: &Inputs,
    tick: &mut dyn FnMut(),
) -> Outcome {
    let SimWork {
        policy,
        cache_size,
        ablation,
    } = spec.work;
    let capacity = cache_size.bytes();
    let Some(setup) = ablation.setup(policy, || distinct_objects(&inputs.trace)) else {
        return Outcome::Unsupported(format!("{ablation} does not apply to {policy}"));
    };
    // Every build must give the default build's counters.
    let job = Job {
        setup,
        capacity,
        batch: spec.sandbox.map_or(Batch::One, |s| s.link.batch),
        trace: &inputs.trace,
        expected: expected(policy, capacity, &inputs.trace),
        protocol,
    };
    match &spec.sandbox {
        None => job.measure(cachesim::Native::default(), SetupTimes::default(), tick),
        // Wasmer's Singlepass compiles no wasm SIMD instruction.
        Some(sb)
            if ablation == Ablation::GuestSimd128 && sb.runtime == RuntimeId::WasmerSinglepass =>
        {
            Outcome::Unsupported("Singlepass compiles no wasm SIMD (guest-simd128)".into())
        }
        // The simulator's calls are typed, as in the paper.
        Some(sb) => {
            let of = spec.guest();
            let guest = match chain::guest(&inputs.guests, &of) {
                Ok(g) => g,
                Err(unsupported) => return unsupported,
            };
            chain::sandboxed(
                sb.runtime,
                EngineConfig {
                    bounds_checks: ablation == Ablation::BoundsChecked,
                    ..EngineConfig::new(sb.link.limits, protocol.budget)
                },
                sb.abi,
                sb.link.caching,
                CallStyle::Typed,
                SimStep { guest, job, tick },
            )
        }
    }
}

/// How many distinct object ids `trace` requests: what a presized
/// cache reserves room for (it never holds more).
fn distinct_objects(trace: &[Request]) -> u64 {
    let mut ids: Vec<u32> = trace.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.len() as u64
}

/// What every sim cell does, whatever runs the policy.
struct Job<'a> {
    /// The policy and how its cache is built.
    setup: Setup,
    capacity: u64,
    /// Requests per call: 1 sends each alone, more uses `send_batch`.
    batch: Batch,
    trace: &'a [Request],
    expected: Stats,
    protocol: &'a Protocol,
}

impl Job<'_> {
    fn measure<S: Simulator>(
        self,
        mut sim: S,
        phases: SetupTimes,
        tick: &mut dyn FnMut(),
    ) -> Outcome
    where
        CellError: From<S::Error>,
    {
        // An ABI that cannot carry the setup says so at the first init.
        if let Err(e) = sim.init(self.setup, self.capacity) {
            let e = CellError::from(e);
            if e.class == crate::error::ErrorClass::Unsupported {
                return Outcome::Unsupported(e.message);
            }
            return Outcome::Error(e);
        }
        if self.batch == Batch::InGuest {
            // The trace goes into the guest once, before anything is timed.
            match sim.in_guest() {
                None => {
                    return Outcome::Unsupported(
                        "this ABI's guest has no in-guest replay".to_string(),
                    );
                }
                Some(g) => {
                    if let Err(e) = g.load(self.trace) {
                        return Outcome::Error(e.into());
                    }
                }
            }
        }
        let mut subject = Replay {
            sim,
            setup: self.setup,
            capacity: self.capacity,
            batch: self.batch,
            trace: self.trace,
            expected: self.expected,
        };
        let result = measure(&mut subject, self.protocol, tick);
        Outcome::measured(result, phases, Some(self.expected))
    }
}

/// The timed work of one replicate: every request, one call each.
#[inline(never)]
pub(crate) fn send_all<S: Simulator>(sim: &mut S, trace: &[Request]) -> Result<u64, S::Error> {
    let mut hits = 0;
    for &r in trace {
        hits += u64::from(sim.send(r)?);
    }
    Ok(hits)
}

/// The timed work of one batched replicate: `batch` requests per call.
#[inline(never)]
fn send_batched<S: Simulator>(
    sim: &mut S,
    trace: &[Request],
    batch: usize,
) -> Result<u64, S::Error> {
    let mut hits = 0;
    for chunk in trace.chunks(batch) {
        hits += u64::from(sim.send_batch(chunk)?);
    }
    Ok(hits)
}

/// The timed work of an in-guest replicate: one call, the trace already
/// in the guest (`Job::measure` checked the replay exists and loaded it).
#[inline(never)]
fn replay_in_guest<S: Simulator>(sim: &mut S) -> Result<u64, S::Error> {
    let g = sim
        .in_guest()
        .expect("checked before measuring: the host has an in-guest replay");
    Ok(u64::from(g.replay()?))
}

/// One replicate: restart the simulator (untimed), replay the trace
/// (timed), then check the counters against native's (untimed).
struct Replay<'a, S> {
    sim: S,
    setup: Setup,
    capacity: u64,
    batch: Batch,
    trace: &'a [Request],
    expected: Stats,
}

impl<S: Simulator> Subject for Replay<'_, S>
where
    CellError: From<S::Error>,
{
    fn replicate(&mut self, _calls: u64) -> Result<Duration, CellError> {
        self.sim.init(self.setup, self.capacity)?;
        let start = Timer::start();
        let result = match self.batch.requests() {
            Some(1) => send_all(&mut self.sim, self.trace),
            Some(n) => send_batched(&mut self.sim, self.trace, n),
            None => replay_in_guest(&mut self.sim),
        };
        let elapsed = start.stop();
        let hits = result?;
        let stats = self.sim.stats()?;
        if stats != self.expected || hits != stats.hits {
            return Err(CellError::wrong_result(format!(
                "wrong result: {} hits, {} byte hits over {} requests (counted {hits} hits); \
                 native gives {} hits, {} byte hits",
                stats.hits,
                stats.byte_hits,
                stats.requests,
                self.expected.hits,
                self.expected.byte_hits
            )));
        }
        Ok(elapsed)
    }
}

struct SimStep<'a> {
    /// The cell's guest (the default build, or an ablation's).
    guest: &'a [u8],
    job: Job<'a>,
    tick: &'a mut dyn FnMut(),
}

impl ScenarioStep for SimStep<'_> {
    fn run<E: Engine, A: Abi, L: Linkage>(self, engine: E, own: A::Factors) -> Outcome {
        let guest = self.guest;
        A::sim::<E, L, _>(engine, own, LoadStep { guest, step: self })
            .unwrap_or_else(Outcome::failed)
    }
}

struct LoadStep<'a> {
    guest: &'a [u8],
    step: SimStep<'a>,
}

impl SimVisitor for LoadStep<'_> {
    type Output = Outcome;
    fn visit<Ld: Loader>(self, loader: Ld) -> Outcome
    where
        Ld::Host: Simulator<Error = runtimes::Error> + 'static,
    {
        match chain::load(&loader, self.guest) {
            Ok((host, phases)) => self.step.job.measure(host, phases, self.step.tick),
            Err(e) => Outcome::Error(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natives_cover_the_sweep_and_sandboxed_cells_the_sizes() {
        let (four, one) = (CacheSize(4 << 20), CacheSize(1 << 20));
        use crate::cell::Cell;
        let cells: Vec<Cell> = cells(
            HostProfile::Dev,
            &[RuntimeId::Wasmtime],
            &[AbiId::Pair, AbiId::Bytemuck],
            &[four],
            &[one, four],
            &[Ablation::None],
        )
        .into_iter()
        .map(Cell::Sim)
        .collect();
        let natives = cells.iter().filter(|c| c.is_native()).count();
        assert_eq!(natives, Policy::ALL.len() * 2);
        // Every caching value; every batch size for an ABI that batches
        // (Bytemuck), batch 1 only for one that does not (Pair); and the
        // in-guest replay, cached only, for both.
        let per_policy: usize = [AbiId::Pair, AbiId::Bytemuck]
            .iter()
            .map(|a| {
                let batches = if a.info().batches {
                    Batch::ALL.len() - 1
                } else {
                    1
                };
                let sent: usize = Caching::ALL
                    .iter()
                    .map(|&c| a.choices(Workload::Sim, c).len() * batches)
                    .sum();
                sent + a.choices(Workload::Sim, Caching::Cached).len()
            })
            .sum();
        assert!(AbiId::Bytemuck.info().batches && !AbiId::Pair.info().batches);
        assert_eq!(
            cells.len() - natives,
            Policy::ALL.len() * per_policy * runtimes::Limits::ALL.len()
        );
        for c in cells.iter().filter(|c| !c.is_native()) {
            let Cell::Sim(s) = c else { panic!() };
            assert_eq!(s.work.cache_size, four);
            assert!(cells.contains(&c.baseline()), "{}", c.label());
        }
    }

    #[test]
    fn a_wrong_hit_count_fails_the_cell() {
        /// Reports every request as a miss.
        #[derive(Default)]
        struct Liar(cachesim::Native);
        impl Simulator for Liar {
            type Error = std::convert::Infallible;
            fn init(&mut self, s: Setup, c: u64) -> Result<(), Self::Error> {
                self.0.init(s, c)
            }
            fn send(&mut self, r: Request) -> Result<bool, Self::Error> {
                self.0.send(r).map(|_| false)
            }
            fn stats(&mut self) -> Result<Stats, Self::Error> {
                self.0.stats()
            }
        }
        let trace: Vec<Request> = (0..100).map(|i| Request::new(i % 7, 10)).collect();
        let mut r = Replay {
            sim: Liar::default(),
            setup: Policy::Lru.into(),
            capacity: 1000,
            batch: Batch::One,
            trace: &trace,
            expected: expected(Policy::Lru, 1000, &trace),
        };
        assert!(
            r.replicate(0)
                .unwrap_err()
                .message
                .starts_with("wrong result")
        );
        let mut ok = Replay {
            sim: cachesim::Native::default(),
            setup: Policy::Lru.into(),
            capacity: 1000,
            batch: Batch::B256,
            trace: &trace,
            expected: expected(Policy::Lru, 1000, &trace),
        };
        assert!(ok.replicate(0).is_ok());
    }
}
