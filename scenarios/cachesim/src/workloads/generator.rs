//! A synthetic web-proxy workload modelled on ProWGen (Busari & Williamson,
//! "ProWGen: a synthetic workload generation tool for simulation evaluation of
//! web proxy caches", Computer Networks 38(6), 2002).
//!
//! Three stages, each from its own random stream:
//! 1. **Popularity**: a fraction of the objects are one-timers (one request
//!    each); the others get request counts following a Zipf-like law
//!    `count(rank) ∝ rank^-slope`, rounded so the total is exactly
//!    `requests` ([`popularity_counts`]). Ranks get ids through a seeded
//!    shuffle, so ids say nothing about popularity.
//! 2. **Sizes**: per object, independent of popularity: with probability
//!    `size_tail_fraction` a Pareto(`size_tail_alpha`, `size_tail_start`)
//!    draw, otherwise a lognormal with the body's mean and standard deviation.
//! 3. **Order**: temporal locality from a finite stack of `stack_depth`
//!    active objects: each request picks an active object with probability
//!    proportional to its remaining requests; an object that has used all its
//!    requests leaves the stack and the slot is refilled from the inactive
//!    objects (again weighted by remaining requests). A shallow stack
//!    concentrates each object's requests in time; depth 0 (or one at least
//!    `objects`) is the independent reference model.
//!
//! See `docs/cachesim.md` for the defaults and the determinism guarantee.

use super::rng::{Rng, Stream};
use crate::Request;

/// Every knob of the generator. [`Default`] is the workload of the paper's
/// macro-benchmark (1 M requests to 30,000 objects) with ProWGen-like
/// characteristics.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratorConfig {
    /// Total requests in the trace.
    pub requests: u64,
    /// Distinct objects (each is requested at least once).
    pub objects: u32,
    /// Slope of the Zipf-like popularity of the non-one-timers (`>= 0`).
    pub zipf_slope: f64,
    /// Fraction of the distinct objects requested exactly once, in `[0, 1]`.
    pub one_timer_fraction: f64,
    /// Mean of the lognormal size body, bytes (`> 0`).
    pub size_body_mean: f64,
    /// Standard deviation of the lognormal size body, bytes (`>= 0`).
    pub size_body_sd: f64,
    /// Pareto tail index α of the size tail (`> 0`).
    pub size_tail_alpha: f64,
    /// Where the Pareto tail starts (its minimum `k`), bytes (`>= 1`).
    pub size_tail_start: f64,
    /// Fraction of the objects whose size comes from the tail, in `[0, 1]`.
    pub size_tail_fraction: f64,
    /// Active objects in the temporal-locality stack; 0 = no stack.
    pub stack_depth: u32,
    /// The seed: the same config gives the same trace, byte for byte.
    pub seed: u64,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        GeneratorConfig {
            requests: 1_000_000,
            objects: 30_000,
            zipf_slope: 0.75,
            one_timer_fraction: 0.5,
            size_body_mean: 7_000.0,
            size_body_sd: 11_000.0,
            size_tail_alpha: 1.2,
            size_tail_start: 10_000.0,
            size_tail_fraction: 0.2,
            stack_depth: 10_000,
            seed: 1,
        }
    }
}

/// Why a [`GeneratorConfig`] cannot produce a trace.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// `requests` or `objects` is zero.
    #[error("{name} must be at least 1")]
    Zero {
        /// The knob's field name.
        name: &'static str,
    },
    /// More distinct objects than requests.
    #[error(
        "objects ({objects}) must not exceed requests ({requests}): every object is requested at least once"
    )]
    MoreObjectsThanRequests {
        /// Configured objects.
        objects: u32,
        /// Configured requests.
        requests: u64,
    },
    /// A fraction outside `[0, 1]` (or NaN).
    #[error("{name} must be in [0, 1], got {value}")]
    Fraction {
        /// The knob's field name.
        name: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// A value that must be finite and at least `min` is not.
    #[error("{name} must be a finite number {bound}, got {value}")]
    OutOfRange {
        /// The knob's field name.
        name: &'static str,
        /// The bound, as text (`>= 0`, `> 0`, `>= 1`).
        bound: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// Not enough requests to give every non-one-timer two of them.
    #[error(
        "too few requests: {popular} objects that are not one-timers need at least 2 requests each \
         ({needed}), but only {available} remain after the one-timers"
    )]
    TooFewRequests {
        /// Objects that are not one-timers.
        popular: u32,
        /// `2 * popular`.
        needed: u64,
        /// Requests left for them.
        available: u64,
    },
    /// Every object is a one-timer, so there must be exactly one request per object.
    #[error("every object is a one-timer, so requests ({requests}) must equal objects ({objects})")]
    OnlyOneTimers {
        /// Configured objects.
        objects: u32,
        /// Configured requests.
        requests: u64,
    },
}

