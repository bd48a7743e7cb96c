//! How a series looks: a colour and a marker shape, handed out per figure
//! so that no two series of one figure look the same. Colours run through
//! the palette ([`COLOURS`] of them) and markers through [`MARKERS`]
//! shapes, both in legend order, so up to fourteen series differ in colour
//! alone and any number (up to colours × markers) in the pair; a marker
//! also tells series apart in grey print. A series with a colour of its
//! own (`native`, [`super::NATIVE_WORK`], a comparison's verdicts) keeps
//! it and takes no palette colour from the others.
//!
//! Lines draw the marker on every point; bars and stacked bars are told
//! apart by colour, and draw the marker on each bar only when the figure
//! has more series than colours.

use plotters::coord::Shift;
use plotters::prelude::*;

/// Tableau 10 (distinct, colour-blind tolerant, printable), then four
/// darker hues unlike any of them, so a payload figure's twelve series
/// (eleven ABI variants and native) differ in colour, not only in marker.
const PALETTE: [(u8, u8, u8); 14] = [
    (78, 121, 167),
    (242, 142, 43),
    (225, 87, 89),
    (118, 183, 178),
    (89, 161, 79),
    (237, 201, 72),
    (176, 122, 161),
    (255, 157, 167),
    (156, 117, 95),
    (186, 176, 172),
    (214, 39, 140),
    (128, 128, 0),
    (0, 109, 119),
    (84, 39, 143),
];

/// Series a figure can show in colours all different: past this many,
/// colours repeat and the markers tell the series apart.
pub const COLOURS: usize = PALETTE.len();

/// Marker shapes, in the order series take them.
pub const MARKERS: [Marker; 8] = [
    Marker::Circle,
    Marker::Square,
    Marker::TriangleUp,
    Marker::Diamond,
    Marker::TriangleDown,
    Marker::Cross,
    Marker::Plus,
    Marker::Star,
];

/// A marker shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Marker {
    /// A filled disc.
    Circle,
    /// A filled square.
    Square,
    /// A filled triangle, point up.
    TriangleUp,
    /// A filled diamond.
    Diamond,
    /// A filled triangle, point down.
    TriangleDown,
    /// A thick ×.
    Cross,
    /// A thick +.
    Plus,
    /// A filled five-pointed star.
    Star,
}

/// The look of one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    /// Its colour.
    pub colour: RGBColor,
    /// Its marker.
    pub marker: Marker,
}

/// A colour a series keeps whatever its place: `native` and
/// [`super::NATIVE_WORK`] are dark grey; a comparison's `regression`,
/// `improvement`, `unchanged` are red, green, grey.
fn own_colour(name: &str) -> Option<RGBColor> {
    match name {
        "native" | super::NATIVE_WORK => Some(RGBColor(90, 90, 90)),
        "regression" => Some(RGBColor(214, 39, 40)),
        "improvement" => Some(RGBColor(44, 160, 44)),
        "unchanged" => Some(RGBColor(170, 170, 170)),
        _ => None,
    }
}

/// The styles of a figure's series, in legend order: the k-th series
/// without a colour of its own takes palette colour k (mod [`COLOURS`]);
/// the i-th series takes marker i (mod [`MARKERS`]), or the next one its
/// colour has not yet been paired with, so no two series share both (up
/// to [`COLOURS`] × [`MARKERS`] series of one colour set). The same list
/// of names gets the same styles in every figure.
pub fn styles(names: &[String]) -> Vec<Style> {
    let mut out: Vec<Style> = Vec::with_capacity(names.len());
    let mut k = 0;
    for (i, name) in names.iter().enumerate() {
        let colour = own_colour(name).unwrap_or_else(|| {
            let (r, g, b) = PALETTE[k % COLOURS];
            k += 1;
            RGBColor(r, g, b)
        });
        let taken = |m: &Marker| out.iter().any(|s| s.colour == colour && s.marker == *m);
        let marker = (0..MARKERS.len())
            .map(|d| MARKERS[(i + d) % MARKERS.len()])
            .find(|m| !taken(m))
            .unwrap_or(MARKERS[i % MARKERS.len()]);
        out.push(Style { colour, marker });
    }
    out
}

/// Whether two series of `styles` share a colour (bars then draw their
/// markers).
pub fn colours_repeat(styles: &[Style]) -> bool {
    styles
        .iter()
        .enumerate()
        .any(|(i, s)| styles[..i].iter().any(|t| t.colour == s.colour))
}

