//! `compare(base, new, threshold)`: per cell (matched by identity,
//! [`crate::identity`]) the relative change of the mean time per call,
//! whether it is significant, and whether it is a regression the caller
//! should fail on ([`Comparison::has_regressions`]).
//!
//! **The test.** Welch's t-test (unequal variances) on the cell's
//! samples, chosen per cell:
//! - both sides hold the cell in **two or more runs**: the test is on the
//!   per-run means. A process fixes code placement and heap layout for all
//!   its replicates, so replicates of one process are not independent of
//!   each other with respect to that layout; docs/methodology.md measures
//!   ±6% between processes of one binary against CIs of a few tenths of a
//!   percent. Only run means sample that variation;
//! - otherwise, **on the replicate times** (pooled over the runs of the
//!   side with several). This ignores between-process variation, so it
//!   finds small differences "significant" that a re-run might not
//!   reproduce: that is what `threshold` guards against. Repeat runs
//!   (`run-1/`, `run-2/`...) to test on run means instead.
//!
//! - both sides hold the cell **counted** (`--measure callgrind`): no test.
//!   Counts repeat to the instruction (docs/methodology.md), so the change
//!   of instructions per call is the verdict: beyond `count_threshold`
//!   (0.5% by default) it regressed or improved.
//!
//! Over hundreds of cells some tests come out significant by chance; the
//! p-values are adjusted with Holm's procedure, so the chance of flagging
//! any unchanged cell stays below `alpha`. A cell **regresses** when its
//! mean grew by more than `threshold` (relative) and its adjusted p-value
//! is below `alpha`; it **improves** symmetrically. Overlapping confidence
//! intervals alone decide nothing.

use crate::cells::{Cell, Cells};
use crate::load::Run;
use crate::welch::{Moments, holm, welch};

mod render;
#[cfg(test)]
mod tests;

/// Settings of a comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompareOptions {
    /// Smallest relative change of the mean that counts (0.05 = 5%).
    pub threshold: f64,
    /// Family-wise significance level (Holm-adjusted).
    pub alpha: f64,
    /// Smallest relative change of instructions per call that counts, for
    /// counted cells (0.005 = 0.5%).
    pub count_threshold: f64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            threshold: 0.05,
            alpha: 0.05,
            count_threshold: 0.005,
        }
    }
}

/// What a cell's test was run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The per-run means of each side.
    RunMeans {
        /// Runs on the base side.
        base: usize,
        /// Runs on the new side.
        new: usize,
    },
    /// The replicate times of each side.
    Replicates {
        /// Replicates on the base side.
        base: usize,
        /// Replicates on the new side.
        new: usize,
    },
    /// Callgrind's instructions per call on each side: no test, the
    /// change is the verdict.
    Counts {
        /// Counted replicates on the base side.
        base: usize,
        /// Counted replicates on the new side.
        new: usize,
    },
}

/// A cell's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Slower by more than the threshold, significantly.
    Regression,
    /// Faster by more than the threshold, significantly.
    Improvement,
    /// Within the threshold, or not significant.
    Unchanged,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Regression => "REGRESSION",
            Verdict::Improvement => "improvement",
            Verdict::Unchanged => "unchanged",
        })
    }
}

/// One cell measured on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct CellChange {
    /// The cell's id.
    pub id: String,
    /// A shorter label for tables and figures.
    pub label: String,
    /// Base mean time per call, ns; instructions per call for
    /// [`Basis::Counts`].
    pub base_ns: f64,
    /// New mean time per call, ns; instructions per call for
    /// [`Basis::Counts`].
    pub new_ns: f64,
    /// `new / base − 1`.
    pub change: f64,
    /// 95% confidence interval of the change (difference of means over the
    /// base mean).
    pub change_ci95: (f64, f64),
    /// Welch's two-sided p-value.
    pub p: f64,
    /// Holm-adjusted p-value over every cell compared.
    pub p_adjusted: f64,
    /// What the test was on.
    pub basis: Basis,
    /// The verdict.
    pub verdict: Verdict,
}

