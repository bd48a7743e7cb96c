use super::*;
use crate::figures::Chart;
use crate::load::Run;
use crate::testutil::*;

fn run(records: Vec<crate::data::Record>) -> Run {
    Run {
        dir: "x".into(),
        info: info("micro"),
        records,
    }
}

fn names(p: &Plan) -> Vec<&str> {
    p.figures.iter().map(|f| f.figure.name.as_str()).collect()
}

#[test]
fn a_full_set_gets_every_figure() {
    let mut micro = micro_rows("wasmer-cranelift", paper_like_micro);
    micro.extend(
        micro_rows("wasmtime", |a, m, c| paper_like_micro(a, m, c) / 2.0)
            .into_iter()
            .skip(1),
    );
    let debug = as_debug(&micro, 18.0);
    let sim = sim_rows("wasmtime", paper_like_sim);
    let cells = Cells::build(&[
        run(micro),
        run(debug),
        run(sim),
        run(payload_rows("wasmtime")),
    ]);
    let p = plan(&cells);
    assert_eq!(
        names(&p),
        [
            "micro-wasmer-cranelift-linear",
            "micro-wasmer-cranelift-log",
            "micro-wasmtime-linear",
            "micro-wasmtime-log",
            "micro-runtimes",
            "micro-host-profiles",
            "sim-wasmtime-4mib",
            "sim-hit-ratios",
            "sim-batch",
            "payload-wasmtime",
        ]
    );
    let skipped: Vec<&str> = p.skipped.iter().map(|s| s.figure.as_str()).collect();
    assert_eq!(skipped, ["sim-host-profiles", "payload-host-profiles"]);

    // The micro figure: native first, then ABI × memory, cached and uncached.
    let Chart::Bars(b) = &p.figures[0].figure.chart else {
        panic!()
    };
    assert_eq!(b.series, ["cached", "uncached", "native"]);
    let labels: Vec<&str> = b.categories.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "native",
            "pair",
            "bytemuck static",
            "bytemuck dynamic",
            "bincode static",
            "bincode dynamic"
        ]
    );
    assert_eq!(b.categories[1].bars.len(), 2);
    assert!((b.categories[1].bars[0].value - 38.0).abs() < 1e-9);
    assert!((b.categories[1].bars[1].value - 41.8).abs() < 1e-9);
    assert!(
        p.figures[0]
            .figure
            .subtitle
            .contains("host-profile=release")
    );

    // Figure 9: native and 14 configurations, four policies each.
    let Chart::Bars(b) = &p.figures[6].figure.chart else {
        panic!()
    };
    assert_eq!(b.series, ["fifo", "lru", "lfu", "gds"]);
    assert_eq!(b.categories[0].label, "native");
    assert_eq!(b.categories.len(), 1 + 10 + 4);
    assert!(b.categories.iter().all(|c| c.bars.len() == 4));

    // Figure 8: five sizes per policy in both panels.
    let Chart::Lines(l) = &p.figures[7].figure.chart else {
        panic!()
    };
    assert_eq!(l.panels.len(), 2);
    assert!(
        l.panels
            .iter()
            .all(|p| p.lines.iter().all(|c| c.points.len() == 5))
    );

    // Batching: one panel per runtime, the policy held, native in each.
    let batch = &p.figures[8].figure;
    let Chart::Lines(l) = &batch.chart else {
        panic!()
    };
    let titles: Vec<&str> = l.panels.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, ["wasmtime"]);
    assert!(batch.subtitle.contains("policy=fifo"), "{}", batch.subtitle);
    assert_eq!(l.series.last().map(String::as_str), Some("native"));
    assert!(l.series.iter().all(|s| !s.contains("wasmtime")));

    // Payload: fitted lines recover the cost model.
    let fits = payload_fits(&cells);
    let bm = fits
        .iter()
        .find(|f| f.abi == "bytemuck static" && f.work == "list, in")
        .unwrap();
    assert!(
        (bm.line.intercept - 40.0).abs() < 1e-6 && (bm.line.slope - 0.1).abs() < 1e-9,
        "{bm:?}"
    );
    assert_eq!(
        fits.len(),
        2 * 3,
        "two panels × (native, bytemuck, bincode)"
    );
    let payload = p.figures.last().unwrap();
    let Chart::Lines(l) = &payload.figure.chart else {
        panic!()
    };
    let titles: Vec<&str> = l.panels.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, ["string, in", "list, in"]);
    assert_eq!(l.series, ["native", "bytemuck static", "bincode static"]);
}

