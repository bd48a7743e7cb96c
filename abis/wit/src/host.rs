//! The Wasmtime host: component bindgen for cached typed calls, typed
//! lookups by name for uncached ones, `Val` arrays for untyped ones. The
//! linkage `L` picks the path at compile time.

use std::marker::PhantomData;

use abi_api::{
    Caching, CallStyle, Error, ErrorKind, Linkage, Loader, MicroVisitor, Multiply, PayloadVisitor,
    Result, RuntimeId, SimVisitor, Simulator,
};
use payload::{Digest, Direction, Exchange, Shape};
use runtimes::EngineConfig;
use runtimes::component::{CompiledComponent, ComponentEngine, ComponentInstance, Store, trap};
use wasmtime::component::{Func, Val};

use crate::{Args, Concurrency, WitFactors};

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

/// The micro scenario over the component model. `RECORD` passes the
/// operands as one record argument instead of two scalars.
pub struct WitMicro<L, const RECORD: bool> {
    live: Live,
    mul_i32: Func,
    mul_f32: Func,
    _linkage: PhantomData<L>,
}

impl<L: Linkage, const RECORD: bool> FromLive for WitMicro<L, RECORD> {
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
            _linkage: PhantomData,
        })
    }
}

impl<L: Linkage, const RECORD: bool> Multiply for WitMicro<L, RECORD> {
    type Error = Error;

