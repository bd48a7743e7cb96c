//! The per-object distributions: request counts by popularity rank (stage 1)
//! and object sizes (stage 2).

use super::GeneratorConfig;
use crate::workloads::rng::Rng;

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

/// One object size: Pareto tail with probability `size_tail_fraction`, else
/// the lognormal body; rounded down and clamped to `[1, u32::MAX]`.
pub(super) fn object_size(config: &GeneratorConfig, rng: &mut Rng) -> u32 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::rng::Stream;

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
