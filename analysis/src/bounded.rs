//! Reading a user's file with a ceiling on its size: a path can name an
//! endless file (`/dev/zero`, a FIFO) or a huge one, and reading it whole
//! would take the machine's memory before any check ran. Each reader says
//! the most it accepts; past it the file is refused, one line, having read
//! one byte more than the ceiling.

use std::io::{self, Read};
use std::path::Path;

/// Ceilings, by what the file is. Each is far above any real file.
pub mod limit {
    /// `run.json`: a few KiB in practice.
    pub const RUN_INFO: u64 = 16 << 20;
    /// `results.jsonl`: ~1 KiB a cell, a million cells.
    pub const RESULTS: u64 = 1 << 30;
    /// A guest module (`--guest`).
    pub const MODULE: u64 = 256 << 20;
    /// A font file (`--font`).
    pub const FONT: u64 = 64 << 20;
}

/// The bytes of the file at `path`, or an error if it holds more than
/// `max` bytes (`InvalidData`, saying the ceiling).
pub fn read(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than the {} MiB this file may be", max >> 20),
        ));
    }
    Ok(bytes)
}

/// [`read`] as UTF-8 text.
pub fn read_to_string(path: &Path, max: u64) -> io::Result<String> {
    String::from_utf8(read(path, max)?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.utf8_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endless_and_oversized_files_are_refused_after_the_ceiling() {
        let e = read(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("1 MiB"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read(&path, 5).unwrap(), b"12345");
        assert!(read(&path, 4).is_err());
        assert_eq!(read_to_string(&path, 5).unwrap(), "12345");
    }
}
