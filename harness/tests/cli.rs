//! The real `harness` binary, driven as a user would.

use std::path::Path;

use abi_api::FactorSet;
use assert_cmd::Command;
use factor::Workload;
use harness::abis::AbiId;
use harness::scenario::micro::{Loading, MicroLink};
use micro::Operand;
use runtimes::RuntimeId;
use serde_json::Value;

mod common;
use common::{harness, rows};

#[test]
fn quick_matrix_writes_three_consistent_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let assert = harness()
        .args([
            "matrix",
            "--quick",
            "--all-factors",
            "--quiet",
            // Two runtimes, one compiled and one interpreted: every cell
            // compiles its guest, and all seven took 10 minutes of CI; the
            // differential suite runs every runtime.
            "--runtime",
            "wasmtime,wasmi",
            "--abi",
            "all",
            // Hotload compiles the guest in every replicate (LLVM: ~0.4 s
            // each); the other tests cover it on one runtime.
            "--only",
            "loading=preload",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(stdout.contains("ns/call"), "no table on stdout:\n{stdout}");

    let rows = rows(&out);
    // The paper's Table 1 on every runtime, plus our call style: per
    // runtime and ABI, every link (caching × call × loading) × operand ×
    // the ABI's own factors that apply; plus one native cell per operand.
    let micro_cells = |abi: AbiId| -> usize {
        MicroLink::combinations(Workload::Micro)
            .iter()
            .filter(|l| l.loading == Loading::Preload && l.lang.has_guest(abi.id()))
            .map(|l| Operand::ALL.len() * abi.choices(Workload::Micro, l.caching).len())
            .sum()
    };
    let built = AbiId::built();
    let per_runtime: usize = built.iter().map(|&a| micro_cells(a)).sum();
    let ran = [RuntimeId::Wasmtime, RuntimeId::Wasmi];
    assert_eq!(rows.len(), Operand::ALL.len() + ran.len() * per_runtime);
    let mut cells: Vec<&str> = rows.iter().map(|r| r["cell"].as_str().unwrap()).collect();
    cells.sort();
    cells.dedup();
    assert_eq!(cells.len(), rows.len(), "a cell ran twice");
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(info["options"]["held"], serde_json::json!(null));
    assert_eq!(info["options"]["protocol"], "adaptive");
    // Every measured row says why it stopped, and the exports carry it.
    for r in rows.iter().filter(|r| r["status"] == "ok") {
        let stop = r["stop"].as_str().unwrap();
        assert!(["precision", "budget", "max-reps"].contains(&stop), "{r}");
    }
    let bencher: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("bencher.json")).unwrap()).unwrap();
    let ok = rows.iter().filter(|r| r["status"] == "ok").count();
    assert_eq!(bencher.as_object().unwrap().len(), ok);
    for &abi in &built {
        let n = rows.iter().filter(|r| r["abi"] == abi.id()).count();
        assert_eq!(n, ran.len() * micro_cells(abi), "{abi}");
    }
    for r in &rows {
        let runtime = r["runtime"].as_str().unwrap();
        let compiled = runtime == "native"
            || runtime
                .parse::<runtimes::RuntimeId>()
                .unwrap()
                .compiled_in();
        let components = runtime != "native"
            && runtime
                .parse::<runtimes::RuntimeId>()
                .unwrap()
                .hosts_components();
        // Extism runs in Wasmtime rows only, typed calls only.
        if r["abi"] == "extism" && (runtime != "wasmtime" || r["factors"]["call"] != "typed") {
            assert_eq!(r["status"], "unsupported", "{r}");
            continue;
        }
        if r["abi"] == "wit" && !components && runtime != "native" {
            assert_eq!(r["status"], "unsupported", "{r}");
            assert!(
                r["error"]
                    .as_str()
                    .unwrap()
                    .contains("cannot host components")
            );
            continue;
        }
        if !compiled {
            assert_eq!(r["status"], "unsupported", "{r}");
            let reason = r["error"].as_str().unwrap();
            assert!(reason.contains("not compiled into this binary"), "{reason}");
            assert!(
                reason.contains(&format!("--features {runtime}")),
                "{reason}"
            );
            continue;
        }
        assert_eq!(r["status"], "ok", "{r}");
        let f = |k: &str| {
            r[k].as_f64()
                .unwrap_or_else(|| panic!("{k} missing in {r}"))
        };
        for k in [
            "mean_s",
            "sd_s",
            "median_s",
            "min_s",
            "max_s",
            "ns_per_call",
        ] {
            assert!(f(k) >= 0.0, "{k} in {r}");
        }
        assert!(f("mean_s") > 0.0 && f("ns_per_call") > 0.0);
        assert!(f("ci95_low_s") <= f("mean_s") && f("mean_s") <= f("ci95_high_s"));
        assert!(f("min_s") <= f("median_s") && f("median_s") <= f("max_s"));
        // Adaptive: at least 3 replicates, calls calibrated up to 2000.
        let reps = r["replicate_s"].as_array().unwrap().len();
        assert!(reps >= 3 && r["reps"] == reps, "{r}");
        let calls = r["calls"].as_u64().unwrap();
        assert!((1..=2000).contains(&calls), "{r}");
        if runtime == "native" {
            assert!(r["ratio_to_native"].is_null());
        } else {
            assert!(f("ratio_to_native") > 0.0);
            assert!(f("compile_s") > 0.0);
        }
    }
    // Every run index once.
    let mut idx: Vec<u64> = rows
        .iter()
        .map(|r| r["run_index"].as_u64().unwrap())
        .collect();
    idx.sort();
    assert_eq!(idx, (0..rows.len() as u64).collect::<Vec<_>>());

    let csv_text = std::fs::read_to_string(out.join("results.csv")).unwrap();
    let mut csv = csv::Reader::from_reader(csv_text.as_bytes());
    let header = csv.headers().unwrap().clone();
    for col in [
        "scenario", "runtime", "abi", "caching", "call", "loading", "operand", "mean_s",
    ] {
        assert!(header.iter().any(|h| h == col), "no column {col}");
    }
    assert_eq!(csv.records().count(), rows.len());

    let run: Value = serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    for k in [
        "git_commit",
        "rustc",
        "crate_versions",
        "features",
        "cpu_model",
        "cores",
        "started",
        "finished",
    ] {
        assert!(!run[k].is_null(), "run.json lacks {k}");
    }
    assert_eq!(
        run["status_counts"]["ok"].as_u64().unwrap() as usize,
        rows.iter().filter(|r| r["status"] == "ok").count()
    );
}

