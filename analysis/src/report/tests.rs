use std::collections::BTreeMap;

use super::*;
use crate::data::Record;
use crate::figures::tests::{is_svg, png_size};
use crate::load::load_all;
use crate::testutil::*;

/// Writes a micro run (two runtimes, release and debug host, one
/// unsupported cell), a sim run and a payload run; returns their folders.
fn runs(tmp: &Path) -> Vec<PathBuf> {
    let mut micro = micro_rows("wasmer-cranelift", paper_like_micro);
    micro.extend(
        micro_rows("wasmtime", |a, m, c| paper_like_micro(a, m, c) / 2.5)
            .into_iter()
            .skip(1),
    );
    let debug = as_debug(&micro, 18.0);
    micro.extend(debug);
    micro.push(unsupported(
        "micro",
        "wasmer-cranelift",
        "wit",
        &micro_factors(&[
            ("caching", "cached"),
            ("call", "typed"),
            ("loading", "preload"),
        ]),
    ));
    let dirs = [tmp.join("micro"), tmp.join("sim"), tmp.join("payload")];
    write_run(&dirs[0], &info("micro"), &micro);
    write_run(
        &dirs[1],
        &info("sim"),
        &sim_rows("wasmtime", paper_like_sim),
    );
    write_run(&dirs[2], &info("payload"), &payload_rows("wasmtime"));
    dirs.to_vec()
}

