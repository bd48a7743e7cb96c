//! The Slurm job array of docs/cluster.md on a real scheduler: four shards
//! submitted with `sbatch scripts/slurm-array.sh`, merged with `harness
//! merge`, give the unsharded run's cell set, cell id for cell id. Runs
//! when a Slurm controller answers here (`setup.sh --slurm` brings up a
//! one-node cluster); skipped, saying why, when none does.

use std::path::Path;
use std::process::Command;

mod common;
use common::cells;

/// Why Slurm cannot run a job here, if it cannot.
fn no_slurm() -> Option<String> {
    let out = match Command::new("sinfo").args(["-h", "-o", "%T"]).output() {
        Err(e) => return Some(format!("no sinfo ({e}): Slurm is not installed")),
        Ok(out) => out,
    };
    let states = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        return Some(format!(
            "sinfo failed ({}): no Slurm controller answers",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let ready = ["idle", "mixed", "allocated"];
    if !states
        .lines()
        .any(|s| ready.iter().any(|r| s.starts_with(r)))
    {
        return Some(format!("no node takes jobs (states: {})", states.trim()));
    }
    None
}

#[test]
fn a_slurm_array_merges_into_the_unsharded_cell_set() {
    if let Some(why) = no_slurm() {
        eprintln!("skipped: {why} (setup.sh --slurm brings up a one-node cluster)");
        return;
    }
    let harness = env!("CARGO_BIN_EXE_harness");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/slurm-array.sh");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("array");
    let args = "--scenario micro --runtime wasmtime,wasmi --abi pair --quick --all-factors \
                --only loading=preload";
    let mut sbatch = Command::new("sbatch")
        .arg("--wait")
        .arg(format!(
            "--output={}/abilab-%A-%a.log",
            tmp.path().display()
        ))
        .arg(&script)
        .env("HARNESS", harness)
        .env("OUT", &out)
        .env("MATRIX_ARGS", args)
        .spawn()
        .expect("sbatch runs");
    // A node that answers `sinfo` but whose slurmd is gone would leave the
    // array pending for ever: a deadline, then the jobs are cancelled.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
    let status = loop {
        if let Some(status) = sbatch.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = sbatch.kill();
            let _ = Command::new("scancel").args(["--name", "abilab"]).status();
            panic!("the array did not finish in 10 minutes (is slurmd running?)");
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    assert!(status.success(), "the array failed: {status}");
    let shards: Vec<_> = (0..4).map(|i| out.join(format!("shard-{i}"))).collect();
    for s in &shards {
        assert!(s.join("run.json").exists(), "{} missing", s.display());
    }
    let merged = tmp.path().join("merged");
    let st = Command::new(harness)
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .status()
        .unwrap();
    assert!(st.success());
    let whole = tmp.path().join("whole");
    let st = Command::new(harness)
        .arg("matrix")
        .args(args.split_whitespace())
        .args(["--quiet", "--no-report", "--out"])
        .arg(&whole)
        .status()
        .unwrap();
    assert!(st.success());
    let (a, b) = (cells(&merged), cells(&whole));
    assert!(!a.is_empty());
    assert_eq!(a, b, "the merged shards are not the unsharded cell set");
}
