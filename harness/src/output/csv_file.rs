//! `results.csv`: the scalar fields of every record, one factor per column.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use super::Record;
use super::folder::{open_nofollow, temp_file};

/// The fixed columns before the factors.
const LEADING: &[&str] = &["scenario", "runtime", "abi"];
/// The fixed columns after the factors.
const TRAILING: &[&str] = &[
    "status",
    "error",
    "calls",
    "reps",
    "mean_s",
    "sd_s",
    "ci95_low_s",
    "ci95_high_s",
    "median_s",
    "min_s",
    "max_s",
    "ns_per_call",
    "ratio_to_native",
    "warmup_reps",
    "compile_s",
    "instantiate_s",
    "run_index",
    "hits",
    "byte_hits",
    "object_hit_ratio",
    "byte_hit_ratio",
    "error_class",
    "cell",
    "p99_s",
    "outliers",
    "others_cpu",
    "load_avg",
    "stop",
];

/// A CSV file whose header is fixed when the run starts.
pub struct CsvFile {
    writer: csv::Writer<File>,
    factors: Vec<String>,
}

impl CsvFile {
    /// Creates the file (never an existing one) and writes the header.
    pub fn create(path: &Path, factors: &[&str]) -> io::Result<CsvFile> {
        let file = OpenOptions::new().create_new(true).write(true).open(path)?;
        CsvFile::with_header(file, factors)
    }

    /// Writes the header into a new, empty `file`.
    pub fn with_header(file: File, factors: &[&str]) -> io::Result<CsvFile> {
        let mut writer = csv::Writer::from_writer(file);
        writer.write_record(header(factors))?;
        writer.flush()?;
        Ok(CsvFile {
            writer,
            factors: factors.iter().map(|f| f.to_string()).collect(),
        })
    }

    /// Opens an existing file (header written) to append rows; refuses a
    /// symbolic link or anything but a regular file in its place.
    pub fn append(path: &Path, factors: &[&str]) -> io::Result<CsvFile> {
        let file = open_nofollow(path, OpenOptions::new().append(true))?;
        Ok(CsvFile {
            writer: csv::Writer::from_writer(file),
            factors: factors.iter().map(|f| f.to_string()).collect(),
        })
    }

    /// The factor columns, in header order.
    pub fn factors(&self) -> &[String] {
        &self.factors
    }

    /// Appends one row and flushes it.
    pub fn write(&mut self, r: &Record) -> io::Result<()> {
        self.writer.write_record(row(r, &self.factors))?;
        self.writer.flush()
    }
}

/// The header of a file with `factors` columns.
fn header<'a>(factors: &'a [&'a str]) -> impl Iterator<Item = &'a &'a str> {
    LEADING.iter().chain(factors).chain(TRAILING)
}