#[test]
fn bad_input_is_one_line_exit_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("never");
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--runtime".into(), "wasmer".into()],
            "unknown runtime `wasmer`",
        ),
        (vec!["--abi".into(), "json".into()], "unknown abi `json`"),
        (
            vec!["--calls".into(), "0".into()],
            "--calls must be at least 1",
        ),
        (
            vec!["--reps".into(), "1".into()],
            "--reps must be at least 2",
        ),
        (vec!["--calls".into(), "many".into()], "invalid value"),
        (
            vec!["--only".into(), "caching=sometimes".into()],
            "unknown caching `sometimes`",
        ),
        (
            vec![
                "--only".into(),
                "caching=cached".into(),
                "--only".into(),
                "caching=uncached".into(),
            ],
            "--only caching is given twice",
        ),
        (
            vec![
                "--only".into(),
                "memory=static".into(),
                "--abi".into(),
                "pair".into(),
            ],
            "--only: unknown factor `memory`",
        ),
        (
            vec!["--trace".into(), "t.bin".into()],
            "--trace applies to --scenario sim only",
        ),
        (
            vec!["--cache-size".into(), "4MiB".into()],
            "--cache-size applies to --scenario sim only",
        ),
        (
            vec!["--scenario".into(), "macro".into()],
            "unknown scenario",
        ),
        (vec!["--frobnicate".into()], "unexpected argument"),
        (
            vec!["--host-profile".into(), "fast".into()],
            "unknown host-profile `fast`",
        ),
    ];
    for (args, msg) in cases {
        let assert = harness()
            .args(["matrix", "--quick", "--all-factors", "--out"])
            .arg(&out)
            .args(&args)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(
            stderr.contains(msg),
            "{args:?}: expected `{msg}` in {stderr}"
        );
        assert!(!out.exists(), "{args:?} left {out:?} behind");
    }
    // An --out that cannot be created: under a regular file.
    let bad = file.join("sub");
    let assert = harness()
        .args(["matrix", "--quick", "--all-factors", "--out"])
        .arg(&bad)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot write to output folder"), "{stderr}");
    assert!(!bad.exists());
}

#[test]
fn an_occupied_output_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let quick = |cmd: &mut Command| {
        cmd.args([
            "matrix",
            "--quick",
            "--all-factors",
            "--quiet",
            "--reps",
            "2",
            "--only",
            "caching=cached",
            "--only",
            "loading=preload",
            "--out",
        ])
        .arg(&out);
    };
    let mut first = harness();
    quick(&mut first);
    first.assert().success();
    let before = std::fs::read(out.join("results.jsonl")).unwrap();
    let mut second = harness();
    quick(&mut second);
    let assert = second.assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("already holds results.jsonl"), "{stderr}");
    assert_eq!(std::fs::read(out.join("results.jsonl")).unwrap(), before);
}

