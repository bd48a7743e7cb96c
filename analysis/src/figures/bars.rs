//! Grouped horizontal bars with 95% CI whiskers, on a linear or
//! logarithmic value axis whose ticks carry the unit. Categories run top
//! to bottom; each bar sits in its own slot, so groups with fewer bars
//! stay compact. A series is told by its colour, and by its marker too
//! when the figure has more series than colours ([`super::style`]).

use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::layout::{self, LABEL, category_area, slots};
use super::{Bars, Figure, style};

/// Draws `b` (the chart of `fig`) on `root`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    b: &Bars,
) -> Result<(), String> {
    layout::draw_header(root, fig)?;
    let area = root.margin(layout::header_height(fig), 10, 10, 30);
    let (lo, hi) = value_range(b);
    let total = slots(b);
    let builder = |area| {
        let mut c = ChartBuilder::on(area);
        c.x_label_area_size(55)
            .y_label_area_size(category_area(b) as u32);
        c
    };
    if b.log {
        let chart = builder(&area)
            .build_cartesian_2d(
                (lo..hi).log_scale().with_key_points(layout::unit_log_ticks(
                    b.value_label.unit,
                    lo,
                    hi,
                )),
                0.0..total,
            )
            .map_err(|e| e.to_string())?;
        body(root, chart, b, lo)
    } else {
        let chart = builder(&area)
            .build_cartesian_2d(lo..hi, 0.0..total)
            .map_err(|e| e.to_string())?;
        body(root, chart, b, 0.0f64.max(lo))
    }
}

/// The value axis: from 0 (or the smallest whisker, below 0 or on a log
/// axis) to past the largest whisker.
fn value_range(b: &Bars) -> (f64, f64) {
    let bars = || b.categories.iter().flat_map(|c| &c.bars);
    let high = bars().map(|x| x.high.max(x.value)).fold(f64::MIN, f64::max);
    let low = bars().map(|x| x.low.min(x.value)).fold(f64::MAX, f64::min);
    if !high.is_finite() || !low.is_finite() {
        return if b.log { (0.1, 10.0) } else { (0.0, 1.0) };
    }
    if b.log {
        let positive = bars()
            .flat_map(|x| [x.low, x.value])
            .filter(|v| *v > 0.0)
            .fold(f64::MAX, f64::min);
        let lo = if positive == f64::MAX {
            0.1
        } else {
            positive / 1.6
        };
        (lo, (high * 1.6).max(lo * 10.0))
    } else {
        let lo = low.min(0.0);
        let mut hi = high.max(0.0);
        if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
            hi = lo + 1.0;
        }
        let pad = (hi - lo).max(f64::MIN_POSITIVE) * 0.06;
        (if lo < 0.0 { lo - pad } else { 0.0 }, hi + pad)
    }
}

fn body<DB, X>(
    root: &DrawingArea<DB, Shift>,
    mut chart: ChartContext<'_, DB, Cartesian2d<X, RangedCoordf64>>,
    b: &Bars,
    base: f64,
) -> Result<(), String>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let unit = b.value_label.unit;
    let fmt = |v: &f64| unit.tick(*v);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(10)
        .x_label_formatter(&fmt)
        .x_desc(b.value_label.label.as_str())
        .label_style(("sans-serif", LABEL))
        .axis_desc_style(("sans-serif", layout::TEXT))
        .max_light_lines(1)
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(e)?;
    let (x_lo, x_hi) = {
        let r = chart.x_range();
        (r.start, r.end)
    };
    let clamp = |v: f64| v.clamp(x_lo, x_hi);
    let total = slots(b);
    let mut top = total;
    let styles = style::styles(&b.series);
    let marked = style::colours_repeat(&styles);
    let label_style = ("sans-serif", LABEL)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Right, VPos::Center));
    for cat in &b.categories {
        let n = cat.bars.len().max(1) as f64;
        for (k, bar) in cat.bars.iter().enumerate() {
            let y1 = top - k as f64 - 0.1;
            let y0 = y1 - 0.8;
            let yc = (y0 + y1) / 2.0;
            let st = styles[bar.series];
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(clamp(base), y0), (clamp(bar.value), y1)],
                    st.colour.filled(),
                )))
                .map_err(e)?;
            let (lo, hi) = (clamp(bar.low), clamp(bar.high));
            let whisker = BLACK.stroke_width(1);
            let cap = 0.28;
            chart
                .draw_series([
                    PathElement::new(vec![(lo, yc), (hi, yc)], whisker),
                    PathElement::new(vec![(lo, yc - cap), (lo, yc + cap)], whisker),
                    PathElement::new(vec![(hi, yc - cap), (hi, yc + cap)], whisker),
                ])
                .map_err(e)?;
            if marked {
                // White inside the bar's base end, or in its colour past
                // the whisker when the bar is too short to hold it.
                let (x0, py) = chart.backend_coord(&(clamp(base), yc));
                let (x1, _) = chart.backend_coord(&(clamp(bar.value), yc));
                if x1 - x0 >= 14 {
                    layout::bar_marker(root, &st, (x0 + 7, py)).map_err(e)?;
                } else {
                    let (xw, _) = chart.backend_coord(&(hi, yc));
                    let at = (xw.max(x1) + 9, py);
                    style::draw_marker(root, st.marker, at, 4.0, st.colour).map_err(e)?;
                }
            }
        }
        let centre = top - n / 2.0;
        let (px, py) = chart.backend_coord(&(x_lo, centre));
        root.draw_text(&cat.label, &label_style, (px - 8, py))
            .map_err(e)?;
        top -= n + layout::GAP;
    }
    Ok(())
}