/// Writes `dir/results.csv` anew from `records`, through a temporary file
/// and a rename (a reader never sees half of it).
pub fn rebuild(dir: &Path, factors: &[&str], records: &[Record]) -> io::Result<()> {
    let (tmp, file) = temp_file(dir, "results.csv")?;
    let written = (|| {
        let mut csv = CsvFile::with_header(file, factors)?;
        for r in records {
            csv.writer.write_record(row(r, &csv.factors))?;
        }
        csv.writer.flush()?;
        drop(csv);
        fs::rename(&tmp, dir.join("results.csv"))
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// How `results.csv` stands against the whole rows of `results.jsonl`
/// when a run is resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreement {
    /// Same header, a row per record with the same cell: append only.
    Agrees,
    /// The same but for the last record, whose row a kill kept from being
    /// written: append that one.
    LacksLast,
    /// Anything else (missing, cut short, another header, other rows):
    /// written anew from the records.
    Rebuild,
}

/// Compares `path` with `records` without changing it.
pub fn agreement(path: &Path, factors: &[&str], records: &[Record]) -> io::Result<Agreement> {
    let bytes = match open_nofollow(path, OpenOptions::new().read(true)) {
        Ok(mut f) => {
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes)?;
            bytes
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Agreement::Rebuild),
        Err(e) => return Err(e),
    };
    if !bytes.ends_with(b"\n") {
        return Ok(Agreement::Rebuild);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut lines = reader.records();
    let want: Vec<&str> = header(factors).copied().collect();
    match lines.next() {
        Some(Ok(h)) if h.iter().eq(want.iter().copied()) => {}
        _ => return Ok(Agreement::Rebuild),
    }
    let cell = want
        .iter()
        .position(|c| *c == "cell")
        .expect("a cell column");
    let mut n = 0;
    for line in lines {
        let same = match (line, records.get(n)) {
            (Ok(l), Some(r)) => l.len() == want.len() && l.get(cell) == Some(r.cell.as_str()),
            _ => false,
        };
        if !same {
            return Ok(Agreement::Rebuild);
        }
        n += 1;
    }
    Ok(match records.len() - n {
        0 => Agreement::Agrees,
        1 => Agreement::LacksLast,
        _ => Agreement::Rebuild,
    })
}

/// The CSV cells of a record, in header order.
pub fn row(r: &Record, factors: &[String]) -> Vec<String> {
    let num = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    let mut out = vec![r.scenario.clone(), r.runtime.clone(), r.abi.clone()];
    out.extend(
        factors
            .iter()
            .map(|f| r.factors.get(f).cloned().unwrap_or_default()),
    );
    out.extend([
        serde_json::to_value(r.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        r.error.clone().unwrap_or_default(),
        r.calls.to_string(),
        r.reps.to_string(),
        num(r.mean_s),
        num(r.sd_s),
        num(r.ci95_low_s),
        num(r.ci95_high_s),
        num(r.median_s),
        num(r.min_s),
        num(r.max_s),
        num(r.ns_per_call),
        num(r.ratio_to_native),
        r.warmup_reps.to_string(),
        num(r.compile_s),
        num(r.instantiate_s),
        r.run_index.to_string(),
        r.hits.map(|x| x.to_string()).unwrap_or_default(),
        r.byte_hits.map(|x| x.to_string()).unwrap_or_default(),
        num(r.object_hit_ratio),
        num(r.byte_hit_ratio),
        r.error_class.clone().unwrap_or_default(),
        r.cell.clone(),
        num(r.p99_s),
        r.outliers.map(|x| x.to_string()).unwrap_or_default(),
        num(r.others_cpu),
        num(r.load_avg),
        r.stop.clone().unwrap_or_default(),
    ]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_rows_line_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let mut f = CsvFile::create(&path, &["caching", "operand"]).unwrap();
        let rec: Record = serde_json::from_str(
            r#"{"scenario":"micro","runtime":"native","abi":"native",
            "factors":{"operand":"i32"},"status":"ok","error":null,"calls":10,
            "reps":2,"mean_s":1.5,"sd_s":0.5,"ci95_low_s":1.0,"ci95_high_s":2.0,
            "median_s":1.5,"min_s":1.0,"max_s":2.0,"ns_per_call":150000000.0,
            "ratio_to_native":null,"replicate_s":[1.0,2.0],"warmup_reps":1,
            "compile_s":null,"instantiate_s":null,"run_index":0,"hits":null,
            "byte_hits":null,"object_hit_ratio":null,"byte_hit_ratio":null}"#,
        )
        .unwrap();
        f.write(&rec).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rows = csv::Reader::from_reader(text.as_bytes());
        let header = rows.headers().unwrap().clone();
        let row = rows.records().next().unwrap().unwrap();
        assert_eq!(header.len(), row.len());
        let get = |name: &str| &row[header.iter().position(|h| h == name).unwrap()];
        assert_eq!(get("caching"), "");
        assert_eq!(get("operand"), "i32");
        assert_eq!(get("status"), "ok");
        assert_eq!(get("mean_s"), "1.5");
        assert_eq!(get("ratio_to_native"), "");
    }

    #[test]
    fn agreement_says_what_a_resume_must_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.csv");
        let records: Vec<Record> = ["a", "b"]
            .iter()
            .map(|cell| {
                serde_json::from_value(serde_json::json!({
                    "scenario": "micro", "runtime": "native", "abi": "native",
                    "factors": {}, "status": "ok", "calls": 1, "reps": 2,
                    "replicate_s": [], "warmup_reps": 0, "run_index": 0, "cell": cell,
                }))
                .unwrap()
            })
            .collect();
        let factors = ["operand"];
        let state = |text: &str| {
            std::fs::write(&path, text).unwrap();
            let a = agreement(&path, &factors, &records).unwrap();
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "read only");
            a
        };
        let mut f = CsvFile::create(&dir.path().join("full.csv"), &factors).unwrap();
        let header = std::fs::read_to_string(dir.path().join("full.csv")).unwrap();
        f.write(&records[0]).unwrap();
        let one = std::fs::read_to_string(dir.path().join("full.csv")).unwrap();
        f.write(&records[1]).unwrap();
        let both = std::fs::read_to_string(dir.path().join("full.csv")).unwrap();
        assert_eq!(state(&both), Agreement::Agrees);
        assert_eq!(state(&one), Agreement::LacksLast);
        assert_eq!(state(&header), Agreement::Rebuild);
        assert_eq!(state(&both[..both.len() - 3]), Agreement::Rebuild);
        assert_eq!(
            state(&both.replace("operand", "caching")),
            Agreement::Rebuild
        );
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            agreement(&path, &factors, &records).unwrap(),
            Agreement::Rebuild
        );
    }
}
