//! Streaming trace readers with bounded memory.
//!
//! A [`TraceReader`] wraps any `BufRead` and yields one
//! `Result<Request, TraceError>` per request. Memory stays bounded: one
//! reused line buffer (lines are parsed as bytes, never as `String`s; a line
//! longer than [`MAX_LINE_LEN`] is an error) and, under
//! [`SizeChange::Error`], one map entry per distinct object. The reader stops
//! after the first error.

use std::collections::hash_map::Entry;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::error::{Location, NumberProblem, TraceError, TraceErrorKind};
use super::format::{BINARY_MAGIC, SizeChange, TraceFormat};
use crate::Request;
use crate::hash::IdMap;

/// The longest line a line-format reader accepts, in bytes (without the newline).
pub const MAX_LINE_LEN: usize = 4096;

/// Binary header length: magic + record count.
const HEADER_LEN: u64 = 16;
/// Binary record length: id + size.
const RECORD_LEN: u64 = 8;

/// A streaming reader of one trace in one format.
#[derive(Debug)]
pub struct TraceReader<R> {
    inner: R,
    path: PathBuf,
    format: TraceFormat,
    size_change: SizeChange,
    /// id -> (first size, line or record number of its first request).
    first_seen: IdMap<(u32, u64)>,
    /// Lines (line formats) or records (binary) consumed so far.
    position: u64,
    /// Binary: the header's record count, once read.
    announced: Option<u64>,
    produced: u64,
    buf: Vec<u8>,
    done: bool,
}

impl<R: BufRead> TraceReader<R> {
    /// A reader of `inner` in `format`; `path` names the source in errors.
    pub fn new(
        inner: R,
        format: TraceFormat,
        path: impl Into<PathBuf>,
        size_change: SizeChange,
    ) -> Self {
        TraceReader {
            inner,
            path: path.into(),
            format,
            size_change,
            first_seen: IdMap::default(),
            position: 0,
            announced: None,
            produced: 0,
            buf: Vec::with_capacity(128),
            done: false,
        }
    }

    /// The format being read.
    pub fn format(&self) -> TraceFormat {
        self.format
    }

    fn error(&self, location: Location, kind: TraceErrorKind) -> TraceError {
        TraceError {
            path: self.path.clone(),
            location,
            kind,
        }
    }

    /// The location of line or record `n` (1-based).
    fn location(&self, n: u64) -> Location {
        match self.format {
            TraceFormat::Binary => Location::Record {
                number: n,
                offset: HEADER_LEN + RECORD_LEN * (n - 1),
            },
            _ => Location::Line(n),
        }
    }

    /// The checks shared by all formats: size 0 and size changes.
    fn check(&mut self, req: Request) -> Result<Request, TraceError> {
        let here = self.position;
        if req.size == 0 {
            return Err(self.error(self.location(here), TraceErrorKind::ZeroSize { id: req.id }));
        }
        if self.size_change == SizeChange::Error {
            match self.first_seen.entry(req.id) {
                Entry::Vacant(v) => {
                    v.insert((req.size, here));
                }
                Entry::Occupied(o) => {
                    let (first_size, first) = *o.get();
                    if first_size != req.size {
                        let kind = TraceErrorKind::SizeChanged {
                            id: req.id,
                            size: req.size,
                            first_size,
                            first: self.location(first),
                        };
                        return Err(self.error(self.location(here), kind));
                    }
                }
            }
        }
        Ok(req)
    }

