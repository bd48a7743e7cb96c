//! Who may write into an output folder: one process at a time, for the
//! whole of its run.
//!
//! A run claims its folder by creating the lock file [`LOCK`] in it with
//! `O_EXCL`: whoever creates it owns the folder, so two runs started at
//! once into the same new `--out` cannot both write there, and the one
//! that loses touches nothing. The owner then holds an exclusive advisory
//! lock (`flock`) on that file until the process ends (the kernel drops
//! it on exit, even on SIGKILL), and the file stays behind. `--resume`
//! takes the same lock without waiting: held means another run is still
//! writing (refused), free means the writer is gone (go on).
//!
//! A run deletes only what it created: on a failed start, its own files,
//! the lock file if it made it, and the folder only if it made both the
//! folder and the lock (and then only once it is empty again). Paths are
//! looked at with `symlink_metadata` and files opened with `O_NOFOLLOW`,
//! so a symbolic link placed where the folder or a result file goes is
//! refused, never followed.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::{OutError, RUN_FILES};

/// The lock file of a folder a run owns (empty; it is the lock that
/// matters, not the contents).
pub const LOCK: &str = ".harness.lock";

/// An output folder this process owns until the value is dropped.
#[derive(Debug)]
pub struct Owned {
    dir: PathBuf,
    /// Open with the `flock` held; closing it releases the lock.
    lock: File,
    created_dir: bool,
    created_lock: bool,
}

impl Owned {
    /// Claims `dir` for a new run: it must not exist, or be an empty folder.
    /// Its parent is created if need be (and kept).
    pub fn new_run(dir: &Path) -> Result<Owned, OutError> {
        let io_err = |source| OutError::Io {
            path: dir.to_path_buf(),
            source,
        };
        kind_of(dir)?;
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(io_err)?;
        }
        // `create_dir`, not `_all`: it says whether this run made the folder.
        let created_dir = match fs::create_dir(dir) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                // (Gone again: another process is using this path.)
                if !kind_of(dir)? {
                    return Err(OutError::Taken(dir.to_path_buf()));
                }
                refuse_unless_empty(dir)?;
                false
            }
            Err(e) => return Err(io_err(e)),
        };
        let lock = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dir.join(LOCK))
        {
            Ok(f) => f,
            // Another run created it first: the folder is its.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(OutError::Taken(dir.to_path_buf()));
            }
            Err(e) => {
                if created_dir {
                    let _ = fs::remove_dir(dir);
                }
                return Err(io_err(e));
            }
        };
        let owned = Owned {
            dir: dir.to_path_buf(),
            lock,
            created_dir,
            created_lock: true,
        };
        // Waits, unlike `--resume`: the only other process that can hold
        // a lock file just made is a `--resume` looking for a run here, and
        // it lets go as soon as it finds none.
        match owned.lock.lock() {
            Ok(()) => Ok(owned),
            Err(e) => {
                owned.abandon(&[]);
                Err(io_err(e))
            }
        }
    }

    /// Claims a folder that holds a run, to finish it (`--resume`): refused
    /// while another process holds its lock. A folder written before runs
    /// had a lock file gets one (removed again by [`Owned::abandon`]).
    /// Touches no result file; refuses result files that are symbolic
    /// links or not regular files.
    pub fn existing(dir: &Path) -> Result<Owned, OutError> {
        match fs::symlink_metadata(dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(OutError::Resume(dir.to_path_buf(), "no such folder".into()));
            }
            _ => {
                if !kind_of(dir)? {
                    return Err(OutError::NotADir(dir.to_path_buf()));
                }
            }
        }
        for name in RUN_FILES.iter().chain([&LOCK]) {
            regular_or_absent(&dir.join(name))?;
        }
        let path = dir.join(LOCK);
        let (lock, created_lock) = match open_nofollow(&path, OpenOptions::new().read(true)) {
            Ok(f) => (f, false),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let f = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map_err(|e| match e.kind() {
                        io::ErrorKind::AlreadyExists => OutError::Busy(dir.to_path_buf()),
                        _ => OutError::Io {
                            path: path.clone(),
                            source: e,
                        },
                    })?;
                (f, true)
            }
            Err(source) => return Err(OutError::Io { path, source }),
        };
        let owned = Owned {
            dir: dir.to_path_buf(),
            lock,
            created_dir: false,
            created_lock,
        };
        match owned.lock.try_lock() {
            Ok(()) => Ok(owned),
            // Dropped, not abandoned: the lock file is the live writer's.
            Err(TryLockError::WouldBlock) => Err(OutError::Busy(dir.to_path_buf())),
            Err(TryLockError::Error(source)) => {
                owned.abandon(&[]);
                Err(OutError::Io { path, source })
            }
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Gives the folder up after a failed start, removing what this run
    /// created: `files` (names in the folder), the lock file if it made
    /// it, then the folder if it made it too and nothing else is left in
    /// it (`remove_dir` fails on a folder that is not empty: whatever
    /// someone else put there stays).
    pub fn abandon(self, files: &[&str]) {
        for name in files {
            let _ = fs::remove_file(self.dir.join(name));
        }
        if self.created_lock {
            let _ = fs::remove_file(self.dir.join(LOCK));
            if self.created_dir {
                let _ = fs::remove_dir(&self.dir);
            }
        }
    }
}

