//! Lines with points and 95% CI whiskers over a base-2 logarithmic x axis
//! (cache sizes, payload sizes, batch sizes all grow by powers of two), in
//! panels side by side. x is drawn as log2(x) on a linear axis, so ticks
//! fall on whole powers of two and read `1MiB`, `4MiB`, or `1`, `256`.

use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::layout::{self, LABEL, color};
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
    for (panel, p) in panels.iter().zip(&l.panels) {
        let mut builder = ChartBuilder::on(panel);
        builder
            .caption(&p.title, ("sans-serif", layout::TEXT))
            .margin(8)
            .x_label_area_size(50)
            .y_label_area_size(64);
        if l.y_log {
            let chart = builder
                .build_cartesian_2d(
                    x_lo..x_hi,
                    (y_lo..y_hi)
                        .log_scale()
                        .with_key_points(layout::log_ticks(y_lo, y_hi)),
                )
                .map_err(|e| e.to_string())?;
            body(chart, l, p)?;
        } else {
            let chart = builder
                .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
                .map_err(|e| e.to_string())?;
            body(chart, l, p)?;
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
        XScale::Count => x.to_string(),
    }
}

fn body<DB, Y>(
    mut chart: ChartContext<'_, DB, Cartesian2d<RangedCoordf64, Y>>,
    l: &Lines,
    p: &Panel,
) -> Result<(), String>
where
    DB: DrawingBackend,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let xfmt = |v: &f64| x_tick(l.x_scale, *v);
    let yfmt = |v: &f64| crate::units::tick(*v);
    let (x_lo, x_hi) = {
        let r = chart.x_range();
        (r.start, r.end)
    };
    let whole = (x_hi.floor() - x_lo.ceil()) as usize + 1;
    chart
        .configure_mesh()
        .x_labels(whole.clamp(2, 12))
        .y_labels(8)
        .x_label_formatter(&xfmt)
        .y_label_formatter(&yfmt)
        .x_desc(l.x_label.as_str())
        .y_desc(l.y_label.as_str())
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
    for curve in &p.lines {
        curve_series(&mut chart, l, curve, clamp, (x_lo, x_hi)).map_err(e)?;
    }
    Ok(())
}

fn curve_series<DB, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, Y>>,
    l: &Lines,
    curve: &Curve,
    clamp: impl Fn(f64) -> f64,
    (x_lo, x_hi): (f64, f64),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend,
    Y: Ranged<ValueType = f64>,
{
    let c = color(&l.series[curve.series], curve.series);
    let pts: Vec<(f64, f64)> = curve
        .points
        .iter()
        .map(|p| (p.x.max(1e-9).log2(), clamp(p.y)))
        .collect();
    chart.draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?;
    chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, c.filled())))?;
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
    if let Some(fit) = curve.fit {
        let line: Vec<(f64, f64)> = (0..=60)
            .map(|i| x_lo + (x_hi - x_lo) * i as f64 / 60.0)
            .map(|lx| (lx, fit.at(lx.exp2())))
            .filter(|&(_, y)| y.is_finite() && clamp(y) == y)
            .collect();
        chart.draw_series(DashedLineSeries::new(line, 6, 4, c.stroke_width(1)))?;
    }
    Ok(())
}
