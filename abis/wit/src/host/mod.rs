//! The Wasmtime host: component bindgen for cached typed calls, typed
//! lookups by name for uncached ones, `Val` arrays for untyped ones. The
//! linkage `L` picks the path at compile time.
//!
//! This file holds what every scenario shares (the bindings, the live
//! instance, the loader); each scenario's host lives in its own file
//! (`micro.rs`, `sim.rs`, `payload.rs`), re-exported here.

use std::marker::PhantomData;

use abi_api::{Error, ErrorKind, Loader, Result, RuntimeId};
use runtimes::EngineConfig;
use runtimes::component::{CompiledComponent, ComponentEngine, ComponentInstance, Store, trap};
use wasmtime::component::{Func, Val};

use crate::Concurrency;

mod micro;
mod payload;
mod sim;

pub use self::micro::{WitMicro, micro};
pub use self::payload::{WitPayload, payload};
pub use self::sim::{WitSim, sim};

wasmtime::component::bindgen!({
    path: "wit",
    world: "bench",
});

/// A live component instance with everything a host needs.
pub struct Live {
    store: Store,
    instance: wasmtime::component::Instance,
    bindings: Bench,
}

/// Compiles and instantiates the WIT guest on a component engine of one
/// runtime and `concurrency` value; `H` picks the host type.
pub struct WitLoader<H> {
    engine: ComponentEngine,
    _host: PhantomData<fn() -> H>,
}

impl<H> WitLoader<H> {
    /// The loader for `runtime`'s component engine, configured like the
    /// cell's core engine (`cfg`: its limits).
    pub fn new(runtime: RuntimeId, concurrency: Concurrency, cfg: EngineConfig) -> Result<Self> {
        let on = match concurrency {
            Concurrency::Off => false,
            Concurrency::On => true,
        };
        Ok(WitLoader {
            engine: ComponentEngine::new(runtime, on, cfg)?,
            _host: PhantomData,
        })
    }
}

/// A host built from a live instance.
pub trait FromLive: Sized {
    /// Resolves what the host keeps.
    fn from_live(live: Live) -> Result<Self>;
}

impl<H: FromLive> Loader for WitLoader<H> {
    type Module = CompiledComponent;
    type Host = H;

    fn compile(&self, wasm: &[u8]) -> Result<CompiledComponent> {
        self.engine.compile(wasm)
    }

    fn serialize(&self, c: &CompiledComponent) -> Result<Vec<u8>> {
        self.engine.serialize(c)
    }

    unsafe fn deserialize(&self, bytes: &[u8]) -> Result<CompiledComponent> {
        // SAFETY: the caller's promise passes through.
        unsafe { self.engine.deserialize(bytes) }
    }

    fn instantiate(&self, c: &CompiledComponent) -> Result<H> {
        let ComponentInstance {
            mut store,
            instance,
        } = self.engine.instantiate(c)?;
        let bindings = Bench::new(&mut store, &instance)
            .map_err(|e| Error::from(ErrorKind::Instantiate(format!("{e:#}"))))?;
        H::from_live(Live {
            store,
            instance,
            bindings,
        })
    }
}

fn func(live: &mut Live, name: &str) -> Result<Func> {
    live.instance
        .get_func(&mut live.store, name)
        .ok_or_else(|| Error::from(ErrorKind::MissingExport(name.to_string())))
}

/// Calls an export by its `Func` with a `Val` array; the one result.
#[inline(always)]
fn call_val(store: &mut Store, f: &Func, args: &[Val]) -> Result<Val> {
    let mut out = [Val::Bool(false)];
    f.call(store, args, &mut out).map_err(trap)?;
    let [v] = out;
    Ok(v)
}

#[cold]
#[inline(never)]
fn wrong(v: &Val) -> Error {
    ErrorKind::Abi(format!("unexpected result {v:?}")).into()
}
