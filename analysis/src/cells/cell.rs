//! One cell's types: its identity and factors, the per-run samples behind
//! it, and its time per call.

use std::collections::BTreeMap;

use crate::data::Status;
use crate::identity::{NATIVE, ordered_factors};
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
