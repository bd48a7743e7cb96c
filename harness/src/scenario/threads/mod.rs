//! The threads scenario: how calls scale across threads.
//!
//! A cell runs 1, 2, 4 or 8 threads at once. Each thread has its own store
//! and instance of one module compiled once per cell (natively: its own
//! state), made before the clock starts; all start together at a barrier,
//! each makes `calls` calls (the micro workload's `i32` multiplies, or the
//! simulator replaying a generated trace of `calls` requests under LRU at
//! 4 MiB), and the replicate ends when the last thread is done. A record's
//! `calls` is the total over threads, so `calls / mean_s` is calls per
//! second, and every thread's result is checked against native.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use abi_api::{Abi, Loader, MicroVisitor, SimVisitor};
use cachesim::Simulator;
use factor::{FactorInfo, FactorSet, FactorValue};
use micro::Multiply;
use runtimes::{Caching, CallStyle, Engine, EngineConfig, Linkage, RuntimeId};

use super::chain::{self, ScenarioStep};
use super::define::{Defaults, PlanInput, Scenario, ScenarioCell};
use super::outcome::{Inputs, Outcome, SetupTimes};
use super::spec::{Sandbox, Spec};
use crate::guests::Guests;
use crate::abis::AbiId;
use crate::error::CellError;
use crate::factors::HostProfile;
use crate::measure::{Protocol, Subject, measure};

mod factors;
mod work;

pub use factors::{Threads, ThreadsWork, Workload};
use work::{Job, Multiplier, Replayer, Work};

/// The threads scenario: calls per second with 1 to 8 threads.
pub struct ThreadsScenario;

impl Scenario for ThreadsScenario {
    type Cell = ThreadsSpec;
    const ABOUT: &'static str =
        "calls per second with 1, 2, 4 and 8 threads, one instance each of one module";
    const DRIVES: &'static [factor::Workload] = &[factor::Workload::Micro, factor::Workload::Sim];
    const UNCOUNTED: Option<&'static str> = Some(
        "it asks how calls scale across threads, and Valgrind runs a process's threads one at a time",
    );

    fn factors() -> Vec<FactorInfo> {
        ThreadsWork::INFO.to_vec()
    }

    // Calls (or requests) per thread.
    const DEFAULTS: Defaults = Defaults {
        calls: 100_000,
        reps: 20,
        warmup_s: 0.1,
    };
    const QUICK: Defaults = Defaults {
        calls: 2_000,
        reps: 3,
        warmup_s: 0.0,
    };

    fn cells(input: &PlanInput<'_>) -> Vec<ThreadsSpec> {
        cells(input.host, input.runtimes, input.abis)
    }

    fn run(
        cell: &ThreadsSpec,
        protocol: &Protocol,
        inputs: &Inputs,
        tick: &mut dyn FnMut(),
    ) -> Outcome {
        run(cell, protocol, &inputs.guests, tick)
    }
}

impl ScenarioCell for ThreadsSpec {
    fn target(&self) -> Option<(RuntimeId, AbiId)> {
        Spec::target(self)
    }
    fn host(&self) -> HostProfile {
        self.host
    }
    /// Host, work, then the ABI's own factors in the workload's scenario.
    fn values(&self) -> Vec<FactorValue> {
        let mut v = vec![FactorValue::of(self.host)];
        v.extend(self.work.all_values());
        if let Some(s) = &self.sandbox {
            v.extend(s.abi.values(self.work.workload.drives()));
        }
        v
    }
    fn baseline(&self) -> ThreadsSpec {
        self.native()
    }
}

/// The cell of a threads run: its ABI's own factors take their first
/// value in the workload's scenario.
pub type ThreadsSpec = Spec<ThreadsWork, ()>;

/// Natives (every workload × thread count), then every runtime × ABI ×
/// workload the ABI carries × thread count.
pub fn cells(host: HostProfile, runtimes: &[RuntimeId], abis: &[AbiId]) -> Vec<ThreadsSpec> {
    let spec = |workload, threads, sandbox| Spec {
        host,
        work: ThreadsWork { workload, threads },
        sandbox,
    };
    let mut out = Vec::new();
    for &w in Workload::ALL {
        for &t in Threads::ALL {
            out.push(spec(w, t, None));
        }
    }
    for &runtime in runtimes {
        for &abi in abis {
            for &w in Workload::ALL {
                if !abi.info().workloads.contains(&w.drives()) {
                    continue;
                }
                let Some(&choice) = abi.choices(w.drives(), Caching::Cached).first() else {
                    continue;
                };
                for &t in Threads::ALL {
                    let sandbox = Sandbox {
                        runtime,
                        abi: choice,
                        link: (),
                    };
                    out.push(spec(w, t, Some(sandbox)));
                }
            }
        }
    }
    out
}

