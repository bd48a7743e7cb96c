//! The threads scenario's figure: how calls scale across threads.

use super::{Plan, measured, point, subtitle};
use crate::cells::{Cell, Cells};
use crate::figures::{Axis, Chart, Curve, Figure, Lines, Panel, Point, XScale};
use crate::select::{ABIS, RUNTIMES, hold, sorted};

/// `threads-scaling`: ns per call across the process (its inverse is
/// calls per second) against the thread count, one panel per workload,
/// one line per runtime and native.
pub fn scaling(cells: &Cells, p: &mut Plan) {
    let name = "threads-scaling";
    let all = measured(cells, "threads");
    if all.is_empty() {
        return;
    }
    if Cells::values(all.iter().copied(), "threads").len() < 2 {
        p.skip("threads", name, "no cells vary the threads factor");
        return;
    }
    let (mut all, mut held) = hold(all, &["host-profile", "handles", "memory"]);
    // One ABI's lines (the first in the usual order), and native.
    let abis = sorted(all.iter().map(|c| c.abi.clone()).collect(), ABIS);
    if let Some(abi) = abis.iter().find(|a| *a != "native") {
        all.retain(|c| c.is_native() || &c.abi == abi);
        held.push(format!("abi={abi}"));
    }
    let runtimes = sorted(all.iter().map(|c| c.runtime.clone()).collect(), RUNTIMES);
    let workloads = Cells::values(all.iter().copied(), "workload");
    let curve = |series: usize, cells: Vec<&Cell>| {
        let mut points: Vec<Point> = cells
            .into_iter()
            .filter_map(|c| point(c.factor("threads")?.parse().ok()?, c))
            .collect();
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        Curve {
            series,
            points,
            fit: None,
        }
    };
    let panels = workloads
        .iter()
        .map(|w| Panel {
            title: format!("workload {w}"),
            lines: runtimes
                .iter()
                .enumerate()
                .map(|(i, rt)| {
                    let mine = all
                        .iter()
                        .copied()
                        .filter(|c| &c.runtime == rt && c.factor("workload") == Some(w.as_str()))
                        .collect();
                    curve(i, mine)
                })
                .filter(|c| !c.points.is_empty())
                .collect(),
        })
        .collect();
    let figure = Figure {
        name: name.into(),
        title: "Threads: time per call across the process against threads".into(),
        subtitle: subtitle(&held),
        chart: Chart::Lines(Lines {
            x_label: "threads, each with its own instance (log scale)".into(),
            x_scale: XScale::Count,
            y_label: Axis::time("time per call over all threads (mean, log scale)"),
            y_log: true,
            y_range: None,
            series: runtimes,
            panels,
        }),
    };
    p.add(
        "threads",
        "Wall time per call with every thread calling at once: a line that halves from 1 to 2 \
         threads scales perfectly; past the machine's cores (run.json) a flat line is the \
         best there is, and a rising one is contention."
            .into(),
        figure,
    );
}
