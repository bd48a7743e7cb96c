//! The simulator over the component model: [`WitSim`] and its entry point
//! [`sim()`].

use std::marker::PhantomData;

use abi_api::{Caching, Error, ErrorKind, Linkage, Result, RuntimeId, SimVisitor, Simulator};
use runtimes::EngineConfig;
use runtimes::component::trap;

use super::{FromLive, Live, Policy, Request, WitLoader, func};
use crate::WitFactors;

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
