//! A synthetic web-proxy workload modelled on ProWGen (Busari & Williamson,
//! "ProWGen: a synthetic workload generation tool for simulation evaluation of
//! web proxy caches", Computer Networks 38(6), 2002).
//!
//! Three stages, each from its own random stream:
//! 1. **Popularity**: a fraction of the objects are one-timers (one request
//!    each); the others get request counts following a Zipf-like law
//!    `count(rank) ∝ rank^-slope`, rounded so the total is exactly
//!    `requests` ([`popularity_counts`]). Ranks get ids through a seeded
//!    shuffle, so ids say nothing about popularity.
//! 2. **Sizes**: per object, independent of popularity: with probability
//!    `size_tail_fraction` a Pareto(`size_tail_alpha`, `size_tail_start`)
//!    draw, otherwise a lognormal with the body's mean and standard deviation.
//! 3. **Order**: temporal locality from a finite stack of `stack_depth`
//!    active objects: each request picks an active object with probability
//!    proportional to its remaining requests; an object that has used all its
//!    requests leaves the stack and the slot is refilled from the inactive
//!    objects (again weighted by remaining requests). A shallow stack
//!    concentrates each object's requests in time; depth 0 (or one at least
//!    `objects`) is the independent reference model.
//!
//! See `docs/cachesim.md` for the defaults and the determinism guarantee.

mod config;
mod distributions;
mod fenwick;

use super::rng::{Rng, Stream};
use crate::Request;

pub use config::{ConfigError, GeneratorConfig};
use distributions::object_size;
pub use distributions::popularity_counts;
use fenwick::Fenwick;

/// Generates the trace described by `config`.
///
/// Deterministic: the same config gives the same requests on every machine.
/// Object ids are `0..objects`, shuffled; sizes are in `[1, u32::MAX]`.
pub fn generate(config: &GeneratorConfig) -> Result<Vec<Request>, ConfigError> {
    config.validate()?;
    let objects = config.objects as usize;
    let singles = config.one_timers() as usize;
    let popular = objects - singles;

    // Object index k: ranks 0..popular are the Zipf objects, then one-timers.
    let mut remaining = popularity_counts(
        popular as u32,
        config.requests - singles as u64,
        config.zipf_slope,
    );
    remaining.resize(objects, 1);

    let mut ids: Vec<u32> = (0..config.objects).collect();
    Rng::new(config.seed, Stream::Ids).shuffle(&mut ids);

    let mut rng = Rng::new(config.seed, Stream::Sizes);
    let sizes: Vec<u32> = (0..objects)
        .map(|_| object_size(config, &mut rng))
        .collect();

    let mut out = Vec::with_capacity(config.requests as usize);
    let mut rng = Rng::new(config.seed, Stream::Order);
    let depth = config.stack_depth as usize;
    let mut pool = Fenwick::new(&remaining);
    let mut emit = |k: usize| out.push(Request::new(ids[k], sizes[k]));
    if depth == 0 || depth >= objects {
        // Independent reference model with exact counts.
        while pool.total() > 0 {
            let k = pool.find(rng.below(pool.total()));
            pool.sub(k, 1);
            emit(k);
        }
    } else {
        // The stack: `depth` slots, each an active object or empty (weight 0).
        let mut slot_obj = vec![usize::MAX; depth];
        let mut stack = Fenwick::new(&vec![0; depth]);
        for slot in 0..depth {
            activate(slot, &mut rng, &mut pool, &mut stack, &mut slot_obj);
        }
        while stack.total() > 0 {
            let slot = stack.find(rng.below(stack.total()));
            stack.sub(slot, 1);
            emit(slot_obj[slot]);
            if stack.weight(slot) == 0 {
                activate(slot, &mut rng, &mut pool, &mut stack, &mut slot_obj);
            }
        }
    }
    debug_assert_eq!(out.len() as u64, config.requests);
    Ok(out)
}

/// Moves an object drawn from `pool` (weighted by remaining requests) into
/// stack slot `slot`, with its weight; leaves the slot empty if the pool is.
fn activate(
    slot: usize,
    rng: &mut Rng,
    pool: &mut Fenwick,
    stack: &mut Fenwick,
    slot_obj: &mut [usize],
) {
    if pool.total() > 0 {
        let k = pool.find(rng.below(pool.total()));
        let w = pool.weight(k);
        pool.sub(k, w);
        stack.add(slot, w);
        slot_obj[slot] = k;
    }
}
