//! The scenarios: what a cell does, natively and through an ABI.
//!
//! Each scenario module expands its part of the matrix into [`Cell`]s and
//! turns one cell into a measured [`Outcome`]. The steps from a cell to
//! its monomorphic timed loop that every scenario shares (runtime, ABI,
//! linkage, loading) are in [`chain`].

pub mod chain;
pub mod hostcall;
pub mod hostile;
pub mod micro;
pub mod payload;
pub mod phases;
pub mod sim;
pub mod threads;

use crate::cell::Cell;
use crate::error::CellError;
use crate::measure::{Protocol, Samples};

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
    Error(CellError),
    /// It cannot run in this build or on this runtime; the reason says why.
    Unsupported(String),
}

impl Outcome {
    /// A measurement's outcome.
    pub fn measured(
        result: Result<Samples, CellError>,
        phases: Phases,
        stats: Option<cachesim::Stats>,
    ) -> Outcome {
        match result {
            Ok(samples) => Outcome::Ok {
                samples,
                phases,
                stats,
            },
            Err(e) => Outcome::Error(e),
        }
    }

    /// `Unsupported` for what cannot run here, `Error` for the rest.
    #[cold]
    pub fn failed(e: runtimes::Error) -> Outcome {
        match e.kind() {
            runtimes::ErrorKind::NotCompiled(_) | runtimes::ErrorKind::Unsupported(_) => {
                Outcome::Unsupported(e.to_string())
            }
            _ => Outcome::Error(e.into()),
        }
    }
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
}

/// Runs one cell under `protocol`.
pub fn run(cell: &Cell, protocol: &Protocol, inputs: &Inputs, tick: &mut dyn FnMut()) -> Outcome {
    match cell {
        Cell::Micro(spec) => micro::run(spec, protocol, tick),
        Cell::Sim(spec) => sim::run(spec, protocol, inputs, tick),
        Cell::Payload(spec) => payload::run(spec, protocol, tick),
        Cell::Hostile(h) => hostile::run(h, protocol.budget),
        Cell::Phases(p) => phases::run(p, protocol, tick),
        Cell::Threads(s) => threads::run(s, protocol, tick),
        Cell::HostCall(h) => hostcall::run(h, protocol, tick),
    }
}