/// Whether `dir` is a folder (`false`: nothing there); a symbolic link or
/// anything else is an error. Never follows a link.
fn kind_of(dir: &Path) -> Result<bool, OutError> {
    match fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => Err(OutError::Symlink(dir.to_path_buf())),
        Ok(m) if m.is_dir() => Ok(true),
        Ok(_) => Err(OutError::NotADir(dir.to_path_buf())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(OutError::Io {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

/// Refuses a folder with anything in it: a run's files, another run's
/// lock, or the user's own files.
fn refuse_unless_empty(dir: &Path) -> Result<(), OutError> {
    for name in RUN_FILES {
        if fs::symlink_metadata(dir.join(name)).is_ok() {
            return Err(OutError::Occupied(dir.to_path_buf(), name));
        }
    }
    if fs::symlink_metadata(dir.join(LOCK)).is_ok() {
        return Err(OutError::Taken(dir.to_path_buf()));
    }
    let io_err = |source| OutError::Io {
        path: dir.to_path_buf(),
        source,
    };
    if let Some(entry) = fs::read_dir(dir).map_err(io_err)?.next() {
        let name = entry.map_err(io_err)?.file_name();
        return Err(OutError::NotEmpty(
            dir.to_path_buf(),
            name.to_string_lossy().into_owned(),
        ));
    }
    Ok(())
}

/// Refuses `path` if it is there and is not a regular file (a symbolic
/// link, a folder, a device node, a FIFO...).
pub(super) fn regular_or_absent(path: &Path) -> Result<(), OutError> {
    match fs::symlink_metadata(path) {
        Ok(m) if !m.file_type().is_file() => Err(OutError::NotAFile(path.to_path_buf())),
        _ => Ok(()),
    }
}

/// Opens an existing file with `options`, refusing to follow a symbolic
/// link in its place (`O_NOFOLLOW`) or to open anything but a regular file
/// (`O_NONBLOCK` so that a FIFO cannot hang the open; it changes nothing
/// for a regular file).
pub(super) fn open_nofollow(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    let file = options
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(file)
}

/// Refuses a run a running harness is still writing (its lock held): the
/// commands that read runs (`report`, `compare`, `merge`) would read it in
/// the middle. `path` is a run folder or a file in one; a folder without a
/// lock file (written before runs had one, or copied) is settled.
pub fn settled(path: &Path) -> Result<(), OutError> {
    let dir = match fs::metadata(path) {
        Ok(m) if m.is_dir() => path,
        _ => match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        },
    };
    let Ok(lock) = open_nofollow(&dir.join(LOCK), OpenOptions::new().read(true)) else {
        return Ok(());
    };
    match lock.try_lock_shared() {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => Err(OutError::Unsettled(dir.to_path_buf())),
        // A file system without locks: nothing to learn from it.
        Err(TryLockError::Error(_)) => Ok(()),
    }
}

/// Creates a new file beside `dir/name` for writing, under a name no other
/// file has, to be renamed over `dir/name` once complete.
pub(super) fn temp_file(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    analysis::aside::create(dir, name, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_owner_at_a_time_and_a_loser_removes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let first = Owned::new_run(&dir).unwrap();
        // Claimed, still empty of results: the lock file alone says so.
        assert!(matches!(Owned::new_run(&dir), Err(OutError::Taken(_))));
        fs::write(dir.join("results.jsonl"), "").unwrap();
        assert!(matches!(
            Owned::new_run(&dir),
            Err(OutError::Occupied(_, "results.jsonl"))
        ));
        // A resume waits for no one: the lock is held.
        assert!(matches!(Owned::existing(&dir), Err(OutError::Busy(_))));
        assert!(dir.join(LOCK).is_file() && dir.join("results.jsonl").is_file());
        // Readers are told it is not settled.
        assert!(matches!(settled(&dir), Err(OutError::Unsettled(_))));
        assert!(matches!(
            settled(&dir.join("results.jsonl")),
            Err(OutError::Unsettled(_))
        ));
        // Its owner gone (the lock released with the file), it may.
        drop(first);
        settled(&dir).unwrap();
        let resumed = Owned::existing(&dir).unwrap();
        resumed.abandon(&[]);
        assert!(dir.join(LOCK).is_file(), "not its to remove");
    }

    #[test]
    fn a_failed_start_removes_what_it_made_and_nothing_else() {
        let tmp = tempfile::tempdir().unwrap();
        // A folder it made, empty again: gone.
        let made = tmp.path().join("made");
        Owned::new_run(&made).unwrap().abandon(&[]);
        assert!(!made.exists());
        // A file someone else put into it stays, and so does the folder.
        let shared = tmp.path().join("shared");
        let owned = Owned::new_run(&shared).unwrap();
        fs::write(shared.join("theirs"), "x").unwrap();
        fs::write(shared.join("results.jsonl"), "").unwrap();
        owned.abandon(&["results.jsonl"]);
        let left: Vec<_> = fs::read_dir(&shared)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["theirs"]);
        // The user's empty folder stays, without the lock.
        let theirs = tmp.path().join("theirs");
        fs::create_dir(&theirs).unwrap();
        Owned::new_run(&theirs).unwrap().abandon(&[]);
        assert_eq!(fs::read_dir(&theirs).unwrap().count(), 0);
    }

    #[test]
    fn links_and_other_files_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        fs::create_dir(&real).unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(matches!(Owned::new_run(&link), Err(OutError::Symlink(_))));
        assert!(matches!(Owned::existing(&link), Err(OutError::Symlink(_))));
        let file = tmp.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(matches!(Owned::new_run(&file), Err(OutError::NotADir(_))));
        std::os::unix::fs::symlink("/dev/null", real.join("run.json")).unwrap();
        assert!(matches!(Owned::existing(&real), Err(OutError::NotAFile(_))));
        let err = open_nofollow(&real.join("run.json"), OpenOptions::new().read(true));
        assert!(err.is_err(), "O_NOFOLLOW");
        assert_eq!(fs::read_dir(&real).unwrap().count(), 1, "nothing added");
    }
}
