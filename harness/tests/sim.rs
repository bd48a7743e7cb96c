//! The simulator through the real binary: `trace generate`, `sim`, and
//! `matrix --scenario sim`.

use std::path::Path;

use abi_api::FactorSet;
use cachesim::Policy;
use factor::Workload;
use harness::abis::AbiId;
use harness::factors::{Caching, Limits};
use harness::scenario::sim::{Batch, SimLink};
use serde_json::Value;

mod common;
use common::harness;

fn generate(out: &Path, extra: &[&str]) {
    harness()
        .args([
            "trace",
            "generate",
            "--requests",
            "5000",
            "--objects",
            "500",
        ])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn generated_traces_are_byte_identical_per_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a.bin"),
        tmp.path().join("b.bin"),
        tmp.path().join("c.bin"),
    );
    generate(&a, &["--seed", "7"]);
    generate(&b, &["--seed", "7"]);
    generate(&c, &["--seed", "8"]);
    let read = |p: &Path| std::fs::read(p).unwrap();
    assert_eq!(read(&a), read(&b));
    assert_ne!(read(&a), read(&c));
    assert_eq!(&read(&a)[..8], b"ABTRACE1");
    // An existing file is refused without --force.
    let assert = harness()
        .args(["trace", "generate", "--out"])
        .arg(&a)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("exists; pass --force"), "{stderr}");
}

#[test]
fn sim_prints_one_json_object_per_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = tmp.path().join("t.txt");
    generate(&trace, &[]);
    let assert = harness()
        .args([
            "sim",
            "--policy",
            "all",
            "--cache-size",
            "256KiB,1MiB",
            "--json",
        ])
        .args([
            "--runtime",
            "native,wasmer-cranelift",
            "--abi",
            "pair,bincode",
        ])
        .arg("--trace")
        .arg(&trace)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    let rows: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // (native + 2 ABIs on one runtime) × 4 policies × 2 sizes.
    assert_eq!(rows.len(), 3 * 4 * 2, "{stdout}");
    for r in &rows {
        for k in [
            "policy",
            "cache_bytes",
            "runtime",
            "abi",
            "requests",
            "hits",
            "byte_hits",
            "object_hit_ratio",
            "byte_hit_ratio",
            "seconds",
        ] {
            assert!(!r[k].is_null(), "{k} missing in {r}");
        }
        assert_eq!(r["requests"], 5000);
        // Every runtime and ABI agrees with native.
        let native = rows
            .iter()
            .find(|n| {
                n["runtime"] == "native"
                    && n["policy"] == r["policy"]
                    && n["cache_bytes"] == r["cache_bytes"]
            })
            .unwrap();
        assert_eq!(r["hits"], native["hits"], "{r}");
        assert_eq!(r["byte_hits"], native["byte_hits"], "{r}");
    }
    // Bigger caches hit more.
    let hits = |p: &str, b: u64| {
        rows.iter()
            .find(|r| r["runtime"] == "native" && r["policy"] == p && r["cache_bytes"] == b)
            .unwrap()["hits"]
            .as_u64()
            .unwrap()
    };
    assert!(hits("lru", 1 << 20) > hits("lru", 256 << 10));
}

#[test]
fn bad_traces_are_one_line_errors_naming_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[u8], &str)] = &[
        ("garbage.txt", b"1 100\nhello world\n", "garbage.txt:2:"),
        (
            "negative.txt",
            b"# comment\n1 100\n2 -5\n",
            "negative.txt:3:",
        ),
        ("overflow.txt", b"4294967296 10\n", "overflow.txt:1:"),
        ("empty.txt", b"# nothing here\n\n", "empty.txt"),
        (
            "short.bin",
            b"ABTRACE1\x02\0\0\0\0\0\0\0\x01\0\0\0\x05\0\0\0\x02\0",
            "short.bin",
        ),
    ];
    for (name, bytes, want) in cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        for args in [
            vec![
                "sim".to_string(),
                "--trace".into(),
                path.display().to_string(),
            ],
            vec![
                "matrix".into(),
                "--scenario".into(),
                "sim".into(),
                "--quick".into(),
                "--all-factors".into(),
                "--out".into(),
                tmp.path().join("never").display().to_string(),
                "--trace".into(),
                path.display().to_string(),
            ],
        ] {
            let assert = harness().args(&args).assert().code(2);
            let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
            assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
            assert!(stderr.starts_with("error: "), "{name}: {stderr}");
            assert!(
                stderr.contains(want),
                "{name}: expected `{want}` in {stderr}"
            );
        }
        assert!(!tmp.path().join("never").exists());
    }
}