#[test]
fn a_report_writes_every_figure_as_valid_svg_and_png() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = load_all(&runs(tmp.path())).unwrap();
    let out = tmp.path().join("report");
    let rep = report(&runs, &out, &ReportOptions::default()).unwrap();
    assert_eq!(
        rep.figures,
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
    for name in &rep.figures {
        let svg = std::fs::read_to_string(out.join("figures").join(format!("{name}.svg"))).unwrap();
        assert!(is_svg(&svg), "{name}");
        let label = if name.starts_with("sim-hit") {
            "cache size (log scale)"
        } else if name.starts_with("sim-batch") {
            "time per request (mean, log scale)"
        } else if name.starts_with("sim") {
            "time per request (mean)"
        } else if name.starts_with("payload") {
            "payload size (log scale)"
        } else {
            "time per call (mean"
        };
        assert!(svg.contains(label), "{name} lacks its axis label `{label}`");
        let png = std::fs::read(out.join("figures").join(format!("{name}.png"))).unwrap();
        let (w, h) = png_size(&png).unwrap_or_else(|| panic!("{name}.png is not a PNG"));
        assert!(
            (600..4000).contains(&w) && (300..6000).contains(&h),
            "{name}: {w}×{h}"
        );
    }
    for f in &rep.files {
        assert!(f.exists(), "{}", f.display());
    }
    // Nothing half-written left behind.
    let stray: Vec<String> = std::fs::read_dir(out.join("figures"))
        .unwrap()
        .chain(std::fs::read_dir(&out).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");

    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    // Skipped figures are said, with the reason.
    assert!(
        md.contains("`sim-host-profiles`: one host profile measured (release)"),
        "{md}"
    );
    // The claims table has every claim with a verdict.
    for c in &rep.claims {
        assert!(
            md.contains(&format!("`{}` ({})", c.id, c.source)),
            "{}",
            c.id
        );
    }
    assert!(md.contains("| `pair-fastest-micro` (§4.1) | Pair is the fastest ABI. | Pair fastest (within 5%) in 4 of 4 groups"), "{md}");
    // With how many cells each verdict used: 4 groups of Pair, two
    // Bytemuck and two Bincode cells (release host).
    assert!(
        md.contains("| **confirmed** | none (point estimate) | 20 |"),
        "{md}"
    );
    // claims.json: every claim, with its cells.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("claims.json")).unwrap()).unwrap();
    let listed = json.as_array().unwrap();
    assert_eq!(listed.len(), rep.claims.len());
    for (j, c) in listed.iter().zip(&rep.claims) {
        assert_eq!(j["id"], c.id);
        assert_eq!(j["n"], c.n);
        assert_eq!(j["cells"].as_array().unwrap().len(), c.n, "{}", c.id);
    }
    let pf = &listed[rep
        .claims
        .iter()
        .position(|c| c.id == "pair-fastest-micro")
        .unwrap()];
    assert_eq!(pf["verdict"], "confirmed");
    assert!(
        pf["cells"]
            .as_array()
            .unwrap()
            .iter()
            .all(|id| id.as_str().unwrap().starts_with("micro/")),
        "{pf}"
    );
    let nm = &listed[rep
        .claims
        .iter()
        .position(|c| c.id == "hotload-slower-debug")
        .unwrap()];
    assert_eq!(nm["verdict"], "not-measured");
    assert!(md.contains("unsupported `wasmer-cranelift/wit"), "{md}");

    // The HTML page stands alone: every figure inline, nothing fetched.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), rep.figures.len());
    assert!(!html.contains("src=") && !html.contains("<link") && !html.contains("<?xml"));
    assert!(html.contains("<td>Pair is the fastest ABI.</td>"));
}

/// The rows of the `### Every cell` table under `## {section}`, as
/// column → value maps, plus the factors said once above the table.
fn every_cell_rows(
    md: &str,
    section: &str,
) -> (Vec<BTreeMap<String, String>>, BTreeMap<String, String>) {
    let start = md.find(&format!("## {section}")).expect(section);
    let rest = &md[start..];
    let table = &rest[rest.find("### Every cell").unwrap()..];
    let mut constant = BTreeMap::new();
    let mut lines = table.lines().skip(1).filter(|l| !l.is_empty());
    let mut line = lines.next().unwrap();
    if let Some(list) = line.strip_prefix("Every cell: ") {
        for kv in list.trim_end_matches('.').split(", ") {
            let (k, v) = kv.trim_matches('`').split_once('=').unwrap();
            constant.insert(k.to_string(), v.to_string());
        }
        line = lines.next().unwrap();
    }
    let split = |l: &str| -> Vec<String> {
        l.trim()
            .trim_matches('|')
            .split(" | ")
            .map(|c| c.trim().to_string())
            .collect()
    };
    let header = split(line);
    lines.next(); // alignment row
    let rows = lines
        .take_while(|l| l.starts_with('|'))
        .map(|l| header.iter().cloned().zip(split(l)).collect())
        .collect();
    (rows, constant)
}

/// Whether `printed` is `value` rounded to the digits printed.
fn same(printed: &str, value: f64) -> bool {
    let decimals = printed.split('.').nth(1).map_or(0, str::len);
    let p: f64 = printed.parse().unwrap();
    (p - value).abs() <= 0.5 * 10f64.powi(-(decimals as i32)) + 1e-12
}

fn find<'a>(
    records: &'a [Record],
    row: &BTreeMap<String, String>,
    constant: &BTreeMap<String, String>,
) -> &'a Record {
    let known = [
        "runtime",
        "abi",
        "status",
        "ns/call",
        "95% CI (ns)",
        "× native",
        "object hit ratio",
        "byte hit ratio",
        "runs",
    ];
    let mut factors = constant.clone();
    for (k, v) in row {
        if !known.contains(&k.as_str()) && v != "-" {
            factors.insert(k.clone(), v.clone());
        }
    }
    records
        .iter()
        .find(|r| r.runtime == row["runtime"] && r.abi == row["abi"] && r.factors == factors)
        .unwrap_or_else(|| panic!("no record for {row:?}"))
}

