//! The scenarios: what a cell does, natively and through an ABI.
//!
//! Each scenario module expands its part of the matrix into [`CellSpec`]s
//! and turns one spec into a measured [`Outcome`]. The chain from a spec
//! to the timed loop goes through three visitors (runtime, ABI, scenario
//! host type) so that the loop itself is monomorphic.

pub mod micro;

use crate::abis::AbiId;
use crate::factors::Factors;
use crate::measure::{Protocol, Samples};
use runtimes::{RuntimeId, id_enum};

id_enum! {
    /// A benchmark scenario.
    pub enum Scenario ("scenario") {
        /// The paper's micro-benchmark: one multiply per call.
        Micro = "micro",
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

/// The cells of `scenario` over the given runtimes and ABIs, natives first.
pub fn cells(scenario: Scenario, runtimes: &[RuntimeId], abis: &[AbiId]) -> Vec<CellSpec> {
    match scenario {
        Scenario::Micro => micro::cells(runtimes, abis),
    }
}

/// Runs one cell under `protocol`.
pub fn run(spec: &CellSpec, protocol: &Protocol, tick: &mut dyn FnMut()) -> Outcome {
    match spec.scenario {
        Scenario::Micro => micro::run(spec, protocol, tick),
    }
}
