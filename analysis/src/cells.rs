//! The cells of one or more runs, each summarised once: what reports,
//! figures and claims read. Built by [`Cells::build`].
//!
//! **Time unit.** Everything here is per call (per request in the
//! simulator): a replicate's seconds divided by its `calls`. Runs of the
//! same cell with different `--calls` then agree.
//!
//! **Several runs of a cell.** A cell found in one run keeps that run's own
//! figures: the recorded mean and Student-t 95% interval of its
//! replicates. A cell found in k ≥ 2 runs (the same matrix repeated in
//! several processes) is summarised over its k run means: their mean and a
//! t interval with k − 1 degrees of freedom. Replicates of one process
//! share its code placement and heap layout (docs/methodology.md measures
//! ±6% between processes of one binary); pooling them would give an
//! interval too narrow by far. Runs holding different cells (a micro run
//! and a sim run) simply add their cells.
//!
//! **Ratio to native** is computed here, not read from the rows, so run
//! order, shards and multi-profile children do not matter: a sandboxed
//! cell's native cell is the native cell of the same scenario whose
//! factors (host profile and work: operand; policy and cache size; payload
//! size) all appear, with the same values, in the sandboxed cell's factors.
//! The ratio is the quotient of the two per-call means.

use std::collections::{BTreeMap, HashMap};

use crate::data::Status;
use crate::identity::{NATIVE, cell_id, ordered_factors};
use crate::load::Run;
use crate::stats::Summary;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// How a cell's interval was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// From the replicates of one run (`n` of them).
    Replicates {
        /// Replicates.
        n: usize,
    },
    /// From the means of several runs.
    RunMeans {
        /// Runs.
        runs: usize,
    },
}

/// A cell's time per call, nanoseconds: mean and 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Mean time per call.
    pub mean: f64,
    /// Lower bound of the 95% confidence interval.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// What the interval is over.
    pub basis: Basis,
}

/// One run's measurement of a cell, per call.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSample {
    /// Index of the run in the slice given to [`Cells::build`].
    pub run: usize,
    /// The run's mean time per call, ns.
    pub mean_ns: f64,
    /// Its sample standard deviation of replicate times per call, ns (if
    /// known).
    pub sd_ns: Option<f64>,
    /// Every replicate, per call, ns (empty if the row kept none).
    pub replicates_ns: Vec<f64>,
    /// Replicates behind the mean.
    pub n: usize,
}

/// One cell over every run that has it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Identity ([`crate::identity::cell_id`]).
    pub id: String,
    /// Scenario id.
    pub scenario: String,
    /// Runtime id, or `native`.
    pub runtime: String,
    /// ABI id, or `native`.
    pub abi: String,
    /// Factors, name → value.
    pub factors: BTreeMap<String, String>,
    /// `ok` if any run measured it; else the first run's status.
    pub status: Status,
    /// The first failure's reason, if no run measured it.
    pub error: Option<String>,
    /// Runs that had the cell at all.
    pub present_in: usize,
    /// One sample per run that measured it.
    pub samples: Vec<RunSample>,
    /// Time per call; `None` unless ok.
    pub estimate: Option<Estimate>,
    /// The native cell's id (sandboxed cells whose native was measured).
    pub native: Option<String>,
    /// Mean time per call over the native's.
    pub ratio: Option<f64>,
    /// A 95% interval of the ratio to native over runs, for a cell and
    /// native measured in the same k ≥ 2 runs: each run's own ratio (cell
    /// and native in one process, so drift between processes cancels),
    /// a Student-t interval over their logarithms (k − 1 degrees of
    /// freedom), back-transformed. `None` for one run.
    pub ratio_ci: Option<(f64, f64)>,
    /// The `ratio_to_native` the harness recorded (first run that has
    /// one): a check on [`Cell::ratio`] for cells of one run.
    pub recorded_ratio: Option<f64>,
    /// Sim: hits per request (first run that has it).
    pub object_hit_ratio: Option<f64>,
    /// Sim: hit bytes per requested byte.
    pub byte_hit_ratio: Option<f64>,
}

