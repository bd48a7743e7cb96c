//! The anatomy of a call as stacked bars: where a counted cell's
//! instructions per call went (`anatomy`, `--measure callgrind`), one bar
//! per cell, grouped by runtime, the native call as one grey bar.
//!
//! **Why linear, and why split by size.** Stacked bars need a linear axis:
//! on a log axis a part's length would depend on the parts left of it.
//! One cell can then dwarf the rest: Extism's call counts about 25,000
//! instructions where the other ABIs count 230 to 5,300
//! (`results/reference/callgrind-anatomy`), and on its axis a pair call
//! is a few pixels long, its parts invisible. One figure per runtime
//! would not help, since Extism's bar and pair's, the smallest, sit on the
//! same runtime; so the bars longer than [`APART`] times the median bar
//! go in a figure of their own (`<name>-large`, the same parts in the same
//! colours). One figure per runtime is kept for sets too tall to read on
//! a screen (over [`MAX_BARS`] bars).

use std::collections::{BTreeMap, BTreeSet};

use super::{COUNTED, Plan, slug};
use crate::counted::PARTS;
use crate::data::Record;
use crate::figures::{Axis, Chart, Figure, NATIVE_WORK, Segment, Stacked, StackedBar};
use crate::identity::ordered_factors;
use crate::select::row_order;

/// The most bars one figure shows before it is split per runtime: 40
/// bars make a figure about 800 pixels high.
pub const MAX_BARS: usize = 40;

/// A bar longer than this many times the median sandboxed bar of its
/// figure is drawn apart: at 8× the median bar still spans an eighth of
/// the axis (90 pixels or more), enough to see a part of a tenth of it.
pub const APART: f64 = 8.0;

/// The figure's name when nothing is split.
const NAME: &str = "anatomy";

/// What the counts are, with how far the replicates of `rows` were
/// apart: measured per figure, since a large payload through Extism
/// differs by hundreds of instructions per call where a micro call
/// differs by none.
fn caption_tail(rows: &[&Record]) -> String {
    let spread = rows
        .iter()
        .filter(|r| r.calls > 0 && r.replicate_instructions.len() > 1)
        .map(|r| {
            let (lo, hi) = r
                .replicate_instructions
                .iter()
                .fold((u64::MAX, 0), |(lo, hi), &x| (lo.min(x), hi.max(x)));
            (hi - lo) as f64 / r.calls as f64
        })
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    let agree = match spread {
        Some(s) => format!(
            "the replicates of these cells differ by at most {} instructions per call, so \
             there are no whiskers",
            crate::units::count_tick(s)
        ),
        None => "one replicate per cell".to_string(),
    };
    format!(
        "Counts are Callgrind's, from the median replicate ({agree}); an instruction is not a \
         nanosecond (docs/methodology.md § Two measures)."
    )
}