    #[inline(always)]
    fn mul_i32(&mut self, a: i32, b: i32) -> Result<i32> {
        let l = &mut self.live;
        let name = if RECORD { "mul-i32-record" } else { "mul-i32" };
        let f = match (L::CACHING, L::STYLE) {
            (Caching::Cached, CallStyle::Typed) if RECORD => {
                return l
                    .bindings
                    .call_mul_i32_record(&mut l.store, OperandsI32 { a, b })
                    .map_err(trap);
            }
            (Caching::Cached, CallStyle::Typed) => {
                return l.bindings.call_mul_i32(&mut l.store, a, b).map_err(trap);
            }
            (Caching::Uncached, CallStyle::Typed) if RECORD => {
                let f = l
                    .instance
                    .get_typed_func::<(OperandsI32,), (i32,)>(&mut l.store, name)
                    .map_err(trap)?;
                return Ok(f
                    .call(&mut l.store, (OperandsI32 { a, b },))
                    .map_err(trap)?
                    .0);
            }
            (Caching::Uncached, CallStyle::Typed) => {
                let f = l
                    .instance
                    .get_typed_func::<(i32, i32), (i32,)>(&mut l.store, name)
                    .map_err(trap)?;
                return Ok(f.call(&mut l.store, (a, b)).map_err(trap)?.0);
            }
            (Caching::Cached, CallStyle::Untyped) => self.mul_i32,
            (Caching::Uncached, CallStyle::Untyped) => func(l, name)?,
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

    #[inline(always)]
    fn mul_f32(&mut self, a: f32, b: f32) -> Result<f32> {
        let l = &mut self.live;
        let name = if RECORD { "mul-f32-record" } else { "mul-f32" };
        let f = match (L::CACHING, L::STYLE) {
            (Caching::Cached, CallStyle::Typed) if RECORD => {
                return l
                    .bindings
                    .call_mul_f32_record(&mut l.store, OperandsF32 { a, b })
                    .map_err(trap);
            }
            (Caching::Cached, CallStyle::Typed) => {
                return l.bindings.call_mul_f32(&mut l.store, a, b).map_err(trap);
            }
            (Caching::Uncached, CallStyle::Typed) if RECORD => {
                let f = l
                    .instance
                    .get_typed_func::<(OperandsF32,), (f32,)>(&mut l.store, name)
                    .map_err(trap)?;
                return Ok(f
                    .call(&mut l.store, (OperandsF32 { a, b },))
                    .map_err(trap)?
                    .0);
            }
            (Caching::Uncached, CallStyle::Typed) => {
                let f = l
                    .instance
                    .get_typed_func::<(f32, f32), (f32,)>(&mut l.store, name)
                    .map_err(trap)?;
                return Ok(f.call(&mut l.store, (a, b)).map_err(trap)?.0);
            }
            (Caching::Cached, CallStyle::Untyped) => self.mul_f32,
            (Caching::Uncached, CallStyle::Untyped) => func(l, name)?,
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

/// The simulator over the component model (typed calls, cached or by name).
pub struct WitSim<L> {
    live: Live,
    /// Reused for each batch: the host's copy of the requests in the
    /// bindings' type, lowered into the guest by the canonical ABI.
    batch: Vec<Request>,
    _linkage: PhantomData<L>,
}

impl<L: Linkage> FromLive for WitSim<L> {
    fn from_live(mut live: Live) -> Result<Self> {
        // Checked now so that a guest without them fails before timing.
        func(&mut live, "sim-send")?;
        func(&mut live, "sim-send-batch")?;
        Ok(WitSim {
            live,
            batch: Vec::new(),
            _linkage: PhantomData,
        })
    }
}

impl<L: Linkage> Simulator for WitSim<L> {
    type Error = Error;

    fn init(&mut self, setup: cachesim::Setup, capacity_bytes: u64) -> Result<()> {
        // The WIT world passes a policy enum, not a setup code: the default
        // build of each policy only (the ablations run on core ABIs).
        if setup != cachesim::Setup::from(setup.policy()) {
            return Err(Error::from(ErrorKind::Unsupported(
                "WIT's sim-init takes a policy: the default build only (the ablations run on \
                 core ABIs)"
                    .into(),
            )));
        }
        let p = match setup.policy() {
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
        match L::CACHING {
            Caching::Cached => l.bindings.call_sim_send(&mut l.store, req).map_err(trap),
            Caching::Uncached => {
                let f = l
                    .instance
                    .get_typed_func::<(Request,), (bool,)>(&mut l.store, "sim-send")
                    .map_err(trap)?;
                Ok(f.call(&mut l.store, (req,)).map_err(trap)?.0)
            }
        }
    }

    fn send_batch(&mut self, reqs: &[cachesim::Request]) -> Result<u32> {
        let l = &mut self.live;
        self.batch.clear();
        self.batch.extend(reqs.iter().map(|r| Request {
            id: r.id,
            size: r.size,
        }));
        match L::CACHING {
            Caching::Cached => l
                .bindings
                .call_sim_send_batch(&mut l.store, &self.batch)
                .map_err(trap),
            Caching::Uncached => {
                let f = l
                    .instance
                    .get_typed_func::<(&[Request],), (u32,)>(&mut l.store, "sim-send-batch")
                    .map_err(trap)?;
                Ok(f.call(&mut l.store, (&self.batch,)).map_err(trap)?.0)
            }
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

/// The payload scenario over the component model: typed calls, through
/// bindgen's handles (cached) or `get_typed_func` by name (uncached). A
/// request crosses as its parts (method, URL, headers, body) so the host
/// lowers the scenario's own borrowed values; replies are lifted into
/// bindgen's owned types and digested.
pub struct WitPayload<L> {
    live: Live,
    _linkage: PhantomData<L>,
}

impl<L: Linkage> FromLive for WitPayload<L> {
    fn from_live(live: Live) -> Result<Self> {
        Ok(WitPayload {
            live,
            _linkage: PhantomData,
        })
    }
}

fn wit_record(r: &payload::Record) -> PayloadRecord {
    PayloadRecord {
        id: r.id,
        x: r.x,
        y: r.y,
        count: r.count,
        port: r.port,
        flags: r.flags,
    }
}

fn record_digest(r: PayloadRecord) -> u64 {
    Digest::new()
        .u64(r.id)
        .f64(r.x)
        .f64(r.y)
        .u64(u64::from(r.count))
        .u64(u64::from(r.port))
        .u64(u64::from(r.flags))
        .finish()
}

fn response_digest(r: &HttpResponse) -> u64 {
    Digest::new()
        .u64(u64::from(r.status))
        .headers(r.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .bytes(&r.body)
        .finish()
}

fn wit_method(m: payload::Method) -> Method {
    match m {
        payload::Method::Get => Method::Get,
        payload::Method::Post => Method::Post,
        payload::Method::Put => Method::Put,
        payload::Method::Delete => Method::Delete,
        payload::Method::Patch => Method::Patch,
    }
}

/// A request's parts as the nested exports take them.
type RequestParts<'a> = (Method, &'a str, &'a [(String, String)], &'a [u8]);

fn parts(r: &payload::HttpRequest) -> RequestParts<'_> {
    (wit_method(r.method), &r.url, &r.headers, &r.body)
}

impl<L: Linkage> WitPayload<L> {
    /// Calls export `name` with `args` by name (the uncached linkages).
    #[inline(always)]
    fn by_name<P, R>(&mut self, name: &str, args: P) -> Result<R>
    where
        P: wasmtime::component::ComponentNamedList + wasmtime::component::Lower,
        (R,): wasmtime::component::ComponentNamedList + wasmtime::component::Lift,
    {
        let l = &mut self.live;
        let f = l
            .instance
            .get_typed_func::<P, (R,)>(&mut l.store, name)
            .map_err(trap)?;
        Ok(f.call(&mut l.store, args).map_err(trap)?.0)
    }
}

impl<L: Linkage> Exchange for WitPayload<L> {
    type Error = Error;

    #[cold]
    fn unsupported(shape: Shape, direction: Direction) -> Error {
        ErrorKind::Unsupported(format!("WIT does not carry {shape} {direction}")).into()
    }

    #[inline(always)]
    fn record_in(&mut self, r: &payload::Record) -> Result<u64> {
        let r = wit_record(r);
        match L::CACHING {
            Caching::Cached => {
                let l = &mut self.live;
                l.bindings.call_record_in(&mut l.store, r).map_err(trap)
            }
            Caching::Uncached => self.by_name("record-in", (r,)),
        }
    }
    #[inline(always)]
    fn record_out(&mut self, seed: u64) -> Result<u64> {
        let r = match L::CACHING {
            Caching::Cached => {
                let l = &mut self.live;
                l.bindings
                    .call_record_out(&mut l.store, seed)
                    .map_err(trap)?
            }
            Caching::Uncached => self.by_name("record-out", (seed,))?,
        };
        Ok(record_digest(r))
    }
    #[inline(always)]
    fn record_roundtrip(&mut self, r: &payload::Record) -> Result<u64> {
        let r = wit_record(r);
        let back = match L::CACHING {
            Caching::Cached => {
                let l = &mut self.live;
                l.bindings
                    .call_record_roundtrip(&mut l.store, r)
                    .map_err(trap)?
            }
            Caching::Uncached => self.by_name("record-roundtrip", (r,))?,
        };
        Ok(record_digest(back))
    }

    #[inline(always)]
    fn string_in(&mut self, s: &str) -> Result<u64> {
        match L::CACHING {
            Caching::Cached => {
                let l = &mut self.live;
                l.bindings.call_string_in(&mut l.store, s).map_err(trap)
            }
            Caching::Uncached => self.by_name("string-in", (s,)),
        }
    }
    #[inline(always)]
    fn string_out(&mut self, seed: u64, len: usize) -> Result<u64> {
        let len = len as u32;
        let s: String = match L::CACHING {
            Caching::Cached => {
                let l = &mut self.live;
                l.bindings
                    .call_string_out(&mut l.store, seed, len)
                    .map_err(trap)?
            }
            Caching::Uncached => self.by_name("string-out", (seed, len))?,
        };
        Ok(Digest::new().str(&s).finish())
    }
    #[inline(always)]
    fn string_roundtrip(&mut self, s: &str) -> Result<u64> {
        let back: String = match L::CACHING {
            Caching::Cached => {
                let l = &mut self.live;
                l.bindings
                    .call_string_roundtrip(&mut l.store, s)
                    .map_err(trap)?
            }
            Caching::Uncached => self.by_name("string-roundtrip", (s,))?,
        };
        Ok(Digest::new().str(&back).finish())
    }

    #[inline(always)]
    fn list_in(&mut self, xs: &[u32]) -> Result<u64> {
        match L::CACHING {
            Caching::Cached => {
                let l = &mut self.live;
                l.bindings.call_list_in(&mut l.store, xs).map_err(trap)
            }
            Caching::Uncached => self.by_name("list-in", (xs,)),
        }
    }
    #[inline(always)]
    fn list_out(&mut self, seed: u64, n: usize) -> Result<u64> {
        let n = n as u32;
        let xs: Vec<u32> = match L::CACHING {
            Caching::Cached => {
                let l = &mut self.live;
                l.bindings
                    .call_list_out(&mut l.store, seed, n)
                    .map_err(trap)?
            }
            Caching::Uncached => self.by_name("list-out", (seed, n))?,
        };
        Ok(payload::digest_list(&xs))
    }
    #[inline(always)]
    fn list_roundtrip(&mut self, xs: &[u32]) -> Result<u64> {
        let back: Vec<u32> = match L::CACHING {
            Caching::Cached => {
                let l = &mut self.live;
                l.bindings
                    .call_list_roundtrip(&mut l.store, xs)
                    .map_err(trap)?
            }
            Caching::Uncached => self.by_name("list-roundtrip", (xs,))?,
        };
        Ok(payload::digest_list(&back))
    }

    #[inline(always)]
    fn nested_in(&mut self, r: &payload::HttpRequest) -> Result<u64> {
        let (m, url, headers, body) = parts(r);
        match L::CACHING {
            Caching::Cached => {
                let l = &mut self.live;
                l.bindings
                    .call_nested_in(&mut l.store, m, url, headers, body)
                    .map_err(trap)
            }
            Caching::Uncached => self.by_name("nested-in", (m, url, headers, body)),
        }
    }
    #[inline(always)]
    fn nested_out(&mut self, seed: u64, body_len: usize) -> Result<u64> {
        let body_len = body_len as u32;
        let r: HttpResponse = match L::CACHING {
            Caching::Cached => {
                let l = &mut self.live;
                l.bindings
                    .call_nested_out(&mut l.store, seed, body_len)
                    .map_err(trap)?
            }
            Caching::Uncached => self.by_name("nested-out", (seed, body_len))?,
        };
        Ok(response_digest(&r))
    }
    #[inline(always)]
    fn nested_roundtrip(&mut self, r: &payload::HttpRequest) -> Result<u64> {
        let (m, url, headers, body) = parts(r);
        let back: HttpResponse = match L::CACHING {
            Caching::Cached => {
                let l = &mut self.live;
                l.bindings
                    .call_nested_roundtrip(&mut l.store, m, url, headers, body)
                    .map_err(trap)?
            }
            Caching::Uncached => self.by_name("nested-roundtrip", (m, url, headers, body))?,
        };
        Ok(response_digest(&back))
    }
}

/// Hands `visitor` the payload loader for these factors (the `args`
/// factor does not exist in the payload scenario).
pub fn payload<L: Linkage, V: PayloadVisitor>(
    runtime: RuntimeId,
    cfg: EngineConfig,
    own: WitFactors,
    v: V,
) -> Result<V::Output> {
    Ok(v.visit(WitLoader::<WitPayload<L>>::new(
        runtime,
        own.concurrency,
        cfg,
    )?))
}

/// Hands `visitor` the micro loader for these factors.
pub fn micro<L: Linkage, V: MicroVisitor>(
    runtime: RuntimeId,
    cfg: EngineConfig,
    own: WitFactors,
    v: V,
) -> Result<V::Output> {
    let conc = own.concurrency;
    Ok(match own.args {
        Args::Scalars => v.visit(WitLoader::<WitMicro<L, false>>::new(runtime, conc, cfg)?),
        Args::Record => v.visit(WitLoader::<WitMicro<L, true>>::new(runtime, conc, cfg)?),
    })
}

/// Hands `visitor` the simulator loader for these factors (the `args`
/// factor does not exist in the simulator).
pub fn sim<L: Linkage, V: SimVisitor>(
    runtime: RuntimeId,
    cfg: EngineConfig,
    own: WitFactors,
    v: V,
) -> Result<V::Output> {
    Ok(v.visit(WitLoader::<WitSim<L>>::new(runtime, own.concurrency, cfg)?))
}
