//! Everything a run writes: one [`Record`] per cell, appended to
//! `results.jsonl` and `results.csv` as each cell finishes (so a crash loses
//! nothing already measured), `run.json` with the environment, and the
//! table on stdout.

mod csv_file;
mod dry_run;
mod record;
pub mod resume;
pub mod run_info;
mod summaries;
mod table;

pub use csv_file::CsvFile;
pub use dry_run::dry_run;
pub use record::{Record, Status, cell_error, record};
pub use run_info::{ChildInfo, GuestInfo, OnlyInfo, RunInfo, RunOptions, StatusCounts};
pub use summaries::summaries;
pub use table::{hit_ratios, render as table};

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The output folder of one run and its open files.
pub struct Sink {
    dir: PathBuf,
    jsonl: BufWriter<File>,
    csv: CsvFile,
}

/// Why the output folder could not be used; a usage error (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum OutError {
    /// The folder already holds (part of) a run.
    #[error("output folder `{0}` already holds {1}; choose another --out (or --resume it)")]
    Occupied(PathBuf, &'static str),
    /// A folder to resume holds no run, or a broken one.
    #[error("cannot resume `{0}`: {1}")]
    Resume(PathBuf, String),
    /// The path exists and is not a folder.
    #[error("--out `{0}` exists and is not a folder")]
    NotADir(PathBuf),
    /// It cannot be created or written.
    #[error("cannot write to output folder `{path}`: {source}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

impl Sink {
    /// Creates (or reuses an empty) folder and opens the result files, with
    /// the CSV header for `factor_columns`. If anything fails, a folder this
    /// call created is removed again: a bad `--out` leaves nothing behind.
    pub fn create(dir: &Path, factor_columns: &[&str]) -> Result<Sink, OutError> {
        if dir.exists() && !dir.is_dir() {
            return Err(OutError::NotADir(dir.to_path_buf()));
        }
        for name in RUN_FILES {
            if dir.join(name).exists() {
                return Err(OutError::Occupied(dir.to_path_buf(), name));
            }
        }
        let created = !dir.exists();
        let io_err = |source| OutError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let open = || -> io::Result<Sink> {
            fs::create_dir_all(dir)?;
            let jsonl = OpenOptions::new()
                .create_new(true)
                .append(true)
                .open(dir.join("results.jsonl"))?;
            let csv = CsvFile::create(&dir.join("results.csv"), factor_columns)?;
            Ok(Sink {
                dir: dir.to_path_buf(),
                jsonl: BufWriter::new(jsonl),
                csv,
            })
        };
        open().map_err(|e| {
            // Nothing half-made stays: the folder if this call made it,
            // else the files it made.
            if created {
                let _ = fs::remove_dir_all(dir);
            } else {
                for name in RUN_FILES {
                    let _ = fs::remove_file(dir.join(name));
                }
            }
            io_err(e)
        })
    }

    /// Reopens a run folder to append to it (`--resume`): returns the sink
    /// and the records already there. A last line cut short by a crash is
    /// dropped (that cell runs again); `results.csv` is rebuilt from
    /// `results.jsonl`, so the two agree again.
    pub fn resume(dir: &Path, factor_columns: &[&str]) -> Result<(Sink, Vec<Record>), OutError> {
        let bad = |why: String| OutError::Resume(dir.to_path_buf(), why);
        let path = dir.join("results.jsonl");
        let text =
            fs::read_to_string(&path).map_err(|e| bad(format!("{}: {e}", path.display())))?;
        let lines: Vec<&str> = text.lines().collect();
        let mut records = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            match serde_json::from_str::<Record>(line) {
                Ok(r) => records.push(r),
                // Cut short while being written: the cell runs again.
                Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => {}
                Err(e) => return Err(bad(format!("{}:{}: {e}", path.display(), i + 1))),
            }
        }
        let io = |source| OutError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let (jsonl, csv) = rewrite_files(dir, factor_columns, &records).map_err(io)?;
        Ok((
            Sink {
                dir: dir.to_path_buf(),
                jsonl,
                csv,
            },
            records,
        ))
    }

    /// Replaces both result files with `records` (each atomically), then
    /// appends to them again: for values known only once the run has
    /// ended (ratios of cells that ran before their native baseline).
    pub fn rewrite(&mut self, records: &[Record]) -> io::Result<()> {
        self.jsonl.flush()?;
        let factors: Vec<String> = self.csv.factors().to_vec();
        let factors: Vec<&str> = factors.iter().map(String::as_str).collect();
        let (jsonl, csv) = rewrite_files(&self.dir, &factors, records)?;
        self.jsonl = jsonl;
        self.csv = csv;
        Ok(())
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Appends one cell to both result files and flushes them.
    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        serde_json::to_writer(&mut self.jsonl, record)?;
        self.jsonl.write_all(b"\n")?;
        self.jsonl.flush()?;
        self.csv.write(record)
    }

    /// Writes a file in the folder atomically (temporary file, then rename),
    /// so a reader never sees half of it.
    pub fn write_file(&self, name: &str, contents: &[u8]) -> io::Result<()> {
        write_atomic(&self.dir, name, contents)
    }
}

/// Writes both result files anew from `records` (each through a
/// temporary file and a rename) and opens them for appending.
fn rewrite_files(
    dir: &Path,
    factor_columns: &[&str],
    records: &[Record],
) -> io::Result<(BufWriter<File>, CsvFile)> {
    let mut jsonl_text = String::new();
    for r in records {
        jsonl_text.push_str(&serde_json::to_string(r).expect("records serialise"));
        jsonl_text.push('\n');
    }
    write_atomic(dir, "results.jsonl", jsonl_text.as_bytes())?;
    let tmp = dir.join(".results.csv.tmp");
    let _ = fs::remove_file(&tmp);
    let mut csv = CsvFile::create(&tmp, factor_columns)?;
    for r in records {
        csv.write(r)?;
    }
    drop(csv);
    fs::rename(&tmp, dir.join("results.csv"))?;
    let jsonl = OpenOptions::new()
        .append(true)
        .open(dir.join("results.jsonl"))?;
    let csv = CsvFile::append(&dir.join("results.csv"), factor_columns)?;
    Ok((BufWriter::new(jsonl), csv))
}

/// The files of a run folder.
const RUN_FILES: [&str; 3] = ["results.jsonl", "results.csv", "run.json"];

/// Writes `dir/name` through a temporary file beside it, then a rename,
/// so a reader never sees half of it.
pub fn write_atomic(dir: &Path, name: &str, contents: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    fs::write(&tmp, contents)?;
    fs::rename(tmp, dir.join(name))
}
