//! Synthetic runs for the tests: rows built from the data types and
//! summarised exactly as the harness does, written to temporary folders.

use std::collections::BTreeMap;
use std::path::Path;

use crate::data::{Fingerprint, Record, RunInfo, RunOptions, Status, StatusCounts};
use crate::stats::Summary;

/// Calls per replicate of every synthetic row.
pub const CALLS: u64 = 1000;

/// An ok row whose 10 replicates average `ns` per call (±0.45% spread,
/// symmetric, so the mean is `ns` exactly up to rounding).
pub fn row(scenario: &str, runtime: &str, abi: &str, factors: &[(&str, &str)], ns: f64) -> Record {
    let per_rep = ns * CALLS as f64 * 1e-9;
    let replicates: Vec<f64> = (0..10)
        .map(|i| per_rep * (1.0 + (i as f64 - 4.5) * 0.001))
        .collect();
    row_with(scenario, runtime, abi, factors, replicates)
}

/// An ok row with these replicate times (seconds per `CALLS` calls).
pub fn row_with(
    scenario: &str,
    runtime: &str,
    abi: &str,
    factors: &[(&str, &str)],
    replicates: Vec<f64>,
) -> Record {
    let s = Summary::of(&replicates).expect("two or more replicates");
    let mut r = Record {
        scenario: scenario.into(),
        runtime: runtime.into(),
        abi: abi.into(),
        factors: factors
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        status: Status::Ok,
        error: None,
        error_class: None,
        calls: CALLS,
        reps: replicates.len() as u32,
        mean_s: Some(s.mean),
        sd_s: Some(s.sd),
        ci95_low_s: Some(s.ci95_low),
        ci95_high_s: Some(s.ci95_high),
        median_s: Some(s.median),
        min_s: Some(s.min),
        max_s: Some(s.max),
        p99_s: Some(s.p99),
        ns_per_call: Some(s.mean / CALLS as f64 * 1e9),
        ratio_to_native: None,
        replicate_s: replicates,
        warmup_reps: 1,
        compile_s: None,
        instantiate_s: None,
        run_index: 0,
        hits: None,
        byte_hits: None,
        object_hit_ratio: None,
        byte_hit_ratio: None,
        cell: String::new(),
        outliers: Some(s.outliers as u32),
        others_cpu: None,
        load_avg: None,
        stop: Some("fixed".into()),
        guest: None,
        guest_sha256: None,
        counts: None,
        replicate_instructions: Vec::new(),
        anatomy: Default::default(),
        footprint: None,
        retained_b: None,
    };
    r.cell = crate::identity::derive(&r);
    r
}

/// A row that ran and failed with `class` (`pool-full`, `cap`, `trap`)
/// and `message`: no statistics.
pub fn failed(
    scenario: &str,
    runtime: &str,
    abi: &str,
    factors: &[(&str, &str)],
    class: &str,
    message: &str,
) -> Record {
    let mut r = unsupported(scenario, runtime, abi, factors);
    r.status = Status::Error;
    r.error_class = Some(class.into());
    r.error = Some(message.into());
    r
}

/// An ok row of one call per replicate (the serve and async scenarios):
/// 100 replicates, 98 within ±0.5% of `ns` and the two slowest at 3×
/// (so the median is about `ns` and the p99 exactly `3 × ns`).
pub fn one_call(
    scenario: &str,
    runtime: &str,
    abi: &str,
    factors: &[(&str, &str)],
    ns: f64,
) -> Record {
    let s = ns * 1e-9;
    let replicates: Vec<f64> = (0..100)
        .map(|i| {
            if i >= 98 {
                3.0 * s
            } else {
                s * (1.0 + (i as f64 - 48.5) * 1e-4)
            }
        })
        .collect();
    let mut r = row_with(scenario, runtime, abi, factors, replicates);
    r.calls = 1;
    r.ns_per_call = r.mean_s.map(|m| m * 1e9);
    r
}

