//! Wasmer 7 (`sys`), with the Cranelift, Singlepass or LLVM compiler, and
//! the limits of [`crate::limits`] when asked: the metering middleware for
//! the deadline (an operation budget), tunables for the memory cap.
//!
//! One engine type serves all three compilers, so the instance type, and
//! hence every monomorphised cell, is shared between them.

use std::ptr::NonNull;
use std::sync::Arc;

use wasmer::sys::vm::{VMMemory, VMMemoryDefinition, VMTable, VMTableDefinition};
use wasmer::sys::{BaseTunables, CompilerConfig, NativeEngineExt, Tunables};
use wasmer::{MemoryError, MemoryStyle, MemoryType, Pages, TableStyle, TableType};
use wasmer_middlewares::Metering;
use wasmer_middlewares::metering::{MeteringPoints, get_remaining_points};

use super::signature::{check_signature, func_expected};
use crate::limits::{Budget, EngineConfig};
use crate::value::{Params, Results, ValType, Value};
use crate::{Engine, Error, ErrorKind, Instance, Result, RuntimeId, host_fns};

/// A Wasmer engine with one compiler.
///
/// With limits on, every compile gets an engine of its own: Wasmer's
/// metering middleware records the globals it adds to the one module it
/// instruments and refuses a second, so an engine with metering compiles
/// one module. Hotload cells with `limits=on` therefore time an engine
/// set-up per compile, as any Wasmer embedder who meters must.
pub struct WasmerEngine {
    id: RuntimeId,
    /// The engine every module shares when there is no budget.
    shared: Option<wasmer::Engine>,
    budget: Option<Budget>,
}

/// One point per operator that does work; none for those that compile to
/// nothing (structure, locals, constants, `nop`, `drop`), which a guest
/// can pile up without spending time: counted, they made a legal guest
/// spend a 600 s budget in 2 s. A branch counts, so a loop always spends.
fn cost(op: &wasmer::sys::wasmparser::Operator) -> u64 {
    use wasmer::sys::wasmparser::Operator as Op;
    match op {
        Op::Nop
        | Op::Block { .. }
        | Op::Loop { .. }
        | Op::End
        | Op::Else
        | Op::Drop
        | Op::LocalGet { .. }
        | Op::LocalSet { .. }
        | Op::LocalTee { .. }
        | Op::I32Const { .. }
        | Op::I64Const { .. }
        | Op::F32Const { .. }
        | Op::F64Const { .. } => 0,
        _ => 1,
    }
}

/// `compiler`, with the metering middleware and the memory cap of
/// `budget` if any, as an engine.
fn with_limits<C: CompilerConfig + Into<wasmer::Engine>>(
    mut compiler: C,
    budget: Option<Budget>,
) -> wasmer::Engine {
    if let Some(b) = budget {
        compiler.push_middleware(Arc::new(Metering::new(b.operations(), cost)));
    }
    let mut engine: wasmer::Engine = compiler.into();
    if let Some(b) = budget {
        engine.set_tunables(Capped {
            base: BaseTunables::new(),
            cap: Pages(b.pages()),
            table_cap: b.table_elements(),
        });
    }
    engine
}

/// A fresh engine for the Wasmer runtime `id`.
fn build(id: RuntimeId, budget: Option<Budget>) -> Result<wasmer::Engine> {
    Ok(match id {
        #[cfg(feature = "wasmer-cranelift")]
        RuntimeId::WasmerCranelift => with_limits(wasmer::sys::Cranelift::default(), budget),
        #[cfg(feature = "wasmer-singlepass")]
        RuntimeId::WasmerSinglepass => with_limits(wasmer::sys::Singlepass::default(), budget),
        #[cfg(feature = "wasmer-llvm")]
        RuntimeId::WasmerLlvm => with_limits(wasmer::sys::LLVM::default(), budget),
        other => return Err(Error::from(ErrorKind::NotCompiled(other))),
    })
}