#[test]
fn only_restricts_cells_and_json_goes_to_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let assert = harness()
        .args([
            "matrix",
            "--quick",
            "--all-factors",
            "--quiet",
            "--format",
            "json",
            "--abi",
            "pair",
        ])
        .args([
            "--only",
            "caching=cached",
            "--only",
            "call=typed",
            "--only",
            "operand=f32",
            "--only",
            "limits=on",
            "--only",
            "lang=rust",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    let printed: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // native f32, then preload and hotload × owned and srs handles on the
    // default runtime.
    assert_eq!(printed.len(), 5, "{stdout}");
    assert_eq!(rows(&out).len(), 5);
    for r in &printed {
        assert_eq!(r["factors"]["operand"], "f32");
    }
}

#[test]
fn list_names_every_axis() {
    let assert = harness().arg("list").assert().success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    for word in [
        "wasmer-cranelift",
        "wasmer-singlepass",
        "wasmer-llvm",
        "wasmtime",
        "wasmtime-winch",
        "wasmtime-pulley",
        "wasmi",
        "phases",
        "threads",
        "pair",
        "micro",
        "caching",
        "loading",
    ] {
        assert!(stdout.contains(word), "list lacks {word}:\n{stdout}");
    }
}

#[test]
fn other_host_profiles_run_in_a_child_and_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let me = assert_cmd::cargo::cargo_bin("harness");
    let assert = harness()
        // Stand-in for a debug-profile build: this very binary.
        .env("ABILAB_HARNESS_DEBUG", &me)
        .args([
            "matrix",
            "--quick",
            "--all-factors",
            "--quiet",
            "--host-profile",
            "dev,debug",
            "--abi",
            "pair",
        ])
        .args([
            "--only",
            "caching=cached",
            "--only",
            "call=typed",
            "--only",
            "operand=i32",
            "--only",
            "limits=on",
            "--only",
            "lang=rust",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    let rows = rows(&out);
    // native + (preload, hotload) × (owned, srs), once here and once in the child.
    assert_eq!(rows.len(), 2 * 5, "{stdout}");
    let mut idx: Vec<u64> = rows
        .iter()
        .map(|r| r["run_index"].as_u64().unwrap())
        .collect();
    idx.sort();
    assert_eq!(idx, (0..10).collect::<Vec<_>>());
    assert!(out.join("host-debug/results.jsonl").exists());
    assert!(rows.iter().all(|r| r["status"] == "ok"));
    let run: Value = serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["host_profiles"], serde_json::json!(["dev", "debug"]));
    assert_eq!(run["status_counts"]["ok"], 10);
}

/// A quick Pair-only micro run into `out` (a few seconds), with extra args.
fn small_run(out: &Path, extra: &[&str]) {
    harness()
        .args([
            "matrix",
            "--quick",
            "--all-factors",
            "--quiet",
            "--abi",
            "pair",
            "--reps",
            "3",
            "--only",
            "loading=preload",
            "--only",
            "lang=rust",
        ])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn a_matrix_ends_with_its_report_and_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    small_run(&out, &[]);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("claim") || md.contains("Claim"), "{md}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<svg"), "the HTML report inlines its figures");
    let figures: Vec<_> = std::fs::read_dir(out.join("figures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        figures
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "svg"))
    );
    for png in figures
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
    {
        assert_eq!(
            &std::fs::read(png).unwrap()[..8],
            b"\x89PNG\r\n\x1a\n",
            "{png:?}"
        );
    }
    // `harness report` redoes it from the files alone.
    let again = tmp.path().join("again");
    harness()
        .args(["report"])
        .arg(&out)
        .arg("--out")
        .arg(&again)
        .assert()
        .success();
    assert!(again.join("report.md").exists());
}

/// Rewrites every replicate time of `dir`'s rows (in place) with `f`.
fn scale_rows(dir: &Path, f: impl Fn(f64) -> f64) {
    let path = dir.join("results.jsonl");
    let text: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            if let Some(reps) = v["replicate_s"].as_array_mut() {
                for x in reps {
                    *x = serde_json::json!(f(x.as_f64().unwrap()));
                }
            }
            for k in [
                "mean_s",
                "median_s",
                "min_s",
                "max_s",
                "ci95_low_s",
                "ci95_high_s",
                "ns_per_call",
            ] {
                if let Some(x) = v[k].as_f64() {
                    v[k] = serde_json::json!(f(x));
                }
            }
            v.to_string()
        })
        .collect();
    std::fs::write(&path, text.join("\n") + "\n").unwrap();
}

