//! The one interface between the cache's shared rules and a policy's
//! own bookkeeping: what every replacement policy implements.

/// What a policy must provide; the shared rules (the cache's `access`)
/// drive it.
///
/// A policy owns its entries in slab slots; the cache's map holds
/// `id -> slot`. Calls are statically dispatched (see the cache's `Engine`).
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
    /// Forgets every object, keeping the allocations (a kept cache's reset).
    fn clear(&mut self);
    /// Makes room for `objects` objects (a presized cache).
    fn reserve(&mut self, objects: usize);
}