impl Cell {
    /// Whether this is a native baseline.
    pub fn is_native(&self) -> bool {
        self.runtime == NATIVE
    }

    /// A factor's value.
    pub fn factor(&self, name: &str) -> Option<&str> {
        self.factors.get(name).map(String::as_str)
    }

    /// Whether factor `name` has `value`.
    pub fn is(&self, name: &str, value: &str) -> bool {
        self.factor(name) == Some(value)
    }

    /// Mean ns per call, if measured.
    pub fn mean(&self) -> Option<f64> {
        self.estimate.map(|e| e.mean)
    }

    /// The between-run coefficient of variation: the sample standard
    /// deviation of the run means over their mean (k ≥ 2 runs).
    pub fn cv(&self) -> Option<f64> {
        let means: Vec<f64> = self.samples.iter().map(|s| s.mean_ns).collect();
        let s = Summary::of(&means)?;
        (s.mean > 0.0).then(|| s.sd / s.mean)
    }

    /// The median over runs of each run's own 95% interval half-width
    /// relative to its mean: how wide a single run says it is, to set
    /// beside [`Cell::cv`].
    pub fn within_run_rel(&self) -> Option<f64> {
        let mut rel: Vec<f64> = self
            .samples
            .iter()
            .filter_map(|s| {
                let sd = s.sd_ns?;
                let t = StudentsT::new(0.0, 1.0, (s.n as f64 - 1.0).max(1.0))
                    .ok()?
                    .inverse_cdf(0.975);
                (s.mean_ns > 0.0 && s.n >= 2).then(|| t * sd / (s.n as f64).sqrt() / s.mean_ns)
            })
            .collect();
        if rel.is_empty() {
            return None;
        }
        rel.sort_by(f64::total_cmp);
        Some(rel[rel.len() / 2])
    }

    /// The cell in words: `wasmtime/pair caching=cached call=typed`, with
    /// the factors named in `skip` left out.
    pub fn label(&self, skip: &[&str]) -> String {
        let mut s = format!("{}/{}", self.runtime, self.abi);
        for name in ordered_factors(self.factors.keys()) {
            if !skip.contains(&name) {
                s.push_str(&format!(" {name}={}", self.factors[name]));
            }
        }
        s
    }
}

/// The 95% interval of a cell's ratio to its native over the runs that
/// measured both (see [`Cell::ratio_ci`]).
fn paired_ratio_ci(cell: &Cell, native: &Cell) -> Option<(f64, f64)> {
    let logs: Vec<f64> = cell
        .samples
        .iter()
        .filter_map(|s| {
            let n = native.samples.iter().find(|n| n.run == s.run)?;
            (s.mean_ns > 0.0 && n.mean_ns > 0.0).then(|| (s.mean_ns / n.mean_ns).ln())
        })
        .collect();
    let s = Summary::of(&logs)?;
    Some((s.ci95_low.exp(), s.ci95_high.exp()))
}

/// Every cell of a set of runs, in first-seen order.
#[derive(Debug, Clone, Default)]
pub struct Cells {
    /// The cells.
    pub cells: Vec<Cell>,
    index: HashMap<String, usize>,
}

