//! Reading run folders back: [`load`] turns a path into one or more
//! [`Run`]s, or a one-line [`LoadError`] naming the file and line.
//!
//! What a path may be:
//! - a **run folder**, holding `results.jsonl` and `run.json`: one run.
//!   Its sub-folders are not read: the `host-<profile>/` folders a
//!   multi-profile run leaves are its children's own copies, and their rows
//!   are already in the parent's `results.jsonl`;
//! - a **folder of runs** (no `results.jsonl` of its own), such as the
//!   `run-1/`, `run-2/`... of a run repeated in several processes or the
//!   shards of a split matrix: every immediate sub-folder that holds a
//!   `results.jsonl` is one run, in natural name order (`run-2` before
//!   `run-10`);
//! - the `results.jsonl` file of a run: its folder.
//!
//! Rows written before the `cell` and `error_class` fields existed load
//! (they default); their identity is rebuilt ([`crate::identity`]). A row
//! that repeats a cell of its own run, an `ok` row without statistics or
//! with zero calls, and any line that is not a row are errors: numbers
//! computed from them would be wrong without saying so.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::data::{Record, RunInfo, Status};
use crate::identity::cell_id;

/// One run as written by one harness (or one merge): its folder, its
/// environment and its rows in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The folder it was read from.
    pub dir: PathBuf,
    /// `run.json`.
    pub info: RunInfo,
    /// `results.jsonl`, one row per cell, in file order.
    pub records: Vec<Record>,
}

impl Run {
    /// A short name for tables and messages: the folder's last component.
    pub fn name(&self) -> String {
        self.dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.dir.display().to_string())
    }
}

/// Why a run could not be read. Each displays as one line naming the file
/// (and the line, for a bad row).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or folder could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// What was being read.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A required file is absent.
    #[error("{}: missing (a run folder holds results.jsonl and run.json)", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// Neither a run folder nor a folder of runs.
    #[error("{}: no results.jsonl here or in any sub-folder (not a run folder)", dir.display())]
    NotARun {
        /// The folder.
        dir: PathBuf,
    },
    /// A line that is not a valid row, or a `run.json` that is not valid.
    #[error("{}:{line}: {message}", path.display())]
    BadLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Reads a run folder, a folder of runs, or a `results.jsonl` file (see
/// the module header); at least one run, or an error.
pub fn load(path: &Path) -> Result<Vec<Run>, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    let dir = if meta.is_file() {
        path.parent().unwrap_or(Path::new(".")).to_path_buf()
    } else {
        path.to_path_buf()
    };
    if dir.join("results.jsonl").is_file() {
        return Ok(vec![load_run(&dir)?]);
    }
    let mut subs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("results.jsonl").is_file())
        .collect();
    if subs.is_empty() {
        return Err(LoadError::NotARun { dir });
    }
    subs.sort_by(|a, b| crate::units::natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
    subs.iter().map(|d| load_run(d)).collect()
}

/// Reads every path given (each as [`load`] does), in order.
pub fn load_all<P: AsRef<Path>>(paths: &[P]) -> Result<Vec<Run>, LoadError> {
    let mut runs = Vec::new();
    for p in paths {
        runs.extend(load(p.as_ref())?);
    }
    Ok(runs)
}

/// Reads one run folder: `run.json` and `results.jsonl` must both exist.
pub fn load_run(dir: &Path) -> Result<Run, LoadError> {
    let info_path = dir.join("run.json");
    let info_text = read(&info_path, crate::bounded::limit::RUN_INFO)?;
    let info: RunInfo = serde_json::from_str(&info_text).map_err(|e| LoadError::BadLine {
        path: info_path.clone(),
        line: e.line(),
        message: format!("not a valid run.json: {e}"),
    })?;
    let rows_path = dir.join("results.jsonl");
    let text = read(&rows_path, crate::bounded::limit::RESULTS)?;
    let records = parse_rows(&rows_path, &text)?;
    Ok(Run {
        dir: dir.to_path_buf(),
        info,
        records,
    })
}

fn read(path: &Path, max: u64) -> Result<String, LoadError> {
    crate::bounded::read_to_string(path, max).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            LoadError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            LoadError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// Parses and checks the rows of `results.jsonl` (blank lines skipped).
pub fn parse_rows(path: &Path, text: &str) -> Result<Vec<Record>, LoadError> {
    let mut records = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| LoadError::BadLine {
            path: path.to_path_buf(),
            line: line_no,
            message,
        };
        let r: Record =
            serde_json::from_str(line).map_err(|e| bad(format!("not a result row: {e}")))?;
        check(&r).map_err(bad)?;
        let id = cell_id(&r);
        if let Some(first) = seen.insert(id.clone(), line_no) {
            return Err(bad(format!("cell `{id}` is already on line {first}")));
        }
        records.push(r);
    }
    Ok(records)
}

