//! `harness list`: the runtimes compiled in, the ABIs, the scenarios and
//! every factor, from the same declarations the matrix runs on.

use std::fmt::Write as _;

use abi_api::Scenario;
use factor::{FactorInfo, FactorSet};
use runtimes::RuntimeId;

use crate::abis::AbiId;
use crate::factors::{MicroLink, MicroWork, PayloadLink, PayloadWork, SimLink, SimWork};
use crate::scenario::threads::ThreadsWork;

/// The hostile scenario's one factor.
const HOSTILE: &[FactorInfo] = &[FactorInfo::of::<crate::scenario::hostile::Case>()];

/// The hostcall scenario's one factor.
const HOSTCALL: &[FactorInfo] = &[FactorInfo::of::<crate::scenario::hostcall::HostFn>()];

/// The phases scenario's factors.
const PHASES: &[FactorInfo] = &[
    FactorInfo::of::<crate::scenario::phases::Phase>(),
    FactorInfo::of::<crate::scenario::phases::ModuleCache>(),
];

/// The factors every cell of `scenario` has (work, then link).
pub fn shared_factors(scenario: Scenario) -> Vec<FactorInfo> {
    let (work, link): (&[FactorInfo], &[FactorInfo]) = match scenario {
        Scenario::Micro => (MicroWork::INFO, MicroLink::INFO),
        Scenario::Sim => (SimWork::INFO, SimLink::INFO),
        Scenario::Payload => (PayloadWork::INFO, PayloadLink::INFO),
        Scenario::Hostile => (HOSTILE, &[]),
        Scenario::Phases => (PHASES, &[]),
        Scenario::Threads => (ThreadsWork::INFO, &[]),
        Scenario::HostCall => (HOSTCALL, &[]),
    };
    work.iter().chain(link).copied().collect()
}

/// One line on what a scenario does.
pub fn about(scenario: Scenario) -> &'static str {
    match scenario {
        Scenario::Micro => "the paper's multiply call, N calls per replicate",
        Scenario::Sim => "the web-proxy cache simulator, one call per request of a trace",
        Scenario::Payload => {
            "records, text, lists and HTTP-like messages, in, out and both ways, 16 B to 1 MiB"
        }
        Scenario::Hostile => "guests that misbehave on purpose, each contained as its case says",
        Scenario::Phases => {
            "compile (or load a cached module), instantiate and first call, one per replicate"
        }
        Scenario::HostCall => {
            "the guest calls an imported host function once per request: none, scalars, bytes"
        }
        Scenario::Threads => {
            "calls per second with 1, 2, 4 and 8 threads, one instance each of one module"
        }
    }
}

fn factor_line(s: &mut String, f: &FactorInfo) {
    let values = if f.ids.is_empty() {
        "(sizes)".to_string()
    } else {
        f.ids.join("|")
    };
    let _ = writeln!(s, "    {:<16} {:<20} {}", f.name, values, f.about);
}

/// The text of `harness list`.
pub fn text() -> String {
    let mut s = String::from("runtimes:\n");
    for r in RuntimeId::ALL {
        let state = if r.compiled_in() {
            "compiled in".to_string()
        } else {
            format!("not compiled in (build with --features {})", r.feature())
        };
        let _ = writeln!(s, "  {:<18} {:<28} {state}", r.id(), r.describe());
    }
    s.push_str("abis:\n");
    for a in AbiId::ALL {
        let info = a.info();
        let scenarios: Vec<&str> = info.scenarios.iter().map(|x| x.id()).collect();
        let built = match info.built {
            Ok(()) => String::new(),
            Err(how) => format!(" (not compiled in: {how})"),
        };
        let _ = writeln!(
            s,
            "  {:<18} {} [scenarios: {}]{built}",
            a.id(),
            info.about,
            scenarios.join(", ")
        );
        for f in info.factors {
            factor_line(&mut s, f);
        }
    }
    s.push_str("scenarios:\n");
    for &sc in Scenario::ALL {
        let _ = writeln!(s, "  {:<18} {}", sc.id(), about(sc));
        for f in shared_factors(sc) {
            factor_line(&mut s, &f);
        }
    }
    s
}
