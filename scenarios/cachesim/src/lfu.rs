//! In-cache LFU in O(1): frequency buckets, LRU order inside a bucket.
//!
//! Each distinct request count of the cached objects has a bucket; buckets
//! form a list in ascending count; a bucket lists its objects from least to
//! most recently requested. The victim is the front object of the front
//! bucket: minimum count, ties to the least recently requested. A hit moves an
//! object from bucket `c` to bucket `c + 1` (created right after `c` if
//! missing), at its back. Empty buckets are freed at once.

use crate::list::{Linked, Links, List, NIL};
use crate::replacement::Replacement;
use crate::slab::Slab;

/// One cached object.
#[derive(Clone, Copy, Debug)]
struct Item {
    id: u32,
    size: u32,
    /// Slot of the bucket holding this item.
    bucket: u32,
    links: Links,
}

/// All cached objects requested exactly `count` times since insertion.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    count: u64,
    items: List,
    links: Links,
}

impl Linked for Item {
    #[inline(always)]
    fn links(&self) -> &Links {
        &self.links
    }
    #[inline(always)]
    fn links_mut(&mut self) -> &mut Links {
        &mut self.links
    }
}

impl Linked for Bucket {
    #[inline(always)]
    fn links(&self) -> &Links {
        &self.links
    }
    #[inline(always)]
    fn links_mut(&mut self) -> &mut Links {
        &mut self.links
    }
}

/// Least-frequently-used replacement (in-cache counts, LRU tie-break).
#[derive(Clone, Debug, Default)]
pub(crate) struct Lfu {
    items: Slab<Item>,
    buckets: Slab<Bucket>,
    /// Buckets in ascending count.
    order: List,
}

impl Lfu {
    /// Creates an empty bucket for `count` right after bucket `after` (or at
    /// the front when `after` is [`NIL`]).
    #[inline]
    fn new_bucket(&mut self, count: u64, after: u32) -> u32 {
        let b = self.buckets.insert(Bucket {
            count,
            items: List::default(),
            links: Links::default(),
        });
        self.order.insert_after(self.buckets.slots_mut(), after, b);
        b
    }

    /// Unlinks item `i` from its bucket, freeing the bucket if it empties.
    #[inline]
    fn detach(&mut self, i: u32) {
        let b = self.items[i].bucket;
        let mut list = self.buckets[b].items;
        list.unlink(self.items.slots_mut(), i);
        if list.is_empty() {
            self.order.unlink(self.buckets.slots_mut(), b);
            self.buckets.remove(b);
        } else {
            self.buckets[b].items = list;
        }
    }

    /// Links item `i` at the back of bucket `b`.
    #[inline]
    fn attach(&mut self, i: u32, b: u32) {
        let mut list = self.buckets[b].items;
        list.push_back(self.items.slots_mut(), i);
        self.buckets[b].items = list;
        self.items[i].bucket = b;
    }

    /// `(id, count)` of every object in eviction order (tests only).
    #[cfg(test)]
    fn order_snapshot(&self) -> Vec<(u32, u64)> {
        let mut out = Vec::new();
        let mut b = self.order.front().unwrap_or(NIL);
        while b != NIL {
            let mut i = self.buckets[b].items.front().unwrap_or(NIL);
            while i != NIL {
                out.push((self.items[i].id, self.buckets[b].count));
                i = self.items[i].links.next;
            }
            b = self.buckets[b].links.next;
        }
        out
    }
}

impl Replacement for Lfu {
    #[inline]
    fn insert(&mut self, id: u32, size: u32, _tick: u64) -> u32 {
        let b = match self.order.front() {
            Some(b) if self.buckets[b].count == 1 => b,
            _ => self.new_bucket(1, NIL),
        };
        let i = self.items.insert(Item {
            id,
            size,
            bucket: b,
            links: Links::default(),
        });
        self.attach(i, b);
        i
    }

    #[inline]
    fn hit(&mut self, i: u32, _tick: u64) {
        let b = self.items[i].bucket;
        let count = self.buckets[b].count + 1;
        let next = self.buckets[b].links.next;
        let target = if next != NIL && self.buckets[next].count == count {
            next
        } else {
            self.new_bucket(count, b)
        };
        // Detach after creating the target: `b` must still be in the order
        // list to anchor the new bucket.
        self.detach(i);
        self.attach(i, target);
    }

    #[inline]
    fn remove(&mut self, i: u32) {
        self.detach(i);
        self.items.remove(i);
    }

    #[inline]
    fn evict(&mut self) -> (u32, u32) {
        let b = self.order.front().expect("evict from an empty cache");
        let i = self.buckets[b].items.front().expect("empty LFU bucket");
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
        self.buckets.clear();
        self.order = List::default();
    }

    fn reserve(&mut self, objects: usize) {
        self.items.reserve(objects);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_counts_and_recency() {
        let mut l = Lfu::default();
        let a = l.insert(1, 1, 0);
        let b = l.insert(2, 1, 0);
        let c = l.insert(3, 1, 0);
        assert_eq!(l.order_snapshot(), [(1, 1), (2, 1), (3, 1)]);
        l.hit(b, 0);
        l.hit(a, 0);
        assert_eq!(l.order_snapshot(), [(3, 1), (2, 2), (1, 2)]);
        l.hit(b, 0);
        l.hit(c, 0);
        // C joins bucket 2 behind A (more recently requested).
        assert_eq!(l.order_snapshot(), [(1, 2), (3, 2), (2, 3)]);
        assert_eq!(l.evict(), (1, 1));
        assert_eq!(l.evict(), (3, 1));
        assert_eq!(l.order_snapshot(), [(2, 3)]);
        // A new object goes in a fresh count-1 bucket before count 3.
        l.insert(4, 1, 0);
        assert_eq!(l.order_snapshot(), [(4, 1), (2, 3)]);
        l.remove(b);
        assert_eq!(l.order_snapshot(), [(4, 1)]);
        assert_eq!(l.len(), 1);
        assert_eq!(l.buckets.len(), 1, "empty buckets are freed");
    }
}
