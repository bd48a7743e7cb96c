//! The backends, and the one place a runtime id becomes a concrete type.

#[cfg(feature = "wasmer")]
pub mod wasmer;
#[cfg(feature = "wasmtime")]
pub mod wasmtime;

use crate::{Engine, Error, ErrorKind, Result, RuntimeId};

/// Code to run once per backend with its concrete engine type.
///
/// Rust has no generic closures; this trait is one. The harness builds its
/// cells inside `visit`, so everything after the choice of runtime is
/// monomorphic.
pub trait EngineVisitor {
    /// What the visit produces.
    type Output;
    /// Called with a freshly created engine of the chosen backend.
    fn visit<E: Engine>(self, engine: E) -> Self::Output;
}

/// Creates the engine for `id` and hands it to `visitor`.
///
/// Fails with [`ErrorKind::NotCompiled`] when the backend's feature is off,
/// and with [`ErrorKind::Engine`] if the engine cannot be created.
pub fn visit<V: EngineVisitor>(id: RuntimeId, visitor: V) -> Result<V::Output> {
    #[allow(unreachable_code, unused_variables)]
    match id {
        RuntimeId::WasmerCranelift | RuntimeId::WasmerSinglepass | RuntimeId::WasmerLlvm => {
            if !id.compiled_in() {
                return Err(Error::from(ErrorKind::NotCompiled(id)));
            }
            #[cfg(feature = "wasmer")]
            return Ok(visitor.visit(wasmer::WasmerEngine::new(id)?));
            Err(Error::from(ErrorKind::NotCompiled(id)))
        }
        RuntimeId::Wasmtime => {
            #[cfg(feature = "wasmtime")]
            return Ok(visitor.visit(wasmtime::WasmtimeEngine::new()?));
            Err(Error::from(ErrorKind::NotCompiled(id)))
        }
    }
}
