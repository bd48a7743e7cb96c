//! Every ABI on every compiled-in runtime, with every linkage and every
//! choice of the ABI's own factors, against the native oracle.

use abi_api::{Abi, Choice, MicroVisitor, Multiply, SimVisitor, Simulator};
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
        let check = self;
        let mut host = open(check.inst).unwrap_or_else(|e| panic!("{}: open: {e}", check.label));
        let mut n = 0;
        for &a in I32S {
            for &b in I32S {
                let got = host.mul_i32(a, b).unwrap();
                assert_eq!(got, micro::mul_i32(a, b), "{}: {a} * {b}", check.label);
                n += 1;
            }
        }
        for &a in F32S {
            for &b in F32S {
                let got = host.mul_f32(a, b).unwrap();
                let want = micro::mul_f32(a, b);
                assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "{}: {a} * {b} = {got}, native {want}",
                    check.label
                );
                n += 1;
            }
        }
        n
    }
}

struct PerAbi<'a, E> {
    engine: &'a E,
}

impl<E: Engine> AbiVisitor for PerAbi<'_, E> {
    type Output = usize;
    fn visit<A: Abi>(self) -> usize {
        if !A::SCENARIOS.contains(&"micro") {
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
        let label = self.label;
        let mut guest = open(self.inst).unwrap_or_else(|e| panic!("{label}: open: {e}"));
        let mut n = 0;
        for (trace, capacity) in traces() {
            for policy in Policy::ALL {
                let mut native = cachesim::Native::default();
                let Ok(()) = native.init(policy, capacity);
                guest.init(policy, capacity).unwrap();
                for (i, &r) in trace.iter().enumerate() {
                    let Ok(want) = native.send(r);
                    let got = guest.send(r).unwrap();
                    assert_eq!(
                        got, want,
                        "{label} {policy} cap {capacity}: request {i} {r:?}"
                    );
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
}

struct SimPerAbi<'a, E> {
    engine: &'a E,
}

impl<E: Engine> AbiVisitor for SimPerAbi<'_, E> {
    type Output = usize;
    fn visit<A: Abi>(self) -> usize {
        if !A::SCENARIOS.contains(&"sim") {
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