/// The comparison of two result sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The settings used.
    pub options: CompareOptions,
    /// Cells measured on both sides: regressions first (largest first),
    /// then improvements, then the rest by size of change.
    pub cells: Vec<CellChange>,
    /// Cell ids only in the base runs.
    pub only_base: Vec<String>,
    /// Cell ids only in the new runs.
    pub only_new: Vec<String>,
    /// Cells on both sides that one side did not measure (or that cannot
    /// be tested), with the reason.
    pub untested: Vec<(String, String)>,
}

/// Compares `new` against `base` with a relative `threshold` and α = 0.05.
pub fn compare(base: &[Run], new: &[Run], threshold: f64) -> Comparison {
    compare_with(
        base,
        new,
        CompareOptions {
            threshold,
            ..CompareOptions::default()
        },
    )
}

/// The moments of one side for the test, and what they are over.
fn side(c: &Cell, run_means: bool) -> Option<(Moments, usize)> {
    if run_means {
        let means: Vec<f64> = c.samples.iter().map(|s| s.mean_ns).collect();
        return Some((Moments::of(&means)?, means.len()));
    }
    let pooled: Vec<f64> = c
        .samples
        .iter()
        .flat_map(|s| s.replicates_ns.iter().copied())
        .collect();
    if let Some(m) = Moments::of(&pooled) {
        return Some((m, pooled.len()));
    }
    // A row without replicate times: its mean and sd.
    let s = c.samples.first()?;
    let m = Moments {
        mean: s.mean_ns,
        var: s.sd_ns?.powi(2),
        n: s.n,
    };
    (m.n >= 2).then_some((m, m.n))
}

/// Compares `new` against `base` (see the module header).
pub fn compare_with(base: &[Run], new: &[Run], options: CompareOptions) -> Comparison {
    let (b, n) = (Cells::build(base), Cells::build(new));
    let mut only_base: Vec<String> = Vec::new();
    let mut untested = Vec::new();
    let mut tested: Vec<(CellChange, f64)> = Vec::new();
    // Factors shared by every cell are left out of labels.
    let common: Vec<String> = common_factors(b.cells.iter().chain(&n.cells));
    let common: Vec<&str> = common.iter().map(String::as_str).collect();
    for cb in &b.cells {
        let Some(cn) = n.get(&cb.id) else {
            only_base.push(cb.id.clone());
            continue;
        };
        let (Some(eb), Some(en)) = (cb.estimate, cn.estimate) else {
            let why = if cb.estimate.is_none() { "base" } else { "new" };
            let c = if cb.estimate.is_none() { cb } else { cn };
            untested.push((
                cb.id.clone(),
                format!(
                    "not measured in {why}: {}",
                    c.error.as_deref().unwrap_or("no ok row")
                ),
            ));
            continue;
        };
        let run_means = cb.samples.len() >= 2 && cn.samples.len() >= 2;
        let (Some((mb, nb)), Some((mn, nn))) = (side(cb, run_means), side(cn, run_means)) else {
            untested.push((cb.id.clone(), "fewer than two samples on a side".into()));
            continue;
        };
        let Some(w) = welch(mb, mn) else {
            untested.push((cb.id.clone(), "the t distribution is undefined here".into()));
            continue;
        };
        let basis = if run_means {
            Basis::RunMeans { base: nb, new: nn }
        } else {
            Basis::Replicates { base: nb, new: nn }
        };
        let label = format!("{} {}", cb.scenario, cb.label(&common));
        tested.push((
            CellChange {
                id: cb.id.clone(),
                label,
                base_ns: eb.mean,
                new_ns: en.mean,
                change: en.mean / eb.mean - 1.0,
                change_ci95: (w.diff_ci95.0 / mb.mean, w.diff_ci95.1 / mb.mean),
                p: w.p,
                p_adjusted: 1.0,
                basis,
                verdict: Verdict::Unchanged,
            },
            w.p,
        ));
    }
    let mut only_new: Vec<String> = n
        .cells
        .iter()
        .filter(|c| b.get(&c.id).is_none())
        .map(|c| c.id.clone())
        .collect();
    let adjusted = holm(&tested.iter().map(|(_, p)| *p).collect::<Vec<_>>());
    let mut cells: Vec<CellChange> = tested
        .into_iter()
        .zip(adjusted)
        .map(|((mut c, _), p)| {
            c.p_adjusted = p;
            let significant = p < options.alpha;
            c.verdict = if significant && c.change > options.threshold {
                Verdict::Regression
            } else if significant && c.change < -options.threshold {
                Verdict::Improvement
            } else {
                Verdict::Unchanged
            };
            c
        })
        .collect();
    let counted = counted_changes(base, new, options.count_threshold);
    cells.extend(counted.changes);
    only_base.extend(counted.only_base);
    only_new.extend(counted.only_new);
    let rank = |v: Verdict| match v {
        Verdict::Regression => 0,
        Verdict::Improvement => 1,
        Verdict::Unchanged => 2,
    };
    cells.sort_by(|a, b| {
        rank(a.verdict)
            .cmp(&rank(b.verdict))
            .then(b.change.abs().total_cmp(&a.change.abs()))
    });
    Comparison {
        options,
        cells,
        only_base,
        only_new,
        untested,
    }
}

