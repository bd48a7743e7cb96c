//! Combining shard folders into one result set ([`merge`]): the matrix
//! split over processes or machines, put back together for `harness
//! merge` to write as one run.
//!
//! Shards must come from the same binary on the same kind of machine:
//! their environments may differ in time and host name but not in CPU
//! model, runtime crate versions, compiled-in backends, rustc or git
//! commit, since a cell measured under one is not comparable with a cell
//! measured under another. A difference is a typed error
//! ([`MergeError::Mixed`]) unless the caller allows it, in which case the
//! merged `run.json` lists every difference (`merge.mixed`). A cell in two
//! shards is always an error: which measurement would be the cell's?
//!
//! Rows keep their order (shard by shard) and are renumbered; a sandboxed
//! row whose shard lacked its native cell gets `ratio_to_native` from the
//! native row of the merged set (the rule of [`crate::cells`]); rows
//! without a `cell` id get the rebuilt one.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::data::{Fingerprint, MergeInfo, Record, RunInfo, Status, StatusCounts};
use crate::identity::{NATIVE, cell_id};
use crate::load::Run;

/// A merged result set, for the caller to write as a run folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The merged `run.json` (with `merge` set).
    pub info: RunInfo,
    /// Every row of every shard, renumbered.
    pub records: Vec<Record>,
}

/// Why shards were not merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// No shard given.
    #[error("nothing to merge: no runs given")]
    Empty,
    /// Two shards ran on different machines, binaries or versions.
    #[error(
        "{field} differs: `{a_value}` in {} but `{b_value}` in {} \
         (allow mixed environments to merge anyway)",
        a.display(), b.display()
    )]
    Mixed {
        /// The fingerprint field.
        field: &'static str,
        /// The first shard.
        a: PathBuf,
        /// Its value.
        a_value: String,
        /// A shard that differs.
        b: PathBuf,
        /// Its value.
        b_value: String,
    },
    /// A cell measured in two shards.
    #[error("cell `{cell}` is in both {} and {}", a.display(), b.display())]
    Duplicate {
        /// The cell id.
        cell: String,
        /// The first shard that has it.
        a: PathBuf,
        /// The other.
        b: PathBuf,
    },
}

