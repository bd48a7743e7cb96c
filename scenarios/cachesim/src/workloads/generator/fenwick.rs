//! The order stage's sampler: both the pool of inactive objects and the
//! stack of active ones draw by remaining requests.

/// A Fenwick (binary indexed) tree of integer weights: weighted sampling in
/// O(log n) with exact integer arithmetic.
pub(super) struct Fenwick {
    tree: Vec<u64>,
    weights: Vec<u64>,
    total: u64,
    /// Highest power of two `<= len`.
    top: usize,
}

impl Fenwick {
    pub(super) fn new(weights: &[u64]) -> Fenwick {
        let n = weights.len();
        // O(n) build: each node passes its finished sum to its parent.
        let mut tree = vec![0; n + 1];
        for (i, &w) in weights.iter().enumerate() {
            let node = i + 1;
            tree[node] += w;
            let parent = node + (node & node.wrapping_neg());
            if parent <= n {
                tree[parent] += tree[node];
            }
        }
        let top = if n == 0 {
            0
        } else {
            1 << (usize::BITS - 1 - n.leading_zeros())
        };
        Fenwick {
            tree,
            weights: weights.to_vec(),
            total: weights.iter().sum(),
            top,
        }
    }

    pub(super) fn total(&self) -> u64 {
        self.total
    }

    pub(super) fn weight(&self, i: usize) -> u64 {
        self.weights[i]
    }

    pub(super) fn add(&mut self, i: usize, w: u64) {
        self.weights[i] += w;
        self.total += w;
        let mut j = i + 1;
        while j < self.tree.len() {
            self.tree[j] += w;
            j += j & j.wrapping_neg();
        }
    }

    pub(super) fn sub(&mut self, i: usize, w: u64) {
        self.weights[i] -= w;
        self.total -= w;
        let mut j = i + 1;
        while j < self.tree.len() {
            self.tree[j] -= w;
            j += j & j.wrapping_neg();
        }
    }

    /// The index `i` with `prefix(i) <= u < prefix(i + 1)`, for `u < total`.
    pub(super) fn find(&self, mut u: u64) -> usize {
        let mut pos = 0;
        let mut step = self.top;
        while step > 0 {
            let next = pos + step;
            if next < self.tree.len() && self.tree[next] <= u {
                u -= self.tree[next];
                pos = next;
            }
            step >>= 1;
        }
        pos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenwick_finds_by_prefix() {
        let mut f = Fenwick::new(&[3, 0, 2, 5]);
        let got: Vec<usize> = (0..10).map(|u| f.find(u)).collect();
        assert_eq!(got, [0, 0, 0, 2, 2, 3, 3, 3, 3, 3]);
        f.sub(3, 4);
        f.add(1, 1);
        assert_eq!(f.total(), 7);
        let got: Vec<usize> = (0..7).map(|u| f.find(u)).collect();
        assert_eq!(got, [0, 0, 0, 1, 2, 2, 3]);
        let big: Vec<u64> = (0..1000).map(|i| i % 7).collect();
        let f = Fenwick::new(&big);
        let mut u = 0;
        for (i, &w) in big.iter().enumerate() {
            for _ in 0..w {
                assert_eq!(f.find(u), i);
                u += 1;
            }
        }
    }
}
