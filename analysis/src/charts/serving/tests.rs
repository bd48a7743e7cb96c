use super::*;
use crate::charts::plan_serving;
use crate::data::Record;
use crate::figures::COLOURS;
use crate::figures::tests::{is_svg, png_size};
use crate::testutil::*;

fn cells_of(runs: &[Run]) -> Cells {
    Cells::build(runs)
}

fn run(scenario: &str, records: Vec<Record>) -> Vec<Run> {
    vec![Run {
        dir: "x".into(),
        info: info(scenario),
        records,
    }]
}

#[test]
fn serve_bars_are_requests_per_second_per_lifecycle_and_allocator() {
    let rows = serve_rows();
    let runs = run("serve", rows.clone());
    let p = plan_serving(&runs, &cells_of(&runs));
    assert_eq!(p.figures.len(), 1);
    assert!(p.skipped.is_empty(), "{:?}", p.skipped);
    let f = &p.figures[0];
    assert_eq!(
        (f.scenario.as_str(), f.figure.name.as_str()),
        ("serve", "serve-requests")
    );
    let Chart::Bars(b) = &f.figure.chart else {
        panic!("bars")
    };
    assert_eq!(
        b.series,
        [
            "per-request on-demand",
            "per-request pooling",
            "kept on-demand",
            "kept pooling"
        ]
    );
    assert!(b.log);
    // Runtimes in the usual order (Wasmtime before wasmi), ABIs within.
    let labels: Vec<&str> = b.categories.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "wasmtime/pair",
            "wasmtime/bytemuck",
            "wasmi/pair",
            "wasmi/bytemuck"
        ]
    );
    assert_eq!(b.categories[0].bars.len(), 4);
    assert_eq!(b.categories[2].bars.len(), 2, "wasmi has no pool");
    // Rates per second, the ticks with their SI prefix (25 k).
    assert_eq!(b.value_label.unit, crate::figures::Unit::Count);
    assert!(b.value_label.label.starts_with("requests per second"));
    let kept = rows
        .iter()
        .find(|r| {
            r.runtime == "wasmtime"
                && r.abi == "pair"
                && r.factors["lifecycle"] == "kept"
                && r.factors["allocator"] == "on-demand"
        })
        .unwrap();
    let bar = b.categories[0].bars.iter().find(|x| x.series == 2).unwrap();
    let want = 1.0 / kept.mean_s.unwrap();
    assert!(
        (bar.value - want).abs() < 1e-9 * want,
        "{} vs {want}",
        bar.value
    );
    assert!(bar.low < bar.value && bar.value < bar.high);
}

#[test]
fn serve_without_a_measured_cell_is_skipped_with_the_reason() {
    let rows: Vec<Record> = serve_rows()
        .into_iter()
        .filter(|r| r.status != crate::data::Status::Ok)
        .collect();
    let runs = run("serve", rows);
    let p = plan_serving(&runs, &cells_of(&runs));
    assert!(p.figures.is_empty());
    assert_eq!(p.skipped.len(), 1);
    assert_eq!(p.skipped[0].figure, "serve-requests");
    assert!(p.skipped[0].reason.contains("no serve cell measured"));
    // No serving rows at all: nothing planned, nothing skipped.
    let runs = run("micro", micro_rows("wasmtime", paper_like_micro));
    assert_eq!(plan_serving(&runs, &cells_of(&runs)), Plan::default());
}