/// An ok footprint row: `instances` kept, each made and served in
/// `ns_per_instance` (three replicates, ±1%), holding `held_b` bytes of
/// which `linear_b` in linear memory (replicates: 0.99×, 1×, 1.02×).
pub fn footprint_row(
    runtime: &str,
    abi: &str,
    allocator: &str,
    instances: u64,
    ns_per_instance: f64,
    held_b: f64,
    linear_b: Option<f64>,
) -> Record {
    let n = instances.to_string();
    let f = [
        ("host-profile", "release"),
        ("allocator", allocator),
        ("instances", n.as_str()),
    ];
    let s = ns_per_instance * 1e-9 * instances as f64;
    let mut r = row_with("footprint", runtime, abi, &f, vec![s * 0.99, s, s * 1.01]);
    r.calls = instances;
    r.ns_per_call = r.mean_s.map(|m| m / instances as f64 * 1e9);
    r.footprint = Some(crate::data::Footprint {
        instances,
        held_b,
        heap_b: held_b - linear_b.unwrap_or(0.0),
        linear_b,
        resident_b: held_b * 1.5,
        address_space_b: if linear_b.is_some() {
            4.0 * (1u64 << 30) as f64
        } else {
            0.0
        },
        returned: 0.95,
        replicate_held_b: vec![held_b * 0.99, held_b, held_b * 1.02],
    });
    r
}

/// A serve row of `runtime` and `abi`, one request of `ns` per replicate.
pub fn serve(runtime: &str, abi: &str, lifecycle: &str, allocator: &str, ns: f64) -> Record {
    one_call(
        "serve",
        runtime,
        abi,
        &[
            ("host-profile", "release"),
            ("lifecycle", lifecycle),
            ("allocator", allocator),
        ],
        ns,
    )
}

/// A serve run: Wasmtime with both allocators, wasmi on-demand only (its pooling
/// cells unsupported), Pair and Bytemuck.
pub fn serve_rows() -> Vec<Record> {
    let mut rows = Vec::new();
    for abi in ["pair", "bytemuck"] {
        for (rt, pooling) in [("wasmtime", true), ("wasmi", false)] {
            for (l, ns) in [("per-request", 40_000.0), ("kept", 60.0)] {
                rows.push(serve(rt, abi, l, "on-demand", ns));
                if pooling {
                    rows.push(serve(rt, abi, l, "pooling", ns / 2.0));
                } else {
                    rows.push(unsupported(
                        "serve",
                        rt,
                        abi,
                        &[
                            ("host-profile", "release"),
                            ("lifecycle", l),
                            ("allocator", "pooling"),
                        ],
                    ));
                }
            }
        }
    }
    rows
}

/// A footprint run: Wasmtime Pair on-demand 1..10,000 and pooling 1..1,000 (10,000 is
/// pool-full), wasmi Pair on-demand 1..1,000 (10,000 reached the cap).
pub fn footprint_sweep() -> Vec<Record> {
    let mut rows = Vec::new();
    let f = |alloc: &'static str, n: &'static str| {
        vec![
            ("host-profile", "release"),
            ("allocator", alloc),
            ("instances", n),
        ]
    };
    for (i, n) in [1u64, 10, 100, 1000, 10000].into_iter().enumerate() {
        let slower = 1.0 + i as f64 * 0.1;
        rows.push(footprint_row(
            "wasmtime",
            "pair",
            "on-demand",
            n,
            15_000.0 * slower,
            6000.0 + i as f64,
            Some(0.0),
        ));
        if n < 10000 {
            rows.push(footprint_row(
                "wasmtime", "pair", "pooling", n, 6_000.0, 6100.0, None,
            ));
            rows.push(footprint_row(
                "wasmi",
                "pair",
                "on-demand",
                n,
                66_000.0,
                1_125_000.0,
                None,
            ));
        }
    }
    rows.push(failed(
        "footprint",
        "wasmtime",
        "pair",
        &f("pooling", "10000"),
        "pool-full",
        "pool full",
    ));
    rows.push(failed(
        "footprint",
        "wasmi",
        "pair",
        &f("on-demand", "10000"),
        "cap",
        "stopped at 5750 instances",
    ));
    rows
}

/// An async run on Wasmtime: the core module with concurrency off, the
/// component with it on, `call_async` 2.5× `call`; wasmi unsupported.
pub fn async_rows() -> Vec<Record> {
    let f = |module, invoke, concurrency| {
        vec![
            ("host-profile", "release"),
            ("module", module),
            ("invoke", invoke),
            ("concurrency", concurrency),
        ]
    };
    vec![
        one_call("async", "wasmtime", "pair", &f("core", "sync", "off"), 40.0),
        one_call(
            "async",
            "wasmtime",
            "pair",
            &f("core", "async", "off"),
            100.0,
        ),
        one_call(
            "async",
            "wasmtime",
            "wit",
            &f("component", "sync", "on"),
            200.0,
        ),
        one_call(
            "async",
            "wasmtime",
            "wit",
            &f("component", "async", "on"),
            500.0,
        ),
        unsupported("async", "wasmi", "pair", &f("core", "sync", "off")),
    ]
}

