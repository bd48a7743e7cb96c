//! The measurement protocol from the command line: the scenario's
//! defaults, the user's counts checked, fixed or adaptive, and a cell's
//! limits.

use std::time::Duration;

use factor::factor_enum;

use super::OptionsError;
use crate::cli::MatrixArgs;
use crate::measure::{Protocol, Stop};
use crate::scenario::{ProtocolFlag, ScenarioId};

/// The most calls per replicate: at 1 ns a call, a second.
pub const MAX_CALLS: u64 = 1_000_000_000;
/// The most replicates per cell.
pub const MAX_REPS: u32 = 100_000;

factor_enum! {
    /// How calls and replicates are chosen (`--protocol`).
    pub enum ProtocolKind ("protocol", "how calls and replicates are chosen") {
        /// Calibrated calls, replicates until precise enough or out of budget.
        Adaptive = "adaptive",
        /// `--reps` × `--calls` exactly (the paper's).
        Fixed = "fixed",
    }
}

/// The adaptive protocol's replicate length: long enough that the clock's
/// resolution and the loop's start are noise, short enough for many
/// replicates in a cell's budget.
pub const REPLICATE: Duration = Duration::from_millis(10);
/// The same for `--quick`.
pub const QUICK_REPLICATE: Duration = Duration::from_millis(2);

/// Replicates of a counted cell unless `--reps` says otherwise: counts
/// repeat to the instruction (docs/methodology.md), so three show that
/// they do, and a fourth would say nothing new.
pub const COUNTED_REPS: u32 = 3;
/// The most calls per counted replicate unless `--calls` says otherwise:
/// enough that the loop's own start is under 0.01 instruction per call,
/// few enough for a cell to take seconds under Valgrind.
pub const COUNTED_CALLS: u64 = 20_000;

/// The protocol of a counted run (`--measure callgrind`): fixed, as
/// counts need no precision rule; `--protocol adaptive` and its flags are
/// refused.
pub(super) fn counted(a: &MatrixArgs, timed: Protocol) -> Result<Protocol, OptionsError> {
    if a.protocol.as_deref() == Some("adaptive") || a.precision.is_some() || a.cell_budget.is_some()
    {
        return Err(OptionsError::Conflict(
            "--measure callgrind counts a fixed protocol: --protocol adaptive, --precision and \
             --cell-budget are for time",
        ));
    }
    Ok(Protocol {
        calls: match a.calls {
            Some(c) => c,
            None => timed.calls.min(COUNTED_CALLS),
        },
        reps: a.reps.unwrap_or(COUNTED_REPS),
        stop: Stop::Fixed,
        ..timed
    })
}