/// Measures one threads cell.
pub fn run(
    spec: &ThreadsSpec,
    protocol: &Protocol,
    guests: &Guests,
    tick: &mut dyn FnMut(),
) -> Outcome {
    let job = match Job::new(spec.work, protocol.calls) {
        Ok(j) => j,
        Err(e) => return Outcome::Error(e),
    };
    match &spec.sandbox {
        None => match spec.work.workload {
            Workload::Micro => {
                let native = NativeLoader::<Multiplier<micro::Native>>::default();
                job.measure(&native, (), protocol, tick)
            }
            Workload::Sim => {
                let native = NativeLoader::<Replayer<cachesim::Native>>::default();
                job.measure(&native, (), protocol, tick)
            }
        },
        Some(sb) => {
            let of = spec.guest();
            let guest = match chain::guest(guests, &of) {
                Ok(g) => g,
                Err(unsupported) => return unsupported,
            };
            chain::sandboxed(
                sb.runtime,
                EngineConfig::default(),
                sb.abi,
                Caching::Cached,
                CallStyle::Typed,
                Step {
                    guest,
                    job,
                    protocol,
                    tick,
                },
            )
        }
    }
}

/// A loader for native cells: its "instances" are fresh native states.
struct NativeLoader<H>(std::marker::PhantomData<fn() -> H>);

impl<H> Default for NativeLoader<H> {
    fn default() -> Self {
        NativeLoader(std::marker::PhantomData)
    }
}

impl<H: Default> Loader for NativeLoader<H> {
    type Module = ();
    type Host = H;
    fn compile(&self, _: &[u8]) -> runtimes::Result<()> {
        Ok(())
    }
    fn instantiate(&self, _: &()) -> runtimes::Result<H> {
        Ok(H::default())
    }
}

impl Job {
    fn measure<Ld: Loader>(
        &self,
        loader: &Ld,
        module: Ld::Module,
        protocol: &Protocol,
        tick: &mut dyn FnMut(),
    ) -> Outcome
    where
        Ld::Host: Work,
    {
        let threads = self.work.threads.count();
        let mut subject = Parallel {
            loader,
            module: &module,
            job: self,
            threads,
        };
        let per_thread = Protocol {
            calls: self.calls,
            ..*protocol
        };
        let result = measure(&mut subject, &per_thread, tick).map(|mut s| {
            s.calls = self.calls * threads as u64;
            s
        });
        Outcome::measured(result, SetupTimes::default(), None)
    }
}

/// One replicate: every thread instantiates (untimed), waits at the
/// barrier, works. Each thread reads the clock itself as it leaves the
/// barrier and as it finishes; the replicate is the span from the first
/// start to the last finish. (Read by the spawning thread instead, the
/// clock missed work: with more threads than cores that thread may not run
/// again until the workers are done.)
struct Parallel<'a, Ld: Loader> {
    loader: &'a Ld,
    module: &'a Ld::Module,
    job: &'a Job,
    threads: usize,
}

impl<Ld: Loader> Subject for Parallel<'_, Ld>
where
    Ld::Host: Work,
{
    fn replicate(&mut self, _calls: u64) -> Result<Duration, CellError> {
        let barrier = Barrier::new(self.threads + 1);
        let (loader, module, job) = (self.loader, self.module, self.job);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..self.threads)
                .map(|_| {
                    let barrier = &barrier;
                    s.spawn(move || -> Result<(Instant, Instant), CellError> {
                        let ready = loader
                            .instantiate(module)
                            .map_err(CellError::from)
                            .and_then(|mut h| h.prepare(job).map(|()| h));
                        barrier.wait();
                        let mut host = ready?;
                        let start = Instant::now();
                        let result = host.work(job);
                        let end = Instant::now();
                        host.check(job, result?)?;
                        Ok((start, end))
                    })
                })
                .collect();
            barrier.wait();
            let mut span: Option<(Instant, Instant)> = None;
            for h in handles {
                let (start, end) = match h.join() {
                    Ok(r) => r?,
                    Err(_) => {
                        return Err(CellError::new(
                            crate::error::ErrorClass::Host,
                            "a worker thread panicked",
                        ));
                    }
                };
                span = Some(match span {
                    None => (start, end),
                    Some((s0, e0)) => (s0.min(start), e0.max(end)),
                });
            }
            let (start, end) = span.expect("at least one thread");
            Ok(end - start)
        })
    }
}