/// An aftermath row: `large` sent first, then small calls of `ns`, with
/// `memory` as the ABI's own factor when given and `retained` bytes kept.
pub fn aftermath_row(
    abi: &str,
    memory: Option<&str>,
    large: &str,
    ns: f64,
    retained: Option<f64>,
) -> Record {
    let mut f = vec![("host-profile", "release"), ("large", large)];
    if let Some(m) = memory {
        f.push(("memory", m));
    }
    let mut r = row("aftermath", "wasmtime", abi, &f, ns);
    r.retained_b = retained;
    r
}

/// A row that could not run.
pub fn unsupported(scenario: &str, runtime: &str, abi: &str, factors: &[(&str, &str)]) -> Record {
    let mut r = row(scenario, runtime, abi, factors, 1.0);
    r.status = Status::Unsupported;
    r.error = Some(format!("{runtime} cannot host {abi}"));
    for f in [
        &mut r.mean_s,
        &mut r.sd_s,
        &mut r.ci95_low_s,
        &mut r.ci95_high_s,
        &mut r.median_s,
        &mut r.min_s,
        &mut r.max_s,
        &mut r.p99_s,
        &mut r.ns_per_call,
    ] {
        *f = None;
    }
    r.replicate_s.clear();
    r
}

/// `r` as a counted row (`--measure callgrind`): no time, `anatomy` as its
/// parts and their sum as its instructions per call.
pub fn counted(mut r: Record, anatomy: &[(&str, f64)]) -> Record {
    for f in [
        &mut r.mean_s,
        &mut r.sd_s,
        &mut r.ci95_low_s,
        &mut r.ci95_high_s,
        &mut r.median_s,
        &mut r.min_s,
        &mut r.max_s,
        &mut r.p99_s,
        &mut r.ns_per_call,
    ] {
        *f = None;
    }
    r.replicate_s.clear();
    r.anatomy = anatomy.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    // Three replicates, the last 2.5 instructions per call over the others.
    let total: f64 = anatomy.iter().map(|(_, v)| v).sum();
    let n = (total * r.calls as f64) as u64;
    r.replicate_instructions = vec![n, n, n + r.calls * 5 / 2];
    r.counts = Some(crate::data::CountsPerCall {
        instructions: anatomy.iter().map(|(_, v)| v).sum(),
        data_reads: 0.0,
        data_writes: 0.0,
        l1_misses: 0.0,
        ll_misses: 0.0,
        branch_misses: 0.0,
    });
    r
}

/// The environment of a synthetic run.
pub fn info(scenario: &str) -> RunInfo {
    RunInfo {
        tool: "abilab harness 0.1.0".into(),
        command: vec!["harness".into(), "matrix".into()],
        started: "2025-01-01T00:00:00Z".into(),
        finished: Some("2025-01-01T00:01:00Z".into()),
        options: RunOptions {
            scenario: scenario.into(),
            runtimes: vec!["wasmer-cranelift".into()],
            abis: vec!["pair".into()],
            calls: CALLS,
            reps: 10,
            warmup_s: 0.0,
            trace: serde_json::Value::Null,
            cache_sizes: vec![],
            sweep: vec![],
            ablations: vec![],
            order: "shuffled".into(),
            seed: 1,
            shard: None,
            only: vec![],
            cell_timeout_s: None,
            memory_limit_bytes: None,
            guests: vec![],
            protocol: None,
            precision: None,
            cell_budget_s: None,
            held: vec![],
            measure: None,
        },
        host_profiles: vec!["release".into()],
        children: vec![],
        cells: 0,
        status_counts: None,
        fingerprint: Fingerprint {
            git_commit: "abc123".into(),
            git_dirty: false,
            git_diff_hash: String::new(),
            rustc: "rustc 1.95.0".into(),
            cargo_profile: "release".into(),
            opt_level: "3".into(),
            host_profile: "release".into(),
            crate_versions: BTreeMap::from([("wasmer".into(), "7.4.2".into())]),
            features: vec!["wasmer-cranelift".into()],
            cpu_model: "Test CPU".into(),
            cores: 2,
            cpu_governor: None,
            os: "Linux".into(),
            memory_bytes: None,
            env: BTreeMap::new(),
        },
        merge: None,
        status: None,
        resumed: Vec::new(),
    }
}

