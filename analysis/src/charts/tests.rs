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
