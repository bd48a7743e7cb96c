//! Wasmtime: core modules, and components (for the WIT ABI), with the
//! limits of [`crate::limits`] when asked: epoch interruption for the
//! deadline, `StoreLimits` for the memory cap.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::signature::{check_signature, wrong_signature};
use crate::limits::{Budget, EngineConfig, TICK};
use crate::value::{Params, Results, ValType, Value};
use crate::{Engine, Error, ErrorKind, Instance, Result, RuntimeId, host_fns};

/// The Wasmtime configuration a runtime id stands for, with epoch
/// interruption when there is a deadline.
fn config(id: RuntimeId, cfg: &EngineConfig) -> Result<wasmtime::Config> {
    let mut c = match id {
        RuntimeId::Wasmtime => wasmtime::Config::new(),
        #[cfg(feature = "wasmtime-winch")]
        RuntimeId::WasmtimeWinch => {
            let mut c = wasmtime::Config::new();
            c.strategy(wasmtime::Strategy::Winch);
            c
        }
        #[cfg(feature = "wasmtime-pulley")]
        RuntimeId::WasmtimePulley => {
            let mut c = wasmtime::Config::new();
            c.target("pulley64")
                .map_err(|e| Error::from(ErrorKind::Engine(format!("{e:#}"))))?;
            c
        }
        other => {
            return Err(Error::from(ErrorKind::Unsupported(format!(
                "{other} is not a Wasmtime runtime"
            ))));
        }
    };
    c.epoch_interruption(cfg.limits.is_some());
    if cfg.bounds_checks {
        // No reservation and no guard region: every load and store is
        // checked against the memory's current size in the code.
        c.memory_reservation(0)
            .memory_guard_size(0)
            .memory_reservation_for_growth(0);
    }
    if let Some(n) = cfg.pool {
        c.allocation_strategy(pooling(n));
    }
    Ok(c)
}

/// Wasmtime's pooling allocator with `n` slots of each kind an instance
/// takes (a core instance, a memory, a table, a component instance), the
/// rest at Wasmtime's defaults (each memory slot reserves as much address
/// space as an on-demand memory would).
fn pooling(n: u32) -> wasmtime::InstanceAllocationStrategy {
    let mut p = wasmtime::PoolingAllocationConfig::default();
    p.total_core_instances(n)
        .total_memories(n)
        .total_tables(n)
        .total_component_instances(n);
    wasmtime::InstanceAllocationStrategy::Pooling(p)
}

/// Advances an engine's epoch every [`TICK`] until dropped: the clock
/// every store's deadline is counted on.
struct Ticker {
    stop: Arc<AtomicBool>,
}

impl Ticker {
    fn start(engine: &wasmtime::Engine) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, engine) = (Arc::clone(&stop), engine.clone());
        std::thread::Builder::new()
            .name("abilab-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    engine.increment_epoch();
                }
            })
            .expect("the epoch thread starts");
        Ticker { stop }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// What every store carries: its memory limiter, and for host functions
/// their call count and the guest's memory.
#[derive(Default)]
pub struct StoreData {
    limits: wasmtime::StoreLimits,
    host_calls: u64,
    memory: Option<wasmtime::Memory>,
}

/// A fresh store on `engine`, limited by `budget` if any.
fn store(engine: &wasmtime::Engine, budget: Option<Budget>) -> wasmtime::Store<StoreData> {
    match budget {
        None => wasmtime::Store::new(engine, StoreData::default()),
        Some(b) => {
            let limits = wasmtime::StoreLimitsBuilder::new()
                .memory_size(usize::try_from(b.memory_bytes).unwrap_or(usize::MAX))
                .table_elements(b.table_elements() as usize)
                .trap_on_grow_failure(true)
                .build();
            let mut store = wasmtime::Store::new(
                engine,
                StoreData {
                    limits,
                    ..StoreData::default()
                },
            );
            store.limiter(|d| &mut d.limits);
            store.set_epoch_deadline(b.ticks());
            store.epoch_deadline_trap();
            store
        }
    }
}

/// A Wasmtime engine for one runtime id, otherwise Wasmtime's defaults.
pub struct WasmtimeEngine {
    id: RuntimeId,
    engine: wasmtime::Engine,
    budget: Option<Budget>,
    bounds_checks: bool,
    pool: Option<u32>,
    _ticker: Option<Ticker>,
}

impl WasmtimeEngine {
    /// Creates the engine `id` stands for, with `cfg`'s limits.
    pub fn new(id: RuntimeId, cfg: EngineConfig) -> Result<Self> {
        Self::build(config(id, &cfg)?, id, cfg)
    }

    /// The same, with Wasmtime's component-model async support
    /// (`Config::concurrency_support`, on by default in a build with the
    /// `component-model-async` feature, as this one is) set as asked: it
    /// changes what every call does, core modules' included.
    pub fn with_concurrency(id: RuntimeId, cfg: EngineConfig, concurrency: bool) -> Result<Self> {
        let mut c = config(id, &cfg)?;
        c.concurrency_support(concurrency);
        Self::build(c, id, cfg)
    }

