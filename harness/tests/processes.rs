//! The processes a run starts: children die with their parent, an
//! interrupted `--isolate` run records no cell it did not finish, and a
//! child binary named in the environment is checked before anything is
//! written.

use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

mod common;
use common::{cells, harness, harness_process, rows, stderr};

/// The pids of processes whose command line mentions `needle`.
fn processes_naming(needle: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if String::from_utf8_lossy(&cmdline).contains(needle) && pid != std::process::id() {
            pids.push(pid);
        }
    }
    pids
}

/// Waits until `done` or `limit` passes; whether it was done.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

#[test]
fn runs_children_die_with_their_parent() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("runs");
    let mut parent = harness_process()
        .args([
            "matrix",
            "--runs",
            "3",
            "--quiet",
            "--runtime",
            "wasmi",
            "--abi",
            "pair",
        ])
        .args(["--only", "caching=cached", "--cell-budget", "5"])
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let needle = out.join("run-1").display().to_string();
    assert!(
        wait_for(Duration::from_secs(60), || !processes_naming(&needle)
            .is_empty()),
        "the first run's process started"
    );
    // The hardest end for a parent: no handler runs.
    parent.kill().unwrap();
    parent.wait().unwrap();
    assert!(
        wait_for(Duration::from_secs(30), || processes_naming(&needle)
            .is_empty()),
        "the child went on measuring after its parent died: {:?}",
        processes_naming(&needle)
    );
}

#[test]
fn an_interrupted_isolated_run_records_no_unfinished_cell() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    // Enough cells (each its own process) that the interrupt lands mid-run.
    let plan = [
        "matrix",
        "--quick",
        "--quiet",
        "--isolate",
        "--runtime",
        "wasmi",
        "--abi",
        "pair,bincode,bytemuck,postcard,protobuf,rkyv",
        "--only",
        "operand=i32,f32",
    ];
    let args = |out: &Path| {
        let mut a: Vec<std::ffi::OsString> = plan.map(Into::into).to_vec();
        a.push("--out".into());
        a.push(out.into());
        a
    };
    let mut run = harness_process()
        .args(args(&out))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    // Once a cell is written, Ctrl-C the whole group (as a
    // terminal does: the isolated child gets it too).
    assert!(wait_for(Duration::from_secs(60), || {
        std::fs::read_to_string(out.join("results.jsonl")).is_ok_and(|t| t.lines().count() >= 1)
    }));
    // SAFETY: signals the process group just started.
    unsafe {
        libc::kill(-(run.id() as i32), libc::SIGINT);
    }
    let status = run.wait().unwrap();
    assert_eq!(status.code(), Some(130), "interrupted");
    assert!(
        rows(&out).iter().all(|r| r["status"] != "error"),
        "no cell recorded as a crash: {:?}",
        rows(&out)
    );
    harness()
        .args(plan)
        .arg("--resume")
        .arg(&out)
        .assert()
        .success();
    let all = rows(&out);
    assert!(all.iter().all(|r| r["status"] == "ok"), "{all:?}");
    let ids = cells(&out);
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "no cell twice");
}

#[test]
fn a_missing_child_binary_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let run = harness()
        .args(["matrix", "--quick", "--runtime", "wasmi", "--abi", "pair"])
        .args(["--host-profile", "debug,release"])
        .env("ABILAB_HARNESS_DEBUG", "/no/such/harness")
        .env("ABILAB_HARNESS_RELEASE", "/no/such/harness")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(err.contains("/no/such/harness: no such file"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!out.exists(), "nothing written");
}
