//! Every compiled-in backend against the same hand-written module.

use crate::*;

const MODULE: &str = r#"
(module
  (memory (export "memory") 1)
  (func (export "mul") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.mul)
  (func (export "mulf") (param f32 f32) (result f32)
    local.get 0 local.get 1 f32.mul)
  (func (export "pair") (param i64) (result i64 f64)
    local.get 0 local.get 0 f64.convert_i64_s)
  (func (export "boom") unreachable)
  (func (export "peek") (param i32) (result i32)
    local.get 0 i32.load)
  (global (export "g") i32 (i32.const 0)))
"#;

/// Host functions for the tests: a sum and a byte sum, so a test can tell
/// the host answered.
pub(crate) struct TestHost;

impl host_fns::HostFunctions for TestHost {
    fn add(a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }
    fn digest(bytes: &[u8]) -> i64 {
        bytes.iter().map(|&b| i64::from(b) * 3 + 1).sum()
    }
}

fn backends() -> impl Iterator<Item = RuntimeId> {
    RuntimeId::ALL.iter().copied().filter(|r| r.compiled_in())
}

macro_rules! each_backend {
    (|$inst:ident, $id:ident| $body:block) => {{
        struct Check;
        impl EngineVisitor for Check {
            type Output = ();
            fn visit<E: Engine>(self, engine: E) {
                let $id = engine.id();
                let wasm = wat::parse_str(MODULE).unwrap();
                let mut $inst = engine.load(&wasm).unwrap();
                let _ = $id;
                $body
            }
        }
        let mut ran = 0;
        for r in backends() {
            visit(r, EngineConfig::default(), Check).unwrap();
            ran += 1;
        }
        assert!(ran > 0, "no backend compiled in");
    }};
}

#[test]
fn typed_and_untyped_calls_agree() {
    each_backend!(|inst, id| {
        let mul = inst.resolve_func::<(i32, i32), i32>("mul").unwrap();
        for (a, b) in [(6, 7), (i32::MAX, 2), (i32::MIN, -1), (-3, 0)] {
            let want = a.wrapping_mul(b);
            assert_eq!(inst.call(&mul, (a, b)).unwrap(), want, "{id} typed");
            let by_name = UncachedUntyped::resolve::<_, (i32, i32), i32>(&mut inst, "mul").unwrap();
            let got: i32 = UncachedUntyped::invoke(&mut inst, &by_name, (a, b)).unwrap();
            assert_eq!(got, want, "{id} untyped");
        }
        let mulf = CachedUntyped::resolve::<_, (f32, f32), f32>(&mut inst, "mulf").unwrap();
        let r: f32 = CachedUntyped::invoke(&mut inst, &mulf, (-0.0, 5.0)).unwrap();
        assert_eq!(r.to_bits(), (-0.0f32).to_bits(), "{id}");
        let pair = inst.resolve_func::<(i64,), (i64, f64)>("pair").unwrap();
        assert_eq!(inst.call(&pair, (-5,)).unwrap(), (-5, -5.0), "{id}");
    });
}

#[test]
fn wrong_names_and_types_are_clean_errors() {
    each_backend!(|inst, id| {
        let e = inst.resolve_func::<(i32, i32), i32>("nope").err().unwrap();
        assert_eq!(
            e,
            Error::from(ErrorKind::MissingExport("nope".into())),
            "{id}"
        );
        let e = inst.resolve_func::<(i32,), i32>("mul").err().unwrap();
        assert_eq!(
            e.to_string(),
            "export `mul` is not a function (i32) -> (i32)",
            "{id}"
        );
        let e = CachedUntyped::resolve::<_, (f32, f32), i32>(&mut inst, "mulf")
            .err()
            .unwrap();
        assert!(
            matches!(e.kind(), ErrorKind::ExportType { .. }),
            "{id}: {e}"
        );
        let e = inst.resolve_memory("g").err().unwrap();
        assert!(
            matches!(e.kind(), ErrorKind::ExportType { .. }),
            "{id}: {e}"
        );
    });
}