/// What comparing the counted cells of two sides gives.
struct Counted {
    changes: Vec<CellChange>,
    only_base: Vec<String>,
    only_new: Vec<String>,
}

/// The counted rows of `runs` (`--measure callgrind`), by cell id: the
/// row's instructions per call and replicates (a cell counted in several
/// runs: its last row; counts repeat).
fn counted_rows(runs: &[Run]) -> std::collections::BTreeMap<String, &crate::data::Record> {
    runs.iter()
        .flat_map(|r| &r.records)
        .filter(|r| r.counts.is_some())
        .map(|r| (crate::identity::cell_id(r), r))
        .collect()
}

/// Compares the cells counted on both sides by their change of
/// instructions per call against `threshold`.
fn counted_changes(base: &[Run], new: &[Run], threshold: f64) -> Counted {
    let (b, n) = (counted_rows(base), counted_rows(new));
    let mut changes = Vec::new();
    for (id, rb) in &b {
        let Some(rn) = n.get(id) else { continue };
        let (Some(cb), Some(cn)) = (rb.counts, rn.counts) else {
            continue;
        };
        let change = cn.instructions / cb.instructions - 1.0;
        let verdict = if change > threshold {
            Verdict::Regression
        } else if change < -threshold {
            Verdict::Improvement
        } else {
            Verdict::Unchanged
        };
        let own: Vec<String> = rb
            .factors
            .iter()
            .filter(|(k, v)| rn.factors.get(*k) == Some(*v) && k.as_str() != "host-profile")
            .map(|(_, v)| v.clone())
            .collect();
        changes.push(CellChange {
            id: id.clone(),
            label: format!(
                "{} {}/{} {}",
                rb.scenario,
                rb.runtime,
                rb.abi,
                own.join(" ")
            ),
            base_ns: cb.instructions,
            new_ns: cn.instructions,
            change,
            change_ci95: (change, change),
            p: 0.0,
            p_adjusted: 0.0,
            basis: Basis::Counts {
                base: rb.replicate_instructions.len(),
                new: rn.replicate_instructions.len(),
            },
            verdict,
        });
    }
    Counted {
        changes,
        only_base: b.keys().filter(|k| !n.contains_key(*k)).cloned().collect(),
        only_new: n.keys().filter(|k| !b.contains_key(*k)).cloned().collect(),
    }
}

/// The factors every cell has with one same value (left out of labels).
fn common_factors<'a>(cells: impl Iterator<Item = &'a Cell> + Clone) -> Vec<String> {
    let Some(first) = cells.clone().next() else {
        return Vec::new();
    };
    first
        .factors
        .iter()
        .filter(|(k, v)| cells.clone().all(|c| c.factors.get(*k) == Some(*v)))
        .map(|(k, _)| k.clone())
        .collect()
}

impl Comparison {
    /// The cells that regressed past the threshold, significantly.
    pub fn regressions(&self) -> impl Iterator<Item = &CellChange> {
        self.cells
            .iter()
            .filter(|c| c.verdict == Verdict::Regression)
    }

    /// Whether any cell regressed: the caller's cue to exit non-zero.
    pub fn has_regressions(&self) -> bool {
        self.regressions().next().is_some()
    }

    fn count(&self, v: Verdict) -> usize {
        self.cells.iter().filter(|c| c.verdict == v).count()
    }
}
