//! The Wasmtime host: component bindgen for cached typed calls, typed
//! lookups by name for uncached ones, `Val` arrays for untyped ones.

use std::marker::PhantomData;

use abi_api::{
    Caching, CallStyle, Choice, Error, ErrorKind, Loader, MicroLoaderVisitor, Multiply, Result,
    SimLoaderVisitor, Simulator,
};
use wasmtime::component::{Component, Func, Instance, Linker, Val};
use wasmtime::{Config, Engine, Store};

use crate::{BATCH, CONCURRENCY, trap};

wasmtime::component::bindgen!({
    path: "wit",
    world: "bench",
});

/// How a host reaches the exports: the shared caching and call-style
/// factors as one const parameter, so every call site is resolved at
/// compile time.
pub mod mode {
    /// Bindgen's handles, resolved once; typed calls.
    pub const CACHED_TYPED: u8 = 0;
    /// `get_typed_func` by name on every call.
    pub const UNCACHED_TYPED: u8 = 1;
    /// `Func` handles resolved once; calls with `Val` arrays.
    pub const CACHED_UNTYPED: u8 = 2;
    /// `get_func` by name on every call; calls with `Val` arrays.
    pub const UNCACHED_UNTYPED: u8 = 3;
}

fn mode_of(caching: Caching, style: CallStyle) -> u8 {
    match (caching, style) {
        (Caching::Cached, CallStyle::Typed) => mode::CACHED_TYPED,
        (Caching::Uncached, CallStyle::Typed) => mode::UNCACHED_TYPED,
        (Caching::Cached, CallStyle::Untyped) => mode::CACHED_UNTYPED,
        (Caching::Uncached, CallStyle::Untyped) => mode::UNCACHED_UNTYPED,
    }
}

/// A compiled component and the linker that satisfies its imports.
pub struct Compiled {
    component: Component,
    linker: Linker<()>,
}

/// A live component instance with everything a host needs.
pub struct Live {
    store: Store<()>,
    instance: Instance,
    bindings: Bench,
}

/// Compiles and instantiates the WIT guest on an engine configured for one
/// `concurrency` value; `H` picks the host type.
pub struct WitLoader<H> {
    engine: Engine,
    _host: PhantomData<fn() -> H>,
}

