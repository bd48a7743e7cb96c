//! `--resume`: a run folder is finished only by the same plan, in the
//! same environment, with the same binary and inputs, and only once no
//! other run writes into it.
//!
//! Everything is checked before anything is written: the folder's lock
//! (a live writer is refused), `run.json` against this run's options and
//! fingerprint, then every row of `results.jsonl` (a record, of a cell of
//! the plan, each cell once). A refused resume leaves every file byte for
//! byte as it was. Then the files are repaired only where they must be (a
//! last line cut short by a kill is cut off; a CSV row the kill kept from
//! being written is added), and appended to: rows already there are never
//! parsed and written back, so their numbers stay exactly as measured.

use std::collections::{HashMap, HashSet};
use std::fs::OpenOptions;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use super::csv_file::{self, Agreement};
use super::folder::open_nofollow;
use super::{CsvFile, OutError, Owned, Record, RunInfo, Sink};

/// Claims `dir`, checks it (see the module header) and opens it for
/// appending; `now` becomes the resumed run's `run.json` (started when the
/// run first started, with this resumption added to `resumed`).
pub fn open(
    dir: &Path,
    columns: &[&str],
    now: &mut RunInfo,
    known: &HashSet<String>,
) -> Result<(Sink, Vec<Record>), OutError> {
    let folder = Owned::existing(dir)?;
    let checked = (|| {
        let before = resumable(dir)?;
        check_same_run(dir, &before, now)?;
        let rows = rows(dir, known)?;
        let csv = csv_file::agreement(&dir.join("results.csv"), columns, &rows.records).map_err(
            |source| OutError::Io {
                path: dir.join("results.csv"),
                source,
            },
        )?;
        Ok((before, rows, csv))
    })();
    let (before, rows, csv) = match checked {
        Ok(c) => c,
        Err(e) => {
            folder.abandon(&[]);
            return Err(e);
        }
    };
    now.resumed = before.resumed;
    now.resumed.push(now.started.clone());
    now.started = before.started;
    let (jsonl, csv) = repair(dir, columns, &rows, csv).map_err(|source| OutError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok((Sink { folder, jsonl, csv }, rows.records))
}

/// The `run.json` of a folder to resume (never read through a link).
pub fn resumable(dir: &Path) -> Result<RunInfo, OutError> {
    let path = dir.join("run.json");
    let bad = |why: String| OutError::Resume(dir.to_path_buf(), why);
    let text = read(&path).map_err(|e| bad(format!("{}: {e}", path.display())))?;
    let text = String::from_utf8(text).map_err(|e| bad(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| bad(format!("{}: {e}", path.display())))
}

/// Refuses to resume a run of another plan, with other inputs or from
/// another environment.
pub fn check_same_run(dir: &Path, before: &RunInfo, now: &RunInfo) -> Result<(), OutError> {
    let refuse = |what: String| Err(OutError::Differs(dir.to_path_buf(), what));
    let (a, b) = (&before.options, &now.options);
    // The inputs' contents, named precisely: a file rewritten in place
    // keeps its name.
    for (was, is) in a.guests.iter().zip(&b.guests) {
        if (&was.abi, &was.path) == (&is.abi, &is.path) && was.sha256 != is.sha256 {
            return refuse(format!(
                "--guest module `{}` (SHA-256 {}, now {})",
                is.path.display(),
                short(&was.sha256),
                short(&is.sha256)
            ));
        }
    }
    fn sha(trace: &serde_json::Value) -> Option<&str> {
        trace.get("sha256")?.as_str().map(short)
    }
    if let (Some(was), Some(is)) = (sha(&a.trace), sha(&b.trace))
        && was != is
    {
        return refuse(format!("the trace's content (SHA-256 {was}, now {is})"));
    }
    let options = [
        ("--scenario", a.scenario == b.scenario),
        ("--runtime", a.runtimes == b.runtimes),
        ("--abi", a.abis == b.abis),
        ("--guest", a.guests == b.guests),
        ("--measure", a.measure == b.measure),
        ("--calls", a.calls == b.calls),
        ("--reps", a.reps == b.reps),
        ("--warmup", a.warmup_s == b.warmup_s),
        ("--protocol", a.protocol == b.protocol),
        ("--precision", a.precision == b.precision),
        ("--cell-budget", a.cell_budget_s == b.cell_budget_s),
        ("--all-factors", a.held == b.held),
        ("--cell-timeout", a.cell_timeout_s == b.cell_timeout_s),
        (
            "--memory-limit",
            a.memory_limit_bytes == b.memory_limit_bytes,
        ),
        ("the trace", a.trace == b.trace),
        ("--cache-size", a.cache_sizes == b.cache_sizes),
        ("--sweep", a.sweep == b.sweep),
        ("--ablation", a.ablations == b.ablations),
        ("--order", a.order == b.order),
        ("--seed", a.seed == b.seed),
        ("--shard", a.shard == b.shard),
        ("--only", a.only == b.only),
        ("--host-profile", before.host_profiles == now.host_profiles),
    ];
    if let Some((flag, _)) = options.iter().find(|(_, same)| !same) {
        return refuse(flag.to_string());
    }
    if let Some((field, was, is)) =
        analysis::merge::differences(&before.fingerprint, &now.fingerprint).first()
    {
        return refuse(format!("{field} (`{was}`, now `{is}`)"));
    }
    Ok(())
}

/// The first 12 hex digits of a hash: enough to tell two apart in a message.
fn short(sha256: &str) -> &str {
    sha256.get(..12).unwrap_or(sha256)
}

/// The whole rows of `results.jsonl`, and what must change in the file.
#[derive(Debug)]
struct Rows {
    records: Vec<Record>,
    /// Bytes up to the end of the last row kept.
    keep: u64,
    /// The file's length: more than `keep` when its last line was cut
    /// short by a kill (that cell runs again).
    len: u64,
    /// The last row is whole but its newline was never written.
    unterminated: bool,
}

/// Reads and checks `dir/results.jsonl` without changing it: every line a
/// record (but a last one cut short), of a cell in `known`, each cell once.
fn rows(dir: &Path, known: &HashSet<String>) -> Result<Rows, OutError> {
    let path = dir.join("results.jsonl");
    let bytes = read(&path)
        .map_err(|e| OutError::Resume(dir.to_path_buf(), format!("{}: {e}", path.display())))?;
    let mut rows = Rows {
        records: Vec::new(),
        keep: 0,
        len: bytes.len() as u64,
        unterminated: false,
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, piece) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        let line = i + 1;
        let whole = piece.ends_with(b"\n");
        let record = match serde_json::from_slice::<Record>(piece) {
            Ok(r) => r,
            // Cut short while being written (the last piece has no newline).
            Err(_) if !whole => break,
            Err(e) => {
                return Err(OutError::BadRow {
                    path,
                    line,
                    message: e.to_string(),
                });
            }
        };
        if !known.contains(&record.cell) {
            return Err(OutError::ForeignRow {
                path,
                line,
                cell: record.cell,
            });
        }
        if let Some(&first) = seen.get(&record.cell) {
            return Err(OutError::DuplicateRow {
                path,
                line,
                first,
                cell: record.cell,
            });
        }
        seen.insert(record.cell.clone(), line);
        rows.records.push(record);
        rows.keep += piece.len() as u64;
        rows.unterminated = !whole;
    }
    Ok(rows)
}

/// Makes the checked files whole again and opens them for appending:
/// the only writes of a resume before its first new cell, and none at all
/// when a run stopped between cells.
fn repair(
    dir: &Path,
    columns: &[&str],
    rows: &Rows,
    csv: Agreement,
) -> io::Result<(BufWriter<std::fs::File>, CsvFile)> {
    let mut jsonl = open_nofollow(&dir.join("results.jsonl"), OpenOptions::new().append(true))?;
    if rows.keep < rows.len {
        jsonl.set_len(rows.keep)?;
    }
    if rows.unterminated {
        jsonl.write_all(b"\n")?;
    }
    let path = dir.join("results.csv");
    let csv = match csv {
        Agreement::Agrees => CsvFile::append(&path, columns)?,
        Agreement::LacksLast => {
            let mut csv = CsvFile::append(&path, columns)?;
            if let Some(last) = rows.records.last() {
                csv.write(last)?;
            }
            csv
        }
        Agreement::Rebuild => {
            csv_file::rebuild(dir, columns, &rows.records)?;
            CsvFile::append(&path, columns)?
        }
    };
    Ok((BufWriter::new(jsonl), csv))
}

/// A whole file, never read through a symbolic link.
fn read(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_nofollow(path, OpenOptions::new().read(true))?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cell: &str) -> String {
        format!(
            r#"{{"scenario":"micro","runtime":"native","abi":"native","factors":{{}},"status":"ok","error":null,"calls":10,"reps":2,"mean_s":1.5,"sd_s":0.5,"ci95_low_s":1.0,"ci95_high_s":2.0,"median_s":1.5,"min_s":1.0,"max_s":2.0,"ns_per_call":1.0,"ratio_to_native":null,"replicate_s":[1.0,2.0],"warmup_reps":1,"compile_s":null,"instantiate_s":null,"run_index":0,"hits":null,"byte_hits":null,"object_hit_ratio":null,"byte_hit_ratio":null,"cell":"{cell}"}}"#
        )
    }

    fn rows_of(text: &str) -> Result<Rows, OutError> {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("results.jsonl"), text).unwrap();
        let known: HashSet<String> = ["a", "b", "c"].map(String::from).into();
        let rows = rows(tmp.path(), &known);
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("results.jsonl")).unwrap(),
            text,
            "read only"
        );
        rows
    }

    #[test]
    fn a_cut_short_last_line_is_dropped_and_whole_rows_kept() {
        let text = format!("{}\n{}\n{}", line("a"), line("b"), &line("c")[..30]);
        let rows = rows_of(&text).unwrap();
        assert_eq!(rows.records.len(), 2);
        assert_eq!(rows.keep as usize, line("a").len() + line("b").len() + 2);
        assert_eq!(rows.len as usize, text.len());
        assert!(!rows.unterminated);
        // Whole but for its newline: kept, the newline to be added.
        let rows = rows_of(&format!("{}\n{}", line("a"), line("b"))).unwrap();
        assert_eq!(rows.records.len(), 2);
        assert!(rows.unterminated && rows.keep == rows.len);
    }

    #[test]
    fn foreign_repeated_or_broken_rows_are_refused_by_line() {
        let foreign = format!("{}\n{}\n", line("a"), line("z"));
        assert!(matches!(
            rows_of(&foreign),
            Err(OutError::ForeignRow { line: 2, .. })
        ));
        let twice = format!("{}\n{}\n{}\n", line("a"), line("b"), line("a"));
        assert!(matches!(
            rows_of(&twice),
            Err(OutError::DuplicateRow {
                line: 3,
                first: 1,
                ..
            })
        ));
        let broken = format!("{}\n\n{}\n", line("a"), line("b"));
        assert!(matches!(
            rows_of(&broken),
            Err(OutError::BadRow { line: 2, .. })
        ));
    }
}
