use super::*;
use crate::report::{Block, Table, doc::markdown};
use crate::testutil::*;
use crate::units::{bytes, si, time, times};

fn runs(scenario: &str, records: Vec<Record>) -> Vec<Run> {
    vec![Run {
        dir: "x".into(),
        info: info(scenario),
        records,
    }]
}

/// The section of `scenario` over `runs`, and its first table.
fn built(scenario: &str, runs: &[Run]) -> (Vec<Block>, Table) {
    let cells = Cells::build(runs);
    let b = section(scenario, runs, &cells);
    let t = b
        .iter()
        .find_map(|b| match b {
            Block::Table(t) => Some(t.clone()),
            _ => None,
        })
        .expect("a table");
    (b, t)
}

/// The table's row whose first cells are `key`.
fn row_of<'t>(t: &'t Table, key: &[&str]) -> &'t [String] {
    t.rows
        .iter()
        .find(|r| r.iter().zip(key).all(|(a, b)| a == b))
        .unwrap_or_else(|| panic!("no row {key:?} in {:?}", t.rows))
}

/// The value in column `name` of `row`.
fn col<'r>(t: &Table, row: &'r [String], name: &str) -> &'r str {
    let i = t
        .header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", t.header));
    &row[i]
}

fn serve(runtime: &str, lifecycle: &str, allocator: &str, ns: f64) -> Record {
    let mut r = crate::testutil::serve(runtime, "pair", lifecycle, allocator, ns);
    r.factors.insert("handles".into(), "owned".into());
    r.cell = crate::identity::derive(&r);
    r
}

#[test]
fn serve_gives_requests_per_second_from_the_mean_and_the_lifecycle_ratio() {
    let rows = vec![
        serve("wasmtime", "per-request", "on-demand", 50_000.0),
        serve("wasmtime", "kept", "on-demand", 50.0),
        serve("wasmtime", "per-request", "pooling", 20_000.0),
        serve("wasmtime", "kept", "pooling", 40.0),
        serve("wasmi", "per-request", "on-demand", 100_000.0),
        serve("wasmi", "kept", "on-demand", 80.0),
        unsupported(
            "serve",
            "wasmi",
            "pair",
            &[("lifecycle", "per-request"), ("allocator", "pooling")],
        ),
        unsupported(
            "serve",
            "wasmi",
            "pair",
            &[("lifecycle", "kept"), ("allocator", "pooling")],
        ),
    ];
    let fresh = rows[0].clone();
    let kept = rows[1].clone();
    let (b, t) = built("serve", &runs("serve", rows));
    // Wasmtime's two allocators and wasmi's on-demand: its pooling cells
    // could not run and have no line.
    assert_eq!(t.rows.len(), 3, "{:?}", t.rows);
    assert!(t.rows.iter().all(|r| r[0] != "wasmi" || r[2] != "pooling"));
    let r = row_of(&t, &["wasmtime", "pair", "on-demand"]);
    let rps = 1.0 / fresh.mean_s.unwrap();
    assert_eq!(col(&t, r, "per-request req/s"), si(rps));
    assert!(si(rps).ends_with(" k"), "about 19 k/s: {}", si(rps));
    assert_eq!(col(&t, r, "kept req/s"), si(1.0 / kept.mean_s.unwrap()));
    assert_eq!(
        col(&t, r, "per-request p50"),
        time(fresh.median_s.unwrap() * 1e9)
    );
    assert_eq!(col(&t, r, "per-request p99"), "150 µs");
    assert_eq!(col(&t, r, "kept p99"), "150 ns");
    assert_eq!(
        col(&t, r, "per-request ÷ kept"),
        times(fresh.mean_s.unwrap() / kept.mean_s.unwrap())
    );
    assert_eq!(col(&t, r, "per-request ÷ kept"), "1000×");
    let md = markdown(&b);
    assert!(md.contains("docs/serving.md"), "{md}");
    assert!(
        md.contains("`handles=owned`"),
        "held factors said once: {md}"
    );
    assert!(
        md.contains("2 cells: wasmi cannot host pair"),
        "unsupported cells grouped by reason: {md}"
    );
}

