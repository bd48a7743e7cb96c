//! Numbers the docs quote, bound to the committed runs they come from, so
//! a test can recompute each one and fail when text and data disagree.
//!
//! Two forms, both HTML comments (invisible where the Markdown is read):
//!
//! - **A bound number**: the number written right before
//!   `<!-- = QUERY -->`, e.g. `16.7 µs<!-- = serve ns_per_call
//!   runtime=wasmtime abi=pair lifecycle=per-request allocator=on-demand -->`.
//!   `QUERY` is `RUN STAT FILTER...`, or two of them as `A / B` (a ratio).
//!   `RUN` is a folder under `results/reference/` (one run or a folder of
//!   runs), a `.jsonl` file there (`payload/cost-model.jsonl`) or a `.csv`
//!   table (`compare-runs/a/between-runs.csv`: its text columns are the
//!   factors, its numeric ones the fields), or `compare BASE NEW WHAT`:
//!   what `harness compare BASE NEW` finds (`cells`, `regressions`,
//!   `improvements`, `unchanged`, `flagged`, `median(change)`...); `STAT`
//!   a numeric field of the rows (`ns_per_call`,
//!   `ratio_to_native`, `median_s`, `footprint.held_b`: dots go into
//!   objects; `ns` and `ratio` are short for the first two; `F:ns`, `F:s`
//!   or `F:b` gives a field the unit its name does not), taken as the
//!   mean over the runs of the one cell the filters select, or
//!   `min(F)`, `max(F)`, `median(F)`, `mean(F)` over every cell they
//!   select, or `count`. A filter is `NAME=VALUE` (`VALUE|VALUE` for
//!   either) on `scenario`, `runtime`, `abi`, `status` or a factor; a
//!   factor named `NAME=-` must be absent.
//! - **A bound verdict**: the words right before `<!-- verdict RUN CLAIM -->`
//!   must end with that claim's verdict in `RUN/claims.json` (`confirmed`,
//!   `refuted`, `inconclusive`, `not measured` or `not measured in this
//!   run`; emphasis
//!   around the words is ignored), e.g. `**refuted**<!-- verdict claims
//!   native-fifo-2x-lfu -->`: prose that says what the paper's claims
//!   came to cannot outlive the table that judged them.
//! - **An included table**: the lines between `<!-- include RUN/FILE#HEADING -->`
//!   and `<!-- end include -->` must be the section of that committed
//!   file under that heading (to the next heading of its level or
//!   higher).
//!
//! The written number is read with its unit (`ns`, `µs`, `ms`, `s`; `B`,
//! `KiB`, `MiB`, `GiB`; `×`; `%`; none) and compared with the data in that
//! unit, to half a unit in its last written digit. A field's own unit is
//! its name's: `_s` seconds, `_ns` and `ns_per_call` nanoseconds, `_b`
//! bytes, anything else a plain number (`%` is that number × 100, and a
//! ratio `A / B` written with a sign, `+296%`, is the change `A / B − 1`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// One disagreement between a document and the data, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// 1-based line in the document.
    pub line: usize,
    /// What is wrong, in one line.
    pub what: String,
}

/// What checking a document found.
#[derive(Debug, Default)]
pub struct Checked {
    /// Bound numbers checked.
    pub numbers: usize,
    /// Included sections checked.
    pub includes: usize,
    /// Bound verdicts checked.
    pub verdicts: usize,
    /// What disagreed.
    pub mismatches: Vec<Mismatch>,
    /// The document with every include brought up to date (for blessing).
    pub updated: String,
}

