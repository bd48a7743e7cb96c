//! The object-id hash map every policy indexes its entries with.
//!
//! `std`'s default SipHash is randomly seeded (not deterministic and needs a
//! source of randomness a wasm guest has no import for) and is several times
//! slower than needed for `u32` keys. This multiplicative hasher is
//! deterministic, allocation-free and good enough for object ids, which are not
//! chosen by an adversary.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// 2^64 / golden ratio, odd: the classic Fibonacci-hashing multiplier.
const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// The ablation `hasher-fold128` (`Setup`'s
/// [`HashFn::Fold128`](crate::HashFn::Fold128)), the default before the
/// ablations measured it: the 128-bit product of the state and `K`, high
/// half XOR low half. On x86-64 a 64×64→128 multiply is one instruction;
/// wasm32 has none, so this costs a multi-word routine in a guest.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Fold128Hasher(u64);

impl Fold128Hasher {
    #[inline(always)]
    fn mix(&mut self, word: u64) {
        let p = u128::from(self.0 ^ word) * u128::from(K);
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }
}

impl Hasher for Fold128Hasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    #[inline(always)]
    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }

    #[inline(always)]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The id hasher: one 64-bit multiply, then the high half folded onto the
/// low half, so every bit of the key reaches both the low bits (bucket
/// index) and the high bits (hashbrown's control byte). No 128-bit
/// arithmetic: it costs alike natively and in a wasm32 guest, which
/// [`Fold128Hasher`] does not (docs/methodology.md, "Ablations").
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdHasher(u64);

impl IdHasher {
    #[inline(always)]
    fn mix(&mut self, word: u64) {
        let p = (self.0 ^ word).wrapping_mul(K);
        self.0 = p ^ (p >> 32);
    }
}

impl Hasher for IdHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    #[inline(always)]
    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }

    #[inline(always)]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` keyed by object id, with [`Fold128Hasher`] unless told otherwise.
pub(crate) type IdMap<V, H = Fold128Hasher> = HashMap<u32, V, BuildHasherDefault<H>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn hash<H: Hasher + Default>(id: u32) -> u64 {
        BuildHasherDefault::<H>::default().hash_one(id)
    }

    fn spreads_strided_keys<H: Hasher + Default>() {
        assert_eq!(hash::<H>(12345), hash::<H>(12345));
        // Keys that differ only in high bits must still land in different
        // low-bit buckets (a plain multiply would keep them together).
        let mut low: Vec<u64> = (0..64u32).map(|i| hash::<H>(i << 20) & 63).collect();
        low.sort_unstable();
        low.dedup();
        assert!(low.len() > 32, "only {} distinct buckets", low.len());
        // ...and in different control bytes (hashbrown's top 7 bits).
        let mut top: Vec<u64> = (0..64u32).map(|i| hash::<H>(i) >> 57).collect();
        top.sort_unstable();
        top.dedup();
        assert!(top.len() > 32, "only {} distinct control bytes", top.len());
    }

    #[test]
    fn deterministic_and_spreads_strided_keys() {
        spreads_strided_keys::<Fold128Hasher>();
        spreads_strided_keys::<IdHasher>();
    }

    #[test]
    fn map_works() {
        let mut m: IdMap<u32> = IdMap::default();
        for i in 0..1000 {
            m.insert(i * 7919, i);
        }
        assert!((0..1000).all(|i| m[&(i * 7919)] == i));
    }
}
