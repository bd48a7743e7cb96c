//! A straight line through (size, cost) points (pure maths): the model of
//! a call that carries a payload, a fixed cost per call plus a cost per
//! byte. Used by the payload cost model, figure and table.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// `y = intercept + slope · x`, fitted by ordinary least squares, with the
/// 95% confidence interval of each coefficient.
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
    /// The share of the variance of y the line explains.
    pub r2: f64,
    /// Points fitted.
    pub n: usize,
}

impl Line {
    /// The line's value at `x`.
    pub fn at(&self, x: f64) -> f64 {
        self.intercept + self.slope * x
    }
}

/// Fits a line through `points`; `None` below two distinct x values.
pub fn fit(points: &[(f64, f64)]) -> Option<Line> {
    let n = points.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / nf;
    let my = points.iter().map(|p| p.1).sum::<f64>() / nf;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let syy: f64 = points.iter().map(|p| (p.1 - my).powi(2)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let sse: f64 = points
        .iter()
        .map(|p| (p.1 - intercept - slope * p.0).powi(2))
        .sum();
    let (intercept_ci95, slope_ci95) = match StudentsT::new(0.0, 1.0, nf - 2.0) {
        Ok(t) if n > 2 => {
            let t = t.inverse_cdf(0.975);
            let s2 = sse / (nf - 2.0);
            (
                t * (s2 * (1.0 / nf + mx * mx / sxx)).sqrt(),
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
}