/// Checks every bound number and include of `text` against the runs under
/// `reference`.
pub fn check(text: &str, reference: &Path) -> Checked {
    let mut runs = Runs::new(reference);
    let mut out = Checked::default();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut i = 0;
    let mut fenced = false;
    while i < lines.len() {
        let line = lines[i];
        out.updated.push_str(line);
        // Code (fenced or inline) shows the syntax; it binds nothing.
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced {
            i += 1;
            continue;
        }
        let line = &outside_code(line);
        if let Some(spec) = include_spec(line) {
            out.includes += 1;
            let end = (i + 1..lines.len()).find(|&j| lines[j].trim() == "<!-- end include -->");
            let Some(end) = end else {
                out.mismatches.push(Mismatch {
                    line: i + 1,
                    what: format!("include {spec}: no `<!-- end include -->` after it"),
                });
                i += 1;
                continue;
            };
            let written: String = lines[i + 1..end].concat();
            match section(reference, spec) {
                Ok(want) => {
                    if written.trim() != want.trim() {
                        out.mismatches.push(Mismatch {
                            line: i + 1,
                            what: format!(
                                "include {spec}: the text differs from the committed file \
                                 (ABILAB_BLESS=1 rewrites it)"
                            ),
                        });
                    }
                    out.updated.push('\n');
                    out.updated.push_str(want.trim());
                    out.updated.push_str("\n\n");
                }
                Err(e) => {
                    out.mismatches.push(Mismatch {
                        line: i + 1,
                        what: format!("include {spec}: {e}"),
                    });
                    out.updated.push_str(&written);
                }
            }
            out.updated.push_str(lines[end]);
            i = end + 1;
            continue;
        }
        for (written, query) in bindings(line) {
            out.numbers += 1;
            if let Err(what) = check_one(&written, &query, &mut runs) {
                out.mismatches.push(Mismatch { line: i + 1, what });
            }
        }
        for (before, query) in verdict_bindings(line) {
            out.verdicts += 1;
            if let Err(what) = check_verdict(&before, &query, &mut runs) {
                out.mismatches.push(Mismatch { line: i + 1, what });
            }
        }
        i += 1;
    }
    out
}

/// `line` without its inline code spans (`` `...` ``).
fn outside_code(line: &str) -> String {
    line.split('`').step_by(2).collect::<Vec<_>>().join(" ")
}

/// `RUN/FILE#HEADING` of an include line.
fn include_spec(line: &str) -> Option<&str> {
    line.trim()
        .strip_prefix("<!-- include ")?
        .strip_suffix("-->")
        .map(str::trim)
}

/// The section of `RUN/FILE` under `# HEADING` (any level), heading
/// excluded, up to the next heading of its level or higher.
fn section(reference: &Path, spec: &str) -> Result<String, String> {
    let (file, heading) = spec.split_once('#').ok_or("expected RUN/FILE#HEADING")?;
    let path = reference.join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines();
    let level = loop {
        let Some(l) = lines.next() else {
            return Err(format!("{}: no heading `{heading}`", path.display()));
        };
        let hashes = l.chars().take_while(|&c| c == '#').count();
        if hashes > 0 && l[hashes..].trim() == heading.trim() {
            break hashes;
        }
    };
    let mut body = String::new();
    for l in lines {
        let hashes = l.chars().take_while(|&c| c == '#').count();
        if hashes > 0 && hashes <= level && l[hashes..].starts_with(' ') {
            break;
        }
        body.push_str(l);
        body.push('\n');
    }
    Ok(body)
}

/// Every `NUMBER<!-- = QUERY -->` on a line: the written number (with its
/// unit) and the query.
fn bindings(line: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = line;
    let mut before_len = 0;
    while let Some(at) = rest.find("<!-- =") {
        let before = &line[..before_len + at];
        let after = &rest[at + "<!-- =".len()..];
        let Some(end) = after.find("-->") else { break };
        out.push((written(before), after[..end].trim().to_string()));
        let consumed = at + "<!-- =".len() + end + "-->".len();
        before_len += consumed;
        rest = &rest[consumed..];
    }
    out
}

/// Every `WORDS<!-- verdict RUN CLAIM -->` on a line: the text before the
/// comment (from the line's start) and `RUN CLAIM`.
fn verdict_bindings(line: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = line[from..].find("<!-- verdict ") {
        let start = from + at;
        let after = &line[start + "<!-- verdict ".len()..];
        let Some(end) = after.find("-->") else { break };
        out.push((line[..start].to_string(), after[..end].trim().to_string()));
        from = start + "<!-- verdict ".len() + end + "-->".len();
    }
    out
}

