//! The harness against hostile guests, faults, interruptions and bad
//! input, through the real binary: every case of docs/robustness.md.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{cells, harness, harness_process, rows, stderr, wait_for_rows};

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
            // The hostile default: a deadline holds while compiling too
            // (Wasmer LLVM's metered compile of the healthy guest can
            // take a second on a busy machine).
            "--cell-timeout",
            "3",
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
    // Deadlines hold: 3 s each, with slack for Wasmer's operation budget.
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
    let mut child = harness_process()
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
    // Rows that are not this plan's cells, or a cell twice (two runs in
    // one folder): refused naming the file and line, every file as it
    // was (both used to be taken in, the files rewritten).
    let path = killed.join("results.jsonl");
    let jsonl = std::fs::read_to_string(&path).unwrap();
    let first = jsonl.lines().next().unwrap();
    let n = jsonl.lines().count();
    let foreign = first.replacen("\"cell\":\"", "\"cell\":\"elsewhere/", 1);
    for (extra, want) in [
        (foreign.as_str(), "is not a cell of this plan".to_string()),
        (first, "is already on line 1".to_string()),
        ("{\"not\": \"a record\"}", "missing field".to_string()),
    ] {
        std::fs::write(&path, format!("{jsonl}{extra}\n")).unwrap();
        let kept = files(&killed);
        let assert = harness()
            .args(resumable_args())
            .arg("--resume")
            .arg(&killed)
            .assert()
            .code(2);
        let err = stderr(assert.get_output());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(&format!("results.jsonl:{}: ", n + 1)) && err.contains(&want),
            "{err}"
        );
        assert!(
            files(&killed) == kept,
            "a refused resume ({want}) changed a file"
        );
    }
    std::fs::write(&path, jsonl).unwrap();
}

/// Every regular file in `dir` (hidden ones too) with its bytes, sorted.
fn files(dir: &Path) -> Vec<(std::ffi::OsString, Vec<u8>)> {
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
}

/// A run of a few cells on wasmi (an interpreter: nothing to compile),
/// done in well under a second; `--all-factors` frees caching and call
/// (four wasmi cells and the native one).
fn small_args() -> Vec<&'static str> {
    vec![
        "matrix",
        "--quick",
        "--all-factors",
        "--quiet",
        "--no-report",
        "--runtime",
        "wasmi",
        "--abi",
        "pair",
        "--only",
        "loading=preload",
        "--only",
        "lang=rust",
        "--only",
        "operand=i32",
        "--only",
        "limits=off",
        "--only",
        "handles=owned",
    ]
}

#[test]
fn concurrent_starts_into_one_new_folder_leave_one_whole_run() {
    // The loser of the race used to remove the folder it had found
    // missing, with the winner's files in it: both runs lost.
    let tmp = tempfile::tempdir().unwrap();
    for round in 0..4 {
        let out = tmp.path().join(format!("race-{round}"));
        let starts: Vec<std::process::Child> = (0..8)
            .map(|_| {
                harness_process()
                    .args(small_args())
                    .arg("--out")
                    .arg(&out)
                    .env_remove("RUST_BACKTRACE")
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let ends: Vec<std::process::Output> = starts
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let won: Vec<&std::process::Output> = ends.iter().filter(|o| o.status.success()).collect();
        assert_eq!(won.len(), 1, "round {round}: {} ran", won.len());
        for lost in ends.iter().filter(|o| !o.status.success()) {
            let err = stderr(lost);
            assert_eq!(lost.status.code(), Some(2), "round {round}: {err}");
            assert_eq!(err.lines().count(), 1, "round {round}: {err}");
            assert!(err.contains(&out.display().to_string()), "{err}");
        }
        // The winner's folder, whole.
        let run: Value =
            serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
        assert_eq!(run["status"], "finished", "round {round}");
        let cells = cells(&out);
        assert_eq!(cells.len() as u64, run["cells"].as_u64().unwrap());
        let mut once = cells.clone();
        once.dedup();
        assert_eq!(once, cells, "round {round}: a cell twice");
        let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
        assert_eq!(csv.lines().count(), 1 + cells.len(), "round {round}");
    }
}

#[test]
fn a_resume_while_the_run_still_writes_is_refused() {
    // It used to run the cells not yet recorded beside the live run: the
    // same cells twice, or the live run's rows lost to its rewrite.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let mut live = harness_process()
        .args(resumable_args())
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_rows(&out, 2);
    let assert = harness()
        .args(resumable_args())
        .arg("--resume")
        .arg(&out)
        .assert()
        .code(2);
    let err = stderr(assert.get_output());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("still writing into it"), "{err}");
    let still = live.try_wait().unwrap().is_none();
    live.kill().unwrap();
    live.wait().unwrap();
    assert!(
        still,
        "the run ended before the resume was tried: make it longer"
    );
    // Killed, the writer's lock is gone with it: the resume goes on and
    // finishes the run, every cell once.
    harness()
        .args(resumable_args())
        .arg("--resume")
        .arg(&out)
        .assert()
        .success();
    let run: Value = serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    let cells = cells(&out);
    assert_eq!(cells.len() as u64, run["cells"].as_u64().unwrap());
    let mut once = cells.clone();
    once.dedup();
    assert_eq!(once, cells, "a cell twice");
}

#[test]
fn an_out_folder_holding_other_files_is_refused_untouched() {
    // Such a folder used to be written into (report.md replaced), exit 0.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mine");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("report.md"), "my notes").unwrap();
    let kept = files(&dir);
    for extra in [&[][..], &["--runs", "2"][..]] {
        let assert = harness()
            .args(small_args())
            .args(extra)
            .arg("--out")
            .arg(&dir)
            .assert()
            .code(2);
        let err = stderr(assert.get_output());
        assert_eq!(err.lines().count(), 1, "{extra:?}: {err}");
        assert!(
            err.contains("is not empty (it holds `report.md`)"),
            "{extra:?}: {err}"
        );
        assert!(files(&dir) == kept, "{extra:?}: a file changed");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "{extra:?}");
    }
    // An empty folder is taken, and kept.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    harness()
        .args(small_args())
        .arg("--out")
        .arg(&empty)
        .assert()
        .success();
    assert!(!rows(&empty).is_empty());
}

