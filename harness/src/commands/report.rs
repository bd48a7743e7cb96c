//! `harness report`: the analysis step over recorded runs (the work is
//! `analysis::report`); also run at the end of every `matrix`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use analysis::{ReportOptions, load_all};

use super::Failure;
use crate::cli::ReportArgs;

/// Runs `harness report`.
pub fn run(a: &ReportArgs) -> Result<ExitCode, Failure> {
    let out = match (&a.out, a.runs.as_slice()) {
        (Some(out), _) => out.clone(),
        (None, [one]) if one.is_dir() => one.clone(),
        (None, [one]) => one
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
        (None, _) => {
            return Err(Failure::Usage(
                "several runs: say where the report goes with --out DIR".into(),
            ));
        }
    };
    super::settled(&a.runs)?;
    let runs = load_all(&a.runs).map_err(|e| Failure::Usage(e.to_string()))?;
    let report = write(&runs, &out, &a.font)?;
    eprintln!("{report}");
    Ok(ExitCode::SUCCESS)
}

/// Writes the report of `runs` into `out`; a one-paragraph summary.
pub fn write(runs: &[analysis::Run], out: &Path, font: &Path) -> Result<String, Failure> {
    let opts = ReportOptions {
        font: font.to_path_buf(),
        ..ReportOptions::default()
    };
    let r = analysis::report(runs, out, &opts).map_err(|e| Failure::Usage(e.to_string()))?;
    let confirmed = r
        .claims
        .iter()
        .filter(|c| c.verdict == analysis::claims::Verdict::Confirmed)
        .count();
    let refuted = r
        .claims
        .iter()
        .filter(|c| c.verdict == analysis::claims::Verdict::Refuted)
        .count();
    let inconclusive = r
        .claims
        .iter()
        .filter(|c| c.verdict == analysis::claims::Verdict::Inconclusive)
        .count();
    Ok(format!(
        "report: {} figures ({} skipped), {} of the paper's claims confirmed, {} refuted, {} \
         inconclusive, {} not measured; {}",
        r.figures.len(),
        r.skipped.len(),
        confirmed,
        refuted,
        inconclusive,
        r.claims.len() - confirmed - refuted - inconclusive,
        out.join("report.html").display()
    ))
}