impl<H> WitLoader<H> {
    /// An engine with Wasmtime's defaults, concurrency support as given.
    pub fn new(concurrency: bool) -> Result<Self> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.concurrency_support(concurrency);
        let engine =
            Engine::new(&config).map_err(|e| Error::from(ErrorKind::Engine(format!("{e:#}"))))?;
        Ok(WitLoader {
            engine,
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
    type Module = Compiled;
    type Host = H;

    fn compile(&self, wasm: &[u8]) -> Result<Compiled> {
        let component = Component::new(&self.engine, wasm)
            .map_err(|e| Error::from(ErrorKind::Compile(format!("{e:#}"))))?;
        let mut linker = Linker::new(&self.engine);
        // No capabilities: the WASI functions Rust's std imports trap if
        // called (the guest never calls them on a good path).
        linker
            .define_unknown_imports_as_traps(&component)
            .map_err(|e| Error::from(ErrorKind::Instantiate(format!("{e:#}"))))?;
        Ok(Compiled { component, linker })
    }

    fn instantiate(&self, c: &Compiled) -> Result<H> {
        let mut store = Store::new(&self.engine, ());
        let instance = c
            .linker
            .instantiate(&mut store, &c.component)
            .map_err(|e| Error::from(ErrorKind::Instantiate(format!("{e:#}"))))?;
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
fn call_val(store: &mut Store<()>, f: &Func, args: &[Val]) -> Result<Val> {
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

/// The micro scenario over the component model. `RECORD` passes the
/// operands as one record argument instead of two scalars.
pub struct WitMicro<const MODE: u8, const RECORD: bool> {
    live: Live,
    mul_i32: Func,
    mul_f32: Func,
}

impl<const MODE: u8, const RECORD: bool> FromLive for WitMicro<MODE, RECORD> {
    fn from_live(mut live: Live) -> Result<Self> {
        let (i, f) = if RECORD {
            ("mul-i32-record", "mul-f32-record")
        } else {
            ("mul-i32", "mul-f32")
        };
        Ok(WitMicro {
            mul_i32: func(&mut live, i)?,
            mul_f32: func(&mut live, f)?,
            live,
        })
    }
}

impl<const MODE: u8, const RECORD: bool> Multiply for WitMicro<MODE, RECORD> {
    type Error = Error;

    #[inline(always)]
    fn mul_i32(&mut self, a: i32, b: i32) -> Result<i32> {
        let l = &mut self.live;
        match MODE {
            mode::CACHED_TYPED if RECORD => l
                .bindings
                .call_mul_i32_record(&mut l.store, OperandsI32 { a, b })
                .map_err(trap),
            mode::CACHED_TYPED => l.bindings.call_mul_i32(&mut l.store, a, b).map_err(trap),
            mode::UNCACHED_TYPED if RECORD => {
                let f = l
                    .instance
                    .get_typed_func::<(OperandsI32,), (i32,)>(&mut l.store, "mul-i32-record")
                    .map_err(trap)?;
                Ok(f.call(&mut l.store, (OperandsI32 { a, b },))
                    .map_err(trap)?
                    .0)
            }
            mode::UNCACHED_TYPED => {
                let f = l
                    .instance
                    .get_typed_func::<(i32, i32), (i32,)>(&mut l.store, "mul-i32")
                    .map_err(trap)?;
                Ok(f.call(&mut l.store, (a, b)).map_err(trap)?.0)
            }
            _ => {
                let f = if MODE == mode::CACHED_UNTYPED {
                    self.mul_i32
                } else {
                    func(l, if RECORD { "mul-i32-record" } else { "mul-i32" })?
                };
                let v = if RECORD {
                    call_val(
                        &mut l.store,
                        &f,
                        &[Val::Record(vec![
                            ("a".into(), Val::S32(a)),
                            ("b".into(), Val::S32(b)),
                        ])],
                    )?
                } else {
                    call_val(&mut l.store, &f, &[Val::S32(a), Val::S32(b)])?
                };
                match v {
                    Val::S32(x) => Ok(x),
                    other => Err(wrong(&other)),
                }
            }
        }
    }

    #[inline(always)]
    fn mul_f32(&mut self, a: f32, b: f32) -> Result<f32> {
        let l = &mut self.live;
        match MODE {
            mode::CACHED_TYPED if RECORD => l
                .bindings
                .call_mul_f32_record(&mut l.store, OperandsF32 { a, b })
                .map_err(trap),
            mode::CACHED_TYPED => l.bindings.call_mul_f32(&mut l.store, a, b).map_err(trap),
            mode::UNCACHED_TYPED if RECORD => {
                let f = l
                    .instance
                    .get_typed_func::<(OperandsF32,), (f32,)>(&mut l.store, "mul-f32-record")
                    .map_err(trap)?;
                Ok(f.call(&mut l.store, (OperandsF32 { a, b },))
                    .map_err(trap)?
                    .0)
            }
            mode::UNCACHED_TYPED => {
                let f = l
                    .instance
                    .get_typed_func::<(f32, f32), (f32,)>(&mut l.store, "mul-f32")
                    .map_err(trap)?;
                Ok(f.call(&mut l.store, (a, b)).map_err(trap)?.0)
            }
            _ => {
                let f = if MODE == mode::CACHED_UNTYPED {
                    self.mul_f32
                } else {
                    func(l, if RECORD { "mul-f32-record" } else { "mul-f32" })?
                };
                let v = if RECORD {
                    call_val(
                        &mut l.store,
                        &f,
                        &[Val::Record(vec![
                            ("a".into(), Val::Float32(a)),
                            ("b".into(), Val::Float32(b)),
                        ])],
                    )?
                } else {
                    call_val(&mut l.store, &f, &[Val::Float32(a), Val::Float32(b)])?
                };
                match v {
                    Val::Float32(x) => Ok(x),
                    other => Err(wrong(&other)),
                }
            }
        }
    }
}

/// The simulator over the component model.
pub struct WitSim<const MODE: u8> {
    live: Live,
    send: Func,
    send_batch: Func,
    /// Reused for each batch: the host's copy of the requests in the
    /// bindings' type, lowered into the guest by the canonical ABI.
    batch: Vec<Request>,
}

impl<const MODE: u8> FromLive for WitSim<MODE> {
    fn from_live(mut live: Live) -> Result<Self> {
        Ok(WitSim {
            send: func(&mut live, "sim-send")?,
            send_batch: func(&mut live, "sim-send-batch")?,
            live,
            batch: Vec::new(),
        })
    }
}

fn request_val(r: cachesim::Request) -> Val {
    Val::Record(vec![
        ("id".into(), Val::U32(r.id)),
        ("size".into(), Val::U32(r.size)),
    ])
}

impl<const MODE: u8> Simulator for WitSim<MODE> {
    type Error = Error;

    fn init(&mut self, policy: cachesim::Policy, capacity_bytes: u64) -> Result<()> {
        let p = match policy {
            cachesim::Policy::Fifo => Policy::Fifo,
            cachesim::Policy::Lru => Policy::Lru,
            cachesim::Policy::Lfu => Policy::Lfu,
            cachesim::Policy::Gds => Policy::Gds,
        };
        let l = &mut self.live;
        l.bindings
            .call_sim_init(&mut l.store, p, capacity_bytes)
            .map_err(trap)
    }

    #[inline(always)]
    fn send(&mut self, r: cachesim::Request) -> Result<bool> {
        let l = &mut self.live;
        let req = Request {
            id: r.id,
            size: r.size,
        };
        match MODE {
            mode::CACHED_TYPED => l.bindings.call_sim_send(&mut l.store, req).map_err(trap),
            mode::UNCACHED_TYPED => {
                let f = l
                    .instance
                    .get_typed_func::<(Request,), (bool,)>(&mut l.store, "sim-send")
                    .map_err(trap)?;
                Ok(f.call(&mut l.store, (req,)).map_err(trap)?.0)
            }
            _ => {
                let f = if MODE == mode::CACHED_UNTYPED {
                    self.send
                } else {
                    func(l, "sim-send")?
                };
                match call_val(&mut l.store, &f, &[request_val(r)])? {
                    Val::Bool(hit) => Ok(hit),
                    other => Err(wrong(&other)),
                }
            }
        }
    }

    fn send_batch(&mut self, reqs: &[cachesim::Request]) -> Result<u32> {
        let l = &mut self.live;
        if MODE == mode::CACHED_UNTYPED || MODE == mode::UNCACHED_UNTYPED {
            let f = if MODE == mode::CACHED_UNTYPED {
                self.send_batch
            } else {
                func(l, "sim-send-batch")?
            };
            let list = Val::List(reqs.iter().map(|r| request_val(*r)).collect());
            return match call_val(&mut l.store, &f, &[list])? {
                Val::U32(hits) => Ok(hits),
                other => Err(wrong(&other)),
            };
        }
        self.batch.clear();
        self.batch.extend(reqs.iter().map(|r| Request {
            id: r.id,
            size: r.size,
        }));
        if MODE == mode::CACHED_TYPED {
            l.bindings
                .call_sim_send_batch(&mut l.store, &self.batch)
                .map_err(trap)
        } else {
            let f = l
                .instance
                .get_typed_func::<(&[Request],), (u32,)>(&mut l.store, "sim-send-batch")
                .map_err(trap)?;
            Ok(f.call(&mut l.store, (&self.batch,)).map_err(trap)?.0)
        }
    }

    fn stats(&mut self) -> Result<cachesim::Stats> {
        let l = &mut self.live;
        let s = l.bindings.call_sim_stats(&mut l.store).map_err(trap)?;
        Ok(cachesim::Stats {
            requests: s.requests,
            hits: s.hits,
            bytes: s.bytes,
            byte_hits: s.byte_hits,
        })
    }
}

/// Hands `visitor` the micro loader for these factors.
pub fn micro<V: MicroLoaderVisitor>(
    caching: Caching,
    style: CallStyle,
    choice: Choice<'_>,
    v: V,
) -> Result<V::Output> {
    use mode::*;
    let concurrency = choice.get(CONCURRENCY.name) == "on";
    let record = choice.get(crate::ARGS.name) == "record";
    Ok(match (mode_of(caching, style), record) {
        (CACHED_TYPED, false) => v.visit(WitLoader::<WitMicro<CACHED_TYPED, false>>::new(
            concurrency,
        )?),
        (CACHED_TYPED, true) => {
            v.visit(WitLoader::<WitMicro<CACHED_TYPED, true>>::new(concurrency)?)
        }
        (UNCACHED_TYPED, false) => v.visit(WitLoader::<WitMicro<UNCACHED_TYPED, false>>::new(
            concurrency,
        )?),
        (UNCACHED_TYPED, true) => v.visit(WitLoader::<WitMicro<UNCACHED_TYPED, true>>::new(
            concurrency,
        )?),
        (CACHED_UNTYPED, false) => v.visit(WitLoader::<WitMicro<CACHED_UNTYPED, false>>::new(
            concurrency,
        )?),
        (CACHED_UNTYPED, true) => v.visit(WitLoader::<WitMicro<CACHED_UNTYPED, true>>::new(
            concurrency,
        )?),
        (_, false) => v.visit(WitLoader::<WitMicro<UNCACHED_UNTYPED, false>>::new(
            concurrency,
        )?),
        (_, true) => v.visit(WitLoader::<WitMicro<UNCACHED_UNTYPED, true>>::new(
            concurrency,
        )?),
    })
}

/// Hands `visitor` the simulator loader for these factors (typed calls;
/// the batch size is read by the harness from the `batch` factor).
pub fn sim<V: SimLoaderVisitor>(caching: Caching, choice: Choice<'_>, v: V) -> Result<V::Output> {
    let concurrency = choice.get(CONCURRENCY.name) == "on";
    let _ = choice.get(BATCH.name);
    Ok(match caching {
        Caching::Cached => v.visit(WitLoader::<WitSim<{ mode::CACHED_TYPED }>>::new(
            concurrency,
        )?),
        Caching::Uncached => v.visit(WitLoader::<WitSim<{ mode::UNCACHED_TYPED }>>::new(
            concurrency,
        )?),
    })
}
