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

mod cell;
mod ratio;
pub(crate) use ratio::paired_ratio_ci;
mod summarise;

use std::collections::HashMap;

pub use cell::{Basis, Cell, Estimate, RunSample};

/// Every cell of a set of runs, in first-seen order.
#[derive(Debug, Clone, Default)]
pub struct Cells {
    /// The cells.
    pub cells: Vec<Cell>,
    index: HashMap<String, usize>,
}

impl Cells {
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