    fn build(c: wasmtime::Config, id: RuntimeId, cfg: EngineConfig) -> Result<Self> {
        let engine =
            wasmtime::Engine::new(&c).map_err(|e| Error::from(ErrorKind::Engine(e.to_string())))?;
        let ticker = cfg.limits.map(|_| Ticker::start(&engine));
        Ok(WasmtimeEngine {
            id,
            engine,
            budget: cfg.limits,
            bounds_checks: cfg.bounds_checks,
            pool: cfg.pool,
            _ticker: ticker,
        })
    }
}

impl Engine for WasmtimeEngine {
    type Module = wasmtime::Module;
    type Instance = WasmtimeInstance;

    fn id(&self) -> RuntimeId {
        self.id
    }

    fn config(&self) -> EngineConfig {
        EngineConfig {
            limits: self.budget,
            bounds_checks: self.bounds_checks,
            pool: self.pool,
        }
    }

    fn compile(&self, wasm: &[u8]) -> Result<wasmtime::Module> {
        wasmtime::Module::new(&self.engine, wasm)
            .map_err(|e| Error::from(ErrorKind::Compile(format!("{e:#}"))))
    }

    fn serialize(&self, module: &wasmtime::Module) -> Result<Vec<u8>> {
        module
            .serialize()
            .map_err(|e| Error::from(ErrorKind::Compile(format!("serialize: {e:#}"))))
    }

    unsafe fn deserialize(&self, bytes: &[u8]) -> Result<wasmtime::Module> {
        // SAFETY: the caller promises the bytes came from `serialize` on
        // an engine of this configuration.
        unsafe { wasmtime::Module::deserialize(&self.engine, bytes) }
            .map_err(|e| Error::from(ErrorKind::Compile(format!("deserialize: {e:#}"))))
    }

    fn instantiate(&self, module: &wasmtime::Module) -> Result<WasmtimeInstance> {
        let mut store = store(&self.engine, self.budget);
        let instance = wasmtime::Instance::new(&mut store, module, &[]).map_err(|e| {
            match limit_error(&e) {
                Some(limit) => limit,
                None => Error::from(ErrorKind::Instantiate(format!("{e:#}"))),
            }
        })?;
        Ok(WasmtimeInstance { store, instance })
    }

    fn instantiate_with_host<H: host_fns::HostFunctions>(
        &self,
        module: &wasmtime::Module,
    ) -> Result<WasmtimeInstance> {
        let link = |e: wasmtime::Error| Error::from(ErrorKind::Instantiate(format!("{e:#}")));
        let mut linker = wasmtime::Linker::<StoreData>::new(&self.engine);
        linker
            .func_wrap(
                host_fns::MODULE,
                host_fns::ADD,
                |mut caller: wasmtime::Caller<'_, StoreData>, a: i32, b: i32| -> i32 {
                    caller.data_mut().host_calls += 1;
                    H::add(a, b)
                },
            )
            .map_err(link)?;
        linker
            .func_wrap(
                host_fns::MODULE,
                host_fns::DIGEST,
                |mut caller: wasmtime::Caller<'_, StoreData>,
                 ptr: i32,
                 len: i32|
                 -> wasmtime::Result<i64> {
                    caller.data_mut().host_calls += 1;
                    let Some(memory) = caller.data().memory else {
                        return Err(wasmtime::Error::msg("host_digest: the guest has no memory"));
                    };
                    host_fns::digest_guest::<H>(memory.data(&caller), ptr, len)
                        .map_err(wasmtime::Error::msg)
                },
            )
            .map_err(link)?;
        let mut store = store(&self.engine, self.budget);
        let instance = linker
            .instantiate(&mut store, module)
            .map_err(|e| limit_error(&e).unwrap_or_else(|| link(e)))?;
        let memory = instance.get_memory(&mut store, "memory");
        store.data_mut().memory = memory;
        Ok(WasmtimeInstance { store, instance })
    }
}

/// A Wasmtime instance and the store that owns it.
pub struct WasmtimeInstance {
    store: wasmtime::Store<StoreData>,
    instance: wasmtime::Instance,
}

impl WasmtimeInstance {
    /// The store and the instance, for code that drives Wasmtime directly.
    pub fn parts_mut(&mut self) -> (&mut wasmtime::Store<StoreData>, &wasmtime::Instance) {
        (&mut self.store, &self.instance)
    }
}

/// The limit a Wasmtime error reports hitting, if any.
fn limit_error(e: &wasmtime::Error) -> Option<Error> {
    if let Some(wasmtime::Trap::Interrupt) = e.downcast_ref::<wasmtime::Trap>() {
        return Some(Error::from(ErrorKind::Timeout(
            "the guest ran past its deadline (epoch interruption)".into(),
        )));
    }
    if let Some(full) = e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>() {
        return Some(Error::from(ErrorKind::PoolFull(format!(
            "the pooling allocator refused another instance: {full}"
        ))));
    }
    // StoreLimits reports a refused growth as a plain error with this text
    // (trap_on_grow_failure); and instantiation past the cap likewise.
    let text = format!("{e:#}");
    (text.contains("forcing trap when growing memory")
        || text.contains("forcing trap when growing table")
        || text.contains("memory growth failure")
        || text.contains("exceeds memory limits")
        || text.contains("exceeds table limits"))
    .then(|| {
        Error::from(ErrorKind::MemoryLimit(format!(
            "the guest's memory or tables would pass their cap: {text}"
        )))
    })
}

