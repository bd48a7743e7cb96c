//! Horizontal stacked bars on a linear axis from 0, each bar's total
//! written at its end: the parts show where a count went, the total lets
//! a bar too short to see still be read. The axis's ticks carry its unit;
//! a part is told by its colour, and by its marker too when the figure
//! has more parts than colours ([`super::style`]).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::layout::{self, LABEL};
use super::{Figure, Stacked, style};

/// Draws `s` (the chart of `fig`) on `root`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    s: &Stacked,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    layout::draw_header(root, fig)?;
    let area = root.margin(layout::header_height(fig), 10, 10, 30);
    let total = layout::stacked_slots(s);
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size(55)
        .y_label_area_size(layout::stacked_label_area(s) as u32)
        .build_cartesian_2d(0.0..value_max(s), 0.0..total)
        .map_err(|e| e.to_string())?;
    let unit = s.value_label.unit;
    let fmt = |v: &f64| unit.tick(*v);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(10)
        .x_label_formatter(&fmt)
        .x_desc(s.value_label.label.as_str())
        .label_style(("sans-serif", LABEL))
        .axis_desc_style(("sans-serif", layout::TEXT))
        .max_light_lines(1)
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(e)?;
    let font = |h| {
        ("sans-serif", LABEL)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(h, VPos::Center))
    };
    let (label_style, total_style) = (font(HPos::Right), font(HPos::Left));
    let mut top = total;
    let styles = style::styles(&s.series);
    let marked = style::colours_repeat(&styles);
    for group in &s.groups {
        for bar in group {
            let (y0, y1) = (top - 0.9, top - 0.1);
            let mut at = 0.0;
            for seg in &bar.segments {
                if !seg.drawn() {
                    continue;
                }
                let st = styles[seg.series];
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(at, y0), (at + seg.value, y1)],
                        st.colour.filled(),
                    )))
                    .map_err(e)?;
                let (x0, py) = chart.backend_coord(&(at, (y0 + y1) / 2.0));
                let (x1, _) = chart.backend_coord(&(at + seg.value, (y0 + y1) / 2.0));
                if marked && x1 - x0 >= 12 {
                    layout::bar_marker(root, &st, ((x0 + x1) / 2, py)).map_err(e)?;
                }
                at += seg.value;
            }
            let yc = (y0 + y1) / 2.0;
            let (px, py) = chart.backend_coord(&(0.0, yc));
            root.draw_text(&bar.label, &label_style, (px - 8, py))
                .map_err(e)?;
            let (ex, ey) = chart.backend_coord(&(at, yc));
            root.draw_text(&count(bar.total()), &total_style, (ex + 5, ey))
                .map_err(e)?;
            top -= 1.0;
        }
        top -= layout::GAP;
    }
    Ok(())
}

/// The value axis's end: past the longest bar by room for its total.
fn value_max(s: &Stacked) -> f64 {
    let longest = s
        .groups
        .iter()
        .flatten()
        .map(super::StackedBar::total)
        .fold(0.0, f64::max);
    if longest > 0.0 { longest * 1.14 } else { 1.0 }
}

/// A bar's total as written at its end: whole numbers from 10 up, since
/// counts per call are (nearly) whole, and with an SI prefix from 10,000
/// (`2.23 M`: seven digits at a bar's end are read by counting them).
fn count(x: f64) -> String {
    if x >= 1e4 {
        crate::units::count_tick(x)
    } else if x >= 10.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn totals_read_at_a_glance() {
        assert_eq!(super::count(233.0), "233");
        assert_eq!(super::count(24_877.0), "24.9 k");
        assert_eq!(super::count(2_228_625.0), "2.23 M");
        assert_eq!(super::count(0.4), "0.4");
    }
}