/// Whether the words before a verdict binding end with the claim's
/// verdict in `RUN/claims.json`.
fn check_verdict(before: &str, query: &str, runs: &mut Runs) -> Result<(), String> {
    let (run, id) = query
        .split_once(' ')
        .ok_or_else(|| format!("verdict `{query}`: expected RUN CLAIM"))?;
    let claims = runs.claims(run)?;
    let verdict = claims
        .iter()
        .find(|c| c.get("id").and_then(Value::as_str) == Some(id.trim()))
        .ok_or_else(|| {
            format!(
                "verdict `{query}`: no claim `{}` in {run}/claims.json",
                id.trim()
            )
        })?
        .get("verdict")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("verdict `{query}`: the claim has no verdict"))?;
    // `claims.json` spells verdicts as identifiers (`not-measured`); the
    // tables say `not measured in this run`.
    let said = verdict.replace('-', " ");
    let words = before
        .trim_end()
        .trim_end_matches(['*', '_'])
        .trim_end()
        .to_lowercase();
    let words = words.strip_suffix(" in this run").unwrap_or(&words);
    if words.ends_with(&said) {
        Ok(())
    } else {
        let tail: String = words
            .chars()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        Err(format!(
            "`…{tail}` but {run}/claims.json says `{verdict}` ({})",
            id.trim()
        ))
    }
}

/// The number and unit at the end of `before`: `16.7 µs`, `+296%`,
/// `1,200`.
fn written(before: &str) -> String {
    let chars: Vec<char> = before.chars().collect();
    let mut i = chars.len();
    // The unit: letters, µ, ×, %.
    while i > 0 && (chars[i - 1].is_alphabetic() || "µ×%".contains(chars[i - 1])) {
        i -= 1;
    }
    while i > 0 && chars[i - 1] == ' ' {
        i -= 1;
    }
    while i > 0 && (chars[i - 1].is_ascii_digit() || ".,".contains(chars[i - 1])) {
        i -= 1;
    }
    if i > 0 && "+-−".contains(chars[i - 1]) {
        i -= 1;
    }
    chars[i..].iter().collect::<String>().trim().to_string()
}

/// A written number: its value in its unit, the unit, the half-width of
/// its rounding, and whether it carried a sign.
#[derive(Debug, Clone, PartialEq)]
struct Written {
    value: f64,
    unit: String,
    half: f64,
    signed: bool,
}

fn parse_written(w: &str) -> Result<Written, String> {
    let split = w
        .char_indices()
        .find(|(i, c)| *i > 0 && !(c.is_ascii_digit() || ".,".contains(*c)))
        .map_or(w.len(), |(i, _)| i);
    let (num, unit) = w.split_at(split);
    let signed = num.starts_with(['+', '-', '−']);
    let negative = num.starts_with(['-', '−']);
    let digits: String = num
        .trim_start_matches(['+', '-', '−'])
        .chars()
        .filter(|&c| c != ',')
        .collect();
    if digits.is_empty() {
        return Err(format!("no number written before the binding (`{w}`)"));
    }
    let value: f64 = digits
        .parse()
        .map_err(|_| format!("`{w}` is not a number"))?;
    let decimals = digits.split_once('.').map_or(0, |(_, d)| d.len());
    Ok(Written {
        value: if negative { -value } else { value },
        unit: unit.trim().to_string(),
        half: 0.5 * 10f64.powi(-(decimals as i32)),
        signed,
    })
}

/// What a field's value is measured in.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Base {
    Seconds,
    Nanoseconds,
    Bytes,
    Plain,
}

fn base(field: &str) -> Base {
    let last = field.rsplit('.').next().unwrap_or(field);
    if last == "ns_per_call" || last.ends_with("_ns") {
        Base::Nanoseconds
    } else if last.ends_with("_s") {
        Base::Seconds
    } else if last.ends_with("_b") {
        Base::Bytes
    } else {
        Base::Plain
    }
}

