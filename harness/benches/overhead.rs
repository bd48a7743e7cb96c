//! The zero-overhead yardstick: a hand-written loop on each runtime's own
//! API against the harness's Pair / cached / typed / preload cell, in one run.
//!
//! Run it with:
//!
//! ```text
//! cargo bench -p harness --features wasmer-singlepass,wasmtime --bench overhead
//! ```
//!
//! Both sides do the same work: `calls` typed calls of the Pair guest's
//! `micro_mul_i32` on the scenario's operands, each product folded into the
//! checksum. They alternate in rounds (A B, then B A) so drift and heat fall
//! on both alike; every replicate is kept and summarised with a 95% CI. The
//! harness side goes through everything a `matrix` cell does: the runtime,
//! ABI and host visitors, the linkage, the measurement protocol.
//!
//! Environment: `OVERHEAD_CALLS` (default 100000), `OVERHEAD_ROUNDS` (10),
//! `OVERHEAD_REPS` (10 replicates per side per round).

use std::hint::black_box;
use std::time::{Duration, Instant};

use abi_pair::{Handles, PairFactors};
use harness::abis::AbiChoice;
use harness::cell::Cell;
use harness::factors::{Caching, CallStyle, HostProfile, Lang, Limits};
use harness::measure::Protocol;
use harness::scenario::micro::{Loading, MicroLink, MicroWork};
use harness::scenario::spec::{Sandbox, Spec};
use harness::scenario::{Inputs, Outcome};
use harness::stats::Summary;
use micro::Checksum;
use micro::Operand;
use runtimes::RuntimeId;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A hand-written replicate: the runtime's own API, nothing in between.
type Direct = Box<dyn FnMut(u64) -> (Duration, Checksum)>;

fn direct(runtime: RuntimeId) -> Option<Direct> {
    match runtime {
        RuntimeId::WasmerCranelift => {
            #[cfg(feature = "wasmer-cranelift")]
            return Some(wasmer_loop(
                runtimes::wasmer::sys::Cranelift::default().into(),
                guest_artifacts::PAIR,
            ));
            #[cfg(not(feature = "wasmer-cranelift"))]
            None
        }
        RuntimeId::WasmerSinglepass => {
            #[cfg(feature = "wasmer-singlepass")]
            return Some(wasmer_loop(
                runtimes::wasmer::sys::Singlepass::default().into(),
                guest_artifacts::PAIR,
            ));
            #[cfg(not(feature = "wasmer-singlepass"))]
            None
        }
        RuntimeId::WasmerLlvm => {
            #[cfg(feature = "wasmer-llvm")]
            return Some(wasmer_loop(
                runtimes::wasmer::sys::LLVM::default().into(),
                guest_artifacts::PAIR,
            ));
            #[cfg(not(feature = "wasmer-llvm"))]
            None
        }
        RuntimeId::Wasmtime => {
            #[cfg(feature = "wasmtime")]
            return Some(wasmtime_loop(
                runtimes::wasmtime::Config::new(),
                guest_artifacts::PAIR,
            ));
            #[cfg(not(feature = "wasmtime"))]
            None
        }
        RuntimeId::WasmtimeWinch => {
            #[cfg(feature = "wasmtime-winch")]
            return Some(wasmtime_loop(
                {
                    let mut c = runtimes::wasmtime::Config::new();
                    c.strategy(runtimes::wasmtime::Strategy::Winch);
                    c
                },
                guest_artifacts::PAIR,
            ));
            #[cfg(not(feature = "wasmtime-winch"))]
            None
        }
        RuntimeId::WasmtimePulley => {
            #[cfg(feature = "wasmtime-pulley")]
            return Some(wasmtime_loop(
                {
                    let mut c = runtimes::wasmtime::Config::new();
                    c.target("pulley64").unwrap();
                    c
                },
                guest_artifacts::PAIR,
            ));
            #[cfg(not(feature = "wasmtime-pulley"))]
            None
        }
        RuntimeId::Wasmi => {
            #[cfg(feature = "wasmi")]
            return Some(wasmi_loop(guest_artifacts::PAIR));
            #[cfg(not(feature = "wasmi"))]
            None
        }
    }
}

#[cfg(any(
    feature = "wasmer-cranelift",
    feature = "wasmer-singlepass",
    feature = "wasmer-llvm"
))]
fn wasmer_loop(engine: runtimes::wasmer::Engine, wasm: &'static [u8]) -> Direct {
    use runtimes::wasmer::{Instance, Module, Store, TypedFunction, imports};
    let mut store = Store::new(engine);
    let module = Module::new(&store, wasm).unwrap();
    let instance = Instance::new(&mut store, &module, &imports! {}).unwrap();
    let mul: TypedFunction<(i32, i32), i32> = instance
        .exports
        .get_typed_function(&store, abi_pair::exports::MUL_I32)
        .unwrap();
    Box::new(move |calls| {
        let mut sum = Checksum::default();
        let start = Instant::now();
        for i in 0..calls {
            let (a, b) = micro::operands_i32(i);
            let p = mul.call(&mut store, black_box(a), black_box(b)).unwrap();
            sum = sum.fold(p as u32);
        }
        (start.elapsed(), sum)
    })
}