#[test]
fn traps_are_caught_and_the_instance_lives_on() {
    each_backend!(|inst, id| {
        let boom = inst.resolve_func::<(), ()>("boom").unwrap();
        assert!(
            matches!(
                inst.call(&boom, ()).map_err(|e| e.kind().clone()),
                Err(ErrorKind::Trap(_))
            ),
            "{id}"
        );
        let peek = inst.resolve_func::<(i32,), i32>("peek").unwrap();
        assert!(
            matches!(
                inst.call(&peek, (65535,)).map_err(|e| e.kind().clone()),
                Err(ErrorKind::Trap(_))
            ),
            "{id}"
        );
        let mul = inst.resolve_func::<(i32, i32), i32>("mul").unwrap();
        assert_eq!(inst.call(&mul, (2, 3)).unwrap(), 6, "{id}");
    });
}

#[test]
fn memory_access_is_bounds_checked() {
    each_backend!(|inst, id| {
        let mem = inst.resolve_memory("memory").unwrap();
        assert_eq!(inst.memory_size(&mem), 65536, "{id}");
        inst.write(&mem, 100, &42i32.to_le_bytes()).unwrap();
        let peek = inst.resolve_func::<(i32,), i32>("peek").unwrap();
        assert_eq!(inst.call(&peek, (100,)).unwrap(), 42, "{id}");
        let mut buf = [0u8; 4];
        inst.read(&mem, 100, &mut buf).unwrap();
        assert_eq!(buf, 42i32.to_le_bytes());
        assert!(matches!(
            inst.write(&mem, 65534, &[0; 4])
                .map_err(|e| e.kind().clone()),
            Err(ErrorKind::OutOfBounds { size: 65536, .. })
        ));
        assert!(inst.read(&mem, u64::MAX, &mut buf).is_err());
        inst.memory_mut(&mem)[200] = 7;
        inst.read(&mem, 200, &mut buf[..1]).unwrap();
        assert_eq!(buf[0], 7);
    });
}

#[test]
fn bad_wasm_is_a_compile_error() {
    struct Check;
    impl EngineVisitor for Check {
        type Output = Error;
        fn visit<E: Engine>(self, engine: E) -> Error {
            engine.compile(b"\0asm\x01\0\0\0garbage").err().unwrap()
        }
    }
    for r in backends() {
        assert!(
            matches!(
                visit(r, EngineConfig::default(), Check).unwrap().kind(),
                ErrorKind::Compile(_)
            ),
            "{r}"
        );
    }
}

#[test]
fn missing_backends_say_so() {
    struct Nothing;
    impl EngineVisitor for Nothing {
        type Output = ();
        fn visit<E: Engine>(self, _: E) {}
    }
    for &r in RuntimeId::ALL {
        match visit(r, EngineConfig::default(), Nothing) {
            Ok(()) => assert!(r.compiled_in()),
            Err(e) => {
                assert!(!r.compiled_in());
                assert_eq!(e, Error::from(ErrorKind::NotCompiled(r)));
            }
        }
    }
}

/// A guest that loops forever, one that grows its memory by `pages` and
/// answers the new size in pages (-1 if refused), and a healthy export.
const HOSTILE: &str = r#"
(module
  (memory (export "memory") 1)
  (func (export "spin") (loop br 0))
  (func (export "grow") (param i32) (result i32)
    local.get 0 memory.grow)
  (func (export "mul") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.mul))
"#;

