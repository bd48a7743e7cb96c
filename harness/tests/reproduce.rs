//! `harness reproduce`, driven as a user would: the plan checks out, a
//! tree that is not one clean commit is refused, and one configuration
//! made end to end leaves a complete folder, its provenance and the index.

use std::path::Path;

use serde_json::Value;

mod common;
use common::harness;

#[test]
fn the_list_states_every_budget_and_the_total() {
    let out = harness().args(["reproduce", "--list"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains("paper-micro") && text.contains("footprint"),
        "{text}"
    );
    assert!(text.lines().any(|l| l.starts_with("total")), "{text}");
}

#[test]
fn every_reference_configuration_parses_as_the_cli_takes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = harness()
        .args(["reproduce", "--dry-run", "--allow-dirty", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("configurations check out"), "{text}");
    // A report whose inputs are neither planned nor present is refused.
    let out = harness()
        .args([
            "reproduce",
            "--dry-run",
            "--allow-dirty",
            "--only",
            "claims",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("reads paper-micro"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn bad_names_and_a_foreign_checkout_are_refused_before_anything_runs() {
    let out = harness()
        .args(["reproduce", "--only", "nope"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("no reference configuration `nope`"), "{err}");

    // A git checkout at another commit than the binary's: refused, and
    // nothing written under it.
    let repo = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t"])
            .args(args)
            .current_dir(repo.path())
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    std::fs::write(repo.path().join("a.txt"), "a").unwrap();
    git(&["add", "a.txt"]);
    git(&["commit", "-q", "-m", "a"]);
    let out = harness()
        .current_dir(repo.path())
        .args(["reproduce", "--only", "hostile"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("but the checkout is at") || err.contains("uncommitted changes"),
        "{err}"
    );
    assert!(!repo.path().join("results").exists());

    // --smoke and --allow-dirty never write into the reference.
    let out = harness()
        .args(["reproduce", "--smoke", "--only", "hostile"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("give --out DIR"), "{err}");
}

#[test]
fn a_configuration_made_end_to_end_says_how_it_was_made() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ref");
    // A folder this command did not make stays as it is.
    std::fs::create_dir_all(out.join("mine")).unwrap();
    harness()
        .args([
            "reproduce",
            "--smoke",
            "--allow-dirty",
            "--only",
            "hostcall",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let folder = out.join("hostcall");
    assert!(folder.join("results.jsonl").is_file());
    assert!(folder.join("run.json").is_file());
    assert!(!folder.join(".harness.lock").exists());
    let made: Value = read_json(&folder.join("reproduce.json"));
    assert_eq!(made["name"], "hostcall");
    assert_eq!(made["exit"], 0);
    assert_eq!(made["smoke"], true);
    assert!(
        made["command"]
            .as_str()
            .unwrap()
            .starts_with("harness matrix --scenario hostcall")
    );
    let run: Value = read_json(&folder.join("run.json"));
    assert_eq!(made["git_commit"], run["git_commit"]);
    let index = std::fs::read_to_string(out.join("INDEX.md")).unwrap();
    assert!(
        index.contains("| `hostcall/` |") && index.contains("(smoke)"),
        "{index}"
    );
    assert!(index.contains("`mine/`"), "{index}");
    assert!(out.join("mine").is_dir());
    // No partial folder is left behind.
    let hidden: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");

    // Made again with --resume: kept, not remade.
    let before = std::fs::read_to_string(folder.join("reproduce.json")).unwrap();
    let assert = harness()
        .args([
            "reproduce",
            "--smoke",
            "--allow-dirty",
            "--resume",
            "--only",
            "hostcall",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(err.contains("kept (made by this commit"), "{err}");
    assert_eq!(
        before,
        std::fs::read_to_string(folder.join("reproduce.json")).unwrap()
    );

    // The report names its run from where it lies, not the partial folder
    // the run was made in.
    let report = std::fs::read_to_string(folder.join("report.md")).unwrap();
    assert!(report.contains("| `.` | hostcall |"), "{report}");
    assert!(!report.contains(".partial-"), "{report}");

    // --reports rewrites the report from the rows and measures nothing.
    let rows = std::fs::read(folder.join("results.jsonl")).unwrap();
    std::fs::remove_file(folder.join("report.md")).unwrap();
    let assert = harness()
        .args([
            "reproduce",
            "--reports",
            "--allow-dirty",
            "--only",
            "hostcall,paper-micro",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(err.contains("hostcall: report rewritten"), "{err}");
    assert!(err.contains("paper-micro: not made"), "{err}");
    assert!(folder.join("report.md").is_file());
    assert_eq!(rows, std::fs::read(folder.join("results.jsonl")).unwrap());
    // Same binary as made it: no separate report commit.
    assert_eq!(
        before,
        std::fs::read_to_string(folder.join("reproduce.json")).unwrap()
    );
    let out = harness()
        .args([
            "reproduce",
            "--reports",
            "--resume",
            "--allow-dirty",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("cannot be used with"), "{err}");
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}
