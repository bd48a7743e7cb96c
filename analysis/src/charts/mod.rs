//! Which figures a set of cells gets, and what each shows: [`plan`]
//! returns every figure the data allow and, for each one it cannot draw,
//! the reason (the report prints them). Every bar and point is a cell's
//! mean time per call with its 95% confidence interval as whiskers
//! ([`crate::cells`]); the factors a figure does not show are held at the
//! paper's main configuration ([`crate::select`]), named in its subtitle.
//!
//! | figure | shows |
//! |---|---|
//! | `micro-<runtime>-linear`, `-log` | ns per call of every ABI (and memory) cached and uncached, with native, on one runtime |
//! | `micro-runtimes` | the same cached cells, runtimes side by side |
//! | `<scenario>-host-profiles` | release vs debug host, every cell (log axis) |
//! | `sim-<runtime>-<size>` | ns per request of every sim cell per policy, with native (the paper's Figure 9) |
//! | `sim-hit-ratios` | object and byte hit ratio against cache size per policy (Figure 8) |
//! | `sim-batch` | ns per request against requests per call, per policy |
//! | `payload-<runtime>` | ns per call against payload size per ABI, with a line fitted by relative error |
//! | `threads-scaling` | ns per call across the process against threads, per runtime and workload |
//! | `serve-requests` | requests per second on one core (1 / mean per request) of every serve cell, lifecycle × allocator as bars, log axis |
//! | `footprint-held` | bytes held per instance against instances kept, one line per runtime, ABI and allocator (docs/serving.md) |
//! | `footprint-rate` | instances made and served per second against instances kept, the same lines |
//! | `anatomy` (`-<scenario>`, `-<runtime>`, `-large` when split) | instructions per call of every counted cell, stacked by where they went (Callgrind, median replicate), with native |
//!
//! Every figure but the serving scenarios' and `anatomy` is planned from
//! the cells ([`plan`]); the serving scenarios' need the rows' memory
//! figures too ([`plan_serving`]); the anatomy is planned from the
//! counted rows ([`plan_counted`]), which have no time and so no cell,
//! and goes in the report's section on counted cells ([`COUNTED`])
//! rather than a scenario's.

mod anatomy;
mod micro;
mod payload;
mod serving;
mod sim;
mod threads;

use crate::cells::{Cell, Cells};
use crate::figures::{Bar, Figure, Point};
use crate::load::Run;

pub use anatomy::{APART, MAX_BARS};
pub use payload::payload_fits;

/// The section of the figures of counted rows, in place of a scenario:
/// the report's "Counted cells" section.
pub const COUNTED: &str = "counted";

/// A figure to draw, and what the report says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// The scenario section it belongs to ([`COUNTED`] for counted rows').
    pub scenario: String,
    /// A sentence saying what it shows and how to read it.
    pub caption: String,
    /// The figure.
    pub figure: Figure,
}

/// A figure the data do not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The scenario section it belongs to ([`COUNTED`] for counted rows').
    pub scenario: String,
    /// Which figure (its name or pattern).
    pub figure: String,
    /// Why not.
    pub reason: String,
}

/// Every figure for a set of cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Figures to draw, in report order.
    pub figures: Vec<Planned>,
    /// Figures left out, with the reason.
    pub skipped: Vec<Skipped>,
}

impl Plan {
    fn add(&mut self, scenario: &str, caption: String, figure: Figure) {
        self.figures.push(Planned {
            scenario: scenario.into(),
            caption,
            figure,
        });
    }

    fn skip(&mut self, scenario: &str, figure: &str, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            scenario: scenario.into(),
            figure: figure.into(),
            reason: reason.into(),
        });
    }
}

/// Plans every figure the cells allow.
pub fn plan(cells: &Cells) -> Plan {
    let mut p = Plan::default();
    micro::per_runtime(cells, &mut p);
    micro::runtimes(cells, &mut p);
    for scenario in ["micro", "sim", "payload"] {
        micro::host_profiles(cells, scenario, &mut p);
    }
    sim::figure9(cells, &mut p);
    sim::hit_ratios(cells, &mut p);
    sim::batch(cells, &mut p);
    payload::cost(cells, &mut p);
    threads::scaling(cells, &mut p);
    p
}

/// Plans the serving scenarios' figures (docs/serving.md): `serve`'s
/// requests per second from the cells, and `footprint`'s memory and speed
/// against the instances kept, from the rows (which carry the memory) and
/// the cells. Empty for runs without those scenarios.
pub fn plan_serving(runs: &[Run], cells: &Cells) -> Plan {
    let mut p = Plan::default();
    serving::serve_requests(cells, &mut p);
    serving::footprint(runs, cells, &mut p);
    p
}

/// Plans the figures of the counted rows of `runs` (`--measure
/// callgrind`): the anatomy of a call, on a linear axis, so split per
/// runtime beyond [`MAX_BARS`] bars and with bars over [`APART`]× the
/// median drawn apart. Empty for runs that counted nothing.
pub fn plan_counted(runs: &[Run]) -> Plan {
    let mut p = Plan::default();
    let rows = crate::counted::rows(runs);
    anatomy::plan(&rows.into_values().collect::<Vec<_>>(), &mut p);
    p
}

/// A cell's bar in series `series`.
fn bar(series: usize, c: &Cell) -> Option<Bar> {
    let e = c
        .estimate
        .filter(|e| e.mean.is_finite() && e.low.is_finite() && e.high.is_finite())?;
    Some(Bar {
        series,
        value: e.mean,
        low: e.low,
        high: e.high,
    })
}

/// A cell's point at `x`.
fn point(x: f64, c: &Cell) -> Option<Point> {
    let e = c
        .estimate
        .filter(|e| e.mean.is_finite() && e.low.is_finite() && e.high.is_finite())?;
    Some(Point {
        x,
        y: e.mean,
        low: e.low,
        high: e.high,
    })
}

/// `bytemuck static`, `pair`, `native`: the ABI and its memory factor.
fn abi_label(c: &Cell) -> String {
    match c.factor("memory") {
        Some(m) => format!("{} {m}", c.abi),
        None => c.abi.clone(),
    }
}

/// The measured cells of `scenario`.
fn measured<'a>(cells: &'a Cells, scenario: &str) -> Vec<&'a Cell> {
    let mut v: Vec<&Cell> = cells.ok(scenario).collect();
    v.sort_by(|a, b| crate::select::cell_order(a, b));
    v
}

/// A file-name-safe spelling.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// `held: host-profile=release, operand=i32 · whiskers: 95% CI`.
fn subtitle(held: &[String]) -> String {
    let mut s = String::new();
    if !held.is_empty() {
        s.push_str("held: ");
        s.push_str(&held.join(", "));
        s.push_str(" · ");
    }
    s.push_str("whiskers: 95% confidence interval of the mean");
    s
}

#[cfg(test)]
mod tests;
