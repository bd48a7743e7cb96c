//! `harness matrix --runs N`: the same matrix in N processes, and
//! statistics over them.
//!
//! One process's replicates share its code placement, heap layout and
//! whatever the machine was doing: their 95% interval says how well that
//! process measured itself, not what a second process would measure
//! (docs/methodology.md measures the difference). Here each run is its own
//! process of this binary with its own shuffle seed (SEED, SEED+1...),
//! natives interleaved with the rest (`--order`, as given), writing a full
//! run folder (`OUT/run-1`...: every raw row kept). The cells are then
//! summarised over the runs ([`analysis::cells`]): the mean of the run
//! means and its Student-t interval, the between-run CV beside the median
//! within-run interval, and each ratio to native paired by run. The table
//! and `OUT/between-runs.csv` show them; the report reads the same folder.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{ExitCode, Stdio};

use analysis::cells::{Cell, Cells};
use analysis::data::Status;
use analysis::identity::ordered_factors;
use analysis::units::ns;

use super::Failure;
use crate::options::Options;
use crate::output::{Owned, write_atomic};

/// Runs the matrix `opts.runs` times and summarises.
pub fn run(opts: &Options) -> Result<ExitCode, Failure> {
    let out = &opts.out;
    // Owned like a single run's folder, for all N runs: a second `--runs`
    // into the same new folder is refused instead of mixing its runs in.
    let _folder = Owned::new_run(out).map_err(|e| Failure::Usage(e.to_string()))?;
    let exe = std::env::current_exe()
        .map_err(|e| Failure::Run(anyhow::anyhow!("cannot find this binary: {e}")))?;
    let base = crate::relaunch::matrix_args(
        &std::env::args_os().collect::<Vec<_>>(),
        crate::relaunch::Child::Run,
    );
    for k in 1..=opts.runs {
        let seed = opts.seed.wrapping_add(u64::from(k - 1));
        let dir = out.join(format!("run-{k}"));
        if !opts.quiet {
            eprintln!("run {k}/{} (seed {seed}) → {}", opts.runs, dir.display());
        }
        let mut args = base.clone();
        args.extend([
            "--seed".into(),
            seed.to_string().into(),
            "--out".into(),
            dir.clone().into(),
            "--format".into(),
            "json".into(),
            "--quiet".into(),
            "--no-report".into(),
        ]);
        let status = crate::relaunch::command(&exe)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .status()
            .map_err(|e| Failure::Run(anyhow::anyhow!("starting run {k}: {e}")))?;
        match status.code() {
            // 1: some cell failed; its row says why.
            Some(0 | 1) => {}
            // 130: interrupted; what ran is kept.
            Some(130) => {
                eprintln!(
                    "interrupted in run {k} of {}: the finished runs are in {}",
                    opts.runs,
                    out.display()
                );
                return Ok(ExitCode::from(130));
            }
            _ => {
                return Err(Failure::Run(anyhow::anyhow!(
                    "run {k} of {} failed ({status}); the finished runs are in {}",
                    opts.runs,
                    out.display()
                )));
            }
        }
    }
    let runs = analysis::load(out).map_err(|e| Failure::Run(anyhow::anyhow!("{e}")))?;
    let cells = Cells::build(&runs);
    write_atomic(out, "between-runs.csv", csv(&cells).as_bytes())
        .map_err(|e| Failure::Run(anyhow::anyhow!("writing between-runs.csv: {e}")))?;
    super::emit(table(&cells, runs.len()))?;
    if opts.report {
        let font = Path::new(analysis::figures::DEFAULT_FONT);
        match super::report::write(&runs, out, font) {
            Ok(summary) if !opts.quiet => eprintln!("{summary}"),
            Ok(_) => {}
            Err(Failure::Usage(e)) => eprintln!("warning: no report: {e}"),
            Err(Failure::Run(e)) => eprintln!("warning: no report: {e:#}"),
        }
    }
    let failed = cells.cells.iter().any(|c| c.status == Status::Error);
    if !opts.quiet {
        eprintln!(
            "{} runs; between-run statistics in {}",
            runs.len(),
            out.join("between-runs.csv").display()
        );
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The factors whose value differs between the cells: the table's columns.
fn varying(cells: &[&Cell]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for c in cells {
        for name in c.factors.keys() {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    let names: Vec<String> = names
        .into_iter()
        .filter(|n| {
            let mut values: Vec<Option<&str>> = cells.iter().map(|c| c.factor(n)).collect();
            values.sort();
            values.dedup();
            values.len() > 1
        })
        .collect();
    ordered_factors(names.iter())
        .into_iter()
        .map(str::to_string)
        .collect()
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

/// The between-run table: one row per cell.
fn table(cells: &Cells, runs: usize) -> String {
    let all: Vec<&Cell> = cells.cells.iter().collect();
    let cols = varying(&all);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header = vec!["runtime".to_string(), "abi".into()];
    header.extend(cols.iter().cloned());
    header.extend(
        [
            "runs",
            "ns/call",
            "95% CI over runs",
            "CV",
            "within-run ±",
            "× native",
            "95% CI (paired)",
        ]
        .map(String::from),
    );
    rows.push(header);
    let mut failed = 0;
    for c in &all {
        let Some(e) = c.estimate else {
            failed += 1;
            continue;
        };
        let mut row = vec![c.runtime.clone(), c.abi.clone()];
        row.extend(cols.iter().map(|n| c.factor(n).unwrap_or("-").to_string()));
        row.extend([
            c.samples.len().to_string(),
            ns(e.mean),
            format!("{} – {}", ns(e.low), ns(e.high)),
            pct(c.cv()),
            pct(c.within_run_rel()),
            c.ratio.map_or("-".into(), |r| format!("{r:.2}")),
            c.ratio_ci
                .map_or("-".into(), |(lo, hi)| format!("{lo:.2} – {hi:.2}")),
        ]);
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut s = format!(
        "{runs} runs, each its own process and shuffle seed · between-run statistics \
         (CV: sd of the run means over their mean; within-run ±: the median run's own 95% \
         half-width)\n"
    );
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (v, w))| {
                if i < 2 + cols.len() {
                    format!("{v:<w$}")
                } else {
                    format!("{v:>w$}")
                }
            })
            .collect();
        let _ = writeln!(s, "{}", line.join("  ").trim_end());
    }
    if failed > 0 {
        let _ = writeln!(
            s,
            "{failed} cells not measured in any run (see the runs' results.csv)"
        );
    }
    s
}

/// `between-runs.csv`: one row per cell, every factor a column.
fn csv(cells: &Cells) -> String {
    let all: Vec<&Cell> = cells.cells.iter().collect();
    let mut names: Vec<String> = Vec::new();
    for c in &all {
        for n in c.factors.keys() {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
    }
    let names: Vec<String> = ordered_factors(names.iter())
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["cell", "scenario", "runtime", "abi"];
    header.extend(names.iter().map(String::as_str));
    header.extend([
        "status",
        "runs",
        "ns_per_call",
        "ci95_low_ns",
        "ci95_high_ns",
        "cv",
        "within_run_rel",
        "ratio_to_native",
        "ratio_ci95_low",
        "ratio_ci95_high",
        "run_means_ns",
    ]);
    w.write_record(&header).expect("writing to memory");
    let num = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    for c in all {
        let mut row = vec![
            c.id.clone(),
            c.scenario.clone(),
            c.runtime.clone(),
            c.abi.clone(),
        ];
        row.extend(
            names
                .iter()
                .map(|n| c.factor(n).unwrap_or_default().to_string()),
        );
        let status = match c.status {
            Status::Ok => "ok",
            Status::Error => "error",
            Status::Unsupported => "unsupported",
        };
        let means: Vec<String> = c.samples.iter().map(|s| s.mean_ns.to_string()).collect();
        row.extend([
            status.to_string(),
            c.samples.len().to_string(),
            num(c.mean()),
            num(c.estimate.map(|e| e.low)),
            num(c.estimate.map(|e| e.high)),
            num(c.cv()),
            num(c.within_run_rel()),
            num(c.ratio),
            num(c.ratio_ci.map(|r| r.0)),
            num(c.ratio_ci.map(|r| r.1)),
            means.join(" "),
        ]);
        w.write_record(&row).expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("flushing to memory")).expect("CSV of UTF-8")
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    #[test]
    fn per_run_flags_are_left_out() {
        let user: Vec<OsString> = [
            "harness",
            "matrix",
            "--runs",
            "3",
            "--abi",
            "pair",
            "--seed=7",
            "--out",
            "x",
            "--quiet",
            "--only",
            "operand=i32",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let args: Vec<String> = crate::relaunch::matrix_args(&user, crate::relaunch::Child::Run)
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(args, ["matrix", "--abi", "pair", "--only", "operand=i32"]);
    }
}