impl Cells {
    /// Summarises the cells of `runs` (see the module header).
    pub fn build(runs: &[Run]) -> Cells {
        let mut out = Cells::default();
        for (k, run) in runs.iter().enumerate() {
            for r in &run.records {
                let id = cell_id(r);
                let i = *out.index.entry(id.clone()).or_insert_with(|| {
                    out.cells.push(Cell {
                        id,
                        scenario: r.scenario.clone(),
                        runtime: r.runtime.clone(),
                        abi: r.abi.clone(),
                        factors: r.factors.clone(),
                        status: r.status,
                        error: r.error.clone(),
                        present_in: 0,
                        samples: Vec::new(),
                        estimate: None,
                        native: None,
                        ratio: None,
                        ratio_ci: None,
                        recorded_ratio: None,
                        object_hit_ratio: None,
                        byte_hit_ratio: None,
                    });
                    out.cells.len() - 1
                });
                let c = &mut out.cells[i];
                c.present_in += 1;
                c.object_hit_ratio = c.object_hit_ratio.or(r.object_hit_ratio);
                c.byte_hit_ratio = c.byte_hit_ratio.or(r.byte_hit_ratio);
                c.recorded_ratio = c.recorded_ratio.or(r.ratio_to_native);
                if r.status != Status::Ok || r.calls == 0 {
                    continue;
                }
                // The harness's own formula, so figures equal the rows'.
                let per_call = |s: f64| s / r.calls as f64 * 1e9;
                let replicates_ns: Vec<f64> = r.replicate_s.iter().map(|&x| per_call(x)).collect();
                let summary = Summary::of(&replicates_ns);
                // `load` refuses ok rows without a mean; rows built in
                // memory without one count as not measured.
                let Some(mean_ns) = r
                    .ns_per_call
                    .or(r.mean_s.map(per_call))
                    .or(summary.map(|s| s.mean))
                    .filter(|m| m.is_finite())
                else {
                    continue;
                };
                let single = match (r.ci95_low_s, r.ci95_high_s, summary) {
                    (Some(lo), Some(hi), _) => (per_call(lo), per_call(hi)),
                    (_, _, Some(s)) => (s.ci95_low, s.ci95_high),
                    _ => (mean_ns, mean_ns),
                };
                if c.samples.is_empty() {
                    c.status = Status::Ok;
                    c.error = None;
                    c.estimate = Some(Estimate {
                        mean: mean_ns,
                        low: single.0,
                        high: single.1,
                        basis: Basis::Replicates {
                            n: r.replicate_s.len().max(r.reps as usize),
                        },
                    });
                }
                c.samples.push(RunSample {
                    run: k,
                    mean_ns,
                    sd_ns: r.sd_s.map(per_call).or(summary.map(|s| s.sd)),
                    n: if replicates_ns.is_empty() {
                        r.reps as usize
                    } else {
                        replicates_ns.len()
                    },
                    replicates_ns,
                });
            }
        }
        for c in &mut out.cells {
            if c.samples.len() >= 2 {
                let means: Vec<f64> = c.samples.iter().map(|s| s.mean_ns).collect();
                if let Some(s) = Summary::of(&means) {
                    c.estimate = Some(Estimate {
                        mean: s.mean,
                        low: s.ci95_low,
                        high: s.ci95_high,
                        basis: Basis::RunMeans { runs: means.len() },
                    });
                }
            }
        }
        out.match_natives();
        out
    }

    /// Sets `native` and `ratio` of every sandboxed cell.
    fn match_natives(&mut self) {
        let natives: Vec<usize> = (0..self.cells.len())
            .filter(|&i| self.cells[i].is_native())
            .collect();
        for i in 0..self.cells.len() {
            if self.cells[i].is_native() {
                continue;
            }
            let c = &self.cells[i];
            let best = natives
                .iter()
                .map(|&n| &self.cells[n])
                .filter(|n| {
                    n.scenario == c.scenario
                        && n.factors.iter().all(|(k, v)| c.factors.get(k) == Some(v))
                })
                .max_by_key(|n| n.factors.len());
            let Some(native) = best else { continue };
            let (id, ratio) = (
                native.id.clone(),
                match (c.mean(), native.mean()) {
                    (Some(a), Some(b)) if b > 0.0 => Some(a / b),
                    _ => None,
                },
            );
            let ratio_ci = paired_ratio_ci(c, native);
            let c = &mut self.cells[i];
            c.native = Some(id);
            c.ratio = ratio;
            c.ratio_ci = ratio_ci;
        }
    }