#[test]
fn compare_flags_a_regression_and_passes_identical_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    small_run(&base, &["--no-report"]);
    let copy = |name: &str| {
        let dir = tmp.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        for f in ["results.jsonl", "results.csv", "run.json"] {
            std::fs::copy(base.join(f), dir.join(f)).unwrap();
        }
        dir
    };
    let same = copy("same");
    harness()
        .arg("compare")
        .arg(&base)
        .arg(&same)
        .assert()
        .code(0);
    let slow = copy("slow");
    scale_rows(&slow, |x| x * 2.0);
    let assert = harness()
        .arg("compare")
        .arg(&base)
        .arg(&slow)
        .assert()
        .code(3);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(stdout.contains("REGRESSION"), "{stdout}");
    // Bad input: one line, exit 2.
    let assert = harness()
        .arg("compare")
        .arg(&base)
        .arg(tmp.path().join("nope"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn shards_merge_into_the_unsharded_cell_set() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    small_run(&whole, &["--no-report"]);
    let n = 4;
    let mut shards = Vec::new();
    for i in 1..=n {
        let dir = tmp.path().join(format!("shard-{i}"));
        small_run(&dir, &["--no-report", "--shard", &format!("{i}/{n}")]);
        shards.push(dir);
    }
    let merged = tmp.path().join("merged");
    harness()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    let cells = |dir: &Path| {
        let mut c: Vec<String> = rows(dir)
            .iter()
            .map(|r| r["cell"].as_str().unwrap().to_string())
            .collect();
        c.sort();
        c
    };
    assert_eq!(cells(&merged), cells(&whole));
    assert!(merged.join("results.csv").exists() && merged.join("run.json").exists());
    // A shard from another machine is refused unless --allow-mixed.
    let run_json = shards[0].join("run.json");
    let mut info: Value = serde_json::from_slice(&std::fs::read(&run_json).unwrap()).unwrap();
    info["cpu_model"] = "Another CPU".into();
    std::fs::write(&run_json, info.to_string()).unwrap();
    let refused = tmp.path().join("refused");
    let assert = harness()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&refused)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("differs"), "{stderr}");
    assert!(!refused.exists());
    let mixed = tmp.path().join("mixed");
    harness()
        .arg("merge")
        .args(&shards)
        .args(["--allow-mixed", "--out"])
        .arg(&mixed)
        .assert()
        .success();
    let info: Value =
        serde_json::from_slice(&std::fs::read(mixed.join("run.json")).unwrap()).unwrap();
    assert!(
        !info["merge"]["mixed"].as_array().unwrap().is_empty(),
        "{info}"
    );
}

#[test]
fn completions_and_help_have_examples() {
    let assert = harness().args(["completions", "bash"]).assert().success();
    let script = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(script.contains("harness") && script.contains("matrix"));
    for sub in ["matrix", "sim", "report", "compare", "merge", "list"] {
        let assert = harness().args([sub, "--help"]).assert().success();
        let help = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
        assert!(
            help.contains("Example"),
            "{sub} --help has no example:\n{help}"
        );
    }
    let assert = harness().arg("--help").assert().success();
    let help = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(help.contains("Exit codes"), "{help}");
}

#[test]
fn phases_and_threads_give_checked_results_on_every_runtime() {
    let tmp = tempfile::tempdir().unwrap();
    // Phases: every runtime, a core ABI and WIT; every cell ok, or
    // unsupported for what the runtime lacks (a module cache, components).
    let out = tmp.path().join("phases");
    harness()
        .args([
            "matrix",
            "--scenario",
            "phases",
            "--quick",
            "--all-factors",
            "--quiet",
        ])
        .args(["--runtime", "all", "--abi", "bytemuck,wit", "--out"])
        .arg(&out)
        .assert()
        .success();
    let phases = rows(&out);
    // Per runtime and ABI: compile (module cache off and on), instantiate,
    // first call.
    assert_eq!(phases.len(), RuntimeId::ALL.len() * 2 * 4);
    for r in &phases {
        let id: RuntimeId = r["runtime"].as_str().unwrap().parse().unwrap();
        let reason = r["error"].as_str().unwrap_or("");
        if !id.compiled_in() {
            assert_eq!(r["status"], "unsupported", "{r}");
        } else if r["abi"] == "wit" && !id.hosts_components() {
            assert!(reason.contains("cannot host components"), "{r}");
        } else if id == RuntimeId::Wasmi && r["factors"]["module-cache"] == "on" {
            assert!(reason.contains("no serialized modules"), "{r}");
        } else {
            assert_eq!(r["status"], "ok", "{r}");
            assert_eq!(r["calls"], 1, "one module or instance per replicate");
            let (median, p99, max) = (
                r["median_s"].as_f64().unwrap(),
                r["p99_s"].as_f64().unwrap(),
                r["max_s"].as_f64().unwrap(),
            );
            assert!(0.0 < median && median <= p99 && p99 <= max, "{r}");
        }
    }
    // --calls has no meaning there.
    let assert = harness()
        .args(["matrix", "--scenario", "phases", "--calls", "5"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("--calls does not apply"), "{stderr}");

    // Threads: natives and every compiled-in runtime, both workloads, every
    // thread count; results checked per thread, calls totalled over threads.
    let out = tmp.path().join("threads");
    harness()
        .args([
            "matrix",
            "--scenario",
            "threads",
            "--quick",
            "--all-factors",
            "--quiet",
        ])
        .args([
            "--runtime",
            "all",
            "--abi",
            "pair",
            "--calls",
            "300",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let rows = rows(&out);
    assert_eq!(rows.len(), (1 + RuntimeId::ALL.len()) * 2 * 4);
    for r in &rows {
        let runtime = r["runtime"].as_str().unwrap();
        if runtime != "native" && !runtime.parse::<RuntimeId>().unwrap().compiled_in() {
            assert_eq!(r["status"], "unsupported", "{r}");
            continue;
        }
        assert_eq!(r["status"], "ok", "{r}");
        let threads: u64 = r["factors"]["threads"].as_str().unwrap().parse().unwrap();
        assert_eq!(r["calls"].as_u64().unwrap(), 300 * threads, "{r}");
        if runtime != "native" {
            assert!(r["ratio_to_native"].as_f64().unwrap() > 0.0, "{r}");
        }
    }
}

/// A Pair guest written by hand: `mul` is the i32 body of `micro_mul_i32`.
fn pair_wat(mul: &str, f32_export: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
             (func (export "micro_mul_i32") (param i32 i32) (result i32)
               (local.get 0) (local.get 1) {mul})
             (func (export "{f32_export}") (param f32 f32) (result f32)
               (f32.mul (local.get 0) (local.get 1))))"#
    ))
    .unwrap()
}

