//! Lines with points and 95% CI whiskers over a base-2 logarithmic x axis
//! (cache sizes, payload sizes, batch sizes all grow by powers of two), in
//! panels side by side. x is drawn as log2(x) on a linear axis, so ticks
//! fall on whole powers of two and read `1MiB`, `4MiB`, or `1`, `256`;
//! y ticks carry the y axis's unit (`10 ms`). Each series has its colour
//! and its marker on every point ([`super::style`]); a fitted line is
//! drawn dashed over its points' span, and only where it is positive on a
//! log axis.

use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::*;

use super::layout::{self, LABEL};
use super::style::{self, Style};
use super::{Curve, Figure, Lines, Panel, XScale};

/// Draws `l` (the chart of `fig`) on `root`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    l: &Lines,
) -> Result<(), String> {
    layout::draw_header(root, fig)?;
    let area = root.margin(layout::header_height(fig), 10, 10, 10);
    let panels = area.split_evenly(layout::grid(l.panels.len()));
    let (x_lo, x_hi) = x_range(l);
    let (y_lo, y_hi) = y_range(l);
    let styles = style::styles(&l.series);
    for (panel, p) in panels.iter().zip(&l.panels) {
        let mut builder = ChartBuilder::on(panel);
        builder
            .caption(&p.title, ("sans-serif", layout::TEXT))
            .margin(8)
            .x_label_area_size(50)
            .y_label_area_size(64);
        let width = panel.dim_in_pixel().0 as f64 - 2.0 * 8.0 - 64.0;
        let (labelled, every) = x_keys(l, (x_lo, x_hi), width);
        let keys = (labelled.as_slice(), every.len());
        if l.y_log {
            let chart = builder
                .build_cartesian_2d(
                    x_lo..x_hi,
                    (y_lo..y_hi)
                        .log_scale()
                        .with_key_points(layout::unit_log_ticks(l.y_label.unit, y_lo, y_hi)),
                )
                .map_err(|e| e.to_string())?;
            body(root, chart, l, p, &styles, keys)?;
        } else {
            let chart = builder
                .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
                .map_err(|e| e.to_string())?;
            body(root, chart, l, p, &styles, keys)?;
        }
    }
    Ok(())
}

fn points(l: &Lines) -> impl Iterator<Item = &super::Point> {
    l.panels
        .iter()
        .flat_map(|p| &p.lines)
        .flat_map(|c| &c.points)
}

/// log2 of the smallest and largest x, padded.
fn x_range(l: &Lines) -> (f64, f64) {
    let xs = || points(l).map(|p| p.x.max(1e-9).log2());
    let lo = xs().fold(f64::MAX, f64::min);
    let hi = xs().fold(f64::MIN, f64::max);
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(0.5);
    (lo - pad, hi + pad)
}

fn y_range(l: &Lines) -> (f64, f64) {
    if let Some(r) = l.y_range {
        return r;
    }
    let hi = points(l).map(|p| p.high.max(p.y)).fold(f64::MIN, f64::max);
    if !hi.is_finite() {
        return if l.y_log { (0.1, 10.0) } else { (0.0, 1.0) };
    }
    if l.y_log {
        let lo = points(l)
            .flat_map(|p| [p.low, p.y])
            .filter(|v| *v > 0.0)
            .fold(f64::MAX, f64::min);
        let lo = if lo == f64::MAX { hi / 10.0 } else { lo / 1.5 };
        (lo, (hi * 1.5).max(lo * 10.0))
    } else {
        (0.0, hi * 1.1 + f64::MIN_POSITIVE)
    }
}

fn x_tick(scale: XScale, v: f64) -> String {
    if (v - v.round()).abs() > 1e-6 || !(0.0..63.0).contains(&v.round()) {
        return String::new();
    }
    let x = 1u64 << v.round() as u32;
    match scale {
        XScale::Bytes => crate::units::format_size(x),
        XScale::Count => crate::units::count_tick(x as f64),
    }
}

/// The x axis's key points, as log2 x: the labelled ones and every whole
/// power of two (a grid line each). The labels are the sizes measured
/// when they are powers of two with room for their labels (`16B`, `256B`,
/// `4KiB`...), else every power, every second, third... from the smallest
/// measured, whichever is the first whose labels do not run into each
/// other on a plot `width` pixels wide.
fn x_keys(l: &Lines, (x_lo, x_hi): (f64, f64), width: f64) -> (Vec<f64>, Vec<f64>) {
    let every: Vec<f64> = (x_lo.ceil() as i64..=x_hi.floor() as i64)
        .map(|p| p as f64)
        .collect();
    let per_power = width / (x_hi - x_lo).max(1e-9);
    let w = |p: f64| layout::text_w(&x_tick(l.x_scale, p), LABEL);
    let fit = |keys: &[f64]| {
        keys.windows(2)
            .all(|k| (k[1] - k[0]) * per_power >= (w(k[0]) + w(k[1])) / 2.0 + 8.0)
    };
    let mut measured: Vec<f64> = points(l).map(|p| p.x.max(1e-9).log2()).collect();
    measured.sort_by(f64::total_cmp);
    measured.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    let whole = measured.iter().all(|p| (p - p.round()).abs() < 1e-9);
    if whole && measured.len() >= 2 && fit(&measured) {
        return (measured, every);
    }
    let anchor = measured.first().map_or(x_lo, |p| p.ceil());
    for step in 1..=16 {
        let keys: Vec<f64> = every
            .iter()
            .copied()
            .filter(|p| ((p - anchor).round() as i64).rem_euclid(step) == 0)
            .collect();
        if fit(&keys) {
            return (keys, every);
        }
    }
    (measured.first().copied().into_iter().collect(), every)
}

