//! Other host profiles, run as child processes (`--host-profile`).
//!
//! The paper's Debug/Release factor is the optimisation level of the whole
//! host program. One binary has one; so a run that asks for another
//! profile runs the same matrix through a harness built with it, in a child
//! process given the user's own arguments, and merges the child's cells
//! into its own result set. The child's own folder (`host-<profile>/`
//! inside the run folder) is kept with its `run.json`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::factors::HostProfile;
use crate::output::Record;

/// The binary `ABILAB_HARNESS_<PROFILE>` names for `profile`, if set; a
/// name that is not a file is bad input, said before anything is written
/// or measured.
pub fn given(profile: HostProfile) -> Result<Option<PathBuf>, String> {
    let var = format!("ABILAB_HARNESS_{}", profile.id().to_uppercase());
    let Some(path) = std::env::var_os(&var) else {
        return Ok(None);
    };
    let binary = PathBuf::from(path);
    if binary.is_file() {
        Ok(Some(binary))
    } else {
        Err(format!("{var}={}: no such file", binary.display()))
    }
}

/// A harness binary built with another host profile.
#[derive(Debug, Clone)]
pub struct Child {
    /// The host profile.
    pub profile: HostProfile,
    /// The binary.
    pub binary: PathBuf,
}

/// Finds (building it first if this binary was built from a checkout) the
/// harness for `profile`, with the backends of `runtimes` (the run's: a
/// debug host of Wasmer Cranelift need not wait for LLVM's).
/// `ABILAB_HARNESS_<PROFILE>` names a binary to use instead.
pub fn prepare(
    profile: HostProfile,
    runtimes: &[runtimes::RuntimeId],
    quiet: bool,
) -> anyhow::Result<Child> {
    if let Some(binary) = given(profile).map_err(anyhow::Error::msg)? {
        return Ok(Child { profile, binary });
    }
    let (cargo_profile, dir) = profile.cargo_profile();
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
        let features: Vec<&str> = runtimes
            .iter()
            .filter(|r| r.compiled_in())
            .map(|r| r.feature())
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
            "no {profile} host harness at {} (set ABILAB_HARNESS_{} to one)",
            binary.display(),
            profile.id().to_uppercase()
        );
    }
    Ok(Child { profile, binary })
}

/// The arguments of a host-profile child's `matrix`: the user's own, its
/// rows as JSON into `out`.
pub fn child_args(user: &[OsString], out: &Path) -> Vec<OsString> {
    let mut args = crate::relaunch::matrix_args(user, crate::relaunch::Child::HostProfile);
    args.extend(["--format".into(), "json".into(), "--out".into(), out.into()]);
    args
}

impl Child {
    /// Runs the child's matrix with `args` and returns its cells from the
    /// `--out` folder they name. A child whose cells fail still returns
    /// them (exit code 1); only a child that could not run is an error.
    pub fn run(&self, args: &[OsString]) -> anyhow::Result<Vec<Record>> {
        let out = args
            .iter()
            .rposition(|a| a == "--out")
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from)
            .context("child arguments without --out")?;
        let output = crate::relaunch::command(&self.binary)
            .args(args)
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
        let path = out.join("results.jsonl");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading the {} host's results", self.profile))?;
        text.lines()
            .enumerate()
            .map(|(i, line)| {
                serde_json::from_str(line)
                    .with_context(|| format!("{}:{}: not a result row", path.display(), i + 1))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_args_keep_the_users_and_replace_the_parents() {
        let user: Vec<OsString> = [
            "harness",
            "matrix",
            "--quick",
            "--host-profile",
            "release,debug",
            "--only=caching=cached",
            "--out=x",
            "--format",
            "table",
            "--isolate",
            "--resume",
            "old",
            "--abi",
            "pair",
        ]
        .iter()
        .map(Into::into)
        .collect();
        let args = child_args(&user, Path::new("run/host-debug"));
        let text: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            text,
            [
                "matrix",
                "--quick",
                "--only=caching=cached",
                "--abi",
                "pair",
                "--format",
                "json",
                "--out",
                "run/host-debug"
            ]
        );
    }
}
