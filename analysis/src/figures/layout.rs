//! Sizes, ticks and the header (title, subtitle, legend) shared by
//! every figure. Sizes are computed before any backend exists, from an
//! estimate of text width generous enough for DejaVu Sans.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{self, Style};
use super::{Chart, Figure, Unit};

/// Font sizes, pixels.
pub const TITLE: f64 = 20.0;
/// Subtitle and legend.
pub const TEXT: f64 = 14.0;
/// Tick and category labels.
pub const LABEL: f64 = 13.0;
/// Vertical pixels per bar slot.
pub const SLOT: f64 = 17.0;
/// Slots between two categories.
pub const GAP: f64 = 0.7;
/// Width of one line panel.
pub const PANEL: u32 = 480;
/// Height of one line panel.
pub const PANEL_H: u32 = 420;
const LEGEND_ROW: i32 = 22;

/// Rows and columns of `n` panels: side by side up to three, two per row
/// for four, three per row beyond.
pub fn grid(n: usize) -> (usize, usize) {
    let n = n.max(1);
    let cols = match n {
        1..=3 => n,
        4 => 2,
        _ => 3,
    };
    (n.div_ceil(cols), cols)
}

/// Ticks for a logarithmic axis from `lo` to `hi`: 1, 2 and 5 times the
/// powers of ten inside (1, 2, 3, 5, 7 when that gives fewer than four;
/// powers of ten only when it gives more than fourteen).
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let ticks = |mantissas: &[f64]| -> Vec<f64> {
        let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
        let mut v = Vec::new();
        for d in first..=last {
            for m in mantissas {
                let x = m * 10f64.powi(d);
                if x >= lo * (1.0 - 1e-9) && x <= hi * (1.0 + 1e-9) {
                    v.push(x);
                }
            }
        }
        v
    };
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return Vec::new();
    }
    let v = ticks(&[1.0, 2.0, 5.0]);
    if v.len() < 4 {
        ticks(&[1.0, 2.0, 3.0, 5.0, 7.0])
    } else if v.len() > 14 {
        ticks(&[1.0])
    } else {
        v
    }
}

/// Ticks for a logarithmic byte axis from `lo` to `hi`: whole powers of
/// two (every second, fifth or tenth one when there are more than ten),
/// which read exactly (`4 KiB`, `1 MiB`).
pub fn log2_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return Vec::new();
    }
    let (first, last) = (lo.log2().ceil() as i32, hi.log2().floor() as i32);
    let every = [1, 2, 5, 10, 20]
        .into_iter()
        .find(|e| (last - first) / e < 10)
        .unwrap_or(30);
    (first..=last)
        .filter(|p| p.rem_euclid(every) == 0)
        .map(|p| 2f64.powi(p))
        .collect()
}

/// The ticks of a logarithmic axis of `unit` from `lo` to `hi`.
pub fn unit_log_ticks(unit: Unit, lo: f64, hi: f64) -> Vec<f64> {
    let pow2 = log2_ticks(lo, hi);
    if unit == Unit::Bytes && pow2.len() >= 3 {
        pow2
    } else {
        log_ticks(lo, hi)
    }
}

/// Estimated width of `s` at `size` pixels (a wide average glyph).
pub fn text_w(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.62
}

/// Radius of a marker on a point and in the legend, pixels.
pub const MARKER: f64 = 4.5;

fn series(fig: &Figure) -> &[String] {
    match &fig.chart {
        Chart::Bars(b) => &b.series,
        Chart::Lines(l) => &l.series,
        Chart::Stacked(s) => &s.series,
    }
}

/// Width of the figure: the chart's, or the title's or subtitle's if wider.
fn width(fig: &Figure) -> u32 {
    let chart = match &fig.chart {
        Chart::Bars(b) => (category_area(b) as u32 + 760).max(900),
        Chart::Lines(l) => (PANEL * grid(l.panels.len()).1 as u32 + 20).max(700),
        Chart::Stacked(s) => (stacked_label_area(s) as u32 + 760).max(900),
    };
    let text = text_w(&fig.title, TITLE).max(text_w(&fig.subtitle, TEXT)) as u32 + 40;
    chart.max(text)
}

/// Width of the category labels' area of a bar chart.
pub fn category_area(b: &super::Bars) -> f64 {
    label_area(b.categories.iter().map(|c| c.label.as_str()))
}

/// Width of the bar labels' area of a stacked bar chart.
pub fn stacked_label_area(s: &super::Stacked) -> f64 {
    label_area(s.groups.iter().flatten().map(|b| b.label.as_str()))
}

