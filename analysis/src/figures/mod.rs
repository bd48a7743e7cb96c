//! Figures: a small description of a chart ([`Figure`]: grouped
//! horizontal bars or lines in panels, always with 95% CI whiskers, or
//! stacked bars of exact counts, which have none), and
//! one renderer that draws it with plotters as SVG text or a PNG file
//! (criterion's split: what to plot is decided elsewhere, in
//! [`crate::charts`], and never touches plotters).
//!
//! Bars are horizontal: category labels such as
//! `wasmtime/bytemuck caching=uncached memory=dynamic` stay readable on the
//! left, however many there are. Text needs a font: [`use_font`] loads one
//! at run time (DejaVu Sans by default, [`DEFAULT_FONT`]); rendering
//! without one loads the default or fails with a one-line error.
//!
//! Every series of a figure has a colour and a marker no other series of
//! it shares ([`style`]), and every axis writes its ticks in its unit
//! ([`Unit`]: `10 ms`, `4 KiB`, `20 k`), so the label names the quantity.

mod bars;
mod font;
mod layout;
mod lines;
mod stacked;
pub mod style;

use std::path::{Path, PathBuf};

pub use font::{DEFAULT_FONT, use_font};
pub use style::COLOURS;

/// What the numbers on a value axis are: its ticks are written in the
/// unit that keeps them short ([`crate::units`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    /// A plain number, the unit (if any) in the label: shares, ratios,
    /// percentages (`0.25`, `20`).
    #[default]
    Plain,
    /// A time in nanoseconds: `500 ns`, `1.5 µs`, `10 ms`, `2 s`.
    Nanos,
    /// Bytes, in binary units: `512 B`, `4 KiB`, `1 MiB`; a log axis puts
    /// its ticks on powers of two.
    Bytes,
    /// A count or a rate: in full below 10 000, then `20 k`, `1.05 M`.
    Count,
}

impl Unit {
    /// A tick at `v`, in this unit.
    pub fn tick(self, v: f64) -> String {
        match self {
            Unit::Plain => crate::units::tick(v),
            Unit::Nanos => crate::units::time_tick(v),
            Unit::Bytes => crate::units::bytes_tick(v),
            Unit::Count => crate::units::count_tick(v),
        }
    }
}

/// A value axis: what it shows (the label, without the unit the ticks
/// carry) and its [`Unit`]. A bare string is a [`Unit::Plain`] axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Axis {
    /// The label: the quantity and how it is drawn (`time per call
    /// (mean, log scale)`).
    pub label: String,
    /// How its ticks are written.
    pub unit: Unit,
}

impl Axis {
    /// A time axis, values in nanoseconds.
    pub fn time(label: impl Into<String>) -> Axis {
        Axis {
            label: label.into(),
            unit: Unit::Nanos,
        }
    }

    /// A byte axis.
    pub fn bytes(label: impl Into<String>) -> Axis {
        Axis {
            label: label.into(),
            unit: Unit::Bytes,
        }
    }

    /// A count or rate axis.
    pub fn count(label: impl Into<String>) -> Axis {
        Axis {
            label: label.into(),
            unit: Unit::Count,
        }
    }

    /// A plain number axis (the unit, if any, in the label).
    pub fn plain(label: impl Into<String>) -> Axis {
        Axis {
            label: label.into(),
            unit: Unit::Plain,
        }
    }
}

impl From<&str> for Axis {
    fn from(label: &str) -> Axis {
        Axis::plain(label)
    }
}

impl From<String> for Axis {
    fn from(label: String) -> Axis {
        Axis::plain(label)
    }
}

/// A chart with a title, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File stem (`micro-wasmtime-linear`): the figure is written as
    /// `<name>.svg` and `<name>.png`.
    pub name: String,
    /// Title drawn at the top.
    pub title: String,
    /// One line under the title: what is held fixed, what the whiskers are.
    pub subtitle: String,
    /// The chart.
    pub chart: Chart,
}

/// The kinds of chart.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// Grouped horizontal bars.
    Bars(Bars),
    /// Lines over a logarithmic x axis, in side-by-side panels.
    Lines(Lines),
    /// Horizontal bars split into parts.
    Stacked(Stacked),
}

