//! Intrusive doubly-linked lists over slab slots, and the queue FIFO and LRU share.
//!
//! A node's `prev`/`next` are slab indices stored in the node itself, so
//! linking, unlinking and moving a node are O(1) and allocation-free. One
//! slab may hold nodes of many lists (LFU keeps one list per frequency).

use crate::slab::Slab;

/// "No node": the end of a list.
pub(crate) const NIL: u32 = u32::MAX;

/// The two links every list node carries.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Links {
    pub(crate) prev: u32,
    pub(crate) next: u32,
}

impl Default for Links {
    fn default() -> Self {
        Links {
            prev: NIL,
            next: NIL,
        }
    }
}

/// A node type that can sit in a [`List`].
pub(crate) trait Linked {
    fn links(&self) -> &Links;
    fn links_mut(&mut self) -> &mut Links;
}

/// The head and tail of one list; the nodes live in a slab passed to each call.
///
/// `Copy` so that a list stored inside another slab's node can be taken out,
/// edited against the node slab, and put back.
#[derive(Clone, Copy, Debug)]
pub(crate) struct List {
    head: u32,
    tail: u32,
}

impl Default for List {
    fn default() -> Self {
        List {
            head: NIL,
            tail: NIL,
        }
    }
}

impl List {
    /// The first node, if any.
    #[inline(always)]
    pub(crate) fn front(&self) -> Option<u32> {
        (self.head != NIL).then_some(self.head)
    }

    /// True when the list has no node.
    #[inline(always)]
    pub(crate) fn is_empty(&self) -> bool {
        self.head == NIL
    }

    /// Links `i` (currently in no list) after `after`, or at the front when
    /// `after` is [`NIL`].
    #[inline]
    pub(crate) fn insert_after<T: Linked>(&mut self, nodes: &mut [T], after: u32, i: u32) {
        let next = if after == NIL {
            self.head
        } else {
            nodes[after as usize].links().next
        };
        *nodes[i as usize].links_mut() = Links { prev: after, next };
        if after == NIL {
            self.head = i;
        } else {
            nodes[after as usize].links_mut().next = i;
        }
        if next == NIL {
            self.tail = i;
        } else {
            nodes[next as usize].links_mut().prev = i;
        }
    }

    /// Links `i` (currently in no list) at the back.
    #[inline]
    pub(crate) fn push_back<T: Linked>(&mut self, nodes: &mut [T], i: u32) {
        let tail = self.tail;
        self.insert_after(nodes, tail, i);
    }

    /// Unlinks `i`, which must be in this list.
    #[inline]
    pub(crate) fn unlink<T: Linked>(&mut self, nodes: &mut [T], i: u32) {
        let Links { prev, next } = *nodes[i as usize].links();
        if prev == NIL {
            self.head = next;
        } else {
            nodes[prev as usize].links_mut().next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            nodes[next as usize].links_mut().prev = prev;
        }
    }

    /// Moves `i`, which must be in this list, to the back.
    #[inline]
    pub(crate) fn move_to_back<T: Linked>(&mut self, nodes: &mut [T], i: u32) {
        if self.tail != i {
            self.unlink(nodes, i);
            self.push_back(nodes, i);
        }
    }
}

/// One cached object in a [`Queue`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct QueueEntry {
    pub(crate) id: u32,
    pub(crate) size: u32,
    links: Links,
}

impl Linked for QueueEntry {
    #[inline(always)]
    fn links(&self) -> &Links {
        &self.links
    }
    #[inline(always)]
    fn links_mut(&mut self) -> &mut Links {
        &mut self.links
    }
}

/// Cached objects in one order, front = next victim: FIFO and LRU are this
/// queue with different hit handling.
#[derive(Clone, Debug, Default)]
pub(crate) struct Queue {
    slab: Slab<QueueEntry>,
    list: List,
}

impl Queue {
    /// Appends a new object at the back and returns its slot.
    #[inline]
    pub(crate) fn push_back(&mut self, id: u32, size: u32) -> u32 {
        let i = self.slab.insert(QueueEntry {
            id,
            size,
            links: Links::default(),
        });
        self.list.push_back(self.slab.slots_mut(), i);
        i
    }

    /// Moves the object in `slot` to the back.
    #[inline]
    pub(crate) fn move_to_back(&mut self, slot: u32) {
        self.list.move_to_back(self.slab.slots_mut(), slot);
    }

    /// Removes the object in `slot`.
    #[inline]
    pub(crate) fn remove(&mut self, slot: u32) {
        self.list.unlink(self.slab.slots_mut(), slot);
        self.slab.remove(slot);
    }

    /// Removes the front object and returns its `(id, size)`.
    ///
    /// # Panics
    /// If the queue is empty (the cache never asks then).
    #[inline]
    pub(crate) fn pop_front(&mut self) -> (u32, u32) {
        let i = self.list.front().expect("evict from an empty cache");
        let QueueEntry { id, size, .. } = self.slab[i];
        self.remove(i);
        (id, size)
    }

    /// Number of objects.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.slab.len()
    }

    /// Empties the queue, keeping its allocations.
    pub(crate) fn clear(&mut self) {
        self.slab.clear();
        self.list = List::default();
    }

    /// Makes room for `n` objects in all.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.slab.reserve(n);
    }

    /// Ids front to back (tests only).
    #[cfg(test)]
    pub(crate) fn ids(&self) -> Vec<u32> {
        let mut out = Vec::new();
        let mut i = self.list.head;
        while i != NIL {
            out.push(self.slab[i].id);
            i = self.slab[i].links.next;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_order_moves_and_removals() {
        let mut q = Queue::default();
        let a = q.push_back(1, 10);
        let b = q.push_back(2, 20);
        let c = q.push_back(3, 30);
        assert_eq!(q.ids(), [1, 2, 3]);
        q.move_to_back(a);
        assert_eq!(q.ids(), [2, 3, 1]);
        q.move_to_back(a); // already at the back
        assert_eq!(q.ids(), [2, 3, 1]);
        q.remove(c);
        assert_eq!(q.ids(), [2, 1]);
        assert_eq!(q.pop_front(), (2, 20));
        assert_eq!(q.pop_front(), (1, 10));
        assert_eq!(q.len(), 0);
        let d = q.push_back(4, 40);
        assert!(d == b || d == c || d == a, "slot reused");
        assert_eq!(q.ids(), [4]);
    }

    #[test]
    fn insert_after_front_and_middle() {
        let mut q = Queue::default();
        let a = q.push_back(1, 1);
        let b = q.push_back(2, 1);
        let c = q.slab.insert(QueueEntry {
            id: 3,
            size: 1,
            links: Links::default(),
        });
        q.list.insert_after(q.slab.slots_mut(), a, c);
        assert_eq!(q.ids(), [1, 3, 2]);
        let d = q.slab.insert(QueueEntry {
            id: 4,
            size: 1,
            links: Links::default(),
        });
        q.list.insert_after(q.slab.slots_mut(), NIL, d);
        assert_eq!(q.ids(), [4, 1, 3, 2]);
        q.list.unlink(q.slab.slots_mut(), b);
        assert_eq!(q.ids(), [4, 1, 3]);
        assert!(!q.list.is_empty());
    }
}
