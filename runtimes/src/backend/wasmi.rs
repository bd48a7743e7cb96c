//! wasmi: an interpreter, for hosts that cannot generate native code.
//! Core modules only (it has no component model, so WIT cells are
//! `unsupported` on it).
//!
//! Limits: wasmi cannot be interrupted from outside either, so like
//! Wasmer its deadline is an operation budget ("fuel", one unit per
//! executed instruction, more for memory and bulk operations), counted at
//! [`FUEL_PER_SECOND`]; the memory cap is wasmi's own `StoreLimits`.
//!
//! Compilation is wasmi's default, lazy translation: a module is validated
//! when compiled and each function translated to wasmi's bytecode on its
//! first call, so the `phases` scenario's compile time is validation and
//! its first call carries the translation.

use super::signature::{check_signature, wrong_signature};
use crate::limits::{Budget, EngineConfig};
use crate::value::{Params, Results, ValType, Value};
use crate::{Engine, Error, ErrorKind, Instance, Result, RuntimeId, host_fns};

/// The instructions a second the deadline stands for. A guest that only
/// loops spent 6·10⁸ fuel in 1.08 s here (wasmi 2.0, release, AMD EPYC
/// VM), near wasmi's peak; the rate is set above it so that the deadline
/// fires late rather than early (a guest that does real work spends fuel
/// more slowly), as Wasmer's metering rate does.
pub const FUEL_PER_SECOND: f64 = 1e9;

/// What every store carries: its memory limiter, and for host functions
/// their call count and the guest's memory.
#[derive(Default)]
pub struct StoreData {
    limits: wasmi::StoreLimits,
    host_calls: u64,
    memory: Option<wasmi::Memory>,
}

/// A wasmi engine: fuel metering on when there is a deadline.
pub struct WasmiEngine {
    id: RuntimeId,
    engine: wasmi::Engine,
    budget: Option<Budget>,
}

impl WasmiEngine {
    /// Creates the engine for `id` (only [`RuntimeId::Wasmi`]), with `cfg`'s
    /// limits.
    pub fn new(id: RuntimeId, cfg: EngineConfig) -> Result<Self> {
        if id != RuntimeId::Wasmi {
            return Err(Error::from(ErrorKind::Unsupported(format!(
                "{id} is not a wasmi runtime"
            ))));
        }
        if cfg.bounds_checks {
            return Err(Error::from(ErrorKind::Unsupported(
                "wasmi checks every access explicitly already (no guard pages to turn off)".into(),
            )));
        }
        if cfg.pool.is_some() {
            return Err(Error::from(ErrorKind::Unsupported(
                "wasmi has no pooling instance allocator: its instances are heap objects \
                 and its linear memories heap buffers, allocated on demand"
                    .into(),
            )));
        }
        let mut config = wasmi::Config::default();
        config.consume_fuel(cfg.limits.is_some());
        Ok(WasmiEngine {
            id,
            engine: wasmi::Engine::new(&config),
            budget: cfg.limits,
        })
    }
}

/// The budget's deadline in fuel.
fn fuel(b: Budget) -> u64 {
    (b.deadline.as_secs_f64() * FUEL_PER_SECOND) as u64
}

impl Engine for WasmiEngine {
    type Module = wasmi::Module;
    type Instance = WasmiInstance;

    fn id(&self) -> RuntimeId {
        self.id
    }

    fn config(&self) -> EngineConfig {
        EngineConfig {
            limits: self.budget,
            bounds_checks: false,
            pool: None,
        }
    }

    fn compile(&self, wasm: &[u8]) -> Result<wasmi::Module> {
        wasmi::Module::new(&self.engine, wasm)
            .map_err(|e| Error::from(ErrorKind::Compile(e.to_string())))
    }

    fn instantiate(&self, module: &wasmi::Module) -> Result<WasmiInstance> {
        let mut store = self.store()?;
        let instance = wasmi::Instance::new(&mut store, module, &[]).map_err(|e| {
            limit_error(&e, self.budget)
                .unwrap_or_else(|| Error::from(ErrorKind::Instantiate(e.to_string())))
        })?;
        Ok(WasmiInstance {
            store,
            instance,
            budget: self.budget,
        })
    }

    fn instantiate_with_host<H: host_fns::HostFunctions>(
        &self,
        module: &wasmi::Module,
    ) -> Result<WasmiInstance> {
        let link = |e: &dyn std::fmt::Display| Error::from(ErrorKind::Instantiate(e.to_string()));
        let mut linker = wasmi::Linker::<StoreData>::new(&self.engine);
        linker
            .func_wrap(
                host_fns::MODULE,
                host_fns::ADD,
                |mut caller: wasmi::Caller<'_, StoreData>, a: i32, b: i32| -> i32 {
                    caller.data_mut().host_calls += 1;
                    H::add(a, b)
                },
            )
            .map_err(|e| link(&e))?;
        linker
            .func_wrap(
                host_fns::MODULE,
                host_fns::DIGEST,
                |mut caller: wasmi::Caller<'_, StoreData>,
                 ptr: i32,
                 len: i32|
                 -> std::result::Result<i64, wasmi::Error> {
                    caller.data_mut().host_calls += 1;
                    let Some(memory) = caller.data().memory else {
                        return Err(wasmi::Error::new("host_digest: the guest has no memory"));
                    };
                    host_fns::digest_guest::<H>(memory.data(&caller), ptr, len)
                        .map_err(wasmi::Error::new)
                },
            )
            .map_err(|e| link(&e))?;
        let mut store = self.store()?;
        let instance = linker
            .instantiate_and_start(&mut store, module)
            .map_err(|e| limit_error(&e, self.budget).unwrap_or_else(|| link(&e)))?;
        let memory = instance.get_memory(&store, "memory");
        store.data_mut().memory = memory;
        Ok(WasmiInstance {
            store,
            instance,
            budget: self.budget,
        })
    }
}

