//! The paper's claims, checked against the cells of these runs: [`check`]
//! returns one [`Claim`] per statement of the paper (the list of
//! docs/paper-comparison.md), each with what was measured here, in words
//! built from the numbers, a [`Verdict`], and the cells it was judged on.
//!
//! Each claim is a small function over the cells with a documented
//! tolerance ([`Claim::tolerance`]). Every claim reads its cells through
//! `Scope`, which applies the same typed predicates to all of them:
//! - the default build only (`default_build`): an ablation changes one
//!   thing from the build the paper describes;
//! - one request per call only (`per_call`): the paper sent one request
//!   per call, and a batched or in-guest cell has no cost per call;
//! - one host profile, release when present (the paper's figures after §4
//!   are all Release), except release-vs-debug (which pairs the two) and
//!   the Preload/Hotload claims (which name theirs);
//! - without limits when the run has `limits=off` cells (the paper ran
//!   without a deadline or a memory cap).
//!
//! Further common rules:
//! - claims about the paper's ABIs compare Pair (owned handles), Bytemuck
//!   and Bincode; Protobuf and WIT postdate the paper;
//! - "X is faster than Y" compares cells equal in every other factor
//!   (runtime, host profile, build, guest language, operand, caching,
//!   call, loading, batch; policy and cache size: `pairs`) and, unless
//!   it says otherwise, must hold in every such pair, with 5% slack for
//!   ties: docs/methodology.md measures ±5% between identical loops placed
//!   differently in memory;
//! - a pair is within one guest language (`lang` is a factor); the
//!   Preload/Hotload claims, whose guests differ most by language, report
//!   each language and judge on the C guest when measured.

mod micro;
mod sim;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::cells::{Cell, Cells};
use crate::select::preferred;

/// A claim's outcome on these runs (`claims.json` writes it kebab-case:
/// `not-measured`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// How many cells the verdict was judged on: `cells.len()`, 0 when
    /// not measured. A reader sees at once whether a verdict rests on two
    /// cells or two hundred.
    pub n: usize,
    /// The ids ([`Cell::id`], the `cell` of the result rows) of the cells
    /// the verdict was judged on, sorted, each once: both cells of every
    /// pair compared, the native cells behind ratios to native. Cells
    /// only shown beside the verdict (other runtimes, builds or sizes
    /// named in [`Claim::measured`]) are not among them. So a verdict can
    /// be traced back to its rows.
    pub cells: Vec<String>,
}

/// What a claim function returns.
struct Outcome {
    measured: String,
    verdict: Verdict,
    interval: String,
    /// The ids of the cells judged on, sorted, each once ([`used`]).
    cells: Vec<String>,
}

/// The ids of `cells`, sorted, each once: what [`Outcome`] keeps.
fn used<'a>(cells: impl IntoIterator<Item = &'a Cell>) -> Vec<String> {
    cells
        .into_iter()
        .map(|c| c.id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Both cells of every pair.
fn of_pairs<'a, 'b>(pairs: &'b [(&'a Cell, &'a Cell)]) -> impl Iterator<Item = &'a Cell> + 'b {
    pairs.iter().flat_map(|(a, b)| [*a, *b])
}

/// What a verdict on a point estimate says of its interval.
const POINT: &str = "none (point estimate)";

impl Outcome {
    /// A verdict on point estimates, judged on `cells`.
    fn of<'a>(ok: bool, measured: String, cells: impl IntoIterator<Item = &'a Cell>) -> Outcome {
        Outcome {
            measured,
            verdict: if ok {
                Verdict::Confirmed
            } else {
                Verdict::Refuted
            },
            interval: POINT.into(),
            cells: used(cells),
        }
    }

    /// A figure `value` judged against the range `band`: with a 95%
    /// interval over runs (`between`, and how many runs), confirmed only
    /// if the whole interval lies inside, refuted only if it lies wholly
    /// outside, inconclusive if it straddles an end; without one, on the
    /// point estimate. `cells` are the cells behind the figure.
    fn banded<'a>(
        value: f64,
        band: std::ops::RangeInclusive<f64>,
        between: Option<((f64, f64), usize)>,
        measured: String,
        cells: impl IntoIterator<Item = &'a Cell>,
    ) -> Outcome {
        match between {
            None => Outcome::of(band.contains(&value), measured, cells),
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
                    cells: used(cells),
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
            None => Outcome::of(
                ratios(pairs).iter().all(|r| band.contains(r)),
                measured,
                of_pairs(pairs),
            ),
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
                    cells: used(of_pairs(pairs)),
                }
            }
        }
    }

    fn none(why: impl Into<String>) -> Outcome {
        Outcome {
            measured: why.into(),
            verdict: Verdict::NotMeasured,
            interval: "-".into(),
            cells: Vec::new(),
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
                n: o.cells.len(),
                cells: o.cells,
            }
        })
        .collect()
}

