//! The hostile scenario: guests that misbehave on purpose, run through the
//! same ABI hosts as the measured cells, on every runtime. Each case must
//! end as an `error` of its expected class, within the deadline, with the
//! process alive; then a healthy guest, in the same process, must still
//! give the right answers.
//!
//! The guests are WAT modules written here (core modules) and one Rust
//! component (`guests/wit-hostile`). Limits are on (the default deadline is
//! short here: see [`budget`]). Nothing is timed.

use std::time::Instant;

use runtimes::{EngineConfig, Limits, RuntimeId};

use super::define::{Defaults, Ended, PlanInput, ProtocolFlag, Scenario, ScenarioCell};
use super::outcome::{Inputs, Outcome};
use crate::abis::AbiId;
use crate::error::{CellError, ErrorClass};
use crate::factors::HostProfile;
use crate::measure::Protocol;

mod cases;
mod drive;

pub use cases::Case;
use drive::{CaseStep, Healthy};

/// The hostile scenario: every case must end as an error of its class.
pub struct Hostile;

impl Scenario for Hostile {
    type Cell = HostileCell;
    const ABOUT: &'static str = "guests that misbehave on purpose, each contained as its case says";
    // Its guests are its own (written in WAT here, or the wit-hostile
    // component): no ABI's guest contract applies.
    const DRIVES: &'static [factor::Workload] = &[];
    const UNCOUNTED: Option<&'static str> =
        Some("it checks containment and times no call worth counting");
    const REFUSES: &'static [(ProtocolFlag, &'static str)] = &[
        (ProtocolFlag::Calls, "nothing is timed"),
        (ProtocolFlag::Reps, "nothing is timed"),
        (ProtocolFlag::Warmup, "nothing is timed"),
    ];

    fn factors() -> Vec<factor::FactorInfo> {
        vec![factor::FactorInfo::of::<Case>()]
    }

    // Nothing is timed.
    const DEFAULTS: Defaults = Defaults {
        calls: 1,
        reps: 2,
        warmup_s: 0.0,
    };
    const QUICK: Defaults = Self::DEFAULTS;

    fn budget() -> runtimes::Budget {
        budget()
    }

    fn cells(input: &PlanInput<'_>) -> Vec<HostileCell> {
        cells(input.host, input.runtimes, input.abis)
    }

    fn run(cell: &HostileCell, protocol: &Protocol, _: &Inputs, _: &mut dyn FnMut()) -> Outcome {
        run(cell, protocol.budget)
    }

    /// A hostile cell fails the run unless it ended as its case says.
    fn failed(cell: &HostileCell, ended: Ended<'_>) -> bool {
        match ended {
            Ended::Unsupported => false,
            Ended::Ok => true,
            Ended::Error(e) => e.class != cell.case.expected(),
        }
    }

    fn table(rows: &[(HostileCell, Ended<'_>)]) -> Option<String> {
        Some(grid(rows))
    }
}

impl ScenarioCell for HostileCell {
    fn target(&self) -> Option<(RuntimeId, AbiId)> {
        Some((self.runtime, self.case.abi()))
    }
    fn host(&self) -> HostProfile {
        self.host
    }
    fn values(&self) -> Vec<factor::FactorValue> {
        vec![
            factor::FactorValue::of(self.host),
            factor::FactorValue::of(self.case),
        ]
    }
    /// No baseline: the cell is its own.
    fn baseline(&self) -> HostileCell {
        *self
    }
    /// The case's own guest.
    fn guest(&self) -> crate::guests::GuestOf {
        crate::guests::GuestOf::Own {
            name: format!("hostile/{}", self.case),
            bytes: cases::guest(self.case).unwrap_or_default(),
        }
    }
}

/// A hostile cell: one case on one runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HostileCell {
    /// The harness build.
    pub host: HostProfile,
    /// The runtime.
    pub runtime: RuntimeId,
    /// The case.
    pub case: Case,
}

/// Every case whose ABI is among `abis`, on every runtime.
pub fn cells(host: HostProfile, runtimes: &[RuntimeId], abis: &[AbiId]) -> Vec<HostileCell> {
    runtimes
        .iter()
        .flat_map(|&runtime| {
            Case::ALL
                .iter()
                .filter(|c| abis.contains(&c.abi()))
                .map(move |&case| HostileCell {
                    host,
                    runtime,
                    case,
                })
        })
        .collect()
}