/// Writes `results.jsonl` and `run.json` into `dir` (created), numbering
/// the rows in order and counting their statuses.
pub fn write_run(dir: &Path, info: &RunInfo, rows: &[Record]) {
    std::fs::create_dir_all(dir).unwrap();
    let mut info = info.clone();
    info.cells = rows.len();
    let count = |s: Status| rows.iter().filter(|r| r.status == s).count();
    info.status_counts = Some(StatusCounts {
        ok: count(Status::Ok),
        error: count(Status::Error),
        unsupported: count(Status::Unsupported),
    });
    std::fs::write(dir.join("run.json"), info.to_json()).unwrap();
    let mut text = String::new();
    for (i, r) in rows.iter().enumerate() {
        let mut r = r.clone();
        r.run_index = i;
        text.push_str(&serde_json::to_string(&r).unwrap());
        text.push('\n');
    }
    std::fs::write(dir.join("results.jsonl"), text).unwrap();
}

/// The shared factors of a micro cell in the paper's main configuration
/// (release host, `i32`), plus `extra`.
pub fn micro_factors<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![("host-profile", "release"), ("operand", "i32")];
    f.extend_from_slice(extra);
    f
}

/// A small micro run on one runtime: native, Pair (cached and uncached),
/// Bytemuck and Bincode static and dynamic, cached and uncached, typed
/// preloaded calls, with `ns(abi, memory, caching)` per call.
pub fn micro_rows(runtime: &str, ns: impl Fn(&str, &str, &str) -> f64) -> Vec<Record> {
    let mut rows = vec![row(
        "micro",
        "native",
        "native",
        &micro_factors(&[]),
        ns("native", "", ""),
    )];
    for caching in ["cached", "uncached"] {
        let link = [
            ("caching", caching),
            ("call", "typed"),
            ("loading", "preload"),
        ];
        let mut f = micro_factors(&link);
        if caching == "cached" {
            f.push(("handles", "owned"));
        }
        rows.push(row("micro", runtime, "pair", &f, ns("pair", "", caching)));
        for abi in ["bytemuck", "bincode"] {
            for memory in ["static", "dynamic"] {
                let mut f = micro_factors(&link);
                f.push(("memory", memory));
                rows.push(row("micro", runtime, abi, &f, ns(abi, memory, caching)));
            }
        }
    }
    rows
}

/// The paper's micro ordering, roughly as measured on Wasmer Cranelift.
pub fn paper_like_micro(abi: &str, memory: &str, caching: &str) -> f64 {
    let base = match (abi, memory) {
        ("native", _) => return 0.56,
        ("pair", _) => 38.0,
        ("bytemuck", "static") => 43.0,
        ("bincode", "static") => 42.0,
        ("bytemuck", _) => 80.0,
        _ => 82.0,
    };
    if caching == "uncached" {
        base * 1.1
    } else {
        base
    }
}

/// Native simulator cost per request of each policy, ns.
pub fn native_sim_ns(policy: &str) -> f64 {
    match policy {
        "fifo" => 25.0,
        "lru" => 28.0,
        "lfu" => 38.0,
        _ => 87.0,
    }
}