fn body<DB, X, Y>(
    root: &DrawingArea<DB, Shift>,
    mut chart: ChartContext<'_, DB, Cartesian2d<X, Y>>,
    l: &Lines,
    p: &Panel,
    styles: &[Style],
    (labelled, whole): (&[f64], usize),
) -> Result<(), String>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let unit = l.y_label.unit;
    let yfmt = |v: &f64| unit.tick(*v);
    let (x_lo, x_hi) = {
        let r = chart.x_range();
        (r.start, r.end)
    };
    // A tick (and grid line) on every whole power of two, labelled on the
    // chosen ones.
    let xfmt = |v: &f64| {
        if labelled.iter().any(|k| (k - v).abs() < 1e-6) {
            x_tick(l.x_scale, *v)
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .x_labels(whole.max(2))
        .y_labels(8)
        .x_label_formatter(&xfmt)
        .y_label_formatter(&yfmt)
        .x_desc(l.x_label.as_str())
        .y_desc(l.y_label.label.as_str())
        .label_style(("sans-serif", LABEL))
        .axis_desc_style(("sans-serif", layout::TEXT))
        .max_light_lines(1)
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(e)?;
    let (y_lo, y_hi) = {
        let r = chart.y_range();
        (r.start, r.end)
    };
    let clamp = |v: f64| v.clamp(y_lo, y_hi);
    // Fits first, then lines, whiskers and markers over them.
    for curve in &p.lines {
        let c = styles[curve.series].colour;
        if let Some(fit) = curve.fit {
            let line = fit_path(&fit, curve, (y_lo, y_hi), l.y_log);
            chart
                .draw_series(DashedLineSeries::new(line, 6, 4, c.stroke_width(1)))
                .map_err(e)?;
        }
    }
    for curve in &p.lines {
        curve_series(
            root,
            &mut chart,
            curve,
            styles[curve.series],
            clamp,
            (x_lo, x_hi),
        )
        .map_err(e)?;
    }
    Ok(())
}

/// The stretch of `fit` to draw, as (log2 x, y): over the curve's own
/// span of x (a fit says nothing beyond the sizes it was fitted to),
/// where it lies inside the y axis `(y_lo, y_hi)` and, on a log axis,
/// above 0. A straight line is monotonic, so that is one stretch; it is
/// sampled densely in log x, where it bends.
pub(super) fn fit_path(
    fit: &crate::fit::Line,
    curve: &Curve,
    (y_lo, y_hi): (f64, f64),
    y_log: bool,
) -> Vec<(f64, f64)> {
    let xs = || curve.points.iter().map(|p| p.x).filter(|x| *x > 0.0);
    let (lo, hi) = (
        xs().fold(f64::MAX, f64::min).log2(),
        xs().fold(f64::MIN, f64::max).log2(),
    );
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return Vec::new();
    }
    const STEPS: usize = 200;
    (0..=STEPS)
        .map(|i| lo + (hi - lo) * i as f64 / STEPS as f64)
        .map(|lx| (lx, fit.at(lx.exp2())))
        .filter(|&(_, y)| y.is_finite() && (!y_log || y > 0.0) && y >= y_lo && y <= y_hi)
        .collect()
}

