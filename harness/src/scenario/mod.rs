//! The scenarios: what a cell does, natively and through an ABI.
//!
//! Each scenario's module implements [`define::Scenario`] (its cells,
//! factors, defaults, run and verdict) and the list below registers it
//! (the macro is in [`registry`]).
//! The steps from a cell to its monomorphic timed loop that every
//! scenario shares (runtime, ABI, linkage, loading) are in [`chain`]; the
//! cell shape the scenarios with a native baseline share is [`spec`].

pub mod chain;
pub mod define;
pub mod outcome;
#[macro_use]
pub mod registry;
pub mod spec;

pub use define::{Defaults, Ended, PlanInput, ProtocolFlag, Scenario, ScenarioCell};
pub use outcome::{Inputs, Outcome, SetupTimes};

// The scenarios, one line each: the id, the module (a file or folder of
// this one), the type implementing `Scenario`. From this list come the
// modules, `ScenarioId`, the `Cell` enum and its dispatch, and one test
// per scenario (registry.rs; docs/adding-a-scenario.md).
scenarios! {
    /// The paper's micro-benchmark: one multiply per call.
    Micro = "micro" => micro::Micro,
    /// The paper's macro-benchmark: a cache simulator whose policy runs in
    /// the guest, one call per request.
    Sim = "sim" => sim::Sim,
    /// Records, text, lists and HTTP-like messages, in, out and both ways,
    /// 16 B to 1 MiB: the paper's open question on complex and
    /// variable-length data.
    Payload = "payload" => payload::Payload,
    /// Guests that misbehave on purpose: each must end as an error of its
    /// class, and the process go on.
    Hostile = "hostile" => hostile::Hostile,
    /// What a guest costs before its first answer: compile (or load a
    /// cached module), instantiate, first call.
    Phases = "phases" => phases::PhasesScenario,
    /// Calls per second with 1 to 8 threads, each with its own instance of
    /// one compiled module.
    Threads = "threads" => threads::ThreadsScenario,
    /// The guest calls the host: an imported host function once per
    /// request, with scalars or with a byte slice.
    HostCall = "hostcall" => hostcall::HostCall,
    /// A plugin server's request: a fresh instance for it (instantiate,
    /// call, drop) or a call on a kept one, with instances on demand or
    /// from Wasmtime's pool.
    Serve = "serve" => serve::Serve,
    /// Resident memory per kept instance, 1 to 10,000 alive.
    Footprint = "footprint" => footprint::FootprintScenario,
    /// Wasmtime's `call_async` beside `call`, core and component guests,
    /// component-model concurrency on and off.
    Async = "async" => async_call::AsyncCall,
    /// A small call on an instance that first carried one large text:
    /// does it get slower, and what memory stays.
    Aftermath = "aftermath" => aftermath::Aftermath,
}