/// `v` (in `base`) in the written unit.
fn in_unit(v: f64, base: Base, w: &Written, ratio_of_two: bool) -> Result<f64, String> {
    let ns = |scale: f64| match base {
        Base::Seconds => Ok(v * 1e9 / scale),
        Base::Nanoseconds => Ok(v / scale),
        _ => Err(format!(
            "a time unit ({}) for a value that is not a time",
            w.unit
        )),
    };
    let bytes = |scale: f64| match base {
        Base::Bytes => Ok(v / scale),
        _ => Err(format!(
            "a size unit ({}) for a value that is not a size",
            w.unit
        )),
    };
    match w.unit.as_str() {
        "ns" => ns(1.0),
        "µs" | "us" => ns(1e3),
        "ms" => ns(1e6),
        "s" => ns(1e9),
        "B" => bytes(1.0),
        "KiB" => bytes(1024.0),
        "MiB" => bytes(1024.0 * 1024.0),
        "GiB" => bytes(1024.0 * 1024.0 * 1024.0),
        "×" | "x" | "" => Ok(v),
        "%" if ratio_of_two && w.signed => Ok((v - 1.0) * 100.0),
        "%" => Ok(v * 100.0),
        other => Err(format!("unknown unit `{other}`")),
    }
}

fn check_one(written: &str, query: &str, runs: &mut Runs) -> Result<(), String> {
    let w = parse_written(written)?;
    let (value, base, two) = match query.split_once(" / ") {
        Some((a, b)) => {
            let (a, _) = eval(a, runs)?;
            let (b, _) = eval(b, runs)?;
            (a / b, Base::Plain, true)
        }
        None => {
            let (v, base) = eval(query, runs)?;
            (v, base, false)
        }
    };
    let got = in_unit(value, base, &w, two)?;
    // Half a unit of the last digit, and a hair for binary rounding.
    if (got - w.value).abs() <= w.half * (1.0 + 1e-9) + 1e-12 {
        Ok(())
    } else {
        Err(format!(
            "`{written}` but the data say {} ({query})",
            format_like(got, &w)
        ))
    }
}

/// `got` with as many decimals as the written number, and its unit.
fn format_like(got: f64, w: &Written) -> String {
    let decimals = (-(w.half * 2.0).log10()).round().max(0.0) as usize;
    format!(
        "{got:.decimals$}{}{}",
        if w.unit.len() > 2 { " " } else { "" },
        w.unit
    )
}

/// One query `RUN STAT FILTER...`: its value and the unit it is in.
fn eval(query: &str, runs: &mut Runs) -> Result<(f64, Base), String> {
    let mut words = query.split_whitespace();
    let run = words.next().ok_or("empty query")?;
    if run == "compare" {
        return eval_compare(words.collect(), &runs.reference);
    }
    let stat = words
        .next()
        .ok_or_else(|| format!("`{query}`: no statistic"))?;
    let filters: Vec<(&str, &str)> = words
        .map(|f| {
            f.split_once('=')
                .ok_or_else(|| format!("`{f}` is not NAME=VALUE"))
        })
        .collect::<Result<_, _>>()?;
    let rows = runs.rows(run)?;
    let cells = select(rows, &filters);
    let (agg, field) = match stat.split_once('(') {
        Some((agg, rest)) => (
            agg,
            rest.strip_suffix(')')
                .ok_or_else(|| format!("`{stat}`: unclosed parenthesis"))?,
        ),
        None => ("one", stat),
    };
    // `FIELD:UNIT` says the unit of a field whose name does not (`s`,
    // `ns`, `b`): the cost model's `line.slope:ns` is ns per byte.
    let (field, unit) = match field.split_once(':') {
        Some((f, "s")) => (f, Some(Base::Seconds)),
        Some((f, "ns")) => (f, Some(Base::Nanoseconds)),
        Some((f, "b")) => (f, Some(Base::Bytes)),
        Some((_, u)) => return Err(format!("`{field}`: unknown unit `{u}` (s, ns, b)")),
        None => (field, None),
    };
    let field = match field {
        "ns" => "ns_per_call",
        "ratio" => "ratio_to_native",
        f => f,
    };
    if stat == "count" {
        return Ok((cells.len() as f64, Base::Plain));
    }
    let mut values = Vec::new();
    for (id, rows) in &cells {
        let per_run: Vec<f64> = rows.iter().filter_map(|r| number(r, field)).collect();
        if per_run.is_empty() {
            return Err(format!("{run}: cell {id} has no `{field}`"));
        }
        values.push(per_run.iter().sum::<f64>() / per_run.len() as f64);
    }
    if values.is_empty() {
        return Err(format!("{run}: no cell matches {}", filters_text(&filters)));
    }
    values.sort_by(f64::total_cmp);
    let v = match agg {
        "one" if values.len() == 1 => values[0],
        "one" => {
            return Err(format!(
                "{run}: {} cells match {} (narrow it, or take min/max/median/mean)",
                values.len(),
                filters_text(&filters)
            ));
        }
        "min" => values[0],
        "max" => values[values.len() - 1],
        "mean" => values.iter().sum::<f64>() / values.len() as f64,
        "median" => crate::stats::median(values).unwrap_or(f64::NAN),
        other => return Err(format!("unknown aggregate `{other}`")),
    };
    Ok((v, unit.unwrap_or_else(|| base(field))))
}