impl GeneratorConfig {
    /// Number of one-timers: `one_timer_fraction * objects`, rounded to nearest.
    pub fn one_timers(&self) -> u32 {
        libm::round(self.one_timer_fraction * f64::from(self.objects)) as u32
    }

    /// Checks every knob; [`generate`] calls this first.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.requests == 0 {
            return Err(ConfigError::Zero { name: "requests" });
        }
        if self.objects == 0 {
            return Err(ConfigError::Zero { name: "objects" });
        }
        if u64::from(self.objects) > self.requests {
            return Err(ConfigError::MoreObjectsThanRequests {
                objects: self.objects,
                requests: self.requests,
            });
        }
        for (name, value) in [
            ("one_timer_fraction", self.one_timer_fraction),
            ("size_tail_fraction", self.size_tail_fraction),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(ConfigError::Fraction { name, value });
            }
        }
        let checks: [Check; 5] = [
            ("zipf_slope", self.zipf_slope, ">= 0", |v| v >= 0.0),
            ("size_body_mean", self.size_body_mean, "> 0", |v| v > 0.0),
            ("size_body_sd", self.size_body_sd, ">= 0", |v| v >= 0.0),
            ("size_tail_alpha", self.size_tail_alpha, "> 0", |v| v > 0.0),
            ("size_tail_start", self.size_tail_start, ">= 1", |v| {
                v >= 1.0
            }),
        ];
        for (name, value, bound, ok) in checks {
            if !value.is_finite() || !ok(value) {
                return Err(ConfigError::OutOfRange { name, bound, value });
            }
        }
        let singles = self.one_timers();
        let popular = self.objects - singles;
        let available = self.requests - u64::from(singles);
        if popular == 0 {
            if available != 0 {
                return Err(ConfigError::OnlyOneTimers {
                    objects: self.objects,
                    requests: self.requests,
                });
            }
        } else if available < 2 * u64::from(popular) {
            return Err(ConfigError::TooFewRequests {
                popular,
                needed: 2 * u64::from(popular),
                available,
            });
        }
        Ok(())
    }
}

/// A range check: knob name, value, bound as text, predicate.
type Check = (&'static str, f64, &'static str, fn(f64) -> bool);

/// Request counts of `popular` objects by popularity rank (rank 1 first):
/// `total * rank^-slope / Σ`, floored, at least 2 each, then adjusted to sum
/// to exactly `total`: missing requests go one each to the largest fractional
/// parts (ties to the better rank); an excess (only possible when the floor of
/// 2 lifted some counts) is taken one at a time from the best ranks still
/// above 2. Requires `total >= 2 * popular`.
pub fn popularity_counts(popular: u32, total: u64, slope: f64) -> Vec<u64> {
    let n = popular as usize;
    assert!(
        total >= 2 * n as u64,
        "popularity_counts: total < 2 * popular"
    );
    let weights: Vec<f64> = (1..=n).map(|r| libm::pow(r as f64, -slope)).collect();
    let sum: f64 = weights.iter().sum();
    let ideal: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut counts: Vec<u64> = ideal
        .iter()
        .map(|&x| (libm::floor(x) as u64).max(2))
        .collect();
    let assigned: u64 = counts.iter().sum();
    if assigned < total {
        let mut order: Vec<usize> = (0..n).collect();
        let frac = |i: usize| {
            if ideal[i] < 2.0 {
                -1.0
            } else {
                ideal[i] - libm::floor(ideal[i])
            }
        };
        order.sort_by(|&a, &b| frac(b).total_cmp(&frac(a)).then(a.cmp(&b)));
        let missing = (total - assigned) as usize;
        // Σ floor(x) > total - n, so one pass over the ranks is enough.
        for &i in order.iter().cycle().take(missing) {
            counts[i] += 1;
        }
    } else {
        let mut excess = assigned - total;
        while excess > 0 {
            for c in counts.iter_mut() {
                if excess == 0 {
                    break;
                }
                if *c > 2 {
                    *c -= 1;
                    excess -= 1;
                }
            }
        }
    }
    counts
}

