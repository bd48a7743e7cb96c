//! The serving scenarios' figures (docs/serving.md): requests per second
//! of the serve cells, and the footprint sweep's memory and speed against
//! the instances kept. The footprint's memory is the rows' own (cells do
//! not carry it), so these are planned from the rows and the cells
//! ([`super::plan_serving`]); the tables beside them are
//! [`crate::serving`]'s.

use super::{Plan, measured, subtitle};
use crate::cells::{Cell, Cells, Estimate};
use crate::figures::{Axis, Bar, Bars, Category, Chart, Figure, Lines, Point, XScale};
use crate::load::Run;
use crate::select::{PREFERRED, by, hold};
use crate::serving::footprint::{PerInstance, per_instance};
use crate::serving::{Group, Shown, groups};

/// `serve-requests`: requests per second on one core (1 / mean time per
/// request) of every serve cell, one group of bars per runtime and ABI,
/// one bar per lifecycle × allocator, on a log axis.
pub fn serve_requests(cells: &Cells, p: &mut Plan) {
    let name = "serve-requests";
    if !cells.cells.iter().any(|c| c.scenario == "serve") {
        return;
    }
    let all = measured(cells, "serve");
    if all.is_empty() {
        p.skip(
            "serve",
            name,
            "no serve cell measured (each failed or cannot run here)",
        );
        return;
    }
    let (all, held) = hold(all, &["host-profile"]);
    let shown = Shown::of(all.iter().map(|c| &c.factors));
    let series_of = |c: &Cell| {
        format!(
            "{} {}",
            c.factor("lifecycle").unwrap_or("-"),
            c.factor("allocator").unwrap_or("-")
        )
    };
    let mut series: Vec<(String, String)> = Vec::new();
    for c in &all {
        let k = (
            c.factor("lifecycle").unwrap_or("-").to_string(),
            c.factor("allocator").unwrap_or("-").to_string(),
        );
        if !series.contains(&k) {
            series.push(k);
        }
    }
    series.sort_by(|a, b| {
        by(order("lifecycle"), &a.0, &b.0).then_with(|| by(order("allocator"), &a.1, &b.1))
    });
    let series: Vec<String> = series
        .into_iter()
        .map(|(l, a)| format!("{l} {a}"))
        .collect();
    let mut categories: Vec<Category> = Vec::new();
    for c in &all {
        let label = format!(
            "{}/{}",
            c.runtime,
            shown.abi(&c.abi, &c.factors, &["lifecycle", "allocator"])
        );
        let Some(s) = series.iter().position(|s| *s == series_of(c)) else {
            continue;
        };
        let Some(r) = c.estimate.and_then(rate) else {
            continue;
        };
        let bar = Bar {
            series: s,
            value: r.y,
            low: r.low,
            high: r.high,
        };
        match categories.iter_mut().find(|k| k.label == label) {
            Some(k) => k.bars.push(bar),
            None => categories.push(Category {
                label,
                bars: vec![bar],
            }),
        }
    }
    for k in &mut categories {
        k.bars.sort_by_key(|b| b.series);
    }
    let figure = Figure {
        name: name.into(),
        title: "Serve: requests per second on one core, fresh or kept instance".into(),
        subtitle: subtitle(&held),
        chart: Chart::Bars(Bars {
            value_label: Axis::count(
                "requests per second on one core (1 / mean time per request, log scale)",
            ),
            log: true,
            series,
            categories,
        }),
    };
    p.add(
        "serve",
        "Requests one core serves per second (1 / mean time per request; longer is better): \
         `per-request` makes, calls and drops an instance for each, `kept` calls one made \
         before; `pooling` is Wasmtime's pooling instance allocator, `on-demand` its default."
            .into(),
        figure,
    );
}

