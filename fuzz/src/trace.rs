//! The `trace` target: every trace reader (text, webcachesim, binary, and
//! format detection through the file-based [`read_trace`] entry point) on
//! one input whose first byte, the [`TraceControl`], picks the format and
//! the reading conditions; and the target's seeds.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use cachesim::Request;
use cachesim::workloads::{
    SizeChange, TraceFormat, TraceReader, read_trace, write_binary, write_text, write_webcachesim,
};

/// What a reader produced: the requests read, then the error that stopped
/// it (as its message), if any.
#[derive(Debug, PartialEq, Eq)]
pub struct TraceOutcome {
    /// The requests before the first error.
    pub requests: Vec<Request>,
    /// The error's location and message (without the path).
    pub error: Option<String>,
}

/// Drains `reader`, checking the iterator contract: at most one error,
/// the last item; nothing after `None` (the reader is fused).
fn drain<R: std::io::BufRead>(mut reader: TraceReader<R>) -> TraceOutcome {
    let mut requests = Vec::new();
    let mut error = None;
    for item in reader.by_ref() {
        assert!(error.is_none(), "an item after an error");
        match item {
            Ok(r) => {
                assert_ne!(r.size, 0, "a request of size 0 passed the reader");
                requests.push(r);
            }
            Err(e) => {
                // The whole message must format; kept without the path.
                assert!(!e.to_string().is_empty());
                error = Some(format!("{}: {}", e.location, e.kind));
            }
        }
    }
    assert!(reader.next().is_none(), "the reader yields after its end");
    assert!(
        !requests.is_empty() || error.is_some(),
        "an empty trace is an error"
    );
    TraceOutcome { requests, error }
}

/// The fuzz input of the `trace` target: a control byte, then the file.
///
/// Control byte bits:
/// - 0–1: the format: 0 text, 1 webcachesim, 2 binary, 3 detect (the file
///   is written to a temporary file and read with [`read_trace`], the
///   entry point the harness uses, with `format: None`);
/// - 2: the size-change policy: 0 `error`, 1 `allow`;
/// - 3: under detection, the file's extension: 0 `.txt`, 1 `.bin`;
/// - 4–5: the capacity of the small `BufReader` the file is also read
///   through: 1, 3, 17 or 4097 bytes.
#[derive(Debug, Clone, Copy)]
pub struct TraceControl {
    /// The format, `None` to detect it.
    pub format: Option<TraceFormat>,
    /// The size-change policy.
    pub size_change: SizeChange,
    /// The file name under detection.
    pub extension: &'static str,
    /// The small reader's capacity.
    pub capacity: usize,
}

impl TraceControl {
    /// Decodes a control byte.
    pub fn from_byte(b: u8) -> TraceControl {
        TraceControl {
            format: match b & 3 {
                0 => Some(TraceFormat::Text),
                1 => Some(TraceFormat::Webcachesim),
                2 => Some(TraceFormat::Binary),
                _ => None,
            },
            size_change: if b & 4 == 0 {
                SizeChange::Error
            } else {
                SizeChange::Allow
            },
            extension: if b & 8 == 0 { "txt" } else { "bin" },
            capacity: [1, 3, 17, 4097][usize::from((b >> 4) & 3)],
        }
    }

    /// The control byte that decodes to this.
    pub fn to_byte(self) -> u8 {
        let f = match self.format {
            Some(TraceFormat::Text) => 0,
            Some(TraceFormat::Webcachesim) => 1,
            Some(TraceFormat::Binary) => 2,
            None => 3,
        };
        let s = if self.size_change == SizeChange::Allow {
            4
        } else {
            0
        };
        let e = if self.extension == "bin" { 8 } else { 0 };
        let c = [1, 3, 17, 4097]
            .iter()
            .position(|&c| c == self.capacity)
            .unwrap_or(0) as u8;
        f | s | e | (c << 4)
    }
}

/// A per-process scratch file for the detection path (in `/dev/shm` when
/// there is one: no disk I/O per execution).
fn scratch(extension: &str) -> PathBuf {
    let dir = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    dir.join(format!(
        "abilab-fuzz-{}-{:?}.{extension}",
        std::process::id(),
        std::thread::current().id()
    ))
}