/// With limits on: a loop is stopped at the deadline, growth past the cap
/// fails or traps, and the instance (or a fresh one) still answers.
#[test]
fn limits_stop_a_spinning_guest_and_cap_its_memory() {
    struct Hostile;
    impl EngineVisitor for Hostile {
        type Output = ();
        fn visit<E: Engine>(self, engine: E) {
            let id = engine.id();
            let wasm = wat::parse_str(HOSTILE).unwrap();
            let module = engine.compile(&wasm).unwrap();
            let mut inst = engine.instantiate(&module).unwrap();
            let spin = inst.resolve_func::<(), ()>("spin").unwrap();
            let start = std::time::Instant::now();
            let e = inst.call(&spin, ()).unwrap_err();
            assert!(matches!(e.kind(), ErrorKind::Timeout(_)), "{id}: {e}");
            assert!(start.elapsed() < std::time::Duration::from_secs(30), "{id}");
            let mut inst = engine.instantiate(&module).unwrap();
            let grow = inst.resolve_func::<(i32,), i32>("grow").unwrap();
            // 4 pages fit under the 1 MiB cap (16 pages); 100 more do not.
            assert_eq!(inst.call(&grow, (4,)).unwrap(), 1, "{id}");
            match inst.call(&grow, (100,)) {
                Ok(r) => assert_eq!(r, -1, "{id}: growth past the cap"),
                Err(e) => assert!(matches!(e.kind(), ErrorKind::MemoryLimit(_)), "{id}: {e}"),
            }
            let mul = inst.resolve_func::<(i32, i32), i32>("mul").unwrap();
            assert_eq!(inst.call(&mul, (6, 7)).unwrap(), 42, "{id}");
        }
    }
    let cfg = EngineConfig {
        limits: Some(Budget {
            deadline: std::time::Duration::from_millis(200),
            memory_bytes: 1 << 20,
        }),
        bounds_checks: false,
        pool: None,
    };
    for r in backends() {
        visit(r, cfg, Hostile).unwrap();
    }
}

/// Hotload with limits on compiles the same guest many times on one
/// engine: each compile is metered and answers (Wasmer's metering
/// middleware serves one module per engine; the backend copes).
#[test]
fn a_limited_engine_compiles_many_modules() {
    struct Recompile;
    impl EngineVisitor for Recompile {
        type Output = ();
        fn visit<E: Engine>(self, engine: E) {
            let id = engine.id();
            let wasm = wat::parse_str(HOSTILE).unwrap();
            for _ in 0..3 {
                let module = engine.compile(&wasm).unwrap();
                let mut inst = engine.instantiate(&module).unwrap();
                let mul = inst.resolve_func::<(i32, i32), i32>("mul").unwrap();
                assert_eq!(inst.call(&mul, (6, 7)).unwrap(), 42, "{id}");
                let spin = inst.resolve_func::<(), ()>("spin").unwrap();
                let e = inst.call(&spin, ()).unwrap_err();
                assert!(matches!(e.kind(), ErrorKind::Timeout(_)), "{id}: {e}");
            }
        }
    }
    let cfg = EngineConfig {
        limits: Some(Budget {
            deadline: std::time::Duration::from_millis(100),
            memory_bytes: 1 << 20,
        }),
        bounds_checks: false,
        pool: None,
    };
    for r in backends() {
        visit(r, cfg, Recompile).unwrap();
    }
}

/// A guest with a table it grows on request, and a loop of operators
/// that compile to nothing (16 blocks of 64 `nop`s, ~1,100 operators)
/// around a little work.
fn resources() -> Vec<u8> {
    let free = format!("(block {})", "nop ".repeat(64)).repeat(16);
    wat::parse_str(format!(
        r#"(module
  (table 1 funcref)
  (func (export "grow_table") (param i32) (result i32)
    ref.null func local.get 0 table.grow 0)
  (func (export "busy_nops") (param i32) (result i32)
    (local i32)
    (loop $again
      {free}
      local.get 1 i32.const 1 i32.add local.set 1
      local.get 1 local.get 0 i32.lt_u br_if $again)
    local.get 1))"#
    ))
    .unwrap()
}

