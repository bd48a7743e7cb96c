//! Every ABI on every runtime, with every linkage and every choice of the
//! ABI's own factors, against the native oracle: one test per runtime ×
//! ABI × linkage (`wasmtime::pair::cached_typed`), generated from the
//! registries, so a failure names its cell. A runtime not compiled in
//! passes its tests without running them; an ABI that cannot run on a
//! runtime must refuse cleanly.

use std::collections::BTreeMap;

use abi_api::{
    Abi, FactorSet, Loader, MicroVisitor, Multiply, PayloadVisitor, SimVisitor, Simulator,
};
use cachesim::{Policy, Request};
use factor::Workload;
use harness::scenario::payload::PayloadWork;
use harness::scenario::payload::calls_loop;
use payload::{Direction, Exchange, Inputs, Shape, Size};
use runtimes::{
    Budget, CachedTyped, CachedUntyped, Engine, EngineVisitor, ErrorKind, Limits, Linkage,
    RuntimeId, UncachedTyped, UncachedUntyped,
};

const I32S: &[i32] = &[
    0,
    1,
    -1,
    7,
    -7,
    46_341,
    i32::MAX,
    i32::MIN,
    0x1234_5678,
    -65_536,
];
const F32S: &[f32] = &[
    0.0,
    -0.0,
    1.0,
    -2.5,
    1e-45,
    3.4e38,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
    f32::MIN_POSITIVE,
];

/// Every product of the spread through `host`, against native.
fn check_products<M: Multiply<Error = runtimes::Error>>(label: &str, mut host: M) -> usize {
    let mut n = 0;
    for &a in I32S {
        for &b in I32S {
            let got = host.mul_i32(a, b).unwrap();
            assert_eq!(got, micro::mul_i32(a, b), "{label}: {a} * {b}");
            n += 1;
        }
    }
    for &a in F32S {
        for &b in F32S {
            let got = host.mul_f32(a, b).unwrap();
            let want = micro::mul_f32(a, b);
            assert!(
                got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                "{label}: {a} * {b} = {got}, native {want}"
            );
            n += 1;
        }
    }
    n
}

/// Random small traces: ids from a small range so objects repeat, sizes
/// from 1 byte to 64 KiB, a few objects larger than some caches.
fn traces() -> Vec<(Vec<Request>, u64)> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..4)
        .map(|t| {
            let objects = 20 + 40 * t;
            let sizes: Vec<u32> = (0..objects).map(|_| 1 + (next() % 65_536) as u32).collect();
            let trace = (0..600)
                .map(|_| {
                    let id = (next() % objects) as u32;
                    Request::new(id, sizes[id as usize])
                })
                .collect();
            let capacity = 1 + next() % (objects * 20_000);
            (trace, capacity)
        })
        .collect()
}

/// Replays every trace under every policy through `guest`, in calls of
/// `batch` requests, comparing each hit (each batch's hit count) and the
/// final counters with native.
fn check_replays<S: Simulator<Error = runtimes::Error>>(
    label: &str,
    mut guest: S,
    batch: usize,
) -> usize {
    let mut n = 0;
    for (trace, capacity) in traces() {
        for &policy in Policy::ALL {
            let mut native = cachesim::Native::default();
            let Ok(()) = native.init(policy.into(), capacity);
            guest.init(policy.into(), capacity).unwrap();
            for (i, chunk) in trace.chunks(batch).enumerate() {
                let Ok(want) = native.send_batch(chunk);
                let got = if batch == 1 {
                    u32::from(guest.send(chunk[0]).unwrap())
                } else {
                    guest.send_batch(chunk).unwrap()
                };
                assert_eq!(got, want, "{label} {policy} cap {capacity}: call {i}");
            }
            let Ok(want) = native.stats();
            assert_eq!(
                guest.stats().unwrap(),
                want,
                "{label} {policy} cap {capacity}"
            );
            n += trace.len();
        }
    }
    n
}

