//! Files written aside and renamed into place: a reader sees the old file
//! or the whole new one, never half of it, and the aside file is one this
//! process created (`O_EXCL`), never a file or a link someone left there.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Creates a new file in `dir` for writing, named after `name` under a
/// name no other file has (`.NAME.PID-N.tmp` + `suffix`), to be renamed
/// over `dir/name` once complete. `suffix` keeps an extension a writer
/// needs (an image encoder picks its format from it).
pub fn create(dir: &Path, name: &str, suffix: &str) -> io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    let mut n = 0;
    loop {
        let path = dir.join(format!(".{name}.{pid}-{n}.tmp{suffix}"));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((path, f)),
            // Left by a process of the same id that died: not ours to delete.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Writes `bytes` to `path` through an aside file; on failure the aside
/// file is removed (it is ours) and `path` is as it was. The error names
/// the path it concerns.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), (PathBuf, io::Error)> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (tmp, mut file) = create(dir, &name, "").map_err(|e| (dir.to_path_buf(), e))?;
    let written = file.write_all(bytes).and_then(|()| file.sync_data());
    drop(file);
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err((path.to_path_buf(), e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_whole_files_and_never_follow_a_planted_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.md");
        write(&target, b"one").unwrap();
        write(&target, b"two").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        // A link planted where a fixed aside name would be is not followed.
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        let pid = std::process::id();
        std::os::unix::fs::symlink(&victim, dir.path().join(format!(".report.md.{pid}-0.tmp")))
            .unwrap();
        write(&target, b"three").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        assert_eq!(std::fs::read(&target).unwrap(), b"three");
        // Only the planted link is left beside it.
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 3);
        // A failed write leaves nothing of its own.
        let missing = dir.path().join("no/such/dir/x");
        assert!(write(&missing, b"x").is_err());
    }
}
