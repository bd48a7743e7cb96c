//! Everything a run writes: one [`Record`] per cell, appended to
//! `results.jsonl` and `results.csv` as each cell finishes (so a crash loses
//! nothing already measured), `run.json` with the environment, and the
//! table on stdout.

mod csv_file;
mod record;
mod run_info;
mod table;

pub use csv_file::CsvFile;
pub use record::{Record, Status, record};
pub use run_info::{ChildInfo, OnlyInfo, RunInfo, RunOptions, StatusCounts};
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
    /// The folder already holds a run.
    #[error("output folder `{0}` already holds results.jsonl; choose another --out")]
    Occupied(PathBuf),
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
        if dir.join("results.jsonl").exists() {
            return Err(OutError::Occupied(dir.to_path_buf()));
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
            if created {
                let _ = fs::remove_dir_all(dir);
            }
            io_err(e)
        })
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
        let tmp = self.dir.join(format!(".{name}.tmp"));
        fs::write(&tmp, contents)?;
        fs::rename(tmp, self.dir.join(name))
    }
}