#[test]
fn figures_without_data_are_skipped_with_a_reason() {
    let cells = Cells::build(&[run(micro_rows("wasmtime", paper_like_micro))]);
    let p = plan(&cells);
    assert_eq!(names(&p), ["micro-wasmtime-linear", "micro-wasmtime-log"]);
    let reasons: Vec<String> = p
        .skipped
        .iter()
        .map(|s| format!("{}: {}", s.figure, s.reason))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("micro-runtimes: 1 runtime(s)")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("micro-host-profiles: one host profile")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("sim-<runtime>-<size>: no measured")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.starts_with("sim-hit-ratios")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.starts_with("payload-<runtime>")),
        "{reasons:?}"
    );
}

#[test]
fn threads_get_one_panel_per_workload_and_a_line_per_runtime() {
    let mut rows = Vec::new();
    for workload in ["micro", "sim"] {
        for (t, ns) in [("1", 40.0), ("2", 20.0), ("4", 21.0)] {
            for (runtime, abi, k) in [("native", "native", 0.1), ("wasmtime", "pair", 1.0)] {
                let f = [("workload", workload), ("threads", t)];
                rows.push(row("threads", runtime, abi, &f, ns * k));
            }
        }
    }
    let p = plan(&Cells::build(&[run(rows)]));
    assert_eq!(names(&p), ["threads-scaling"]);
    let Chart::Lines(l) = &p.figures[0].figure.chart else {
        panic!()
    };
    assert_eq!(l.series, ["native", "wasmtime"]);
    let titles: Vec<&str> = l.panels.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, ["workload micro", "workload sim"]);
    let xs: Vec<f64> = l.panels[0].lines[1].points.iter().map(|p| p.x).collect();
    assert_eq!(xs, [1.0, 2.0, 4.0]);
    // Without threads cells there is nothing to say about the figure.
    let p = plan(&Cells::build(&[run(micro_rows(
        "wasmtime",
        paper_like_micro,
    ))]));
    assert!(p.skipped.iter().all(|s| s.figure != "threads-scaling"));
}

/// Counted rows as in `results/reference/callgrind-anatomy`: native, pair
/// on two runtimes, bytemuck static and dynamic on one (one with a part
/// the list does not know), each with its anatomy; an unsupported cell
/// and a timed row beside them.
fn counted_rows() -> Vec<crate::data::Record> {
    let link = [("caching", "cached"), ("call", "typed")];
    let f = |extra: &[(&'static str, &'static str)]| {
        let mut f = micro_factors(&link);
        f.extend_from_slice(extra);
        f
    };
    let c = |runtime, abi, factors: &[(&str, &str)], parts: &[(&str, f64)]| {
        counted(row("micro", runtime, abi, factors, 1.0), parts)
    };
    vec![
        c(
            "native",
            "native",
            &micro_factors(&[]),
            &[("harness", 12.0)],
        ),
        c(
            "wasmtime",
            "bytemuck",
            &f(&[("memory", "dynamic")]),
            &[("guest-code", 269.0), ("runtime", 330.0), ("harness", 72.0)],
        ),
        c(
            "wasmtime",
            "pair",
            &f(&[]),
            &[("guest-code", 40.0), ("runtime", 165.0), ("harness", 28.0)],
        ),
        c(
            "wasmtime",
            "bytemuck",
            &f(&[("memory", "static")]),
            &[("guest-code", 59.0), ("runtime", 165.0), ("jit-stubs", 3.0)],
        ),
        c(
            "wasmer-cranelift",
            "pair",
            &f(&[]),
            &[
                ("guest-code", 24.0),
                ("runtime", 425.0),
                ("rust-std", 145.0),
            ],
        ),
        unsupported("micro", "wasmer-cranelift", "wit", &f(&[])),
        row("micro", "wasmtime", "pair", &f(&[]), 20.0),
    ]
}

fn stacked(p: &Planned) -> &crate::figures::Stacked {
    let Chart::Stacked(s) = &p.figure.chart else {
        panic!("{} is not stacked", p.figure.name)
    };
    s
}

