//! The generator's random source: ChaCha8 with our own conversions, so that a
//! seed gives byte-identical traces on every machine and every future build.
//!
//! Only the raw `next_u64` stream of `rand_chacha` is used (it has published
//! test vectors); seeding, integer ranges, floats and distributions are
//! written here, and transcendental functions come from the pure-Rust `libm`
//! crate rather than the platform's C library.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// Which independent ChaCha stream a part of the generator draws from, so that
/// changing one part (say, the request order) leaves the others unchanged.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stream {
    /// The shuffle assigning ids to popularity ranks.
    Ids = 1,
    /// Object sizes.
    Sizes = 2,
    /// The order of requests.
    Order = 3,
}

/// A deterministic random source over one ChaCha8 stream.
pub(crate) struct Rng(ChaCha8Rng);

impl Rng {
    /// The generator for `seed` and `stream`. The 256-bit ChaCha key is the
    /// seed expanded by four rounds of splitmix64.
    pub(crate) fn new(seed: u64, stream: Stream) -> Rng {
        let mut key = [0u8; 32];
        let mut state = seed;
        for chunk in key.chunks_exact_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(stream as u64);
        Rng(rng)
    }

    /// The next raw 64 bits.
    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `[0, 1)`: the top 53 bits scaled by 2^-53 (exact).
    #[inline]
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `(0, 1]`, for logarithms and negative powers.
    #[inline]
    pub(crate) fn unit_open0(&mut self) -> f64 {
        1.0 - self.unit()
    }

    /// Uniform integer in `[0, n)`, `n > 0`, without bias (Lemire's
    /// multiply-and-reject).
    #[inline]
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// A standard normal deviate (Box–Muller, cosine branch only).
    pub(crate) fn normal(&mut self) -> f64 {
        let u1 = self.unit_open0();
        let u2 = self.unit();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * core::f64::consts::PI * u2)
    }

    /// Shuffles `v` (Fisher–Yates, from the back).
    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

/// One splitmix64 step.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_and_repeat() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7, Stream::Ids);
                move |_| r.next_u64()
            })
            .collect();
        let mut r = Rng::new(7, Stream::Ids);
        assert!(a.iter().all(|&x| x == r.next_u64()));
        let mut s = Rng::new(7, Stream::Sizes);
        assert_ne!(a[0], s.next_u64());
        let mut t = Rng::new(8, Stream::Ids);
        assert_ne!(a[0], t.next_u64());
    }

    #[test]
    fn ranges() {
        let mut r = Rng::new(1, Stream::Order);
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            let v = r.unit_open0();
            assert!(v > 0.0 && v <= 1.0);
            seen[r.below(7) as usize] += 1;
        }
        assert!(seen.iter().all(|&c| (800..1200).contains(&c)), "{seen:?}");
        let mean = (0..20000).map(|_| r.normal()).sum::<f64>() / 20000.0;
        assert!(mean.abs() < 0.05, "{mean}");
    }
}