#[test]
fn footprint_lists_memory_per_instance_and_where_instances_stopped_fitting() {
    let rows = vec![
        footprint_row(
            "wasmtime",
            "pair",
            "on-demand",
            1,
            150_000.0,
            2448.0,
            Some(0.0),
        ),
        footprint_row(
            "wasmtime",
            "pair",
            "on-demand",
            1000,
            15_000.0,
            6344.0,
            Some(4096.0),
        ),
        footprint_row("wasmtime", "pair", "pooling", 1000, 6_000.0, 6184.0, None),
        failed(
            "footprint",
            "wasmtime",
            "pair",
            &[
                ("host-profile", "release"),
                ("allocator", "pooling"),
                ("instances", "10000"),
            ],
            "pool-full",
            "pool full: maximum concurrent limit of 1000 for core instances reached",
        ),
        footprint_row(
            "wasmi",
            "pair",
            "on-demand",
            10,
            66_000.0,
            1_125_032.0,
            None,
        ),
        failed(
            "footprint",
            "wasmi",
            "pair",
            &[
                ("host-profile", "release"),
                ("allocator", "on-demand"),
                ("instances", "10000"),
            ],
            "cap",
            "stopped at 5750 instances: they added 6175 MiB resident, past the cap",
        ),
        unsupported(
            "footprint",
            "wasmi",
            "pair",
            &[
                ("host-profile", "release"),
                ("allocator", "pooling"),
                ("instances", "10"),
            ],
        ),
    ];
    let (b, t) = built("footprint", &runs("footprint", rows));
    assert_eq!(t.rows.len(), 6, "the unsupported cell has no line");
    let r = row_of(&t, &["wasmtime", "pair", "on-demand", "1000"]);
    assert_eq!(col(&t, r, "held/inst"), "6.20 KiB");
    assert_eq!(col(&t, r, "heap/inst"), bytes(6344.0 - 4096.0));
    assert_eq!(col(&t, r, "linear/inst"), "4.00 KiB");
    // 2^30 / 6344 = 169,253.
    assert_eq!(col(&t, r, "instances/GiB"), "169 k");
    assert_eq!(col(&t, r, "instances/GiB"), si(1073741824.0 / 6344.0));
    // Replicates 0.99× to 1.02× of held.
    assert_eq!(col(&t, r, "replicate spread"), "3.0%");
    assert_eq!(col(&t, r, "returned"), "95.0%");
    // 1e9 / 15 µs per instance.
    assert_eq!(col(&t, r, "made+served/s"), "66.7 k");
    let wasmi = row_of(&t, &["wasmi", "pair", "on-demand", "10"]);
    assert_eq!(col(&t, wasmi, "linear/inst"), "-");
    assert_eq!(col(&t, wasmi, "instances/GiB"), "954");
    let full = row_of(&t, &["wasmtime", "pair", "pooling", "10000"]);
    assert_eq!(col(&t, full, "status"), "pool-full");
    assert_eq!(col(&t, full, "held/inst"), "-");
    let cap = row_of(&t, &["wasmi", "pair", "on-demand", "10000"]);
    assert_eq!(col(&t, cap, "status"), "cap");
    let md = markdown(&b);
    let limits = md
        .split("Where instances stopped fitting")
        .nth(1)
        .expect("the limits are listed");
    assert!(
        limits.contains(
            "`wasmtime/pair allocator=pooling instances=10000`: **pool-full**: pool full: \
             maximum concurrent limit of 1000"
        ),
        "{md}"
    );
    assert!(
        limits.contains("**cap**: stopped at 5750 instances"),
        "{md}"
    );
    assert!(
        !md.contains("Cells that failed"),
        "limits are not failures: {md}"
    );
    assert!(md.contains("2^30 / held"), "{md}");
}

#[test]
fn async_divides_the_means_of_the_two_calls() {
    let rows = async_rows();
    let sync = rows[0].clone();
    let (_, t) = built("async", &runs("async", rows));
    assert_eq!(t.rows.len(), 2);
    let r = row_of(&t, &["wasmtime", "core", "off"]);
    assert_eq!(col(&t, r, "sync p50"), time(sync.median_s.unwrap() * 1e9));
    assert_eq!(col(&t, r, "sync p99"), "120 ns");
    assert_eq!(col(&t, r, "async p99"), "300 ns");
    assert_eq!(col(&t, r, "async ÷ sync (means)"), "2.50×");
    let r = row_of(&t, &["wasmtime", "component", "on"]);
    assert_eq!(col(&t, r, "async p99"), "1.50 µs");
}