fn label_area<'a>(labels: impl Iterator<Item = &'a str>) -> f64 {
    labels.map(|l| text_w(l, LABEL)).fold(60.0, f64::max) + 20.0
}

/// Slots (bar heights) a bar chart needs, gaps included.
pub fn slots(b: &super::Bars) -> f64 {
    b.categories
        .iter()
        .map(|c| c.bars.len().max(1) as f64 + GAP)
        .sum::<f64>()
        .max(1.0)
}

/// Slots a stacked bar chart needs: one per bar, a gap after each group.
pub fn stacked_slots(s: &super::Stacked) -> f64 {
    s.groups
        .iter()
        .map(|g| g.len() as f64 + GAP)
        .sum::<f64>()
        .max(1.0)
}

/// Width of a legend entry's swatch: a stretch of line with its marker
/// for lines, a box for bars.
fn swatch_w(fig: &Figure) -> i32 {
    match fig.chart {
        Chart::Lines(_) => 26,
        _ => 12,
    }
}

/// Legend item positions (x, y) relative to the legend's top left, and
/// the legend's height.
fn legend(names: &[String], width: u32, swatch: i32) -> (Vec<(i32, i32)>, i32) {
    let mut at = Vec::new();
    let (mut x, mut y) = (0i32, 0i32);
    let max = width as i32 - 40;
    for n in names {
        let w = swatch + 6 + text_w(n, TEXT) as i32 + 22;
        if x > 0 && x + w > max {
            x = 0;
            y += LEGEND_ROW;
        }
        at.push((x, y));
        x += w;
    }
    let height = if names.is_empty() { 0 } else { y + LEGEND_ROW };
    (at, height)
}

/// Height of the title, subtitle and legend.
pub fn header_height(fig: &Figure) -> u32 {
    let sub = if fig.subtitle.is_empty() { 0 } else { 22 };
    let (_, legend_h) = legend(series(fig), width(fig), swatch_w(fig));
    (12 + 28 + sub + legend_h + 10) as u32
}

/// The figure's size in pixels.
pub fn size(fig: &Figure) -> (u32, u32) {
    let body = match &fig.chart {
        Chart::Bars(b) => (slots(b) * SLOT) as u32 + 80,
        Chart::Lines(l) => PANEL_H * grid(l.panels.len()).0 as u32,
        Chart::Stacked(s) => (stacked_slots(s) * SLOT) as u32 + 80,
    };
    (width(fig), header_height(fig) + body)
}

/// Draws the white background, title, subtitle and legend.
pub fn draw_header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let top = Pos::new(HPos::Left, VPos::Top);
    let title = ("sans-serif", TITLE).into_font().color(&BLACK).pos(top);
    root.draw_text(&fig.title, &title, (16, 12)).map_err(e)?;
    let mut y = 12 + 28;
    let text = ("sans-serif", TEXT)
        .into_font()
        .color(&RGBColor(60, 60, 60))
        .pos(top);
    if !fig.subtitle.is_empty() {
        root.draw_text(&fig.subtitle, &text, (16, y)).map_err(e)?;
        y += 22;
    }
    let names = series(fig);
    let swatch = swatch_w(fig);
    let (at, _) = legend(names, width(fig), swatch);
    let label = ("sans-serif", TEXT)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let styles = style::styles(names);
    let boxes_marked = style::colours_repeat(&styles);
    for ((n, (x, dy)), st) in names.iter().zip(at).zip(&styles) {
        let (x, yc) = (16 + x, y + dy + LEGEND_ROW / 2);
        if let Chart::Lines(_) = fig.chart {
            root.draw(&PathElement::new(
                vec![(x, yc), (x + swatch, yc)],
                st.colour.stroke_width(2),
            ))
            .map_err(e)?;
            style::draw_marker(root, st.marker, (x + swatch / 2, yc), MARKER, st.colour)
                .map_err(e)?;
        } else {
            root.draw(&Rectangle::new(
                [(x, yc - 6), (x + 12, yc + 6)],
                st.colour.filled(),
            ))
            .map_err(e)?;
            if boxes_marked {
                bar_marker(root, st, (x + 6, yc)).map_err(e)?;
            }
        }
        root.draw_text(n, &label, (x + swatch + 6, yc)).map_err(e)?;
    }
    Ok(())
}

/// The marker a bar (or legend box) of `st` carries when colours repeat:
/// white, inside the colour.
pub fn bar_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    st: &Style,
    at: (i32, i32),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    style::draw_marker(root, st.marker, at, 3.5, WHITE)
}