/// The invariants analysis relies on.
fn check(r: &Record) -> Result<(), String> {
    if r.status != Status::Ok {
        return Ok(());
    }
    if r.calls == 0 {
        return Err("an ok row with 0 calls per replicate".into());
    }
    // A confidence interval's lower bound may be below zero (few, spread
    // replicates); the times themselves may not.
    // No replicate lasts a year: a time past that is not a measurement,
    // and drawn on an axis it would make a figure of 300 decades.
    const YEAR_S: f64 = 3.2e7;
    let time = |x: Option<f64>| x.is_none_or(|v| (0.0..YEAR_S).contains(&v));
    let bound = |x: Option<f64>| x.is_none_or(|v| v.abs() < YEAR_S);
    if !(time(r.mean_s) && bound(r.ci95_low_s) && bound(r.ci95_high_s))
        || r.replicate_s.iter().any(|&x| !(0.0..YEAR_S).contains(&x))
    {
        return Err("an ok row with a negative, non-finite or year-long time".into());
    }
    if let Some(c) = &r.counts {
        let counts = [
            c.instructions,
            c.data_reads,
            c.data_writes,
            c.l1_misses,
            c.ll_misses,
            c.branch_misses,
        ];
        if counts.iter().any(|x| !x.is_finite() || *x < 0.0) {
            return Err("an ok row with a negative or non-finite count".into());
        }
        return Ok(());
    }
    if r.mean_s.is_none() && r.replicate_s.len() < 2 {
        return Err("an ok row without mean_s or two replicates to compute it from".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{info, row, write_run};

    fn rows() -> Vec<Record> {
        vec![
            row(
                "micro",
                "native",
                "native",
                &[("host-profile", "release"), ("operand", "i32")],
                0.5,
            ),
            row(
                "micro",
                "wasmtime",
                "pair",
                &[
                    ("host-profile", "release"),
                    ("operand", "i32"),
                    ("caching", "cached"),
                ],
                14.0,
            ),
        ]
    }

    #[test]
    fn a_run_folder_loads_with_its_rows_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        write_run(tmp.path(), &info("micro"), &rows());
        let runs = load(tmp.path()).unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].records.len(), 2);
        assert_eq!(runs[0].records[1].runtime, "wasmtime");
        assert_eq!(runs[0].info.options.scenario, "micro");
        // The results file itself names the same run.
        let again = load(&tmp.path().join("results.jsonl")).unwrap();
        assert_eq!(again, runs);
    }

    #[test]
    fn a_folder_of_runs_loads_each_in_natural_order_and_a_run_ignores_its_children() {
        let tmp = tempfile::tempdir().unwrap();
        for name in ["run-10", "run-2", "run-1"] {
            write_run(&tmp.path().join(name), &info("micro"), &rows());
        }
        std::fs::create_dir(tmp.path().join("notes")).unwrap();
        let runs = load(tmp.path()).unwrap();
        let names: Vec<String> = runs.iter().map(Run::name).collect();
        assert_eq!(names, ["run-1", "run-2", "run-10"]);

        // A run with a host-debug child: the child's rows are the parent's.
        write_run(
            &tmp.path().join("run-1/host-debug"),
            &info("micro"),
            &rows(),
        );
        assert_eq!(load(&tmp.path().join("run-1")).unwrap().len(), 1);
    }

    #[test]
    fn old_rows_without_cell_and_error_class_load() {
        let tmp = tempfile::tempdir().unwrap();
        write_run(tmp.path(), &info("micro"), &rows());
        let path = tmp.path().join("results.jsonl");
        let mut text = String::new();
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            let o = v.as_object_mut().unwrap();
            o.remove("cell");
            o.remove("error_class");
            text.push_str(&v.to_string());
            text.push('\n');
        }
        std::fs::write(&path, text).unwrap();
        let run = load_run(tmp.path()).unwrap();
        assert_eq!(run.records[0].cell, "");
        assert_eq!(
            cell_id(&run.records[1]),
            "micro/wasmtime/pair/host-profile=release,operand=i32,caching=cached"
        );
    }

    #[test]
    fn bad_input_is_one_line_naming_file_and_line() {
        let tmp = tempfile::tempdir().unwrap();
        let e = load(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("no results.jsonl"), "{e}");

        write_run(tmp.path(), &info("micro"), &rows());
        let path = tmp.path().join("results.jsonl");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"scenario\": \"micro\"\n");
        std::fs::write(&path, &text).unwrap();
        let e = load(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("results.jsonl:3: not a result row"), "{e}");
        assert_eq!(e.lines().count(), 1);

        // A repeated cell.
        let first = text.lines().next().unwrap().to_string();
        std::fs::write(&path, format!("{first}\n{first}\n")).unwrap();
        let e = load(tmp.path()).unwrap_err().to_string();
        assert!(
            e.contains(":2: cell `micro/native/native/") && e.contains("line 1"),
            "{e}"
        );

        std::fs::remove_file(tmp.path().join("run.json")).unwrap();
        let e = load(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("run.json: missing"), "{e}");

        std::fs::write(tmp.path().join("run.json"), "{\n\"tool\": 3}").unwrap();
        let e = load(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("run.json:2: not a valid run.json"), "{e}");
    }

    #[test]
    fn ok_rows_without_statistics_are_refused() {
        let mut r = rows().remove(0);
        r.mean_s = None;
        r.replicate_s.clear();
        let line = serde_json::to_string(&r).unwrap();
        let e = parse_rows(Path::new("x.jsonl"), &line)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.jsonl:1: an ok row without mean_s"), "{e}");
    }
}
