//! What running a cell produces, whatever its scenario.

use crate::error::CellError;
use crate::measure::Samples;

/// What running a cell produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Measured.
    Ok {
        /// The replicate times.
        samples: Samples,
        /// Set-up phases timed once, outside every replicate.
        phases: SetupTimes,
        /// The simulator's counters (sim cells), checked equal to native's.
        stats: Option<cachesim::Stats>,
        /// Memory per kept instance (footprint cells; boxed, as few
        /// outcomes have one).
        footprint: Option<Box<analysis::data::Footprint>>,
        /// Resident bytes a large call left behind (aftermath cells).
        retained_b: Option<f64>,
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
        phases: SetupTimes,
        stats: Option<cachesim::Stats>,
    ) -> Outcome {
        match result {
            Ok(samples) => Outcome::Ok {
                samples,
                phases,
                stats,
                footprint: None,
                retained_b: None,
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
pub struct SetupTimes {
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
    /// The guest modules.
    pub guests: crate::guests::Guests,
}
