//! A straight line through (size, cost) points (pure maths): the model of
//! a call that carries a payload, a fixed cost per call plus a cost per
//! byte. Used by the payload cost model, figure and table.
//!
//! Two fits: [`fit`], ordinary least squares (every point alike), and
//! [`fit_relative`], least squares weighted by the inverse square of the
//! cost, which the payload model uses (see there for why).

use statrs::distribution::{ContinuousCDF, StudentsT};

/// How the points of a [`Line`] were weighted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weighting {
    /// Ordinary least squares: every point alike (`"none"`; what a line
    /// written before the field existed was).
    #[default]
    #[serde(rename = "none")]
    Unweighted,
    /// Weighted by 1/ȳ², ȳ the mean cost at the point's x: the line
    /// minimises the relative error ([`fit_relative`]).
    Relative,
}

/// `y = intercept + slope · x`, fitted by (weighted) least squares, with
/// the 95% confidence interval of each coefficient.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Line {
    /// The value at x = 0: the fixed cost.
    pub intercept: f64,
    /// Half-width of the intercept's 95% interval (infinite from two points).
    pub intercept_ci95: f64,
    /// The increase per unit of x: the cost per byte.
    pub slope: f64,
    /// Half-width of the slope's 95% interval (infinite from two points).
    pub slope_ci95: f64,
    /// The share of the variance of y the line explains, both weighted as
    /// the fit is (with [`Weighting::Relative`], the share of the relative
    /// variation).
    pub r2: f64,
    /// Points fitted.
    pub n: usize,
    /// How the points were weighted; the intervals and `r2` are those of
    /// this fit.
    #[serde(default)]
    pub weighting: Weighting,
}

impl Line {
    /// The line's value at `x`.
    pub fn at(&self, x: f64) -> f64 {
        self.intercept + self.slope * x
    }
}

/// Fits a line through `points` by ordinary least squares; `None` below
/// two distinct x values.
pub fn fit(points: &[(f64, f64)]) -> Option<Line> {
    let weighted: Vec<(f64, f64, f64)> = points.iter().map(|&(x, y)| (x, y, 1.0)).collect();
    weighted_fit(&weighted, Weighting::Unweighted)
}

/// Fits a line through `points` minimising the relative error: each point
/// weighs 1/ȳ², ȳ the mean y of the points at its x. `None` below two
/// distinct x values, or if some x has a mean y of 0 or less (a relative
/// error needs a positive cost).
///
/// Why relative. Payload sizes span 16 B to 1 MiB, so costs span four or
/// five decades. Unweighted, the largest sizes' residuals (micro- to
/// milliseconds) swamp the smallest (nanoseconds): the slope is right, but
/// the intercept, the fixed cost per call, is whatever keeps the big
/// points happy (in the reference run −28 to +58 µs, for calls that cost
/// 100 ns at 16 B, with intervals wider than themselves). The spread of a
/// timing grows with the time (the replicates' coefficient of variation
/// is about the same at every size), so 1/y² is the variance-stabilising
/// weight: each size then counts by its relative misfit, the fixed cost
/// is pinned by the small sizes and the per-byte cost by the large, and
/// the line is judged as the log axis it is drawn on shows it. The weight
/// is the mean at the size rather than each replicate's own y, which
/// would favour the replicates that came out low and bias the line down.
/// (Weighting by each point's own interval instead was rejected: a size
/// whose replicates happened to agree would dominate, and the model's
/// misfit, not the noise, is most of the residual.)
///
/// The intervals are the weighted fit's: the residual variance is
/// estimated from the weighted residuals, so they stay correct whatever
/// the scale of the weights.
pub fn fit_relative(points: &[(f64, f64)]) -> Option<Line> {
    let mut by_x: Vec<(f64, f64, usize)> = Vec::new();
    for &(x, y) in points {
        match by_x.iter_mut().find(|(bx, _, _)| *bx == x) {
            Some((_, sum, k)) => {
                *sum += y;
                *k += 1;
            }
            None => by_x.push((x, y, 1)),
        }
    }
    let mut weighted = Vec::with_capacity(points.len());
    for &(x, y) in points {
        let (_, sum, k) = by_x.iter().find(|(bx, _, _)| *bx == x)?;
        let mean = sum / *k as f64;
        if !(mean > 0.0 && mean.is_finite()) {
            return None;
        }
        weighted.push((x, y, 1.0 / (mean * mean)));
    }
    weighted_fit(&weighted, Weighting::Relative)
}

