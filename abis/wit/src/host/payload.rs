//! The payload scenario over the component model: [`WitPayload`] and its
//! entry point [`payload()`].

use std::marker::PhantomData;

use abi_api::{Caching, Error, ErrorKind, Linkage, PayloadVisitor, Result, RuntimeId};
use payload::{Digest, Direction, Exchange, Shape};
use runtimes::EngineConfig;
use runtimes::component::trap;

use super::{FromLive, HttpResponse, Live, Method, PayloadRecord, WitLoader};
use crate::WitFactors;

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
