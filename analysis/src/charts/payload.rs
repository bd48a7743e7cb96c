//! The payload scenario (cost against payload size, factor `size`): one
//! figure per runtime, one panel per shape × direction (`string, in`), a
//! line per ABI with a fit of `ns = fixed + per_byte × size` drawn dashed,
//! and the fits as numbers for the report's table. The fit is over the
//! cells' means, one point per size (the `fixed`-size record has no sweep
//! and no line), by least squares weighted by 1/ns² ([`fit_relative`]:
//! each size counts by its relative error, as on the log axis, so the
//! fixed cost comes from the small sizes and not from what the 1 MiB
//! points leave over).

use super::{Plan, abi_label, measured, point, slug, subtitle};
use crate::cells::{Cell, Cells};
use crate::figures::{Axis, Chart, Curve, Figure, Lines, Panel, Point, XScale};
use crate::fit::{Line, fit_relative};
use crate::select::{ABIS, RUNTIMES, by, cell_order, hold, sorted};
use crate::units::parse_size;

/// The scenario id.
const SCENARIO: &str = "payload";

/// The factors that make panels rather than being held.
const PANELS: &[&str] = &["shape", "direction"];

/// Shapes and directions in the scenario's order.
const ORDER: &[&str] = &[
    "record",
    "string",
    "list",
    "nested",
    "in",
    "out",
    "roundtrip",
];

/// The fitted cost of one ABI on one runtime for one shape × direction.
#[derive(Debug, Clone, PartialEq)]
pub struct PayloadFit {
    /// Runtime id (or `native`).
    pub runtime: String,
    /// The panel: shape and direction (`string, in`).
    pub work: String,
    /// ABI and memory mode (`bytemuck static`).
    pub abi: String,
    /// The sizes it was fitted over.
    pub points: usize,
    /// ns per call = intercept + slope × bytes, fitted by relative error.
    pub line: Line,
}

/// The payload cells with a byte size, the other factors held.
fn view(cells: &Cells) -> Option<(Vec<&Cell>, Vec<String>)> {
    let all: Vec<&Cell> = measured(cells, SCENARIO)
        .into_iter()
        .filter(|c| c.factor("size").and_then(parse_size).is_some())
        .collect();
    if Cells::values(all.iter().copied(), "size").len() < 2 {
        return None;
    }
    let mut factors: Vec<String> = Vec::new();
    for c in &all {
        for f in c.factors.keys() {
            let shown = f == "size" || f == "memory" || PANELS.contains(&f.as_str());
            if !shown && !factors.contains(f) {
                factors.push(f.clone());
            }
        }
    }
    let order = crate::identity::ordered_factors(factors.iter());
    Some(hold(all, &order))
}

/// `string, in`: a cell's panel.
fn work(c: &Cell) -> String {
    let parts: Vec<&str> = PANELS.iter().filter_map(|f| c.factor(f)).collect();
    parts.join(", ")
}

fn works(cells: &[&Cell]) -> Vec<String> {
    let mut v: Vec<&Cell> = cells.to_vec();
    v.sort_by(|a, b| {
        PANELS
            .iter()
            .map(|f| by(ORDER, a.factor(f).unwrap_or(""), b.factor(f).unwrap_or("")))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut out: Vec<String> = Vec::new();
    for c in v {
        let w = work(c);
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// (series label, points by size) of one runtime and panel; the native
/// cells join every runtime.
fn series(cells: &[&Cell], rt: &str, panel: &str) -> Vec<(String, Vec<Point>)> {
    let mut out: Vec<(String, Vec<Point>)> = Vec::new();
    let mut cs: Vec<&Cell> = cells
        .iter()
        .copied()
        .filter(|c| (c.is_native() || c.runtime == rt) && work(c) == panel)
        .collect();
    cs.sort_by(|a, b| by(ABIS, &a.abi, &b.abi).then_with(|| cell_order(a, b)));
    for c in cs {
        let Some(p) = c
            .factor("size")
            .and_then(parse_size)
            .and_then(|x| point(x as f64, c))
        else {
            continue;
        };
        let label = abi_label(c);
        match out.iter_mut().find(|(l, _)| *l == label) {
            Some((_, v)) => v.push(p),
            None => out.push((label, vec![p])),
        }
    }
    for (_, v) in &mut out {
        v.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    out
}

fn runtimes(cells: &[&Cell]) -> Vec<String> {
    sorted(
        cells
            .iter()
            .filter(|c| !c.is_native())
            .map(|c| c.runtime.clone())
            .collect(),
        RUNTIMES,
    )
}

fn line_of(points: &[Point]) -> Option<Line> {
    let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.x, p.y)).collect();
    fit_relative(&xy)
}

/// Every (runtime, panel, ABI) fit of the payload cells; empty without
/// a size sweep. Native lines are listed once, as runtime `native`.
pub fn payload_fits(cells: &Cells) -> Vec<PayloadFit> {
    let Some((kept, _)) = view(cells) else {
        return Vec::new();
    };
    let mut out: Vec<PayloadFit> = Vec::new();
    for rt in runtimes(&kept) {
        for w in works(&kept) {
            for (abi, points) in series(&kept, &rt, &w) {
                let runtime = if abi == "native" {
                    "native".into()
                } else {
                    rt.clone()
                };
                if out
                    .iter()
                    .any(|f| f.runtime == runtime && f.work == w && f.abi == abi)
                {
                    continue;
                }
                if let Some(line) = line_of(&points) {
                    out.push(PayloadFit {
                        runtime,
                        work: w.clone(),
                        abi,
                        points: points.len(),
                        line,
                    });
                }
            }
        }
    }
    out
}

/// `payload-<runtime>`: ns per call against payload size.
pub fn cost(cells: &Cells, p: &mut Plan) {
    let Some((kept, held)) = view(cells) else {
        p.skip(
            SCENARIO,
            "payload-<runtime>",
            "no payload cells over two or more sizes (scenario `payload`, factor `size`)",
        );
        return;
    };
    for rt in runtimes(&kept) {
        let mut names: Vec<String> = Vec::new();
        let mut panels = Vec::new();
        for w in works(&kept) {
            let mut curves = Vec::new();
            for (label, points) in series(&kept, &rt, &w) {
                let i = names.iter().position(|n| *n == label).unwrap_or_else(|| {
                    names.push(label.clone());
                    names.len() - 1
                });
                curves.push(Curve {
                    series: i,
                    fit: line_of(&points),
                    points,
                });
            }
            panels.push(Panel {
                title: if w.is_empty() { rt.clone() } else { w },
                lines: curves,
            });
        }
        let figure = Figure {
            name: format!("payload-{}", slug(&rt)),
            title: format!("Payload cost on {rt}: time per call against payload size"),
            subtitle: format!(
                "{} · dashed: time = fixed + per-byte × size, fitted by relative error",
                subtitle(&held)
            ),
            chart: Chart::Lines(Lines {
                x_label: "payload size (log scale)".into(),
                x_scale: XScale::Bytes,
                y_label: Axis::time("time per call (mean, log scale)"),
                y_log: true,
                y_range: None,
                series: names,
                panels,
            }),
        };
        p.add(
            SCENARIO,
            format!(
                "The cost of one call carrying a payload on {rt}, per ABI, as the payload \
                 grows, one panel per shape and direction; the dashed line is the fixed cost \
                 plus cost per byte, fitted by relative error (each size counts alike) and \
                 drawn over the sizes measured."
            ),
            figure,
        );
    }
}