#[test]
fn a_guest_of_ones_own_runs_checked_and_a_bad_one_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.wasm");
    std::fs::write(&good, pair_wat("i32.mul", "micro_mul_f32")).unwrap();
    let c_bytemuck = tmp.path().join("c-bytemuck.wasm");
    std::fs::write(&c_bytemuck, guest_artifacts::c_guest("bytemuck").unwrap()).unwrap();
    let out = tmp.path().join("run");
    harness()
        .args([
            "matrix",
            "--quick",
            "--all-factors",
            "--quiet",
            "--abi",
            "pair,bytemuck",
        ])
        .args([
            "--only",
            "loading=preload",
            "--only",
            "lang=rust",
            "--guest",
        ])
        .arg(format!("pair={}", good.display()))
        .arg("--guest")
        .arg(format!("bytemuck={}", c_bytemuck.display()))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let cells = rows(&out);
    assert!(cells.len() > 2);
    assert!(
        cells.iter().all(|r| r["status"] == "ok"),
        "every cell checked"
    );
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    let guests = info["options"]["guests"].as_array().unwrap();
    assert_eq!(guests.len(), 2);
    assert_eq!(guests[0]["abi"], "pair");
    assert_eq!(guests[0]["sha256"].as_str().unwrap().len(), 64);

    // A missing export or a wrong signature: one line, exit 2, nothing written.
    for (name, wasm, says) in [
        (
            "missing",
            pair_wat("i32.mul", "other_name"),
            "guest has no export `micro_mul_f32`",
        ),
        (
            "mistyped",
            wat::parse_str(
                r#"(module
                     (func (export "micro_mul_i32") (param i64 i64) (result i64) (i64.const 0))
                     (func (export "micro_mul_f32") (param f32 f32) (result f32) (local.get 0)))"#,
            )
            .unwrap(),
            "export `micro_mul_i32` is not a function (i32, i32) -> (i32)",
        ),
    ] {
        let path = tmp.path().join(format!("{name}.wasm"));
        std::fs::write(&path, wasm).unwrap();
        let out = tmp.path().join(name);
        let assert = harness()
            .args([
                "matrix",
                "--quick",
                "--all-factors",
                "--abi",
                "pair",
                "--guest",
            ])
            .arg(format!("pair={}", path.display()))
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(stderr.contains(&format!("{name}.wasm")), "{stderr}");
        assert!(!out.exists(), "nothing written");
    }

    // A guest that answers wrongly: error cells with the reason, never numbers.
    let wrong = tmp.path().join("wrong.wasm");
    std::fs::write(&wrong, pair_wat("i32.add", "micro_mul_f32")).unwrap();
    let out = tmp.path().join("wrong");
    harness()
        .args([
            "matrix",
            "--quick",
            "--all-factors",
            "--quiet",
            "--abi",
            "pair",
        ])
        .args(["--only", "loading=preload", "--only", "lang=rust"])
        .args(["--only", "operand=i32", "--guest"])
        .arg(format!("pair={}", wrong.display()))
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1);
    for r in rows(&out).iter().filter(|r| r["runtime"] != "native") {
        assert_eq!(r["status"], "error", "{r}");
        assert_eq!(r["error_class"], "wrong-result", "{r}");
        assert!(r["mean_s"].is_null(), "{r}");
    }
}

