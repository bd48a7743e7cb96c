//! The trace formats, how a file's format is detected, and what a reader does
//! when an object's size changes.

use core::fmt;
use core::str::FromStr;
use std::path::Path;

/// The first 8 bytes of a binary trace.
pub const BINARY_MAGIC: [u8; 8] = *b"ABTRACE1";

/// A trace file format; the kebab-case id is used on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TraceFormat {
    /// `id size` per line; `#` comments and blank lines ignored.
    Text,
    /// `time id size` per line, as read by the webcachesim simulator; the
    /// time must be an integer and is otherwise ignored.
    Webcachesim,
    /// Ours: [`BINARY_MAGIC`], a `u64` LE record count, then `(id u32 LE,
    /// size u32 LE)` records.
    Binary,
}

impl TraceFormat {
    /// Every format.
    pub const ALL: [TraceFormat; 3] = [
        TraceFormat::Text,
        TraceFormat::Webcachesim,
        TraceFormat::Binary,
    ];

    /// The kebab-case id: `text`, `webcachesim` or `binary`.
    pub fn id(self) -> &'static str {
        match self {
            TraceFormat::Text => "text",
            TraceFormat::Webcachesim => "webcachesim",
            TraceFormat::Binary => "binary",
        }
    }

    /// Fields per line of a line format (2 or 3); 0 for binary.
    pub fn fields(self) -> usize {
        match self {
            TraceFormat::Text => 2,
            TraceFormat::Webcachesim => 3,
            TraceFormat::Binary => 0,
        }
    }

    /// Guesses the format of the file at `path` whose first bytes are `head`:
    /// 1. `head` starts with [`BINARY_MAGIC`]: binary;
    /// 2. the extension is `bin` or `abtrace`: binary (the reader then
    ///    reports a wrong magic rather than garbage lines);
    /// 3. the first data line in `head` (not blank, not a comment) has 3
    ///    fields: webcachesim;
    /// 4. anything else: text (whose reader reports what is wrong, if anything).
    pub fn detect(path: &Path, head: &[u8]) -> TraceFormat {
        if head.starts_with(&BINARY_MAGIC) {
            return TraceFormat::Binary;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext.eq_ignore_ascii_case("bin") || ext.eq_ignore_ascii_case("abtrace") {
            return TraceFormat::Binary;
        }
        for line in head.split(|&b| b == b'\n') {
            let data = line.split(|&b| b == b'#').next().unwrap_or(&[]);
            let fields = data
                .split(|b| b.is_ascii_whitespace())
                .filter(|f| !f.is_empty())
                .count();
            if fields > 0 {
                return if fields == 3 {
                    TraceFormat::Webcachesim
                } else {
                    TraceFormat::Text
                };
            }
        }
        TraceFormat::Text
    }
}

impl fmt::Display for TraceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Why a string is not a trace format id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown trace format {input:?} (expected one of: text, webcachesim, binary)")]
pub struct ParseFormatError {
    /// The rejected input.
    pub input: String,
}

impl FromStr for TraceFormat {
    type Err = ParseFormatError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TraceFormat::ALL
            .into_iter()
            .find(|f| f.id() == s)
            .ok_or_else(|| ParseFormatError {
                input: s.to_owned(),
            })
    }
}

/// What a reader does when an object id reappears with another size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SizeChange {
    /// Reject the trace at the first changed size (the default). The reader
    /// remembers the first size of every id: memory grows with the number of
    /// distinct objects, not with the trace length.
    #[default]
    Error,
    /// Pass the request through; the cache drops the old copy and treats the
    /// request as a miss for the new size.
    Allow,
}

impl SizeChange {
    /// The kebab-case id: `error` or `allow`.
    pub fn id(self) -> &'static str {
        match self {
            SizeChange::Error => "error",
            SizeChange::Allow => "allow",
        }
    }
}

impl fmt::Display for SizeChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Why a string is not a size-change policy id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown size-change policy {input:?} (expected one of: error, allow)")]
pub struct ParseSizeChangeError {
    /// The rejected input.
    pub input: String,
}

impl FromStr for SizeChange {
    type Err = ParseSizeChangeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [SizeChange::Error, SizeChange::Allow]
            .into_iter()
            .find(|f| f.id() == s)
            .ok_or_else(|| ParseSizeChangeError {
                input: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for f in TraceFormat::ALL {
            assert_eq!(f.to_string().parse(), Ok(f));
        }
        for s in [SizeChange::Error, SizeChange::Allow] {
            assert_eq!(s.to_string().parse(), Ok(s));
        }
        assert_eq!(
            "csv".parse::<TraceFormat>().unwrap_err().to_string(),
            r#"unknown trace format "csv" (expected one of: text, webcachesim, binary)"#
        );
        assert!("Allow".parse::<SizeChange>().is_err());
    }

    #[test]
    fn detection_rule() {
        let p = Path::new("t.txt");
        assert_eq!(TraceFormat::detect(p, b"ABTRACE1\0\0"), TraceFormat::Binary);
        assert_eq!(
            TraceFormat::detect(Path::new("t.bin"), b"1 2\n"),
            TraceFormat::Binary
        );
        assert_eq!(
            TraceFormat::detect(p, b"# c\n\n  1 2 3 # x\n"),
            TraceFormat::Webcachesim
        );
        assert_eq!(TraceFormat::detect(p, b"# a b c\n1 2\n"), TraceFormat::Text);
        assert_eq!(TraceFormat::detect(p, b"1 2 3 4\n"), TraceFormat::Text);
        assert_eq!(TraceFormat::detect(p, b""), TraceFormat::Text);
    }
}