impl WasmerEngine {
    /// Creates the engine for a Wasmer runtime id, with `cfg`'s limits.
    pub fn new(id: RuntimeId, cfg: EngineConfig) -> Result<Self> {
        if cfg.bounds_checks {
            return Err(Error::from(ErrorKind::Unsupported(format!(
                "{id}: explicit bounds checks are configured on Wasmtime only here"
            ))));
        }
        if cfg.pool.is_some() {
            return Err(Error::from(ErrorKind::Unsupported(format!(
                "{id}: Wasmer has no pooling instance allocator (each instance maps its own \
                 memories on demand; its tunables bound them, they do not pool them)"
            ))));
        }
        let budget = cfg.limits;
        // Built now even when limits are on, so that a runtime that is
        // not compiled in fails here rather than at the first compile.
        let engine = build(id, budget)?;
        Ok(WasmerEngine {
            id,
            shared: budget.is_none().then_some(engine),
            budget,
        })
    }
}

fn compile(engine: wasmer::Engine, wasm: &[u8]) -> Result<WasmerModule> {
    let module = wasmer::Module::new(&engine, wasm)
        .map_err(|e| Error::from(ErrorKind::Compile(e.to_string())))?;
    Ok(WasmerModule { module, engine })
}

/// Compiles on a thread of its own and waits at most `deadline`.
/// Compiling under the metering middleware grows faster than the module
/// (150 KB of nested blocks took 52 s, 0.4 s unmetered) and nothing can
/// interrupt a compiler, so past the deadline the cell is a `timeout` and
/// the compile is left to finish on its thread, its result dropped: it
/// keeps a core busy until then, but the run goes on.
fn compile_within(
    engine: wasmer::Engine,
    wasm: &[u8],
    deadline: std::time::Duration,
) -> Result<WasmerModule> {
    let (send, receive) = std::sync::mpsc::sync_channel(1);
    let wasm = wasm.to_vec();
    std::thread::Builder::new()
        .name("abilab-compile".into())
        .spawn(move || {
            let _ = send.send(compile(engine, &wasm));
        })
        .map_err(|e| Error::from(ErrorKind::Compile(format!("cannot start a compile: {e}"))))?;
    receive.recv_timeout(deadline).unwrap_or_else(|_| {
        Err(Error::from(ErrorKind::Timeout(format!(
            "compiling under Wasmer's metering took longer than the deadline ({:.1} s)",
            deadline.as_secs_f64()
        ))))
    })
}

/// A compiled module and the engine that compiled it (its instances'
/// stores use that engine).
pub struct WasmerModule {
    module: wasmer::Module,
    engine: wasmer::Engine,
}

/// Tunables that clamp every memory's and table's maximum to the cap, so
/// growth past it fails; one whose minimum is already past it is refused.
struct Capped {
    base: BaseTunables,
    cap: Pages,
    /// The most elements a table may hold.
    table_cap: u32,
}

impl Capped {
    fn adjust(&self, ty: &MemoryType) -> std::result::Result<MemoryType, MemoryError> {
        if ty.minimum > self.cap {
            return Err(MemoryError::Generic(format!(
                "the guest asks for {} pages, past its cap of {}",
                ty.minimum.0, self.cap.0
            )));
        }
        let mut adjusted = *ty;
        adjusted.maximum = Some(ty.maximum.map_or(self.cap, |m| m.min(self.cap)));
        Ok(adjusted)
    }

    fn adjust_table(&self, ty: &TableType) -> std::result::Result<TableType, String> {
        if ty.minimum > self.table_cap {
            return Err(format!(
                "the guest asks for a table of {} elements, past its cap of {}",
                ty.minimum, self.table_cap
            ));
        }
        let mut adjusted = *ty;
        adjusted.maximum = Some(ty.maximum.map_or(self.table_cap, |m| m.min(self.table_cap)));
        Ok(adjusted)
    }
}

impl Tunables for Capped {
    fn memory_style(&self, memory: &MemoryType) -> MemoryStyle {
        self.base.memory_style(memory)
    }

    fn table_style(&self, table: &TableType) -> TableStyle {
        self.base.table_style(table)
    }

