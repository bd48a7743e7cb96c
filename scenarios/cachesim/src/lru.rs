//! LRU: evict the least recently requested object.

use crate::list::Queue;
use crate::replacement::Replacement;

/// Least-recently-used replacement: a queue in request order, a hit moves the
/// object to the back.
#[derive(Clone, Debug, Default)]
pub(crate) struct Lru {
    queue: Queue,
}

impl Replacement for Lru {
    #[inline]
    fn insert(&mut self, id: u32, size: u32, _tick: u64) -> u32 {
        self.queue.push_back(id, size)
    }

    #[inline]
    fn hit(&mut self, slot: u32, _tick: u64) {
        self.queue.move_to_back(slot);
    }

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
