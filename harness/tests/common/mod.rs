//! What the integration tests share: the real `harness` binary and
//! readers of the result files it writes.
// Each test binary compiles this module and uses a part of it.
#![allow(dead_code)]

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// The `harness` binary under test, without backtraces (error output is
/// asserted to be one line).
pub fn harness() -> Command {
    let mut cmd = Command::cargo_bin("harness").unwrap();
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

/// Every row of a run folder's `results.jsonl`.
pub fn rows(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is a JSON object"))
        .collect()
}

/// A run folder's cell ids, sorted.
pub fn cells(dir: &Path) -> Vec<String> {
    let mut c: Vec<String> = rows(dir)
        .iter()
        .map(|r| r["cell"].as_str().unwrap().to_string())
        .collect();
    c.sort();
    c
}

/// A finished command's standard error, as text.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// The `harness` binary as a plain process, for tests that signal, race
/// or pipe it (without backtraces, as [`harness`]).
pub fn harness_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("harness"));
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

/// Waits (at most a minute) until the run writing into `dir` has written
/// `n` whole rows.
pub fn wait_for_rows(dir: &Path, n: usize) {
    let start = std::time::Instant::now();
    let whole = || {
        std::fs::read_to_string(dir.join("results.jsonl")).map_or(0, |t| t.matches('\n').count())
    };
    while whole() < n {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "no {n} rows in {dir:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
