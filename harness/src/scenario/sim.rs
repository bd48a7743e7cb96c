//! The simulator scenario: a whole trace per replicate, one call per
//! request, natively or with the policy inside the guest.

use std::time::{Duration, Instant};

use abi_api::{Abi, Choice, CoreLoader, Loader, SimLoaderVisitor, SimVisitor};
use cachesim::{Policy, Request, Simulator, Stats};
use runtimes::{CachedTyped, Caching, Engine, EngineVisitor, RuntimeId, UncachedTyped};

use super::micro::unsupported_or_error;
use super::{CellSpec, Inputs, Outcome, Phases, Scenario, Target, own_values, parse};
use crate::abis::{AbiId, AbiVisitor, with_abi};
use crate::factors::{self, CACHING};
use crate::measure::{Protocol, Subject, measure};
use crate::size;

/// The replacement policy.
pub const POLICY: abi_api::Factor = abi_api::Factor {
    name: "policy",
    values: &["fifo", "lru", "lfu", "gds"],
    about: "the cache replacement policy (runs in the guest)",
};

/// The cache capacity; its values come from `--cache-size` and `--sweep`.
pub const CACHE_SIZE: &str = "cache-size";

/// The factors every sandboxed sim cell has (besides `cache-size`).
pub const SIM: &[abi_api::Factor] = &[POLICY, CACHING];

