//! `harness reproduce`: makes `results/reference/` anew, every
//! configuration of [`plan::REFERENCE`] from one clean commit.
//!
//! Each configuration runs as a child `harness` (a fresh process: no
//! engine, allocator or JIT state carried from the one before) into a
//! hidden partial folder, which replaces the old folder only when the
//! child ended; a child that hangs past three times its budget is killed,
//! its partial folder removed, and the rest goes on. Every folder gets a
//! `reproduce.json` (command, commit, time taken, what was trimmed), and
//! `INDEX.md` lists them all with budgets and times. `--resume` keeps the
//! folders already made by this commit, so a reproduction interrupted (or
//! spread over two sittings) finishes from the same build.

pub mod plan;
mod trim;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::Failure;
use crate::cli::ReproduceArgs;
use analysis::units::duration as minutes;
use plan::{Config, Make};

/// What a folder of the reference says of how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Made {
    /// The configuration's name (its folder).
    pub name: String,
    /// The command, as a reader would type it.
    pub command: String,
    /// The commit the binary was built from.
    pub git_commit: String,
    /// Whether that build had uncommitted changes (never, without
    /// `--allow-dirty`).
    pub git_dirty: bool,
    /// When it started and ended (UTC).
    pub started: String,
    /// When it ended.
    pub finished: String,
    /// Wall-clock seconds.
    pub took_s: f64,
    /// The budget, minutes.
    pub budget_min: u32,
    /// The child's exit code: 0, or 1 when cells failed.
    pub exit: i32,
    /// What was dropped to keep files under the size limit.
    pub trimmed: Vec<String>,
    /// Made with `--smoke` (`--quick` matrices): not a reference.
    #[serde(default)]
    pub smoke: bool,
    /// The commit whose `harness reproduce --reports` last rewrote the
    /// folder's report from its rows, when not the commit that measured
    /// them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_commit: Option<String>,
}

/// The marker every made folder carries.
const MADE: &str = "reproduce.json";