    /// The next request of a line format, `None` at the end.
    fn next_line(&mut self) -> Result<Option<Request>, TraceError> {
        let webcachesim = self.format == TraceFormat::Webcachesim;
        loop {
            self.buf.clear();
            let read = (&mut self.inner)
                .take(MAX_LINE_LEN as u64 + 1)
                .read_until(b'\n', &mut self.buf);
            let n = read.map_err(|e| {
                self.error(Location::Line(self.position + 1), TraceErrorKind::Io(e))
            })?;
            if n == 0 {
                return Ok(None);
            }
            self.position += 1;
            let loc = Location::Line(self.position);
            let mut line = &self.buf[..];
            if let [rest @ .., b'\n'] = line {
                line = rest;
            } else if line.len() > MAX_LINE_LEN {
                return Err(self.error(loc, TraceErrorKind::LineTooLong(MAX_LINE_LEN)));
            }
            if let Some(hash) = line.iter().position(|&b| b == b'#') {
                line = &line[..hash];
            }
            let mut fields: [&[u8]; 3] = [&[]; 3];
            let mut count = 0;
            for f in line
                .split(|b| b.is_ascii_whitespace())
                .filter(|f| !f.is_empty())
            {
                if count < 3 {
                    fields[count] = f;
                }
                count += 1;
            }
            if count == 0 {
                continue;
            }
            if count != self.format.fields() {
                let kind = TraceErrorKind::FieldCount {
                    format: self.format,
                    found: count,
                };
                return Err(self.error(loc, kind));
            }
            let (id, size) = if webcachesim {
                if !is_integer(fields[0]) {
                    let kind = TraceErrorKind::NotInteger {
                        text: excerpt(fields[0]),
                    };
                    return Err(self.error(loc, kind));
                }
                (fields[1], fields[2])
            } else {
                (fields[0], fields[1])
            };
            let parsed = parse_u32(id).map_err(|p| ("id", id, p)).and_then(|id| {
                parse_u32(size)
                    .map(|size| Request::new(id, size))
                    .map_err(|p| ("size", size, p))
            });
            return match parsed {
                Ok(req) => self.check(req).map(Some),
                Err((field, text, problem)) => {
                    let kind = TraceErrorKind::NotU32 {
                        field,
                        text: excerpt(text),
                        problem,
                    };
                    Err(self.error(loc, kind))
                }
            };
        }
    }

    /// The next request of a binary trace, `None` at the end.
    fn next_record(&mut self) -> Result<Option<Request>, TraceError> {
        let announced = match self.announced {
            Some(a) => a,
            None => {
                let mut header = [0u8; HEADER_LEN as usize];
                let len = read_full(&mut self.inner, &mut header)
                    .map_err(|e| self.error(Location::Offset(0), TraceErrorKind::Io(e)))?;
                let magic: [u8; 8] = header[..8].try_into().expect("8 bytes");
                if len >= 8 && magic != BINARY_MAGIC {
                    return Err(self.error(
                        Location::Offset(0),
                        TraceErrorKind::BadMagic { found: magic },
                    ));
                }
                if len < header.len() {
                    return Err(
                        self.error(Location::Offset(0), TraceErrorKind::TruncatedHeader { len })
                    );
                }
                let a = u64::from_le_bytes(header[8..].try_into().expect("8 bytes"));
                self.announced = Some(a);
                a
            }
        };
        let offset = HEADER_LEN + RECORD_LEN * self.position;
        if self.position == announced {
            let at_end = match self.inner.fill_buf() {
                Ok(rest) => rest.is_empty(),
                Err(e) => return Err(self.error(Location::Offset(offset), TraceErrorKind::Io(e))),
            };
            if !at_end {
                return Err(self.error(
                    Location::Offset(offset),
                    TraceErrorKind::TrailingData { announced },
                ));
            }
            return Ok(None);
        }
        let mut record = [0u8; RECORD_LEN as usize];
        let loc = self.location(self.position + 1);
        let len = read_full(&mut self.inner, &mut record)
            .map_err(|e| self.error(loc, TraceErrorKind::Io(e)))?;
        if len == 0 {
            let kind = TraceErrorKind::MissingRecords {
                announced,
                found: self.position,
            };
            return Err(self.error(Location::Offset(offset), kind));
        }
        if len < record.len() {
            return Err(self.error(loc, TraceErrorKind::TruncatedRecord { len }));
        }
        self.position += 1;
        let id = u32::from_le_bytes(record[..4].try_into().expect("4 bytes"));
        let size = u32::from_le_bytes(record[4..].try_into().expect("4 bytes"));
        self.check(Request::new(id, size)).map(Some)
    }
}