/// Per policy: native cells at every size (sandboxed sizes and the
/// sweep), then runtime × ABI × caching × ABI factors at the sandboxed sizes.
pub fn cells(runtimes: &[RuntimeId], abis: &[AbiId], inputs: &Inputs) -> Vec<CellSpec> {
    let host = factors::host_profile();
    let leak = |b: u64| -> &'static str { Box::leak(size::format(b).into_boxed_str()) };
    let mut native_sizes: Vec<u64> = inputs.sizes.iter().chain(&inputs.sweep).copied().collect();
    native_sizes.sort_unstable();
    native_sizes.dedup();
    let mut out = Vec::new();
    for policy in Policy::ALL {
        for &bytes in &native_sizes {
            out.push(CellSpec {
                scenario: Scenario::Sim,
                target: Target::Native,
                factors: vec![
                    (factors::HOST_PROFILE, host),
                    ("policy", policy.id()),
                    (CACHE_SIZE, leak(bytes)),
                ],
            });
        }
    }
    for &runtime in runtimes {
        for &abi in abis {
            let info = abi.info();
            if !info.scenarios.contains(&"sim") {
                continue;
            }
            for policy in Policy::ALL {
                for &bytes in &inputs.sizes {
                    for caching in CACHING.values {
                        for own in factors::product(info.sim_factors) {
                            let mut f = vec![
                                (factors::HOST_PROFILE, host),
                                ("policy", policy.id()),
                                (CACHE_SIZE, leak(bytes)),
                                ("caching", *caching),
                            ];
                            f.extend(own);
                            out.push(CellSpec {
                                scenario: Scenario::Sim,
                                target: Target::Wasm { runtime, abi },
                                factors: f,
                            });
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
    spec: &CellSpec,
    protocol: &Protocol,
    inputs: &Inputs,
    tick: &mut dyn FnMut(),
) -> Outcome {
    let policy: Policy = parse(spec, "policy");
    let capacity = size::parse(spec.factor(CACHE_SIZE).expect("sim cell without a size"))
        .expect("sizes in cells are well formed");
    let batch = spec
        .factor("batch")
        .map(|b| b.parse::<usize>().expect("batch is a number"));
    let job = Job {
        policy,
        capacity,
        batch: batch.unwrap_or(1),
        trace: &inputs.trace,
        expected: expected(policy, capacity, &inputs.trace),
        protocol,
    };
    match spec.target {
        Target::Native => job.measure(cachesim::Native::default(), Phases::default(), tick),
        Target::Wasm { runtime, abi } if abi.info().component => with_abi(
            abi,
            ComponentStep {
                spec,
                runtime,
                job,
                tick,
            },
        ),
        Target::Wasm { runtime, abi } => runtimes::visit(
            runtime,
            EngineStep {
                spec,
                abi,
                job,
                tick,
            },
        )
        .unwrap_or_else(unsupported_or_error),
    }
}

/// What every sim cell does, whatever runs the policy.
struct Job<'a> {
    policy: Policy,
    capacity: u64,
    /// Requests per call: 1 sends each alone, more uses `send_batch`.
    batch: usize,
    trace: &'a [Request],
    expected: Stats,
    protocol: &'a Protocol,
}

impl Job<'_> {
    fn measure<S: Simulator>(self, sim: S, phases: Phases, tick: &mut dyn FnMut()) -> Outcome
    where
        S::Error: std::fmt::Display,
    {
        let mut subject = Replay {
            sim,
            policy: self.policy,
            capacity: self.capacity,
            batch: self.batch,
            trace: self.trace,
            expected: self.expected,
        };
        match measure(&mut subject, self.protocol, tick) {
            Ok(samples) => Outcome::Ok {
                samples,
                phases,
                stats: Some(self.expected),
            },
            Err(e) => Outcome::Error(e),
        }
    }
}

/// The timed work of one replicate: every request, one call each.
#[inline(never)]
fn send_all<S: Simulator>(sim: &mut S, trace: &[Request]) -> Result<u64, S::Error> {
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

/// One replicate: restart the simulator (untimed), replay the trace
/// (timed), then check the counters against native's (untimed).
struct Replay<'a, S> {
    sim: S,
    policy: Policy,
    capacity: u64,
    batch: usize,
    trace: &'a [Request],
    expected: Stats,
}

impl<S: Simulator> Subject for Replay<'_, S>
where
    S::Error: std::fmt::Display,
{
    fn replicate(&mut self, _calls: u64) -> Result<Duration, String> {
        self.sim
            .init(self.policy, self.capacity)
            .map_err(|e| e.to_string())?;
        let start = Instant::now();
        let result = if self.batch > 1 {
            send_batched(&mut self.sim, self.trace, self.batch)
        } else {
            send_all(&mut self.sim, self.trace)
        };
        let elapsed = start.elapsed();
        let hits = result.map_err(|e| e.to_string())?;
        let stats = self.sim.stats().map_err(|e| e.to_string())?;
        if stats != self.expected || hits != stats.hits {
            return Err(format!(
                "wrong result: {} hits, {} byte hits over {} requests (counted {hits} hits); \
                 native gives {} hits, {} byte hits",
                stats.hits,
                stats.byte_hits,
                stats.requests,
                self.expected.hits,
                self.expected.byte_hits
            ));
        }
        Ok(elapsed)
    }
}

struct EngineStep<'a> {
    spec: &'a CellSpec,
    abi: AbiId,
    job: Job<'a>,
    tick: &'a mut dyn FnMut(),
}

impl EngineVisitor for EngineStep<'_> {
    type Output = Outcome;
    fn visit<E: Engine>(self, engine: E) -> Outcome {
        with_abi(self.abi, AbiStep { step: self, engine })
    }
}

struct AbiStep<'a, E> {
    step: EngineStep<'a>,
    engine: E,
}

impl<E: Engine> AbiVisitor for AbiStep<'_, E> {
    type Output = Outcome;
    fn visit<A: Abi>(self) -> Outcome {
        let spec = self.step.spec;
        let own = own_values(spec, A::SIM_FACTORS);
        let choice = Choice::new(A::SIM_FACTORS, &own);
        let caching: Caching = parse(spec, "caching");
        let guest = guest_artifacts::guest(A::GUEST).expect("every ABI has a guest");
        let host = HostStep {
            engine: self.engine,
            guest,
            job: self.step.job,
            tick: self.step.tick,
        };
        type I<E> = <E as Engine>::Instance;
        let outcome = match caching {
            Caching::Cached => A::sim::<I<E>, CachedTyped, _>(choice, host),
            Caching::Uncached => A::sim::<I<E>, UncachedTyped, _>(choice, host),
        };
        outcome.unwrap_or_else(|| {
            Outcome::Unsupported(format!(
                "the {} ABI does not implement the simulator",
                A::ID
            ))
        })
    }
}

struct HostStep<'a, E> {
    engine: E,
    guest: &'static [u8],
    job: Job<'a>,
    tick: &'a mut dyn FnMut(),
}

impl<E: Engine> SimVisitor<E::Instance> for HostStep<'_, E> {
    type Output = Outcome;

    fn visit<S: Simulator<Error = runtimes::Error> + 'static>(
        self,
        open: fn(E::Instance) -> runtimes::Result<S>,
    ) -> Outcome {
        let loader = CoreLoader {
            engine: self.engine,
            open,
        };
        load_and_measure(&loader, self.guest, self.job, self.tick)
    }
}