/// Weighted least squares through (x, y, weight) points, the weights
/// relative (Var(yᵢ) = σ²/wᵢ with σ² estimated from the residuals).
fn weighted_fit(points: &[(f64, f64, f64)], weighting: Weighting) -> Option<Line> {
    let n = points.len();
    if n < 2 || points.iter().any(|p| !(p.2 > 0.0 && p.2.is_finite())) {
        return None;
    }
    let nf = n as f64;
    // Weights scaled to a mean of 1: the same fit, without 1e-14 weights.
    let scale = points.iter().map(|p| p.2).sum::<f64>() / nf;
    let w = |p: &(f64, f64, f64)| p.2 / scale;
    let sw: f64 = points.iter().map(w).sum();
    let mx = points.iter().map(|p| w(p) * p.0).sum::<f64>() / sw;
    let my = points.iter().map(|p| w(p) * p.1).sum::<f64>() / sw;
    let sxx: f64 = points.iter().map(|p| w(p) * (p.0 - mx).powi(2)).sum();
    if sxx <= 0.0 || !sxx.is_finite() {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| w(p) * (p.0 - mx) * (p.1 - my)).sum();
    let syy: f64 = points.iter().map(|p| w(p) * (p.1 - my).powi(2)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let sse: f64 = points
        .iter()
        .map(|p| w(p) * (p.1 - intercept - slope * p.0).powi(2))
        .sum();
    let (intercept_ci95, slope_ci95) = match StudentsT::new(0.0, 1.0, nf - 2.0) {
        Ok(t) if n > 2 => {
            let t = t.inverse_cdf(0.975);
            let s2 = sse / (nf - 2.0);
            (
                t * (s2 * (1.0 / sw + mx * mx / sxx)).sqrt(),
                t * (s2 / sxx).sqrt(),
            )
        }
        _ => (f64::INFINITY, f64::INFINITY),
    };
    let r2 = if syy > 0.0 { 1.0 - sse / syy } else { 1.0 };
    Some(Line {
        intercept,
        intercept_ci95,
        slope,
        slope_ci95,
        r2,
        n,
        weighting,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_an_exact_line() {
        let l = fit(&[(0.0, 10.0), (100.0, 30.0), (1000.0, 210.0)]).unwrap();
        assert!((l.intercept - 10.0).abs() < 1e-9 && (l.slope - 0.2).abs() < 1e-12);
        assert!((l.r2 - 1.0).abs() < 1e-12);
        assert!((l.at(50.0) - 20.0).abs() < 1e-9);
        assert!(l.intercept_ci95 < 1e-6 && l.slope_ci95 < 1e-9);
        assert_eq!(l.weighting, Weighting::Unweighted);
        assert!(fit(&[(1.0, 1.0), (1.0, 2.0)]).is_none());
        assert!(fit(&[(1.0, 1.0)]).is_none());
        assert!(
            fit(&[(1.0, 1.0), (2.0, 2.0)])
                .unwrap()
                .slope_ci95
                .is_infinite()
        );
    }

    #[test]
    fn recovers_a_known_line_from_noisy_points_with_its_interval() {
        // y = 40 + 0.25 x, noise ±1 alternating.
        let points: Vec<(f64, f64)> = [16.0, 256.0, 4096.0, 65536.0, 1048576.0]
            .iter()
            .flat_map(|&x| {
                (0..10).map(move |k| (x, 40.0 + 0.25 * x + if k % 2 == 0 { 1.0 } else { -1.0 }))
            })
            .collect();
        let l = fit(&points).unwrap();
        assert!((l.intercept - 40.0).abs() < 0.5, "{l:?}");
        assert!((l.slope - 0.25).abs() < 1e-6, "{l:?}");
        assert!(
            l.intercept - l.intercept_ci95 < 40.0 && 40.0 < l.intercept + l.intercept_ci95,
            "{l:?}"
        );
        assert!(l.r2 > 0.999_999);
        assert_eq!(l.n, 50);
    }

    /// y = 100 + 0.3 x at the payload sizes, each replicate off by ±`rel`
    /// of its value (noise that grows with the time, as timings' does).
    fn relative_noise(rel: f64) -> Vec<(f64, f64)> {
        [16.0, 256.0, 4096.0, 65536.0, 1048576.0]
            .iter()
            .flat_map(|&x| {
                let y = 100.0 + 0.3 * x;
                (0..10).map(move |k| (x, y * (1.0 + if k % 2 == 0 { rel } else { -rel })))
            })
            .collect()
    }

    #[test]
    fn the_relative_fit_recovers_a_known_line_with_its_interval() {
        let exact = fit_relative(&relative_noise(0.0)).unwrap();
        assert!((exact.intercept - 100.0).abs() < 1e-6, "{exact:?}");
        assert!((exact.slope - 0.3).abs() < 1e-12, "{exact:?}");
        assert!((exact.r2 - 1.0).abs() < 1e-12);
        assert!(exact.intercept_ci95 < 1e-6 && exact.slope_ci95 < 1e-9);
        assert_eq!(exact.weighting, Weighting::Relative);

        let l = fit_relative(&relative_noise(0.02)).unwrap();
        assert!((l.intercept - 100.0).abs() < 1.0, "{l:?}");
        assert!((l.slope - 0.3).abs() < 1e-3, "{l:?}");
        for (v, half, truth) in [
            (l.intercept, l.intercept_ci95, 100.0),
            (l.slope, l.slope_ci95, 0.3),
        ] {
            assert!(half.is_finite() && half > 0.0, "{l:?}");
            assert!(v - half < truth && truth < v + half, "{l:?}");
        }
        // The intercept's interval is a few ns wide, not the tens of µs
        // the unweighted fit gives the same points.
        let plain = fit(&relative_noise(0.02)).unwrap();
        assert!(l.intercept_ci95 < 5.0, "{l:?}");
        assert!(plain.intercept_ci95 > 100.0 * l.intercept_ci95, "{plain:?}");
        assert_eq!(l.n, 50);
    }

    #[test]
    fn the_relative_interval_matches_weighted_least_squares_by_hand() {
        // Weighted least squares with Var(yᵢ) ∝ 1/wᵢ is ordinary least
        // squares on the rows scaled by √wᵢ: y√w = a·√w + b·x√w. Solve
        // that 2×2 system by hand and compare coefficients and intervals.
        let pts = [
            (16.0, 110.0),
            (16.0, 96.0),
            (256.0, 170.0),
            (256.0, 185.0),
            (4096.0, 1300.0),
            (4096.0, 1390.0),
            (65536.0, 19000.0),
            (65536.0, 20500.0),
        ];
        let l = fit_relative(&pts).unwrap();
        let mean = |x: f64| {
            let v: Vec<f64> = pts.iter().filter(|p| p.0 == x).map(|p| p.1).collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        let rows: Vec<(f64, f64, f64)> = pts
            .iter()
            .map(|&(x, y)| {
                let s = 1.0 / mean(x);
                (s, x * s, y * s)
            })
            .collect();
        let (mut a11, mut a12, mut a22, mut b1, mut b2) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for &(u, v, z) in &rows {
            a11 += u * u;
            a12 += u * v;
            a22 += v * v;
            b1 += u * z;
            b2 += v * z;
        }
        let det = a11 * a22 - a12 * a12;
        let a = (a22 * b1 - a12 * b2) / det;
        let b = (a11 * b2 - a12 * b1) / det;
        let sse: f64 = rows
            .iter()
            .map(|&(u, v, z)| (z - a * u - b * v).powi(2))
            .sum();
        let s2 = sse / (pts.len() as f64 - 2.0);
        let t = StudentsT::new(0.0, 1.0, pts.len() as f64 - 2.0)
            .unwrap()
            .inverse_cdf(0.975);
        let (ci_a, ci_b) = (t * (s2 * a22 / det).sqrt(), t * (s2 * a11 / det).sqrt());
        let close = |p: f64, q: f64| (p - q).abs() <= 1e-7 * q.abs().max(1e-9);
        assert!(
            close(l.intercept, a) && close(l.slope, b),
            "{l:?} vs {a} {b}"
        );
        assert!(
            close(l.intercept_ci95, ci_a) && close(l.slope_ci95, ci_b),
            "{l:?} vs ±{ci_a} ±{ci_b}"
        );
    }

    #[test]
    fn weighting_rescues_the_intercept_the_big_sizes_drag_below_zero() {
        // A call of 50 ns plus 0.2 ns a byte, the two largest sizes a few
        // per cent off the line (caches) and noisy as timings are:
        // the unweighted line bends its intercept to fit them.
        let mut points = Vec::new();
        for (x, extra) in [
            (16.0, 1.0),
            (256.0, 1.0),
            (4096.0, 1.0),
            (65536.0, 0.94),
            (1048576.0, 1.03),
        ] {
            let y = (50.0 + 0.2 * x) * extra;
            for k in 0..10 {
                points.push((x, y * (1.0 + 0.01 * (k as f64 - 4.5) / 4.5)));
            }
        }
        let plain = fit(&points).unwrap();
        assert!(plain.intercept < 0.0, "the unweighted intercept: {plain:?}");
        assert!(
            plain.intercept - plain.intercept_ci95 < 0.0
                && plain.intercept_ci95 > plain.intercept.abs(),
            "an interval wider than the intercept: {plain:?}"
        );
        let rel = fit_relative(&points).unwrap();
        assert!((rel.intercept - 50.0).abs() < 2.0, "{rel:?}");
        assert!(rel.intercept - rel.intercept_ci95 > 0.0, "{rel:?}");
        assert!((rel.slope - 0.2).abs() < 0.01, "{rel:?}");
        // Positive over the whole sweep, so drawable on a log axis.
        assert!(points.iter().all(|p| rel.at(p.0) > 0.0));
    }

    #[test]
    fn the_relative_fit_needs_positive_costs_and_two_sizes() {
        assert!(fit_relative(&[(1.0, 1.0), (1.0, 2.0)]).is_none());
        assert!(fit_relative(&[(1.0, 0.0), (2.0, 2.0), (3.0, 3.0)]).is_none());
        assert!(fit_relative(&[(1.0, -1.0), (2.0, 2.0)]).is_none());
        let two = fit_relative(&[(1.0, 1.0), (2.0, 2.0)]).unwrap();
        assert!((two.slope - 1.0).abs() < 1e-12 && two.slope_ci95.is_infinite());
    }

    #[test]
    fn the_weighting_is_written_and_defaults_to_none_when_absent() {
        let l = fit_relative(&relative_noise(0.0)).unwrap();
        let json = serde_json::to_value(l).unwrap();
        assert_eq!(json["weighting"], "relative");
        let old =
            r#"{"intercept":1.0,"intercept_ci95":0.5,"slope":2.0,"slope_ci95":0.1,"r2":0.9,"n":5}"#;
        let back: Line = serde_json::from_str(old).unwrap();
        assert_eq!(back.weighting, Weighting::Unweighted);
        assert_eq!(serde_json::to_value(back).unwrap()["weighting"], "none");
    }
}