    /// Cells measured in one run whose computed ratio to native differs
    /// from the one the harness recorded (relative difference above 1e-6),
    /// with both values: the native matching rule checked against the
    /// data. Empty when they agree.
    pub fn ratio_mismatches(&self) -> Vec<(&Cell, f64, f64)> {
        self.cells
            .iter()
            .filter(|c| c.samples.len() == 1)
            .filter_map(|c| Some((c, c.ratio?, c.recorded_ratio?)))
            .filter(|(_, a, b)| (a - b).abs() > 1e-6 * b.abs())
            .collect()
    }

    /// The cell with this id.
    pub fn get(&self, id: &str) -> Option<&Cell> {
        self.index.get(id).map(|&i| &self.cells[i])
    }

    /// Every measured (`ok`) cell of `scenario`.
    pub fn ok(&self, scenario: &str) -> impl Iterator<Item = &Cell> + '_ {
        let scenario = scenario.to_string();
        self.cells
            .iter()
            .filter(move |c| c.scenario == scenario && c.estimate.is_some())
    }

    /// The scenarios present, in first-seen order.
    pub fn scenarios(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for c in &self.cells {
            if !v.contains(&c.scenario) {
                v.push(c.scenario.clone());
            }
        }
        v
    }

    /// The values factor `name` takes among `cells`, in natural order.
    pub fn values<'a>(cells: impl IntoIterator<Item = &'a Cell>, name: &str) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for c in cells {
            if let Some(x) = c.factor(name)
                && !v.iter().any(|y| y == x)
            {
                v.push(x.to_string());
            }
        }
        v.sort_by(|a, b| crate::units::value_cmp(a, b));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load;
    use crate::testutil::{info, micro_rows, paper_like_micro, row, row_with, write_run};

    #[test]
    fn one_run_keeps_its_recorded_figures_and_ratios_come_from_the_native() {
        let tmp = tempfile::tempdir().unwrap();
        let mut rows = micro_rows("wasmtime", paper_like_micro);
        // Run order does not matter: put the native last.
        rows.rotate_left(1);
        write_run(tmp.path(), &info("micro"), &rows);
        let runs = load(tmp.path()).unwrap();
        let cells = Cells::build(&runs);
        let r = &runs[0].records[0];
        let c = cells.get(&r.cell).unwrap();
        let e = c.estimate.unwrap();
        assert_eq!(e.mean, r.mean_s.unwrap() / r.calls as f64 * 1e9);
        assert_eq!(e.low, r.ci95_low_s.unwrap() / r.calls as f64 * 1e9);
        assert_eq!(e.basis, Basis::Replicates { n: 10 });
        let native = cells.cells.iter().find(|c| c.is_native()).unwrap();
        assert_eq!(c.native.as_deref(), Some(native.id.as_str()));
        let expected = paper_like_micro("pair", "", "cached") / 0.56;
        assert!((c.ratio.unwrap() - expected).abs() < 1e-9 * expected);
        assert!(native.ratio.is_none());
        assert!(cells.ratio_mismatches().is_empty());
    }

    #[test]
    fn computed_ratios_are_checked_against_recorded_ones() {
        let mut rows = micro_rows("wasmtime", paper_like_micro);
        let native = rows[0].mean_s.unwrap();
        for r in rows.iter_mut().skip(1) {
            r.ratio_to_native = Some(r.mean_s.unwrap() / native);
        }
        rows[1].ratio_to_native = Some(1.0);
        let cells = Cells::build(&[Run {
            dir: "x".into(),
            info: info("micro"),
            records: rows.clone(),
        }]);
        let bad = cells.ratio_mismatches();
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0.id, rows[1].cell);
        assert_eq!(bad[0].2, 1.0);
    }

    #[test]
    fn natives_match_on_work_factors_only() {
        let rel = [("host-profile", "release"), ("operand", "i32")];
        let f32 = [("host-profile", "release"), ("operand", "f32")];
        let runs = vec![Run {
            dir: "x".into(),
            info: info("micro"),
            records: vec![
                row("micro", "native", "native", &rel, 1.0),
                row("micro", "native", "native", &f32, 2.0),
                row(
                    "micro",
                    "wasmtime",
                    "pair",
                    &[
                        ("host-profile", "release"),
                        ("operand", "f32"),
                        ("caching", "cached"),
                    ],
                    10.0,
                ),
                row(
                    "micro",
                    "wasmtime",
                    "pair",
                    &[
                        ("host-profile", "debug"),
                        ("operand", "f32"),
                        ("caching", "cached"),
                    ],
                    10.0,
                ),
            ],
        }];
        let cells = Cells::build(&runs);
        assert_eq!(cells.cells[2].ratio, Some(5.0));
        assert_eq!(cells.cells[3].native, None);
        assert_eq!(cells.cells[3].ratio, None);
    }

    #[test]
    fn several_runs_are_summarised_over_their_means() {
        let f = [("host-profile", "release"), ("operand", "i32")];
        let run = |ns: f64| Run {
            dir: "x".into(),
            info: info("micro"),
            records: vec![row_with(
                "micro",
                "native",
                "native",
                &f,
                vec![ns * 1e-6; 4],
            )],
        };
        let cells = Cells::build(&[run(1.0), run(2.0), run(3.0)]);
        let e = cells.cells[0].estimate.unwrap();
        assert!((e.mean - 2.0).abs() < 1e-9);
        assert_eq!(e.basis, Basis::RunMeans { runs: 3 });
        // t(0.975, 2) = 4.302653; sd of 1, 2, 3 is 1.
        let half = 4.302_653 / 3f64.sqrt();
        assert!((e.high - (2.0 + half)).abs() < 1e-5, "{e:?}");
        assert_eq!(cells.cells[0].samples.len(), 3);
        // Between-run CV: sd 1 over mean 2.
        assert!((cells.cells[0].cv().unwrap() - 0.5).abs() < 1e-9);
    }

    #[test]
    fn ratios_over_runs_are_paired_by_run() {
        let native_f = [("host-profile", "release"), ("operand", "i32")];
        let wasm_f = [
            ("host-profile", "release"),
            ("operand", "i32"),
            ("caching", "cached"),
        ];
        // The machine drifts 2× between runs; the cell is 10× native in each.
        let run = |k: f64| Run {
            dir: "x".into(),
            info: info("micro"),
            records: vec![
                row_with("micro", "native", "native", &native_f, vec![k * 1e-6; 4]),
                row_with(
                    "micro",
                    "wasmtime",
                    "pair",
                    &wasm_f,
                    vec![
                        10.0 * k * 1e-6,
                        10.1 * k * 1e-6,
                        9.9 * k * 1e-6,
                        10.0 * k * 1e-6,
                    ],
                ),
            ],
        };
        let cells = Cells::build(&[run(1.0), run(2.0), run(4.0)]);
        let c = cells.cells.iter().find(|c| !c.is_native()).unwrap();
        let (lo, hi) = c.ratio_ci.unwrap();
        // Every run's ratio is 10: the interval is 10 however far the
        // machine drifted, though the cell's own CV is large.
        assert!(
            (lo - 10.0).abs() < 1e-6 && (hi - 10.0).abs() < 1e-6,
            "{lo} {hi}"
        );
        assert!(c.cv().unwrap() > 0.5);
        let w = c.within_run_rel().unwrap();
        assert!(w > 0.0 && w < 0.05, "{w}");
        // One run: no interval over runs.
        let one = Cells::build(&[run(1.0)]);
        assert!(
            one.cells
                .iter()
                .all(|c| c.ratio_ci.is_none() && c.cv().is_none())
        );
    }
}