/// Calls, replicates, warm-up and when to stop: the scenario's defaults,
/// the user's values checked, the flags the scenario refuses refused.
pub(super) fn protocol(a: &MatrixArgs, scenario: ScenarioId) -> Result<Protocol, OptionsError> {
    let given = |flag| match flag {
        ProtocolFlag::Calls => a.calls.is_some(),
        ProtocolFlag::Reps => a.reps.is_some(),
        ProtocolFlag::Warmup => a.warmup.is_some(),
    };
    if let Some(&(flag, why)) = scenario.refuses().iter().find(|(f, _)| given(*f)) {
        return Err(OptionsError::NotForScenario {
            flag: flag.flag(),
            scenario,
            why,
        });
    }
    let kind = match &a.protocol {
        Some(k) => k.parse::<ProtocolKind>()?,
        // Counts given: the user asked for exactly those.
        None if a.reps.is_some() || a.calls.is_some() => ProtocolKind::Fixed,
        // A scenario that times nothing has no use for precision.
        None if scenario
            .refuses()
            .iter()
            .any(|(f, _)| *f == ProtocolFlag::Reps) =>
        {
            ProtocolKind::Fixed
        }
        None => ProtocolKind::Adaptive,
    };
    let defaults = scenario.defaults(a.quick);
    let stop = match kind {
        ProtocolKind::Fixed => {
            if a.precision.is_some() || a.cell_budget.is_some() {
                return Err(OptionsError::Conflict(
                    "--precision and --cell-budget are the adaptive protocol's, not --protocol fixed",
                ));
            }
            Stop::Fixed
        }
        ProtocolKind::Adaptive => Stop::Adaptive {
            precision: match &a.precision {
                None if a.quick => 0.05,
                None => 0.01,
                Some(p) => parse_precision(p)?,
            },
            cell_budget: match a.cell_budget {
                None if a.quick => Duration::from_millis(300),
                None => Duration::from_secs(3),
                Some(s) if s.is_finite() && (0.01..=86_400.0).contains(&s) => {
                    Duration::from_secs_f64(s)
                }
                Some(s) => {
                    return Err(OptionsError::OutOfRange {
                        flag: "--cell-budget",
                        bounds: "between 0.01 and 86400 seconds",
                        given: s.to_string(),
                    });
                }
            },
            // Where the cell's subject allows it (`Subject::calibrates`).
            replicate: Some(if a.quick { QUICK_REPLICATE } else { REPLICATE }),
        },
    };
    let calls = a.calls.unwrap_or(defaults.calls);
    let reps = match (kind, a.reps) {
        (_, Some(r)) => r,
        (ProtocolKind::Fixed, None) => defaults.reps,
        // The fewest replicates of an adaptive cell: enough for an
        // interval to mean something, never more than the fixed count.
        (ProtocolKind::Adaptive, None) => defaults.reps.min(if a.quick { 3 } else { 10 }),
    };
    let warmup = a.warmup.unwrap_or(defaults.warmup_s);
    let range = |flag, bounds, given: String| OptionsError::OutOfRange {
        flag,
        bounds,
        given,
    };
    // A scenario that replays the trace takes its length as the calls.
    if calls == 0 && !scenario.uses_trace() {
        return Err(range("--calls", "at least 1", calls.to_string()));
    }
    if calls > MAX_CALLS {
        return Err(OptionsError::TooMany {
            flag: "--calls",
            given: calls,
            most: MAX_CALLS,
            what: "calls per replicate",
        });
    }
    if reps < 2 {
        return Err(range(
            "--reps",
            "at least 2 (a confidence interval needs two replicates)",
            reps.to_string(),
        ));
    }
    if reps > MAX_REPS {
        return Err(OptionsError::TooMany {
            flag: "--reps",
            given: u64::from(reps),
            most: u64::from(MAX_REPS),
            what: "replicates",
        });
    }
    if !(warmup.is_finite() && (0.0..=3600.0).contains(&warmup)) {
        return Err(range(
            "--warmup",
            "between 0 and 3600 seconds",
            warmup.to_string(),
        ));
    }
    Ok(Protocol {
        calls,
        reps,
        warmup: Duration::from_secs_f64(warmup),
        budget: budget(a, scenario)?,
        stop,
    })
}

/// `--precision`: `1%` or `0.01`, between 0.01% and 50%.
fn parse_precision(given: &str) -> Result<f64, OptionsError> {
    let fraction = match given.trim().strip_suffix('%') {
        Some(pct) => pct.trim().parse::<f64>().map(|p| p / 100.0),
        None => given.trim().parse::<f64>(),
    };
    match fraction {
        Ok(f) if f.is_finite() && (0.0001..=0.5).contains(&f) => Ok(f),
        _ => Err(OptionsError::OutOfRange {
            flag: "--precision",
            bounds: "between 0.01% and 50% (e.g. 1% or 0.01)",
            given: given.to_string(),
        }),
    }
}

/// The cell's limits from `--cell-timeout` and `--memory-limit` (each
/// scenario has its own defaults).
fn budget(a: &MatrixArgs, scenario: ScenarioId) -> Result<runtimes::Budget, OptionsError> {
    let default = scenario.budget();
    let deadline = match a.cell_timeout {
        None => default.deadline,
        Some(s) if s.is_finite() && (0.1..=86_400.0).contains(&s) => Duration::from_secs_f64(s),
        Some(s) => {
            return Err(OptionsError::OutOfRange {
                flag: "--cell-timeout",
                bounds: "between 0.1 and 86400 seconds",
                given: s.to_string(),
            });
        }
    };
    let memory_bytes = match &a.memory_limit {
        None => default.memory_bytes,
        Some(s) => match analysis::units::parse_size_checked(s) {
            Ok(b) if (64 << 10..=4 << 30).contains(&b) => b,
            Ok(b) => {
                return Err(OptionsError::OutOfRange {
                    flag: "--memory-limit",
                    bounds: "between 64KiB and 4GiB",
                    given: format!("{b} bytes"),
                });
            }
            Err(e) => {
                return Err(OptionsError::Invalid {
                    flag: "--memory-limit",
                    why: e.to_string(),
                });
            }
        },
    };
    Ok(runtimes::Budget {
        deadline,
        memory_bytes,
    })
}