#[cfg(feature = "wasmtime")]
fn wasmtime_loop(config: runtimes::wasmtime::Config, wasm: &'static [u8]) -> Direct {
    use runtimes::wasmtime::{Engine, Instance, Module, Store};
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, wasm).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let mul = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, abi_pair::exports::MUL_I32)
        .unwrap();
    Box::new(move |calls| {
        let mut sum = Checksum::default();
        let start = Instant::now();
        for i in 0..calls {
            let (a, b) = micro::operands_i32(i);
            let p = mul.call(&mut store, (black_box(a), black_box(b))).unwrap();
            sum = sum.fold(p as u32);
        }
        (start.elapsed(), sum)
    })
}

#[cfg(feature = "wasmi")]
fn wasmi_loop(wasm: &'static [u8]) -> Direct {
    use runtimes::wasmi::{Engine, Instance, Module, Store};
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let mul = instance
        .get_typed_func::<(i32, i32), i32>(&store, abi_pair::exports::MUL_I32)
        .unwrap();
    Box::new(move |calls| {
        let mut sum = Checksum::default();
        let start = Instant::now();
        for i in 0..calls {
            let (a, b) = micro::operands_i32(i);
            let p = mul.call(&mut store, (black_box(a), black_box(b))).unwrap();
            sum = sum.fold(p as u32);
        }
        (start.elapsed(), sum)
    })
}

/// The same loop through `runtimes::Instance` alone (no ABI, no harness):
/// isolates the abstraction's share of any overhead.
fn abstraction(runtime: RuntimeId) -> Direct {
    struct Make;
    impl runtimes::EngineVisitor for Make {
        type Output = Direct;
        fn visit<E: runtimes::Engine>(self, engine: E) -> Direct {
            use runtimes::Instance;
            let mut inst = engine.load(guest_artifacts::PAIR).unwrap();
            let mul = inst
                .resolve_func::<(i32, i32), i32>(abi_pair::exports::MUL_I32)
                .unwrap();
            Box::new(move |calls| {
                let mut sum = Checksum::default();
                let start = Instant::now();
                for i in 0..calls {
                    let (a, b) = micro::operands_i32(i);
                    let p = inst.call(&mul, (black_box(a), black_box(b))).unwrap();
                    sum = sum.fold(p as u32);
                }
                (start.elapsed(), sum)
            })
        }
    }
    runtimes::visit(runtime, runtimes::EngineConfig::default(), Make).unwrap()
}

fn main() {
    let calls = env("OVERHEAD_CALLS", 100_000);
    let rounds = env("OVERHEAD_ROUNDS", 10);
    let reps = env("OVERHEAD_REPS", 10) as u32;
    let protocol = Protocol {
        calls,
        reps,
        warmup: Duration::from_millis(100),
        budget: runtimes::Budget::DEFAULT,
        stop: harness::measure::Stop::Fixed,
    };
    let expected = Checksum::expected(micro::Operand::I32, calls);
    println!(
        "overhead: {rounds} rounds × {reps} replicates × {calls} calls per side, host profile {}",
        HostProfile::this()
    );
    println!(
        "{:<18} {:>20} {:>20} {:>20} {:>9}",
        "runtime", "direct API ns", "runtimes::Instance", "harness cell", "overhead"
    );
    for &runtime in RuntimeId::ALL.iter().filter(|r| r.compiled_in()) {
        let Some(hand) = direct(runtime) else {
            continue;
        };
        let cell = Cell::Micro(Spec {
            host: HostProfile::this(),
            work: MicroWork {
                operand: Operand::I32,
            },
            sandbox: Some(Sandbox {
                runtime,
                abi: AbiChoice::Pair(PairFactors {
                    handles: Handles::Owned,
                }),
                // Limits off: the hand-written loops run with the
                // runtimes' defaults too.
                link: MicroLink {
                    caching: Caching::Cached,
                    call: CallStyle::Typed,
                    loading: Loading::Preload,
                    limits: Limits::Off,
                    lang: Lang::Rust,
                },
            }),
        });
        let mut loops = [hand, abstraction(runtime)];
        // Warm the loops up as the protocol warms the harness's cell.
        for l in &mut loops {
            let t = Instant::now();
            while t.elapsed() < protocol.warmup {
                l(calls);
            }
        }
        let mut samples: [Vec<f64>; 3] = Default::default();
        for round in 0..rounds {
            // Rotate which side goes first, against drift and heat.
            for k in 0..3 {
                let side = (k + round as usize) % 3;
                if side == 2 {
                    match cell.run(&protocol, &Inputs::default(), &mut || {}) {
                        Outcome::Ok { samples: s, .. } => samples[2].extend(s.replicate_s),
                        other => panic!("{runtime}: harness cell failed: {other:?}"),
                    }
                } else {
                    for _ in 0..reps {
                        let (d, sum) = loops[side](calls);
                        assert_eq!(sum, expected, "{runtime}: a loop computed a wrong result");
                        samples[side].push(d.as_secs_f64());
                    }
                }
            }
        }
        let s: Vec<Summary> = samples.iter().map(|x| Summary::of(x).unwrap()).collect();
        let ns = |x: f64| x / calls as f64 * 1e9;
        let cell = |s: &Summary| format!("{:.2} ±{:.2}", ns(s.mean), ns(s.ci95_high - s.mean));
        println!(
            "{:<18} {:>20} {:>20} {:>20} {:>+8.1}%",
            runtime.id(),
            cell(&s[0]),
            cell(&s[1]),
            cell(&s[2]),
            (s[2].mean / s[0].mean - 1.0) * 100.0
        );
    }
}
