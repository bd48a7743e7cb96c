//! Everything a run writes: one [`Record`] per cell, appended to
//! `results.jsonl` and `results.csv` as each cell finishes (so a crash loses
//! nothing already measured), `run.json` with the environment, and the
//! table on stdout.

mod csv_file;
mod dry_run;
mod folder;
mod memory;
mod record;
pub mod resume;
pub mod run_info;
mod summaries;
mod table;

pub use csv_file::CsvFile;
pub use dry_run::dry_run;
pub use folder::{LOCK, Owned, settled};
pub use memory::{aftermath, footprints};
pub use record::{Record, Status, cell_error, record};
pub use run_info::{ChildInfo, GuestInfo, OnlyInfo, RunInfo, RunOptions, StatusCounts};
pub use summaries::summaries;
pub use table::{hit_ratios, render as table};

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The output folder of one run, owned by this process while the value
/// lives (see [`Owned`]), and its open files.
pub struct Sink {
    folder: Owned,
    jsonl: BufWriter<File>,
    csv: CsvFile,
}

/// Why the output folder could not be used; a usage error (exit code 2).
/// Each is one line naming the path.
#[derive(Debug, thiserror::Error)]
pub enum OutError {
    /// The folder already holds (part of) a run.
    #[error("output folder `{0}` already holds {1}; choose another --out (or --resume it)")]
    Occupied(PathBuf, &'static str),
    /// The folder holds files that are not a run's: the user's own.
    #[error(
        "output folder `{0}` is not empty (it holds `{1}`); --out must be a new or empty folder"
    )]
    NotEmpty(PathBuf, String),
    /// Another run created the folder's lock file first: the folder is its.
    #[error(
        "output folder `{0}` belongs to another run (it holds its lock file); choose another --out"
    )]
    Taken(PathBuf),
    /// A run that is still going holds the folder's lock.
    #[error(
        "cannot resume `{0}`: another harness run is still writing into it (it holds the \
         folder's lock); let it finish or stop it first"
    )]
    Busy(PathBuf),
    /// A run to read is still being written.
    #[error(
        "`{0}` is still being written by a running harness (it holds the folder's lock);          read it once that run has ended"
    )]
    Unsettled(PathBuf),
    /// A folder to resume holds no run, or a broken one.
    #[error("cannot resume `{0}`: {1}")]
    Resume(PathBuf, String),
    /// The run to resume was made with other options, inputs or binary.
    #[error("cannot resume `{0}`: {1} differs from the run being resumed (give the same options)")]
    Differs(PathBuf, String),
    /// A line of `results.jsonl` that is not a record.
    #[error("cannot resume: {path}:{line}: {message}")]
    BadRow {
        /// The file.
        path: PathBuf,
        /// Its line, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A row whose cell the plan does not have: another run's row.
    #[error("cannot resume: {path}:{line}: cell `{cell}` is not a cell of this plan")]
    ForeignRow {
        /// The file.
        path: PathBuf,
        /// Its line, from 1.
        line: usize,
        /// The row's cell id.
        cell: String,
    },
    /// A cell recorded twice: two runs wrote into one folder.
    #[error("cannot resume: {path}:{line}: cell `{cell}` is already on line {first}")]
    DuplicateRow {
        /// The file.
        path: PathBuf,
        /// Its line, from 1.
        line: usize,
        /// The first line of that cell.
        first: usize,
        /// The cell id.
        cell: String,
    },
    /// The path exists and is not a folder.
    #[error("`{0}` exists and is not a folder")]
    NotADir(PathBuf),
    /// The folder is a symbolic link: never followed.
    #[error("`{0}` is a symbolic link; give the folder itself")]
    Symlink(PathBuf),
    /// A symbolic link, a device node or a folder where a result file goes.
    #[error("`{0}` is not a regular file (a symbolic link or a device?); it is not followed")]
    NotAFile(PathBuf),
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
    /// Claims a new or empty folder ([`Owned::new_run`]) and creates the
    /// result files, with the CSV header for `factor_columns`. If anything
    /// fails, what this call created is removed again, and nothing else:
    /// a bad `--out` leaves nothing behind, a lost race loses nothing.
    pub fn create(dir: &Path, factor_columns: &[&str]) -> Result<Sink, OutError> {
        let folder = Owned::new_run(dir)?;
        let mut made: Vec<&str> = Vec::new();
        let mut open = || -> io::Result<(File, CsvFile)> {
            let new = |name| {
                OpenOptions::new()
                    .create_new(true)
                    .append(true)
                    .open(dir.join(name))
            };
            let jsonl = new("results.jsonl")?;
            made.push("results.jsonl");
            let csv = new("results.csv")?;
            made.push("results.csv");
            Ok((jsonl, CsvFile::with_header(csv, factor_columns)?))
        };
        match open() {
            Ok((jsonl, csv)) => Ok(Sink {
                folder,
                jsonl: BufWriter::new(jsonl),
                csv,
            }),
            Err(source) => {
                folder.abandon(&made);
                Err(OutError::Io {
                    path: dir.to_path_buf(),
                    source,
                })
            }
        }
    }

    /// Reopens a run folder to finish it (`--resume`; see [`resume::open`]):
    /// returns the sink and the records already there, and makes `now`
    /// the resumed run's `run.json`. `known` holds every cell id of the
    /// plan. Nothing in the folder changes unless every check passes.
    pub fn resume(
        dir: &Path,
        factor_columns: &[&str],
        now: &mut RunInfo,
        known: &HashSet<String>,
    ) -> Result<(Sink, Vec<Record>), OutError> {
        resume::open(dir, factor_columns, now, known)
    }

    /// Replaces both result files with `records` (each atomically), then
    /// appends to them again: for values known only once the run has
    /// ended (ratios of cells that ran before their native baseline).
    pub fn rewrite(&mut self, records: &[Record]) -> io::Result<()> {
        self.jsonl.flush()?;
        let factors: Vec<String> = self.csv.factors().to_vec();
        let factors: Vec<&str> = factors.iter().map(String::as_str).collect();
        let dir = self.folder.dir();
        let mut jsonl_text = String::new();
        for r in records {
            jsonl_text.push_str(&serde_json::to_string(r).expect("records serialise"));
            jsonl_text.push('\n');
        }
        write_atomic(dir, "results.jsonl", jsonl_text.as_bytes())?;
        csv_file::rebuild(dir, &factors, records)?;
        self.jsonl = BufWriter::new(open_append(&dir.join("results.jsonl"))?);
        self.csv = CsvFile::append(&dir.join("results.csv"), &factors)?;
        Ok(())
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        self.folder.dir()
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
        write_atomic(self.dir(), name, contents)
    }
}