/// The fingerprint fields shards must agree on, as printable values.
pub fn identity_fields(f: &Fingerprint) -> [(&'static str, String); 5] {
    let mut features = f.features.clone();
    features.sort();
    let versions: Vec<String> = f
        .crate_versions
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    [
        ("cpu_model", f.cpu_model.clone()),
        ("crate_versions", versions.join(", ")),
        ("features", features.join(", ")),
        ("rustc", f.rustc.clone()),
        ("git_commit", f.git_commit.clone()),
    ]
}

/// The fields (of [`identity_fields`]) in which `b` differs from `a`:
/// (field, a's value, b's value).
pub fn differences(a: &Fingerprint, b: &Fingerprint) -> Vec<(&'static str, String, String)> {
    identity_fields(a)
        .into_iter()
        .zip(identity_fields(b))
        .filter(|((_, x), (_, y))| x != y)
        .map(|((n, x), (_, y))| (n, x, y))
        .collect()
}

/// Merges `runs` (shards of one matrix) into one result set; see the
/// module header for what is refused.
pub fn merge(runs: &[Run], allow_mixed: bool) -> Result<Merged, MergeError> {
    let first = runs.first().ok_or(MergeError::Empty)?;
    let mut mixed: Vec<String> = Vec::new();
    for (field, _) in identity_fields(&first.info.fingerprint) {
        let mut values: Vec<(String, &Run)> = Vec::new();
        for r in runs {
            let v = identity_fields(&r.info.fingerprint)
                .into_iter()
                .find(|(n, _)| *n == field)
                .map(|(_, v)| v)
                .unwrap_or_default();
            if !values.iter().any(|(x, _)| *x == v) {
                values.push((v, r));
            }
        }
        if values.len() > 1 {
            if !allow_mixed {
                let (a, b) = (&values[0], &values[1]);
                return Err(MergeError::Mixed {
                    field,
                    a: a.1.dir.clone(),
                    a_value: a.0.clone(),
                    b: b.1.dir.clone(),
                    b_value: b.0.clone(),
                });
            }
            let listed: Vec<String> = values
                .iter()
                .map(|(v, r)| format!("{v} ({})", r.dir.display()))
                .collect();
            mixed.push(format!("{field}: {}", listed.join(", ")));
        }
    }

    let mut records: Vec<Record> = Vec::new();
    let mut seen: HashMap<String, &Run> = HashMap::new();
    for run in runs {
        for r in &run.records {
            let id = cell_id(r);
            if let Some(prev) = seen.insert(id.clone(), run) {
                return Err(MergeError::Duplicate {
                    cell: id,
                    a: prev.dir.clone(),
                    b: run.dir.clone(),
                });
            }
            let mut r = r.clone();
            r.run_index = records.len();
            r.cell = id;
            records.push(r);
        }
    }
    fill_ratios(&mut records);

    let mut info = first.info.clone();
    info.started = runs
        .iter()
        .map(|r| r.info.started.clone())
        .min()
        .unwrap_or_default();
    info.finished = runs
        .iter()
        .map(|r| r.info.finished.clone())
        .collect::<Option<Vec<String>>>()
        .and_then(|v| v.into_iter().max());
    info.cells = runs.iter().map(|r| r.info.cells).sum();
    info.host_profiles.clear();
    info.children.clear();
    for r in runs {
        for p in &r.info.host_profiles {
            if !info.host_profiles.contains(p) {
                info.host_profiles.push(p.clone());
            }
        }
        for c in &r.info.children {
            if !info.children.contains(c) {
                info.children.push(c.clone());
            }
        }
    }
    let count = |s: Status| records.iter().filter(|r| r.status == s).count();
    info.status_counts = Some(StatusCounts {
        ok: count(Status::Ok),
        error: count(Status::Error),
        unsupported: count(Status::Unsupported),
    });
    info.merge = Some(MergeInfo {
        sources: runs.iter().map(|r| r.dir.display().to_string()).collect(),
        mixed,
    });
    Ok(Merged { info, records })
}

/// Sets `ratio_to_native` of sandboxed ok rows that lack it, from the
/// merged native rows (same scenario; native factors a subset of theirs).
fn fill_ratios(records: &mut [Record]) {
    let per_call = |r: &Record| Some(r.mean_s? / r.calls as f64);
    let natives: Vec<(String, std::collections::BTreeMap<String, String>, f64)> = records
        .iter()
        .filter(|r| r.runtime == NATIVE && r.status == Status::Ok)
        .filter_map(|r| Some((r.scenario.clone(), r.factors.clone(), per_call(r)?)))
        .collect();
    for r in records.iter_mut() {
        if r.runtime == NATIVE || r.status != Status::Ok || r.ratio_to_native.is_some() {
            continue;
        }
        let native = natives
            .iter()
            .filter(|(s, f, _)| {
                *s == r.scenario && f.iter().all(|(k, v)| r.factors.get(k) == Some(v))
            })
            .max_by_key(|(_, f, _)| f.len());
        if let (Some((_, _, n)), Some(m)) = (native, per_call(r))
            && *n > 0.0
        {
            r.ratio_to_native = Some(m / n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{info, micro_rows, paper_like_micro, write_run};

    fn shards(n: usize) -> (Vec<Record>, Vec<Run>, tempfile::TempDir) {
        let mut all = micro_rows("wasmtime", paper_like_micro);
        all.extend(
            micro_rows("wasmer-cranelift", paper_like_micro)
                .into_iter()
                .skip(1),
        );
        let tmp = tempfile::tempdir().unwrap();
        let runs = (0..n)
            .map(|k| {
                let rows: Vec<Record> = all.iter().skip(k).step_by(n).cloned().collect();
                let dir = tmp.path().join(format!("shard-{k}"));
                write_run(&dir, &info("micro"), &rows);
                crate::load::load_run(&dir).unwrap()
            })
            .collect();
        (all, runs, tmp)
    }

    #[test]
    fn shards_merge_into_the_unsharded_cell_set() {
        for n in [1, 2, 3, 5] {
            let (all, runs, _tmp) = shards(n);
            let m = merge(&runs, false).unwrap();
            let mut got: Vec<String> = m.records.iter().map(cell_id).collect();
            let mut want: Vec<String> = all.iter().map(cell_id).collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "{n} shards");
            let idx: Vec<usize> = m.records.iter().map(|r| r.run_index).collect();
            assert_eq!(idx, (0..all.len()).collect::<Vec<_>>());
            // The numbers are the shards' own (serde_json's default float
            // parsing may differ from the written value in the last bit).
            for r in &m.records {
                let orig = all.iter().find(|o| cell_id(o) == r.cell).unwrap();
                let (a, b) = (r.mean_s.unwrap(), orig.mean_s.unwrap());
                assert!((a - b).abs() <= 1e-12 * b, "{a} vs {b}");
            }
            // Every sandboxed row has its ratio, even in shards without the native.
            assert!(
                m.records
                    .iter()
                    .filter(|r| r.runtime != NATIVE)
                    .all(|r| r.ratio_to_native.is_some())
            );
            let counts = m.info.status_counts.unwrap();
            assert_eq!(counts.ok, all.len());
            let merge = m.info.merge.as_ref().unwrap();
            assert_eq!(merge.sources.len(), n);
            assert!(merge.mixed.is_empty());
            // The merged run.json round-trips with its new field.
            let back: RunInfo = serde_json::from_slice(&m.info.to_json()).unwrap();
            assert_eq!(back, m.info);
        }
    }

    #[test]
    fn mixed_environments_are_refused_unless_allowed() {
        let (_, mut runs, _tmp) = shards(2);
        runs[1].info.fingerprint.cpu_model = "Other CPU".into();
        let e = merge(&runs, false).unwrap_err();
        assert!(
            matches!(
                e,
                MergeError::Mixed {
                    field: "cpu_model",
                    ..
                }
            ),
            "{e}"
        );
        let text = e.to_string();
        assert!(
            text.contains("`Test CPU`") && text.contains("`Other CPU`") && text.contains("shard-1"),
            "{text}"
        );
        let m = merge(&runs, true).unwrap();
        let mixed = &m.info.merge.unwrap().mixed;
        assert_eq!(mixed.len(), 1);
        assert!(mixed[0].starts_with("cpu_model: Test CPU ("), "{mixed:?}");

        for field in ["rustc", "git_commit", "features", "crate_versions"] {
            let (_, mut runs, _tmp) = shards(2);
            let f = &mut runs[1].info.fingerprint;
            match field {
                "rustc" => f.rustc = "rustc 2".into(),
                "git_commit" => f.git_commit = "def".into(),
                "features" => f.features.push("wasmtime".into()),
                _ => {
                    f.crate_versions.insert("wasmer".into(), "7.5.0".into());
                }
            }
            let e = merge(&runs, false).unwrap_err();
            assert!(
                matches!(e, MergeError::Mixed { field: f, .. } if f == field),
                "{e}"
            );
        }
        // Order of the features list does not matter.
        let (_, mut runs, _tmp) = shards(2);
        runs[0].info.fingerprint.features = vec!["a".into(), "b".into()];
        runs[1].info.fingerprint.features = vec!["b".into(), "a".into()];
        assert!(merge(&runs, false).is_ok());
    }

    #[test]
    fn a_cell_in_two_shards_is_refused() {
        let (_, mut runs, _tmp) = shards(2);
        let dup = runs[0].records[0].clone();
        runs[1].records.push(dup);
        let e = merge(&runs, false).unwrap_err().to_string();
        assert!(
            e.starts_with("cell `micro/") && e.contains("shard-0") && e.contains("shard-1"),
            "{e}"
        );
        assert!(matches!(merge(&[], false), Err(MergeError::Empty)));
    }
}
