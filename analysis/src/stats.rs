//! Summary statistics of a cell's replicate times (pure maths).

use statrs::distribution::{ContinuousCDF, StudentsT};

/// What the paper reports per cell, and a little more.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Arithmetic mean of the replicate times, seconds.
    pub mean: f64,
    /// Sample standard deviation (n − 1), seconds.
    pub sd: f64,
    /// Lower bound of the 95% confidence interval of the mean (Student t).
    pub ci95_low: f64,
    /// Upper bound of the 95% confidence interval of the mean.
    pub ci95_high: f64,
    /// Median replicate time.
    pub median: f64,
    /// Fastest replicate.
    pub min: f64,
    /// Slowest replicate.
    pub max: f64,
    /// 99th percentile of the replicate times (nearest rank): the tail the
    /// phases scenario reports, where a replicate is one fresh instance.
    pub p99: f64,
    /// Replicates whose modified z-score exceeds 3.5 (Iglewicz and
    /// Hoaglin's rule, as hyperfine flags them): `0.6745·|x − median| /
    /// MAD`, MAD the median absolute deviation. Robust where the mean and
    /// sd are not: one replicate disturbed by another process (a page
    /// fault storm, a context switch) is counted whatever its size.
    pub outliers: usize,
}

/// The modified z-score threshold above which a replicate is an outlier.
pub const OUTLIER_Z: f64 = 3.5;

/// How many of `sorted` (ascending, finite) lie past [`OUTLIER_Z`]
/// modified z-scores from their median; none when the MAD is zero.
fn outliers(sorted: &[f64], median: f64) -> usize {
    let mut dev: Vec<f64> = sorted.iter().map(|x| (x - median).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let n = dev.len();
    let mad = if n % 2 == 1 {
        dev[n / 2]
    } else {
        (dev[n / 2 - 1] + dev[n / 2]) / 2.0
    };
    if mad <= 0.0 {
        return 0;
    }
    sorted
        .iter()
        .filter(|x| 0.6745 * (*x - median).abs() / mad > OUTLIER_Z)
        .count()
}

impl Summary {
    /// Summarises at least two replicate times (a confidence interval needs two).
    pub fn of(samples: &[f64]) -> Option<Summary> {
        let n = samples.len();
        if n < 2 || samples.iter().any(|x| !x.is_finite()) {
            return None;
        }
        let nf = n as f64;
        let mean = samples.iter().sum::<f64>() / nf;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (nf - 1.0);
        let sd = var.sqrt();
        let t = StudentsT::new(0.0, 1.0, nf - 1.0).ok()?.inverse_cdf(0.975);
        let half = t * sd / nf.sqrt();
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Some(Summary {
            mean,
            sd,
            ci95_low: mean - half,
            ci95_high: mean + half,
            median,
            min: sorted[0],
            max: sorted[n - 1],
            p99: sorted[(n * 99).div_ceil(100).clamp(1, n) - 1],
            outliers: outliers(&sorted, median),
        })
    }
}

/// The median of `v`, non-finite values left out (`None` when none is
/// left).
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn matches_hand_computed_values() {
        // mean 5, sample sd sqrt(10/3·…): values 2, 4, 4, 4, 5, 5, 7, 9.
        let s = Summary::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert!(close(s.mean, 5.0));
        assert!(close(s.sd, (32.0f64 / 7.0).sqrt()));
        // t(0.975, 7) = 2.364624252
        let half = 2.364_624_252 * s.sd / 8f64.sqrt();
        assert!((s.ci95_high - (5.0 + half)).abs() < 1e-6, "{s:?}");
        assert!((s.ci95_low - (5.0 - half)).abs() < 1e-6);
        assert!(close(s.median, 4.5));
        assert_eq!((s.min, s.max), (2.0, 9.0));
    }

    #[test]
    fn odd_count_median_and_ordering() {
        let s = Summary::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!(s.median, 2.0);
        assert!(s.ci95_low < s.mean && s.mean < s.ci95_high);
    }

    #[test]
    fn too_few_or_broken_samples_give_nothing() {
        assert_eq!(Summary::of(&[1.0]), None);
        assert_eq!(Summary::of(&[1.0, f64::NAN]), None);
    }

    #[test]
    fn outliers_are_counted_by_modified_z_score() {
        // Nine steady replicates and one ten times slower.
        let mut x = vec![1.00, 1.01, 0.99, 1.02, 0.98, 1.00, 1.01, 0.99, 1.00];
        assert_eq!(Summary::of(&x).unwrap().outliers, 0);
        x.push(10.0);
        assert_eq!(Summary::of(&x).unwrap().outliers, 1);
        // Spread evenly: nothing stands out.
        let even: Vec<f64> = (0..20).map(f64::from).collect();
        assert_eq!(Summary::of(&even).unwrap().outliers, 0);
    }

    #[test]
    fn constant_samples_have_a_zero_width_interval() {
        let s = Summary::of(&[2.0; 10]).unwrap();
        assert_eq!((s.sd, s.ci95_low, s.ci95_high), (0.0, 2.0, 2.0));
        assert_eq!(s.outliers, 0);
    }
}