/// Draws `marker` centred on pixel `(x, y)` of `area`, about `r` pixels
/// in radius.
pub fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    marker: Marker,
    (x, y): (i32, i32),
    r: f64,
    colour: RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let at = |dx: f64, dy: f64| (x + dx.round() as i32, y + dy.round() as i32);
    let fill = colour.filled();
    match marker {
        Marker::Circle => area.draw(&Circle::new((x, y), r.round() as i32, fill)),
        Marker::Square => {
            let h = r * 0.85;
            area.draw(&Rectangle::new([at(-h, -h), at(h, h)], fill))
        }
        Marker::TriangleUp | Marker::TriangleDown => {
            let s = if marker == Marker::TriangleUp {
                1.0
            } else {
                -1.0
            };
            let pts = vec![
                at(0.0, -1.2 * r * s),
                at(-1.1 * r, 0.75 * r * s),
                at(1.1 * r, 0.75 * r * s),
            ];
            area.draw(&Polygon::new(pts, fill))
        }
        Marker::Diamond => {
            let pts = vec![at(0.0, -1.3 * r), at(r, 0.0), at(0.0, 1.3 * r), at(-r, 0.0)];
            area.draw(&Polygon::new(pts, fill))
        }
        Marker::Cross | Marker::Plus => {
            let h = if marker == Marker::Cross { r } else { r * 1.25 };
            let width = ((r * 0.6).round() as u32).max(2);
            let stroke = colour.stroke_width(width);
            let (a, b) = if marker == Marker::Cross {
                ([at(-h, -h), at(h, h)], [at(-h, h), at(h, -h)])
            } else {
                ([at(-h, 0.0), at(h, 0.0)], [at(0.0, -h), at(0.0, h)])
            };
            area.draw(&PathElement::new(a.to_vec(), stroke))?;
            area.draw(&PathElement::new(b.to_vec(), stroke))
        }
        Marker::Star => {
            let pts: Vec<(i32, i32)> = (0..10)
                .map(|j| {
                    let radius = if j % 2 == 0 { 1.35 * r } else { 0.6 * r };
                    let angle = std::f64::consts::PI * (j as f64 / 5.0 - 0.5);
                    at(radius * angle.cos(), radius * angle.sin())
                })
                .collect();
            area.draw(&Polygon::new(pts, fill))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn distinct(styles: &[Style]) -> bool {
        styles.iter().enumerate().all(|(i, s)| {
            styles[..i]
                .iter()
                .all(|t| (t.colour, t.marker) != (s.colour, s.marker))
        })
    }

    #[test]
    fn the_payload_figures_twelve_series_all_look_different() {
        // The series of results/reference/payload's figure, where
        // `bytemuck static` and `wit` once shared an orange.
        let series = names(&[
            "native",
            "bytemuck static",
            "bytemuck dynamic",
            "bincode static",
            "bincode dynamic",
            "protobuf static",
            "protobuf dynamic",
            "postcard static",
            "postcard dynamic",
            "rkyv static",
            "rkyv dynamic",
            "wit",
        ]);
        let s = styles(&series);
        assert!(distinct(&s), "{s:?}");
        assert_eq!(s[0].colour, RGBColor(90, 90, 90), "native keeps its grey");
        // Every series its own colour (the palette has fourteen).
        assert!(!colours_repeat(&s), "{s:?}");
        // Markers: every one of the first eight series its own shape.
        let markers: Vec<Marker> = s[..MARKERS.len()].iter().map(|x| x.marker).collect();
        assert_eq!(markers, MARKERS);
        // Past the palette, colours repeat and markers tell them apart.
        let many: Vec<String> = (0..COLOURS + 3).map(|i| format!("abi {i}")).collect();
        let s = styles(&many);
        assert!(colours_repeat(&s) && distinct(&s), "{s:?}");
    }

    #[test]
    fn no_two_series_share_colour_and_marker_however_many() {
        for n in [1, 2, 9, 10, 11, 20, 40, 41, 79, 80] {
            let mut series: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
            let s = styles(&series);
            assert!(distinct(&s), "{n} series: {s:?}");
            // Specials anywhere among them change nothing.
            series.insert(n / 2, "native".into());
            series.push("regression".into());
            let s = styles(&series);
            assert!(distinct(&s), "{n} series with specials: {s:?}");
        }
    }

    #[test]
    fn the_same_names_get_the_same_styles_and_specials_keep_their_colour() {
        let a = names(&[
            "guest-code",
            "runtime",
            "harness",
            super::super::NATIVE_WORK,
        ]);
        assert_eq!(styles(&a), styles(&a));
        let s = styles(&a);
        assert_eq!(s[0].colour, RGBColor(78, 121, 167));
        assert_eq!(s[1].colour, RGBColor(242, 142, 43));
        assert_eq!(s[3].colour, RGBColor(90, 90, 90));
        let v = styles(&names(&["regression", "improvement", "unchanged"]));
        let colours: Vec<RGBColor> = v.iter().map(|x| x.colour).collect();
        assert_eq!(
            colours,
            [
                RGBColor(214, 39, 40),
                RGBColor(44, 160, 44),
                RGBColor(170, 170, 170)
            ]
        );
    }
}