#[test]
fn sim_matrix_runs_every_policy_checked_against_native() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    harness()
        .args([
            "matrix",
            "--scenario",
            "sim",
            "--quick",
            "--all-factors",
            "--quiet",
            "--abi",
            "all",
        ])
        .args(["--sweep", "1MiB,16MiB"])
        // Winch compiles fastest (every cell compiles the guest) and hosts
        // components; the differential suite runs every runtime.
        .args(["--runtime", "wasmtime-winch"])
        // limits=off is the same code path with another engine
        // configuration (tested per backend in runtimes); half the cells.
        .args(["--only", "limits=on"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let rows: Vec<Value> = std::fs::read_to_string(out.join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Natives: every policy × {1, 4, 16} MiB. Winch: every
    // policy × link (caching × batch with limits on, batches only where the ABI carries
    // one) × the ABI's own factors (WIT's unsupported on Wasmer).
    // The in-guest replay (batch=in-guest) is cached only, for every ABI.
    let per_policy: usize = AbiId::built()
        .iter()
        .filter(|a| a.info().workloads.contains(&Workload::Sim))
        .map(|&a| {
            SimLink::combinations(Workload::Sim)
                .iter()
                .filter(|l| l.limits == Limits::On)
                .filter(|l| match l.batch {
                    Batch::One => true,
                    Batch::InGuest => l.caching == Caching::Cached,
                    _ => a.info().batches,
                })
                .map(|l| a.choices(Workload::Sim, l.caching).len())
                .sum::<usize>()
        })
        .sum();
    assert_eq!(rows.len(), Policy::ALL.len() * (3 + per_policy));
    for r in &rows {
        assert_eq!(r["scenario"], "sim");
        let components = r["runtime"]
            .as_str()
            .unwrap()
            .parse::<runtimes::RuntimeId>()
            .is_ok_and(|id| id.hosts_components());
        let in_guest = r["factors"]["batch"] == "in-guest";
        if r["abi"] == "wit" && (!components || in_guest) && r["runtime"] != "native" {
            assert_eq!(r["status"], "unsupported", "{r}");
            continue;
        }
        assert_eq!(r["status"], "ok", "{r}");
        assert_eq!(r["calls"], 20_000);
        assert!(r["object_hit_ratio"].as_f64().unwrap() > 0.0);
        if r["runtime"] != "native" {
            assert_eq!(r["factors"]["cache-size"], "4MiB");
            assert!(r["ratio_to_native"].as_f64().unwrap() > 0.0);
        }
    }
}

#[test]
fn in_guest_replay_gives_natives_hits_on_every_runtime() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    harness()
        .args([
            "matrix",
            "--scenario",
            "sim",
            "--quick",
            "--all-factors",
            "--quiet",
        ])
        .args(["--runtime", "all", "--abi", "pair,bytemuck"])
        .args(["--only", "batch=in-guest", "--only", "limits=on"])
        .args(["--sweep", "none", "--out"])
        .arg(&out)
        .assert()
        .success();
    let rows: Vec<Value> = std::fs::read_to_string(out.join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let sandboxed: Vec<&Value> = rows.iter().filter(|r| r["runtime"] != "native").collect();
    // Every runtime × 2 ABIs (Pair: owned and srs handles; Bytemuck:
    // static and dynamic memory) × policy.
    assert_eq!(
        sandboxed.len(),
        runtimes::RuntimeId::ALL.len() * 4 * Policy::ALL.len()
    );
    for r in sandboxed {
        assert_eq!(r["factors"]["batch"], "in-guest", "{r}");
        let id: runtimes::RuntimeId = r["runtime"].as_str().unwrap().parse().unwrap();
        // ok: the guest's counters equal native's, hit for hit.
        let want = if id.compiled_in() {
            "ok"
        } else {
            "unsupported"
        };
        assert_eq!(r["status"], want, "{r}");
    }
}

#[test]
fn every_ablation_gives_the_default_builds_hits() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    harness()
        .args([
            "matrix",
            "--scenario",
            "sim",
            "--quick",
            "--all-factors",
            "--quiet",
        ])
        .args(["--runtime", "wasmtime,wasmer-singlepass", "--abi", "pair"])
        .args(["--ablation", "all", "--sweep", "none"])
        .args(["--only", "batch=1,in-guest", "--only", "caching=cached"])
        .args(["--only", "limits=off", "--only", "handles=owned", "--out"])
        .arg(&out)
        .assert()
        .success();
    let rows: Vec<Value> = std::fs::read_to_string(out.join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ablations = [
        "none",
        "hasher-fold128",
        "presized",
        "kept",
        "heap",
        "guest-os",
        "guest-simd128",
        "bounds-checked",
    ];
    // Per runtime (and native): every ablation for every policy, but the
    // heap for LRU and LFU only.
    let per_target = (ablations.len() - 1) * Policy::ALL.len() + 2;
    assert_eq!(rows.len(), per_target * (1 + 2 * 2));
    let mut hits_of = std::collections::HashMap::new();
    for r in &rows {
        let ablation = r["factors"]["ablation"].as_str().unwrap();
        assert!(ablations.contains(&ablation), "{r}");
        let policy = r["factors"]["policy"].as_str().unwrap();
        if ablation == "heap" {
            assert!(policy == "lru" || policy == "lfu", "{r}");
        }
        // Singlepass has neither wasm SIMD nor a bounds-check switch.
        let runtime = r["runtime"].as_str().unwrap();
        if runtime == "wasmer-singlepass" && matches!(ablation, "guest-simd128" | "bounds-checked")
        {
            assert_eq!(r["status"], "unsupported", "{r}");
            continue;
        }
        // ok: the counters equal the default build's, hit for hit (the
        // cell checks every replicate against it).
        assert_eq!(r["status"], "ok", "{r}");
        let hits = r["hits"].as_u64().unwrap();
        let first = *hits_of.entry(policy.to_string()).or_insert(hits);
        assert_eq!(hits, first, "{r}");
    }
    let run: Value = serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(
        run["options"]["ablations"].as_array().unwrap().len(),
        ablations.len() - 1
    );
    // An unknown ablation is refused before anything runs.
    let bad = tmp.path().join("bad");
    let refused = harness()
        .args([
            "matrix",
            "--scenario",
            "sim",
            "--quick",
            "--all-factors",
            "--ablation",
            "turbo",
        ])
        .arg("--out")
        .arg(&bad)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).to_string();
    assert!(stderr.contains("unknown ablation `turbo`"), "{stderr}");
    assert!(!bad.exists());
}
