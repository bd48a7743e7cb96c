//! LRU and LFU on a priority queue, as the paper built them (its section
//! 5.1): the `heap` structure of the ablations.
//!
//! Objects sit in an [`IndexedHeap`] keyed by a [`Rank`] of their request
//! count and last request tick; a hit re-keys the object (O(log n)), the
//! victim is the minimum. The keys order objects exactly as the lists do —
//! LRU by last request; LFU by count, then last request (an object joins
//! the back of its frequency bucket at the request that brings it there) —
//! so both structures give the same hits, and the difference between them
//! is the cost of the structure alone.

use core::marker::PhantomData;

use crate::heap::IndexedHeap;
use crate::replacement::Replacement;
use crate::slab::Slab;

/// How a policy ranks an object: the heap evicts the smallest key.
pub(crate) trait Rank {
    /// The key of an object requested `count` times, last at `tick`.
    fn key(count: u64, tick: u64) -> (u64, u64);
}

/// LRU: the least recently requested first.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Recency;

impl Rank for Recency {
    #[inline(always)]
    fn key(_count: u64, tick: u64) -> (u64, u64) {
        (tick, 0)
    }
}

/// LFU: the fewest requests first, ties to the least recently requested.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Frequency;

impl Rank for Frequency {
    #[inline(always)]
    fn key(count: u64, tick: u64) -> (u64, u64) {
        (count, tick)
    }
}

/// One cached object (its key lives in the heap).
#[derive(Clone, Copy, Debug)]
struct Item {
    id: u32,
    size: u32,
    count: u64,
}

/// A policy ranking objects by `R` in a binary heap.
#[derive(Clone, Debug)]
pub(crate) struct Ranked<R> {
    items: Slab<Item>,
    heap: IndexedHeap<(u64, u64)>,
    rank: PhantomData<R>,
}

impl<R> Default for Ranked<R> {
    fn default() -> Self {
        Ranked {
            items: Slab::default(),
            heap: IndexedHeap::default(),
            rank: PhantomData,
        }
    }
}

impl<R: Rank> Replacement for Ranked<R> {
    #[inline]
    fn insert(&mut self, id: u32, size: u32, tick: u64) -> u32 {
        let i = self.items.insert(Item { id, size, count: 1 });
        self.heap.push(i, R::key(1, tick));
        i
    }

    #[inline]
    fn hit(&mut self, i: u32, tick: u64) {
        let item = &mut self.items[i];
        item.count += 1;
        let key = R::key(item.count, tick);
        self.heap.update(i, key);
    }

    #[inline]
    fn remove(&mut self, i: u32) {
        self.heap.remove(i);
        self.items.remove(i);
    }

    #[inline]
    fn evict(&mut self) -> (u32, u32) {
        let (i, _) = self.heap.peek().expect("evict from an empty cache");
        let Item { id, size, .. } = self.items[i];
        self.remove(i);
        (id, size)
    }

    #[inline]
    fn len(&self) -> usize {
        self.items.len()
    }

    fn clear(&mut self) {
        self.items.clear();
        self.heap.clear();
    }

    fn reserve(&mut self, objects: usize) {
        self.items.reserve(objects);
        self.heap.reserve(objects);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_evicts_the_least_recent_and_lfu_the_least_frequent() {
        let mut lru = Ranked::<Recency>::default();
        let a = lru.insert(1, 1, 0);
        lru.insert(2, 1, 1);
        lru.hit(a, 2);
        assert_eq!(lru.evict(), (2, 1));
        assert_eq!(lru.evict(), (1, 1));

        let mut lfu = Ranked::<Frequency>::default();
        let a = lfu.insert(1, 1, 0);
        let b = lfu.insert(2, 1, 1);
        lfu.insert(3, 1, 2);
        lfu.hit(a, 3);
        lfu.hit(b, 4);
        // 3 has one request; 1 and 2 two each, 1's last one older.
        assert_eq!(lfu.evict(), (3, 1));
        assert_eq!(lfu.evict(), (1, 1));
        assert_eq!(lfu.len(), 1);
        lfu.clear();
        assert_eq!(lfu.len(), 0);
    }
}
