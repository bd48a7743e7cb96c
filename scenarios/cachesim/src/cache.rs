//! [`Cache`]: one byte-capacity cache under one policy, and the admission and
//! eviction rules every policy shares.

use crate::fifo::Fifo;
use crate::gds::Gds;
use crate::hash::IdMap;
use crate::lfu::Lfu;
use crate::lru::Lru;
use crate::{Policy, Request, Stats};

/// What a policy must provide; the shared rules in [`access`] drive it.
///
/// A policy owns its entries in slab slots; the cache's map holds
/// `id -> slot`. Calls are statically dispatched (see [`Engine`]).
pub(crate) trait Replacement {
    /// Adds an object (not cached) and returns its slot. `tick` is the
    /// request's sequence number (strictly increasing).
    fn insert(&mut self, id: u32, size: u32, tick: u64) -> u32;
    /// Records a hit on the object in `slot`.
    fn hit(&mut self, slot: u32, tick: u64);
    /// Drops the object in `slot` without it counting as an eviction.
    fn remove(&mut self, slot: u32);
    /// Removes the policy's victim and returns its `(id, size)`. Only called
    /// when the cache is not empty.
    fn evict(&mut self) -> (u32, u32);
    /// Number of cached objects.
    fn len(&self) -> usize;
}

/// The map's value: where the object lives and its cached size, so that a hit
/// is decided without touching the policy's slab.
#[derive(Clone, Copy, Debug)]
struct Entry {
    slot: u32,
    size: u32,
}

/// The policy state: an enum so a request costs one `match`, not a virtual call.
#[derive(Clone, Debug)]
enum Engine {
    Fifo(Fifo),
    Lru(Lru),
    Lfu(Lfu),
    Gds(Gds),
}

/// A cache of `capacity` bytes managed by one [`Policy`].
///
/// [`send`](Cache::send) applies one request under these rules (see
/// `docs/cachesim.md`):
/// - a request is a hit iff an object with its id *and* size is cached;
/// - an object larger than the capacity is never admitted: the request is a
///   miss and nothing is evicted;
/// - on a miss the object is inserted, after evicting the policy's victims
///   until `used + size <= capacity` (filling the capacity exactly is allowed);
/// - a request for a cached id with a different size is a miss: the old copy
///   is dropped (not an eviction: GD-Size's `L` does not change), then the new
///   size is handled as any miss;
/// - size 0 is accepted: it always fits (GD-Size counts it as size 1).
///
/// A request in steady state allocates nothing: slabs reuse freed slots and
/// the map keeps its capacity.
#[derive(Clone, Debug)]
pub struct Cache {
    capacity: u64,
    used: u64,
    /// Number of requests sent so far; the tick of the next one.
    tick: u64,
    stats: Stats,
    map: IdMap<Entry>,
    engine: Engine,
}

impl Cache {
    /// An empty cache of `capacity_bytes` bytes under `policy`.
    pub fn new(policy: Policy, capacity_bytes: u64) -> Cache {
        let engine = match policy {
            Policy::Fifo => Engine::Fifo(Fifo::default()),
            Policy::Lru => Engine::Lru(Lru::default()),
            Policy::Lfu => Engine::Lfu(Lfu::default()),
            Policy::Gds => Engine::Gds(Gds::default()),
        };
        Cache {
            capacity: capacity_bytes,
            used: 0,
            tick: 0,
            stats: Stats::default(),
            map: IdMap::default(),
            engine,
        }
    }

    /// Applies one request; returns `true` on a hit. Updates the statistics.
    #[inline]
    pub fn send(&mut self, req: Request) -> bool {
        let tick = self.tick;
        self.tick += 1;
        let hit = match &mut self.engine {
            Engine::Fifo(p) => access(p, &mut self.map, &mut self.used, self.capacity, tick, req),
            Engine::Lru(p) => access(p, &mut self.map, &mut self.used, self.capacity, tick, req),
            Engine::Lfu(p) => access(p, &mut self.map, &mut self.used, self.capacity, tick, req),
            Engine::Gds(p) => access(p, &mut self.map, &mut self.used, self.capacity, tick, req),
        };
        let size = u64::from(req.size);
        self.stats.requests += 1;
        self.stats.bytes += size;
        if hit {
            self.stats.hits += 1;
            self.stats.byte_hits += size;
        }
        hit
    }

    /// The statistics of every request sent so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The policy this cache was created with.
    pub fn policy(&self) -> Policy {
        match self.engine {
            Engine::Fifo(_) => Policy::Fifo,
            Engine::Lru(_) => Policy::Lru,
            Engine::Lfu(_) => Policy::Lfu,
            Engine::Gds(_) => Policy::Gds,
        }
    }

    /// The capacity in bytes.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Bytes held by cached objects (always `<= capacity()`).
    pub fn used_bytes(&self) -> u64 {
        self.used
    }

    /// Number of cached objects.
    pub fn len(&self) -> usize {
        debug_assert_eq!(self.map.len(), self.engine_len());
        self.map.len()
    }

    /// True when no object is cached.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// True when an object with this id is cached (whatever its size).
    pub fn contains(&self, id: u32) -> bool {
        self.map.contains_key(&id)
    }

    fn engine_len(&self) -> usize {
        match &self.engine {
            Engine::Fifo(p) => p.len(),
            Engine::Lru(p) => p.len(),
            Engine::Lfu(p) => p.len(),
            Engine::Gds(p) => p.len(),
        }
    }
}

/// The rules shared by all policies (see [`Cache`]); monomorphised per policy.
#[inline(always)]
fn access<P: Replacement>(
    policy: &mut P,
    map: &mut IdMap<Entry>,
    used: &mut u64,
    capacity: u64,
    tick: u64,
    req: Request,
) -> bool {
    if let Some(&Entry { slot, size }) = map.get(&req.id) {
        if size == req.size {
            policy.hit(slot, tick);
            return true;
        }
        // Same id, new size: drop the old copy, then treat as a miss.
        map.remove(&req.id);
        policy.remove(slot);
        *used -= u64::from(size);
    }
    let size = u64::from(req.size);
    if size > capacity {
        return false;
    }
    while *used + size > capacity {
        let (id, evicted) = policy.evict();
        map.remove(&id);
        *used -= u64::from(evicted);
    }
    let slot = policy.insert(req.id, req.size, tick);
    map.insert(
        req.id,
        Entry {
            slot,
            size: req.size,
        },
    );
    *used += size;
    false
}
