//! Other host profiles, run as child processes (`--host-profile`).
//!
//! The paper's Debug/Release factor is the optimisation level of the whole
//! host program. One binary has one; so a run that asks for another
//! profile runs the same matrix through a harness built with it, in a child
//! process, and merges the child's cells into its own result set. The
//! child's own folder (`host-<profile>/` inside the run folder) is kept
//! with its `run.json`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::output::Record;
use crate::plan::Options;

/// The host profiles a cell can run in.
pub const PROFILES: &[&str] = &["release", "debug", "dev"];

/// The cargo profile that builds a host profile, and its output directory.
fn cargo_profile(host: &str) -> (&'static str, &'static str) {
    match host {
        "release" => ("release", "release"),
        "debug" => ("debug-host", "debug-host"),
        _ => ("dev", "debug"),
    }
}

/// A harness binary built with another host profile.
#[derive(Debug, Clone)]
pub struct Child {
    /// The host profile.
    pub profile: String,
    /// The binary.
    pub binary: PathBuf,
}

/// Finds (building it first if this binary was built from a checkout) the
/// harness for `profile`. `ABILAB_HARNESS_<PROFILE>` names a binary to use
/// instead.
pub fn prepare(profile: &str, quiet: bool) -> anyhow::Result<Child> {
    let var = format!("ABILAB_HARNESS_{}", profile.to_uppercase());
    if let Some(path) = std::env::var_os(&var) {
        return Ok(Child {
            profile: profile.to_string(),
            binary: PathBuf::from(path),
        });
    }
    let (cargo_profile, dir) = cargo_profile(profile);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("no workspace")?;
    let exe = std::env::current_exe().context("locating this binary")?;
    // <target>/<profile dir>/harness → <target>
    let target = exe
        .parent()
        .and_then(Path::parent)
        .context("this binary is not inside a cargo target directory")?;
    let binary = target.join(dir).join("harness");
    if workspace.join("Cargo.toml").exists() {
        let features: Vec<&str> = runtimes::RuntimeId::ALL
            .iter()
            .filter(|r| r.compiled_in())
            .map(|r| r.id())
            .collect();
        if !quiet {
            eprintln!(
                "building the {profile} host harness (cargo build --profile {cargo_profile}); \
                 the first time takes minutes"
            );
        }
        let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .current_dir(workspace)
            .args([
                "build",
                "--quiet",
                "-p",
                "harness",
                "--profile",
                cargo_profile,
            ])
            .arg("--no-default-features")
            .arg(format!("--features={}", features.join(",")))
            .arg("--target-dir")
            .arg(target)
            .status()
            .context("running cargo")?;
        if !status.success() {
            bail!("building the {profile} host harness failed");
        }
    }
    if !binary.exists() {
        bail!(
            "no {profile} host harness at {} (set {var} to one)",
            binary.display()
        );
    }
    Ok(Child {
        profile: profile.to_string(),
        binary,
    })
}

impl Child {
    /// Runs the matrix of `opts` in the child, into `out`, and returns its
    /// cells. A child whose cells fail still returns them (exit code 1);
    /// only a child that could not run at all is an error.
    pub fn run(&self, opts: &Options, out: &Path) -> anyhow::Result<Vec<Record>> {
        let args: Vec<OsString> = opts.child_args(out);
        let output = Command::new(&self.binary)
            .args(&args)
            .stderr(std::process::Stdio::inherit())
            .output()
            .with_context(|| format!("running {}", self.binary.display()))?;
        if !matches!(output.status.code(), Some(0 | 1)) {
            bail!(
                "the {} host harness failed ({})",
                self.profile,
                output.status
            );
        }
        let text = std::fs::read_to_string(out.join("results.jsonl"))
            .with_context(|| format!("reading the {} host's results", self.profile))?;
        text.lines()
            .enumerate()
            .map(|(i, line)| {
                serde_json::from_str(line).with_context(|| {
                    format!(
                        "{}:{}: not a result row",
                        out.join("results.jsonl").display(),
                        i + 1
                    )
                })
            })
            .collect()
    }
}