struct Step<'a> {
    guest: &'a [u8],
    job: Job,
    protocol: &'a Protocol,
    tick: &'a mut dyn FnMut(),
}

impl ScenarioStep for Step<'_> {
    fn run<E: Engine, A: Abi, L: Linkage>(self, engine: E, own: A::Factors) -> Outcome {
        let guest = self.guest;
        let result = match self.job.work.workload {
            Workload::Micro => A::micro::<E, L, _>(engine, own, Load { guest, step: self }),
            Workload::Sim => A::sim::<E, L, _>(engine, own, Load { guest, step: self }),
        };
        result.unwrap_or_else(Outcome::failed)
    }
}

struct Load<'a> {
    guest: &'a [u8],
    step: Step<'a>,
}

impl Load<'_> {
    fn go<Ld: Loader>(self, loader: Ld) -> Outcome
    where
        Ld::Host: Work,
    {
        let module = match loader.compile(self.guest) {
            Ok(m) => m,
            Err(e) => return Outcome::failed(e),
        };
        let s = self.step;
        s.job.measure(&loader, module, s.protocol, s.tick)
    }
}

/// Wraps a loader's hosts in a work adapter.
struct Wrap<Ld, W>(Ld, fn(<Ld as Loader>::Host) -> W)
where
    Ld: Loader;

impl<Ld: Loader, W> Loader for Wrap<Ld, W> {
    type Module = Ld::Module;
    type Host = W;
    fn compile(&self, wasm: &[u8]) -> runtimes::Result<Ld::Module> {
        self.0.compile(wasm)
    }
    fn instantiate(&self, m: &Ld::Module) -> runtimes::Result<W> {
        self.0.instantiate(m).map(self.1)
    }
}

impl MicroVisitor for Load<'_> {
    type Output = Outcome;
    fn visit<Ld: Loader>(self, loader: Ld) -> Outcome
    where
        Ld::Host: Multiply<Error = runtimes::Error> + 'static,
    {
        self.go(Wrap(loader, Multiplier))
    }
}

impl SimVisitor for Load<'_> {
    type Output = Outcome;
    fn visit<Ld: Loader>(self, loader: Ld) -> Outcome
    where
        Ld::Host: Simulator<Error = runtimes::Error> + 'static,
    {
        self.go(Wrap(loader, Replayer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natives_cover_every_workload_and_thread_count() {
        use crate::cell::Cell;
        let cells: Vec<Cell> = cells(HostProfile::Dev, &[RuntimeId::Wasmtime], &[AbiId::Pair])
            .into_iter()
            .map(Cell::Threads)
            .collect();
        let natives = Workload::ALL.len() * Threads::ALL.len();
        assert!(cells[..natives].iter().all(Cell::is_native));
        assert_eq!(cells.len(), natives * 2);
        for c in &cells[natives..] {
            assert!(cells[..natives].contains(&c.baseline()), "{}", c.label());
        }
    }

    #[test]
    fn native_threads_give_native_results() {
        let p = Protocol {
            calls: 500,
            reps: 2,
            warmup: Duration::ZERO,
            budget: runtimes::Budget::DEFAULT,
            stop: crate::measure::Stop::Fixed,
        };
        for &workload in Workload::ALL {
            let spec = Spec {
                host: HostProfile::Dev,
                work: ThreadsWork {
                    workload,
                    threads: Threads::T4,
                },
                sandbox: None,
            };
            match run(&spec, &p, &Guests::default(), &mut || {}) {
                Outcome::Ok { samples, .. } => assert_eq!(samples.calls, 2000),
                other => panic!("{workload}: {other:?}"),
            }
        }
    }
}
