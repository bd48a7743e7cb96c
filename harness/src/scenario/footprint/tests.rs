use super::*;
use crate::abis::AbiId;
use crate::factors::HostProfile;
use runtimes::{Engine, EngineConfig, EngineVisitor, Instance, RuntimeId};

/// A guest whose every request writes to each 4 KiB page of its 16-page
/// (1 MiB) memory before it multiplies: N of them alive hold at least N
/// MiB resident, however the engine maps memory. (A real guest touches
/// only the pages it uses, which is why the lower bound needs this one;
/// a byte per 64 KiB wasm page would fault in one 4 KiB page of each.)
const TOUCHING: &str = r#"
(module
  (memory (export "memory") 16)
  (func (export "mul") (param i32 i32) (result i32)
    (local $p i32)
    (loop $pages
      (i32.store8 (local.get $p) (i32.const 1))
      (local.set $p (i32.add (local.get $p) (i32.const 4096)))
      (br_if $pages (i32.lt_u (local.get $p) (i32.const 1048576))))
    (i32.mul (local.get 0) (local.get 1))))
"#;

const MEMORY: u64 = 16 * 65536;


/// An instance of [`TOUCHING`] as a micro host.
struct Touching<I: Instance> {
    inst: I,
    mul: I::Func<(i32, i32), i32>,
}

impl<I: Instance> Multiply for Touching<I> {
    type Error = runtimes::Error;
    fn mul_i32(&mut self, a: i32, b: i32) -> runtimes::Result<i32> {
        self.inst.call(&self.mul, (a, b))
    }
    fn mul_f32(&mut self, a: f32, b: f32) -> runtimes::Result<f32> {
        Ok(a * b)
    }
}

/// Sweeps of 40 touching instances on `engine`: the readings.
struct Sweeps;

impl EngineVisitor for Sweeps {
    type Output = Vec<Reading>;
    fn visit<E: Engine>(self, engine: E) -> Vec<Reading> {
        let module = engine.compile(&wat::parse_str(TOUCHING).unwrap()).unwrap();
        let mut sweep = Sweep {
            make: || {
                let mut inst = engine.instantiate(&module)?;
                let mul = inst.resolve_func::<(i32, i32), i32>("mul")?;
                Ok(Touching { inst, mul })
            },
            n: 40,
            cap: RESIDENT_CAP,
            readings: Vec::new(),
        };
        for _ in 0..2 {
            sweep.replicate(1).unwrap();
        }
        sweep.readings
    }
}

/// The lower bound the issue asks for: N kept instances that touched all
/// their memory add at least N × that memory, resident; the JIT engines'
/// reservations hold it; dropping them gives most of it back.
#[test]
fn kept_instances_hold_at_least_their_touched_memory_and_give_it_back() {
    if !crate::alone::alone(
        "scenario::footprint::tests::kept_instances_hold_at_least_their_touched_memory_and_give_it_back",
    ) {
        return;
    }
    let n = 40;
    for runtime in RuntimeId::ALL.iter().copied().filter(|r| r.compiled_in()) {
        let readings = runtimes::visit(runtime, EngineConfig::default(), Sweeps).unwrap();
        let f = summarise(n, &readings);
        assert!(
            f.held_b >= MEMORY as f64,
            "{runtime}: {} bytes held per instance, below the {MEMORY} each touched",
            f.held_b
        );
        assert!(
            f.returned > 0.5,
            "{runtime}: only {:.0}% given back",
            f.returned * 100.0
        );
        if let Some(linear) = f.linear_b {
            assert!(linear >= MEMORY as f64, "{runtime}: linear {linear}");
            assert!(linear <= f.held_b, "{runtime}: {f:?}");
            // The kernel agrees: the touched pages are resident (where
            // linear memory is heap, as in wasmi, the allocator may hand
            // back pages it kept, and the kernel sees no change).
            assert!(f.resident_b >= MEMORY as f64 * 0.9, "{runtime}: {f:?}");
        }
        if matches!(runtime, RuntimeId::Wasmtime | RuntimeId::WasmerCranelift) {
            assert!(f.linear_b.is_some(), "{runtime}: no reservation seen");
            assert!(f.address_space_b >= (1u64 << 30) as f64, "{runtime}: {f:?}");
        }
        assert_eq!(f.replicate_held_b.len(), 2);
    }
}

