//! Every ABI on every compiled-in runtime, with every linkage and every
//! choice of the ABI's own factors, against the native oracle.

use abi_api::{
    Abi, Choice, Loader, MicroLoaderVisitor, MicroVisitor, Multiply, SimLoaderVisitor, SimVisitor,
    Simulator,
};
use cachesim::{Policy, Request};
use harness::abis::{AbiId, AbiVisitor, with_abi};
use harness::factors;
use runtimes::{
    CachedTyped, CachedUntyped, Engine, EngineVisitor, Instance, Linkage, RuntimeId, UncachedTyped,
    UncachedUntyped,
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

/// Calls every multiply on a fresh instance and compares with native;
/// returns how many products were checked.
struct Check<I> {
    label: String,
    inst: I,
}

impl<I: Instance> MicroVisitor<I> for Check<I> {
    type Output = usize;
    fn visit<M: Multiply<Error = runtimes::Error> + 'static>(
        self,
        open: fn(I) -> runtimes::Result<M>,
    ) -> usize {
        let host = open(self.inst).unwrap_or_else(|e| panic!("{}: open: {e}", self.label));
        check_products(&self.label, host)
    }
}

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

struct PerAbi<'a, E> {
    engine: &'a E,
}

impl<E: Engine> AbiVisitor for PerAbi<'_, E> {
    type Output = usize;
    fn visit<A: Abi>(self) -> usize {
        if A::COMPONENT || !A::SCENARIOS.contains(&"micro") {
            return 0;
        }
        let wasm = guest_artifacts::guest(A::GUEST).unwrap();
        let mut checked = 0;
        for values in factors::product(A::FACTORS) {
            let own: Vec<&'static str> = values.iter().map(|(_, v)| *v).collect();
            let choice = Choice::new(A::FACTORS, &own);
            checked += each_linkage::<A, E>(self.engine, wasm, choice);
        }
        checked
    }
}

fn each_linkage<A: Abi, E: Engine>(engine: &E, wasm: &[u8], choice: Choice<'_>) -> usize {
    fn one<A: Abi, E: Engine, L: Linkage>(engine: &E, wasm: &[u8], choice: Choice<'_>) -> usize {
        let label = format!(
            "{}/{} {:?}/{:?} {choice:?}",
            engine.id(),
            A::ID,
            L::CACHING,
            L::STYLE
        );
        let inst = engine.load(wasm).unwrap();
        A::micro::<E::Instance, L, _>(choice, Check { label, inst }).unwrap_or(0)
    }
    one::<A, E, CachedTyped>(engine, wasm, choice)
        + one::<A, E, CachedUntyped>(engine, wasm, choice)
        + one::<A, E, UncachedTyped>(engine, wasm, choice)
        + one::<A, E, UncachedUntyped>(engine, wasm, choice)
}

struct PerEngine;

impl EngineVisitor for PerEngine {
    type Output = usize;
    fn visit<E: Engine>(self, engine: E) -> usize {
        AbiId::ALL
            .iter()
            .map(|&abi| with_abi(abi, PerAbi { engine: &engine }))
            .sum()
    }
}

#[test]
fn every_abi_on_every_runtime_matches_native() {
    let mut runtimes = 0;
    for &r in RuntimeId::ALL.iter().filter(|r| r.compiled_in()) {
        let checked = runtimes::visit(r, PerEngine).unwrap();
        // Pair alone: 4 linkages × (100 + 100) products.
        assert!(checked >= 800, "{r}: only {checked} products checked");
        runtimes += 1;
    }
    assert!(runtimes > 0);
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

/// Replays every trace under every policy in a fresh guest simulator and
/// compares each hit and the final counters with native.
struct SimCheck<I> {
    label: String,
    inst: I,
}

impl<I: Instance> SimVisitor<I> for SimCheck<I> {
    type Output = usize;
    fn visit<S: Simulator<Error = runtimes::Error> + 'static>(
        self,
        open: fn(I) -> runtimes::Result<S>,
    ) -> usize {
        let guest = open(self.inst).unwrap_or_else(|e| panic!("{}: open: {e}", self.label));
        check_replays(&self.label, guest, 1)
    }
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
        for policy in Policy::ALL {
            let mut native = cachesim::Native::default();
            let Ok(()) = native.init(policy, capacity);
            guest.init(policy, capacity).unwrap();
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

struct SimPerAbi<'a, E> {
    engine: &'a E,
}

impl<E: Engine> AbiVisitor for SimPerAbi<'_, E> {
    type Output = usize;
    fn visit<A: Abi>(self) -> usize {
        if A::COMPONENT || !A::SCENARIOS.contains(&"sim") {
            return 0;
        }
        let wasm = guest_artifacts::guest(A::GUEST).unwrap();
        let mut checked = 0;
        for values in factors::product(A::SIM_FACTORS) {
            let own: Vec<&'static str> = values.iter().map(|(_, v)| *v).collect();
            let choice = Choice::new(A::SIM_FACTORS, &own);
            fn one<A: Abi, E: Engine, L: Linkage>(e: &E, wasm: &[u8], c: Choice<'_>) -> usize {
                let label = format!("{}/{} {:?}/{:?} {c:?}", e.id(), A::ID, L::CACHING, L::STYLE);
                let inst = e.load(wasm).unwrap();
                A::sim::<E::Instance, L, _>(c, SimCheck { label, inst }).unwrap_or(0)
            }
            checked += one::<A, E, CachedTyped>(self.engine, wasm, choice)
                + one::<A, E, CachedUntyped>(self.engine, wasm, choice)
                + one::<A, E, UncachedTyped>(self.engine, wasm, choice)
                + one::<A, E, UncachedUntyped>(self.engine, wasm, choice);
        }
        checked
    }
}