/// A component ABI's cell: the ABI brings its own loader.
struct ComponentStep<'a> {
    spec: &'a CellSpec,
    runtime: RuntimeId,
    job: Job<'a>,
    tick: &'a mut dyn FnMut(),
}

impl AbiVisitor for ComponentStep<'_> {
    type Output = Outcome;
    fn visit<A: Abi>(self) -> Outcome {
        let own = own_values(self.spec, A::SIM_FACTORS);
        let choice = Choice::new(A::SIM_FACTORS, &own);
        let step = LoaderStep {
            guest: guest_artifacts::guest(A::GUEST).expect("every ABI has a guest"),
            job: self.job,
            tick: self.tick,
        };
        match A::sim_component(self.runtime, parse(self.spec, "caching"), choice, step) {
            Ok(Some(outcome)) => outcome,
            Ok(None) => Outcome::Unsupported(format!("the {} ABI has no simulator", A::ID)),
            Err(e) => unsupported_or_error(e),
        }
    }
}

struct LoaderStep<'a> {
    guest: &'static [u8],
    job: Job<'a>,
    tick: &'a mut dyn FnMut(),
}

impl SimLoaderVisitor for LoaderStep<'_> {
    type Output = Outcome;
    fn visit<Ld: Loader>(self, loader: Ld) -> Outcome
    where
        Ld::Host: Simulator<Error = runtimes::Error> + 'static,
    {
        load_and_measure(&loader, self.guest, self.job, self.tick)
    }
}

/// Compiles and instantiates (timing both phases), then measures replays.
fn load_and_measure<Ld: Loader>(
    loader: &Ld,
    guest: &'static [u8],
    job: Job<'_>,
    tick: &mut dyn FnMut(),
) -> Outcome
where
    Ld::Host: Simulator<Error = runtimes::Error>,
{
    let t0 = Instant::now();
    let module = match loader.compile(guest) {
        Ok(m) => m,
        Err(e) => return Outcome::Error(e.to_string()),
    };
    let t1 = Instant::now();
    let host = match loader.instantiate(&module) {
        Ok(h) => h,
        Err(e) => return Outcome::Error(e.to_string()),
    };
    let phases = Phases {
        compile_s: Some((t1 - t0).as_secs_f64()),
        instantiate_s: Some(t1.elapsed().as_secs_f64()),
    };
    job.measure(host, phases, tick)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natives_cover_the_sweep_and_sandboxed_cells_the_sizes() {
        let inputs = Inputs {
            trace: vec![],
            sizes: vec![4 << 20],
            sweep: vec![1 << 20, 4 << 20],
        };
        let cells = cells(
            &[RuntimeId::Wasmtime],
            &[AbiId::Pair, AbiId::Bytemuck],
            &inputs,
        );
        let natives = cells.iter().filter(|c| c.target == Target::Native).count();
        assert_eq!(natives, 4 * 2);
        // Pair: 4 policies × 2 caching; Bytemuck: × 2 memory.
        assert_eq!(cells.len() - natives, 4 * 2 + 4 * 2 * 2);
        for c in cells.iter().filter(|c| c.target != Target::Native) {
            assert_eq!(c.factor(CACHE_SIZE), Some("4MiB"));
            assert_eq!(
                cells.iter().filter(|n| c.has_baseline(n)).count(),
                1,
                "{}",
                c.label()
            );
        }
    }

    #[test]
    fn a_wrong_hit_count_fails_the_cell() {
        /// Reports every request as a miss.
        #[derive(Default)]
        struct Liar(cachesim::Native);
        impl Simulator for Liar {
            type Error = std::convert::Infallible;
            fn init(&mut self, p: Policy, c: u64) -> Result<(), Self::Error> {
                self.0.init(p, c)
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
            policy: Policy::Lru,
            capacity: 1000,
            batch: 1,
            trace: &trace,
            expected: expected(Policy::Lru, 1000, &trace),
        };
        assert!(r.replicate(0).unwrap_err().starts_with("wrong result"));
        let mut ok = Replay {
            sim: cachesim::Native::default(),
            policy: Policy::Lru,
            capacity: 1000,
            batch: 7,
            trace: &trace,
            expected: expected(Policy::Lru, 1000, &trace),
        };
        assert!(ok.replicate(0).is_ok());
    }
}