/// The `trace` target. Properties checked, besides "no panic, no hang":
/// - the iterator contract of [`drain`];
/// - the result does not depend on how the input is chunked (read through
///   a `BufReader` of 1 to 4097 bytes, and from one slice);
/// - under detection, [`read_trace`] on a file agrees with a reader over
///   the bytes in the format [`TraceFormat::detect`] picks;
/// - a trace read without error, written back in each format with the
///   crate's writers, reads back to the same requests.
pub fn check_trace(data: &[u8]) {
    let Some((&ctl, file)) = data.split_first() else {
        return;
    };
    let ctl = TraceControl::from_byte(ctl);
    let path = PathBuf::from(format!("fuzz.{}", ctl.extension));
    let format = ctl.format.unwrap_or_else(|| {
        // What `open_trace` sees: the first fill of a 64 KiB BufReader.
        TraceFormat::detect(&path, &file[..file.len().min(1 << 16)])
    });
    let whole = drain(TraceReader::new(file, format, &path, ctl.size_change));
    let chunked = drain(TraceReader::new(
        BufReader::with_capacity(ctl.capacity, file),
        format,
        &path,
        ctl.size_change,
    ));
    assert_eq!(whole, chunked, "the result depends on the read chunking");

    if ctl.format.is_none() {
        let tmp = scratch(ctl.extension);
        std::fs::write(&tmp, file).expect("write the scratch trace");
        let from_file = read_trace(&tmp, None, ctl.size_change);
        let _ = std::fs::remove_file(&tmp);
        match from_file {
            Ok(reqs) => {
                assert_eq!(
                    whole.error, None,
                    "read_trace accepts what the reader refuses"
                );
                assert_eq!(reqs, whole.requests, "read_trace disagrees with the reader");
            }
            Err(e) => {
                assert_eq!(
                    Some(format!("{}: {}", e.location, e.kind)),
                    whole.error,
                    "read_trace fails otherwise than the reader"
                );
            }
        }
    }

    if whole.error.is_none() {
        for f in TraceFormat::ALL {
            let mut bytes = Vec::new();
            match f {
                TraceFormat::Text => write_text(&mut bytes, &whole.requests),
                TraceFormat::Webcachesim => write_webcachesim(&mut bytes, &whole.requests),
                TraceFormat::Binary => write_binary(&mut bytes, &whole.requests),
            }
            .expect("write to a Vec");
            let back = drain(TraceReader::new(&bytes[..], f, "back", ctl.size_change));
            assert_eq!(back.error, None, "a written {f} trace does not read back");
            assert_eq!(back.requests, whole.requests, "{f} round trip");
        }
    }
}

/// Small valid traces in every format (and a few near-misses), each behind
/// the control byte that reads it.
pub fn trace_seeds() -> Vec<(String, Vec<u8>)> {
    let reqs = [
        Request::new(1, 100),
        Request::new(2, 4096),
        Request::new(1, 100),
        Request::new(u32::MAX, u32::MAX),
        Request::new(0, 1),
    ];
    let ctl = |format, size_change, extension, capacity| {
        TraceControl {
            format,
            size_change,
            extension,
            capacity,
        }
        .to_byte()
    };
    let mut text = Vec::new();
    write_text(&mut text, &reqs).unwrap();
    let mut wcs = Vec::new();
    write_webcachesim(&mut wcs, &reqs).unwrap();
    let mut bin = Vec::new();
    write_binary(&mut bin, &reqs).unwrap();
    let commented = b"# a comment\n\n  1   100 # trailing\n\t2 7\r\n1 100".to_vec();
    let wcs_commented = b"# t id size\n-5 1 10\n0 2 20 # x\n".to_vec();
    let changed = b"1 10\n1 11\n".to_vec();
    let bad = b"1 -5\n".to_vec();
    let mut truncated = bin.clone();
    truncated.truncate(bin.len() - 3);
    let t = Some(TraceFormat::Text);
    let w = Some(TraceFormat::Webcachesim);
    let b = Some(TraceFormat::Binary);
    let (e, a) = (SizeChange::Error, SizeChange::Allow);
    let cases: Vec<(&str, u8, &[u8])> = vec![
        ("text", ctl(t, e, "txt", 17), &text[..]),
        ("text-commented", ctl(t, e, "txt", 3), &commented[..]),
        ("text-size-changed", ctl(t, e, "txt", 1), &changed[..]),
        (
            "text-size-changed-allowed",
            ctl(t, a, "txt", 4097),
            &changed[..],
        ),
        ("text-negative", ctl(t, e, "txt", 17), &bad[..]),
        ("webcachesim", ctl(w, e, "txt", 17), &wcs[..]),
        (
            "webcachesim-commented",
            ctl(w, a, "txt", 3),
            &wcs_commented[..],
        ),
        ("binary", ctl(b, e, "bin", 17), &bin[..]),
        ("binary-truncated", ctl(b, e, "bin", 3), &truncated[..]),
        ("detect-text", ctl(None, e, "txt", 17), &text[..]),
        ("detect-webcachesim", ctl(None, e, "txt", 17), &wcs[..]),
        ("detect-binary", ctl(None, e, "txt", 17), &bin[..]),
        ("detect-bin-extension", ctl(None, e, "bin", 1), &text[..]),
    ];
    cases
        .into_iter()
        .map(|(name, c, file)| {
            let mut v = vec![c];
            v.extend_from_slice(file);
            (name.to_owned(), v)
        })
        .collect()
}