#[test]
fn the_tables_in_report_md_equal_the_jsonl_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = runs(tmp.path());
    let runs = load_all(&dirs).unwrap();
    let out = tmp.path().join("report");
    report(&runs, &out, &ReportOptions::default()).unwrap();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();

    // Read the rows back from the jsonl files themselves.
    let jsonl: Vec<Record> = dirs
        .iter()
        .flat_map(|d| {
            std::fs::read_to_string(d.join("results.jsonl"))
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str::<Record>(l).unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    for section in ["Micro-benchmark", "Cache simulator", "Payload size"] {
        let (rows, constant) = every_cell_rows(&md, section);
        let scenario_rows = jsonl.iter().filter(|r| match section {
            "Micro-benchmark" => r.scenario == "micro",
            "Cache simulator" => r.scenario == "sim",
            _ => r.scenario == "payload",
        });
        assert_eq!(
            rows.len(),
            scenario_rows.count(),
            "{section}: one table row per cell"
        );
        for row in &rows {
            let r = find(&jsonl, row, &constant);
            assert_eq!(row["status"], format!("{:?}", r.status).to_lowercase());
            let Some(ns) = r.ns_per_call else {
                assert_eq!(row["ns/call"], "-");
                continue;
            };
            assert!(same(&row["ns/call"], ns), "{row:?} vs {ns}");
            let (lo, hi) = row["95% CI (ns)"].split_once(" – ").unwrap();
            let per_call = |s: Option<f64>| s.unwrap() / r.calls as f64 * 1e9;
            assert!(
                same(lo, per_call(r.ci95_low_s)) && same(hi, per_call(r.ci95_high_s)),
                "{row:?}"
            );
            if r.runtime == "native" {
                assert_eq!(row["× native"], "-");
            } else {
                // The harness's own definition: mean over the native's mean.
                let native = jsonl
                    .iter()
                    .find(|n| {
                        n.runtime == "native"
                            && n.scenario == r.scenario
                            && n.factors.iter().all(|(k, v)| r.factors.get(k) == Some(v))
                    })
                    .unwrap();
                let ratio = r.mean_s.unwrap() / native.mean_s.unwrap();
                assert!(same(&row["× native"], ratio), "{row:?} vs {ratio}");
            }
            if let Some(h) = r.object_hit_ratio {
                assert!(same(&row["object hit ratio"], h));
            }
        }
    }
}

#[test]
fn the_runs_table_names_folders_from_the_report_not_the_machine() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = runs(tmp.path());
    let runs = load_all(&dirs).unwrap();
    let beside = tmp.path().join("report");
    report(&runs, &beside, &ReportOptions::default()).unwrap();
    let md = std::fs::read_to_string(beside.join("report.md")).unwrap();
    for name in ["micro", "sim", "payload"] {
        assert!(md.contains(&format!("| `../{name}` |")), "{name}: {md}");
    }
    // A report in the folder holding the runs (as `matrix` writes it) names
    // them from there, and names no path of this machine.
    report(&runs, tmp.path(), &ReportOptions::default()).unwrap();
    let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    assert!(md.contains("| `micro` |"), "{md}");
    let machine = tmp.path().canonicalize().unwrap();
    assert!(!md.contains(machine.to_str().unwrap()), "{md}");
    assert_eq!(relative(&dirs[0], &dirs[0]), Path::new("."));
}

#[test]
fn a_missing_font_fails_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = load_all(&runs(tmp.path())).unwrap();
    let out = tmp.path().join("report");
    let opts = ReportOptions {
        font: "/nonexistent/DejaVuSans.ttf".into(),
        ..ReportOptions::default()
    };
    let e = report(&runs, &out, &opts).unwrap_err().to_string();
    assert!(
        e.starts_with("font /nonexistent/DejaVuSans.ttf:") && e.lines().count() == 1,
        "{e}"
    );
    assert!(!out.exists());
    assert!(matches!(
        report(&[], &out, &ReportOptions::default()),
        Err(ReportError::Empty)
    ));
}