/// `compare BASE NEW WHAT`: what `harness compare BASE NEW` (default
/// threshold and α) finds. `WHAT` is `cells` (compared), `regressions`,
/// `improvements`, `unchanged`, `flagged` (regressions and improvements),
/// or `min(change)`, `median(change)`, `max(change)` over the compared
/// cells (a plain number: `%` writes it × 100).
fn eval_compare(words: Vec<&str>, reference: &Path) -> Result<(f64, Base), String> {
    use crate::compare::Verdict;
    let [base, new, what] = words[..] else {
        return Err(format!(
            "`compare {}`: expected compare BASE NEW WHAT",
            words.join(" ")
        ));
    };
    let load =
        |run: &str| crate::load::load(&reference.join(run)).map_err(|e| format!("{run}: {e}"));
    let (b, n) = (load(base)?, load(new)?);
    let cmp = crate::compare::compare_with(&b, &n, crate::compare::CompareOptions::default());
    let count = |keep: &dyn Fn(Verdict) -> bool| {
        cmp.cells.iter().filter(|c| keep(c.verdict)).count() as f64
    };
    let mut changes: Vec<f64> = cmp.cells.iter().map(|c| c.change).collect();
    changes.sort_by(f64::total_cmp);
    let v = match what {
        "cells" => cmp.cells.len() as f64,
        "regressions" => count(&|v| v == Verdict::Regression),
        "improvements" => count(&|v| v == Verdict::Improvement),
        "unchanged" => count(&|v| v == Verdict::Unchanged),
        "flagged" => count(&|v| v != Verdict::Unchanged),
        "min(change)" | "median(change)" | "max(change)" if changes.is_empty() => {
            return Err(format!("compare {base} {new}: no cell on both sides"));
        }
        "min(change)" => changes[0],
        "max(change)" => changes[changes.len() - 1],
        "median(change)" => crate::stats::median(changes).unwrap_or(f64::NAN),
        other => return Err(format!("compare: unknown `{other}`")),
    };
    Ok((v, Base::Plain))
}

fn filters_text(filters: &[(&str, &str)]) -> String {
    filters
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The rows matching every filter, grouped by cell id (one row per run).
fn select<'a>(rows: &'a [Value], filters: &[(&str, &str)]) -> BTreeMap<String, Vec<&'a Value>> {
    let mut cells: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for row in rows {
        let ok = filters.iter().all(|(name, want)| {
            let have = match *name {
                "scenario" | "runtime" | "abi" | "status" => row.get(*name),
                factor => row.get("factors").and_then(|f| f.get(factor)),
            }
            .and_then(Value::as_str);
            match (have, *want) {
                (None, "-") => true,
                (Some(h), want) => want.split('|').any(|w| w == h),
                (None, _) => false,
            }
        });
        if ok {
            let id = row
                .get("cell")
                .and_then(Value::as_str)
                .map(String::from)
                .unwrap_or_else(|| row.to_string());
            cells.entry(id).or_default().push(row);
        }
    }
    cells
}

/// A numeric field of a row, following dots into objects.
fn number(row: &Value, field: &str) -> Option<f64> {
    field
        .split('.')
        .try_fold(row, |v, k| v.get(k))
        .and_then(Value::as_f64)
}