/// A sim run on `runtime`: native cells over a sweep of three sizes (with
/// hit ratios rising to a plateau), and at 4MiB Pair, Bytemuck and Bincode
/// (static and dynamic) cached and uncached, each `slowdown(abi, memory,
/// caching)` times native; on wasmtime also WIT with batch 1 and 256.
pub fn sim_rows(runtime: &str, slowdown: impl Fn(&str, &str, &str) -> f64) -> Vec<Record> {
    let mut rows = Vec::new();
    let sizes = [
        ("1MiB", 0.1),
        ("4MiB", 0.2),
        ("16MiB", 0.4),
        ("64MiB", 0.6),
        ("256MiB", 0.601),
    ];
    for (k, policy) in ["fifo", "lru", "lfu", "gds"].into_iter().enumerate() {
        let native = native_sim_ns(policy);
        for (size, hit) in sizes {
            let hit = hit * (1.0 + 0.15 * k as f64);
            let f = [
                ("host-profile", "release"),
                ("policy", policy),
                ("cache-size", size),
            ];
            let mut r = row("sim", "native", "native", &f, native);
            r.hits = Some((hit * CALLS as f64) as u64);
            r.object_hit_ratio = Some(hit);
            r.byte_hit_ratio = Some(hit * 0.8);
            rows.push(r);
        }
        let base = [
            ("host-profile", "release"),
            ("policy", policy),
            ("cache-size", "4MiB"),
        ];
        for caching in ["cached", "uncached"] {
            let mut f = base.to_vec();
            f.push(("caching", caching));
            rows.push(row(
                "sim",
                runtime,
                "pair",
                &f,
                native * slowdown("pair", "", caching),
            ));
            for abi in ["bytemuck", "bincode"] {
                for memory in ["static", "dynamic"] {
                    let mut f = f.clone();
                    f.push(("memory", memory));
                    rows.push(row(
                        "sim",
                        runtime,
                        abi,
                        &f,
                        native * slowdown(abi, memory, caching),
                    ));
                }
            }
            if runtime == "wasmtime" {
                for batch in ["1", "256"] {
                    let mut f = base.to_vec();
                    f.extend([
                        ("caching", caching),
                        ("batch", batch),
                        ("concurrency", "off"),
                    ]);
                    let s =
                        if batch == "1" { 7.0 } else { 2.7 } * slowdown("pair", "", caching) / 6.0;
                    rows.push(row("sim", runtime, "wit", &f, native * s));
                }
            }
        }
    }
    rows
}

/// Slowdowns in the paper's 5-10× range (uncached 1.2× dearer).
pub fn paper_like_sim(abi: &str, memory: &str, caching: &str) -> f64 {
    let s = match (abi, memory) {
        ("pair", _) => 6.0,
        ("bytemuck", "static") => 7.0,
        ("bincode", "static") => 7.1,
        _ => 8.5,
    };
    if caching == "uncached" { s * 1.1 } else { s }
}

/// Payload cells on `runtime`: strings and lists sent in at four sizes
/// through Bytemuck and Bincode (static), cost `fixed + per_byte × size`
/// (lists twice as dear per byte), the native baseline, and a fixed-size
/// record (no sweep).
pub fn payload_rows(runtime: &str) -> Vec<Record> {
    let mut rows = Vec::new();
    for (shape, scale) in [("string", 1.0), ("list", 2.0)] {
        for size in ["16B", "256B", "4KiB", "64KiB"] {
            let bytes = crate::units::parse_size(size).unwrap() as f64;
            let f = [
                ("host-profile", "release"),
                ("shape", shape),
                ("direction", "in"),
                ("size", size),
            ];
            rows.push(row(
                "payload",
                "native",
                "native",
                &f,
                1.0 + 0.01 * scale * bytes,
            ));
            for (abi, fixed, per_byte) in [("bytemuck", 40.0, 0.05), ("bincode", 45.0, 0.2)] {
                let mut f = f.to_vec();
                f.push(("memory", "static"));
                rows.push(row(
                    "payload",
                    runtime,
                    abi,
                    &f,
                    fixed + per_byte * scale * bytes,
                ));
            }
        }
    }
    let f = [
        ("host-profile", "release"),
        ("shape", "record"),
        ("direction", "in"),
        ("size", "fixed"),
    ];
    rows.push(row("payload", "native", "native", &f, 2.0));
    rows.push(row(
        "payload",
        runtime,
        "bytemuck",
        &[f.as_slice(), &[("memory", "static")]].concat(),
        41.0,
    ));
    rows
}

/// The same cells as a debug host, `factor` times slower.
pub fn as_debug(rows: &[Record], factor: f64) -> Vec<Record> {
    rows.iter()
        .filter(|r| r.status == Status::Ok)
        .map(|r| {
            let factors: Vec<(&str, &str)> = r
                .factors
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str(),
                        if k == "host-profile" {
                            "debug"
                        } else {
                            v.as_str()
                        },
                    )
                })
                .collect();
            row(
                &r.scenario,
                &r.runtime,
                &r.abi,
                &factors,
                r.ns_per_call.unwrap() * factor,
            )
        })
        .collect()
}