/// Serialized modules by runtime, ABI and own factors (everything that
/// changes the engine's configuration here): a guest is compiled once per
/// key and loaded from the engine's module cache after, which keeps the
/// suite's time in checking rather than compiling (LLVM takes ~0.4 s a
/// guest). Engines without a cache compile every time.
static MODULES: std::sync::Mutex<BTreeMap<String, Vec<u8>>> =
    std::sync::Mutex::new(BTreeMap::new());

/// Compiles (or loads from [`MODULES`]) and instantiates a loader's host,
/// or fails the test.
fn load<Ld: Loader>(label: &str, key: &str, loader: &Ld, wasm: &[u8]) -> Ld::Host {
    let cached = MODULES.lock().unwrap().get(key).cloned();
    let module = match cached {
        // SAFETY: serialized in this process by an engine of the same
        // runtime and configuration (the key).
        Some(bytes) => unsafe { loader.deserialize(&bytes) }
            .unwrap_or_else(|e| panic!("{label}: cached module: {e}")),
        None => {
            let module = loader
                .compile(wasm)
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            if let Ok(bytes) = loader.serialize(&module) {
                MODULES.lock().unwrap().insert(key.to_string(), bytes);
            }
            module
        }
    };
    loader
        .instantiate(&module)
        .unwrap_or_else(|e| panic!("{label}: {e}"))
}

struct MicroCheck<'a> {
    label: &'a str,
    key: &'a str,
    wasm: &'a [u8],
}

impl MicroVisitor for MicroCheck<'_> {
    type Output = usize;
    fn visit<Ld: Loader>(self, loader: Ld) -> usize
    where
        Ld::Host: Multiply<Error = runtimes::Error> + 'static,
    {
        check_products(self.label, load(self.label, self.key, &loader, self.wasm))
    }
}

struct SimCheck<'a> {
    label: &'a str,
    key: &'a str,
    wasm: &'a [u8],
    batch: usize,
}

impl SimVisitor for SimCheck<'_> {
    type Output = usize;
    fn visit<Ld: Loader>(self, loader: Ld) -> usize
    where
        Ld::Host: Simulator<Error = runtimes::Error> + 'static,
    {
        let host = load(self.label, self.key, &loader, self.wasm);
        check_replays(self.label, host, self.batch)
    }
}

struct PayloadCheck<'a> {
    label: &'a str,
    key: &'a str,
    wasm: &'a [u8],
}

impl PayloadVisitor for PayloadCheck<'_> {
    type Output = usize;
    fn visit<Ld: Loader>(self, loader: Ld) -> usize
    where
        Ld::Host: Exchange<Error = runtimes::Error> + 'static,
    {
        let mut host = load(self.label, self.key, &loader, self.wasm);
        let mut checked = 0;
        for &shape in Shape::ALL {
            for &direction in Direction::ALL {
                if Ld::Host::carries(shape, direction).is_err() {
                    continue;
                }
                let sweep = Size::sweep(shape);
                for size in [sweep[0], sweep[sweep.len() - 1]] {
                    let work = PayloadWork {
                        shape,
                        direction,
                        size,
                    };
                    let inputs = Inputs::build(shape, size);
                    let calls = payload::DISTINCT as u64 + 1;
                    let got = calls_loop(&mut host, work, &inputs, calls).unwrap_or_else(|e| {
                        panic!("{}: {shape} {direction} {size}: {e}", self.label)
                    });
                    let Ok(want) = calls_loop(&mut payload::Native, work, &inputs, calls);
                    assert_eq!(got, want, "{}: {shape} {direction} {size}", self.label);
                    checked += 1;
                }
            }
        }
        checked
    }
}

/// One scenario check of ABI `A` with linkage `L` and own factors `own`
/// on a fresh engine.
struct OnEngine<A: Abi, L> {
    scenario: Workload,
    own: A::Factors,
    batch: usize,
    _l: std::marker::PhantomData<L>,
}