/// Runs `harness reproduce`.
pub fn run(a: &ReproduceArgs) -> Result<ExitCode, Failure> {
    let configs = plan::select(&a.only).map_err(Failure::Usage)?;
    if a.list {
        super::emit(list(&configs))?;
        return Ok(ExitCode::SUCCESS);
    }
    let exe = std::env::current_exe()
        .map_err(|e| Failure::Run(anyhow::anyhow!("locating this binary: {e}")))?;
    let out = match &a.out {
        Some(out) => out.clone(),
        None => checkout()
            .map_err(|e| Failure::Usage(format!("{e} (or give --out DIR)")))?
            .join("results/reference"),
    };
    if (a.allow_dirty || a.smoke) && a.out.is_none() {
        return Err(Failure::Usage(
            "--allow-dirty and --smoke write elsewhere than the reference: give --out DIR".into(),
        ));
    }
    if !a.allow_dirty {
        clean().map_err(Failure::Usage)?;
    }
    if a.dry_run {
        return dry_run(&exe, &configs, &out);
    }
    if a.reports {
        return reports(&configs, &out);
    }
    std::fs::create_dir_all(&out)
        .map_err(|e| Failure::Usage(format!("cannot create {}: {e}", out.display())))?;
    let total = plan::total_min(&configs);
    eprintln!(
        "reproduce: {} configurations into {}, budget {} (h:min) on the reference machine",
        configs.len(),
        out.display(),
        hm(total)
    );
    let started = Instant::now();
    let mut failed = Vec::new();
    for (i, c) in configs.iter().enumerate() {
        let head = format!("[{}/{}] {}", i + 1, configs.len(), c.name);
        if a.resume
            && let Some(m) = made(&out.join(c.name))
            && m.git_commit == env!("ABILAB_GIT_COMMIT")
            && m.command == c.command()
            && m.exit == 0
            && m.smoke == a.smoke
        {
            eprintln!("{head}: kept (made by this commit, {})", minutes(m.took_s));
            continue;
        }
        eprintln!("{head}: {} (budget {} min)", c.command(), c.budget_min);
        match make(&exe, c, &out, a.smoke) {
            Ok(m) => {
                eprintln!(
                    "{head}: done in {} (budget {} min){}{}",
                    minutes(m.took_s),
                    c.budget_min,
                    if m.exit == 0 {
                        ""
                    } else {
                        ", some cells failed"
                    },
                    if m.trimmed.is_empty() {
                        ""
                    } else {
                        ", trimmed"
                    }
                );
                if m.exit != 0 {
                    failed.push(c.name);
                }
            }
            Err(e) => {
                eprintln!("{head}: failed: {}", super::one_line(&format!("{e:#}")));
                failed.push(c.name);
            }
        }
    }
    let index = index(&out);
    std::fs::write(out.join("INDEX.md"), index)
        .map_err(|e| Failure::Run(anyhow::anyhow!("writing INDEX.md: {e}")))?;
    eprintln!(
        "reproduce: {} in {}; {}",
        out.display(),
        minutes(started.elapsed().as_secs_f64()),
        if failed.is_empty() {
            "every configuration made".to_string()
        } else {
            format!("not clean: {}", failed.join(", "))
        }
    );
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The plan as a table: name, budget, command; the total.
fn list(configs: &[&Config]) -> String {
    let mut s = String::from("configuration                 budget  command\n");
    for c in configs {
        s.push_str(&format!(
            "{:<29} {:>3} min  {}\n",
            c.name,
            c.budget_min,
            c.command()
        ));
    }
    s.push_str(&format!(
        "total                         {} (h:min) on the reference machine\n",
        hm(plan::total_min(configs))
    ));
    s
}

/// The top of the git checkout the command runs in.
fn checkout() -> Result<PathBuf, String> {
    git(&["rev-parse", "--show-toplevel"])
        .map(PathBuf::from)
        .map_err(|e| format!("not in a git checkout: {e}"))
}

/// Refuses a binary or a tree that is not one clean commit: the binary
/// built with uncommitted changes, or from another commit than the
/// checkout's, or a checkout with uncommitted changes to tracked files.
fn clean() -> Result<(), String> {
    let built = env!("ABILAB_GIT_COMMIT");
    if built.is_empty() {
        return Err(
            "this binary does not know its commit (built outside a git checkout): \
                    the reference must come from one clean commit"
                .into(),
        );
    }
    if env!("ABILAB_GIT_DIRTY") == "true" {
        return Err(format!(
            "this binary was built from {} with uncommitted changes: commit them and rebuild \
             (--allow-dirty --out DIR to try the command elsewhere)",
            short(built)
        ));
    }
    let head = git(&["rev-parse", "HEAD"])?;
    if head != built {
        return Err(format!(
            "this binary was built from {} but the checkout is at {}: rebuild it",
            short(built),
            short(&head)
        ));
    }
    // The results are what this command writes; the rest is the code.
    let status: Vec<&str> = ["status", "--porcelain", "--untracked-files=no"]
        .into_iter()
        .chain(crate::code_paths::CODE.iter().copied())
        .collect();
    let status = git(&status)?;
    if let Some(first) = status.lines().next() {
        return Err(format!(
            "the checkout has uncommitted changes ({}{}): the reference must come from one \
             clean commit",
            first.trim(),
            if status.lines().count() > 1 {
                ", ..."
            } else {
                ""
            }
        ));
    }
    Ok(())
}

/// `git ARGS` in the current directory, its trimmed output.
fn git(args: &[&str]) -> Result<String, String> {
    let o = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !o.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(9)]
}

/// Checks every configuration without running it: each matrix's
/// arguments through `matrix --dry-run`, each report's inputs among the
/// configurations made before it or already present.
fn dry_run(exe: &Path, configs: &[&Config], out: &Path) -> Result<ExitCode, Failure> {
    let mut bad = Vec::new();
    for c in configs {
        match c.make {
            Make::Matrix(_) => {
                let o = Command::new(exe)
                    .args(c.args())
                    .arg("--dry-run")
                    .stdin(Stdio::null())
                    .output()
                    .map_err(|e| Failure::Run(e.into()))?;
                if !o.status.success() {
                    let why = String::from_utf8_lossy(&o.stderr);
                    bad.push(format!("{}: {}", c.name, why.lines().next().unwrap_or("")));
                }
            }
            Make::Report(inputs) => {
                for input in inputs {
                    let planned = configs.iter().any(|o| o.name == *input);
                    if !planned && !out.join(input).is_dir() {
                        bad.push(format!(
                            "{}: reads {input}, neither planned nor in {}",
                            c.name,
                            out.display()
                        ));
                    }
                }
            }
        }
    }
    if bad.is_empty() {
        super::emit(format!(
            "reproduce --dry-run: {} configurations check out, budget {} (h:min)\n",
            configs.len(),
            hm(plan::total_min(configs))
        ))?;
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Failure::Usage(bad.join("; ")))
    }
}

