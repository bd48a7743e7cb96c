//! The micro-benchmark's figures (also the host-profile figure of every
//! scenario): horizontal bars of ns per call.

use super::{Plan, abi_label, bar, measured, slug, subtitle};
use crate::cells::{Cell, Cells};
use crate::figures::{Axis, Bars, Category, Chart, Figure};
use crate::select::{ABIS, RUNTIMES, hold, sorted};

/// Factors every micro figure holds (the ones it does not show).
const HELD: &[&str] = &[
    "host-profile",
    "operand",
    "call",
    "loading",
    "handles",
    "args",
    "concurrency",
    "limits",
];

/// Groups `cells` into categories by `key` (in the cells' order), each bar
/// in the series `series_of` names.
fn categories(
    cells: &[&Cell],
    key: impl Fn(&Cell) -> String,
    series: &[String],
    series_of: impl Fn(&Cell) -> String,
) -> Vec<Category> {
    let mut out: Vec<Category> = Vec::new();
    for c in cells {
        let Some(s) = series.iter().position(|s| *s == series_of(c)) else {
            continue;
        };
        let Some(b) = bar(s, c) else { continue };
        let label = key(c);
        match out.iter_mut().find(|cat| cat.label == label) {
            Some(cat) => cat.bars.push(b),
            None => out.push(Category {
                label,
                bars: vec![b],
            }),
        }
    }
    for cat in &mut out {
        cat.bars.sort_by_key(|b| b.series);
    }
    out
}

fn runtimes_of(cells: &[&Cell]) -> Vec<String> {
    sorted(
        cells
            .iter()
            .filter(|c| !c.is_native())
            .map(|c| c.runtime.clone())
            .collect(),
        RUNTIMES,
    )
}

/// `micro-<runtime>-linear` and `-log`: every ABI × memory, cached and
/// uncached, with the native multiply.
pub fn per_runtime(cells: &Cells, p: &mut Plan) {
    let all = measured(cells, "micro");
    if !all.iter().any(|c| !c.is_native()) {
        p.skip(
            "micro",
            "micro-<runtime>",
            "no measured sandboxed micro cells",
        );
        return;
    }
    let (kept, held) = hold(all, HELD);
    for rt in runtimes_of(&kept) {
        let cs: Vec<&Cell> = kept
            .iter()
            .copied()
            .filter(|c| c.is_native() || c.runtime == rt)
            .collect();
        let mut series = sorted(
            Cells::values(cs.iter().copied().filter(|c| !c.is_native()), "caching"),
            &["cached", "uncached"],
        );
        series.push("native".into());
        let series_of = |c: &Cell| {
            if c.is_native() {
                "native".to_string()
            } else {
                c.factor("caching").unwrap_or("-").to_string()
            }
        };
        let cats = categories(&cs, abi_label, &series, series_of);
        for log in [false, true] {
            let scale = if log { "log" } else { "linear" };
            let figure = Figure {
                name: format!("micro-{}-{scale}", slug(&rt)),
                title: format!("Micro-benchmark on {rt}: time per call by ABI ({scale} scale)"),
                subtitle: subtitle(&held),
                chart: Chart::Bars(Bars {
                    value_label: Axis::time(format!("time per call (mean; {scale} axis)")),
                    log,
                    series: series.clone(),
                    categories: cats.clone(),
                }),
            };
            let caption = format!(
                "One multiply call into {rt} per ABI and memory mode, with export handles \
                 resolved once (cached) or looked up on every call (uncached); the native \
                 bar is the same multiply called directly.{}",
                if log {
                    " Log axis: the native call and the dearest cells on one scale."
                } else {
                    ""
                }
            );
            p.add("micro", caption, figure);
        }
    }
}

/// `micro-runtimes`: the cached cells of every runtime side by side.
pub fn runtimes(cells: &Cells, p: &mut Plan) {
    let all = measured(cells, "micro");
    let mut held_factors = HELD.to_vec();
    held_factors.insert(2, "caching");
    let (kept, held) = hold(all, &held_factors);
    let rts = runtimes_of(&kept);
    if rts.len() < 2 {
        p.skip(
            "micro",
            "micro-runtimes",
            format!(
                "{} runtime(s) measured; the comparison needs two",
                rts.len()
            ),
        );
        return;
    }
    let mut series = rts.clone();
    series.push("native".into());
    let series_of = |c: &Cell| {
        if c.is_native() {
            "native".to_string()
        } else {
            c.runtime.clone()
        }
    };
    let mut cs = kept.clone();
    cs.sort_by(|a, b| {
        crate::select::by(ABIS, &a.abi, &b.abi).then_with(|| crate::select::cell_order(a, b))
    });
    let cats = categories(&cs, abi_label, &series, series_of);
    let figure = Figure {
        name: "micro-runtimes".into(),
        title: "Micro-benchmark: runtimes side by side, time per call".into(),
        subtitle: subtitle(&held),
        chart: Chart::Bars(Bars {
            value_label: Axis::time("time per call (mean)"),
            log: false,
            series,
            categories: cats,
        }),
    };
    p.add(
        "micro",
        "The same cached multiply through each ABI on every runtime measured, one colour \
         per runtime."
            .into(),
        figure,
    );
}

/// `<scenario>-host-profiles`: release against debug host, every cell the
/// figure's held factors leave, on a log axis (debug is an order of
/// magnitude slower).
pub fn host_profiles(cells: &Cells, scenario: &str, p: &mut Plan) {
    let name = format!("{scenario}-host-profiles");
    let all = measured(cells, scenario);
    if all.is_empty() {
        if cells.scenarios().iter().any(|s| s == scenario) {
            p.skip(scenario, &name, "no measured cells");
        }
        return;
    }
    let profiles = sorted(
        Cells::values(all.iter().copied(), "host-profile"),
        &["release", "debug", "dev"],
    );
    if profiles.len() < 2 {
        p.skip(
            scenario,
            &name,
            format!(
                "one host profile measured ({}); run with --host-profile release,debug",
                profiles.join("")
            ),
        );
        return;
    }
    let mut factors: Vec<String> = Vec::new();
    for c in &all {
        for f in c.factors.keys() {
            if f != "host-profile" && f != "memory" && !factors.contains(f) {
                factors.push(f.clone());
            }
        }
    }
    let order = crate::identity::ordered_factors(factors.iter());
    let (kept, held) = hold(all, &order);
    let key = |c: &Cell| {
        if c.is_native() {
            "native".to_string()
        } else {
            format!("{} {}", c.runtime, abi_label(c))
        }
    };
    let series_of = |c: &Cell| c.factor("host-profile").unwrap_or("-").to_string();
    let figure = Figure {
        name,
        title: format!("{scenario}: release against debug host, time per call"),
        subtitle: subtitle(&held),
        chart: Chart::Bars(Bars {
            value_label: Axis::time("time per call (mean; log axis)"),
            log: true,
            series: profiles.clone(),
            categories: categories(&kept, key, &profiles, series_of),
        }),
    };
    p.add(
        scenario,
        "Each cell built as a release host and as a debug host (the whole host at \
         opt-level 0, the paper's Debug); the guests are release-built in both. Log axis."
            .into(),
        figure,
    );
}
