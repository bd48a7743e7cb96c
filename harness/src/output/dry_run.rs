//! `harness matrix --dry-run`: the plan in words, nothing measured or
//! written.

use crate::measure::Stop;
use crate::options::Options;
use crate::plan::Plan;

/// What `--dry-run` prints: the cells per host profile, runtime and ABI,
/// the factors held, the protocol and the most time it can take (per run
/// with `--runs`).
pub fn dry_run(opts: &Options, plans: &[Plan]) -> String {
    let protocol = &opts.protocol;
    use std::fmt::Write as _;
    let mut out = String::new();
    let cells: usize = plans.iter().map(|p| p.cells.len()).sum();
    let _ = writeln!(out, "plan: --scenario {}, {cells} cells", opts.scenario);
    if opts.runs > 1 {
        let _ = writeln!(out, "  (once per run: --runs {})", opts.runs);
    }
    for (plan, host) in plans.iter().zip(&opts.host_profiles) {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for c in &plan.cells {
            let key = format!("{}/{}", c.runtime_id(), c.abi_id());
            match counts.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => counts.push((key, 1)),
            }
        }
        let _ = writeln!(out, "  host-profile {host}:");
        for (key, n) in counts {
            let _ = writeln!(out, "    {key:<32} {n:>6} cells");
        }
    }
    if !opts.held.is_empty() {
        let _ = writeln!(
            out,
            "held at one value: {} (--all-factors, or name the factor in --only, for every value)",
            opts.held.join(", ")
        );
    }
    let warmup = protocol.warmup.as_secs_f64();
    match protocol.stop {
        Stop::Fixed => {
            let _ = writeln!(
                out,
                "protocol: fixed, {} replicates × {} calls per cell; its time depends on each \
                 cell's cost per call (--protocol adaptive bounds it)",
                protocol.reps, protocol.calls
            );
        }
        Stop::Adaptive {
            precision,
            cell_budget,
            replicate,
        } => {
            let per_cell = warmup + cell_budget.as_secs_f64();
            let _ = writeln!(
                out,
                "protocol: adaptive, at least {} replicates{}, until ±{}% (95% interval) or {} per cell",
                protocol.reps,
                replicate.map_or(String::new(), |r| format!(" of about {} ms", r.as_millis())),
                precision * 100.0,
                analysis::units::duration(cell_budget.as_secs_f64())
            );
            let _ = writeln!(
                out,
                "estimated: at most {} ({cells} cells × ({warmup} s warm-up + {} s budget)); \
                 less where cells reach the precision first{}",
                analysis::units::duration(per_cell * cells as f64),
                cell_budget.as_secs_f64(),
                if opts.scenario.uses_trace() {
                    "; a replay of the trace can outlast the budget"
                } else {
                    ""
                }
            );
        }
    }
    out
}