    fn create_host_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
    ) -> std::result::Result<VMMemory, MemoryError> {
        self.base.create_host_memory(&self.adjust(ty)?, style)
    }

    unsafe fn create_vm_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
        vm_definition_location: NonNull<VMMemoryDefinition>,
    ) -> std::result::Result<VMMemory, MemoryError> {
        let ty = self.adjust(ty)?;
        // SAFETY: the caller's promise about `vm_definition_location`
        // passes through unchanged.
        unsafe {
            self.base
                .create_vm_memory(&ty, style, vm_definition_location)
        }
    }

    fn create_host_table(
        &self,
        ty: &TableType,
        style: &TableStyle,
    ) -> std::result::Result<VMTable, String> {
        self.base.create_host_table(&self.adjust_table(ty)?, style)
    }

    unsafe fn create_vm_table(
        &self,
        ty: &TableType,
        style: &TableStyle,
        vm_definition_location: NonNull<VMTableDefinition>,
    ) -> std::result::Result<VMTable, String> {
        let ty = self.adjust_table(ty)?;
        // SAFETY: as above.
        unsafe {
            self.base
                .create_vm_table(&ty, style, vm_definition_location)
        }
    }
}

impl Engine for WasmerEngine {
    type Module = WasmerModule;
    type Instance = WasmerInstance;

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

    fn compile(&self, wasm: &[u8]) -> Result<WasmerModule> {
        match (&self.shared, self.budget) {
            (Some(shared), _) => compile(shared.clone(), wasm),
            (None, None) => compile(build(self.id, None)?, wasm),
            (None, Some(budget)) => {
                compile_within(build(self.id, Some(budget))?, wasm, budget.deadline)
            }
        }
    }

    fn serialize(&self, module: &WasmerModule) -> Result<Vec<u8>> {
        module
            .module
            .serialize()
            .map(|b| b.to_vec())
            .map_err(|e| Error::from(ErrorKind::Compile(format!("serialize: {e}"))))
    }

    unsafe fn deserialize(&self, bytes: &[u8]) -> Result<WasmerModule> {
        // A limited engine meters one module per engine (see `compile`).
        let engine = match &self.shared {
            Some(shared) => shared.clone(),
            None => build(self.id, self.budget)?,
        };
        // SAFETY: the caller promises the bytes came from `serialize` on
        // an engine of this configuration.
        let module = unsafe { wasmer::Module::deserialize(&engine, bytes.to_vec()) }
            .map_err(|e| Error::from(ErrorKind::Compile(format!("deserialize: {e}"))))?;
        Ok(WasmerModule { module, engine })
    }

    fn instantiate(&self, module: &WasmerModule) -> Result<WasmerInstance> {
        let mut store = wasmer::Store::new(module.engine.clone());
        let instance = wasmer::Instance::new(&mut store, &module.module, &wasmer::imports! {})
            .map_err(|e| instantiate_error(&e, self.budget))?;
        Ok(WasmerInstance {
            store,
            instance,
            budget: self.budget,
            host: None,
        })
    }

    fn instantiate_with_host<H: host_fns::HostFunctions>(
        &self,
        module: &WasmerModule,
    ) -> Result<WasmerInstance> {
        let mut store = wasmer::Store::new(module.engine.clone());
        let env = wasmer::FunctionEnv::new(&mut store, HostEnv::default());
        let mut imports = wasmer::Imports::new();
        let add = wasmer::Function::new_typed_with_env(&mut store, &env, host_add::<H>);
        imports.define(host_fns::MODULE, host_fns::ADD, add);
        let digest = wasmer::Function::new_typed_with_env(&mut store, &env, host_digest::<H>);
        imports.define(host_fns::MODULE, host_fns::DIGEST, digest);
        let instance = wasmer::Instance::new(&mut store, &module.module, &imports)
            .map_err(|e| instantiate_error(&e, self.budget))?;
        let memory = instance.exports.get_memory("memory").ok().cloned();
        env.as_mut(&mut store).memory = memory;
        Ok(WasmerInstance {
            store,
            instance,
            budget: self.budget,
            host: Some(env),
        })
    }
}