#[test]
fn the_anatomy_gets_one_bar_per_counted_cell_summing_to_its_anatomy() {
    let rows = counted_rows();
    let p = plan_counted(&[run(rows.clone())]);
    assert_eq!(names(&p), ["anatomy"]);
    assert!(p.skipped.is_empty(), "{:?}", p.skipped);
    let f = &p.figures[0];
    assert_eq!(f.scenario, COUNTED);
    let s = stacked(f);
    let mut series: Vec<&str> = crate::counted::PARTS.to_vec();
    series.extend(["jit-stubs", crate::figures::NATIVE_WORK]);
    assert_eq!(s.series, series);
    // Grouped by runtime, natives first, then the usual runtime order.
    let labels: Vec<Vec<&str>> = s
        .groups
        .iter()
        .map(|g| g.iter().map(|b| b.label.as_str()).collect())
        .collect();
    assert_eq!(
        labels,
        [
            vec!["native"],
            vec!["wasmer-cranelift / pair"],
            vec![
                "wasmtime / pair",
                "wasmtime / bytemuck memory=static",
                "wasmtime / bytemuck memory=dynamic"
            ],
        ]
    );
    // Every counted ok cell is one bar, whose parts are its anatomy.
    let bars: Vec<_> = s.groups.iter().flatten().collect();
    let counted: Vec<_> = rows.iter().filter(|r| r.counts.is_some()).collect();
    assert_eq!(
        bars.len(),
        counted.len(),
        "neither timed nor unsupported rows"
    );
    for r in &counted {
        let bar = bars
            .iter()
            .find(|b| {
                b.label.starts_with(&format!("{} / {}", r.runtime, r.abi))
                    && r.factors.get("memory").is_none_or(|m| b.label.ends_with(m))
                    || (r.runtime == "native" && b.label == "native")
            })
            .unwrap_or_else(|| panic!("no bar for {}", r.cell));
        let sum: f64 = r.anatomy.values().sum();
        assert!((bar.total() - sum).abs() < 1e-9, "{}: {sum}", bar.label);
        for seg in &bar.segments {
            let part = &s.series[seg.series];
            if r.runtime == "native" {
                assert_eq!(part, crate::figures::NATIVE_WORK);
            } else {
                assert_eq!(r.anatomy.get(part), Some(&seg.value), "{part}");
            }
        }
    }
    assert!(
        f.figure.subtitle.contains("caching=cached, call=typed")
            && f.figure.subtitle.contains("median replicate"),
        "{}",
        f.figure.subtitle
    );
    assert!(
        f.caption.contains("Callgrind")
            && f.caption
                .contains("differ by at most 2.5 instructions per call"),
        "{}",
        f.caption
    );
    assert!(!f.caption.contains("Drawn apart"));
    let svg = f.figure.svg().unwrap();
    assert!(svg.contains("wasmtime / bytemuck memory=static"));
}

#[test]
fn a_cell_that_dwarfs_the_rest_is_drawn_apart() {
    let mut rows = counted_rows();
    let f = micro_factors(&[("caching", "cached"), ("call", "typed")]);
    let parts = [("runtime", 12767.0), ("rust-std", 8892.0), ("libc", 1086.0)];
    rows.push(counted(row("micro", "wasmtime", "extism", &f, 1.0), &parts));
    let p = plan_counted(&[run(rows)]);
    assert_eq!(names(&p), ["anatomy", "anatomy-large"]);
    let main = stacked(&p.figures[0]);
    assert_eq!(main.groups.iter().flatten().count(), 5);
    assert!(
        p.figures[0]
            .caption
            .contains("`anatomy-large`, being over 8× the median bar")
            && p.figures[0].caption.contains("`wasmtime / extism` (22745)"),
        "{}",
        p.figures[0].caption
    );
    let large = stacked(&p.figures[1]);
    let labels: Vec<&str> = large
        .groups
        .iter()
        .flatten()
        .map(|b| b.label.as_str())
        .collect();
    assert_eq!(labels, ["wasmtime / extism"]);
    assert!(
        !large
            .series
            .iter()
            .any(|s| s == crate::figures::NATIVE_WORK),
        "no native bar, no native legend"
    );
    assert_eq!(large.series[..7], main.series[..7], "same colours");
}

#[test]
fn many_counted_cells_get_one_anatomy_figure_per_runtime() {
    let mut rows = vec![counted(
        row("micro", "native", "native", &micro_factors(&[]), 1.0),
        &[("harness", 12.0)],
    )];
    let sizes: Vec<String> = (0..21).map(|i| (1u64 << i).to_string()).collect();
    for runtime in ["wasmtime", "wasmer-cranelift"] {
        for size in &sizes {
            let f = micro_factors(&[("size", size.as_str())]);
            let parts = [("guest-code", 100.0), ("runtime", 300.0)];
            rows.push(counted(row("micro", runtime, "pair", &f, 1.0), &parts));
        }
    }
    let p = plan_counted(&[run(rows)]);
    assert_eq!(names(&p), ["anatomy-wasmer-cranelift", "anatomy-wasmtime"]);
    for f in &p.figures {
        let s = stacked(f);
        assert_eq!(s.groups.len(), 2, "native, then the runtime");
        assert_eq!(s.groups[0][0].label, "native");
        assert_eq!(s.groups[1].len(), 21);
        assert!(s.groups[1][0].label.ends_with("size=1"));
    }
}