/// Plans the anatomy figures of `rows`, the counted ok rows (one per cell;
/// [`crate::counted`]). Nothing without counted rows: a timed run has no
/// anatomy to miss.
pub fn plan(rows: &[&Record], p: &mut Plan) {
    if rows.is_empty() {
        return;
    }
    let sandboxed = |r: &&&Record| !is_native(r);
    let with_anatomy: Vec<&Record> = rows
        .iter()
        .filter(sandboxed)
        .filter(|r| !r.anatomy.is_empty())
        .copied()
        .collect();
    if with_anatomy.is_empty() {
        p.skip(
            COUNTED,
            NAME,
            "no counted sandboxed row has an anatomy (rows written before the harness split \
             counts by part, or only the native call counted)",
        );
        return;
    }
    let series = series(&with_anatomy);
    let scenarios: BTreeSet<&str> = with_anatomy.iter().map(|r| r.scenario.as_str()).collect();
    for scenario in &scenarios {
        let base = if scenarios.len() > 1 {
            format!("{NAME}-{}", slug(scenario))
        } else {
            NAME.to_string()
        };
        let mut cells: Vec<&Record> = with_anatomy
            .iter()
            .copied()
            .filter(|r| r.scenario == *scenario)
            .collect();
        cells.sort_by(|a, b| row_order(a, b));
        let mut natives: Vec<&Record> = rows
            .iter()
            .copied()
            .filter(|r| is_native(r) && r.scenario == *scenario && r.counts.is_some())
            .collect();
        natives.sort_by(|a, b| row_order(a, b));
        let without: Vec<&Record> = rows
            .iter()
            .filter(sandboxed)
            .filter(|r| r.scenario == *scenario && r.anatomy.is_empty())
            .copied()
            .collect();
        let missing: Vec<String> = {
            let all: Vec<&Record> = cells.iter().chain(&without).copied().collect();
            let shown = varying(&all);
            without
                .iter()
                .map(|r| format!("`{}`", label(r, &shown)))
                .collect()
        };
        let sets: Vec<(String, String, Vec<&Record>)> = if cells.len() + natives.len() > MAX_BARS {
            runtimes(&cells)
                .into_iter()
                .map(|rt| {
                    let mine = cells.iter().copied().filter(|r| r.runtime == rt).collect();
                    (format!("{base}-{}", slug(&rt)), format!(" on {rt}"), mine)
                })
                .collect()
        } else {
            vec![(base, String::new(), cells)]
        };
        for (name, on, cells) in sets {
            let (kept, apart) = split(cells);
            let mut bars = natives.clone();
            bars.extend(&kept);
            let mut caption = format!(
                "Each counted cell's instructions per call{on}, split by where they were \
                 spent: `guest-code` is what the runtime compiled, `runtime` its own crates, \
                 `host-abi` the ABI's host code, `harness` the timed loop, and `rust-std` and \
                 `libc` are counted apart from whichever of these called them. {}{}",
                if natives.is_empty() {
                    ""
                } else {
                    "The native call is one grey bar: all of it is the work itself. "
                },
                caption_tail(&kept)
            );
            if !apart.is_empty() {
                let shown = varying(&apart);
                let list: Vec<String> = apart
                    .iter()
                    .map(|r| format!("`{}` ({:.0})", label(r, &shown), total(r)))
                    .collect();
                caption.push_str(&format!(
                    " Drawn apart in `{name}-large`, being over {APART}× the median bar, so \
                     that the bars here stay readable on a linear axis: {}.",
                    list.join(", ")
                ));
            }
            if !missing.is_empty() {
                caption.push_str(&format!(
                    " Counted without an anatomy (older rows), not drawn: {}.",
                    missing.join(", ")
                ));
            }
            let title = format!("The anatomy of a call{on} ({scenario}): instructions per call");
            p.add(COUNTED, caption, figure(&name, title, &series, &bars));
            if !apart.is_empty() {
                let title = format!(
                    "The anatomy of a call{on} ({scenario}), the largest cells: instructions \
                     per call"
                );
                let caption = format!(
                    "The cells over {APART}× the median bar of `{name}`, on an axis of their \
                     own; the same parts in the same colours. {}",
                    caption_tail(&apart)
                );
                let large = figure(&format!("{name}-large"), title, &series, &apart);
                p.add(COUNTED, caption, large);
            }
        }
    }
}

fn is_native(r: &Record) -> bool {
    r.runtime == crate::identity::NATIVE
}

/// The parts, in [`PARTS`] order, then any other part the rows name (a
/// part added to the harness after this list): every instruction of a
/// row's anatomy is in its bar. The same list for every figure of a run
/// gives a part the same colour in each.
fn series(rows: &[&Record]) -> Vec<String> {
    let mut s: Vec<String> = PARTS.iter().map(|p| p.to_string()).collect();
    let other: BTreeSet<&String> = rows
        .iter()
        .flat_map(|r| r.anatomy.keys())
        .filter(|k| !PARTS.contains(&k.as_str()))
        .collect();
    s.extend(other.into_iter().cloned());
    s
}

/// A bar's length: a sandboxed row's anatomy summed, a native row's count.
fn total(r: &Record) -> f64 {
    if is_native(r) {
        r.counts.map_or(0.0, |c| c.instructions)
    } else {
        r.anatomy.values().sum()
    }
}