/// `--reports`: every made folder of `configs` gets its report rewritten
/// from the rows it holds (a matrix's own, a report's inputs'), in plan
/// order so a report over other folders reads them as they are now.
/// Nothing is measured; the rows, `between-runs.csv` and what `matrix`
/// wrote beside them stay as made.
fn reports(configs: &[&Config], out: &Path) -> Result<ExitCode, Failure> {
    let font = Path::new(analysis::figures::DEFAULT_FONT);
    let commit = env!("ABILAB_GIT_COMMIT");
    let mut failed = Vec::new();
    for c in configs {
        let folder = out.join(c.name);
        let Some(mut m) = made(&folder) else {
            eprintln!(
                "{}: not made by `harness reproduce`: no report to rewrite",
                c.name
            );
            continue;
        };
        let inputs: Vec<PathBuf> = match c.make {
            Make::Matrix(_) => vec![folder.clone()],
            Make::Report(inputs) => inputs.iter().map(|i| out.join(i)).collect(),
        };
        let written = analysis::load_all(&inputs)
            .map_err(|e| e.to_string())
            .and_then(|runs| {
                super::report::write(&runs, &folder, font).map_err(|e| match e {
                    Failure::Usage(e) => e,
                    Failure::Run(e) => format!("{e:#}"),
                })
            })
            .and_then(|summary| {
                let trimmed =
                    trim::trim(&folder, trim::MAX_FILE_BYTES).map_err(|e| format!("{e:#}"))?;
                for t in trimmed {
                    if !m.trimmed.contains(&t) {
                        m.trimmed.push(t);
                    }
                }
                m.report_commit = (commit != m.git_commit).then(|| commit.to_string());
                record(&folder, &m).map_err(|e| e.to_string())?;
                Ok(summary)
            });
        match written {
            Ok(_) => eprintln!("{}: report rewritten", c.name),
            Err(e) => {
                eprintln!("{}: failed: {}", c.name, super::one_line(&e));
                failed.push(c.name);
            }
        }
    }
    std::fs::write(out.join("INDEX.md"), index(out))
        .map_err(|e| Failure::Run(anyhow::anyhow!("writing INDEX.md: {e}")))?;
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("reproduce --reports: not clean: {}", failed.join(", "));
        Ok(ExitCode::from(1))
    }
}

