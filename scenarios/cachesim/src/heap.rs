//! An indexed binary min-heap: priorities of slab slots, with each slot's
//! position tracked so that a slot's key can be changed or removed in O(log n).
//!
//! GD-Size keeps its objects here keyed by `(H, last request tick)`.

use core::cmp::Ordering;

use crate::list::NIL;

/// A min-heap of `(key, slot)` with `slot -> position` bookkeeping.
///
/// Keys are compared with `<` (`PartialOrd`); they must be totally ordered in
/// practice (GD-Size's `H` values are never NaN).
#[derive(Clone, Debug)]
pub(crate) struct IndexedHeap<K> {
    heap: Vec<(K, u32)>,
    /// `pos[slot]` = index of `slot` in `heap`, or [`NIL`].
    pos: Vec<u32>,
}

impl<K> Default for IndexedHeap<K> {
    fn default() -> Self {
        IndexedHeap {
            heap: Vec::new(),
            pos: Vec::new(),
        }
    }
}

impl<K: PartialOrd + Copy> IndexedHeap<K> {
    /// Adds `slot` (not already present) with `key`.
    #[inline]
    pub(crate) fn push(&mut self, slot: u32, key: K) {
        let s = slot as usize;
        if s >= self.pos.len() {
            self.pos.resize(s + 1, NIL);
        }
        let at = self.heap.len();
        self.heap.push((key, slot));
        self.pos[s] = at as u32;
        self.sift_up(at);
    }

    /// The minimum `(slot, key)`, if any.
    #[inline]
    pub(crate) fn peek(&self) -> Option<(u32, K)> {
        self.heap.first().map(|&(k, s)| (s, k))
    }

    /// Changes the key of `slot` (present) and restores the heap order.
    #[inline]
    pub(crate) fn update(&mut self, slot: u32, key: K) {
        let at = self.pos[slot as usize] as usize;
        self.heap[at].0 = key;
        let at = self.sift_up(at);
        self.sift_down(at);
    }

    /// Removes `slot` (present).
    #[inline]
    pub(crate) fn remove(&mut self, slot: u32) {
        let at = self.pos[slot as usize] as usize;
        self.pos[slot as usize] = NIL;
        let last = self.heap.pop().expect("remove from an empty heap");
        if at < self.heap.len() {
            self.heap[at] = last;
            self.pos[last.1 as usize] = at as u32;
            let at = self.sift_up(at);
            self.sift_down(at);
        }
    }

    /// Empties the heap, keeping its allocations.
    pub(crate) fn clear(&mut self) {
        self.heap.clear();
        self.pos.clear();
    }

    /// Makes room for `n` slots in all.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.heap.reserve(n.saturating_sub(self.heap.len()));
        self.pos.reserve(n.saturating_sub(self.pos.len()));
    }

    /// Number of slots in the heap.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// Moves the element at `at` up while it is smaller than its parent;
    /// returns its final position.
    #[inline]
    fn sift_up(&mut self, mut at: usize) -> usize {
        let item = self.heap[at];
        while at > 0 {
            let parent = (at - 1) / 2;
            if !less(&item.0, &self.heap[parent].0) {
                break;
            }
            self.heap[at] = self.heap[parent];
            self.pos[self.heap[at].1 as usize] = at as u32;
            at = parent;
        }
        self.heap[at] = item;
        self.pos[item.1 as usize] = at as u32;
        at
    }

    /// Moves the element at `at` down while a child is smaller.
    #[inline]
    fn sift_down(&mut self, mut at: usize) {
        let len = self.heap.len();
        let item = self.heap[at];
        loop {
            let left = 2 * at + 1;
            if left >= len {
                break;
            }
            let right = left + 1;
            let child = if right < len && less(&self.heap[right].0, &self.heap[left].0) {
                right
            } else {
                left
            };
            if !less(&self.heap[child].0, &item.0) {
                break;
            }
            self.heap[at] = self.heap[child];
            self.pos[self.heap[at].1 as usize] = at as u32;
            at = child;
        }
        self.heap[at] = item;
        self.pos[item.1 as usize] = at as u32;
    }
}

/// `a < b`, false when incomparable.
#[inline(always)]
fn less<K: PartialOrd>(a: &K, b: &K) -> bool {
    a.partial_cmp(b) == Some(Ordering::Less)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pops everything by peek + remove, checking positions on the way.
    fn drain(h: &mut IndexedHeap<(u32, u32)>) -> Vec<u32> {
        let mut out = Vec::new();
        while let Some((slot, _)) = h.peek() {
            for (i, &(_, s)) in h.heap.iter().enumerate() {
                assert_eq!(h.pos[s as usize] as usize, i);
            }
            h.remove(slot);
            out.push(slot);
        }
        out
    }

    #[test]
    fn orders_updates_and_removes() {
        let mut h = IndexedHeap::default();
        // keys (priority, tiebreak); slot = index
        let keys = [(5, 0), (3, 1), (8, 2), (3, 0), (1, 4), (9, 5), (7, 6)];
        for (slot, &k) in keys.iter().enumerate() {
            h.push(slot as u32, k);
        }
        assert_eq!(h.len(), 7);
        h.update(4, (10, 0)); // increase
        h.update(2, (0, 0)); // decrease
        h.remove(5);
        assert_eq!(drain(&mut h), [2, 3, 1, 0, 6, 4]);
    }

    #[test]
    fn matches_sorting_on_pseudo_random_ops() {
        let mut h = IndexedHeap::default();
        let mut model: Vec<((u32, u32), u32)> = Vec::new();
        let mut x: u64 = 1;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u32
        };
        for slot in 0..200u32 {
            let k = (next() % 50, slot);
            h.push(slot, k);
            model.push((k, slot));
        }
        for _ in 0..500 {
            let i = (next() as usize) % model.len();
            match next() % 3 {
                0 => {
                    let k = (next() % 50, model[i].0.1);
                    h.update(model[i].1, k);
                    model[i].0 = k;
                }
                1 if model.len() > 1 => {
                    h.remove(model[i].1);
                    model.swap_remove(i);
                }
                _ => {
                    let min = model
                        .iter()
                        .min_by(|a, b| a.0.partial_cmp(&b.0).unwrap())
                        .unwrap();
                    assert_eq!(h.peek(), Some((min.1, min.0)));
                }
            }
        }
        model.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        let want: Vec<u32> = model.iter().map(|m| m.1).collect();
        assert_eq!(drain(&mut h), want);
    }
}