#[test]
fn a_guest_replaces_the_cells_of_its_language_and_every_row_names_its_module() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.wasm");
    std::fs::write(&good, pair_wat("i32.mul", "micro_mul_f32")).unwrap();
    let base = ["matrix", "--quick", "--all-factors", "--abi", "pair"];
    let narrow = ["--only", "loading=preload", "--only", "operand=i32"];
    // In place of the C guest: the lang=c cells run it, the Rust ones
    // keep theirs, and each row says which module ran.
    let out = tmp.path().join("c");
    let assert = harness()
        .args(base)
        .args(narrow)
        .arg("--guest")
        .arg(format!("pair@c={}", good.display()))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        err.contains("replaces the built-in c pair guest in"),
        "{err}"
    );
    let sha = |bytes: &[u8]| {
        use sha2::Digest;
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let all = rows(&out);
    let sandboxed: Vec<_> = all.iter().filter(|r| r["runtime"] != "native").collect();
    assert!(sandboxed.iter().any(|r| r["factors"]["lang"] == "c"));
    assert!(sandboxed.iter().any(|r| r["factors"]["lang"] == "rust"));
    for r in &sandboxed {
        assert_eq!(r["status"], "ok", "{r}");
        match r["factors"]["lang"].as_str().unwrap() {
            "c" => {
                assert_eq!(r["guest"], format!("file {}", good.display()), "{r}");
                assert_eq!(
                    r["guest_sha256"],
                    sha(&std::fs::read(&good).unwrap()),
                    "{r}"
                );
            }
            _ => {
                assert_eq!(r["guest"], "built-in rust", "{r}");
                assert_eq!(
                    r["guest_sha256"],
                    sha(guest_artifacts::guest("pair").unwrap()),
                    "{r}"
                );
            }
        }
    }
    for r in all.iter().filter(|r| r["runtime"] == "native") {
        assert!(r.get("guest").is_none(), "{r}");
    }
    // A module no cell of the run would run: refused before anything.
    let out = tmp.path().join("unused");
    let assert = harness()
        .args(base)
        .args(["--only", "lang=rust", "--guest"])
        .arg(format!("pair@c={}", good.display()))
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(err.contains("no cell of this run runs it"), "{err}");
    assert!(!out.exists());
    // A guest that traps: the error names the export.
    let trap = tmp.path().join("trap.wasm");
    std::fs::write(&trap, pair_wat("drop drop unreachable", "micro_mul_f32")).unwrap();
    let out = tmp.path().join("trap");
    harness()
        .args(base)
        .args(narrow)
        .args(["--only", "lang=rust", "--guest"])
        .arg(format!("pair={}", trap.display()))
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1);
    for r in rows(&out).iter().filter(|r| r["runtime"] != "native") {
        assert_eq!(r["error_class"], "trap", "{r}");
        let e = r["error"].as_str().unwrap();
        assert!(e.starts_with("in `micro_mul_i32`: guest trapped"), "{e}");
    }
}

#[test]
fn c_guests_give_the_rust_guests_results() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    harness()
        .args([
            "matrix",
            "--quick",
            "--all-factors",
            "--quiet",
            "--runtime",
            "all",
        ])
        .args(["--abi", "pair,bytemuck", "--only", "loading=preload"])
        .args(["--only", "lang=c", "--only", "limits=off", "--out"])
        .arg(&out)
        .assert()
        .success();
    let rows = rows(&out);
    let c: Vec<&Value> = rows
        .iter()
        .filter(|r| r["factors"]["lang"] == "c")
        .collect();
    // Pair (two handles × ...) and Bytemuck (static, dynamic) on every runtime.
    assert!(c.len() >= RuntimeId::ALL.len() * 2, "{}", c.len());
    for r in c {
        let id: RuntimeId = r["runtime"].as_str().unwrap().parse().unwrap();
        let want = if id.compiled_in() {
            "ok"
        } else {
            "unsupported"
        };
        assert_eq!(r["status"], want, "{r}");
    }

    // The payload shapes Bytemuck carries, from the C guest: every shape
    // and direction, a size inside the static buffer and one past it (an
    // `abi_alloc` block), each call's digest checked against native.
    let out = tmp.path().join("payload");
    harness()
        .args([
            "matrix",
            "--scenario",
            "payload",
            "--quick",
            "--all-factors",
            "--quiet",
        ])
        .args(["--runtime", "all", "--abi", "bytemuck", "--only", "lang=c"])
        .args(["--only", "size=fixed,4KiB,1MiB", "--out"])
        .arg(&out)
        .assert()
        .success();
    let payload = self::rows(&out);
    let c: Vec<&Value> = payload
        .iter()
        .filter(|r| r["runtime"] != "native")
        .collect();
    // record (1 size) + text + list + nested (2 sizes each), 3 directions,
    // 2 memory values, on every runtime; Bytemuck carries no nested message.
    assert_eq!(c.len(), RuntimeId::ALL.len() * 7 * 3 * 2, "{}", c.len());
    for r in c {
        assert_eq!(r["factors"]["lang"], "c", "{r}");
        let id: RuntimeId = r["runtime"].as_str().unwrap().parse().unwrap();
        let want = if id.compiled_in() && r["factors"]["shape"] != "nested" {
            "ok"
        } else {
            "unsupported"
        };
        assert_eq!(r["status"], want, "{r}");
    }
}

