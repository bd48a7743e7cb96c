//! Wasmer 7 (`sys`), with the Cranelift, Singlepass or LLVM compiler.
//!
//! One engine type serves all three compilers, so the instance type, and
//! hence every monomorphised cell, is shared between them.

use crate::value::{Params, Results, ValType, Value};
use crate::{Engine, Error, ErrorKind, Instance, Result, RuntimeId};

/// A Wasmer engine with one compiler.
pub struct WasmerEngine {
    id: RuntimeId,
    engine: wasmer::Engine,
}

impl WasmerEngine {
    /// Creates the engine for a Wasmer runtime id.
    pub fn new(id: RuntimeId) -> Result<Self> {
        let engine: wasmer::Engine = match id {
            #[cfg(feature = "wasmer-cranelift")]
            RuntimeId::WasmerCranelift => wasmer::sys::Cranelift::default().into(),
            #[cfg(feature = "wasmer-singlepass")]
            RuntimeId::WasmerSinglepass => wasmer::sys::Singlepass::default().into(),
            #[cfg(feature = "wasmer-llvm")]
            RuntimeId::WasmerLlvm => wasmer::sys::LLVM::default().into(),
            other => return Err(Error::from(ErrorKind::NotCompiled(other))),
        };
        Ok(WasmerEngine { id, engine })
    }
}

impl Engine for WasmerEngine {
    type Module = wasmer::Module;
    type Instance = WasmerInstance;

    fn id(&self) -> RuntimeId {
        self.id
    }

    fn compile(&self, wasm: &[u8]) -> Result<wasmer::Module> {
        wasmer::Module::new(&self.engine, wasm)
            .map_err(|e| Error::from(ErrorKind::Compile(e.to_string())))
    }

    fn instantiate(&self, module: &wasmer::Module) -> Result<WasmerInstance> {
        let mut store = wasmer::Store::new(self.engine.clone());
        let instance = wasmer::Instance::new(&mut store, module, &wasmer::imports! {})
            .map_err(|e| Error::from(ErrorKind::Instantiate(e.to_string())))?;
        Ok(WasmerInstance { store, instance })
    }
}

/// A Wasmer instance and the store that owns it.
pub struct WasmerInstance {
    store: wasmer::Store,
    instance: wasmer::Instance,
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

#[cold]
#[inline(never)]
fn trap(e: wasmer::RuntimeError) -> Error {
    Error::from(ErrorKind::Trap(e.message()))
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

fn func_expected(params: &[ValType], results: &[ValType]) -> String {
    format!("a function {}", crate::signature(params, results))
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
            Err(e) => Err(trap(e)),
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
        let same = |have: &[wasmer::Type], want: &[ValType]| {
            have.len() == want.len() && have.iter().zip(want).all(|(h, w)| val_type(*h) == Some(*w))
        };
        if same(ty.params(), params) && same(ty.results(), results) {
            Ok(f)
        } else {
            Err(Error::from(ErrorKind::ExportType {
                name: name.to_string(),
                expected: func_expected(params, results),
            }))
        }
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
        let out = f
            .call(&mut self.store, &wargs[..args.len()])
            .map_err(trap)?;
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
