//! [`TraceError`]: what went wrong in a trace file, and where.

use core::fmt;
use std::io;
use std::path::PathBuf;

use super::format::TraceFormat;

/// Where in a trace file an error is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole (cannot be opened, has no request).
    File,
    /// A 1-based line of a line format.
    Line(u64),
    /// A 1-based record of a binary trace and its byte offset.
    Record {
        /// 1-based record number.
        number: u64,
        /// Byte offset of the record in the file.
        offset: u64,
    },
    /// A byte offset in a binary trace's header or tail.
    Offset(u64),
}

impl Location {
    /// The location as a phrase: `line 3`, `record 2 (byte 24)`, `byte 8`, `file`.
    pub fn phrase(&self) -> String {
        match *self {
            Location::File => "file".to_owned(),
            Location::Line(n) => format!("line {n}"),
            Location::Record { number, offset } => format!("record {number} (byte {offset})"),
            Location::Offset(o) => format!("byte {o}"),
        }
    }
}

impl fmt::Display for Location {
    /// The `:17` or `: record 2 (byte 24)` that follows the path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File => Ok(()),
            Location::Line(n) => write!(f, ":{n}"),
            other => write!(f, ": {}", other.phrase()),
        }
    }
}

/// Why a field is not an unsigned 32-bit integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberProblem {
    /// Not a decimal number at all (letters, a sign alone, `+`, a decimal point...).
    NotANumber,
    /// A negative number.
    Negative,
    /// Larger than `u32::MAX`.
    TooLarge,
}

/// What is wrong (the location is in [`TraceError`]).
#[derive(Debug, thiserror::Error)]
pub enum TraceErrorKind {
    /// Opening or reading the file failed.
    #[error("I/O error: {0}")]
    Io(io::Error),
    /// A line with the wrong number of fields.
    #[error("expected {} fields \"{}\" ({format} format), found {found}", format.fields(), layout(*format))]
    FieldCount {
        /// The format being read.
        format: TraceFormat,
        /// Fields on the line.
        found: usize,
    },
    /// An id or size that is not an unsigned 32-bit integer.
    #[error("{field} \"{text}\" is not an unsigned 32-bit integer")]
    NotU32 {
        /// `id` or `size`.
        field: &'static str,
        /// The field as written (cut to 40 characters).
        text: String,
        /// Which way it is wrong.
        problem: NumberProblem,
    },
    /// A webcachesim time that is not an integer.
    #[error("time \"{text}\" is not an integer")]
    NotInteger {
        /// The field as written (cut to 40 characters).
        text: String,
    },
    /// A request of size 0.
    #[error("object {id} has size 0 (sizes must be at least 1 byte)")]
    ZeroSize {
        /// The object's id.
        id: u32,
    },
    /// An object whose size differs from its first request (under `SizeChange::Error`).
    #[error("object {id} has size {size} here but size {first_size} at {}", first.phrase())]
    SizeChanged {
        /// The object's id.
        id: u32,
        /// Its size here.
        size: u32,
        /// Its size at its first request.
        first_size: u32,
        /// Where it was first requested.
        first: Location,
    },
    /// A line longer than [`MAX_LINE_LEN`](super::MAX_LINE_LEN) bytes.
    #[error("line longer than {0} bytes")]
    LineTooLong(usize),
    /// A binary trace that does not start with the magic.
    #[error("not an abilab binary trace: starts with \"{}\", expected \"ABTRACE1\"", found.escape_ascii())]
    BadMagic {
        /// The first 8 bytes.
        found: [u8; 8],
    },
    /// A binary trace shorter than its 16-byte header.
    #[error("truncated header: {len} of 16 bytes")]
    TruncatedHeader {
        /// Bytes present.
        len: usize,
    },
    /// A binary trace ending inside a record.
    #[error("truncated record: {len} of 8 bytes")]
    TruncatedRecord {
        /// Bytes of the record present.
        len: usize,
    },
    /// A binary trace with fewer records than its header announces.
    #[error("the header announces {announced} records but the file ends after {found}")]
    MissingRecords {
        /// The header's count.
        announced: u64,
        /// Complete records present.
        found: u64,
    },
    /// A binary trace with bytes after the announced records.
    #[error("data after the {announced} records the header announces")]
    TrailingData {
        /// The header's count.
        announced: u64,
    },
    /// A trace without a single request.
    #[error("the trace has no requests")]
    Empty,
}

fn layout(format: TraceFormat) -> &'static str {
    match format {
        TraceFormat::Webcachesim => "time id size",
        _ => "id size",
    }
}

/// A bad trace: the file, where in it, and a one-line reason, displayed as
/// `trace.txt:17: size "-5" is not an unsigned 32-bit integer`.
#[derive(Debug, thiserror::Error)]
#[error("{}{location}: {kind}", path.display())]
pub struct TraceError {
    /// The trace file (as given to the reader).
    pub path: PathBuf,
    /// Where in it.
    pub location: Location,
    /// What is wrong.
    pub kind: TraceErrorKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_forms() {
        let e = TraceError {
            path: "trace.txt".into(),
            location: Location::Line(17),
            kind: TraceErrorKind::NotU32 {
                field: "size",
                text: "-5".into(),
                problem: NumberProblem::Negative,
            },
        };
        assert_eq!(
            e.to_string(),
            r#"trace.txt:17: size "-5" is not an unsigned 32-bit integer"#
        );
        let e = TraceError {
            path: "t.bin".into(),
            location: Location::Record {
                number: 3,
                offset: 32,
            },
            kind: TraceErrorKind::SizeChanged {
                id: 4,
                size: 9,
                first_size: 8,
                first: Location::Record {
                    number: 1,
                    offset: 16,
                },
            },
        };
        assert_eq!(
            e.to_string(),
            "t.bin: record 3 (byte 32): object 4 has size 9 here but size 8 at record 1 (byte 16)"
        );
        let e = TraceError {
            path: "e.txt".into(),
            location: Location::File,
            kind: TraceErrorKind::Empty,
        };
        assert_eq!(e.to_string(), "e.txt: the trace has no requests");
    }
}
