//! Why `harness matrix`'s arguments were refused: typed, one line each,
//! exit code 2.

use factor::BadValue;

use crate::scenario::ScenarioId;

/// Why the arguments of `harness matrix` were refused.
#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    /// A value that names nothing (`--runtime wasmr`).
    #[error(transparent)]
    Value(#[from] BadValue),
    /// A number or size outside what the flag accepts.
    #[error("{flag} must be {bounds}, got {given}")]
    OutOfRange {
        /// The flag.
        flag: &'static str,
        /// What it accepts, in words.
        bounds: &'static str,
        /// What was given.
        given: String,
    },
    /// A flag the run's scenario has no use for.
    #[error("{flag} does not apply to --scenario {scenario}: {why}")]
    NotForScenario {
        /// The flag.
        flag: &'static str,
        /// The scenario.
        scenario: ScenarioId,
        /// Why.
        why: &'static str,
    },
    /// A flag of the simulator's, given to another scenario.
    #[error("{flag} applies to --scenario sim only, not {scenario}")]
    TraceOnly {
        /// The flag.
        flag: &'static str,
        /// The scenario given.
        scenario: ScenarioId,
    },
    /// A count past what the harness takes.
    #[error("{flag} {given} is more than {most} {what}")]
    TooMany {
        /// The flag.
        flag: &'static str,
        /// What was given.
        given: u64,
        /// The most it takes.
        most: u64,
        /// What it counts.
        what: &'static str,
    },
    /// Two flags that cannot go together.
    #[error("{0}")]
    Conflict(&'static str),
    /// A flag whose value did not parse or check out.
    #[error("{flag}: {why}")]
    Invalid {
        /// The flag.
        flag: &'static str,
        /// What is wrong, in one line.
        why: String,
    },
    /// A `--guest` module that cannot stand in for its ABI's guest.
    #[error("{0}")]
    Guest(String),
}
