//! GreedyDual-Size with cost 1 (Cao & Irani, 1997).
//!
//! Every cached object `p` has `H(p) = L + 1/size(p)`, set when it is inserted
//! and again on every hit, with `L` the "inflation" value at that moment. The
//! victim is the minimum `H` (ties to the least recently requested), and `L`
//! becomes the victim's `H`. `L` therefore only grows, and an object that is
//! not requested again is overtaken by newer objects' `H` and becomes
//! evictable, however small it is.
//!
//! Objects sit in an [`IndexedHeap`] keyed by `(H, tick of last request)`;
//! insert, hit, evict and remove are O(log n). All arithmetic is one IEEE-754
//! division and one addition in `f64`, which every conforming target (wasm
//! included) rounds identically, so native and guest runs agree bit for bit.

use crate::heap::IndexedHeap;
use crate::replacement::Replacement;
use crate::slab::Slab;

/// One cached object (its key lives in the heap).
#[derive(Clone, Copy, Debug)]
struct Item {
    id: u32,
    size: u32,
}

/// GreedyDual-Size replacement, cost 1.
#[derive(Clone, Debug, Default)]
pub(crate) struct Gds {
    items: Slab<Item>,
    heap: IndexedHeap<(f64, u64)>,
    /// The inflation value `L`.
    l: f64,
}

impl Gds {
    /// `H = L + 1/size`, with size 0 counted as 1.
    #[inline(always)]
    fn h(&self, size: u32) -> f64 {
        self.l + 1.0 / f64::from(size.max(1))
    }

    /// Current inflation value `L`.
    #[cfg(test)]
    pub(crate) fn inflation(&self) -> f64 {
        self.l
    }
}

impl Replacement for Gds {
    #[inline]
    fn insert(&mut self, id: u32, size: u32, tick: u64) -> u32 {
        let i = self.items.insert(Item { id, size });
        self.heap.push(i, (self.h(size), tick));
        i
    }

    #[inline]
    fn hit(&mut self, i: u32, tick: u64) {
        let key = (self.h(self.items[i].size), tick);
        self.heap.update(i, key);
    }

    #[inline]
    fn remove(&mut self, i: u32) {
        self.heap.remove(i);
        self.items.remove(i);
    }

    #[inline]
    fn evict(&mut self) -> (u32, u32) {
        let (i, (h, _)) = self.heap.peek().expect("evict from an empty cache");
        self.l = h;
        let Item { id, size } = self.items[i];
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
        self.l = 0.0;
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
    fn l_follows_evicted_h() {
        let mut g = Gds::default();
        g.insert(1, 4, 1); // H = 0.25
        g.insert(2, 2, 2); // H = 0.5
        g.insert(3, 0, 3); // size 0 counts as 1: H = 1
        assert_eq!(g.evict(), (1, 4));
        assert_eq!(g.inflation(), 0.25);
        let s = g.insert(4, 4, 4); // H = 0.5, newer than id 2
        assert_eq!(g.evict(), (2, 2));
        assert_eq!(g.inflation(), 0.5);
        g.hit(s, 5); // H = 0.75
        assert_eq!(g.evict(), (4, 4));
        assert_eq!(g.evict(), (3, 0));
        assert_eq!(g.inflation(), 1.0);
        assert_eq!(g.len(), 0);
    }
}
