//! The simulator's figures: time per request per policy (the paper's
//! Figure 9), hit ratios against cache size (Figure 8), and time per
//! request against batch size.

use super::{Plan, bar, measured, point, slug, subtitle};
use crate::cells::{Cell, Cells};
use crate::figures::{Axis, Bars, Category, Chart, Curve, Figure, Lines, Panel, Point, XScale};
use crate::select::{POLICIES, RUNTIMES, hold, sorted};
use crate::units::parse_size;

/// `pair caching=cached memory=static`: a sim cell's configuration
/// without the factors in `skip` (and without its runtime).
fn config(c: &Cell, skip: &[&str]) -> String {
    if c.is_native() {
        return "native".into();
    }
    let mut s = c.abi.clone();
    for name in crate::identity::ordered_factors(c.factors.keys()) {
        if !skip.contains(&name) {
            s.push_str(&format!(" {name}={}", c.factors[name]));
        }
    }
    s
}

fn policies(cells: &[&Cell]) -> Vec<String> {
    sorted(Cells::values(cells.iter().copied(), "policy"), POLICIES)
}

/// `sim-<runtime>-<size>`: every cell of one runtime at one cache size,
/// one bar per policy, the native simulator first.
pub fn figure9(cells: &Cells, p: &mut Plan) {
    let all = measured(cells, "sim");
    let sandboxed: Vec<&Cell> = all.iter().copied().filter(|c| !c.is_native()).collect();
    if sandboxed.is_empty() {
        p.skip(
            "sim",
            "sim-<runtime>-<size>",
            "no measured sandboxed simulator cells",
        );
        return;
    }
    let (all, held) = hold(all, &["host-profile"]);
    let skip = ["host-profile", "cache-size", "policy"];
    let sizes = Cells::values(all.iter().copied().filter(|c| !c.is_native()), "cache-size");
    let rts = sorted(
        all.iter()
            .filter(|c| !c.is_native())
            .map(|c| c.runtime.clone())
            .collect(),
        RUNTIMES,
    );
    for size in &sizes {
        for rt in &rts {
            let cs: Vec<&Cell> = all
                .iter()
                .copied()
                .filter(|c| c.factor("cache-size") == Some(size.as_str()))
                .filter(|c| c.is_native() || &c.runtime == rt)
                .collect();
            let series = policies(&cs);
            let mut cats: Vec<Category> = Vec::new();
            for c in &cs {
                let label = config(c, &skip);
                let Some(s) = c
                    .factor("policy")
                    .and_then(|v| series.iter().position(|x| x == v))
                else {
                    continue;
                };
                let Some(b) = bar(s, c) else { continue };
                match cats.iter_mut().find(|k| k.label == label) {
                    Some(k) => k.bars.push(b),
                    None => cats.push(Category {
                        label,
                        bars: vec![b],
                    }),
                }
            }
            for k in &mut cats {
                k.bars.sort_by_key(|b| b.series);
            }
            let mut held = held.clone();
            held.push(format!("cache-size={size}"));
            let figure = Figure {
                name: format!("sim-{}-{}", slug(rt), slug(size)),
                title: format!("Simulator on {rt}: time per request, {size} cache"),
                subtitle: subtitle(&held),
                chart: Chart::Bars(Bars {
                    value_label: Axis::time("time per request (mean)"),
                    log: false,
                    series,
                    categories: cats,
                }),
            };
            p.add(
                "sim",
                format!(
                    "The paper's Figure 9 for {rt}: the cache simulator replaying the trace \
                     natively (top) and through every ABI and configuration, one bar per \
                     replacement policy."
                ),
                figure,
            );
        }
    }
}