/// Limits hold for tables too: a table may not grow past the memory cap's
/// bytes at 8 an element (growth fails or traps as memory growth does);
/// without limits the same growth succeeds.
#[test]
fn tables_are_capped_with_memory() {
    struct Tables(bool);
    impl EngineVisitor for Tables {
        type Output = ();
        fn visit<E: Engine>(self, engine: E) {
            let id = engine.id();
            let module = engine.compile(&resources()).unwrap();
            let mut inst = engine.instantiate(&module).unwrap();
            let grow = inst.resolve_func::<(i32,), i32>("grow_table").unwrap();
            // The cap is 131,072 elements (1 MiB): one 100,000 fits.
            assert_eq!(inst.call(&grow, (100_000,)).unwrap(), 1, "{id}");
            let second = inst.call(&grow, (100_000,));
            match (self.0, second) {
                (true, Ok(r)) => assert_eq!(r, -1, "{id}: growth past the cap"),
                (true, Err(e)) => {
                    assert!(matches!(e.kind(), ErrorKind::MemoryLimit(_)), "{id}: {e}")
                }
                (false, r) => assert_eq!(r.unwrap(), 100_001, "{id}: no cap without limits"),
            }
        }
    }
    let limited = EngineConfig {
        limits: Some(Budget {
            deadline: std::time::Duration::from_secs(60),
            memory_bytes: 1 << 20,
        }),
        bounds_checks: false,
        pool: None,
    };
    for r in backends() {
        visit(r, limited, Tables(true)).unwrap();
        visit(r, EngineConfig::default(), Tables(false)).unwrap();
    }
}

/// Operators that compile to nothing do not spend the deadline: two
/// million iterations of ~1,100 free operators finish inside a 1 s
/// deadline in a few ms (counted one point each, they passed Wasmer's
/// budget of 2·10⁹ and the guest timed out).
#[test]
fn free_operators_do_not_spend_the_deadline() {
    struct Busy;
    impl EngineVisitor for Busy {
        type Output = ();
        fn visit<E: Engine>(self, engine: E) {
            let id = engine.id();
            let module = engine.compile(&resources()).unwrap();
            let mut inst = engine.instantiate(&module).unwrap();
            let busy = inst.resolve_func::<(i32,), i32>("busy_nops").unwrap();
            let n = 2_000_000;
            assert_eq!(inst.call(&busy, (n,)).unwrap(), n, "{id}");
        }
    }
    let cfg = EngineConfig {
        limits: Some(Budget {
            deadline: std::time::Duration::from_secs(1),
            memory_bytes: 1 << 20,
        }),
        bounds_checks: false,
        pool: None,
    };
    for r in backends() {
        visit(r, cfg, Busy).unwrap();
    }
}

/// Wasmer compiles under its metering within the deadline: a compile that
/// outlasts it is a `timeout` (nothing interrupts a compiler: it ends on
/// a thread of its own), here with a deadline no compile can meet.
#[test]
fn wasmer_compiles_within_the_deadline() {
    struct Compile;
    impl EngineVisitor for Compile {
        type Output = ();
        fn visit<E: Engine>(self, engine: E) {
            let id = engine.id();
            let e = engine
                .compile(&resources())
                .err()
                .expect("past the deadline");
            assert!(matches!(e.kind(), ErrorKind::Timeout(_)), "{id}: {e}");
            assert!(e.to_string().contains("compiling"), "{id}: {e}");
        }
    }
    let cfg = EngineConfig {
        limits: Some(Budget {
            deadline: std::time::Duration::ZERO,
            memory_bytes: 1 << 20,
        }),
        bounds_checks: false,
        pool: None,
    };
    for r in backends().filter(|r| r.id().starts_with("wasmer")) {
        visit(r, cfg, Compile).unwrap();
    }
}

