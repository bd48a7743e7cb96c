//! What a scenario is to the harness. Each scenario's module defines one
//! type implementing [`Scenario`]: its cells, its factors, its defaults,
//! how a cell runs and when a run of it has failed. `registry.rs` lists
//! those types once, and the dispatch (the [`crate::cell::Cell`] enum,
//! `--scenario`, `harness list`, planning, the generated tests) is made
//! from that list, so adding a scenario touches its own module and one
//! registry line (docs/adding-a-scenario.md).

use std::fmt::Debug;
use std::hash::Hash;

use factor::{FactorInfo, FactorValue, Workload};
use runtimes::RuntimeId;

use super::outcome::{Inputs, Outcome};
use crate::abis::AbiId;
use crate::error::CellError;
use crate::factors::{HostProfile, Lang};
use crate::guests::{GuestOf, Guests};
use crate::measure::Protocol;
use crate::workload::SimOptions;

/// A scenario: everything about it the harness cannot know generically.
pub trait Scenario: 'static {
    /// One cell of it, typed: what it computes, and where.
    type Cell: ScenarioCell;
    /// One line for `harness list`.
    const ABOUT: &'static str;
    /// The ABI workloads whose hosts and guests its cells drive: the ABIs'
    /// own factors it has, the contract a `--guest` module is checked
    /// against. Empty for a scenario that brings its own guests.
    const DRIVES: &'static [Workload];
    /// Whether its cells replay the simulator's trace: only then do
    /// `--trace` and the other trace and cache flags apply.
    const TRACE: bool = false;
    /// Protocol flags that mean nothing to it, each with the reason given
    /// to a user who passes it (refused, never ignored).
    const REFUSES: &'static [(ProtocolFlag, &'static str)] = &[];
    /// Why its cells cannot be counted under Callgrind (`--measure
    /// callgrind` is refused with this reason), if they cannot.
    const UNCOUNTED: Option<&'static str> = None;
    /// Factors the default plan holds at one value, as (factor, value):
    /// the factors on top of the paper's that multiply a run's cells
    /// (`--all-factors`, or naming one in `--only`, frees them).
    const HELD: &'static [(&'static str, &'static str)] = &[];

    /// The factors every cell has (work, then link), in column order: for
    /// `harness list` and to validate `--only`. The ABIs' own factors come
    /// from the ABIs of [`Scenario::DRIVES`].
    fn factors() -> Vec<FactorInfo>;
    /// Calls, replicates and warm-up when the user gives none.
    const DEFAULTS: Defaults;
    /// The same for `--quick`, a smoke run.
    const QUICK: Defaults;
    /// A cell's limits when the user gives none.
    fn budget() -> runtimes::Budget {
        runtimes::Budget::DEFAULT
    }
    /// Every cell of a run, natives first where it has them.
    fn cells(input: &PlanInput<'_>) -> Vec<Self::Cell>;
    /// Runs one cell. `tick` is called between replicates (progress).
    fn run(
        cell: &Self::Cell,
        protocol: &Protocol,
        inputs: &Inputs,
        tick: &mut dyn FnMut(),
    ) -> Outcome;
    /// Whether a finished cell fails the run (exit code 1). By default an
    /// error does; a scenario whose cells are meant to fail says otherwise.
    fn failed(_cell: &Self::Cell, ended: Ended<'_>) -> bool {
        matches!(ended, Ended::Error(_))
    }
    /// Its own table on stdout in place of the common one, if it has one.
    fn table(_rows: &[(Self::Cell, Ended<'_>)]) -> Option<String> {
        None
    }
}

/// What the harness asks of a scenario's cell type.
pub trait ScenarioCell: Copy + Eq + Hash + Debug + Send + Sync + 'static {
    /// The runtime and ABI, or `None` for a native cell.
    fn target(&self) -> Option<(RuntimeId, AbiId)>;
    /// The harness build it runs in.
    fn host(&self) -> HostProfile;
    /// Every factor of the cell, written down: host profile, work, link,
    /// then the ABI's own. The result files' columns and the cell's id.
    fn values(&self) -> Vec<FactorValue>;
    /// The native cell its ratio is taken against (itself if none).
    fn baseline(&self) -> Self;
    /// The guest module it runs, which its row names: by default its
    /// ABI's Rust guest (a scenario with other guests says so).
    fn guest(&self) -> GuestOf {
        match self.target() {
            Some((_, abi)) => GuestOf::Abi {
                abi,
                lang: Lang::Rust,
                variant: None,
            },
            None => GuestOf::Native,
        }
    }
}

/// A protocol flag a scenario may refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolFlag {
    /// `--calls`.
    Calls,
    /// `--reps`.
    Reps,
    /// `--warmup`.
    Warmup,
}

impl ProtocolFlag {
    /// The flag as typed.
    pub fn flag(self) -> &'static str {
        match self {
            ProtocolFlag::Calls => "--calls",
            ProtocolFlag::Reps => "--reps",
            ProtocolFlag::Warmup => "--warmup",
        }
    }
}

/// A scenario's protocol when the user gives none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Defaults {
    /// Calls (or requests) per replicate; 0 where the scenario decides.
    pub calls: u64,
    /// Timed replicates.
    pub reps: u32,
    /// Minimum warm-up, seconds.
    pub warmup_s: f64,
}

/// What planning a scenario's cells starts from.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The harness build the cells run in.
    pub host: HostProfile,
    /// Runtimes, in the order given.
    pub runtimes: &'a [RuntimeId],
    /// ABIs, in the order given.
    pub abis: &'a [AbiId],
    /// The simulator's sizes and builds (scenarios with [`Scenario::TRACE`]).
    pub sim: &'a SimOptions,
    /// The run's guests: a language has cells for an ABI where it has one.
    pub guests: &'a Guests,
}

/// How a cell ended, as a verdict reads it (from an outcome or a row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended<'a> {
    /// Measured.
    Ok,
    /// It could not run here.
    Unsupported,
    /// It failed.
    Error(&'a CellError),
}
