//! abilab's results, after the run: the row types of the files a run
//! writes ([`data`]), and the analysis over them, a separate and repeatable
//! step (criterion's and sightglass's split). Nothing here runs a guest or
//! reads a clock; the harness depends on this crate, never the other way
//! round, and its `report`, `compare` and `merge` subcommands are thin
//! wrappers over the four entry points below.
//!
//! # Entry points
//!
//! ```text
//! load::load(path: &Path) -> Result<Vec<Run>, LoadError>
//! load::load_all(paths: &[P]) -> Result<Vec<Run>, LoadError>
//! report::report(runs: &[Run], out: &Path, opts: &ReportOptions) -> Result<Report, ReportError>
//! compare::compare(base: &[Run], new: &[Run], threshold: f64) -> Comparison
//! compare::compare_with(base: &[Run], new: &[Run], opts: CompareOptions) -> Comparison
//! merge::merge(runs: &[Run], allow_mixed: bool) -> Result<Merged, MergeError>
//! ```
//!
//! - [`load()`]: a run folder, a folder of runs (`run-1/`, `run-2/`... or
//!   shards), or a `results.jsonl`; every bad input is a one-line error
//!   naming the file and line.
//! - [`report()`]: writes `report.md`, a self-contained `report.html`,
//!   `claims.json` and `figures/*.{svg,png}`; returns the files, the figures drawn and
//!   skipped (with the reason) and the paper's claims with their verdicts.
//! - [`compare()`]: per cell, the relative change and Welch's test
//!   (Holm-adjusted); [`Comparison::table`] and [`Comparison::figure`]
//!   show it, [`Comparison::has_regressions`] decides the exit code.
//! - [`merge()`]: shards into one [`Merged`] (`info` and `records` for the
//!   harness to write), refusing mixed environments and duplicate cells.
//!
//! # Inside
//!
//! Data flows one way: rows ([`data`], read by [`mod@load`]) → cells summarised
//! over runs, with ratios to native computed here ([`cells`], ids from
//! [`identity`]) → what to show ([`select`], [`charts`], [`claims`]) →
//! output ([`mod@report`] via [`figures`]). The serving scenarios'
//! tables ([`serving`]) read the rows beside the cells: their tails and
//! memory figures are the rows' own. [`stats`], [`welch`] and [`fit`]
//! are pure maths; [`units`] fixes how numbers and sizes are written.
#![deny(missing_docs)]

pub mod aside;
pub mod batching;
pub mod bounded;
pub mod cells;
pub mod charts;
pub mod claims;
pub mod compare;
pub mod costmodel;
pub mod counted;
pub mod data;
pub mod export;
pub mod figures;
pub mod fit;
pub mod identity;
pub mod load;
pub mod merge;
pub mod quoted;
pub mod report;
pub mod select;
pub mod serving;
pub mod stats;
pub mod units;
pub mod welch;

pub use compare::{CompareOptions, Comparison, compare, compare_with};
pub use load::{LoadError, Run, load, load_all};
pub use merge::{MergeError, Merged, merge};
pub use report::{Report, ReportError, ReportOptions, report};

#[cfg(test)]
mod testutil;