/// A sweep past the caps stops with a `cap` error, not a crash, and a
/// cell that did so does not fail the run.
#[test]
fn a_sweep_stops_at_its_cap_cleanly() {
    if !crate::alone::alone("scenario::footprint::tests::a_sweep_stops_at_its_cap_cleanly") {
        return;
    }
    struct Many;
    impl EngineVisitor for Many {
        type Output = Result<Duration, CellError>;
        fn visit<E: Engine>(self, engine: E) -> Result<Duration, CellError> {
            let module = engine.compile(&wat::parse_str(TOUCHING).unwrap()).unwrap();
            let mut sweep = Sweep {
                make: || {
                    let mut inst = engine.instantiate(&module)?;
                    let mul = inst.resolve_func::<(i32, i32), i32>("mul")?;
                    Ok(Touching { inst, mul })
                },
                // 1 MiB each: the cap comes at the first check.
                n: 1000,
                cap: 64 << 20,
                readings: Vec::new(),
            };
            sweep.replicate(1)
        }
    }
    let Some(runtime) = [RuntimeId::Wasmtime, RuntimeId::WasmerCranelift, RuntimeId::Wasmi]
        .into_iter()
        .find(|r| r.compiled_in())
    else {
        return;
    };
    let e = runtimes::visit(runtime, EngineConfig::default(), Many)
        .unwrap()
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Cap, "{e}");
    assert!(e.message.starts_with("stopped at "), "{e}");
    let cell = FootprintCell {
        host: HostProfile::Dev,
        runtime,
        abi: AbiId::Pair.choices(Workload::Micro, Caching::Cached)[0],
        own: FootprintWork {
            instances: Instances::N10000,
            allocator: Allocator::OnDemand,
        },
    };
    assert!(!FootprintScenario::failed(&cell, Ended::Error(&e)));
    let other = CellError::new(ErrorClass::Trap, "boom");
    assert!(FootprintScenario::failed(&cell, Ended::Error(&other)));
    // The system refusing memory is where instances stop fitting too;
    // any other instantiation failure stays the engine's error.
    let enomem = runtimes::Error::from(runtimes::ErrorKind::Instantiate(
        "extism: Cannot allocate memory (os error 12)".into(),
    ));
    let e = refused(9000, enomem);
    assert_eq!(e.class, ErrorClass::Cap, "{e}");
    assert!(e.message.starts_with("stopped at 9000 instances"), "{e}");
    let missing = runtimes::Error::from(runtimes::ErrorKind::MissingExport("x".into()));
    assert_eq!(refused(3, missing).class, ErrorClass::MissingExport);
}

/// The pool refuses the instance past its slots: a `pool-full` cell,
/// which does not fail the run.
#[test]
fn a_pooled_sweep_past_the_pool_is_refused_cleanly() {
    if !RuntimeId::Wasmtime.compiled_in() {
        return;
    }
    let cell = FootprintCell {
        host: HostProfile::Dev,
        runtime: RuntimeId::Wasmtime,
        abi: AbiId::Pair.choices(Workload::Micro, Caching::Cached)[0],
        own: FootprintWork {
            instances: Instances::N10000,
            allocator: Allocator::Pooling,
        },
    };
    let protocol = Protocol {
        calls: 1,
        reps: 1,
        warmup: Duration::ZERO,
        budget: runtimes::Budget::DEFAULT,
        stop: crate::measure::Stop::Fixed,
    };
    match FootprintScenario::run(&cell, &protocol, &Inputs::default(), &mut || {}) {
        Outcome::Error(e) => {
            assert_eq!(e.class, ErrorClass::PoolFull, "{e}");
            assert!(!FootprintScenario::failed(&cell, Ended::Error(&e)));
        }
        other => panic!("{other:?}"),
    }
}
