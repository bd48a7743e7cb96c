//! The component model on Wasmtime: what the WIT ABI runs on (a child
//! module of the Wasmtime backend, in its own file: it shares the core
//! engine's configuration, stores, epoch ticker and trap mapping).

use wasmtime::Config;
use wasmtime::component::{Component, Linker};

use super::{StoreData, Ticker};
use crate::limits::{Budget, EngineConfig};
use crate::{Error, ErrorKind, Result, RuntimeId};

pub use super::trap;
/// A component export's typed handle (for hosts without bindgen).
pub use wasmtime::component::TypedFunc;

/// A component's store.
pub type Store = wasmtime::Store<StoreData>;

/// An engine that loads components, configured like the core engine of
/// the same runtime id plus the component model.
pub struct ComponentEngine {
    engine: wasmtime::Engine,
    budget: Option<Budget>,
    _ticker: Option<Ticker>,
}

/// A compiled component and the linker that satisfies its imports.
pub struct CompiledComponent {
    component: Component,
    linker: Linker<StoreData>,
}

/// A live component instance and the store that owns it.
pub struct ComponentInstance {
    /// The store.
    pub store: Store,
    /// The instance.
    pub instance: wasmtime::component::Instance,
}

impl ComponentInstance {
    /// How many times the guest has called a host function of
    /// [`ComponentEngine::compile_with_host`] in this store.
    pub fn host_calls(&self) -> u64 {
        self.store.data().host_calls
    }
}

impl ComponentEngine {
    /// The component engine of runtime `id`; `concurrency` turns on
    /// Wasmtime's component-model async support
    /// (`Config::concurrency_support`), which changes what every
    /// synchronous call does.
    pub fn new(id: RuntimeId, concurrency: bool, cfg: EngineConfig) -> Result<Self> {
        let mut config: Config = super::config(id, &cfg).map_err(|_| {
            Error::from(ErrorKind::Unsupported(format!(
                "{id} cannot host components (only Wasmtime's engines load them here)"
            )))
        })?;
        config.wasm_component_model(true);
        config.concurrency_support(concurrency);
        let engine = wasmtime::Engine::new(&config)
            .map_err(|e| Error::from(ErrorKind::Engine(format!("{e:#}"))))?;
        let ticker = cfg.limits.map(|_| Ticker::start(&engine));
        Ok(ComponentEngine {
            engine,
            budget: cfg.limits,
            _ticker: ticker,
        })
    }

    /// Validates and compiles a component. Its imports (the WASI
    /// functions Rust's std pulls in) are linked as traps: the guest
    /// gets no capabilities.
    pub fn compile(&self, wasm: &[u8]) -> Result<CompiledComponent> {
        self.link(self.component(wasm)?)
    }

    fn component(&self, wasm: &[u8]) -> Result<Component> {
        Component::new(&self.engine, wasm)
            .map_err(|e| Error::from(ErrorKind::Compile(format!("{e:#}"))))
    }

    /// A compiled component as bytes [`ComponentEngine::deserialize`]
    /// loads (Wasmtime's module cache, for components).
    pub fn serialize(&self, c: &CompiledComponent) -> Result<Vec<u8>> {
        c.component
            .serialize()
            .map_err(|e| Error::from(ErrorKind::Compile(format!("serialize: {e:#}"))))
    }

    /// Loads a component [`ComponentEngine::serialize`] wrote.
    ///
    /// # Safety
    ///
    /// The bytes must come from `serialize` on an engine of this
    /// configuration: Wasmtime loads them as trusted machine code.
    pub unsafe fn deserialize(&self, bytes: &[u8]) -> Result<CompiledComponent> {
        // SAFETY: the caller's promise.
        let component = unsafe { Component::deserialize(&self.engine, bytes) }
            .map_err(|e| Error::from(ErrorKind::Compile(format!("deserialize: {e:#}"))))?;
        self.link(component)
    }

    /// Validates and compiles a component that imports the host
    /// functions of [`crate::host_fns`], typed in the component model
    /// (world `hostcall` of `abis/wit/wit`): `host-add: func(s32, s32)
    /// -> s32` and `host-digest: func(list<u8>) -> u64`, each counted
    /// per store ([`ComponentInstance::host_calls`]). `host-digest`
    /// reads the list where the guest's memory holds it (`WasmList`),
    /// as the core modules' `host_digest` does. Other imports trap.
    pub fn compile_with_host<H: crate::host_fns::HostFunctions>(
        &self,
        wasm: &[u8],
    ) -> Result<CompiledComponent> {
        use wasmtime::component::WasmList;
        let component = self.component(wasm)?;
        let mut linker = Linker::<StoreData>::new(&self.engine);
        let link = |e: wasmtime::Error| Error::from(ErrorKind::Instantiate(format!("{e:#}")));
        let mut root = linker.root();
        root.func_wrap(
            "host-add",
            |mut store: wasmtime::StoreContextMut<'_, StoreData>, (a, b): (i32, i32)| {
                store.data_mut().host_calls += 1;
                Ok((H::add(a, b),))
            },
        )
        .map_err(link)?;
        root.func_wrap(
            "host-digest",
            |mut store: wasmtime::StoreContextMut<'_, StoreData>, (bytes,): (WasmList<u8>,)| {
                store.data_mut().host_calls += 1;
                let digest = H::digest(bytes.as_le_slice(&store));
                Ok((digest as u64,))
            },
        )
        .map_err(link)?;
        self.finish_link(component, linker)
    }

    fn link(&self, component: Component) -> Result<CompiledComponent> {
        self.finish_link(component, Linker::new(&self.engine))
    }

    fn finish_link(
        &self,
        component: Component,
        mut linker: Linker<StoreData>,
    ) -> Result<CompiledComponent> {
        linker
            .define_unknown_imports_as_traps(&component)
            .map_err(|e| Error::from(ErrorKind::Instantiate(format!("{e:#}"))))?;
        Ok(CompiledComponent { component, linker })
    }

    /// Instantiates a compiled component in a fresh store.
    pub fn instantiate(&self, c: &CompiledComponent) -> Result<ComponentInstance> {
        let mut store = super::store(&self.engine, self.budget);
        let instance = c
            .linker
            .instantiate(&mut store, &c.component)
            .map_err(|e| {
                super::limit_error(&e)
                    .unwrap_or_else(|| Error::from(ErrorKind::Instantiate(format!("{e:#}"))))
            })?;
        Ok(ComponentInstance { store, instance })
    }
}