#[test]
fn footprint_lines_are_bytes_held_and_instances_per_second_against_instances_kept() {
    let rows = footprint_sweep();
    let runs = run("footprint", rows.clone());
    let p = plan_serving(&runs, &cells_of(&runs));
    let names: Vec<&str> = p.figures.iter().map(|f| f.figure.name.as_str()).collect();
    assert_eq!(names, ["footprint-held", "footprint-rate"]);
    assert!(p.figures.iter().all(|f| f.scenario == "footprint"));
    for f in &p.figures {
        let Chart::Lines(l) = &f.figure.chart else {
            panic!("lines")
        };
        assert_eq!(
            l.series,
            [
                "wasmtime/pair on-demand",
                "wasmtime/pair pooling",
                "wasmi/pair on-demand"
            ]
        );
        assert_eq!(l.x_scale, XScale::Count);
        assert!(l.y_log);
        assert_eq!(l.panels.len(), 1);
        let points: Vec<usize> = l.panels[0].lines.iter().map(|c| c.points.len()).collect();
        // The pool-full and cap cells end their lines a step early.
        assert_eq!(points, [5, 4, 4]);
        let xs: Vec<f64> = l.panels[0].lines[0].points.iter().map(|p| p.x).collect();
        assert_eq!(xs, [1.0, 10.0, 100.0, 1000.0, 10000.0]);
    }
    // Held: bytes, the ticks in KiB or MiB; whiskers the replicates.
    let Chart::Lines(held) = &p.figures[0].figure.chart else {
        unreachable!()
    };
    assert_eq!(held.y_label.unit, crate::figures::Unit::Bytes);
    assert!(held.y_label.label.starts_with("bytes held per instance"));
    let pt = held.panels[0].lines[0].points[3];
    assert!((pt.y - 6003.0).abs() < 1e-9, "{pt:?}");
    assert!((pt.low - 0.99 * pt.y).abs() < 1e-9 && (pt.high - 1.02 * pt.y).abs() < 1e-9);
    assert!(
        p.figures[0]
            .figure
            .subtitle
            .contains("lowest and highest replicate")
    );
    // Rate: 1e9 / ns per instance, per second.
    let Chart::Lines(rate) = &p.figures[1].figure.chart else {
        unreachable!()
    };
    assert_eq!(rate.y_label.unit, crate::figures::Unit::Count);
    let r = rows
        .iter()
        .find(|r| r.runtime == "wasmi" && r.factors["instances"] == "100")
        .unwrap();
    let want = 1e9 / r.ns_per_call.unwrap();
    let pt = rate.panels[0].lines[2].points[2];
    assert_eq!(pt.x, 100.0);
    assert!((pt.y - want).abs() < 1e-9 * want, "{} vs {want}", pt.y);
}

#[test]
fn footprint_figures_are_skipped_with_a_reason() {
    // Every cell failed.
    let rows: Vec<Record> = footprint_sweep()
        .into_iter()
        .filter(|r| r.status != crate::data::Status::Ok)
        .collect();
    let runs = run("footprint", rows);
    let p = plan_serving(&runs, &cells_of(&runs));
    assert!(p.figures.is_empty());
    let skipped: Vec<&str> = p.skipped.iter().map(|s| s.figure.as_str()).collect();
    assert_eq!(skipped, ["footprint-held", "footprint-rate"]);
    assert!(p.skipped[0].reason.contains("no footprint cell measured"));
    // One instance count only: no line.
    let rows: Vec<Record> = footprint_sweep()
        .into_iter()
        .filter(|r| r.factors["instances"] == "1000")
        .collect();
    let runs = run("footprint", rows);
    let p = plan_serving(&runs, &cells_of(&runs));
    assert!(p.figures.is_empty());
    assert_eq!(p.skipped.len(), 2);
    assert!(
        p.skipped[0].reason.contains("(1000)"),
        "{}",
        p.skipped[0].reason
    );
}

#[test]
fn more_lines_than_colours_split_into_panels() {
    let key = |rt: &str, abi: &str, a: &str| Key {
        runtime: rt.into(),
        abi: abi.into(),
        allocator: a.into(),
    };
    let runtimes = ["wasmtime", "wasmtime-winch", "wasmtime-pulley"];
    let abis = ["pair", "bytemuck", "wit"];
    let mut keys = Vec::new();
    for rt in runtimes {
        for abi in abis {
            for a in ["on-demand", "pooling"] {
                keys.push(key(rt, abi, a));
            }
        }
    }
    // 18 lines: per ABI, 6 series in 3 panels.
    let l = Layout::of(&keys);
    assert_eq!(l.titles, abis);
    assert_eq!(l.series.len(), 6);
    assert!(l.series.len() <= COLOURS);
    // Few lines: one panel.
    let l = Layout::of(&keys[..4]);
    assert_eq!(l.titles, [""]);
    assert_eq!(l.series.len(), 4);
}

#[test]
fn the_footprint_figure_renders() {
    let runs = run("footprint", footprint_sweep());
    let p = plan_serving(&runs, &cells_of(&runs));
    let tmp = tempfile::tempdir().unwrap();
    for f in &p.figures {
        let svg = f.figure.write(tmp.path()).unwrap();
        assert!(is_svg(&svg), "{}", f.figure.name);
        assert!(svg.contains("instances kept alive at once"), "{svg}");
        assert!(svg.contains("wasmtime/pair pooling"), "the legend");
        let png = std::fs::read(tmp.path().join(format!("{}.png", f.figure.name))).unwrap();
        assert!(png_size(&png).is_some());
    }
}
