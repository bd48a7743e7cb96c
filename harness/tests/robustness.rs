//! The harness against hostile guests, faults, interruptions and bad
//! input, through the real binary: every case of docs/robustness.md.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{cells, harness, rows, stderr};

#[test]
fn hostile_guests_are_contained_on_every_runtime() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("hostile");
    let start = Instant::now();
    let assert = harness()
        .args([
            "matrix",
            "--scenario",
            "hostile",
            "--runtime",
            "all",
            "--quiet",
            "--no-report",
            "--cell-timeout",
            "1",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let table = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(table.contains("infinite-loop"), "{table}");
    assert!(!table.contains('✗'), "a case was not contained:\n{table}");
    let rows = rows(&out);
    for r in &rows {
        let runtime = r["runtime"].as_str().unwrap();
        let id = runtime.parse::<runtimes::RuntimeId>().unwrap();
        if !id.compiled_in() || (r["abi"] == "wit" && !id.hosts_components()) {
            assert_eq!(r["status"], "unsupported", "{r}");
            continue;
        }
        assert_eq!(r["status"], "error", "{r}");
        let message = r["error"].as_str().unwrap();
        assert!(message.contains("as expected"), "{r}");
        assert!(message.contains("answered correctly"), "{r}");
        assert!(!message.contains('\n'), "one line: {message}");
    }
    // Deadlines hold: 1 s each, with slack for Wasmer's operation budget.
    assert!(
        start.elapsed() < Duration::from_secs(180),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_panicking_cell_costs_only_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let output = harness()
        .args([
            "matrix",
            "--quick",
            "--all-factors",
            "--quiet",
            "--no-report",
            "--abi",
            "pair",
            "--only",
            "loading=preload",
            "--only",
            "limits=on",
            "--only",
            "lang=rust",
            "--inject-fault",
            "panic:operand=f32",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let rows = rows(&out);
    for r in &rows {
        if r["factors"]["operand"] == "f32" {
            assert_eq!(r["status"], "error", "{r}");
            assert_eq!(r["error_class"], "panic", "{r}");
        } else {
            assert_eq!(r["status"], "ok", "{r}");
        }
    }
    assert!(rows.iter().any(|r| r["status"] == "ok"));
    let run: Value = serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["status"], "finished");
}

#[test]
fn an_aborting_cell_costs_only_itself_with_isolate() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let output = harness()
        .args([
            "matrix",
            "--quick",
            "--all-factors",
            "--quiet",
            "--no-report",
            "--abi",
            "pair",
            "--runtime",
            "wasmer-cranelift",
            "--only",
            "loading=preload",
            "--only",
            "call=typed",
            "--only",
            "caching=cached",
            "--only",
            "limits=on",
            "--only",
            "lang=rust",
            "--isolate",
            "--inject-fault",
            "abort:handles=srs",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let rows = rows(&out);
    assert_eq!(rows.len(), 2 + 2 * 2, "natives + owned and srs per operand");
    for r in &rows {
        if r["factors"]["handles"] == "srs" {
            assert_eq!(r["error_class"], "crash", "{r}");
        } else {
            assert_eq!(r["status"], "ok", "{r}");
        }
    }
    // The children's folders are gone.
    let left: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A quick micro run on one runtime: enough cells to kill it midway.
fn resumable_args() -> Vec<&'static str> {
    vec![
        "matrix",
        "--quick",
        "--all-factors",
        "--quiet",
        "--no-report",
        "--abi",
        "pair,bytemuck",
        "--runtime",
        "wasmer-cranelift",
        "--only",
        "loading=preload",
        "--only",
        "lang=rust",
        "--reps",
        "20",
    ]
}

#[test]
fn a_killed_run_resumes_without_repeating_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    harness()
        .args(resumable_args())
        .arg("--out")
        .arg(&whole)
        .assert()
        .success();
    let killed = tmp.path().join("killed");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("harness"))
        .args(resumable_args())
        .arg("--out")
        .arg(&killed)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for a few cells, then SIGKILL.
    let start = Instant::now();
    loop {
        let n = std::fs::read_to_string(killed.join("results.jsonl"))
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if n >= 5 || start.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = rows(&killed).len();
    assert!(before >= 5 && before < cells(&whole).len(), "{before}");
    let run: Value =
        serde_json::from_slice(&std::fs::read(killed.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["status"], "running", "a killed run cannot say more");
    harness()
        .args(resumable_args())
        .arg("--resume")
        .arg(&killed)
        .assert()
        .success();
    assert_eq!(cells(&killed), cells(&whole), "no cell missing or repeated");
    let csv = std::fs::read_to_string(killed.join("results.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + cells(&whole).len(),
        "csv agrees with jsonl"
    );
    let run: Value =
        serde_json::from_slice(&std::fs::read(killed.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["status"], "finished");
    assert_eq!(run["resumed"].as_array().unwrap().len(), 1);
    // Another plan is refused, nothing written.
    let assert = harness()
        .args(resumable_args())
        .args(["--seed", "7", "--resume"])
        .arg(&killed)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(err.contains("--seed differs"), "{err}");
    assert_eq!(cells(&killed), cells(&whole));
    // Other limits, another ABI set: refused before the folder is opened,
    // every file in it byte for byte as it was.
    let files = |dir: &Path| -> Vec<(std::ffi::OsString, Vec<u8>)> {
        let mut all: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .map(|p| {
                (
                    p.file_name().unwrap().to_owned(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        all.sort();
        all
    };
    let kept = files(&killed);
    let other_abis: Vec<&str> = resumable_args()
        .into_iter()
        .map(|a| if a == "pair,bytemuck" { "pair" } else { a })
        .collect();
    for (args, flag) in [
        (
            [resumable_args(), vec!["--memory-limit", "64MiB"]].concat(),
            "--memory-limit",
        ),
        (
            [resumable_args(), vec!["--cell-timeout", "30"]].concat(),
            "--cell-timeout",
        ),
        (other_abis, "--abi"),
    ] {
        let assert = harness()
            .args(&args)
            .arg("--resume")
            .arg(&killed)
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(err.contains(&format!("{flag} differs")), "{err}");
        assert!(
            files(&killed) == kept,
            "a refused resume ({flag}) changed a file"
        );
    }
}

#[test]
fn sigint_stops_between_cells_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("harness"))
        .args(resumable_args())
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !out.join("results.jsonl").exists() || rows(&out).len() < 3 {
        assert!(start.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: signals our own child.
    unsafe {
        libc_kill(child.id() as i32, 2);
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let run: Value = serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["status"], "interrupted");
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + rows(&out).len());
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

/// One bad command line: exit 2, one line naming the problem, nothing
/// written under `out`.
fn refused(args: &[&str], out: &Path, want: &str) {
    let assert = harness().args(args).assert().code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(err.contains(want), "{args:?}: expected `{want}` in {err}");
    assert!(!out.exists(), "{args:?} left {out:?} behind");
}

#[test]
fn bad_command_lines_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("never");
    let o = out.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--calls", "18446744073709551615"],
            "more than 1000000000 calls",
        ),
        (&["--reps", "4294967295"], "more than 100000 replicates"),
        (&["--warmup=-1"], "--warmup"),
        (&["--warmup", "NaN"], "--warmup must be between"),
        (&["--format", "yaml"], "unknown format `yaml`"),
        (&["--order", "random"], "unknown order `random`"),
        (&["--only", "caching"], "is not FACTOR=V1,V2"),
        (&["--shard", "5/4"], "the shard is 1..=4"),
        (&["--shard", "auto"], "no job array here"),
        (&["--cell-timeout", "0"], "--cell-timeout must be between"),
        (&["--memory-limit", "1B"], "--memory-limit must be between"),
        (&["--memory-limit", "lots"], "--memory-limit:"),
        (
            &["--trace-format", "text"],
            "applies to --scenario sim only",
        ),
        (
            &["--scenario", "sim", "--trace-format", "text"],
            "describe a --trace file",
        ),
        (
            &["--scenario", "sim", "--size-change", "allow"],
            "describe a --trace file",
        ),
        (
            &["--scenario", "sim", "--calls", "5"],
            "--calls does not apply",
        ),
        (
            &["--scenario", "sim", "--cache-size", "0"],
            "a cache of 0 bytes",
        ),
        (
            &["--scenario", "hostile", "--reps", "5"],
            "--reps does not apply",
        ),
        (&["--resume", "/nonexistent/run"], "cannot resume"),
        (&["--trace", "t.txt"], "applies to --scenario sim only"),
        (
            &["--only", "caching=cached", "--only", "caching=uncached"],
            "--only caching is given twice",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["matrix", "--quick", "--all-factors", "--out", o];
        if args.contains(&"--resume") {
            all.truncate(2);
        }
        all.extend_from_slice(args);
        refused(&all, &out, want);
    }
}

#[test]
fn occupied_or_partial_output_folders_are_left_as_they_were() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["results.csv", "run.json", "results.jsonl"] {
        let dir = tmp.path().join(format!("holds-{name}"));
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join(name), "x").unwrap();
        let assert = harness()
            .args(["matrix", "--quick", "--all-factors", "--out"])
            .arg(&dir)
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(err.contains(&format!("already holds {name}")), "{err}");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "{name}: only the file that was there");
    }
}

#[test]
fn trace_generate_touches_no_other_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("foo.txt");
    let neighbour = tmp.path().join("foo.partial");
    std::fs::write(&neighbour, "mine").unwrap();
    harness()
        .args([
            "trace",
            "generate",
            "--requests",
            "100",
            "--objects",
            "10",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&neighbour).unwrap(), "mine");
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn bad_result_folders_given_to_other_commands_are_one_line_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let broken = tmp.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    std::fs::write(broken.join("results.jsonl"), "{\"scenario\": 1}\n").unwrap();
    std::fs::write(broken.join("run.json"), "{}").unwrap();
    let merged = tmp.path().join("m");
    let cases: Vec<(Vec<&std::ffi::OsStr>, &str)> = vec![
        (vec!["report".as_ref(), empty.as_os_str()], "empty"),
        (vec!["report".as_ref(), broken.as_os_str()], "broken"),
        (
            vec!["compare".as_ref(), empty.as_os_str(), broken.as_os_str()],
            "",
        ),
        (
            vec![
                "merge".as_ref(),
                broken.as_os_str(),
                "--out".as_ref(),
                merged.as_os_str(),
            ],
            "broken",
        ),
    ];
    for (args, want) in cases {
        let assert = harness().args(&args).assert().code(2);
        let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(want),
            "{args:?}: {err}"
        );
    }
    assert!(!merged.exists());
}