/// The rows of a CSV table a run wrote (`between-runs.csv`) in the shape
/// of `results.jsonl` rows: `cell`, `scenario`, `runtime`, `abi` and
/// `status` as they are, numeric columns as numbers, any other non-empty
/// column a factor (an empty one is a factor the cell does not have).
fn read_csv_rows(path: &Path) -> Result<Vec<Value>, String> {
    let at = |e: csv::Error| format!("{}: {e}", path.display());
    let mut reader = csv::Reader::from_path(path).map_err(at)?;
    let header = reader.headers().map_err(at)?.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(at)?;
        let mut row = serde_json::Map::new();
        let mut factors = serde_json::Map::new();
        for (name, value) in header.iter().zip(record.iter()) {
            if value.is_empty() {
                continue;
            }
            let number = value
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64);
            match (name, number) {
                ("cell" | "scenario" | "runtime" | "abi" | "status", _) => {
                    row.insert(name.into(), value.into());
                }
                (_, Some(n)) => {
                    row.insert(name.into(), Value::Number(n));
                }
                (_, None) => {
                    factors.insert(name.into(), value.into());
                }
            }
        }
        row.insert("factors".into(), Value::Object(factors));
        rows.push(Value::Object(row));
    }
    Ok(rows)
}

/// The rows of each run folder, read once.
struct Runs {
    reference: PathBuf,
    read: BTreeMap<String, Result<Vec<Value>, String>>,
    claims: BTreeMap<String, Result<Vec<Value>, String>>,
}

impl Runs {
    fn new(reference: &Path) -> Runs {
        Runs {
            reference: reference.to_path_buf(),
            read: BTreeMap::new(),
            claims: BTreeMap::new(),
        }
    }

    /// The claims of `run`: its `claims.json`, as `harness report` wrote it.
    fn claims(&mut self, run: &str) -> Result<&[Value], String> {
        let path = self.reference.join(run).join("claims.json");
        self.claims
            .entry(run.to_string())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
            })
            .as_deref()
            .map_err(Clone::clone)
    }

    /// The rows of `run`: its `results.jsonl`, or every `*/results.jsonl`
    /// of a folder of runs.
    fn rows(&mut self, run: &str) -> Result<&[Value], String> {
        let dir = self.reference.join(run);
        self.read
            .entry(run.to_string())
            .or_insert_with(|| read_rows(&dir))
            .as_deref()
            .map_err(Clone::clone)
    }
}

