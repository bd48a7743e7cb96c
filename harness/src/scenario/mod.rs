//! The scenarios: what a cell does, natively and through an ABI.
//!
//! Each scenario module expands its part of the matrix into [`CellSpec`]s
//! and turns one spec into a measured [`Outcome`]. The chain from a spec
//! to the timed loop goes through three visitors (runtime, ABI, scenario
//! host type) so that the loop itself is monomorphic.

pub mod micro;
pub mod sim;

use crate::abis::AbiId;
use crate::factors::Factors;
use crate::measure::{Protocol, Samples};
use runtimes::{RuntimeId, id_enum};

id_enum! {
    /// A benchmark scenario.
    pub enum Scenario ("scenario") {
        /// The paper's micro-benchmark: one multiply per call.
        Micro = "micro",
        /// The paper's macro-benchmark: a cache simulator whose policy runs
        /// in the guest, one call per request.
        Sim = "sim",
    }
}

/// Where a cell runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The native baseline: scenario code called directly.
    Native,
    /// Inside a sandbox, through an ABI.
    Wasm {
        /// The runtime.
        runtime: RuntimeId,
        /// The ABI.
        abi: AbiId,
    },
}

/// One cell of the matrix, before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellSpec {
    /// Its scenario.
    pub scenario: Scenario,
    /// Native, or a runtime and an ABI.
    pub target: Target,
    /// Its factors, shared ones first, then the ABI's own.
    pub factors: Factors,
}

impl CellSpec {
    /// The value of a factor, if the cell has it.
    pub fn factor(&self, name: &str) -> Option<&'static str> {
        self.factors
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    /// `native` or the runtime id.
    pub fn runtime_id(&self) -> &'static str {
        match self.target {
            Target::Native => "native",
            Target::Wasm { runtime, .. } => runtime.id(),
        }
    }

    /// `native` or the ABI id.
    pub fn abi_id(&self) -> &'static str {
        match self.target {
            Target::Native => "native",
            Target::Wasm { abi, .. } => abi.id(),
        }
    }

    /// A short human label: `wasmtime/pair cached untyped preload i32`.
    pub fn label(&self) -> String {
        let mut s = format!("{} {}/{}", self.scenario, self.runtime_id(), self.abi_id());
        for (_, v) in &self.factors {
            s.push(' ');
            s.push_str(v);
        }
        s
    }

    /// Whether `native` is this cell's baseline: same scenario, and every
    /// factor of the native cell has the same value here.
    pub fn has_baseline(&self, native: &CellSpec) -> bool {
        native.target == Target::Native
            && native.scenario == self.scenario
            && native
                .factors
                .iter()
                .all(|(n, v)| self.factor(n) == Some(*v))
    }
}

/// What running a cell produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Measured.
    Ok {
        /// The replicate times.
        samples: Samples,
        /// Set-up phases timed once, outside every replicate.
        phases: Phases,
        /// The simulator's counters (sim cells), checked equal to native's.
        stats: Option<cachesim::Stats>,
    },
    /// It ran and failed (trap, ABI violation, wrong result...).
    Error(String),
    /// It cannot run in this build or on this runtime; the reason says why.
    Unsupported(String),
}

/// Compile and instantiate times of a cell's set-up, seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Phases {
    /// Compiling the guest module.
    pub compile_s: Option<f64>,
    /// Instantiating it.
    pub instantiate_s: Option<f64>,
}

/// What the cells of a run share besides the protocol.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// The simulator's trace (sim runs).
    pub trace: Vec<cachesim::Request>,
    /// Cache sizes of the sandboxed sim cells, bytes.
    pub sizes: Vec<u64>,
    /// Extra cache sizes for native sim cells only (the hit-ratio sweep).
    pub sweep: Vec<u64>,
}

/// The cells of `scenario` over the given runtimes and ABIs, natives first.
pub fn cells(
    scenario: Scenario,
    runtimes: &[RuntimeId],
    abis: &[AbiId],
    inputs: &Inputs,
) -> Vec<CellSpec> {
    match scenario {
        Scenario::Micro => micro::cells(runtimes, abis),
        Scenario::Sim => sim::cells(runtimes, abis, inputs),
    }
}

/// Runs one cell under `protocol`.
pub fn run(
    spec: &CellSpec,
    protocol: &Protocol,
    inputs: &Inputs,
    tick: &mut dyn FnMut(),
) -> Outcome {
    match spec.scenario {
        Scenario::Micro => micro::run(spec, protocol, tick),
        Scenario::Sim => sim::run(spec, protocol, inputs, tick),
    }
}

/// Parses a factor the planner is known to have set.
pub(crate) fn parse<T: std::str::FromStr>(spec: &CellSpec, name: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    spec.factor(name)
        .unwrap_or_else(|| panic!("{} cell without `{name}`", spec.scenario))
        .parse()
        .unwrap_or_else(|e| panic!("bad `{name}`: {e:?}"))
}

/// The values an ABI's own factors take in `spec`, in the ABI's order.
pub(crate) fn own_values(spec: &CellSpec, factors: &[abi_api::Factor]) -> Vec<&'static str> {
    factors
        .iter()
        .map(|f| spec.factor(f.name).expect("ABI factor set by the planner"))
        .collect()
}