/// Generates the trace described by `config`.
///
/// Deterministic: the same config gives the same requests on every machine.
/// Object ids are `0..objects`, shuffled; sizes are in `[1, u32::MAX]`.
pub fn generate(config: &GeneratorConfig) -> Result<Vec<Request>, ConfigError> {
    config.validate()?;
    let objects = config.objects as usize;
    let singles = config.one_timers() as usize;
    let popular = objects - singles;

    // Object index k: ranks 0..popular are the Zipf objects, then one-timers.
    let mut remaining = popularity_counts(
        popular as u32,
        config.requests - singles as u64,
        config.zipf_slope,
    );
    remaining.resize(objects, 1);

    let mut ids: Vec<u32> = (0..config.objects).collect();
    Rng::new(config.seed, Stream::Ids).shuffle(&mut ids);

    let mut rng = Rng::new(config.seed, Stream::Sizes);
    let sizes: Vec<u32> = (0..objects)
        .map(|_| object_size(config, &mut rng))
        .collect();

    let mut out = Vec::with_capacity(config.requests as usize);
    let mut rng = Rng::new(config.seed, Stream::Order);
    let depth = config.stack_depth as usize;
    let mut pool = Fenwick::new(&remaining);
    let mut emit = |k: usize| out.push(Request::new(ids[k], sizes[k]));
    if depth == 0 || depth >= objects {
        // Independent reference model with exact counts.
        while pool.total() > 0 {
            let k = pool.find(rng.below(pool.total()));
            pool.sub(k, 1);
            emit(k);
        }
    } else {
        // The stack: `depth` slots, each an active object or empty (weight 0).
        let mut slot_obj = vec![usize::MAX; depth];
        let mut stack = Fenwick::new(&vec![0; depth]);
        for slot in 0..depth {
            activate(slot, &mut rng, &mut pool, &mut stack, &mut slot_obj);
        }
        while stack.total() > 0 {
            let slot = stack.find(rng.below(stack.total()));
            stack.sub(slot, 1);
            emit(slot_obj[slot]);
            if stack.weight(slot) == 0 {
                activate(slot, &mut rng, &mut pool, &mut stack, &mut slot_obj);
            }
        }
    }
    debug_assert_eq!(out.len() as u64, config.requests);
    Ok(out)
}

/// Moves an object drawn from `pool` (weighted by remaining requests) into
/// stack slot `slot`, with its weight; leaves the slot empty if the pool is.
fn activate(
    slot: usize,
    rng: &mut Rng,
    pool: &mut Fenwick,
    stack: &mut Fenwick,
    slot_obj: &mut [usize],
) {
    if pool.total() > 0 {
        let k = pool.find(rng.below(pool.total()));
        let w = pool.weight(k);
        pool.sub(k, w);
        stack.add(slot, w);
        slot_obj[slot] = k;
    }
}

/// One object size: Pareto tail with probability `size_tail_fraction`, else
/// the lognormal body; rounded down and clamped to `[1, u32::MAX]`.
fn object_size(config: &GeneratorConfig, rng: &mut Rng) -> u32 {
    let tail = rng.unit() < config.size_tail_fraction;
    let x = if tail {
        config.size_tail_start * libm::pow(rng.unit_open0(), -1.0 / config.size_tail_alpha)
    } else {
        // Lognormal with mean m and standard deviation s:
        // σ² = ln(1 + s²/m²), μ = ln m − σ²/2.
        let (m, s) = (config.size_body_mean, config.size_body_sd);
        let sigma2 = libm::log(1.0 + (s * s) / (m * m));
        let mu = libm::log(m) - sigma2 / 2.0;
        libm::exp(mu + libm::sqrt(sigma2) * rng.normal())
    };
    // `as` saturates (NaN -> 0): the clamp covers every case.
    (x as u64).clamp(1, u64::from(u32::MAX)) as u32
}

/// A Fenwick (binary indexed) tree of integer weights: weighted sampling in
/// O(log n) with exact integer arithmetic.
struct Fenwick {
    tree: Vec<u64>,
    weights: Vec<u64>,
    total: u64,
    /// Highest power of two `<= len`.
    top: usize,
}