/// The runtimes of `rows`, in the order they are sorted in.
fn runtimes(rows: &[&Record]) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for r in rows {
        if v.last() != Some(&r.runtime) {
            v.push(r.runtime.clone());
        }
    }
    v
}

/// `rows` (in order) split into those that share an axis and those over
/// [`APART`] times the median total.
fn split(rows: Vec<&Record>) -> (Vec<&Record>, Vec<&Record>) {
    let mut totals: Vec<f64> = rows.iter().map(|r| total(r)).collect();
    totals.sort_by(f64::total_cmp);
    let n = totals.len();
    if n == 0 {
        return (rows, Vec::new());
    }
    let median = (totals[(n - 1) / 2] + totals[n / 2]) / 2.0;
    rows.into_iter().partition(|r| total(r) <= APART * median)
}

/// The factors whose values differ among `rows` (a factor only some rows
/// have, with one value, does not): what tells their bars apart.
fn varying(rows: &[&Record]) -> Vec<String> {
    let mut values: BTreeMap<&String, BTreeSet<&String>> = BTreeMap::new();
    for r in rows {
        for (k, v) in &r.factors {
            values.entry(k).or_default().insert(v);
        }
    }
    values
        .into_iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(k, _)| k.clone())
        .collect()
}

/// The factors every row that has them holds at one value, as `name=value`.
fn same(rows: &[&Record]) -> Vec<String> {
    let varying = varying(rows);
    let mut held: BTreeMap<String, String> = BTreeMap::new();
    for r in rows {
        for (k, v) in &r.factors {
            if !varying.contains(k) {
                held.insert(k.clone(), v.clone());
            }
        }
    }
    ordered_factors(held.keys())
        .into_iter()
        .map(|k| format!("{k}={}", held[k]))
        .collect()
}

/// `wasmtime / bytemuck memory=static`: runtime and ABI (`native` for the
/// native call), then the factors in `shown` the row has.
fn label(r: &Record, shown: &[String]) -> String {
    let mut s = if is_native(r) {
        "native".to_string()
    } else {
        format!("{} / {}", r.runtime, r.abi)
    };
    for k in ordered_factors(r.factors.keys()) {
        if shown.iter().any(|x| x == k) {
            s.push_str(&format!(" {k}={}", r.factors[k]));
        }
    }
    s
}

/// The figure of `rows` (natives first, then in runtime order), one
/// group per runtime.
fn figure(name: &str, title: String, series: &[String], rows: &[&Record]) -> Figure {
    let shown = varying(rows);
    let mut series = series.to_vec();
    if rows.iter().any(|r| is_native(r)) {
        series.push(NATIVE_WORK.into());
    }
    let mut groups: Vec<Vec<StackedBar>> = Vec::new();
    let mut last: Option<&str> = None;
    for r in rows {
        let segments = if is_native(r) {
            vec![Segment {
                series: series.len() - 1,
                value: total(r),
            }]
        } else {
            series
                .iter()
                .enumerate()
                .filter_map(|(i, part)| {
                    let value = *r.anatomy.get(part)?;
                    Some(Segment { series: i, value })
                })
                .collect()
        };
        let bar = StackedBar {
            label: label(r, &shown),
            segments,
        };
        if last != Some(r.runtime.as_str()) {
            groups.push(Vec::new());
            last = Some(r.runtime.as_str());
        }
        if let Some(g) = groups.last_mut() {
            g.push(bar);
        }
    }
    let held = same(rows);
    let mut subtitle = String::new();
    if !held.is_empty() {
        subtitle = format!("fixed: {} · ", held.join(", "));
    }
    subtitle.push_str("Callgrind's counts, median replicate");
    Figure {
        name: name.into(),
        title,
        subtitle,
        chart: Chart::Stacked(Stacked {
            value_label: Axis::count("instructions per call (Callgrind)"),
            series,
            groups,
        }),
    }
}