fn curve_series<DB, X, Y>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    curve: &Curve,
    st: Style,
    clamp: impl Fn(f64) -> f64,
    (x_lo, x_hi): (f64, f64),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let c = st.colour;
    let pts: Vec<(f64, f64)> = curve
        .points
        .iter()
        .map(|p| (p.x.max(1e-9).log2(), clamp(p.y)))
        .collect();
    chart.draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?;
    let cap = (x_hi - x_lo) * 0.008;
    for p in &curve.points {
        let x = p.x.max(1e-9).log2();
        let (lo, hi) = (clamp(p.low), clamp(p.high));
        chart.draw_series([
            PathElement::new(vec![(x, lo), (x, hi)], c.stroke_width(1)),
            PathElement::new(vec![(x - cap, lo), (x + cap, lo)], c.stroke_width(1)),
            PathElement::new(vec![(x - cap, hi), (x + cap, hi)], c.stroke_width(1)),
        ])?;
    }
    for p in &pts {
        let at = chart.backend_coord(p);
        style::draw_marker(root, st.marker, at, layout::MARKER, c)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::Point;

    fn curve(xs: &[f64], fit: crate::fit::Line) -> Curve {
        Curve {
            series: 0,
            points: xs
                .iter()
                .map(|&x| Point {
                    x,
                    y: 100.0,
                    low: 90.0,
                    high: 110.0,
                })
                .collect(),
            fit: Some(fit),
        }
    }

    fn line(intercept: f64, slope: f64) -> crate::fit::Line {
        crate::fit::Line {
            intercept,
            intercept_ci95: 0.0,
            slope,
            slope_ci95: 0.0,
            r2: 1.0,
            n: 5,
            weighting: crate::fit::Weighting::Relative,
        }
    }

    #[test]
    fn a_fit_is_drawn_only_where_positive_and_over_its_points() {
        let xs = [16.0, 256.0, 4096.0, 65536.0, 1048576.0];
        // Negative at 0: crosses 0 at 1000 B.
        let c = curve(&xs, line(-1000.0, 1.0));
        let path = fit_path(&c.fit.unwrap(), &c, (1.0, 1e7), true);
        assert!(!path.is_empty());
        assert!(
            path.iter().all(|&(_, y)| y >= 1.0),
            "inside the axis, so positive"
        );
        assert!(path[0].0 > 1000f64.log2(), "starts past the zero: {path:?}");
        assert!(
            (path.last().unwrap().0 - 20.0).abs() < 1e-9,
            "ends at 1 MiB"
        );
        // A positive line spans exactly its points, no further.
        let c = curve(&xs, line(50.0, 0.2));
        let path = fit_path(&c.fit.unwrap(), &c, (1.0, 1e7), true);
        assert!((path[0].0 - 4.0).abs() < 1e-9 && (path.last().unwrap().0 - 20.0).abs() < 1e-9);
        assert!(path.iter().all(|&(_, y)| y > 0.0));
        // Wholly negative: nothing; on a linear axis the range alone decides.
        let c = curve(&xs, line(-10.0, -1.0));
        assert!(fit_path(&c.fit.unwrap(), &c, (1.0, 1e7), true).is_empty());
        let c = curve(&xs, line(-1000.0, 1.0));
        let lin = fit_path(&c.fit.unwrap(), &c, (-1e4, 1e7), false);
        assert_eq!(lin.len(), 201);
        assert!(lin[0].1 < 0.0);
    }

    fn sweep(x_scale: XScale, xs: &[f64]) -> Lines {
        Lines {
            x_label: "x".into(),
            x_scale,
            y_label: crate::figures::Axis::time("t"),
            y_log: true,
            y_range: None,
            series: vec!["a".into()],
            panels: vec![crate::figures::Panel {
                title: String::new(),
                lines: vec![curve(xs, line(1.0, 1.0))],
            }],
        }
    }

    #[test]
    fn x_labels_are_the_sizes_measured_or_thinned_until_they_fit() {
        // The payload sweep, 16B to 1MiB by 16: its own sizes.
        let payload = sweep(XScale::Bytes, &[16.0, 256.0, 4096.0, 65536.0, 1048576.0]);
        let r = x_range(&payload);
        let (labelled, every) = x_keys(&payload, r, 400.0);
        assert_eq!(labelled, [4.0, 8.0, 12.0, 16.0, 20.0]);
        assert_eq!(every.len(), 17);
        // Eleven cache sizes, 1MiB to 1GiB, on 400 pixels: every other,
        // from the first; on 1400 pixels every one.
        let xs: Vec<f64> = (20..=30).map(|p| 2f64.powi(p)).collect();
        let cache = sweep(XScale::Bytes, &xs);
        let r = x_range(&cache);
        assert_eq!(
            x_keys(&cache, r, 400.0).0,
            [20.0, 22.0, 24.0, 26.0, 28.0, 30.0]
        );
        assert_eq!(x_keys(&cache, r, 1400.0).0.len(), 11);
        // Decimal counts: powers of two from the first.
        let kept = sweep(XScale::Count, &[1.0, 10.0, 100.0, 1000.0, 10000.0]);
        let (labelled, _) = x_keys(&kept, x_range(&kept), 400.0);
        assert_eq!(labelled[0], 0.0);
        assert!(
            labelled
                .windows(2)
                .all(|k| k[1] - k[0] == labelled[1] - labelled[0])
        );
    }

    #[test]
    fn x_ticks_read_as_sizes_and_counts() {
        assert_eq!(x_tick(XScale::Bytes, 20.0), "1MiB");
        assert_eq!(x_tick(XScale::Bytes, 4.0), "16B");
        assert_eq!(x_tick(XScale::Count, 12.0), "4096");
        assert_eq!(x_tick(XScale::Count, 16.0), "65.5 k");
        assert_eq!(x_tick(XScale::Count, 20.0), "1.05 M");
        assert_eq!(x_tick(XScale::Count, 2.5), "");
    }
}