#[test]
fn host_function_calls_are_checked_and_counted_on_every_runtime() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    harness()
        .args([
            "matrix",
            "--scenario",
            "hostcall",
            "--quick",
            "--all-factors",
            "--quiet",
        ])
        .args(["--runtime", "all", "--out"])
        .arg(&out)
        .assert()
        .success();
    let rows = rows(&out);
    // none, scalars and bytes natively, on every runtime with the core
    // guest (abi pair), and with the component (abi wit) where the runtime
    // hosts components; each replicate checked against native, and that
    // the host counted one host call per request (0 for none).
    let components = RuntimeId::ALL
        .iter()
        .filter(|r| r.hosts_components())
        .count();
    assert_eq!(rows.len(), (1 + RuntimeId::ALL.len() + components) * 3);
    let wit = rows.iter().filter(|r| r["abi"] == "wit").count();
    assert_eq!(wit, components * 3);
    for r in &rows {
        let runtime = r["runtime"].as_str().unwrap();
        if runtime == "native" {
            assert_eq!(r["status"], "ok", "{r}");
            continue;
        }
        let id: RuntimeId = runtime.parse().unwrap();
        let want = if id.compiled_in() {
            "ok"
        } else {
            "unsupported"
        };
        assert_eq!(r["status"], want, "{r}");
        if id.compiled_in() {
            assert!(r["ratio_to_native"].as_f64().unwrap() > 0.0, "{r}");
        }
    }
}

#[test]
fn extism_runs_beside_the_abis_in_wasmtime_rows_only() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("micro");
    harness()
        .env("RUST_BACKTRACE", "1")
        .args([
            "matrix",
            "--quick",
            "--all-factors",
            "--quiet",
            "--abi",
            "extism,pair",
        ])
        .args(["--runtime", "wasmtime,wasmer-cranelift"])
        .args(["--only", "loading=preload", "--only", "limits=on,off"])
        .args(["--only", "lang=rust", "--only", "handles=owned", "--out"])
        .arg(&out)
        .assert()
        .success();
    let rows = rows(&out);
    let extism: Vec<&Value> = rows.iter().filter(|r| r["abi"] == "extism").collect();
    // cached only (Plugin::call looks up by name: no uncached variant),
    // typed and untyped, two operands, two limits, two runtimes.
    assert_eq!(extism.len(), 2 * 2 * 2 * 2, "{}", extism.len());
    for r in &extism {
        assert_eq!(r["factors"]["caching"], "cached", "{r}");
        let want = match (r["runtime"].as_str().unwrap(), &r["factors"]["call"]) {
            ("wasmtime", c) if c == "typed" => "ok",
            _ => "unsupported",
        };
        assert_eq!(r["status"], want, "{r}");
        if want == "ok" {
            assert!(r["ratio_to_native"].as_f64().unwrap() > 1.0, "{r}");
        }
    }
    // The harness turned library backtraces off for itself, and says so.
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(info["env"]["RUST_LIB_BACKTRACE"], "0", "{}", info["env"]);
    assert_eq!(info["env"]["RUST_BACKTRACE"], "1", "{}", info["env"]);

    // Text and lists in all three directions, checked against native;
    // records and nested messages are not carried.
    let out = tmp.path().join("payload");
    harness()
        .args([
            "matrix",
            "--scenario",
            "payload",
            "--quick",
            "--all-factors",
            "--quiet",
        ])
        .args(["--runtime", "wasmtime", "--abi", "extism"])
        .args(["--only", "size=fixed,16B,64KiB", "--out"])
        .arg(&out)
        .assert()
        .success();
    let payload = self::rows(&out);
    let extism: Vec<&Value> = payload.iter().filter(|r| r["abi"] == "extism").collect();
    assert_eq!(extism.len(), (1 + 2 + 2 + 2) * 3, "{}", extism.len());
    for r in extism {
        let want = match r["factors"]["shape"].as_str().unwrap() {
            "string" | "list" => "ok",
            _ => "unsupported",
        };
        assert_eq!(r["status"], want, "{r}");
    }
}

/// The options of a small micro matrix: Pair, one cached typed preloaded
/// cell per operand.
const SMALL: [&str; 14] = [
    "--abi",
    "pair",
    "--only",
    "caching=cached",
    "--only",
    "call=typed",
    "--only",
    "loading=preload",
    "--only",
    "limits=off",
    "--only",
    "lang=rust",
    "--only",
    "handles=owned",
];