// ---- helpers shared by the claims ----

/// What differs between cells of two ABIs: the ABI and its own factors.
const ACROSS_ABIS: &[&str] = &["abi", "handles", "memory", "args", "concurrency"];

/// The ABIs of the paper.
const PAPER_ABIS: &[&str] = &["pair", "bytemuck", "bincode"];

// ---- which cells a claim reads ----

/// Whether `c` runs the default build: `ablation=none`, or no `ablation`
/// factor (scenarios without ablations, native and sandboxed alike, and
/// runs from before the factor). An ablation changes one thing from the
/// build the paper describes (docs/methodology.md, "Ablations"), so a
/// claim about the paper's build that read ablated cells would mix
/// builds: `native-fifo-2x-lfu` once divided the default build's LFU by
/// the `presized` build's FIFO.
fn default_build(c: &Cell) -> bool {
    c.factor("ablation").is_none_or(|a| a == "none")
}

/// Whether `c` makes one call per request: `batch=1`, or no `batch`
/// factor (micro cells, native baselines, ABIs that cannot batch). A
/// batched cell spreads one call over many requests and a
/// `batch=in-guest` cell replays the whole trace inside the guest in one
/// call, so neither has a cost per call to weigh; the paper sent one
/// request per call.
fn per_call(c: &Cell) -> bool {
    c.factor("batch").is_none_or(|b| b == "1")
}

/// Whether `c` runs in host profile `profile` (`""`: cells without a
/// `host-profile` factor, which form their own group, never mixed with a
/// named profile).
fn in_host(c: &Cell, profile: &str) -> bool {
    c.factor("host-profile").unwrap_or("") == profile
}

/// The cells a claim reads from one scenario in one host profile:
/// measured, of the default build ([`default_build`]), one request per
/// call ([`per_call`]), and without limits when the run has `limits=off`
/// cells ([`paper_limits`]). Every claim takes its cells from one of
/// these, so all of them select alike.
struct Scope<'a> {
    /// The cells.
    cells: Vec<&'a Cell>,
    /// Their host profile (`""` if the cells have none).
    profile: String,
}

impl<'a> Scope<'a> {
    /// `scenario` in its main host profile: release when present, as the
    /// paper's figures after §4.
    fn main(cells: &'a Cells, scenario: &str) -> Scope<'a> {
        let all = paper_cells(cells, scenario);
        let profile = preferred(all.iter().copied(), "host-profile").unwrap_or_default();
        Scope::keep(all, profile)
    }

    /// `scenario` in host profile `profile`, for claims that name theirs.
    fn in_profile(cells: &'a Cells, scenario: &str, profile: &str) -> Scope<'a> {
        Scope::keep(paper_cells(cells, scenario), profile.to_string())
    }

    /// The cells of `all` in `profile`, without limits when they can be.
    fn keep(all: Vec<&'a Cell>, profile: String) -> Scope<'a> {
        let kept = all.into_iter().filter(|c| in_host(c, &profile)).collect();
        Scope {
            cells: paper_limits(kept),
            profile,
        }
    }
}

/// The measured cells of `scenario` of the default build, one request per
/// call, in every host profile.
fn paper_cells<'a>(cells: &'a Cells, scenario: &str) -> Vec<&'a Cell> {
    cells
        .ok(scenario)
        .filter(|c| default_build(c) && per_call(c))
        .collect()
}

/// Keeps the cells run as the paper ran them: without limits when the run
/// has `limits=off` cells (a deadline and a memory cap are abilab's
/// addition, so a verdict on the paper compares like with like).
fn paper_limits(cells: Vec<&Cell>) -> Vec<&Cell> {
    crate::select::hold(cells, &["limits"]).0
}

/// Whether `c` is ABI `abi` with memory `memory` (any memory if `None`);
/// Pair only with owned handles (or none: uncached), as the paper's Pair;
/// one request per call ([`per_call`]).
fn is(c: &Cell, abi: &str, memory: Option<&str>) -> bool {
    c.abi == abi
        && memory.is_none_or(|m| c.is("memory", m))
        && !c.is("handles", "srs")
        && per_call(c)
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
/// only in the factors `ignore` (and the ABI if `ignore` has `abi`): the
/// two share every other factor, so the same runtime, host profile, build
/// (`ablation`), batch and guest language (`lang`).
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
    let median = crate::stats::median(v.to_vec())?;
    Some(Spread {
        n: v.len(),
        min: v.iter().copied().fold(f64::INFINITY, f64::min),
        median,
        max: v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
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
