//! The scenarios: what a cell does, natively and through an ABI.
//!
//! Each scenario's module implements [`define::Scenario`] (its cells,
//! factors, defaults, run and verdict) and [`registry`] lists them once.
//! The steps from a cell to its monomorphic timed loop that every
//! scenario shares (runtime, ABI, linkage, loading) are in [`chain`]; the
//! cell shape the scenarios with a native baseline share is [`spec`].

pub mod chain;
pub mod define;
pub mod hostcall;
pub mod hostile;
pub mod micro;
pub mod outcome;
pub mod payload;
pub mod phases;
pub mod registry;
pub mod sim;
pub mod spec;
pub mod threads;

pub use define::{Defaults, Ended, PlanInput, ProtocolFlag, Scenario, ScenarioCell};
pub use outcome::{Inputs, Outcome, SetupTimes};
pub use registry::ScenarioId;