#[test]
fn symlinks_and_devices_in_place_of_outputs_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // An --out that is a link: it used to be followed, the run written
    // into the folder it pointed at.
    let real = tmp.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    for (out, want) in [
        (link.as_path(), "is a symbolic link"),
        (Path::new("/dev/null"), "is not a folder"),
    ] {
        let assert = harness()
            .args(small_args())
            .arg("--out")
            .arg(out)
            .assert()
            .code(2);
        let err = stderr(assert.get_output());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(want), "{err}");
    }
    assert_eq!(std::fs::read_dir(&real).unwrap().count(), 0);
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    // A link (to a file, or to a device) where a result file goes in a
    // folder to resume: refused, the link and its target left alone (the
    // resume used to replace the link with a file of its own).
    let run = tmp.path().join("run");
    harness()
        .args(small_args())
        .arg("--out")
        .arg(&run)
        .assert()
        .success();
    let precious = tmp.path().join("precious.csv");
    std::fs::write(&precious, "mine").unwrap();
    for target in [precious.as_path(), Path::new("/dev/null")] {
        for name in ["results.csv", "results.jsonl", "run.json"] {
            let path = run.join(name);
            let original = std::fs::read(&path).unwrap();
            std::fs::remove_file(&path).unwrap();
            std::os::unix::fs::symlink(target, &path).unwrap();
            let assert = harness()
                .args(small_args())
                .arg("--resume")
                .arg(&run)
                .assert()
                .code(2);
            let err = stderr(assert.get_output());
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(err.contains("is not a regular file"), "{name}: {err}");
            assert!(err.contains(name), "{err}");
            assert!(std::fs::symlink_metadata(&path).unwrap().is_symlink());
            assert_eq!(std::fs::read(&precious).unwrap(), b"mine");
            std::fs::remove_file(&path).unwrap();
            std::fs::write(&path, original).unwrap();
        }
    }
    // A resume of a link to a run folder is refused like an --out link.
    let to_run = tmp.path().join("to-run");
    std::os::unix::fs::symlink(&run, &to_run).unwrap();
    let assert = harness()
        .args(small_args())
        .arg("--resume")
        .arg(&to_run)
        .assert()
        .code(2);
    assert!(stderr(assert.get_output()).contains("is a symbolic link"));
}