impl Fenwick {
    fn new(weights: &[u64]) -> Fenwick {
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

    fn total(&self) -> u64 {
        self.total
    }

    fn weight(&self, i: usize) -> u64 {
        self.weights[i]
    }

    fn add(&mut self, i: usize, w: u64) {
        self.weights[i] += w;
        self.total += w;
        let mut j = i + 1;
        while j < self.tree.len() {
            self.tree[j] += w;
            j += j & j.wrapping_neg();
        }
    }

    fn sub(&mut self, i: usize, w: u64) {
        self.weights[i] -= w;
        self.total -= w;
        let mut j = i + 1;
        while j < self.tree.len() {
            self.tree[j] -= w;
            j += j & j.wrapping_neg();
        }
    }

    /// The index `i` with `prefix(i) <= u < prefix(i + 1)`, for `u < total`.
    fn find(&self, mut u: u64) -> usize {
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

    #[test]
    fn popularity_counts_sum_exactly_and_decrease() {
        for (n, total, slope) in [
            (10, 1000, 0.75),
            (15_000, 985_000, 0.75),
            (5, 10, 2.0),
            (100, 200, 0.0),
        ] {
            let c = popularity_counts(n, total, slope);
            assert_eq!(c.len(), n as usize);
            assert_eq!(c.iter().sum::<u64>(), total, "{n} {total} {slope}");
            assert!(c.iter().all(|&x| x >= 2));
            assert!(
                c.windows(2).all(|w| w[0] + 1 >= w[1]),
                "roughly non-increasing"
            );
        }
        // Steep slope, few requests: the floor of 2 forces the excess away from rank 1.
        assert_eq!(popularity_counts(5, 10, 2.0), [2, 2, 2, 2, 2]);
        assert_eq!(popularity_counts(3, 12, 0.0), [4, 4, 4]);
    }

    #[test]
    fn validation_messages() {
        let base = GeneratorConfig::default();
        let err = |c: GeneratorConfig| generate(&c).unwrap_err().to_string();
        assert_eq!(
            err(GeneratorConfig {
                objects: 11,
                requests: 10,
                ..base.clone()
            }),
            "objects (11) must not exceed requests (10): every object is requested at least once"
        );
        assert_eq!(
            err(GeneratorConfig {
                one_timer_fraction: 1.5,
                ..base.clone()
            }),
            "one_timer_fraction must be in [0, 1], got 1.5"
        );
        assert_eq!(
            err(GeneratorConfig {
                size_tail_fraction: f64::NAN,
                ..base.clone()
            }),
            "size_tail_fraction must be in [0, 1], got NaN"
        );
        assert_eq!(
            err(GeneratorConfig {
                size_tail_alpha: 0.0,
                ..base.clone()
            }),
            "size_tail_alpha must be a finite number > 0, got 0"
        );
        assert_eq!(
            err(GeneratorConfig {
                zipf_slope: f64::INFINITY,
                ..base.clone()
            }),
            "zipf_slope must be a finite number >= 0, got inf"
        );
        assert_eq!(
            err(GeneratorConfig {
                requests: 0,
                ..base.clone()
            }),
            "requests must be at least 1"
        );
        assert_eq!(
            err(GeneratorConfig {
                requests: 100,
                objects: 80,
                one_timer_fraction: 0.5,
                ..base.clone()
            }),
            "too few requests: 40 objects that are not one-timers need at least 2 requests each (80), \
             but only 60 remain after the one-timers"
        );
        assert_eq!(
            err(GeneratorConfig {
                requests: 100,
                objects: 80,
                one_timer_fraction: 1.0,
                ..base.clone()
            }),
            "every object is a one-timer, so requests (100) must equal objects (80)"
        );
        let ok = GeneratorConfig {
            requests: 80,
            objects: 80,
            one_timer_fraction: 1.0,
            ..base
        };
        assert_eq!(generate(&ok).unwrap().len(), 80);
    }

    #[test]
    fn sizes_clamp_and_follow_the_model() {
        let c = GeneratorConfig {
            size_tail_fraction: 1.0,
            size_tail_alpha: 0.01,
            ..Default::default()
        };
        let mut rng = Rng::new(3, Stream::Sizes);
        let sizes: Vec<u32> = (0..1000).map(|_| object_size(&c, &mut rng)).collect();
        assert!(sizes.iter().all(|&s| s >= 10_000));
        assert!(sizes.contains(&u32::MAX), "an extreme tail saturates");
        let c = GeneratorConfig {
            size_tail_fraction: 0.0,
            size_body_mean: 0.5,
            size_body_sd: 0.0,
            ..Default::default()
        };
        assert_eq!(object_size(&c, &mut rng), 1, "sizes are at least 1");
        let c = GeneratorConfig {
            size_tail_fraction: 0.0,
            ..Default::default()
        };
        let n = 200_000;
        let mean = (0..n)
            .map(|_| f64::from(object_size(&c, &mut rng)))
            .sum::<f64>()
            / n as f64;
        assert!((mean - 7_000.0).abs() < 200.0, "body mean {mean}");
    }
}