/// Horizontal bars, each split into parts laid end to end, on a linear
/// axis from 0 (on a log axis a part's length would depend on what lies
/// left of it). No whiskers: it shows exact counts, which have no
/// sampling error.
#[derive(Debug, Clone, PartialEq)]
pub struct Stacked {
    /// Value axis.
    pub value_label: Axis,
    /// Part names, in legend order; the same list in every figure of a
    /// kind keeps a part's colour the same across them. A part named
    /// [`NATIVE_WORK`] is grey.
    pub series: Vec<String>,
    /// Bars top to bottom, in groups (one per runtime) set apart by a gap.
    pub groups: Vec<Vec<StackedBar>>,
}

/// One bar of a [`Stacked`] chart; its total is written at its end.
#[derive(Debug, Clone, PartialEq)]
pub struct StackedBar {
    /// Label left of the bar.
    pub label: String,
    /// Its parts, left to right; parts of 0 draw nothing.
    pub segments: Vec<Segment>,
}

/// One part of a [`StackedBar`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Index into [`Stacked::series`].
    pub series: usize,
    /// Its length.
    pub value: f64,
}

impl StackedBar {
    /// The bar's length: its parts end to end.
    pub fn total(&self) -> f64 {
        self.segments
            .iter()
            .filter(|s| s.drawn())
            .map(|s| s.value)
            .sum()
    }
}

impl Segment {
    /// Whether it has a length to draw (not 0, negative or NaN).
    pub fn drawn(&self) -> bool {
        self.value.is_finite() && self.value > 0.0
    }
}

/// The part a native baseline's bar is made of: the native call has no
/// sandbox to take apart, so its whole count is the work itself, grey
/// like the `native` series of other figures.
pub const NATIVE_WORK: &str = "native (the work)";

/// Grouped horizontal bars: one group per category, one bar per series
/// present in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    /// Value axis.
    pub value_label: Axis,
    /// Logarithmic value axis.
    pub log: bool,
    /// Series names, in legend order; a series named `native` is grey.
    pub series: Vec<String>,
    /// Categories, top to bottom.
    pub categories: Vec<Category>,
}

/// One group of bars.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    /// Label left of the group.
    pub label: String,
    /// Its bars, top to bottom.
    pub bars: Vec<Bar>,
}

/// One bar with its whisker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// Index into [`Bars::series`].
    pub series: usize,
    /// Bar length.
    pub value: f64,
    /// Whisker start (95% CI low).
    pub low: f64,
    /// Whisker end (95% CI high).
    pub high: f64,
}

/// How x values are labelled. The x axis is logarithmic (base 2), its
/// ticks on whole powers of two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XScale {
    /// Byte sizes, spelt as the `size` and `cache-size` factors are
    /// (`16B`, `4KiB`, `1MiB`).
    Bytes,
    /// Counts (`256`, `4096`, `16.4 k`: [`crate::units::count_tick`]).
    Count,
}

/// Lines in one or more panels sharing a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Lines {
    /// x axis label, with its unit.
    pub x_label: String,
    /// How x ticks are written.
    pub x_scale: XScale,
    /// y axis.
    pub y_label: Axis,
    /// Logarithmic y axis.
    pub y_log: bool,
    /// Fixed y range (e.g. 0..1 for ratios); else fitted to the data.
    pub y_range: Option<(f64, f64)>,
    /// Series names, in legend order.
    pub series: Vec<String>,
    /// Panels, left to right.
    pub panels: Vec<Panel>,
}

/// One panel of a [`Lines`] chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Caption above the panel.
    pub title: String,
    /// Its lines.
    pub lines: Vec<Curve>,
}

/// One series in one panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Index into [`Lines::series`].
    pub series: usize,
    /// Measured points, by x.
    pub points: Vec<Point>,
    /// A fitted straight line `y = a + b·x` drawn dashed over the points'
    /// span of x, where it lies inside the y axis (on a log axis, only
    /// where it is positive).
    pub fit: Option<crate::fit::Line>,
}

/// A measured point with its whisker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// x (> 0).
    pub x: f64,
    /// y.
    pub y: f64,
    /// 95% CI low.
    pub low: f64,
    /// 95% CI high.
    pub high: f64,
}

