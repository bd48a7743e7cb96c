//! `harness compare`: did a change make calls slower? Per cell the change
//! of the mean and a significance test (the work is `analysis::compare`);
//! exit code 3 when a cell regresses past the threshold, so it can gate CI.

use std::process::ExitCode;

use analysis::{CompareOptions, compare_with, load_all};

use super::Failure;
use crate::cli::CompareArgs;

/// Exit code of a comparison that found a regression.
pub const REGRESSION: u8 = 3;

/// Parses `5%`, `5` or `0.05%`-style thresholds into a fraction.
fn threshold(flag: &str, s: &str) -> Result<f64, Failure> {
    let t = s.trim();
    let value = t
        .strip_suffix('%')
        .unwrap_or(t)
        .trim()
        .parse::<f64>()
        .map_err(|_| Failure::Usage(format!("{flag} `{s}` is not a percentage")))?;
    if !(value.is_finite() && value > 0.0 && value < 1000.0) {
        return Err(Failure::Usage(format!(
            "{flag} must be above 0% and below 1000%, got `{s}`"
        )));
    }
    Ok(value / 100.0)
}

/// Runs `harness compare`.
pub fn run(a: &CompareArgs) -> Result<ExitCode, Failure> {
    if !(a.alpha > 0.0 && a.alpha < 1.0) {
        return Err(Failure::Usage(format!(
            "--alpha must be between 0 and 1, got {}",
            a.alpha
        )));
    }
    let options = CompareOptions {
        threshold: threshold("--threshold", &a.threshold)?,
        alpha: a.alpha,
        count_threshold: threshold("--count-threshold", &a.count_threshold)?,
    };
    super::settled(&[a.base.clone(), a.new.clone()])?;
    let base =
        load_all(std::slice::from_ref(&a.base)).map_err(|e| Failure::Usage(e.to_string()))?;
    let new = load_all(std::slice::from_ref(&a.new)).map_err(|e| Failure::Usage(e.to_string()))?;
    let cmp = compare_with(&base, &new, options);
    if cmp.cells.is_empty() {
        return Err(Failure::Usage(
            "no cell was measured in both result sets".into(),
        ));
    }
    super::emit(cmp.table())?;
    if let (Some(dir), Some(fig)) = (&a.out, cmp.figure()) {
        analysis::figures::use_font(std::path::Path::new(analysis::figures::DEFAULT_FONT))
            .map_err(|e| Failure::Usage(e.to_string()))?;
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::Usage(format!("cannot create `{}`: {e}", dir.display())))?;
        fig.write(dir)
            .map_err(|e| Failure::Run(anyhow::anyhow!("{e}")))?;
    }
    let regressions = cmp.regressions().count();
    eprintln!(
        "{} cells compared, {} regressed (the table's last line says how each was judged)",
        cmp.cells.len(),
        regressions
    );
    Ok(if cmp.has_regressions() {
        ExitCode::from(REGRESSION)
    } else {
        ExitCode::SUCCESS
    })
}