impl<R: BufRead> Iterator for TraceReader<R> {
    type Item = Result<Request, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = match self.format {
            TraceFormat::Binary => self.next_record(),
            _ => self.next_line(),
        };
        match next {
            Ok(Some(req)) => {
                self.produced += 1;
                Some(Ok(req))
            }
            Ok(None) => {
                self.done = true;
                (self.produced == 0).then(|| Err(self.error(Location::File, TraceErrorKind::Empty)))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Opens the trace at `path`, detecting its format with
/// [`TraceFormat::detect`] when `format` is `None`.
pub fn open_trace(
    path: &Path,
    format: Option<TraceFormat>,
    size_change: SizeChange,
) -> Result<TraceReader<BufReader<File>>, TraceError> {
    let io_error = |e| TraceError {
        path: path.to_owned(),
        location: Location::File,
        kind: TraceErrorKind::Io(e),
    };
    let file = File::open(path).map_err(io_error)?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let format = match format {
        Some(f) => f,
        None => TraceFormat::detect(path, reader.fill_buf().map_err(io_error)?),
    };
    Ok(TraceReader::new(reader, format, path, size_change))
}

/// Reads the whole trace at `path` into memory (see [`open_trace`]).
pub fn read_trace(
    path: &Path,
    format: Option<TraceFormat>,
    size_change: SizeChange,
) -> Result<Vec<Request>, TraceError> {
    open_trace(path, format, size_change)?.collect()
}

/// Parses a decimal `u32`: digits only (no sign, no `+`, no spaces).
#[inline]
fn parse_u32(field: &[u8]) -> Result<u32, NumberProblem> {
    let digits = match field {
        [b'-', rest @ ..] => {
            return Err(if !rest.is_empty() && rest.iter().all(u8::is_ascii_digit) {
                NumberProblem::Negative
            } else {
                NumberProblem::NotANumber
            });
        }
        _ => field,
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(NumberProblem::NotANumber);
    }
    let mut value: u64 = 0;
    for &d in digits {
        value = value * 10 + u64::from(d - b'0');
        if value > u64::from(u32::MAX) {
            return Err(NumberProblem::TooLarge);
        }
    }
    Ok(value as u32)
}

/// True for an optionally negative run of decimal digits.
fn is_integer(field: &[u8]) -> bool {
    let digits = field.strip_prefix(b"-").unwrap_or(field);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// A field for an error message: lossy UTF-8, cut to 40 characters.
fn excerpt(field: &[u8]) -> String {
    let text = String::from_utf8_lossy(field);
    if text.chars().count() > 40 {
        let mut cut: String = text.chars().take(40).collect();
        cut.push('…');
        cut
    } else {
        text.into_owned()
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_u32(b"0"), Ok(0));
        assert_eq!(parse_u32(b"4294967295"), Ok(u32::MAX));
        assert_eq!(parse_u32(b"0004294967295"), Ok(u32::MAX));
        assert_eq!(parse_u32(b"4294967296"), Err(NumberProblem::TooLarge));
        assert_eq!(
            parse_u32(b"99999999999999999999999999"),
            Err(NumberProblem::TooLarge)
        );
        assert_eq!(parse_u32(b"-5"), Err(NumberProblem::Negative));
        assert_eq!(parse_u32(b"-"), Err(NumberProblem::NotANumber));
        assert_eq!(parse_u32(b"+5"), Err(NumberProblem::NotANumber));
        assert_eq!(parse_u32(b"1.5"), Err(NumberProblem::NotANumber));
        assert_eq!(parse_u32(b"12abc"), Err(NumberProblem::NotANumber));
        assert!(
            is_integer(b"-17") && is_integer(b"123") && !is_integer(b"1e3") && !is_integer(b"-")
        );
        assert_eq!(excerpt(&[b'x'; 50]).chars().count(), 41);
    }
}