/// The outcome of every case per runtime, as a grid: `✓` where the case
/// was contained as it should be, the class observed otherwise.
fn grid(rows: &[(HostileCell, Ended<'_>)]) -> String {
    use std::fmt::Write as _;
    let mut runtimes: Vec<RuntimeId> = Vec::new();
    for (c, _) in rows {
        if !runtimes.contains(&c.runtime) {
            runtimes.push(c.runtime);
        }
    }
    let mut out = format!("{:<22} {:<14}", "case", "expected");
    for rt in &runtimes {
        let _ = write!(out, " {:<18}", rt.id());
    }
    out.push('\n');
    for &case in Case::ALL {
        if !rows.iter().any(|(c, _)| c.case == case) {
            continue;
        }
        let _ = write!(out, "{:<22} {:<14}", case.id(), case.expected().id());
        for &rt in &runtimes {
            let found = rows.iter().find(|(c, _)| c.case == case && c.runtime == rt);
            let shown = match found {
                None => "-".to_string(),
                Some((_, Ended::Unsupported)) => "unsupported".to_string(),
                Some((c, e)) if !Hostile::failed(c, *e) => format!("✓ {}", case.expected()),
                Some((_, Ended::Error(e))) => format!("✗ {}", e.class),
                Some((_, Ended::Ok)) => "✗ ok".to_string(),
            };
            let _ = write!(out, " {shown:<18}");
        }
        out.push('\n');
    }
    out
}

/// The limits of the hostile scenario unless the user says otherwise: a
/// deadline short enough that a loop costs seconds, not the default ten
/// minutes.
pub fn budget() -> runtimes::Budget {
    runtimes::Budget {
        deadline: std::time::Duration::from_secs(3),
        memory_bytes: 64 << 20,
    }
}

/// Runs one hostile cell: the case, then a healthy guest in this process.
pub fn run(cell: &HostileCell, budget: runtimes::Budget) -> Outcome {
    let config = EngineConfig::new(Limits::On, budget);
    let start = Instant::now();
    let observed = match runtimes::visit(cell.runtime, config, CaseStep { case: cell.case }) {
        Ok(Ok(Ok(()))) => Err(CellError::new(
            ErrorClass::NotContained,
            format!("the {} guest was not stopped: it ran to the end", cell.case),
        )),
        Ok(Ok(Err(e))) => Ok(e),
        Ok(Err(e)) | Err(e) => match Outcome::failed(e) {
            Outcome::Unsupported(why) => return Outcome::Unsupported(why),
            Outcome::Error(e) => Ok(e),
            Outcome::Ok { .. } => unreachable!("a failure is not a measurement"),
        },
    };
    let elapsed = start.elapsed();
    let e = match observed {
        Ok(e) => e,
        Err(not_contained) => return Outcome::Error(not_contained),
    };
    let healthy = match runtimes::visit(cell.runtime, config, Healthy) {
        Ok(Ok(())) => Ok("a healthy guest then answered correctly in the same process"),
        Ok(Err(e)) => Err(format!("{e}")),
        Err(e) => Err(format!("{e}")),
    };
    // The process was not kept healthy: the case was not contained,
    // whatever class it ended in.
    let healthy = match healthy {
        Ok(said) => said,
        Err(why) => {
            return Outcome::Error(CellError::new(
                ErrorClass::NotContained,
                format!(
                    "{} ({} after {:.2} s), but a healthy guest then failed: {why}",
                    e.message,
                    e.class.id(),
                    elapsed.as_secs_f64()
                ),
            ));
        }
    };
    let verdict = if e.class == cell.case.expected() {
        "as expected".to_string()
    } else {
        format!("expected {}", cell.case.expected())
    };
    Outcome::Error(CellError::new(
        e.class,
        format!(
            "{} ({verdict}, after {:.2} s; {healthy})",
            e.message,
            elapsed.as_secs_f64()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_fails_the_run_unless_it_ends_in_its_class() {
        let cell = HostileCell {
            host: HostProfile::Dev,
            runtime: RuntimeId::Wasmtime,
            case: Case::Unreachable,
        };
        let trap = CellError::new(ErrorClass::Trap, "guest trapped");
        let timeout = CellError::new(ErrorClass::Timeout, "too slow");
        let sick = CellError::new(ErrorClass::NotContained, "a healthy guest then failed");
        assert!(!Hostile::failed(&cell, Ended::Error(&trap)));
        assert!(Hostile::failed(&cell, Ended::Error(&timeout)));
        assert!(Hostile::failed(&cell, Ended::Error(&sick)));
        assert!(Hostile::failed(&cell, Ended::Ok));
        assert!(!Hostile::failed(&cell, Ended::Unsupported));
    }
}
