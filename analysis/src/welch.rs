//! Welch's two-sample t-test and Holm's correction (pure maths).
//!
//! Welch's test compares two means without assuming equal variances, which
//! two cells, or one cell on two machines, seldom have. Holm's step-down
//! procedure keeps the chance of any false alarm over a whole comparison
//! (hundreds of cells) at the level asked for, where testing each cell at
//! 5% would flag a few dozen unchanged cells by chance.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// A sample, as the test needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Mean.
    pub mean: f64,
    /// Sample variance (n − 1).
    pub var: f64,
    /// Size.
    pub n: usize,
}

impl Moments {
    /// The moments of `xs`; `None` below two values.
    pub fn of(xs: &[f64]) -> Option<Moments> {
        if xs.len() < 2 {
            return None;
        }
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        Some(Moments {
            mean,
            var,
            n: xs.len(),
        })
    }
}

/// The outcome of comparing `b` with `a`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Welch {
    /// `b.mean − a.mean`.
    pub diff: f64,
    /// 95% confidence interval of the difference.
    pub diff_ci95: (f64, f64),
    /// The t statistic.
    pub t: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// Two-sided p-value.
    pub p: f64,
}

/// Welch's t-test of `b` against `a`. Two samples without any spread are
/// equal (p = 1) or certainly different (p = 0).
pub fn welch(a: Moments, b: Moments) -> Option<Welch> {
    if a.n < 2 || b.n < 2 {
        return None;
    }
    let (va, vb) = (a.var / a.n as f64, b.var / b.n as f64);
    let se = (va + vb).sqrt();
    let diff = b.mean - a.mean;
    if se == 0.0 || !se.is_finite() {
        let p = if diff == 0.0 { 1.0 } else { 0.0 };
        return Some(Welch {
            diff,
            diff_ci95: (diff, diff),
            t: if diff == 0.0 {
                0.0
            } else {
                f64::INFINITY.copysign(diff)
            },
            df: (a.n + b.n - 2) as f64,
            p,
        });
    }
    let df =
        (va + vb).powi(2) / (va.powi(2) / (a.n as f64 - 1.0) + vb.powi(2) / (b.n as f64 - 1.0));
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    let t = diff / se;
    let p = (2.0 * (1.0 - dist.cdf(t.abs()))).clamp(0.0, 1.0);
    let half = dist.inverse_cdf(0.975) * se;
    Some(Welch {
        diff,
        diff_ci95: (diff - half, diff + half),
        t,
        df,
        p,
    })
}

/// Holm's adjusted p-values, in the order given: the k-th smallest p is
/// multiplied by (m − k + 1) and the sequence made non-decreasing. A cell
/// is significant at level α when its adjusted p is below α.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let mut adjusted = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (k, &i) in order.iter().enumerate() {
        running = running.max(((m - k) as f64 * p[i]).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_hand_computed_welch_test() {
        // a = 1..=5 (mean 3, var 2.5), b = 2, 4, ..., 10 (mean 6, var 10).
        let a = Moments::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        let b = Moments::of(&[2.0, 4.0, 6.0, 8.0, 10.0]).unwrap();
        let w = welch(a, b).unwrap();
        assert_eq!(w.diff, 3.0);
        // se = sqrt(0.5 + 2) ; t = 3 / 1.5811 = 1.8974
        assert!((w.t - 1.897_366_6).abs() < 1e-6, "{w:?}");
        // df = 2.5² / (0.25/4 + 4/4) = 6.25 / 1.0625 = 5.882353
        assert!((w.df - 5.882_353).abs() < 1e-6);
        // R: t.test(b, a)$p.value = 0.1075
        assert!((w.p - 0.1075).abs() < 5e-4, "{}", w.p);
        assert!(w.diff_ci95.0 < 0.0 && w.diff_ci95.1 > 3.0);
    }

    #[test]
    fn spreadless_samples_are_equal_or_certainly_different() {
        let a = Moments::of(&[1.0; 4]).unwrap();
        let b = Moments::of(&[2.0; 4]).unwrap();
        assert_eq!(welch(a, a).unwrap().p, 1.0);
        assert_eq!(welch(a, b).unwrap().p, 0.0);
        assert!(Moments::of(&[1.0]).is_none());
    }

    #[test]
    fn holm_adjusts_in_order_and_stays_monotone() {
        let adj = holm(&[0.01, 0.04, 0.03, 0.5]);
        // sorted: 0.01×4 = 0.04, 0.03×3 = 0.09, 0.04×2 = 0.08 → 0.09, 0.5×1.
        assert_eq!(adj, vec![0.04, 0.09, 0.09, 0.5]);
        assert!(holm(&[]).is_empty());
    }
}