/// Makes one configuration into `out/<name>`: its child runs into a
/// partial folder that replaces the old one only once it is complete.
fn make(exe: &Path, c: &Config, out: &Path, smoke: bool) -> anyhow::Result<Made> {
    let folder = out.join(c.name);
    if folder.exists() && made(&folder).is_none() && !harness_folder(&folder) {
        anyhow::bail!(
            "{} exists and is not a harness run folder: not replacing what this command did \
             not make",
            folder.display()
        );
    }
    let partial = out.join(format!(".partial-{}", c.name.replace('/', "+")));
    if partial.exists() {
        // Ours: only this command names folders so.
        std::fs::remove_dir_all(&partial)?;
    }
    let mut args = c.args();
    if let Make::Report(inputs) = c.make {
        args.truncate(1);
        args.extend(inputs.iter().map(|i| out.join(i).display().to_string()));
    }
    if smoke && matches!(c.make, Make::Matrix(_)) {
        args.push("--quick".into());
    }
    args.push("--out".into());
    args.push(partial.display().to_string());
    if matches!(c.make, Make::Matrix(_)) {
        args.push("--quiet".into());
    }
    let started = std::time::SystemTime::now();
    let clock = Instant::now();
    let limit = Duration::from_secs(u64::from(c.budget_min) * 3 * 60);
    let exit = run_bounded(exe, &args, limit);
    let took_s = clock.elapsed().as_secs_f64();
    let exit = match exit {
        Ok(code @ (0 | 1)) if partial.is_dir() => code,
        Ok(code) => {
            let _ = std::fs::remove_dir_all(&partial);
            anyhow::bail!("exit code {code}");
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    remove_locks(&partial)?;
    let trimmed = trim::trim(&partial, trim::MAX_FILE_BYTES)?;
    let m = Made {
        name: c.name.to_string(),
        command: c.command(),
        git_commit: env!("ABILAB_GIT_COMMIT").to_string(),
        git_dirty: env!("ABILAB_GIT_DIRTY") == "true",
        started: crate::fingerprint::rfc3339(started),
        finished: crate::fingerprint::rfc3339(std::time::SystemTime::now()),
        took_s,
        budget_min: c.budget_min,
        exit,
        trimmed,
        smoke,
        report_commit: None,
    };
    record(&partial, &m)?;
    if folder.exists() {
        let old = out.join(format!(".old-{}", c.name.replace('/', "+")));
        if old.exists() {
            std::fs::remove_dir_all(&old)?;
        }
        std::fs::rename(&folder, &old)?;
        std::fs::rename(&partial, &folder)?;
        std::fs::remove_dir_all(&old)?;
    } else {
        if let Some(parent) = folder.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::rename(&partial, &folder)?;
    }
    Ok(m)
}

/// Runs `exe ARGS` in its own process group, killing the group if it
/// outlives `limit`; its exit code.
fn run_bounded(exe: &Path, args: &[String], limit: Duration) -> anyhow::Result<i32> {
    use std::os::unix::process::CommandExt as _;
    let mut child = crate::relaunch::command(exe)
        .args(args)
        .stdin(Stdio::null())
        .process_group(0)
        .spawn()?;
    let clock = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status.code().unwrap_or(128));
        }
        if clock.elapsed() > limit {
            // SAFETY: kill(2) on the child's own process group.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.wait();
            anyhow::bail!(
                "stopped after {}, three times its budget: hung or far slower than here",
                minutes(limit.as_secs_f64())
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Whether `folder` looks like what `harness matrix` or `report` writes.
fn harness_folder(folder: &Path) -> bool {
    ["run.json", "report.md", "between-runs.csv"]
        .iter()
        .any(|f| folder.join(f).exists())
}

/// Removes the run locks left in a finished partial folder (ours).
fn remove_locks(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            remove_locks(&entry.path())?;
        } else if entry.file_name() == ".harness.lock" {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Writes `m` as `folder`'s `reproduce.json`.
fn record(folder: &Path, m: &Made) -> std::io::Result<()> {
    let mut json = serde_json::to_vec_pretty(m)?;
    json.push(b'\n');
    std::fs::write(folder.join(MADE), json)
}

/// The folder's `reproduce.json`, if it has a readable one.
fn made(folder: &Path) -> Option<Made> {
    let bytes = analysis::bounded::read(&folder.join(MADE), 1 << 20).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `INDEX.md`: every configuration of the plan with how its folder was
/// made, and the folders under `out` that no configuration made.
fn index(out: &Path) -> String {
    let mut s = String::from(
        "# The reference, as `harness reproduce` made it\n\n\
         Written by `harness reproduce` from each folder's `reproduce.json`; budgets are \
         minutes on the reference machine, times are what this reproduction took.\n\n\
         | folder | commit | took | budget | exit | trimmed | command | shows |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let mut total_s = 0.0;
    let mut commits = std::collections::BTreeSet::new();
    let mut reports = std::collections::BTreeSet::new();
    for c in plan::REFERENCE {
        let cell = |v: &str| v.replace('|', "\\|");
        match made(&out.join(c.name)) {
            Some(m) => {
                total_s += m.took_s;
                commits.insert(format!(
                    "{}{}",
                    short(&m.git_commit),
                    if m.git_dirty { " (dirty)" } else { "" }
                ));
                if let Some(r) = &m.report_commit {
                    reports.insert(short(r).to_string());
                }
                s.push_str(&format!(
                    "| `{}/` | {}{}{} | {} | {} min | {} | {} | `{}` | {} |\n",
                    c.name,
                    short(&m.git_commit),
                    m.report_commit
                        .as_deref()
                        .map(|r| format!(", report {}", short(r)))
                        .unwrap_or_default(),
                    if m.smoke { " (smoke)" } else { "" },
                    minutes(m.took_s),
                    c.budget_min,
                    m.exit,
                    cell(&m.trimmed.join("; ")),
                    cell(&m.command),
                    cell(c.shows)
                ));
            }
            None => s.push_str(&format!(
                "| `{}/` | not made | | {} min | | | `{}` | {} |\n",
                c.name,
                c.budget_min,
                cell(&c.command()),
                cell(c.shows)
            )),
        }
    }
    s.push_str(&format!(
        "\nTotal: {} made, budget {} (h:min); commits: {}.\n",
        minutes(total_s),
        hm(plan::total_min(&plan::REFERENCE.iter().collect::<Vec<_>>())),
        if commits.is_empty() {
            "none".to_string()
        } else {
            commits.into_iter().collect::<Vec<_>>().join(", ")
        }
    ));
    if !reports.is_empty() {
        s.push_str(&format!(
            "Reports rewritten from the committed rows (`harness reproduce --reports`) at {}: \
             the rows, `between-runs.csv` and the other files `matrix` wrote are as measured.\n",
            reports.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let strays = strays(out);
    if !strays.is_empty() {
        s.push_str(&format!(
            "\nNot made by this command (kept as they are; see results/README.md): {}.\n",
            strays
                .iter()
                .map(|f| format!("`{f}/`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    s
}

/// Folders under `out` that hold no configuration of the plan.
fn strays(out: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    let mut v: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .filter(|n| {
            !plan::REFERENCE
                .iter()
                .any(|c| c.name == n || c.name.starts_with(&format!("{n}/")))
        })
        .collect();
    v.sort();
    v
}

/// Minutes as `h:mm`.
fn hm(min: u32) -> String {
    format!("{}:{:02}", min / 60, min % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_read_as_hours_and_minutes() {
        assert_eq!(hm(215), "3:35");
    }

    #[test]
    fn the_index_names_strays_and_unmade_configurations() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("old-run")).unwrap();
        std::fs::create_dir_all(dir.path().join("compare-runs/a")).unwrap();
        let hostile = plan::REFERENCE
            .iter()
            .find(|c| c.name == "hostile")
            .unwrap();
        let m = Made {
            name: "hostile".into(),
            command: hostile.command(),
            git_commit: "0123456789abcdef".into(),
            git_dirty: false,
            started: "2026-12-04T00:00:00Z".into(),
            finished: "2026-12-04T00:10:00Z".into(),
            took_s: 600.0,
            budget_min: 12,
            exit: 0,
            trimmed: vec!["run-1/results.jsonl: raw replicate times dropped".into()],
            smoke: false,
            report_commit: None,
        };
        std::fs::create_dir_all(dir.path().join("hostile")).unwrap();
        std::fs::write(
            dir.path().join("hostile").join(MADE),
            serde_json::to_vec(&m).unwrap(),
        )
        .unwrap();
        let text = index(dir.path());
        assert!(
            text.contains(&format!(
                "| `hostile/` | 012345678 | 10 min 00 s | {} min | 0 |",
                hostile.budget_min
            )),
            "{text}"
        );
        assert!(text.contains("| `sim/` | not made |"), "{text}");
        assert!(text.contains("Not made by this command"), "{text}");
        assert!(
            text.contains("`old-run/`") && !text.contains("`compare-runs/`"),
            "{text}"
        );
    }

    #[test]
    fn a_folder_it_did_not_make_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("hostile")).unwrap();
        std::fs::write(dir.path().join("hostile/notes.txt"), b"mine").unwrap();
        let c = plan::REFERENCE
            .iter()
            .find(|c| c.name == "hostile")
            .unwrap();
        let e = make(Path::new("/nonexistent"), c, dir.path(), true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a harness run folder"), "{e}");
        assert!(dir.path().join("hostile/notes.txt").exists());
    }
}