/// Opens an existing result file to append to it, never through a
/// symbolic link.
fn open_append(path: &Path) -> io::Result<File> {
    folder::open_nofollow(path, OpenOptions::new().append(true))
}

/// The files of a run folder.
const RUN_FILES: [&str; 3] = ["results.jsonl", "results.csv", "run.json"];

/// Writes `dir/name` through a new temporary file beside it, then a
/// rename, so a reader never sees half of it; a symbolic link at
/// `dir/name` is replaced, not followed.
pub fn write_atomic(dir: &Path, name: &str, contents: &[u8]) -> io::Result<()> {
    let (tmp, mut file) = folder::temp_file(dir, name)?;
    let written = file
        .write_all(contents)
        .and_then(|()| fs::rename(&tmp, dir.join(name)));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn of_sinks_created_at_once_in_one_new_folder_one_wins_and_keeps_its_files() {
        // Threads released together hit the window the processes of
        // robustness.rs rarely do: the loser used to `remove_dir_all` the
        // folder it had found missing, with the winner's files in it.
        let tmp = tempfile::tempdir().unwrap();
        for round in 0..50 {
            let dir = tmp.path().join(format!("out-{round}"));
            let start = std::sync::Barrier::new(8);
            let sinks: Vec<Result<Sink, OutError>> = std::thread::scope(|s| {
                let racers: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| {
                            start.wait();
                            Sink::create(&dir, &["operand"])
                        })
                    })
                    .collect();
                racers.into_iter().map(|r| r.join().unwrap()).collect()
            });
            let won: Vec<&Sink> = sinks.iter().filter_map(|s| s.as_ref().ok()).collect();
            assert_eq!(won.len(), 1, "round {round}");
            for lost in sinks.iter().filter_map(|s| s.as_ref().err()) {
                assert!(
                    matches!(
                        lost,
                        OutError::Taken(_) | OutError::Occupied(..) | OutError::NotEmpty(..)
                    ),
                    "round {round}: {lost}"
                );
            }
            for name in ["results.jsonl", "results.csv", LOCK] {
                assert!(dir.join(name).is_file(), "round {round}: {name} lost");
            }
        }
    }
}