/// Why a figure could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum FigureError {
    /// The font could not be read or parsed.
    #[error("font {}: {message} (install fonts-dejavu-core, or give another TrueType font)", path.display())]
    Font {
        /// The font file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// plotters failed.
    #[error("drawing {figure}: {message}")]
    Draw {
        /// The figure's name.
        figure: String,
        /// plotters' message.
        message: String,
    },
    /// A file could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl Figure {
    /// The figure as SVG text.
    pub fn svg(&self) -> Result<String, FigureError> {
        font::ensure()?;
        let size = layout::size(self);
        let mut text = String::new();
        {
            let root = plotters::prelude::SVGBackend::with_string(&mut text, size);
            self.draw(root)?;
        }
        Ok(text)
    }

    /// Writes the figure as a PNG file.
    pub fn png(&self, path: &Path) -> Result<(), FigureError> {
        font::ensure()?;
        let size = layout::size(self);
        let root = plotters::prelude::BitMapBackend::new(path, size);
        self.draw(root)
    }

    /// Writes `<name>.svg` and `<name>.png` into `dir` (each complete or
    /// absent: written aside, then renamed) and returns the SVG text.
    pub fn write(&self, dir: &Path) -> Result<String, FigureError> {
        let svg = self.svg()?;
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| FigureError::Io { path, source }
        };
        let svg_path = dir.join(format!("{}.svg", self.name));
        crate::aside::write(&svg_path, svg.as_bytes())
            .map_err(|(path, source)| FigureError::Io { path, source })?;
        let png_path = dir.join(format!("{}.png", self.name));
        // The encoder picks the format from the extension; the aside file
        // is created (ours alone) before it opens it.
        let (tmp, file) =
            crate::aside::create(dir, &format!("{}.png", self.name), ".png").map_err(io(dir))?;
        drop(file);
        let drawn = self.png(&tmp);
        if drawn.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        drawn?;
        std::fs::rename(&tmp, &png_path).map_err(io(&png_path))?;
        Ok(svg)
    }

    fn draw<DB: plotters::prelude::DrawingBackend>(&self, backend: DB) -> Result<(), FigureError> {
        use plotters::prelude::IntoDrawingArea;
        let root = backend.into_drawing_area();
        let err = |e: String| FigureError::Draw {
            figure: self.name.clone(),
            message: e,
        };
        match &self.chart {
            Chart::Bars(b) => bars::draw(&root, self, b).map_err(err)?,
            Chart::Lines(l) => lines::draw(&root, self, l).map_err(err)?,
            Chart::Stacked(s) => stacked::draw(&root, self, s).map_err(err)?,
        }
        root.present().map_err(|e| err(e.to_string()))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Whether `bytes` are a PNG with a plausible IHDR; returns its size.
    pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
        let sig = b"\x89PNG\r\n\x1a\n";
        if bytes.len() < 33 || &bytes[..8] != sig || &bytes[12..16] != b"IHDR" {
            return None;
        }
        let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
        let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
        Some((w, h))
    }

    /// A well-formed SVG document (prolog or root element first, closed).
    pub fn is_svg(text: &str) -> bool {
        let t = text.trim_start();
        (t.starts_with("<svg") || t.starts_with("<?xml")) && text.trim_end().ends_with("</svg>")
    }

    fn bars(log: bool) -> Figure {
        Figure {
            name: "t".into(),
            title: "A title".into(),
            subtitle: "held fixed: x".into(),
            chart: Chart::Bars(Bars {
                value_label: Axis::time("time per call"),
                log,
                series: vec!["cached".into(), "native".into()],
                categories: vec![
                    Category {
                        label: "pair <&>".into(),
                        bars: vec![Bar {
                            series: 0,
                            value: 38.0,
                            low: 37.0,
                            high: 39.0,
                        }],
                    },
                    Category {
                        label: "native".into(),
                        bars: vec![Bar {
                            series: 1,
                            value: 0.5,
                            low: 0.4,
                            high: 0.6,
                        }],
                    },
                ],
            }),
        }
    }

    #[test]
    fn bars_render_as_svg_and_png_with_their_labels() {
        let tmp = tempfile::tempdir().unwrap();
        for log in [false, true] {
            let f = bars(log);
            let svg = f.write(tmp.path()).unwrap();
            assert!(is_svg(&svg));
            assert!(svg.contains("time per call") && svg.contains("A title"));
            assert!(svg.contains("ns"), "ticks carry the unit");
            assert!(svg.contains("pair &lt;&amp;&gt;"), "labels are escaped");
            let png = std::fs::read(tmp.path().join("t.png")).unwrap();
            assert_eq!(png_size(&png), Some(layout::size(&f)));
        }
        let names: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "no temporary files left: {names:?}");
    }

    /// Two runtimes' bars of three parts, a part of 0 among them, and a
    /// native bar.
    pub fn stacked() -> Figure {
        let bar = |label: &str, parts: &[(usize, f64)]| StackedBar {
            label: label.into(),
            segments: parts
                .iter()
                .map(|&(series, value)| Segment { series, value })
                .collect(),
        };
        Figure {
            name: "s".into(),
            title: "Stacked".into(),
            subtitle: "counted".into(),
            chart: Chart::Stacked(Stacked {
                value_label: Axis::count("instructions per call"),
                series: vec![
                    "guest-code".into(),
                    "runtime".into(),
                    "harness".into(),
                    NATIVE_WORK.into(),
                ],
                groups: vec![
                    vec![bar("native", &[(3, 12.0)])],
                    vec![
                        bar("wasmtime / pair", &[(0, 40.0), (1, 165.0), (2, 28.0)]),
                        bar("wasmtime / extism", &[(0, 1702.0), (1, 0.0), (2, 27.0)]),
                    ],
                    vec![bar("wasmi / pair <&>", &[(1, 557.0), (2, 25.0)])],
                ],
            }),
        }
    }

    #[test]
    fn stacked_bars_render_with_labels_totals_and_legend() {
        let f = stacked();
        let Chart::Stacked(s) = &f.chart else {
            unreachable!()
        };
        assert_eq!(s.groups[1][0].total(), 233.0);
        let svg = f.svg().unwrap();
        assert!(is_svg(&svg));
        for text in [
            "instructions per call",
            "wasmtime / pair",
            "wasmi / pair &lt;&amp;&gt;",
            "native (the work)",
            "guest-code",
        ] {
            assert!(svg.contains(text), "{text} missing: {svg}");
        }
        // Each bar's total, as a text element of its own.
        for total in ["233", "1729", "582", "12"] {
            assert!(svg.contains(&format!(">\n{total}\n<")), "{total}: {svg}");
        }
        // Three drawn parts in the pair bar, two in extism's (its 0 draws
        // nothing), two in wasmi's, one in native's: 8 coloured boxes in
        // the bars, 4 in the legend.
        let fills = ["4E79A7", "F28E2B", "E15759", "5A5A5A"];
        let boxes: usize = fills
            .iter()
            .map(|c| svg.matches(&format!("fill=\"#{c}\"")).count())
            .sum();
        assert_eq!(boxes, 8 + 4, "{svg}");
        let tmp = tempfile::tempdir().unwrap();
        f.write(tmp.path()).unwrap();
        let png = std::fs::read(tmp.path().join("s.png")).unwrap();
        assert_eq!(png_size(&png), Some(layout::size(&f)));
    }

    #[test]
    fn lines_render_with_fits_and_fixed_ranges() {
        let curve = |series, fit| Curve {
            series,
            points: [1u64 << 20, 4 << 20, 16 << 20]
                .iter()
                .enumerate()
                .map(|(i, &x)| Point {
                    x: x as f64,
                    y: 0.2 * i as f64 + 0.1,
                    low: 0.05,
                    high: 0.15 + 0.2 * i as f64,
                })
                .collect(),
            fit,
        };
        let f = Figure {
            name: "l".into(),
            title: "Lines".into(),
            subtitle: String::new(),
            chart: Chart::Lines(Lines {
                x_label: "cache size".into(),
                x_scale: XScale::Bytes,
                y_label: Axis::plain("hit ratio"),
                y_log: false,
                y_range: Some((0.0, 1.0)),
                series: vec!["fifo".into(), "lru".into()],
                panels: vec![
                    Panel {
                        title: "object".into(),
                        lines: vec![curve(0, None), curve(1, None)],
                    },
                    Panel {
                        title: "byte".into(),
                        lines: vec![curve(0, crate::fit::fit(&[(1.0, 1.0), (2.0, 2.0)]))],
                    },
                ],
            }),
        };
        let svg = f.svg().unwrap();
        assert!(
            is_svg(&svg) && svg.contains("cache size") && svg.contains("4MiB"),
            "{svg}"
        );
        let tmp = tempfile::tempdir().unwrap();
        f.write(tmp.path()).unwrap();
        let png = std::fs::read(tmp.path().join("l.png")).unwrap();
        assert_eq!(png_size(&png), Some(layout::size(&f)));
    }

    /// The text of every tick label in an SVG (text elements holding one
    /// line).
    fn texts(svg: &str) -> Vec<String> {
        svg.split(">\n")
            .filter_map(|s| s.split_once("\n<").map(|(t, _)| t.trim().to_string()))
            .collect()
    }

    #[test]
    fn every_axis_writes_its_ticks_in_its_unit() {
        // Times from 10 ns to 10 ms against payload size; counts and
        // bytes on log axes; times on a linear bar axis.
        let pt = |x: f64, y: f64| Point {
            x,
            y,
            low: y * 0.9,
            high: y * 1.1,
        };
        let lines = |unit: Axis, x_scale, ys: &[f64]| Figure {
            name: "u".into(),
            title: "Units".into(),
            subtitle: String::new(),
            chart: Chart::Lines(Lines {
                x_label: "x".into(),
                x_scale,
                y_label: unit,
                y_log: true,
                y_range: None,
                series: vec!["a".into()],
                panels: vec![Panel {
                    title: String::new(),
                    lines: vec![Curve {
                        series: 0,
                        points: ys
                            .iter()
                            .enumerate()
                            .map(|(i, &y)| pt((16u64 << (4 * i)) as f64, y))
                            .collect(),
                        fit: None,
                    }],
                }],
            }),
        };
        let svg = lines(Axis::time("time"), XScale::Bytes, &[10.0, 1e4, 1e7])
            .svg()
            .unwrap();
        let t = texts(&svg);
        for want in ["10 ms", "1 ms", "10 µs", "100 ns", "10 ns", "16B", "4KiB"] {
            assert!(t.iter().any(|x| x == want), "{want} not in {t:?}");
        }
        assert!(!svg.contains("10000000"), "no bare nanoseconds");
        let svg = lines(Axis::count("rate"), XScale::Count, &[500.0, 2e4, 3e6])
            .svg()
            .unwrap();
        let t = texts(&svg);
        for want in ["1000", "10 k", "100 k", "1 M", "16", "4096"] {
            assert!(t.iter().any(|x| x == want), "{want} not in {t:?}");
        }
        let svg = lines(Axis::bytes("held"), XScale::Count, &[3000.0, 1e5, 3e6])
            .svg()
            .unwrap();
        let t = texts(&svg);
        for want in ["4 KiB", "1 MiB"] {
            assert!(t.iter().any(|x| x == want), "{want} not in {t:?}");
        }
        assert!(!t.iter().any(|x| x == "5000" || x == "1000000"), "{t:?}");
        let mut b = bars(false);
        if let Chart::Bars(bars) = &mut b.chart {
            bars.categories[0].bars[0].value = 4500.0;
            bars.categories[0].bars[0].high = 4600.0;
        }
        let t = texts(&b.svg().unwrap());
        assert!(t.iter().any(|x| x == "2 µs" || x == "1 µs"), "{t:?}");
        let t = texts(&stacked().svg().unwrap());
        assert!(t.iter().any(|x| x == "1000"), "{t:?}");
    }

    #[test]
    fn lines_give_every_series_its_own_marker_and_colour() {
        let series: Vec<String> = std::iter::once("native".to_string())
            .chain((0..11).map(|i| format!("abi {i}")))
            .collect();
        let curve = |s: usize| Curve {
            series: s,
            points: vec![Point {
                x: 16.0,
                y: 1.0 + s as f64,
                low: 1.0,
                high: 2.0 + s as f64,
            }],
            fit: None,
        };
        let f = Figure {
            name: "m".into(),
            title: "Markers".into(),
            subtitle: String::new(),
            chart: Chart::Lines(Lines {
                x_label: "x".into(),
                x_scale: XScale::Bytes,
                y_label: Axis::time("time"),
                y_log: true,
                y_range: None,
                series: series.clone(),
                panels: vec![Panel {
                    title: String::new(),
                    lines: (0..12).map(curve).collect(),
                }],
            }),
        };
        let st = style::styles(&series);
        for (i, a) in st.iter().enumerate() {
            for b in &st[..i] {
                assert!((a.colour, a.marker) != (b.colour, b.marker), "{st:?}");
            }
        }
        // Both colours of the two series sharing one appear, on points and
        // in the legend; a png draws too.
        let svg = f.svg().unwrap();
        for s in &st {
            let plotters::style::RGBColor(r, g, b) = s.colour;
            let hex = format!("#{r:02X}{g:02X}{b:02X}");
            assert!(svg.contains(&hex), "{hex}");
        }
        let tmp = tempfile::tempdir().unwrap();
        f.write(tmp.path()).unwrap();
        let png = std::fs::read(tmp.path().join("m.png")).unwrap();
        assert_eq!(png_size(&png), Some(layout::size(&f)));
    }
}
