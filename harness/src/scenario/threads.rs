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
use cachesim::{Policy, Request, Simulator, Stats};
use factor::{FactorInfo, FactorSet, FactorValue, factor_enum, factor_set};
use micro::{Checksum, Multiply, Operand};
use runtimes::{Caching, CallStyle, Engine, EngineConfig, Linkage, RuntimeId};

use super::chain::{self, ScenarioStep};
use super::define::{Defaults, PlanInput, Scenario, ScenarioCell};
use super::outcome::{Inputs, Outcome, SetupTimes};
use super::spec::{Sandbox, Spec};
use crate::abis::AbiId;
use crate::error::CellError;
use crate::factors::HostProfile;
use crate::measure::{Protocol, Subject, measure};

/// The threads scenario: calls per second with 1 to 8 threads.
pub struct ThreadsScenario;

impl Scenario for ThreadsScenario {
    type Cell = ThreadsSpec;
    const ABOUT: &'static str =
        "calls per second with 1, 2, 4 and 8 threads, one instance each of one module";
    const DRIVES: &'static [factor::Workload] = &[factor::Workload::Micro, factor::Workload::Sim];

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

    fn run(cell: &ThreadsSpec, protocol: &Protocol, _: &Inputs, tick: &mut dyn FnMut()) -> Outcome {
        run(cell, protocol, tick)
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

factor_enum! {
    /// What each thread of a threads cell runs.
    pub enum Workload ("workload", "what each thread runs: the micro scenario's i32 multiplies, \
        or the simulator replaying a generated trace (LRU, 4 MiB), one call per request") {
        /// `micro_mul_i32`, `calls` times.
        Micro = "micro",
        /// `sim_send`, once per request of a `calls`-request trace.
        Sim = "sim",
    }
}

factor_enum! {
    /// Threads calling at once.
    pub enum Threads ("threads", "threads calling at once, each with its own store and instance \
        of one compiled module") {
        /// One.
        T1 = "1",
        /// Two.
        T2 = "2",
        /// Four.
        T4 = "4",
        /// Eight.
        T8 = "8",
    }
}

impl Threads {
    /// How many.
    pub fn count(self) -> usize {
        match self {
            Threads::T1 => 1,
            Threads::T2 => 2,
            Threads::T4 => 4,
            Threads::T8 => 8,
        }
    }
}

impl Workload {
    /// The ABI workload whose host it drives.
    pub fn drives(self) -> factor::Workload {
        match self {
            Workload::Micro => factor::Workload::Micro,
            Workload::Sim => factor::Workload::Sim,
        }
    }
}

factor_set! {
    /// What a threads cell computes, natively or not.
    pub struct ThreadsWork {
        /// What each thread runs.
        pub workload: Workload,
        /// How many threads.
        pub threads: Threads,
    }
}

/// The policy and capacity of the simulator workload.
const POLICY: Policy = Policy::Lru;
const CAPACITY: u64 = 4 << 20;

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
pub fn run(spec: &ThreadsSpec, protocol: &Protocol, tick: &mut dyn FnMut()) -> Outcome {
    let job = match Job::new(spec.work, protocol.calls) {
        Ok(j) => j,
        Err(e) => return Outcome::Error(e),
    };
    match &spec.sandbox {
        None => match spec.work.workload {
            Workload::Micro => {
                let native = Native::<Multiplier<micro::Native>>::default();
                job.measure(&native, (), protocol, tick)
            }
            Workload::Sim => {
                let native = Native::<Replayer<cachesim::Native>>::default();
                job.measure(&native, (), protocol, tick)
            }
        },
        Some(sb) => chain::sandboxed(
            sb.runtime,
            EngineConfig::default(),
            sb.abi,
            Caching::Cached,
            CallStyle::Typed,
            Step {
                job,
                protocol,
                tick,
            },
        ),
    }
}

/// A loader for native cells: its "instances" are fresh native states.
struct Native<H>(std::marker::PhantomData<fn() -> H>);

impl<H> Default for Native<H> {
    fn default() -> Self {
        Native(std::marker::PhantomData)
    }
}

impl<H: Default> Loader for Native<H> {
    type Module = ();
    type Host = H;
    fn compile(&self, _: &[u8]) -> runtimes::Result<()> {
        Ok(())
    }
    fn instantiate(&self, _: &()) -> runtimes::Result<H> {
        Ok(H::default())
    }
}

/// What every thread of a cell does, and what it must give: computed
/// once per cell, before any timing.
struct Job {
    work: ThreadsWork,
    calls: u64,
    /// The micro workload's native checksum for `calls` calls.
    checksum: Checksum,
    /// The simulator workload's trace and native counters.
    trace: Vec<Request>,
    expected: Stats,
}

impl Job {
    fn new(work: ThreadsWork, calls: u64) -> Result<Job, CellError> {
        let (checksum, trace, expected) = match work.workload {
            Workload::Micro => (
                Checksum::expected(Operand::I32, calls),
                Vec::new(),
                Stats::default(),
            ),
            Workload::Sim => {
                let trace = trace(calls)?;
                let expected = super::sim::expected(POLICY, CAPACITY, &trace);
                (Checksum::default(), trace, expected)
            }
        };
        Ok(Job {
            work,
            calls,
            checksum,
            trace,
            expected,
        })
    }

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

/// A generated trace of `requests` requests (the generator's defaults,
/// objects scaled to the length as the paper's 30,000 per 1,000,000).
fn trace(requests: u64) -> Result<Vec<Request>, CellError> {
    let mut c = cachesim::workloads::GeneratorConfig::default();
    c.requests = requests;
    c.objects = u32::try_from(requests * 3 / 100)
        .unwrap_or(u32::MAX)
        .max(100);
    c.stack_depth = c.stack_depth.min(c.objects);
    cachesim::workloads::generate(&c).map_err(|e| {
        CellError::new(
            crate::error::ErrorClass::Host,
            format!("trace generator: {e}"),
        )
    })
}

/// What a thread runs on its host, checked against native.
trait Work {
    /// Untimed preparation (the simulator's reset).
    fn prepare(&mut self, job: &Job) -> Result<(), CellError>;
    /// The timed calls; returns what [`Work::check`] checks.
    fn work(&mut self, job: &Job) -> Result<u64, CellError>;
    /// Untimed: the result against native's.
    fn check(&mut self, job: &Job, got: u64) -> Result<(), CellError>;
}

impl<M: Multiply> Work for Multiplier<M>
where
    CellError: From<M::Error>,
{
    fn prepare(&mut self, _: &Job) -> Result<(), CellError> {
        Ok(())
    }
    fn work(&mut self, job: &Job) -> Result<u64, CellError> {
        let sum = super::micro::calls_loop(&mut self.0, Operand::I32, job.calls)?;
        Ok(u64::from(sum.0))
    }
    fn check(&mut self, job: &Job, got: u64) -> Result<(), CellError> {
        if got == u64::from(job.checksum.0) {
            Ok(())
        } else {
            Err(CellError::wrong_result(format!(
                "wrong result: checksum {got:#010x} after {} calls on one thread, native gives \
                 {:#010x}",
                job.calls, job.checksum.0
            )))
        }
    }
}

/// A micro host as a thread's work.
#[derive(Default)]
struct Multiplier<M>(M);

/// A simulator host as a thread's work.
#[derive(Default)]
struct Replayer<S>(S);

impl<S: Simulator> Work for Replayer<S>
where
    CellError: From<S::Error>,
{
    fn prepare(&mut self, _: &Job) -> Result<(), CellError> {
        Ok(self.0.init(POLICY.into(), CAPACITY)?)
    }
    fn work(&mut self, job: &Job) -> Result<u64, CellError> {
        Ok(super::sim::send_all(&mut self.0, &job.trace)?)
    }
    fn check(&mut self, job: &Job, hits: u64) -> Result<(), CellError> {
        let stats = self.0.stats()?;
        if stats == job.expected && hits == stats.hits {
            Ok(())
        } else {
            Err(CellError::wrong_result(format!(
                "wrong result: {} hits over {} requests on one thread, native gives {}",
                stats.hits, stats.requests, job.expected.hits
            )))
        }
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
    job: Job,
    protocol: &'a Protocol,
    tick: &'a mut dyn FnMut(),
}

impl ScenarioStep for Step<'_> {
    fn run<E: Engine, A: Abi, L: Linkage>(self, engine: E, own: A::Factors) -> Outcome {
        let guest = chain::guest::<A>();
        let result = match self.job.work.workload {
            Workload::Micro => A::micro::<E, L, _>(engine, own, Load { guest, step: self }),
            Workload::Sim => A::sim::<E, L, _>(engine, own, Load { guest, step: self }),
        };
        result.unwrap_or_else(Outcome::failed)
    }
}

struct Load<'a> {
    guest: &'static [u8],
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
            match run(&spec, &p, &mut || {}) {
                Outcome::Ok { samples, .. } => assert_eq!(samples.calls, 2000),
                other => panic!("{workload}: {other:?}"),
            }
        }
    }
}