#[test]
fn runs_give_between_run_statistics_and_keep_every_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("runs");
    let assert = harness()
        .args([
            "matrix",
            "--quick",
            "--all-factors",
            "--runs",
            "3",
            "--no-report",
            "--seed",
            "5",
        ])
        .args(SMALL)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(
        stdout.starts_with("3 runs, each its own process"),
        "{stdout}"
    );
    // Every run kept whole, each with its own seed.
    for k in 1..=3u64 {
        let dir = out.join(format!("run-{k}"));
        assert_eq!(rows(&dir).len(), 4, "{}", dir.display());
        let info: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
        assert_eq!(info["options"]["seed"], 5 + k - 1);
        assert_eq!(info["options"]["order"], "interleaved");
    }
    // One summary row per cell, over the three runs.
    let mut csv = csv::Reader::from_path(out.join("between-runs.csv")).unwrap();
    let header = csv.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    for r in &rows {
        assert_eq!(&r[col("status")], "ok", "{r:?}");
        assert_eq!(&r[col("runs")], "3", "{r:?}");
        assert_eq!(r[col("run_means_ns")].split(' ').count(), 3, "{r:?}");
        let cv: f64 = r[col("cv")].parse().unwrap();
        assert!(cv >= 0.0, "{r:?}");
        if &r[col("runtime")] != "native" {
            let lo: f64 = r[col("ratio_ci95_low")].parse().unwrap();
            let hi: f64 = r[col("ratio_ci95_high")].parse().unwrap();
            let ratio: f64 = r[col("ratio_to_native")].parse().unwrap();
            assert!(lo <= hi && lo > 0.0, "{r:?}");
            assert!(ratio > 1.0, "{r:?}");
        }
    }
    // A folder that holds something is refused before any run starts.
    harness()
        .args(["matrix", "--quick", "--all-factors", "--runs", "2"])
        .args(SMALL)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    harness()
        .args(["matrix", "--quick", "--all-factors", "--runs", "0", "--out"])
        .arg(tmp.path().join("zero"))
        .assert()
        .code(2);
}

#[test]
fn a_busy_machine_is_reported_per_cell_and_warned_about() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("busy");
    // Another process takes a core for the whole run.
    let mut hog = std::process::Command::new("sh")
        .args(["-c", "while :; do :; done"])
        .spawn()
        .unwrap();
    // Cells of at least 0.3 s: /proc/stat counts in 10 ms ticks.
    let assert = harness()
        .args(["matrix", "--quick", "--all-factors", "--warmup", "0.3"])
        .args(SMALL)
        .arg("--out")
        .arg(&out)
        .assert();
    hog.kill().unwrap();
    let _ = hog.wait();
    let assert = assert.success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("ran while other processes took at least 10% of a core"),
        "{stderr}"
    );
    for r in rows(&out) {
        assert!(r["others_cpu"].as_f64().unwrap() >= 0.1, "{r}");
        assert!(r["load_avg"].as_f64().is_some(), "{r}");
        assert!(r["outliers"].as_u64().is_some(), "{r}");
    }
}

/// Cells of `--dry-run`'s plan for one runtime/ABI pair.
fn planned(args: &[&str], pair: &str) -> usize {
    let out = harness()
        .args([
            "matrix",
            "--runtime",
            "wasmtime",
            "--abi",
            "pair",
            "--dry-run",
        ])
        .args(args)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    text.lines()
        .find(|l| l.trim_start().starts_with(pair))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or_else(|| panic!("no {pair} line in:\n{text}"))
}

#[test]
fn the_default_plan_holds_the_extra_factors_and_quick_holds_every_factor() {
    let links = |keep: &dyn Fn(&MicroLink) -> bool| {
        MicroLink::combinations(Workload::Micro)
            .iter()
            .filter(|l| keep(l))
            .map(|l| Operand::ALL.len() * AbiId::Pair.choices(Workload::Micro, l.caching).len())
            .sum::<usize>()
    };
    use harness::factors::{Lang, Limits};
    let default = links(&|l| l.limits == Limits::Off && l.lang == Lang::Rust);
    assert_eq!(planned(&[], "wasmtime/pair"), default);
    assert_eq!(
        planned(&["--all-factors"], "wasmtime/pair"),
        links(&|_| true)
    );
    // Naming a held factor frees it.
    assert_eq!(
        planned(&["--only", "limits=on,off"], "wasmtime/pair"),
        links(&|l| l.lang == Lang::Rust)
    );
    // A smoke run: one value per factor.
    assert_eq!(planned(&["--quick"], "wasmtime/pair"), 1);
    // Nothing measured, nothing written.
    let dir = tempfile::tempdir().unwrap();
    harness()
        .current_dir(dir.path())
        .args(["matrix", "--dry-run", "--abi", "pair"])
        .assert()
        .success();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