#[test]
fn aftermath_compares_with_the_none_row_of_the_same_cell() {
    let am = aftermath_row;
    let mib = (1 << 20) as f64;
    let rows = vec![
        am(
            "bytemuck",
            Some("static"),
            "16MiB",
            1000.0,
            Some(16.0 * mib),
        ),
        am("bytemuck", Some("static"), "none", 800.0, Some(20480.0)),
        am("bytemuck", Some("dynamic"), "none", 1200.0, Some(20480.0)),
        am(
            "bytemuck",
            Some("dynamic"),
            "1MiB",
            1800.0,
            Some(-2.5 * mib),
        ),
        am("bincode", Some("static"), "none", 1000.0, Some(0.0)),
        am("bincode", Some("static"), "1MiB", 1500.0, Some(2.0 * mib)),
        am("wit", None, "none", 1600.0, Some(12288.0)),
        failed(
            "aftermath",
            "wasmtime",
            "bincode",
            &[
                ("host-profile", "release"),
                ("large", "16MiB"),
                ("memory", "static"),
            ],
            "trap",
            "guest trapped: wasm `unreachable`",
        ),
    ];
    let (b, t) = built("aftermath", &runs("aftermath", rows));
    // Ordered by runtime, ABI, own factors, then none first.
    let order: Vec<(String, String, String)> = t
        .rows
        .iter()
        .map(|r| (r[1].clone(), r[2].clone(), r[3].clone()))
        .collect();
    assert_eq!(
        order[..3],
        [
            ("bytemuck".into(), "memory=static".into(), "none".into()),
            ("bytemuck".into(), "memory=static".into(), "16MiB".into()),
            ("bytemuck".into(), "memory=dynamic".into(), "none".into()),
        ]
    );
    let r = row_of(&t, &["wasmtime", "bytemuck", "memory=dynamic", "1MiB"]);
    // 1800 / 1200 (dynamic's none), not / 800 (static's) or bincode's.
    assert_eq!(col(&t, r, "× large=none"), "1.50×");
    assert_eq!(col(&t, r, "small call"), "1.80 µs");
    assert_eq!(col(&t, r, "retained"), "-2.50 MiB");
    let r = row_of(&t, &["wasmtime", "bytemuck", "memory=static", "16MiB"]);
    assert_eq!(col(&t, r, "× large=none"), "1.25×");
    assert_eq!(col(&t, r, "retained"), "16.0 MiB");
    let r = row_of(&t, &["wasmtime", "bincode", "memory=static", "1MiB"]);
    assert_eq!(col(&t, r, "× large=none"), "1.50×");
    let r = row_of(&t, &["wasmtime", "bytemuck", "memory=static", "none"]);
    assert_eq!(col(&t, r, "× large=none"), "1.00×");
    assert_eq!(col(&t, r, "retained"), "20.0 KiB");
    let r = row_of(&t, &["wasmtime", "wit", "-", "none"]);
    assert_eq!(col(&t, r, "small call"), "1.60 µs");
    let trap = row_of(&t, &["wasmtime", "bincode", "memory=static", "16MiB"]);
    assert_eq!(col(&t, trap, "small call"), "trap");
    let md = markdown(&b);
    assert!(md.contains("**trap**: guest trapped"), "{md}");
    assert!(md.contains("A negative `retained`"), "{md}");
}

#[test]
fn a_cell_in_several_runs_takes_its_tails_over_every_replicate() {
    let a = serve("wasmtime", "kept", "on-demand", 50.0);
    let b = serve("wasmtime", "kept", "on-demand", 70.0);
    let both = vec![
        Run {
            dir: "a".into(),
            info: info("serve"),
            records: vec![a],
        },
        Run {
            dir: "b".into(),
            info: info("serve"),
            records: vec![b],
        },
    ];
    let g = groups(&both, "serve");
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].rows.len(), 2);
    let (p50, p99) = g[0].tail_ns().unwrap();
    // 200 replicates: 196 near 50 or 70 ns, four at 3×.
    assert!(
        (50.0..70.0).contains(&p50) || (p50 - 70.0).abs() < 0.5,
        "{p50}"
    );
    assert!(
        (p99 - 150.0).abs() < 1e-6 || (p99 - 210.0).abs() < 1e-6,
        "{p99}"
    );
    let cells = Cells::build(&both);
    let mean = g[0].estimate(&cells).unwrap().mean;
    let one = |r: &Record| r.mean_s.unwrap() * 1e9;
    assert!(
        (mean - (one(both[0].records.first().unwrap()) + one(&both[1].records[0])) / 2.0).abs()
            < 1e-6
    );
}

#[test]
fn held_factors_are_said_once_and_varying_ones_per_row() {
    let rows = [
        row(
            "x",
            "wasmtime",
            "pair",
            &[("handles", "owned"), ("large", "none")],
            1.0,
        ),
        row(
            "x",
            "wasmtime",
            "bytemuck",
            &[("memory", "static"), ("large", "1MiB")],
            1.0,
        ),
        row(
            "x",
            "wasmtime",
            "bytemuck",
            &[("memory", "dynamic"), ("large", "1MiB")],
            1.0,
        ),
    ];
    let shown = Shown::of(rows.iter().map(|r| &r.factors));
    assert_eq!(shown.held, [("handles".to_string(), "owned".to_string())]);
    assert_eq!(
        shown.abi("bytemuck", &rows[2].factors, &["large"]),
        "bytemuck memory=dynamic"
    );
    assert_eq!(shown.abi("pair", &rows[0].factors, &["large"]), "pair");
    assert_eq!(median(vec![3.0, 1.0, 2.0, 10.0]), Some(2.5));
    assert_eq!(median(vec![]), None);
}