#[test]
fn the_anatomy_is_skipped_with_a_reason_when_no_row_has_one() {
    let rows: Vec<_> = counted_rows()
        .into_iter()
        .map(|mut r| {
            r.anatomy.clear();
            r
        })
        .collect();
    let p = plan_counted(&[run(rows)]);
    assert!(p.figures.is_empty());
    assert_eq!(p.skipped.len(), 1);
    assert_eq!(
        (p.skipped[0].scenario.as_str(), p.skipped[0].figure.as_str()),
        (COUNTED, "anatomy")
    );
    assert!(
        p.skipped[0]
            .reason
            .contains("no counted sandboxed row has an anatomy")
    );
    // A timed run has no anatomy to miss.
    let timed = plan_counted(&[run(micro_rows("wasmtime", paper_like_micro))]);
    assert_eq!(timed, Plan::default());
}

/// Every figure the full set, the serving rows and the counted rows get.
fn every_figure() -> Vec<Planned> {
    let mut micro = micro_rows("wasmer-cranelift", paper_like_micro);
    micro.extend(micro_rows("wasmtime", paper_like_micro).into_iter().skip(1));
    let debug = as_debug(&micro, 18.0);
    let runs = [
        run(micro),
        run(debug),
        run(sim_rows("wasmtime", paper_like_sim)),
        run(payload_rows("wasmtime")),
    ];
    let mut all = plan(&Cells::build(&runs)).figures;
    for rows in [serve_rows(), footprint_sweep()] {
        let runs = [run(rows)];
        all.extend(plan_serving(&runs, &Cells::build(&runs)).figures);
    }
    let mut threads = Vec::new();
    for (t, ns) in [("1", 40.0), ("2", 20.0), ("4", 21.0)] {
        for (runtime, abi, k) in [("native", "native", 0.1), ("wasmtime", "pair", 1.0)] {
            let f = [("workload", "micro"), ("threads", t)];
            threads.push(row("threads", runtime, abi, &f, ns * k));
        }
    }
    all.extend(plan(&Cells::build(&[run(threads)])).figures);
    all.extend(plan_counted(&[run(counted_rows())]).figures);
    all
}

#[test]
fn every_figure_gives_each_series_its_own_look_and_each_axis_a_unit() {
    use crate::figures::{Unit, style};
    let all = every_figure();
    assert!(all.len() >= 15, "{}", all.len());
    for p in &all {
        let f = &p.figure;
        let (series, unit, label) = match &f.chart {
            Chart::Bars(b) => (&b.series, b.value_label.unit, &b.value_label.label),
            Chart::Lines(l) => (&l.series, l.y_label.unit, &l.y_label.label),
            Chart::Stacked(s) => (&s.series, s.value_label.unit, &s.value_label.label),
        };
        let st = style::styles(series);
        for (i, a) in st.iter().enumerate() {
            for b in &st[..i] {
                assert!(
                    (a.colour, a.marker) != (b.colour, b.marker),
                    "{}: two series look alike",
                    f.name
                );
            }
        }
        // Times, bytes and counts carry their unit on the ticks, not as
        // `ns` in the label; only ratios are plain numbers.
        let want = if label.starts_with("time per") {
            Unit::Nanos
        } else if label.starts_with("bytes") {
            Unit::Bytes
        } else if label.contains("per second") || label.starts_with("instructions") {
            Unit::Count
        } else {
            assert!(label.contains("ratio"), "{}: `{label}`", f.name);
            Unit::Plain
        };
        assert_eq!(unit, want, "{}: `{label}`", f.name);
        assert!(
            !label.starts_with("ns ") && !label.contains("k/s"),
            "{label}"
        );
        let svg = f.svg().unwrap();
        if unit == Unit::Nanos {
            assert!(svg.contains(" ns\n") || svg.contains(" µs\n"), "{}", f.name);
        }
    }
}

#[test]
fn the_payload_figure_draws_relative_fits_that_stay_positive() {
    let cells = Cells::build(&[run(payload_rows("wasmtime"))]);
    let p = plan(&cells);
    let f = &p
        .figures
        .iter()
        .find(|f| f.figure.name == "payload-wasmtime")
        .unwrap()
        .figure;
    assert!(f.subtitle.contains("relative error"), "{}", f.subtitle);
    let Chart::Lines(l) = &f.chart else { panic!() };
    for c in l.panels.iter().flat_map(|p| &p.lines) {
        let fit = c.fit.unwrap();
        assert_eq!(fit.weighting, crate::fit::Weighting::Relative);
        assert!(fit.intercept > 0.0, "{fit:?}");
        assert!(c.points.iter().all(|pt| fit.at(pt.x) > 0.0));
    }
}
