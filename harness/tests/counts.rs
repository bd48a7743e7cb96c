//! `--measure callgrind`: cells counted under Valgrind's Callgrind, run by
//! the real binary. Valgrind is part of the set-up (`./setup.sh`): without
//! it these tests fail rather than pass unseen.

mod common;

use std::path::Path;

use common::{harness, rows};
use serde_json::Value;

/// Runs a counted micro matrix of Pair on wasmi (`extra` flags added) into
/// `out`; its rows.
fn counted(out: &Path, extra: &[&str]) -> Vec<Value> {
    harness()
        .args(["matrix", "--measure", "callgrind", "--quiet"])
        .args(["--runtime", "wasmi", "--abi", "pair", "--calls", "2000"])
        .args(["--only", "operand=i32", "--only", "loading=preload"])
        .args(["--only", "lang=rust", "--only", "caching=cached"])
        .args([
            "--only",
            "call=typed",
            "--only",
            "limits=off",
            "--only",
            "handles=owned",
        ])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    rows(out)
}

/// Instructions per call of the one sandboxed row.
fn instructions(rows: &[Value]) -> f64 {
    let sandboxed: Vec<&Value> = rows.iter().filter(|r| r["runtime"] != "native").collect();
    assert_eq!(sandboxed.len(), 1, "{rows:?}");
    sandboxed[0]["counts"]["instructions"].as_f64().unwrap()
}

#[test]
fn counts_repeat_across_processes_and_follow_the_work_added() {
    let tmp = tempfile::tempdir().unwrap();
    let a = counted(&tmp.path().join("a"), &[]);
    for r in &a {
        assert_eq!(r["status"], "ok", "{r}");
        // Counted rows carry counts, not Valgrind's times.
        assert!(r["mean_s"].is_null(), "{r}");
        let reps: Vec<u64> = r["replicate_instructions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        assert_eq!(reps.len(), 3, "{r}");
        assert!(reps.iter().all(|&n| n > 0), "{r}");
        // After the first, replicates count the same to the instruction;
        // the first counts a little more (within 2%).
        assert_eq!(reps[1], reps[2], "{reps:?}");
        assert!(
            reps[0] >= reps[1] && (reps[0] - reps[1]) as f64 <= 0.02 * reps[1] as f64,
            "{reps:?}"
        );
    }
    // Every sandboxed row has its anatomy, and the parts add up to (at
    // most) the whole; the report tables it.
    for r in a.iter().filter(|r| r["runtime"] != "native") {
        let parts: f64 = r["anatomy"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .sum();
        let whole = r["counts"]["instructions"].as_f64().unwrap();
        assert!(
            parts > 0.5 * whole && parts <= whole * 1.001,
            "{parts} of {whole}: {r}"
        );
        assert!(
            r["anatomy"]["runtime"].as_f64().unwrap() > 0.0,
            "wasmi's interpreter: {r}"
        );
    }
    let report = std::fs::read_to_string(tmp.path().join("a/report.md")).unwrap();
    assert!(
        report.contains("Counted cells: the anatomy of a call"),
        "{report}"
    );
    // Another process counts the same, within 0.1%.
    let b = counted(&tmp.path().join("b"), &[]);
    let (ia, ib) = (instructions(&a), instructions(&b));
    assert!(ia > 10.0, "{ia}");
    assert!((ia - ib).abs() / ia <= 0.001, "{ia} vs {ib}");

    // A guest that loops 200 times more per call counts at least 200
    // instructions more per call (wasmi runs several per wasm instruction).
    let busy = tmp.path().join("busy.wasm");
    std::fs::write(
        &busy,
        wat::parse_str(
            r#"(module
                 (func (export "micro_mul_i32") (param i32 i32) (result i32) (local i32)
                   (local.set 2 (i32.const 200))
                   (loop $l
                     (local.set 2 (i32.sub (local.get 2) (i32.const 1)))
                     (br_if $l (local.get 2)))
                   (i32.mul (local.get 0) (local.get 1)))
                 (func (export "micro_mul_f32") (param f32 f32) (result f32)
                   (f32.mul (local.get 0) (local.get 1))))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let guest = format!("pair={}", busy.display());
    let c = counted(&tmp.path().join("c"), &["--guest", &guest]);
    let ic = instructions(&c);
    assert!(ic - ia >= 200.0 * 4.0, "{ia} then {ic}");

    // compare, over counts: the two runs of one build flag nothing (exit
    // 0); the busier guest regresses its cell, and only it (exit 3).
    let compare = |base: &str, new: &str| {
        harness()
            .args(["compare"])
            .arg(tmp.path().join(base))
            .arg(tmp.path().join(new))
            .assert()
    };
    let same = compare("a", "b").code(0);
    let table = String::from_utf8_lossy(&same.get_output().stdout).to_string();
    assert!(
        table.contains("0 regressed, 0 improved, 2 unchanged"),
        "{table}"
    );
    assert!(table.contains("counts 3/3"), "{table}");
    let busier = compare("a", "c").code(3);
    let table = String::from_utf8_lossy(&busier.get_output().stdout).to_string();
    assert!(
        table.contains("1 regressed, 0 improved, 1 unchanged"),
        "{table}"
    );
}

#[test]
fn scenarios_and_flags_that_cannot_be_counted_are_refused() {
    for (args, says) in [
        (
            &["--measure", "callgrind", "--scenario", "threads"][..],
            "Valgrind runs a process's threads one at a time",
        ),
        (
            &["--measure", "callgrind", "--runs", "3"][..],
            "--runs is for time",
        ),
        (
            &["--measure", "callgrind", "--protocol", "adaptive"][..],
            "fixed protocol",
        ),
        (&["--measure", "cycles"][..], "unknown measure `cycles`"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("o");
        let assert = harness()
            .arg("matrix")
            .args(args)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!out.exists());
    }
}