/// `sim-hit-ratios`: object and byte hit ratio of the native simulator
/// against cache size, one line per policy.
pub fn hit_ratios(cells: &Cells, p: &mut Plan) {
    let name = "sim-hit-ratios";
    let natives: Vec<&Cell> = measured(cells, "sim")
        .into_iter()
        .filter(|c| c.is_native() && c.object_hit_ratio.is_some())
        .collect();
    if natives.is_empty() {
        p.skip("sim", name, "no native simulator cells with hit ratios");
        return;
    }
    let (natives, held) = hold(natives, &["host-profile"]);
    let sizes = Cells::values(natives.iter().copied(), "cache-size");
    if sizes.len() < 2 {
        p.skip(
            "sim",
            name,
            format!(
                "{} cache size(s) measured; the curve needs a sweep (--sweep)",
                sizes.len()
            ),
        );
        return;
    }
    let series = policies(&natives);
    let panel = |title: &str, ratio: fn(&Cell) -> Option<f64>| Panel {
        title: title.into(),
        lines: series
            .iter()
            .enumerate()
            .map(|(i, pol)| {
                let mut points: Vec<Point> = natives
                    .iter()
                    .filter(|c| c.factor("policy") == Some(pol.as_str()))
                    .filter_map(|c| {
                        let x = parse_size(c.factor("cache-size")?)? as f64;
                        let y = ratio(c)?;
                        Some(Point {
                            x,
                            y,
                            low: y,
                            high: y,
                        })
                    })
                    .collect();
                points.sort_by(|a, b| a.x.total_cmp(&b.x));
                Curve {
                    series: i,
                    points,
                    fit: None,
                }
            })
            .collect(),
    };
    let panels = vec![
        panel("object hit ratio (hits per request)", |c| {
            c.object_hit_ratio
        }),
        panel("byte hit ratio (hit bytes per requested byte)", |c| {
            c.byte_hit_ratio
        }),
    ];
    let figure = Figure {
        name: name.into(),
        title: "Simulator hit ratios against cache size (native)".into(),
        subtitle: format!("held: {} · exact counts, no whiskers", held.join(", ")),
        chart: Chart::Lines(Lines {
            x_label: "cache size (log scale)".into(),
            x_scale: XScale::Bytes,
            y_label: Axis::plain("hit ratio"),
            y_log: false,
            y_range: Some((0.0, 1.0)),
            series,
            panels,
        }),
    };
    p.add(
        "sim",
        "The paper's Figure 8: hits per request and hit bytes per requested byte of each \
         policy as the cache grows (sandboxed cells are checked to hit exactly as native)."
            .into(),
        figure,
    );
}

/// `sim-batch`: time per request against requests per call, one panel per
/// runtime (a line per ABI configuration, the same colour in every panel),
/// the policy, cache size, caching and limits held, native as a flat
/// reference.
pub fn batch(cells: &Cells, p: &mut Plan) {
    let name = "sim-batch";
    let all = measured(cells, "sim");
    let batches = Cells::values(all.iter().copied(), "batch");
    if batches.len() < 2 {
        p.skip("sim", name, "no cells vary the batch factor");
        return;
    }
    let (all, held) = hold(
        all,
        &["host-profile", "cache-size", "policy", "caching", "limits"],
    );
    let skip = [
        "host-profile",
        "cache-size",
        "policy",
        "caching",
        "limits",
        "batch",
    ];
    let varying: Vec<&Cell> = all
        .iter()
        .copied()
        .filter(|c| !c.is_native() && c.factor("batch").is_some())
        .collect();
    let mut series: Vec<String> = Vec::new();
    for c in &varying {
        let s = config(c, &skip);
        if !series.contains(&s) {
            series.push(s);
        }
    }
    series.push("native".into());
    let xs: Vec<f64> = batches
        .iter()
        .filter_map(|b| b.parse::<f64>().ok())
        .collect();
    let native = all.iter().find(|c| c.is_native());
    let runtimes = sorted(
        varying.iter().map(|c| c.runtime.clone()).collect(),
        RUNTIMES,
    );
    let panels = runtimes
        .into_iter()
        .map(|rt| {
            let mut lines: Vec<Curve> = series[..series.len() - 1]
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut points: Vec<Point> = varying
                        .iter()
                        .filter(|c| c.runtime == rt && &config(c, &skip) == s)
                        .filter_map(|c| point(c.factor("batch")?.parse().ok()?, c))
                        .collect();
                    points.sort_by(|a, b| a.x.total_cmp(&b.x));
                    Curve {
                        series: i,
                        points,
                        fit: None,
                    }
                })
                .filter(|c| !c.points.is_empty())
                .collect();
            if let Some(n) = native {
                lines.push(Curve {
                    series: series.len() - 1,
                    points: xs.iter().filter_map(|&x| point(x, n)).collect(),
                    fit: None,
                });
            }
            Panel { title: rt, lines }
        })
        .collect();
    let figure = Figure {
        name: name.into(),
        title: "Simulator: time per request against requests per call".into(),
        subtitle: subtitle(&held),
        chart: Chart::Lines(Lines {
            x_label: "requests per call (batch, log scale)".into(),
            x_scale: XScale::Count,
            y_label: Axis::time("time per request (mean, log scale)"),
            y_log: true,
            y_range: None,
            series,
            panels,
        }),
    };
    p.add(
        "sim",
        "What batching requests into one call saves per request, for every configuration \
         that has a batch factor; the native simulator is the flat reference."
            .into(),
        figure,
    );
}
