//! The paper's claims, checked against the cells of these runs: [`check`]
//! returns one [`Claim`] per statement of the paper (the list of
//! docs/paper-comparison.md), each with what was measured here, in words
//! built from the numbers, and a [`Verdict`].
//!
//! Each claim is a small function over the cells with a documented
//! tolerance ([`Claim::tolerance`]). Common rules:
//! - claims about the paper's ABIs compare Pair (owned handles), Bytemuck
//!   and Bincode; Protobuf and WIT postdate the paper;
//! - "X is faster than Y" compares cells equal in every other factor
//!   (runtime, host profile, operand, caching, call, loading; policy and
//!   cache size) and, unless it says otherwise, must hold in every such
//!   pair, with 5% slack for ties: docs/methodology.md measures ±5%
//!   between identical loops placed differently in memory;
//! - claims other than release-vs-debug use one host profile, release when
//!   present (the paper's figures after §4 are all Release).

mod micro;
mod sim;

use std::collections::BTreeMap;

use crate::cells::{Cell, Cells};
use crate::select::preferred;

/// A claim's outcome on these runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The data agree within the tolerance.
    Confirmed,
    /// The data disagree beyond it.
    Refuted,
    /// The figure's between-run interval straddles the claim's threshold:
    /// another run could give either verdict.
    Inconclusive,
    /// These runs hold no cells that bear on it.
    NotMeasured,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Confirmed => "confirmed",
            Verdict::Refuted => "refuted",
            Verdict::Inconclusive => "inconclusive",
            Verdict::NotMeasured => "not measured in this run",
        })
    }
}

/// One claim of the paper against these runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// Stable id (`pair-fastest-micro`).
    pub id: &'static str,
    /// Where the paper says it (`§4.1`).
    pub source: &'static str,
    /// The claim, as the paper makes it.
    pub paper: &'static str,
    /// What counts as agreeing.
    pub tolerance: &'static str,
    /// What these runs measured, in words built from the numbers.
    pub measured: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The interval the verdict was judged on: `between runs (k runs)`
    /// where the claim's figure has one, else `none (one run's point
    /// estimate)`.
    pub interval: String,
}

/// What a claim function returns.
struct Outcome {
    measured: String,
    verdict: Verdict,
    interval: String,
}

/// What a verdict on a point estimate says of its interval.
const POINT: &str = "none (point estimate)";

impl Outcome {
    fn of(ok: bool, measured: String) -> Outcome {
        Outcome {
            measured,
            verdict: if ok {
                Verdict::Confirmed
            } else {
                Verdict::Refuted
            },
            interval: POINT.into(),
        }
    }

    /// A figure `value` judged against the range `band`: with a 95%
    /// interval over runs (`between`, and how many runs), confirmed only
    /// if the whole interval lies inside, refuted only if it lies wholly
    /// outside, inconclusive if it straddles an end; without one, on the
    /// point estimate.
    fn banded(
        value: f64,
        band: std::ops::RangeInclusive<f64>,
        between: Option<((f64, f64), usize)>,
        measured: String,
    ) -> Outcome {
        match between {
            None => Outcome::of(band.contains(&value), measured),
            Some(((lo, hi), runs)) => {
                let verdict = if band.contains(&lo) && band.contains(&hi) {
                    Verdict::Confirmed
                } else if hi < *band.start() || lo > *band.end() {
                    Verdict::Refuted
                } else {
                    Verdict::Inconclusive
                };
                Outcome {
                    measured: format!("{measured}; between-run 95% interval {}–{}", x(lo), x(hi)),
                    verdict,
                    interval: format!("between runs ({runs} runs)"),
                }
            }
        }
    }

    /// Ratios of pairs of cells (`a / b`), every one of which must lie in
    /// `band`: judged on each pair's between-run interval (the ratio in
    /// each run, a t interval over their logarithms) when every pair has
    /// one, confirmed only if every interval lies inside, refuted if any
    /// lies wholly outside, else inconclusive; on the point estimates when
    /// a pair was measured in fewer than two runs.
    fn banded_pairs(
        pairs: &[(&Cell, &Cell)],
        band: std::ops::RangeInclusive<f64>,
        measured: String,
    ) -> Outcome {
        let intervals: Option<Vec<(f64, f64)>> = pairs
            .iter()
            .map(|(a, b)| crate::cells::paired_ratio_ci(a, b))
            .collect();
        let runs = pairs
            .iter()
            .map(|(a, b)| {
                a.samples
                    .iter()
                    .filter(|s| b.samples.iter().any(|t| t.run == s.run))
                    .count()
            })
            .min()
            .unwrap_or(0);
        match intervals.filter(|v| !v.is_empty() && runs >= 2) {
            None => Outcome::of(ratios(pairs).iter().all(|r| band.contains(r)), measured),
            Some(v) => {
                let inside = |(lo, hi): &(f64, f64)| band.contains(lo) && band.contains(hi);
                let outside = |(lo, hi): &(f64, f64)| *hi < *band.start() || *lo > *band.end();
                let verdict = if v.iter().all(inside) {
                    Verdict::Confirmed
                } else if v.iter().any(outside) {
                    Verdict::Refuted
                } else {
                    Verdict::Inconclusive
                };
                let lo = v.iter().map(|p| p.0).fold(f64::MAX, f64::min);
                let hi = v.iter().map(|p| p.1).fold(f64::MIN, f64::max);
                Outcome {
                    measured: format!(
                        "{measured}; between-run 95% intervals span {}–{}",
                        x(lo),
                        x(hi)
                    ),
                    verdict,
                    interval: format!("between runs, paired per run ({runs} runs)"),
                }
            }
        }
    }

