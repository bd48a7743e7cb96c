//! [`Cache`]: one byte-capacity cache under one policy, and the admission and
//! eviction rules every policy shares.

use crate::fifo::Fifo;
use crate::gds::Gds;
use crate::hash::{Fold128Hasher, IdHasher, IdMap};
use crate::lfu::Lfu;
use crate::lru::Lru;
use crate::ranked::{Frequency, Ranked, Recency};
use crate::replacement::Replacement;
use crate::{HashFn, Policy, Request, Setup, Stats, Structure};

/// The map's value: where the object lives and its cached size, so that a hit
/// is decided without touching the policy's slab.
#[derive(Clone, Copy, Debug)]
struct Entry {
    slot: u32,
    size: u32,
}

/// One policy with its id table hashed by `H`.
#[derive(Clone, Debug, Default)]
struct Tables<P, H> {
    map: IdMap<Entry, H>,
    policy: P,
}

impl<P: Replacement, H: core::hash::Hasher + Default> Tables<P, H> {
    #[inline(always)]
    fn send(&mut self, used: &mut u64, capacity: u64, tick: u64, req: Request) -> bool {
        access(&mut self.policy, &mut self.map, used, capacity, tick, req)
    }

    fn clear(&mut self) {
        self.map.clear();
        self.policy.clear();
    }

    fn reserve(&mut self, objects: usize) {
        self.map.reserve(objects);
        self.policy.reserve(objects);
    }
}

/// Declares [`Engine`], one variant per (policy structure, hash function),
/// and its dispatch: a request costs one `match`, not a virtual call.
macro_rules! engines {
    ($($variant:ident($policy:ty, $hasher:ty)),+ $(,)?) => {
        /// The policy state and its table, statically dispatched.
        #[derive(Clone, Debug)]
        enum Engine {
            $($variant(Tables<$policy, $hasher>),)+
        }

        impl Engine {
            #[inline(always)]
            fn send(&mut self, used: &mut u64, capacity: u64, tick: u64, req: Request) -> bool {
                match self {
                    $(Engine::$variant(t) => t.send(used, capacity, tick, req),)+
                }
            }

            fn len(&self) -> (usize, usize) {
                match self {
                    $(Engine::$variant(t) => (t.map.len(), t.policy.len()),)+
                }
            }

            fn contains(&self, id: u32) -> bool {
                match self {
                    $(Engine::$variant(t) => t.map.contains_key(&id),)+
                }
            }

            fn clear(&mut self) {
                match self {
                    $(Engine::$variant(t) => t.clear(),)+
                }
            }

            fn reserve(&mut self, objects: usize) {
                match self {
                    $(Engine::$variant(t) => t.reserve(objects),)+
                }
            }
        }
    };
}

engines! {
    Fifo(Fifo, IdHasher),
    FifoFold128(Fifo, Fold128Hasher),
    Lru(Lru, IdHasher),
    LruFold128(Lru, Fold128Hasher),
    LruHeap(Ranked<Recency>, IdHasher),
    LruHeapFold128(Ranked<Recency>, Fold128Hasher),
    Lfu(Lfu, IdHasher),
    LfuFold128(Lfu, Fold128Hasher),
    LfuHeap(Ranked<Frequency>, IdHasher),
    LfuHeapFold128(Ranked<Frequency>, Fold128Hasher),
    Gds(Gds, IdHasher),
    GdsFold128(Gds, Fold128Hasher),
}

impl Engine {
    fn new(setup: Setup) -> Engine {
        use HashFn::{Fold128, Mul64};
        use Structure::{Heap, Lists};
        match (setup.policy(), setup.structure(), setup.hash()) {
            (Policy::Fifo, Lists, Mul64) => Engine::Fifo(Tables::default()),
            (Policy::Fifo, Lists, Fold128) => Engine::FifoFold128(Tables::default()),
            (Policy::Lru, Lists, Mul64) => Engine::Lru(Tables::default()),
            (Policy::Lru, Lists, Fold128) => Engine::LruFold128(Tables::default()),
            (Policy::Lru, Heap, Mul64) => Engine::LruHeap(Tables::default()),
            (Policy::Lru, Heap, Fold128) => Engine::LruHeapFold128(Tables::default()),
            (Policy::Lfu, Lists, Mul64) => Engine::Lfu(Tables::default()),
            (Policy::Lfu, Lists, Fold128) => Engine::LfuFold128(Tables::default()),
            (Policy::Lfu, Heap, Mul64) => Engine::LfuHeap(Tables::default()),
            (Policy::Lfu, Heap, Fold128) => Engine::LfuHeapFold128(Tables::default()),
            (Policy::Gds, Lists, Mul64) => Engine::Gds(Tables::default()),
            (Policy::Gds, Lists, Fold128) => Engine::GdsFold128(Tables::default()),
            (Policy::Fifo | Policy::Gds, Heap, _) => {
                unreachable!("Setup::with_heap refuses FIFO and GD-Size")
            }
        }
    }
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
/// the map keeps its capacity. Every [`Setup`] gives the same hits; they
/// differ only in how the work is done.
#[derive(Clone, Debug)]
pub struct Cache {
    capacity: u64,
    used: u64,
    /// Number of requests sent so far; the tick of the next one.
    tick: u64,
    stats: Stats,
    setup: Setup,
    engine: Engine,
}

impl Cache {
    /// An empty cache of `capacity_bytes` bytes under `policy`, built the
    /// default way.
    pub fn new(policy: Policy, capacity_bytes: u64) -> Cache {
        Cache::with_setup(Setup::from(policy), capacity_bytes)
    }

    /// An empty cache of `capacity_bytes` bytes built as `setup` says.
    pub fn with_setup(setup: Setup, capacity_bytes: u64) -> Cache {
        let mut engine = Engine::new(setup);
        if setup.reserve() > 0 {
            engine.reserve(setup.reserve());
        }
        Cache {
            capacity: capacity_bytes,
            used: 0,
            tick: 0,
            stats: Stats::default(),
            setup,
            engine,
        }
    }

    /// Makes this an empty cache of `capacity_bytes` under `setup`: reset in
    /// place, keeping every allocation, when `setup` is [kept](Setup::kept)
    /// and the same as this cache's; built anew otherwise.
    pub fn reinit(&mut self, setup: Setup, capacity_bytes: u64) {
        if setup.kept() && setup == self.setup {
            self.engine.clear();
            self.capacity = capacity_bytes;
            self.used = 0;
            self.tick = 0;
            self.stats = Stats::default();
        } else {
            *self = Cache::with_setup(setup, capacity_bytes);
        }
    }

    /// Applies one request; returns `true` on a hit. Updates the statistics.
    #[inline]
    pub fn send(&mut self, req: Request) -> bool {
        let tick = self.tick;
        self.tick += 1;
        let hit = self.engine.send(&mut self.used, self.capacity, tick, req);
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
        self.setup.policy()
    }

    /// How this cache was built.
    pub fn setup(&self) -> Setup {
        self.setup
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
        let (map, policy) = self.engine.len();
        debug_assert_eq!(map, policy);
        map
    }

    /// True when no object is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when an object with this id is cached (whatever its size).
    pub fn contains(&self, id: u32) -> bool {
        self.engine.contains(id)
    }
}

/// The rules shared by all policies (see [`Cache`]); monomorphised per policy.
#[inline(always)]
fn access<P: Replacement, H: core::hash::Hasher + Default>(
    policy: &mut P,
    map: &mut IdMap<Entry, H>,
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