/// A failed instantiation as a runtime error. A memory or table past its
/// cap is the limit; a start function stopped by the metering
/// middleware traps as `unreachable` with no instance left to ask whether
/// its budget was spent, so under limits such a trap says both causes.
#[cold]
fn instantiate_error(e: &wasmer::InstantiationError, budget: Option<Budget>) -> Error {
    let text = e.to_string();
    match budget {
        Some(_) if text.contains("past its cap") => Error::from(ErrorKind::MemoryLimit(text)),
        Some(b) if text.contains("unreachable") => Error::from(ErrorKind::Instantiate(format!(
            "{text} (the start function trapped: its own `unreachable`, or Wasmer's metering \
             stopping it at its deadline's budget of {} operations)",
            b.operations()
        ))),
        _ => Error::from(ErrorKind::Instantiate(text)),
    }
}

/// What the host functions of an instance share: their call count and the
/// guest's memory.
#[derive(Default)]
struct HostEnv {
    calls: u64,
    memory: Option<wasmer::Memory>,
}

/// `abilab.host_add`.
fn host_add<H: host_fns::HostFunctions>(
    mut env: wasmer::FunctionEnvMut<HostEnv>,
    a: i32,
    b: i32,
) -> i32 {
    env.data_mut().calls += 1;
    H::add(a, b)
}

/// `abilab.host_digest`: the guest bytes read in place.
fn host_digest<H: host_fns::HostFunctions>(
    mut env: wasmer::FunctionEnvMut<HostEnv>,
    ptr: i32,
    len: i32,
) -> std::result::Result<i64, wasmer::RuntimeError> {
    let (data, store) = env.data_and_store_mut();
    data.calls += 1;
    let Some(memory) = &data.memory else {
        return Err(wasmer::RuntimeError::new(
            "host_digest: the guest has no memory",
        ));
    };
    let view = memory.view(&store);
    let bytes: &[u8] = if view.data_size() == 0 {
        &[]
    } else {
        // SAFETY: no guest code runs (so the memory cannot grow or move)
        // while the host function reads; `digest_guest` bounds-checks.
        unsafe { view.data_unchecked() }
    };
    host_fns::digest_guest::<H>(bytes, ptr, len).map_err(wasmer::RuntimeError::new)
}

/// A Wasmer instance and the store that owns it.
pub struct WasmerInstance {
    store: wasmer::Store,
    instance: wasmer::Instance,
    budget: Option<Budget>,
    /// The host functions' state, when they were linked.
    host: Option<wasmer::FunctionEnv<HostEnv>>,
}

impl WasmerInstance {
    /// The store and the instance, for code that drives Wasmer directly
    /// (the self-referential-struct factor and the overhead yardstick).
    pub fn parts_mut(&mut self) -> (&mut wasmer::Store, &wasmer::Instance) {
        (&mut self.store, &self.instance)
    }
}

fn val_type(t: wasmer::Type) -> Option<ValType> {
    Some(match t {
        wasmer::Type::I32 => ValType::I32,
        wasmer::Type::I64 => ValType::I64,
        wasmer::Type::F32 => ValType::F32,
        wasmer::Type::F64 => ValType::F64,
        _ => return None,
    })
}

impl WasmerInstance {
    /// A trap as a runtime error, or the limit the guest hit: an operation
    /// budget spent (the deadline), or a memory at its cap (growth refused,
    /// after which our guests abort).
    #[cold]
    #[inline(never)]
    fn trap(&mut self, e: wasmer::RuntimeError) -> Error {
        let Some(budget) = self.budget else {
            return Error::from(ErrorKind::Trap(e.message()));
        };
        if get_remaining_points(&mut self.store, &self.instance) == MeteringPoints::Exhausted {
            return Error::from(ErrorKind::Timeout(format!(
                "the guest spent its budget of {} operations (the deadline)",
                budget.operations()
            )));
        }
        let at_cap = self
            .instance
            .exports
            .iter()
            .memories()
            .any(|(_, m)| m.view(&self.store).size().0 >= budget.pages());
        if at_cap {
            return Error::from(ErrorKind::MemoryLimit(format!(
                "the guest trapped ({}) with its memory at its cap of {} MiB",
                e.message(),
                budget.memory_bytes >> 20
            )));
        }
        Error::from(ErrorKind::Trap(e.message()))
    }
}

fn export_error(e: wasmer::ExportError, name: &str, expected: impl FnOnce() -> String) -> Error {
    match e {
        wasmer::ExportError::Missing(_) => Error::from(ErrorKind::MissingExport(name.to_string())),
        _ => Error::from(ErrorKind::ExportType {
            name: name.to_string(),
            expected: expected(),
        }),
    }
}