/// A Wasmtime error as a runtime error: a trap with its message, or the
/// limit it hit.
#[cold]
#[inline(never)]
pub fn trap(e: wasmtime::Error) -> Error {
    if let Some(limit) = limit_error(&e) {
        return limit;
    }
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(t) => Error::from(ErrorKind::Trap(t.to_string())),
        None => Error::from(ErrorKind::Trap(format!("{e:#}"))),
    }
}

fn val_type(t: &wasmtime::ValType) -> Option<ValType> {
    Some(match t {
        wasmtime::ValType::I32 => ValType::I32,
        wasmtime::ValType::I64 => ValType::I64,
        wasmtime::ValType::F32 => ValType::F32,
        wasmtime::ValType::F64 => ValType::F64,
        _ => return None,
    })
}

impl Instance for WasmtimeInstance {
    type Func<P: Params, R: Results> = wasmtime::TypedFunc<P, R>;
    type Untyped = wasmtime::Func;
    type Memory = wasmtime::Memory;

    fn resolve_func<P: Params, R: Results>(&mut self, name: &str) -> Result<Self::Func<P, R>> {
        let f = self.lookup_untyped(name)?;
        match f.typed::<P, R>(&self.store) {
            Ok(t) => Ok(t),
            Err(_) => Err(wrong_signature(name, P::TYPES, R::TYPES)),
        }
    }

    #[inline(always)]
    fn call<P: Params, R: Results>(&mut self, f: &Self::Func<P, R>, args: P) -> Result<R> {
        match f.call(&mut self.store, args) {
            Ok(r) => Ok(r),
            Err(e) => Err(trap(e)),
        }
    }

    fn resolve_untyped(
        &mut self,
        name: &str,
        params: &[ValType],
        results: &[ValType],
    ) -> Result<wasmtime::Func> {
        let f = self.lookup_untyped(name)?;
        let ty = f.ty(&self.store);
        let have = (ty.params(), ty.results());
        check_signature(f, name, have, (params, results), |h| val_type(&h))
    }

    #[inline(always)]
    fn lookup_untyped(&mut self, name: &str) -> Result<wasmtime::Func> {
        match self.instance.get_export(&mut self.store, name) {
            Some(wasmtime::Extern::Func(f)) => Ok(f),
            Some(_) => Err(Error::from(ErrorKind::ExportType {
                name: name.to_string(),
                expected: "a function".to_string(),
            })),
            None => Err(Error::from(ErrorKind::MissingExport(name.to_string()))),
        }
    }

    #[inline(always)]
    fn call_untyped(
        &mut self,
        f: &wasmtime::Func,
        args: &[Value],
        results: &mut [Value],
    ) -> Result<()> {
        let mut wargs = [wasmtime::Val::I32(0); crate::MAX_ARITY];
        for (w, a) in wargs.iter_mut().zip(args) {
            *w = match *a {
                Value::I32(x) => wasmtime::Val::I32(x),
                Value::I64(x) => wasmtime::Val::I64(x),
                Value::F32(x) => wasmtime::Val::F32(x.to_bits()),
                Value::F64(x) => wasmtime::Val::F64(x.to_bits()),
            };
        }
        let mut wres = [wasmtime::Val::I32(0); crate::MAX_ARITY];
        let wres = &mut wres[..results.len()];
        f.call(&mut self.store, &wargs[..args.len()], wres)
            .map_err(trap)?;
        for (r, w) in results.iter_mut().zip(wres.iter()) {
            *r = match *w {
                wasmtime::Val::I32(x) => Value::I32(x),
                wasmtime::Val::I64(x) => Value::I64(x),
                wasmtime::Val::F32(x) => Value::F32(f32::from_bits(x)),
                wasmtime::Val::F64(x) => Value::F64(f64::from_bits(x)),
                ref other => {
                    return Err(Error::from(ErrorKind::Abi(format!(
                        "unexpected result {other:?}"
                    ))));
                }
            };
        }
        Ok(())
    }

    fn host_calls(&mut self) -> u64 {
        self.store.data().host_calls
    }

    #[inline(always)]
    fn resolve_memory(&mut self, name: &str) -> Result<wasmtime::Memory> {
        match self.instance.get_export(&mut self.store, name) {
            Some(wasmtime::Extern::Memory(m)) => Ok(m),
            Some(_) => Err(Error::from(ErrorKind::ExportType {
                name: name.to_string(),
                expected: "a memory".to_string(),
            })),
            None => Err(Error::from(ErrorKind::MissingExport(name.to_string()))),
        }
    }

    #[inline(always)]
    fn memory_mut(&mut self, memory: &wasmtime::Memory) -> &mut [u8] {
        memory.data_mut(&mut self.store)
    }
}

pub mod component;