fn read_rows(dir: &Path) -> Result<Vec<Value>, String> {
    let mut files = Vec::new();
    if dir.extension().is_some_and(|e| e == "csv") {
        return read_csv_rows(dir);
    }
    if dir.extension().is_some_and(|e| e == "jsonl") {
        // A file of rows named directly (`payload/cost-model.jsonl`).
        files.push(dir.to_path_buf());
    } else if dir.join("results.jsonl").is_file() {
        files.push(dir.join("results.jsonl"));
    } else {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for e in entries.flatten() {
            let f = e.path().join("results.jsonl");
            if f.is_file() {
                files.push(f);
            }
        }
        files.sort();
    }
    if files.is_empty() {
        return Err(format!("{}: no results.jsonl", dir.display()));
    }
    let mut rows = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            rows.push(
                serde_json::from_str(line)
                    .map_err(|e| format!("{}:{}: {e}", f.display(), i + 1))?,
            );
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let row = |run: u32, rt: &str, lifecycle: &str, ns: f64| {
            serde_json::json!({
                "cell": format!("serve/{rt}/pair/lifecycle={lifecycle}"),
                "scenario": "serve", "runtime": rt, "abi": "pair",
                "factors": {"lifecycle": lifecycle},
                "status": "ok", "ns_per_call": ns + f64::from(run),
                "median_s": 15e-6, "footprint": {"held_b": 6348.8},
            })
            .to_string()
        };
        for run in 1..=2 {
            let d = dir.path().join(format!("serve/run-{run}"));
            std::fs::create_dir_all(&d).unwrap();
            let rows = [
                row(run, "wasmtime", "per-request", 16_700.0),
                row(run, "wasmtime", "kept", 40.0),
                row(run, "wasmi", "kept", 200.0),
            ];
            std::fs::write(d.join("results.jsonl"), rows.join("\n")).unwrap();
        }
        std::fs::write(
            dir.path().join("serve/cost-model.jsonl"),
            r#"{"abi":"bytemuck","runtime":"wasmtime","factors":{},"line":{"slope":2.7512}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("serve/report.md"),
            "# Report\n\n## Claims\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n## Next\n\nx\n",
        )
        .unwrap();
        dir
    }

    #[test]
    fn a_comparison_of_two_committed_runs_is_queried_by_what_it_finds() {
        use crate::testutil::*;
        let r = reference();
        let base = micro_rows("wasmtime", paper_like_micro);
        let slow = base[1].cell.clone();
        let new: Vec<_> = base
            .iter()
            .map(|row| {
                let mut row = row.clone();
                if row.cell == slow {
                    row.replicate_s.iter_mut().for_each(|x| *x *= 2.0);
                    row.mean_s = row.mean_s.map(|m| m * 2.0);
                    row.ns_per_call = row.ns_per_call.map(|n| n * 2.0);
                }
                row
            })
            .collect();
        write_run(&r.path().join("a"), &info("micro"), &base);
        write_run(&r.path().join("b"), &info("micro"), &new);
        let text = "1<!-- = compare a b regressions --> of 11<!-- = compare a b cells -->, \
                    0<!-- = compare a b improvements -->, +100%<!-- = compare a b max(change) -->\n";
        let c = check(text, r.path());
        // `+100%` of a plain number is the number × 100: max(change) is 1.0.
        assert_eq!(c.numbers, 4);
        assert_eq!(c.mismatches, Vec::new());
        let c = check("2<!-- = compare a b regressions -->\n", r.path());
        assert_eq!(c.mismatches.len(), 1, "{:?}", c.mismatches);
    }

    #[test]
    fn a_csv_table_is_queried_like_rows() {
        let r = reference();
        std::fs::write(
            r.path().join("serve/between-runs.csv"),
            "cell,scenario,runtime,abi,lifecycle,status,runs,cv\n\
             \"serve/wasmtime/pair/lifecycle=kept\",serve,wasmtime,pair,kept,ok,5,0.024\n\
             \"serve/native/native\",serve,native,native,,ok,5,0.004\n",
        )
        .unwrap();
        let text = "CV 2.4%<!-- = serve/between-runs.csv cv lifecycle=kept -->, \
                    native 0.4%<!-- = serve/between-runs.csv cv runtime=native lifecycle=- -->\n";
        let c = check(text, r.path());
        assert_eq!(
            (c.numbers, c.mismatches.len()),
            (2, 0),
            "{:?}",
            c.mismatches
        );
        let c = check(
            "CV 2.5%<!-- = serve/between-runs.csv cv lifecycle=kept -->\n",
            r.path(),
        );
        assert_eq!(c.mismatches.len(), 1);
    }

    #[test]
    fn bound_verdicts_must_say_what_the_claims_file_says() {
        let r = reference();
        std::fs::write(
            r.path().join("serve/claims.json"),
            r#"[{"id":"a","verdict":"refuted"},{"id":"b","verdict":"not-measured"}]"#,
        )
        .unwrap();
        let good = "FIFO: **refuted**<!-- verdict serve a -->; B was \
                    *not measured in this run*<!-- verdict serve b -->.\n";
        let c = check(good, r.path());
        assert_eq!(
            (c.verdicts, c.mismatches.len()),
            (2, 0),
            "{:?}",
            c.mismatches
        );
        let bad = "FIFO: **confirmed**<!-- verdict serve a --> and z<!-- verdict serve zz -->\n";
        let c = check(bad, r.path());
        assert_eq!(c.mismatches.len(), 2, "{:?}", c.mismatches);
        assert!(
            c.mismatches[0].what.contains("says `refuted`"),
            "{:?}",
            c.mismatches
        );
        assert!(
            c.mismatches[1].what.contains("no claim `zz`"),
            "{:?}",
            c.mismatches
        );
    }

    #[test]
    fn bound_numbers_are_recomputed_in_their_unit() {
        let r = reference();
        // Mean over the two runs: 16,701.5 ns → 16.7 µs.
        let text = "Per request 16.7 µs<!-- = serve ns runtime=wasmtime lifecycle=per-request -->, \
                    kept 41.5 ns<!-- = serve ns runtime=wasmtime lifecycle=kept -->, \
                    p50 15 µs<!-- = serve median_s runtime=wasmtime lifecycle=kept -->, \
                    6.2 KiB<!-- = serve footprint.held_b runtime=wasmtime lifecycle=kept -->, \
                    402×<!-- = serve ns runtime=wasmtime lifecycle=per-request / serve ns runtime=wasmtime lifecycle=kept -->, \
                    +40,145%<!-- = serve ns runtime=wasmtime lifecycle=per-request / serve ns runtime=wasmtime lifecycle=kept -->, \
                    3<!-- = serve count -->, max 201.5 ns<!-- = serve max(ns) lifecycle=kept -->, \
                    slope 2.75 ns<!-- = serve/cost-model.jsonl line.slope:ns abi=bytemuck -->.\n";
        let c = check(text, r.path());
        assert_eq!(c.numbers, 9);
        assert!(c.mismatches.is_empty(), "{:?}", c.mismatches);
    }

    #[test]
    fn a_number_the_data_do_not_round_to_fails_with_its_line() {
        let r = reference();
        let text = "ok\nPer request 16.8 µs<!-- = serve ns runtime=wasmtime lifecycle=per-request -->\n\
                    6 KiB<!-- = serve footprint.held_b runtime=wasmtime lifecycle=kept -->\n\
                    1 ms<!-- = serve ns lifecycle=kept -->\n\
                    5 MiB<!-- = serve ns runtime=wasmi -->\n\
                    7<!-- = nowhere ns -->\n";
        let c = check(text, r.path());
        let lines: Vec<usize> = c.mismatches.iter().map(|m| m.line).collect();
        assert_eq!(lines, [2, 4, 5, 6], "{:?}", c.mismatches);
        assert!(
            c.mismatches[0].what.contains("the data say 16.7 µs"),
            "{:?}",
            c.mismatches
        );
        // `6 KiB` holds: 6.2 KiB rounds to the written unit.
        assert!(
            c.mismatches[1].what.contains("2 cells match"),
            "{:?}",
            c.mismatches
        );
        assert!(
            c.mismatches[2].what.contains("not a size"),
            "{:?}",
            c.mismatches
        );
        assert!(
            c.mismatches[3].what.contains("nowhere"),
            "{:?}",
            c.mismatches
        );
        assert_eq!(c.numbers, 5);
    }

    #[test]
    fn includes_must_match_the_committed_section_and_bless_rewrites_them() {
        let r = reference();
        let good = "intro\n<!-- include serve/report.md#Claims -->\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<!-- end include -->\nafter\n";
        let c = check(good, r.path());
        assert_eq!(
            (c.includes, c.mismatches.len()),
            (1, 0),
            "{:?}",
            c.mismatches
        );
        assert_eq!(c.updated, good);
        let stale = good.replace("| 1 | 2 |", "| 1 | 3 |");
        let c = check(&stale, r.path());
        assert_eq!(c.mismatches.len(), 1);
        assert_eq!(c.mismatches[0].line, 2);
        assert_eq!(c.updated, good);
    }

    #[test]
    fn code_shows_the_syntax_without_binding() {
        let r = reference();
        let text = "say `16.7 µs<!-- = serve ns ... -->`\n```\n1 ns<!-- = nowhere ns -->\n```\n";
        let c = check(text, r.path());
        assert_eq!(
            (c.numbers, c.mismatches.len()),
            (0, 0),
            "{:?}",
            c.mismatches
        );
    }

    #[test]
    fn written_numbers_keep_sign_unit_and_rounding() {
        assert_eq!(written("costs +296%"), "+296%");
        assert_eq!(written("60,000"), "60,000");
        assert_eq!(written("is 16.7 µs"), "16.7 µs");
        let w = parse_written("−1.25×").unwrap();
        assert_eq!(
            (w.value, w.unit.as_str(), w.half, w.signed),
            (-1.25, "×", 0.005, true)
        );
        let w = parse_written("60,000").unwrap();
        assert_eq!((w.value, w.half), (60_000.0, 0.5));
    }
}