impl Instance for WasmerInstance {
    type Func<P: Params, R: Results> = wasmer::TypedFunction<P::WasmerArgs, R>;
    type Untyped = wasmer::Function;
    type Memory = wasmer::Memory;

    fn resolve_func<P: Params, R: Results>(&mut self, name: &str) -> Result<Self::Func<P, R>> {
        self.instance
            .exports
            .get_typed_function(&self.store, name)
            .map_err(|e| export_error(e, name, || func_expected(P::TYPES, R::TYPES)))
    }

    #[inline(always)]
    fn call<P: Params, R: Results>(&mut self, f: &Self::Func<P, R>, args: P) -> Result<R> {
        match P::wasmer_call(f, &mut self.store, args) {
            Ok(r) => Ok(r),
            Err(e) => Err(self.trap(e)),
        }
    }

    fn resolve_untyped(
        &mut self,
        name: &str,
        params: &[ValType],
        results: &[ValType],
    ) -> Result<wasmer::Function> {
        let f = self.lookup_untyped(name)?;
        let ty = f.ty(&self.store);
        let have = (ty.params().iter().copied(), ty.results().iter().copied());
        check_signature(f, name, have, (params, results), val_type)
    }

    #[inline(always)]
    fn lookup_untyped(&mut self, name: &str) -> Result<wasmer::Function> {
        match self.instance.exports.get_function(name) {
            Ok(f) => Ok(f.clone()),
            Err(e) => Err(export_error(e, name, || "a function".to_string())),
        }
    }

    #[inline(always)]
    fn call_untyped(
        &mut self,
        f: &wasmer::Function,
        args: &[Value],
        results: &mut [Value],
    ) -> Result<()> {
        let mut wargs = [const { wasmer::Value::I32(0) }; crate::MAX_ARITY];
        for (w, a) in wargs.iter_mut().zip(args) {
            *w = match *a {
                Value::I32(x) => wasmer::Value::I32(x),
                Value::I64(x) => wasmer::Value::I64(x),
                Value::F32(x) => wasmer::Value::F32(x),
                Value::F64(x) => wasmer::Value::F64(x),
            };
        }
        let out = match f.call(&mut self.store, &wargs[..args.len()]) {
            Ok(out) => out,
            Err(e) => return Err(self.trap(e)),
        };
        if out.len() != results.len() {
            return Err(Error::from(ErrorKind::Abi(format!(
                "function returned {} values, expected {}",
                out.len(),
                results.len()
            ))));
        }
        for (r, o) in results.iter_mut().zip(out.iter()) {
            *r = match *o {
                wasmer::Value::I32(x) => Value::I32(x),
                wasmer::Value::I64(x) => Value::I64(x),
                wasmer::Value::F32(x) => Value::F32(x),
                wasmer::Value::F64(x) => Value::F64(x),
                ref other => {
                    return Err(Error::from(ErrorKind::Abi(format!(
                        "unexpected result {other:?}"
                    ))));
                }
            };
        }
        Ok(())
    }

    #[inline(always)]
    fn resolve_memory(&mut self, name: &str) -> Result<wasmer::Memory> {
        match self.instance.exports.get_memory(name) {
            Ok(m) => Ok(m.clone()),
            Err(e) => Err(export_error(e, name, || "a memory".to_string())),
        }
    }

    fn host_calls(&mut self) -> u64 {
        self.host
            .as_ref()
            .map_or(0, |env| env.as_ref(&self.store).calls)
    }

    #[inline(always)]
    fn memory_mut(&mut self, memory: &wasmer::Memory) -> &mut [u8] {
        let view = memory.view(&self.store);
        let (ptr, len) = (view.data_ptr(), view.data_size() as usize);
        if len == 0 {
            return &mut [];
        }
        // SAFETY: `ptr..ptr+len` is the memory's current allocation. The
        // slice borrows `self` (and so the store) mutably: no guest code can
        // run, and the memory cannot grow or be freed, while it is alive.
        unsafe { std::slice::from_raw_parts_mut(ptr, len) }
    }
}