impl<A: Abi, L: Linkage> EngineVisitor for OnEngine<A, L> {
    type Output = runtimes::Result<usize>;
    fn visit<E: Engine>(self, engine: E) -> runtimes::Result<usize> {
        let wasm = guest_artifacts::guest(A::ID).expect("every ABI has a guest");
        let label = format!(
            "{}/{} {}/{} {:?} batch {}",
            engine.id(),
            A::ID,
            L::CACHING,
            L::STYLE,
            self.own,
            self.batch
        );
        let key = format!("{}/{} {:?}", engine.id(), A::ID, self.own);
        match self.scenario {
            Workload::Micro => {
                let v = MicroCheck {
                    label: &label,
                    key: &key,
                    wasm,
                };
                A::micro::<E, L, _>(engine, self.own, v)
            }
            Workload::Sim => {
                let v = SimCheck {
                    label: &label,
                    key: &key,
                    wasm,
                    batch: self.batch,
                };
                A::sim::<E, L, _>(engine, self.own, v)
            }
            Workload::Payload => {
                let v = PayloadCheck {
                    label: &label,
                    key: &key,
                    wasm,
                };
                A::payload::<E, L, _>(engine, self.own, v)
            } // Not an ABI's scenario: it drives the ABIs itself (cli tests).
        }
    }
}

/// Every scenario and own-factor choice of `A` with linkage `L` on
/// `runtime`, against native.
fn check<A: Abi, L: Linkage>(runtime: RuntimeId) {
    if !runtime.compiled_in() {
        eprintln!("{runtime} is not compiled in: nothing to check");
        return;
    }
    let mut checked = 0;
    let mut refused = 0;
    let mut applicable = 0;
    for &scenario in A::WORKLOADS {
        let batches: &[usize] = match scenario {
            Workload::Sim if A::BATCHES => &[1, 7, 4096],
            _ => &[1],
        };
        for own in A::Factors::combinations(scenario) {
            if !A::applies(L::CACHING, &own) {
                continue;
            }
            applicable += 1;
            for &batch in batches {
                let step = OnEngine::<A, L> {
                    scenario,
                    own,
                    batch,
                    _l: std::marker::PhantomData,
                };
                let config = runtimes::EngineConfig::new(Limits::On, Budget::DEFAULT);
                match runtimes::visit(runtime, config, step).expect("the engine is created") {
                    Ok(n) => checked += n,
                    // An ABI that cannot run here says so cleanly.
                    Err(e) if matches!(e.kind(), ErrorKind::Unsupported(_)) => {
                        // WIT off the component engines; Extism off
                        // Wasmtime, or untyped (its one call path).
                        let why = e.to_string();
                        assert!(
                            why.contains("cannot host components")
                                || why.contains("Extism embeds its own Wasmtime")
                                || why.contains("Extism has one call path"),
                            "{runtime}/{}: {e}",
                            A::ID
                        );
                        refused += 1;
                    }
                    Err(e) => panic!("{runtime}/{}: {e}", A::ID),
                }
            }
        }
    }
    // A linkage the ABI has no cell for (Extism uncached) checks nothing.
    assert!(
        checked > 0 || refused > 0 || applicable == 0,
        "{runtime}/{}: nothing checked",
        A::ID
    );
}

macro_rules! per_abi {
    ($( ($abi:ident, $variant:ident, $ty:ty) )+) => {
        $(
            mod $abi {
                use super::*;

                #[test]
                fn cached_typed() {
                    check::<$ty, CachedTyped>(RUNTIME);
                }

                #[test]
                fn cached_untyped() {
                    check::<$ty, CachedUntyped>(RUNTIME);
                }

                #[test]
                fn uncached_typed() {
                    check::<$ty, UncachedTyped>(RUNTIME);
                }

                #[test]
                fn uncached_untyped() {
                    check::<$ty, UncachedUntyped>(RUNTIME);
                }
            }
        )+
    };
}

macro_rules! per_runtime {
    ($( ($runtime:ident, $variant:ident) )+) => {
        $(
            mod $runtime {
                use super::*;

                const RUNTIME: RuntimeId = RuntimeId::$variant;

                harness::for_each_abi!(per_abi);
            }
        )+
    };
}

runtimes::for_each_runtime!(per_runtime);
