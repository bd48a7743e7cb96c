//! `harness list`: the runtimes compiled in, the ABIs, the scenarios and
//! every factor, from the same declarations the matrix runs on.

use std::fmt::Write as _;

use factor::FactorInfo;
use runtimes::RuntimeId;

use crate::abis::AbiId;
use crate::scenario::ScenarioId;

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
        let scenarios: Vec<&str> = info.workloads.iter().map(|x| x.id()).collect();
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
    for &sc in ScenarioId::ALL {
        let _ = writeln!(s, "  {:<18} {}", sc.id(), sc.about());
        for f in sc.factors() {
            factor_line(&mut s, &f);
        }
    }
    s
}
