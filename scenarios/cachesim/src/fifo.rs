//! FIFO: evict in insertion order; a hit does not reorder.

use crate::list::Queue;
use crate::replacement::Replacement;

/// First-in first-out replacement: a queue in insertion order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Fifo {
    queue: Queue,
}

impl Replacement for Fifo {
    #[inline]
    fn insert(&mut self, id: u32, size: u32, _tick: u64) -> u32 {
        self.queue.push_back(id, size)
    }

    #[inline(always)]
    fn hit(&mut self, _slot: u32, _tick: u64) {}

    #[inline]
    fn remove(&mut self, slot: u32) {
        self.queue.remove(slot);
    }

    #[inline]
    fn evict(&mut self) -> (u32, u32) {
        self.queue.pop_front()
    }

    #[inline]
    fn len(&self) -> usize {
        self.queue.len()
    }

    fn clear(&mut self) {
        self.queue.clear();
    }

    fn reserve(&mut self, objects: usize) {
        self.queue.reserve(objects);
    }
}
