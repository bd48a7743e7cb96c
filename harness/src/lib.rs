//! abilab's harness: expands a matrix of runtimes × ABIs × factors into
//! cells, times each cell honestly, and writes the results as it goes.
//!
//! Data flows one way: [`cli`] (clap) → [`commands`], which validate into
//! typed options; [`plan`] expands them into typed [`cell::Cell`]s and
//! orders them; [`run`] executes each cell through [`scenario`] (which
//! builds the monomorphic timed loop) and [`measure`] (warm-up and
//! replicates); [`stats`] summarises; [`output`] writes `results.jsonl`,
//! `results.csv`, `run.json` (with [`fingerprint`]) and the table.

pub mod abis;
pub mod busy;
pub mod callgrind;
pub mod cell;
pub mod children;
pub mod cli;
pub mod code_paths;
pub mod commands;
pub mod error;
pub mod factors;
pub mod fault;
pub mod fingerprint;
pub mod guests;
pub mod measure;
pub mod options;
pub mod output;
pub mod parse;
pub mod plan;
pub mod relaunch;
pub mod run;
pub mod scenario;
pub mod shard;
pub use analysis::stats;
pub mod workload;

#[cfg(test)]
mod alone;