impl WasmiEngine {
    /// A fresh store, limited by the budget if any.
    fn store(&self) -> Result<wasmi::Store<StoreData>> {
        Ok(match self.budget {
            None => wasmi::Store::new(&self.engine, StoreData::default()),
            Some(b) => {
                let limits = wasmi::StoreLimitsBuilder::new()
                    .memory_size(usize::try_from(b.memory_bytes).unwrap_or(usize::MAX))
                    .table_elements(b.table_elements() as usize)
                    .trap_on_grow_failure(true)
                    .build();
                let mut store = wasmi::Store::new(
                    &self.engine,
                    StoreData {
                        limits,
                        ..StoreData::default()
                    },
                );
                store.limiter(|d| &mut d.limits);
                store
                    .set_fuel(fuel(b))
                    .map_err(|e| Error::from(ErrorKind::Engine(e.to_string())))?;
                store
            }
        })
    }
}

/// A wasmi instance and the store that owns it.
pub struct WasmiInstance {
    store: wasmi::Store<StoreData>,
    instance: wasmi::Instance,
    budget: Option<Budget>,
}

/// The limit a wasmi error reports hitting, if any.
fn limit_error(e: &wasmi::Error, budget: Option<Budget>) -> Option<Error> {
    match e.as_trap_code() {
        Some(wasmi::TrapCode::OutOfFuel) => Some(Error::from(ErrorKind::Timeout(format!(
            "the guest spent its fuel of {} instructions (the deadline, at {:.0e}/s)",
            budget.map_or(0, fuel),
            FUEL_PER_SECOND
        )))),
        Some(wasmi::TrapCode::GrowthOperationLimited) => Some(Error::from(ErrorKind::MemoryLimit(
            format!("the guest's memory or tables would pass their cap: {e}"),
        ))),
        _ => {
            let text = e.to_string();
            // A memory whose minimum already passes the cap fails
            // instantiation through the limiter.
            (budget.is_some()
                && (text.contains("memory") || text.contains("table"))
                && text.contains("limit"))
            .then(|| {
                Error::from(ErrorKind::MemoryLimit(format!(
                    "the guest's memory or tables would pass their cap: {text}"
                )))
            })
        }
    }
}

/// A wasmi error as a runtime error: a trap with its message, or the
/// limit it hit.
#[cold]
#[inline(never)]
fn trap(e: wasmi::Error, budget: Option<Budget>) -> Error {
    limit_error(&e, budget).unwrap_or_else(|| Error::from(ErrorKind::Trap(e.to_string())))
}

fn val_type(t: &wasmi::ValType) -> Option<ValType> {
    Some(match t {
        wasmi::ValType::I32 => ValType::I32,
        wasmi::ValType::I64 => ValType::I64,
        wasmi::ValType::F32 => ValType::F32,
        wasmi::ValType::F64 => ValType::F64,
        _ => return None,
    })
}

impl Instance for WasmiInstance {
    type Func<P: Params, R: Results> = wasmi::TypedFunc<P, R>;
    type Untyped = wasmi::Func;
    type Memory = wasmi::Memory;

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
            Err(e) => Err(trap(e, self.budget)),
        }
    }

    fn resolve_untyped(
        &mut self,
        name: &str,
        params: &[ValType],
        results: &[ValType],
    ) -> Result<wasmi::Func> {
        let f = self.lookup_untyped(name)?;
        let ty = f.ty(&self.store);
        let have = (ty.params().iter(), ty.results().iter());
        check_signature(f, name, have, (params, results), val_type)
    }

    #[inline(always)]
    fn lookup_untyped(&mut self, name: &str) -> Result<wasmi::Func> {
        match self.instance.get_export(&self.store, name) {
            Some(wasmi::Extern::Func(f)) => Ok(f),
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
        f: &wasmi::Func,
        args: &[Value],
        results: &mut [Value],
    ) -> Result<()> {
        let mut wargs = [const { wasmi::Val::I32(0) }; crate::MAX_ARITY];
        for (w, a) in wargs.iter_mut().zip(args) {
            *w = match *a {
                Value::I32(x) => wasmi::Val::I32(x),
                Value::I64(x) => wasmi::Val::I64(x),
                Value::F32(x) => wasmi::Val::F32(x.into()),
                Value::F64(x) => wasmi::Val::F64(x.into()),
            };
        }
        let mut wres = [const { wasmi::Val::I32(0) }; crate::MAX_ARITY];
        let wres = &mut wres[..results.len()];
        f.call(&mut self.store, &wargs[..args.len()], wres)
            .map_err(|e| trap(e, self.budget))?;
        for (r, w) in results.iter_mut().zip(wres.iter()) {
            *r = match *w {
                wasmi::Val::I32(x) => Value::I32(x),
                wasmi::Val::I64(x) => Value::I64(x),
                wasmi::Val::F32(x) => Value::F32(x.into()),
                wasmi::Val::F64(x) => Value::F64(x.into()),
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
    fn resolve_memory(&mut self, name: &str) -> Result<wasmi::Memory> {
        match self.instance.get_export(&self.store, name) {
            Some(wasmi::Extern::Memory(m)) => Ok(m),
            Some(_) => Err(Error::from(ErrorKind::ExportType {
                name: name.to_string(),
                expected: "a memory".to_string(),
            })),
            None => Err(Error::from(ErrorKind::MissingExport(name.to_string()))),
        }
    }

    #[inline(always)]
    fn memory_mut(&mut self, memory: &wasmi::Memory) -> &mut [u8] {
        memory.data_mut(&mut self.store)
    }
}