/// `footprint-held` and `footprint-rate`: bytes held per instance, and
/// instances made and served per second, against the instances kept, one
/// line per runtime, ABI and allocator (split into panels when there are
/// more lines than [`crate::figures::COLOURS`]).
pub fn footprint(runs: &[Run], cells: &Cells, p: &mut Plan) {
    let names = ["footprint-held", "footprint-rate"];
    let all = groups(runs, "footprint");
    if all.is_empty() {
        return;
    }
    let skip = |p: &mut Plan, why: &str| {
        for n in names {
            p.skip("footprint", n, why);
        }
    };
    let measured: Vec<(&Group, PerInstance)> = all
        .iter()
        .filter_map(|g| Some((g, per_instance(g, cells)?)))
        .collect();
    if measured.is_empty() {
        skip(
            p,
            "no footprint cell measured (each failed, stopped at a limit or cannot run here)",
        );
        return;
    }
    // Hold the host profile as every figure does.
    let chosen: Vec<&Cell> = measured
        .iter()
        .filter_map(|(g, _)| cells.get(&g.id))
        .collect();
    let (kept, held) = hold(chosen, &["host-profile"]);
    let measured: Vec<(&Group, PerInstance)> = measured
        .into_iter()
        .filter(|(g, _)| kept.iter().any(|c| c.id == g.id))
        .collect();
    let mut counts: Vec<u64> = measured.iter().map(|(_, m)| m.instances).collect();
    counts.sort_unstable();
    counts.dedup();
    if counts.len() < 2 {
        skip(
            p,
            &format!(
                "every measured cell keeps the same number of instances ({}): no line to draw \
                 (the table has them)",
                counts[0]
            ),
        );
        return;
    }
    let shown = Shown::of(measured.iter().map(|(g, _)| g.factors()));
    let keys: Vec<Key> = measured
        .iter()
        .map(|(g, _)| Key {
            runtime: g.runtime().to_string(),
            abi: shown.abi(g.abi(), g.factors(), &["allocator", "instances"]),
            allocator: g.factor("allocator").unwrap_or("-").to_string(),
        })
        .collect();
    let layout = Layout::of(&keys);
    // Bytes held: the whiskers span the replicates.
    let held_pts: Vec<Option<Point>> = measured
        .iter()
        .map(|(_, m)| {
            let (lo, hi) = m.replicates.unwrap_or((m.held_b, m.held_b));
            (m.held_b > 0.0).then(|| Point {
                x: m.instances as f64,
                y: m.held_b,
                low: lo.min(m.held_b),
                high: hi.max(m.held_b),
            })
        })
        .collect();
    // Speed: the whiskers are the mean's 95% interval.
    let rate_pts: Vec<Option<Point>> = measured
        .iter()
        .map(|(g, m)| {
            let r = rate(g.estimate(cells)?)?;
            Some(Point {
                x: m.instances as f64,
                ..r
            })
        })
        .collect();
    let x_label = "instances kept alive at once (log scale)";
    let held_fig = Figure {
        name: names[0].into(),
        title: "Footprint: bytes held per instance against instances kept".into(),
        subtitle: if held.is_empty() {
            "whiskers: lowest and highest replicate".into()
        } else {
            format!(
                "held: {} · whiskers: lowest and highest replicate",
                held.join(", ")
            )
        },
        chart: Chart::Lines(Lines {
            x_label: x_label.into(),
            x_scale: XScale::Count,
            y_label: Axis::bytes("bytes held per instance (log scale)"),
            y_log: true,
            y_range: None,
            series: layout.series.clone(),
            panels: layout.panels(&keys, &held_pts),
        }),
    };
    p.add(
        "footprint",
        "What each kept instance holds (the allocator's bytes in use plus the resident pages of \
         its linear memory; the median replicate) as more are kept alive; instances per GiB \
         = 2^30 / this. A line that stops short ended `pool-full` or at a `cap` (the table \
         says which)."
            .into(),
        held_fig,
    );
    let rate_fig = Figure {
        name: names[1].into(),
        title: "Footprint: requests per second against instances kept".into(),
        subtitle: subtitle(&held),
        chart: Chart::Lines(Lines {
            x_label: x_label.into(),
            x_scale: XScale::Count,
            y_label: Axis::count("instances made and served per second (log scale)"),
            y_log: true,
            y_range: None,
            series: layout.series.clone(),
            panels: layout.panels(&keys, &rate_pts),
        }),
    };
    p.add(
        "footprint",
        "How many instances one core makes per second, each serving one request, while the \
         ones made before stay alive: 1e9 / the mean time per instance, so a falling line is \
         an instance getting dearer to make as more are kept."
            .into(),
        rate_fig,
    );
}

/// The order a factor's values are shown in.
fn order(factor: &str) -> &'static [&'static str] {
    PREFERRED
        .iter()
        .find(|(n, _)| *n == factor)
        .map_or(&[][..], |(_, o)| *o)
}

/// 1e9 / a time per call in ns: per second, with the interval inverted
/// (an interval reaching 0 ns has no upper end: the whisker stops at the
/// mean).
fn rate(e: Estimate) -> Option<Point> {
    if !(e.mean > 0.0 && e.mean.is_finite()) {
        return None;
    }
    let y = 1e9 / e.mean;
    let high = if e.low > 0.0 { 1e9 / e.low } else { y };
    let low = if e.high.is_finite() && e.high > 0.0 {
        1e9 / e.high
    } else {
        y
    };
    Some(Point {
        x: 1.0,
        y,
        low,
        high,
    })
}

mod layout;
#[cfg(test)]
mod tests;

use layout::{Key, Layout};