#[test]
fn a_counted_run_gets_its_anatomy_figure_in_the_counted_section() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = |ns: f64| [("guest-code", ns), ("runtime", 4.0 * ns), ("harness", 30.0)];
    let rows: Vec<Record> = micro_rows("wasmtime", paper_like_micro)
        .into_iter()
        .map(|r| {
            let ns = r.ns_per_call.unwrap();
            if r.runtime == "native" {
                counted(r, &[("harness", 12.0)])
            } else {
                counted(r, &parts(ns))
            }
        })
        .collect();
    let dir = tmp.path().join("counted");
    write_run(&dir, &info("micro"), &rows);
    let runs = load_all(&[dir]).unwrap();
    let out = tmp.path().join("report");
    let rep = report(&runs, &out, &ReportOptions::default()).unwrap();
    assert_eq!(rep.figures, ["anatomy"]);
    let svg = std::fs::read_to_string(out.join("figures/anatomy.svg")).unwrap();
    assert!(is_svg(&svg) && svg.contains("instructions per call (Callgrind)"));
    let png = std::fs::read(out.join("figures/anatomy.png")).unwrap();
    assert!(png_size(&png).is_some());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let section = md.find("## Counted cells").unwrap();
    let figure = md.find("![The anatomy of a call (micro)").unwrap();
    assert!(section < figure, "{md}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 1);
    assert!(html.contains("id=\"anatomy\""));
}

/// Writes one run of each serving scenario into `tmp`; returns the folders.
fn serving_runs(tmp: &Path) -> Vec<PathBuf> {
    let mib = (1 << 20) as f64;
    let aftermath = vec![
        aftermath_row("bytemuck", Some("static"), "none", 800.0, Some(20480.0)),
        aftermath_row("bytemuck", Some("static"), "1MiB", 1000.0, Some(2.0 * mib)),
        aftermath_row("wit", None, "none", 1600.0, Some(12288.0)),
        aftermath_row("wit", None, "16MiB", 1700.0, Some(32.0 * mib)),
    ];
    let sets = [
        ("serve", serve_rows()),
        ("footprint", footprint_sweep()),
        ("async", async_rows()),
        ("aftermath", aftermath),
    ];
    sets.into_iter()
        .map(|(scenario, rows)| {
            let dir = tmp.join(scenario);
            write_run(&dir, &info(scenario), &rows);
            dir
        })
        .collect()
}

#[test]
fn serving_runs_get_their_sections_tables_and_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = load_all(&serving_runs(tmp.path())).unwrap();
    let out = tmp.path().join("report");
    let rep = report(&runs, &out, &ReportOptions::default()).unwrap();
    assert_eq!(
        rep.figures,
        ["serve-requests", "footprint-held", "footprint-rate"]
    );
    for name in &rep.figures {
        let svg = std::fs::read_to_string(out.join("figures").join(format!("{name}.svg"))).unwrap();
        assert!(is_svg(&svg), "{name}");
        let png = std::fs::read(out.join("figures").join(format!("{name}.png"))).unwrap();
        assert!(png_size(&png).is_some(), "{name}");
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    // Each section: its sentence on the method, its table, its figures
    // before the next section.
    let sections = [
        (
            "Serving: a fresh instance per request",
            "per-request ÷ kept",
            &["serve-requests"][..],
        ),
        (
            "Memory per kept instance",
            "instances/GiB",
            &["footprint-held", "footprint-rate"],
        ),
        ("Asynchronous calls", "async ÷ sync (means)", &[]),
        ("A small call after a large message", "× large=none", &[]),
    ];
    for (title, column, figures) in sections {
        let start = md
            .find(&format!("## {title}"))
            .unwrap_or_else(|| panic!("{title}: {md}"));
        let rest = &md[start + 3..];
        let body = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
        assert!(body.contains("docs/serving.md"), "{title}");
        assert!(body.contains(&format!("| {column} |")), "{title}: {body}");
        for f in figures {
            assert!(
                body.contains(&format!("](figures/{f}.svg)")),
                "{title}: {f}"
            );
        }
        assert!(body.contains("### Every cell"), "{title}");
    }
    assert!(md.contains("**pool-full**: pool full"), "{md}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 3);
}