/// A guest that calls the host: once per `add` call, once per `digest`.
const CALLER: &str = r#"
(module
  (import "abilab" "host_add" (func $add (param i32 i32) (result i32)))
  (import "abilab" "host_digest" (func $digest (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "a")
  (func (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 call $add)
  (func (export "digest") (param i32 i32) (result i64)
    local.get 0 local.get 1 call $digest))
"#;

#[test]
fn host_functions_are_called_counted_and_bounds_checked() {
    struct Calls;
    impl EngineVisitor for Calls {
        type Output = ();
        fn visit<E: Engine>(self, engine: E) {
            let id = engine.id();
            let wasm = wat::parse_str(CALLER).unwrap();
            let module = engine.compile(&wasm).unwrap();
            // Without the host functions the imports are unresolved.
            let e = engine
                .instantiate(&module)
                .err()
                .expect("imports unresolved");
            assert!(matches!(e.kind(), ErrorKind::Instantiate(_)), "{id}: {e}");
            let mut inst = engine.instantiate_with_host::<TestHost>(&module).unwrap();
            let add = inst.resolve_func::<(i32, i32), i32>("add").unwrap();
            let digest = inst.resolve_func::<(i32, i32), i64>("digest").unwrap();
            for i in 0..10 {
                assert_eq!(
                    inst.call(&add, (i, i32::MAX)).unwrap(),
                    i.wrapping_add(i32::MAX)
                );
            }
            assert_eq!(
                inst.call(&digest, (16, 1)).unwrap(),
                i64::from(b'a') * 3 + 1,
                "{id}"
            );
            assert_eq!(inst.host_calls(), 11, "{id}");
            // A slice past the memory's end traps; the count still counts it.
            let e = inst.call(&digest, (65_530, 7)).unwrap_err();
            assert!(matches!(e.kind(), ErrorKind::Trap(_)), "{id}: {e}");
            assert!(e.to_string().contains("fall outside"), "{id}: {e}");
            assert_eq!(inst.host_calls(), 12, "{id}");
            assert_eq!(inst.call(&add, (2, 3)).unwrap(), 5, "{id}: lives on");
        }
    }
    for r in backends() {
        visit(r, EngineConfig::default(), Calls).unwrap();
    }
}

/// A pooled engine (Wasmtime's three runtimes) hands out as many live
/// instances as its pool has slots, refuses the next one as `PoolFull`,
/// and takes a slot back when an instance is dropped; the engines with no
/// pooling allocator refuse the configuration at creation, not later.
#[test]
fn a_pool_refuses_instances_past_its_slots_and_reuses_freed_ones() {
    struct Pooled;
    impl EngineVisitor for Pooled {
        type Output = ();
        fn visit<E: Engine>(self, engine: E) {
            let id = engine.id();
            assert_eq!(engine.config().pool, Some(2), "{id}");
            let module = engine.compile(&wat::parse_str(MODULE).unwrap()).unwrap();
            let a = engine.instantiate(&module).unwrap();
            let mut b = engine.instantiate(&module).unwrap();
            match engine.instantiate(&module) {
                Ok(_) => panic!("{id}: a third instance in a pool of two"),
                Err(e) => assert!(matches!(e.kind(), ErrorKind::PoolFull(_)), "{id}: {e}"),
            }
            drop(a);
            let mut c = engine.instantiate(&module).unwrap();
            for inst in [&mut b, &mut c] {
                let mul = inst.resolve_func::<(i32, i32), i32>("mul").unwrap();
                assert_eq!(inst.call(&mul, (6, 7)).unwrap(), 42, "{id}");
            }
        }
    }
    let cfg = EngineConfig {
        pool: Some(2),
        ..EngineConfig::default()
    };
    for r in backends() {
        let pooled = matches!(
            r,
            RuntimeId::Wasmtime | RuntimeId::WasmtimeWinch | RuntimeId::WasmtimePulley
        );
        match visit(r, cfg, Pooled) {
            Ok(()) => assert!(pooled, "{r} accepted a pool it does not have"),
            Err(e) => {
                assert!(!pooled, "{r}: {e}");
                assert!(matches!(e.kind(), ErrorKind::Unsupported(_)), "{r}: {e}");
                assert!(e.to_string().contains("pooling"), "{r}: {e}");
            }
        }
    }
}
