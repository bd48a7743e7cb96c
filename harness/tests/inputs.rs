//! Inputs at their extremes: sizes past what a machine holds, files that
//! never end, figures no measurement gives, paths that are not UTF-8, and
//! an output stream that is closed or full. Each is one line and an exit
//! code, never a panic, an abort or a hang.

use std::os::unix::ffi::OsStrExt as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

mod common;
use common::{harness, harness_process, rows, stderr};

/// Runs `harness args` (at most 60 s) and returns its exit code and
/// standard error, checking the error is one line.
fn refused(args: &[&str]) -> (Option<i32>, String) {
    let start = Instant::now();
    let out = harness()
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{args:?} took {:?}",
        start.elapsed()
    );
    assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    (out.status.code(), err)
}

#[test]
fn sizes_past_the_machine_are_refused_before_anything_is_allocated() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r").display().to_string();
    for requests in ["1000000000000000", "18446744073709551615"] {
        let (code, err) = refused(&[
            "matrix",
            "--scenario",
            "sim",
            "--quick",
            "--runtime",
            "wasmi",
            "--requests",
            requests,
            "--out",
            &out,
        ]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("must be at most"), "{err}");
        let (code, err) = refused(&["trace", "generate", "--requests", requests, "--out", &out]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("must be at most"), "{err}");
    }
    assert!(!tmp.path().join("r").exists(), "nothing written");
}

#[test]
fn endless_files_are_read_up_to_a_ceiling() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r").display().to_string();
    let (code, err) = refused(&[
        "matrix",
        "--quick",
        "--runtime",
        "wasmi",
        "--abi",
        "pair",
        "--guest",
        "pair=/dev/zero",
        "--out",
        &out,
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("MiB"), "{err}");
    // A run folder whose run.json never ends.
    let run = tmp.path().join("endless");
    std::fs::create_dir(&run).unwrap();
    std::fs::write(run.join("results.jsonl"), "").unwrap();
    std::os::unix::fs::symlink("/dev/zero", run.join("run.json")).unwrap();
    let (code, err) = refused(&["report", &run.display().to_string()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("run.json") && err.contains("MiB"), "{err}");
}

#[test]
fn a_row_no_measurement_gives_is_refused_by_report() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    harness()
        .args([
            "matrix",
            "--quick",
            "--quiet",
            "--no-report",
            "--runtime",
            "wasmi",
        ])
        .args(["--abi", "pair", "--out"])
        .arg(&run)
        .assert()
        .success();
    let mut all = rows(&run);
    let ok = all.iter().position(|r| r["status"] == "ok").unwrap();
    all[ok]["ci95_high_s"] = serde_json::json!(1e308);
    let text: String = all.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(run.join("results.jsonl"), text).unwrap();
    let (code, err) = refused(&["report", &run.display().to_string()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&format!("results.jsonl:{}", ok + 1)), "{err}");
}

#[test]
fn a_closed_or_full_stdout_is_one_line_and_the_results_stay() {
    let (code, err) = {
        let out = harness_process()
            .arg("list")
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        (out.status.code(), stderr(&out))
    };
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("cannot write to standard output"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let mut child = harness_process()
        .args([
            "matrix",
            "--quick",
            "--quiet",
            "--no-report",
            "--runtime",
            "wasmi",
        ])
        .args(["--abi", "pair", "--format", "json", "--out"])
        .arg(&run)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // `| true`: the reader is gone.
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot write to standard output"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!rows(&run).is_empty(), "the results stay");
}

#[test]
fn output_paths_need_not_be_utf8() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join(std::ffi::OsStr::from_bytes(b"run-\xff"));
    harness()
        .args([
            "matrix",
            "--quick",
            "--quiet",
            "--runtime",
            "wasmi",
            "--abi",
            "pair",
        ])
        .arg("--out")
        .arg(&run)
        .assert()
        .success();
    assert!(!rows(&run).is_empty());
    harness().arg("report").arg(&run).assert().success();
}