struct SimPerEngine;

impl EngineVisitor for SimPerEngine {
    type Output = usize;
    fn visit<E: Engine>(self, engine: E) -> usize {
        AbiId::ALL
            .iter()
            .map(|&abi| with_abi(abi, SimPerAbi { engine: &engine }))
            .sum()
    }
}

#[test]
fn every_simulator_guest_matches_native_hit_for_hit() {
    for &r in RuntimeId::ALL.iter().filter(|r| r.compiled_in()) {
        let checked = runtimes::visit(r, SimPerEngine).unwrap();
        // Pair + 3 memory ABIs × 2 memory strategies, 4 linkages, 4 traces
        // of 600 requests, 4 policies.
        assert_eq!(checked, 7 * 4 * 4 * 600 * 4, "{r}");
    }
}

/// Loads a component ABI's host for a loader visitor.
fn load<Ld: Loader>(label: &str, loader: &Ld, wasm: &[u8]) -> Ld::Host {
    let module = loader
        .compile(wasm)
        .unwrap_or_else(|e| panic!("{label}: {e}"));
    loader
        .instantiate(&module)
        .unwrap_or_else(|e| panic!("{label}: {e}"))
}

struct ComponentMicro<'a> {
    label: String,
    wasm: &'a [u8],
}

impl MicroLoaderVisitor for ComponentMicro<'_> {
    type Output = usize;
    fn visit<Ld: Loader>(self, loader: Ld) -> usize
    where
        Ld::Host: Multiply<Error = runtimes::Error> + 'static,
    {
        check_products(&self.label, load(&self.label, &loader, self.wasm))
    }
}

struct ComponentSim<'a> {
    label: String,
    wasm: &'a [u8],
    batch: usize,
}

impl SimLoaderVisitor for ComponentSim<'_> {
    type Output = usize;
    fn visit<Ld: Loader>(self, loader: Ld) -> usize
    where
        Ld::Host: Simulator<Error = runtimes::Error> + 'static,
    {
        check_replays(
            &self.label,
            load(&self.label, &loader, self.wasm),
            self.batch,
        )
    }
}

struct Components {
    runtime: RuntimeId,
}

impl AbiVisitor for Components {
    type Output = usize;
    fn visit<A: Abi>(self) -> usize {
        if !A::COMPONENT {
            return 0;
        }
        use runtimes::{Caching, CallStyle};
        let wasm = guest_artifacts::guest(A::GUEST).unwrap();
        let mut n = 0;
        for values in factors::product(A::FACTORS) {
            let own: Vec<&'static str> = values.iter().map(|(_, v)| *v).collect();
            for &caching in Caching::ALL {
                for &style in CallStyle::ALL {
                    let label = format!("{}/{} {caching}/{style} {own:?}", self.runtime, A::ID);
                    let choice = Choice::new(A::FACTORS, &own);
                    let v = ComponentMicro { label, wasm };
                    n += A::micro_component(self.runtime, caching, style, choice, v)
                        .unwrap()
                        .unwrap_or(0);
                }
            }
        }
        for values in factors::product(A::SIM_FACTORS) {
            let own: Vec<&'static str> = values.iter().map(|(_, v)| *v).collect();
            let batch = values
                .iter()
                .find(|(k, _)| *k == "batch")
                .map_or(1, |(_, v)| v.parse().unwrap());
            for &caching in Caching::ALL {
                let label = format!("{}/{} sim {caching} {own:?}", self.runtime, A::ID);
                let choice = Choice::new(A::SIM_FACTORS, &own);
                let v = ComponentSim { label, wasm, batch };
                n += A::sim_component(self.runtime, caching, choice, v)
                    .unwrap()
                    .unwrap_or(0);
            }
        }
        n
    }
}

#[test]
fn component_abis_match_native_single_and_batched() {
    for &r in RuntimeId::ALL {
        let host = r.hosts_components() && r.compiled_in();
        for &abi in AbiId::ALL.iter().filter(|a| a.info().component) {
            if host {
                let n = with_abi(abi, Components { runtime: r });
                assert!(n > 0, "{r}/{abi}: nothing checked");
            } else {
                // Cannot host components: a clean refusal, not a crash.
                struct Refused(RuntimeId);
                impl AbiVisitor for Refused {
                    type Output = String;
                    fn visit<A: Abi>(self) -> String {
                        let values: Vec<&'static str> =
                            A::FACTORS.iter().map(|f| f.values[0]).collect();
                        let choice = Choice::new(A::FACTORS, &values);
                        let v = ComponentMicro {
                            label: String::new(),
                            wasm: &[],
                        };
                        let caching = runtimes::Caching::Cached;
                        let style = runtimes::CallStyle::Typed;
                        match A::micro_component(self.0, caching, style, choice, v) {
                            Err(e) => e.to_string(),
                            Ok(_) => panic!("{} ran a component", self.0),
                        }
                    }
                }
                let reason = with_abi(abi, Refused(r));
                assert!(
                    reason.contains("cannot host components") || reason.contains("not compiled"),
                    "{reason}"
                );
            }
        }
    }
}
