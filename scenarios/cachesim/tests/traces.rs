//! Trace readers and writers: round trips, format detection, and every error
//! with its location.
#![cfg(feature = "workloads")]

use std::io::Cursor;
use std::path::{Path, PathBuf};

use cachesim::Request;
use cachesim::workloads::{
    BINARY_MAGIC, Location, NumberProblem, SizeChange, TraceError, TraceErrorKind, TraceFormat,
    TraceReader, read_trace, write_binary, write_text, write_webcachesim,
};

fn sample() -> Vec<Request> {
    vec![
        Request::new(0, 1),
        Request::new(7, 4096),
        Request::new(u32::MAX, u32::MAX),
        Request::new(7, 4096),
        Request::new(3, 12),
    ]
}

fn read(
    bytes: &[u8],
    format: TraceFormat,
    size_change: SizeChange,
) -> Result<Vec<Request>, TraceError> {
    TraceReader::new(Cursor::new(bytes), format, "trace.txt", size_change).collect()
}

fn err(bytes: &[u8], format: TraceFormat) -> TraceError {
    read(bytes, format, SizeChange::Error).unwrap_err()
}

/// A fresh directory under the target dir for file-based tests.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cachesim-traces")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_format_round_trips_through_its_writer() {
    let reqs = sample();
    let mut text = Vec::new();
    write_text(&mut text, &reqs).unwrap();
    assert_eq!(
        read(&text, TraceFormat::Text, SizeChange::Error).unwrap(),
        reqs
    );
    let mut wcs = Vec::new();
    write_webcachesim(&mut wcs, &reqs).unwrap();
    assert!(wcs.starts_with(b"0 0 1\n1 7 4096\n"));
    assert_eq!(
        read(&wcs, TraceFormat::Webcachesim, SizeChange::Error).unwrap(),
        reqs
    );
    let mut bin = Vec::new();
    write_binary(&mut bin, &reqs).unwrap();
    assert_eq!(bin.len(), 16 + 8 * reqs.len());
    assert_eq!(&bin[..8], &BINARY_MAGIC);
    assert_eq!(&bin[8..16], &5u64.to_le_bytes());
    assert_eq!(&bin[16..24], &[0, 0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(
        read(&bin, TraceFormat::Binary, SizeChange::Error).unwrap(),
        reqs
    );
}

#[test]
fn read_trace_detects_formats_from_files() {
    let dir = scratch("detect");
    let reqs = sample();
    type FileWriter = fn(&mut std::fs::File, &[Request]) -> std::io::Result<()>;
    let cases: [(&str, FileWriter, TraceFormat); 4] = [
        ("a.txt", |f, r| write_text(f, r), TraceFormat::Text),
        (
            "b.trace",
            |f, r| write_webcachesim(f, r),
            TraceFormat::Webcachesim,
        ),
        ("c.dat", |f, r| write_binary(f, r), TraceFormat::Binary),
        ("d.bin", |f, r| write_binary(f, r), TraceFormat::Binary),
    ];
    for (name, write, format) in cases {
        let path = dir.join(name);
        write(&mut std::fs::File::create(&path).unwrap(), &reqs).unwrap();
        let head = std::fs::read(&path).unwrap();
        assert_eq!(TraceFormat::detect(&path, &head), format, "{name}");
        assert_eq!(
            read_trace(&path, None, SizeChange::Error).unwrap(),
            reqs,
            "{name}"
        );
        assert_eq!(
            read_trace(&path, Some(format), SizeChange::Error).unwrap(),
            reqs,
            "{name}"
        );
    }
    let missing = dir.join("missing.txt");
    let e = read_trace(&missing, None, SizeChange::Error).unwrap_err();
    assert!(matches!(e.kind, TraceErrorKind::Io(_)));
    assert_eq!(e.location, Location::File);
    assert!(
        e.to_string()
            .starts_with(&format!("{}: I/O error: ", missing.display())),
        "{e}"
    );
}

#[test]
fn comments_blank_lines_and_whitespace_are_ignored() {
    let text =
        b"# header comment\n\n1 10\n   \n\t2\t20  # trailing comment\r\n3 30#tight\n# 4 40\n5 50";
    let got = read(text, TraceFormat::Text, SizeChange::Error).unwrap();
    let want: Vec<Request> = [(1, 10), (2, 20), (3, 30), (5, 50)]
        .map(|(i, s)| Request::new(i, s))
        .into();
    assert_eq!(got, want);
    let wcs = b"# t id size\n100 1 10\n-3 2 20 # times may be negative\n";
    assert_eq!(
        read(wcs, TraceFormat::Webcachesim, SizeChange::Error)
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn bad_numbers_name_the_field_and_line() {
    let cases: [(&[u8], &str, NumberProblem, &str); 5] = [
        (
            b"1 10\n\n2 -5\n",
            "size",
            NumberProblem::Negative,
            r#"trace.txt:3: size "-5" is not an unsigned 32-bit integer"#,
        ),
        (
            b"# c\n4294967296 1\n",
            "id",
            NumberProblem::TooLarge,
            r#"trace.txt:2: id "4294967296" is not an unsigned 32-bit integer"#,
        ),
        (
            b"abc 1\n",
            "id",
            NumberProblem::NotANumber,
            r#"trace.txt:1: id "abc" is not an unsigned 32-bit integer"#,
        ),
        (
            b"1 2\n1 2.5\n",
            "size",
            NumberProblem::NotANumber,
            r#"trace.txt:2: size "2.5" is not an unsigned 32-bit integer"#,
        ),
        (
            b"1 +3\n",
            "size",
            NumberProblem::NotANumber,
            r#"trace.txt:1: size "+3" is not an unsigned 32-bit integer"#,
        ),
    ];
    for (input, want_field, want_problem, message) in cases {
        let e = err(input, TraceFormat::Text);
        match e.kind {
            TraceErrorKind::NotU32 { field, problem, .. } => {
                assert_eq!((field, problem), (want_field, want_problem), "{message}")
            }
            ref k => panic!("unexpected {k:?}"),
        }
        assert_eq!(e.to_string(), message);
    }
    let e = err(b"1 1 1\nx 2 3\n", TraceFormat::Webcachesim);
    assert_eq!(e.to_string(), r#"trace.txt:2: time "x" is not an integer"#);
}

#[test]
fn wrong_field_count() {
    let e = err(b"1 2\n1 2 3\n", TraceFormat::Text);
    assert!(matches!(
        e.kind,
        TraceErrorKind::FieldCount { found: 3, .. }
    ));
    assert_eq!(
        e.to_string(),
        r#"trace.txt:2: expected 2 fields "id size" (text format), found 3"#
    );
    let e = err(b"1 2\n", TraceFormat::Webcachesim);
    assert_eq!(
        e.to_string(),
        r#"trace.txt:1: expected 3 fields "time id size" (webcachesim format), found 2"#
    );
    let e = err(b"\n\n7\n", TraceFormat::Text);
    assert_eq!(e.location, Location::Line(3));
}

#[test]
fn size_zero_is_rejected() {
    let e = err(b"1 1\n9 0\n", TraceFormat::Text);
    assert!(matches!(e.kind, TraceErrorKind::ZeroSize { id: 9 }));
    assert_eq!(
        e.to_string(),
        "trace.txt:2: object 9 has size 0 (sizes must be at least 1 byte)"
    );
    // Even when size changes are allowed.
    assert!(read(b"9 0\n", TraceFormat::Text, SizeChange::Allow).is_err());
}

#[test]
fn size_changes_error_or_pass_through() {
    let input = b"1 10\n2 20\n# c\n1 10\n1 11\n";
    let e = err(input, TraceFormat::Text);
    assert_eq!(e.location, Location::Line(5));
    assert_eq!(
        e.to_string(),
        "trace.txt:5: object 1 has size 11 here but size 10 at line 1"
    );
    let got = read(input, TraceFormat::Text, SizeChange::Allow).unwrap();
    assert_eq!(got.last(), Some(&Request::new(1, 11)));
    let mut bin = Vec::new();
    write_binary(
        &mut bin,
        &[Request::new(4, 8), Request::new(5, 1), Request::new(4, 9)],
    )
    .unwrap();
    let e = err(&bin, TraceFormat::Binary);
    assert_eq!(
        e.to_string(),
        "trace.txt: record 3 (byte 32): object 4 has size 9 here but size 8 at record 1 (byte 16)"
    );
}

#[test]
fn empty_traces_are_errors() {
    for input in [&b""[..], b"\n\n", b"# only a comment\n"] {
        let e = err(input, TraceFormat::Text);
        assert!(matches!(e.kind, TraceErrorKind::Empty));
        assert_eq!(e.to_string(), "trace.txt: the trace has no requests");
    }
    let mut bin = Vec::new();
    write_binary(&mut bin, &[]).unwrap();
    assert!(matches!(
        err(&bin, TraceFormat::Binary).kind,
        TraceErrorKind::Empty
    ));
}

#[test]
fn binary_errors() {
    let mut good = Vec::new();
    write_binary(&mut good, &sample()).unwrap();

    let mut bad = good.clone();
    bad[..8].copy_from_slice(b"ABTRACE2");
    let e = err(&bad, TraceFormat::Binary);
    assert!(matches!(e.kind, TraceErrorKind::BadMagic { .. }));
    assert_eq!(
        e.to_string(),
        r#"trace.txt: byte 0: not an abilab binary trace: starts with "ABTRACE2", expected "ABTRACE1""#
    );
    let e = err(b"1 2\n3 4\n5 6\n", TraceFormat::Binary);
    assert!(e.to_string().contains(r#"starts with "1 2\n3 4\n""#), "{e}");

    let e = err(&good[..12], TraceFormat::Binary);
    assert_eq!(
        e.to_string(),
        "trace.txt: byte 0: truncated header: 12 of 16 bytes"
    );
    assert!(matches!(
        err(b"ABT", TraceFormat::Binary).kind,
        TraceErrorKind::TruncatedHeader { len: 3 }
    ));

    // Cut inside record 3.
    let e = err(&good[..16 + 8 * 2 + 5], TraceFormat::Binary);
    assert_eq!(
        e.location,
        Location::Record {
            number: 3,
            offset: 32
        }
    );
    assert_eq!(
        e.to_string(),
        "trace.txt: record 3 (byte 32): truncated record: 5 of 8 bytes"
    );

    // Cut between records: fewer than announced.
    let e = err(&good[..16 + 8 * 2], TraceFormat::Binary);
    assert_eq!(
        e.to_string(),
        "trace.txt: byte 32: the header announces 5 records but the file ends after 2"
    );

    // More than announced.
    let mut long = good.clone();
    long.extend_from_slice(&[1, 0, 0, 0, 1, 0, 0, 0]);
    let e = err(&long, TraceFormat::Binary);
    assert_eq!(
        e.to_string(),
        "trace.txt: byte 56: data after the 5 records the header announces"
    );

    // Size 0 in a record.
    let mut zero = Vec::new();
    write_binary(&mut zero, &[Request::new(1, 1), Request::new(2, 0)]).unwrap();
    assert_eq!(
        err(&zero, TraceFormat::Binary).to_string(),
        "trace.txt: record 2 (byte 24): object 2 has size 0 (sizes must be at least 1 byte)"
    );
}

#[test]
fn reader_stops_after_the_first_error_and_bounds_lines() {
    let mut r = TraceReader::new(
        Cursor::new(&b"1 1\nbad\n2 2\n"[..]),
        TraceFormat::Text,
        Path::new("t"),
        SizeChange::Error,
    );
    assert!(r.next().unwrap().is_ok());
    assert!(r.next().unwrap().is_err());
    assert!(r.next().is_none());
    let mut long = vec![b'1'; cachesim::workloads::MAX_LINE_LEN + 10];
    long.extend_from_slice(b" 1\n");
    let e = err(&long, TraceFormat::Text);
    assert_eq!(e.to_string(), "trace.txt:1: line longer than 4096 bytes");
}

#[test]
fn a_generated_trace_round_trips_through_every_format() {
    let reqs = cachesim::workloads::generate(&cachesim::workloads::GeneratorConfig {
        requests: 20_000,
        objects: 2_000,
        ..Default::default()
    })
    .unwrap();
    type Writer = fn(&mut Vec<u8>, &[Request]) -> std::io::Result<()>;
    let writers: [(TraceFormat, Writer); 3] = [
        (TraceFormat::Text, |w, r| write_text(w, r)),
        (TraceFormat::Webcachesim, |w, r| write_webcachesim(w, r)),
        (TraceFormat::Binary, |w, r| write_binary(w, r)),
    ];
    for (format, write) in writers {
        let mut buf = Vec::new();
        write(&mut buf, &reqs).unwrap();
        assert_eq!(TraceFormat::detect(Path::new("x"), &buf), format);
        assert_eq!(
            read(&buf, format, SizeChange::Error).unwrap(),
            reqs,
            "{format}"
        );
    }
}
