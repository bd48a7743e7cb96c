//! The readable table printed on stdout at the end of a run.

use std::fmt::Write;

use analysis::counted::PARTS;

use super::{Record, Status};

/// Renders records (in the order given) as an aligned text table.
///
/// Factor columns whose value is the same in every row are folded into a
/// heading line; failed cells are listed with their reason under the
/// table; cells that cannot run (`unsupported`) are not rows but one line
/// per reason with their count.
pub fn render(records: &[&Record], factor_columns: &[&str]) -> String {
    let mut out = String::new();
    let mut unsupported: Vec<(String, usize)> = Vec::new();
    for r in records.iter().filter(|r| r.status == Status::Unsupported) {
        let reason = r.error.clone().unwrap_or_default();
        match unsupported.iter_mut().find(|(why, _)| *why == reason) {
            Some((_, n)) => *n += 1,
            None => unsupported.push((reason, 1)),
        }
    }
    let records: Vec<&Record> = records
        .iter()
        .copied()
        .filter(|r| r.status != Status::Unsupported)
        .collect();
    let records = records.as_slice();
    let fold = |out: &mut String| {
        for (reason, n) in &unsupported {
            let cells = if *n == 1 { "cell" } else { "cells" };
            let _ = writeln!(out, "unsupported ({n} {cells}): {reason}");
        }
    };
    if records.is_empty() {
        out.push_str("no cell ran\n");
        fold(&mut out);
        return out;
    }
    let value = |r: &Record, f: &str| r.factors.get(f).cloned().unwrap_or_else(|| "-".into());
    let (varying, constant): (Vec<&str>, Vec<&str>) = factor_columns
        .iter()
        .partition(|f| records.iter().any(|r| value(r, f) != value(records[0], f)));
    let first = records[0];
    let same_protocol = records
        .iter()
        .all(|r| r.reps == first.reps && r.calls == first.calls);
    let mut heading = if same_protocol {
        format!("{} reps × {} calls", first.reps, first.calls)
    } else {
        let reps = records.iter().map(|r| r.reps);
        let (lo, hi) = (reps.clone().min().unwrap_or(0), reps.max().unwrap_or(0));
        format!("{lo}-{hi} reps per cell, calls per replicate calibrated (column `calls`)")
    };
    for f in &constant {
        let _ = write!(heading, " · {f} {}", value(first, f));
    }
    let _ = writeln!(out, "{heading}");

    let mut header: Vec<String> = vec!["runtime".into(), "abi".into()];
    header.extend(varying.iter().map(|f| f.to_string()));
    // A counted run (--measure callgrind): counts per call, no times.
    let counted = records.iter().any(|r| r.counts.is_some());
    if counted {
        header.extend(
            [
                "instr/call",
                "data r+w/call",
                "L1+LL miss/call",
                "br miss/call",
            ]
            .map(String::from),
        );
        // The anatomy of a call: its instructions by where they went.
        header.extend(PARTS.iter().map(|p| p.to_string()));
    } else {
        header.extend(["ns/call", "95% CI (ns)", "× native"].map(String::from));
    }
    let sim = records.iter().any(|r| r.object_hit_ratio.is_some());
    if sim {
        header.push("hit ratio".into());
    }
    // One module or instance per replicate (phases): the distribution's
    // median and tail are what a reader wants.
    let tails = records.iter().all(|r| r.calls == 1);
    if tails {
        header.extend(["p50 (ns)", "p99 (ns)"].map(String::from));
    }
    let lead = 2 + varying.len();
    let mut rows = vec![header];
    let mut notes = Vec::new();
    let mut budget_stops = 0;
    for r in records {
        let mut row = vec![r.runtime.clone(), r.abi.clone()];
        row.extend(varying.iter().map(|f| value(r, f)));
        match r.status {
            Status::Ok if counted => {
                let c = r.counts.unwrap_or(analysis::data::CountsPerCall {
                    instructions: f64::NAN,
                    data_reads: f64::NAN,
                    data_writes: f64::NAN,
                    l1_misses: f64::NAN,
                    ll_misses: f64::NAN,
                    branch_misses: f64::NAN,
                });
                row.push(format!("{:.1}", c.instructions));
                row.push(format!("{:.1}", c.data_reads + c.data_writes));
                row.push(format!("{:.3}", c.l1_misses + c.ll_misses));
                row.push(format!("{:.3}", c.branch_misses));
                row.extend(
                    PARTS
                        .iter()
                        .map(|p| r.anatomy.get(*p).map_or("-".into(), |x| format!("{x:.1}"))),
                );
                if sim {
                    row.push(r.object_hit_ratio.map_or("-".into(), |x| format!("{x:.4}")));
                }
                if tails {
                    row.extend(["-".to_string(), "-".to_string()]);
                }
            }
            Status::Ok => {
                let per_call = |s: Option<f64>| s.map(|x| x / r.calls as f64 * 1e9);
                row.push(fmt_ns(r.ns_per_call));
                // A cell that ran out of budget before its precision says so.
                let budget = if r.stop.as_deref() == Some("budget") {
                    budget_stops += 1;
                    " *"
                } else {
                    ""
                };
                row.push(match (per_call(r.ci95_low_s), per_call(r.ci95_high_s)) {
                    (Some(lo), Some(hi)) => {
                        format!("{} – {}{budget}", fmt_ns(Some(lo)), fmt_ns(Some(hi)))
                    }
                    _ => "-".into(),
                });
                row.push(r.ratio_to_native.map_or("-".into(), |x| format!("{x:.2}")));
                if sim {
                    row.push(r.object_hit_ratio.map_or("-".into(), |x| format!("{x:.4}")));
                }
                if tails {
                    row.push(fmt_ns(per_call(r.median_s)));
                    row.push(fmt_ns(per_call(r.p99_s)));
                }
            }
            status => {
                let word = if status == Status::Error {
                    "error"
                } else {
                    "unsupported"
                };
                row.push(word.into());
                row.push(String::new());
                row.push(String::new());
                if counted {
                    row.push(String::new());
                    row.extend(PARTS.iter().map(|_| String::new()));
                }
                if sim {
                    row.push(String::new());
                }
                if tails {
                    row.extend([String::new(), String::new()]);
                }
                let reason = r.error.clone().unwrap_or_default();
                let note = format!("{word}: {reason}");
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let numeric = |c: usize| c >= lead;
    for (i, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c > 0 {
                line.push_str("  ");
            }
            if numeric(c) && i > 0 {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if counted {
        let _ = writeln!(
            out,
            "instructions per call by where they went: guest-code (the runtime's compiled \
             code), runtime, host-abi, harness (the loop), rust-std, libc, other \
             (docs/methodology.md § Two measures)"
        );
    }
    if budget_stops > 0 {
        let _ = writeln!(
            out,
            "* {budget_stops} cells ran out of their time budget before their interval reached \
             --precision: the interval shown is what the budget gave (column `stop`)"
        );
    }
    for n in notes {
        let _ = writeln!(out, "{n}");
    }
    fold(&mut out);
    out
}

/// The hit ratios of the native sim cells as policy × cache size tables:
/// the simulator's own result, the same on every runtime (every sandboxed
/// cell was checked equal to its native cell).
pub fn hit_ratios(records: &[&Record]) -> String {
    let natives: Vec<&&Record> = records
        .iter()
        .filter(|r| r.runtime == "native" && r.object_hit_ratio.is_some())
        .collect();
    if natives.is_empty() {
        return String::new();
    }
    let key = |r: &Record, f: &str| r.factors.get(f).cloned().unwrap_or_default();
    let mut policies: Vec<String> = Vec::new();
    let mut sizes: Vec<(u64, String)> = Vec::new();
    for r in &natives {
        let p = key(r, "policy");
        if !policies.contains(&p) {
            policies.push(p);
        }
        let s = key(r, "cache-size");
        if !sizes.iter().any(|(_, x)| *x == s) {
            sizes.push((analysis::units::parse_size(&s).unwrap_or(0), s));
        }
    }
    sizes.sort();
    let mut out = String::new();
    for (title, get) in [
        (
            "object hit ratio",
            (|r: &Record| r.object_hit_ratio) as fn(&Record) -> Option<f64>,
        ),
        ("byte hit ratio", |r: &Record| r.byte_hit_ratio),
    ] {
        let _ = write!(out, "\n{title:<18}");
        for (_, s) in &sizes {
            let _ = write!(out, " {s:>8}");
        }
        out.push('\n');
        for p in &policies {
            let _ = write!(out, "{p:<18}");
            for (_, s) in &sizes {
                let v = natives
                    .iter()
                    .find(|r| key(r, "policy") == *p && key(r, "cache-size") == *s)
                    .and_then(|r| get(r));
                let _ = write!(out, " {:>8}", v.map_or("-".into(), |x| format!("{x:.4}")));
            }
            out.push('\n');
        }
    }
    out
}

/// Nanoseconds with three significant digits.
fn fmt_ns(x: Option<f64>) -> String {
    match x {
        None => "-".into(),
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(runtime: &str, caching: &str, status: Status, ns: f64) -> Record {
        serde_json::from_value(serde_json::json!({
            "scenario": "micro", "runtime": runtime, "abi": "pair",
            "factors": {"caching": caching, "operand": "i32"},
            "status": status, "error": if status == Status::Ok { None } else { Some("no llvm") },
            "calls": 1000, "reps": 10, "mean_s": ns * 1e-6, "sd_s": 0.0,
            "ci95_low_s": ns * 0.9e-6, "ci95_high_s": ns * 1.1e-6, "median_s": ns * 1e-6,
            "min_s": ns * 1e-6, "max_s": ns * 1e-6, "ns_per_call": ns,
            "ratio_to_native": 2.0, "replicate_s": [], "warmup_reps": 1,
            "compile_s": null, "instantiate_s": null, "run_index": 0,
            "hits": null, "byte_hits": null, "object_hit_ratio": null, "byte_hit_ratio": null
        }))
        .unwrap()
    }

    #[test]
    fn renders_varying_columns_and_notes() {
        let a = rec("wasmtime", "cached", Status::Ok, 21.37);
        let b = rec("wasmtime", "uncached", Status::Ok, 140.0);
        let c = rec("wasmer-llvm", "cached", Status::Unsupported, 0.0);
        let d = rec("wasmer-llvm", "uncached", Status::Unsupported, 0.0);
        let text = render(&[&a, &b, &c, &d], &["caching", "operand"]);
        let expected = "\
10 reps × 1000 calls · operand i32
runtime   abi   caching   ns/call  95% CI (ns)  × native
wasmtime  pair  cached       21.4  19.2 – 23.5      2.00
wasmtime  pair  uncached      140    126 – 154      2.00
unsupported (2 cells): no llvm
";
        assert_eq!(text, expected, "\n{text}");
    }
}