    fn none(why: impl Into<String>) -> Outcome {
        Outcome {
            measured: why.into(),
            verdict: Verdict::NotMeasured,
            interval: "-".into(),
        }
    }
}

/// A claim's fixed text and its check.
struct Def {
    id: &'static str,
    source: &'static str,
    paper: &'static str,
    tolerance: &'static str,
    check: fn(&Cells) -> Outcome,
}

/// Every claim, in the paper's order.
const CLAIMS: &[&[Def]] = &[micro::CLAIMS, sim::CLAIMS];

/// Checks every claim against `cells`.
pub fn check(cells: &Cells) -> Vec<Claim> {
    CLAIMS
        .iter()
        .flat_map(|defs| defs.iter())
        .map(|d| {
            let o = (d.check)(cells);
            Claim {
                id: d.id,
                source: d.source,
                paper: d.paper,
                tolerance: d.tolerance,
                measured: o.measured,
                verdict: o.verdict,
                interval: o.interval,
            }
        })
        .collect()
}

// ---- helpers shared by the claims ----

/// What differs between cells of two ABIs: the ABI and its own factors.
const ACROSS_ABIS: &[&str] = &["abi", "handles", "memory", "args", "concurrency"];

/// The ABIs of the paper.
const PAPER_ABIS: &[&str] = &["pair", "bytemuck", "bincode"];

/// The measured cells of `scenario` in its main host profile (release when
/// present), and that profile.
fn scope<'a>(cells: &'a Cells, scenario: &str) -> (Vec<&'a Cell>, String) {
    let all: Vec<&Cell> = cells.ok(scenario).collect();
    let profile = preferred(all.iter().copied(), "host-profile").unwrap_or_default();
    let kept = all
        .into_iter()
        .filter(|c| c.factor("host-profile").unwrap_or_default() == profile)
        .collect();
    (paper_limits(kept), profile)
}

/// The measured cells of `scenario` in host profile `profile`.
fn in_profile<'a>(cells: &'a Cells, scenario: &str, profile: &str) -> Vec<&'a Cell> {
    paper_limits(
        cells
            .ok(scenario)
            .filter(|c| c.is("host-profile", profile))
            .collect(),
    )
}

/// Keeps the cells run as the paper ran them: without limits when the run
/// has `limits=off` cells (a deadline and a memory cap are abilab's
/// addition, so a verdict on the paper compares like with like).
fn paper_limits(cells: Vec<&Cell>) -> Vec<&Cell> {
    crate::select::hold(cells, &["limits"]).0
}

/// Whether `c` is ABI `abi` with memory `memory` (any memory if `None`);
/// Pair only with owned handles (or none: uncached), as the paper's Pair.
fn is(c: &Cell, abi: &str, memory: Option<&str>) -> bool {
    c.abi == abi
        && memory.is_none_or(|m| c.is("memory", m))
        && !c.is("handles", "srs")
        && c.factor("batch").is_none_or(|b| b == "1")
}

/// The identity of `c` without the factors in `ignore`: cells with the
/// same key differ only in those. `abi` in `ignore` drops the ABI too.
fn key(c: &Cell, ignore: &[&str]) -> String {
    let mut k = format!("{}/{}", c.scenario, c.runtime);
    if !ignore.contains(&"abi") {
        k.push_str(&format!("/{}", c.abi));
    }
    for (n, v) in &c.factors {
        if !ignore.contains(&n.as_str()) {
            k.push_str(&format!(",{n}={v}"));
        }
    }
    k
}

/// Pairs each cell matching `a` with the cell matching `b` that differs
/// only in the factors `ignore` (and the ABI if `ignore` has `abi`).
fn pairs<'a>(
    cells: &[&'a Cell],
    a: impl Fn(&Cell) -> bool,
    b: impl Fn(&Cell) -> bool,
    ignore: &[&str],
) -> Vec<(&'a Cell, &'a Cell)> {
    let mut bs: BTreeMap<String, &Cell> = BTreeMap::new();
    for c in cells.iter().copied().filter(|c| b(c)) {
        bs.entry(key(c, ignore)).or_insert(c);
    }
    cells
        .iter()
        .copied()
        .filter(|c| a(c))
        .filter_map(|c| Some((c, *bs.get(&key(c, ignore))?)))
        .collect()
}

/// `a.mean / b.mean` of each pair.
fn ratios(pairs: &[(&Cell, &Cell)]) -> Vec<f64> {
    pairs
        .iter()
        .filter_map(|(a, b)| Some(a.mean()? / b.mean()?))
        .collect()
}

/// Smallest, median and largest of some values.
#[derive(Debug, Clone, Copy)]
struct Spread {
    n: usize,
    min: f64,
    median: f64,
    max: f64,
}

fn spread(v: &[f64]) -> Option<Spread> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let median = if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    };
    Some(Spread {
        n,
        min: s[0],
        median,
        max: s[n - 1],
    })
}

/// `1.23×`.
fn x(v: f64) -> String {
    format!("{v:.2}×")
}

/// `45%`.
fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

/// `median 1.02× (0.98–1.05×, 12 pairs)`.
fn ratio_words(s: Spread, what: &str) -> String {
    format!(
        "median {} ({}–{}, {} {what})",
        x(s.median),
        x(s.min),
        x(s.max),
        s.n
    )
}

/// The distinct runtimes of some cells, in display order.
fn runtimes<'a>(cells: impl IntoIterator<Item = &'a Cell>) -> Vec<String> {
    crate::select::sorted(
        cells.into_iter().map(|c| c.runtime.clone()).collect(),
        crate::select::RUNTIMES,
    )
}

/// ` (release host)`.
fn host(profile: &str) -> String {
    if profile.is_empty() {
        String::new()
    } else {
        format!(" ({profile} host)")
    }
}

#[cfg(test)]
mod tests;