#[test]
fn a_resume_appends_and_never_rewrites_the_rows_there() {
    // The resume used to parse every row and write it back (numbers
    // re-serialised); now the rows already there stay byte for byte.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    harness()
        .args(small_args())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let whole = cells(&out);
    assert!(whole.len() >= 4, "{whole:?}");
    // As a kill would leave it: the last cell never written, the one
    // before it in results.jsonl only (its CSV row not yet written), and
    // the next line cut short. The first row is spelt with a space JSON
    // allows and the harness never writes.
    let jsonl = std::fs::read_to_string(out.join("results.jsonl")).unwrap();
    let lines: Vec<&str> = jsonl.lines().collect();
    let mut kept = lines[..lines.len() - 1].join("\n") + "\n";
    kept = kept.replacen("\"status\":", "\"status\": ", 1);
    let cut = &lines[lines.len() - 1][..20];
    std::fs::write(out.join("results.jsonl"), format!("{kept}{cut}")).unwrap();
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    let csv_lines: Vec<&str> = csv.lines().collect();
    let csv_kept = csv_lines[..csv_lines.len() - 2].join("\n") + "\n";
    std::fs::write(out.join("results.csv"), &csv_kept).unwrap();
    harness()
        .args(small_args())
        .arg("--resume")
        .arg(&out)
        .assert()
        .success();
    let after = std::fs::read_to_string(out.join("results.jsonl")).unwrap();
    assert!(after.starts_with(&kept), "the rows there were rewritten");
    assert!(!after.contains(&format!("{cut}{{")), "the cut line is gone");
    assert_eq!(cells(&out), whole, "every cell once");
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert!(
        csv.starts_with(&csv_kept),
        "the CSV rows there were rewritten"
    );
    // The CSV row the kill kept from being written is added, in order.
    let csv_cells: Vec<String> = csv::Reader::from_reader(csv.as_bytes())
        .deserialize::<std::collections::HashMap<String, String>>()
        .map(|r| r.unwrap()["cell"].clone())
        .collect();
    let jsonl_cells: Vec<String> = rows(&out)
        .iter()
        .map(|r| r["cell"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(csv_cells, jsonl_cells, "csv agrees with jsonl");
}

#[test]
fn resume_refuses_a_trace_or_guest_module_rewritten_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    // A trace file rewritten with as many requests: its hits used to be
    // mixed with the first one's.
    let trace = tmp.path().join("trace.txt");
    let generate = |seed: &str| {
        harness()
            .args(["trace", "generate", "--requests", "300", "--objects", "30"])
            .args(["--force", "--seed", seed, "--out"])
            .arg(&trace)
            .assert()
            .success();
    };
    generate("1");
    let sim = |out_flag: &str, out: &Path| {
        let mut cmd = harness();
        cmd.args(["matrix", "--scenario", "sim", "--quick", "--quiet"])
            .args(["--no-report", "--runtime", "wasmi", "--abi", "pair"])
            .arg("--trace")
            .arg(&trace)
            .arg(out_flag)
            .arg(out);
        cmd
    };
    let run = tmp.path().join("sim");
    sim("--out", &run).assert().success();
    let info: Value =
        serde_json::from_slice(&std::fs::read(run.join("run.json")).unwrap()).unwrap();
    assert_eq!(
        info["options"]["trace"]["sha256"].as_str().unwrap().len(),
        64
    );
    generate("2");
    let kept = files(&run);
    let assert = sim("--resume", &run).assert().code(2);
    let err = stderr(assert.get_output());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("the trace's content (SHA-256"), "{err}");
    assert!(files(&run) == kept, "a refused resume changed a file");

    // A --guest module rewritten in place (a custom section added: the
    // same code, other bytes).
    let guest = tmp.path().join("g.wasm");
    let module = wat::parse_str(
        r#"(module
             (func (export "micro_mul_i32") (param i32 i32) (result i32)
               (i32.mul (local.get 0) (local.get 1)))
             (func (export "micro_mul_f32") (param f32 f32) (result f32)
               (f32.mul (local.get 0) (local.get 1))))"#,
    )
    .unwrap();
    std::fs::write(&guest, &module).unwrap();
    let spec = format!("pair={}", guest.display());
    let run = tmp.path().join("guest");
    harness()
        .args(small_args())
        .args(["--guest", &spec, "--out"])
        .arg(&run)
        .assert()
        .success();
    std::fs::write(&guest, [module.as_slice(), &[0, 2, 1, b'x']].concat()).unwrap();
    let kept = files(&run);
    let assert = harness()
        .args(small_args())
        .args(["--guest", &spec, "--resume"])
        .arg(&run)
        .assert()
        .code(2);
    let err = stderr(assert.get_output());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("--guest module") && err.contains("g.wasm"),
        "{err}"
    );
    assert!(files(&run) == kept, "a refused resume changed a file");
}

#[test]
fn sigint_stops_between_cells_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let mut child = harness_process()
        .args(resumable_args())
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_rows(&out, 3);
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
