//! A slab: a `Vec` of entries addressed by `u32` index, reusing freed slots.
//!
//! Policies keep their entries here so that a request in steady state never
//! allocates: a removed entry's slot goes on a free list and the next insert
//! takes it back. Indices are `u32` to keep the intrusive links small.

/// A vector of `T` with a free list of vacant slots.
///
/// A vacant slot keeps its stale value until reused; callers only index slots
/// they hold (the owning policy's map or list says which are live).
#[derive(Clone, Debug)]
pub(crate) struct Slab<T> {
    entries: Vec<T>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            entries: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    /// Stores `value` in a vacant slot (or a new one) and returns its index.
    #[inline]
    pub(crate) fn insert(&mut self, value: T) -> u32 {
        if let Some(i) = self.free.pop() {
            self.entries[i as usize] = value;
            i
        } else {
            let i = u32::try_from(self.entries.len()).expect("more than 2^32 live cache entries");
            self.entries.push(value);
            i
        }
    }

    /// Marks slot `i` vacant. The caller must have unlinked it everywhere.
    #[inline]
    pub(crate) fn remove(&mut self, i: u32) {
        self.free.push(i);
    }

    /// Empties the slab, keeping its allocations.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.free.clear();
    }

    /// Makes room for `n` entries in all.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.entries.reserve(n.saturating_sub(self.entries.len()));
    }

    /// Number of live entries.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.entries.len() - self.free.len()
    }

    /// All slots (live and vacant), for the intrusive list helpers.
    #[inline]
    pub(crate) fn slots_mut(&mut self) -> &mut [T] {
        &mut self.entries
    }
}

impl<T> core::ops::Index<u32> for Slab<T> {
    type Output = T;
    #[inline(always)]
    fn index(&self, i: u32) -> &T {
        &self.entries[i as usize]
    }
}

impl<T> core::ops::IndexMut<u32> for Slab<T> {
    #[inline(always)]
    fn index_mut(&mut self, i: u32) -> &mut T {
        &mut self.entries[i as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_freed_slots() {
        let mut s = Slab::default();
        let a = s.insert('a');
        let b = s.insert('b');
        assert_eq!((a, b, s.len()), (0, 1, 2));
        s.remove(a);
        assert_eq!(s.len(), 1);
        let c = s.insert('c');
        assert_eq!(c, a);
        assert_eq!((s[c], s[b], s.len()), ('c', 'b', 2));
    }
}
