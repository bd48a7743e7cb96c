//! `harness sim`: the simulator over a trace, natively or with the policy
//! in a guest, printing hits and hit ratios (one replay per cell; the
//! timed comparison is `harness matrix --scenario sim`).

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use abi_api::Scenario;
use cachesim::workloads::{SizeChange, TraceFormat};
use cachesim::{Policy, Stats};
use runtimes::RuntimeId;
use serde_json::json;

use super::{Failure, parse_list, parse_sizes};
use crate::abis::AbiId;
use crate::cell::{Cell, Sandbox, Spec};
use crate::cli::SimArgs;
use crate::factors::{Ablation, Batch, CacheSize, Caching, HostProfile, Limits, SimLink, SimWork};
use crate::measure::Protocol;
use crate::scenario::{Inputs, Outcome, sim};
use crate::workload::TraceSource;

/// One row of `harness sim`.
struct Row {
    policy: Policy,
    cache_size: CacheSize,
    runtime: String,
    abi: String,
    result: Result<(Stats, f64), String>,
}

/// Runs `harness sim`.
pub fn run(a: &SimArgs) -> Result<ExitCode, Failure> {
    let usage = Failure::Usage;
    let size_change: SizeChange = a
        .size_change
        .parse()
        .map_err(|e| usage(format!("--size-change: {e}")))?;
    let format = match &a.trace_format {
        Some(f) => Some(
            f.parse::<TraceFormat>()
                .map_err(|e| usage(format!("--trace-format: {e}")))?,
        ),
        None => None,
    };
    let policies = parse_list(&a.policy, Policy::ALL)?;
    let sizes = parse_sizes(&a.cache_size, "--cache-size").map_err(usage)?;
    if sizes.is_empty() {
        return Err(usage("--cache-size: give at least one size".into()));
    }
    let (native, runtimes) = match a.runtime.as_str() {
        "all" => (true, RuntimeId::ALL.to_vec()),
        list => {
            let native = list.split(',').any(|r| r.trim() == "native");
            let rest: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|r| *r != "native")
                .collect();
            let runtimes = if rest.is_empty() {
                Vec::new()
            } else {
                parse_list(&rest.join(","), RuntimeId::ALL)?
            };
            (native, runtimes)
        }
    };
    let abis = parse_list(&a.abi, AbiId::ALL)?;
    let trace = TraceSource::File {
        path: a.trace.clone(),
        format,
        size_change,
    }
    .load()
    .map_err(usage)?;
    let inputs = Inputs {
        trace: trace.requests,
    };
    let protocol = Protocol {
        calls: inputs.trace.len() as u64,
        reps: 1,
        warmup: Duration::ZERO,
        budget: runtimes::Budget::DEFAULT,
    };
    let host = HostProfile::this();
    // Where each row runs: natively, or every runtime × ABI with the ABI's
    // first choice of its own factors, cached handles, one request per call.
    let mut sandboxes: Vec<Option<(RuntimeId, AbiId)>> = Vec::new();
    if native {
        sandboxes.push(None);
    }
    for &runtime in &runtimes {
        for &abi in abis
            .iter()
            .filter(|x| x.info().scenarios.contains(&Scenario::Sim))
        {
            sandboxes.push(Some((runtime, abi)));
        }
    }
    let mut rows = Vec::new();
    for &target in &sandboxes {
        for &policy in &policies {
            for &cache_size in &sizes {
                let sandbox = target.map(|(runtime, abi)| Sandbox {
                    runtime,
                    abi: abi.choices(Scenario::Sim, Caching::Cached)[0],
                    link: SimLink {
                        caching: Caching::Cached,
                        batch: Batch::One,
                        limits: Limits::On,
                    },
                });
                let cell = Cell::Sim(Spec {
                    host,
                    work: SimWork {
                        policy,
                        cache_size,
                        ablation: Ablation::None,
                    },
                    sandbox,
                });
                let Cell::Sim(spec) = &cell else {
                    unreachable!("built as a sim cell")
                };
                let result = match sim::run(spec, &protocol, &inputs, &mut || {}) {
                    Outcome::Ok { samples, stats, .. } => Ok((
                        stats.expect("sim cells report stats"),
                        samples.replicate_s[0],
                    )),
                    Outcome::Error(e) => Err(format!("error: {e}")),
                    Outcome::Unsupported(e) => Err(format!("unsupported: {e}")),
                };
                rows.push(Row {
                    policy,
                    cache_size,
                    runtime: cell.runtime_id().to_string(),
                    abi: cell.abi_id().to_string(),
                    result,
                });
            }
        }
    }
    print!(
        "{}",
        if a.json {
            sim_json(&rows)
        } else {
            sim_table(&rows)
        }
    );
    let failed = rows
        .iter()
        .any(|r| matches!(&r.result, Err(e) if e.starts_with("error")));
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn sim_json(rows: &[Row]) -> String {
    let mut out = String::new();
    for r in rows {
        let mut v = json!({
            "policy": r.policy.id(),
            "cache_bytes": r.cache_size.bytes(),
            "runtime": r.runtime,
            "abi": r.abi,
        });
        match &r.result {
            Ok((s, secs)) => {
                v["requests"] = json!(s.requests);
                v["hits"] = json!(s.hits);
                v["byte_hits"] = json!(s.byte_hits);
                v["object_hit_ratio"] = json!(s.object_hit_ratio());
                v["byte_hit_ratio"] = json!(s.byte_hit_ratio());
                v["seconds"] = json!(secs);
            }
            Err(e) => v["error"] = json!(e),
        }
        let _ = writeln!(out, "{v}");
    }
    out
}

fn sim_table(rows: &[Row]) -> String {
    let mut out = format!(
        "{:<6} {:>10} {:<18} {:<9} {:>10} {:>10} {:>8} {:>8} {:>10}\n",
        "policy", "cache", "runtime", "abi", "requests", "hits", "OHR", "BHR", "seconds"
    );
    for r in rows {
        let _ = write!(
            out,
            "{:<6} {:>10} {:<18} {:<9} ",
            r.policy.id(),
            r.cache_size,
            r.runtime,
            r.abi
        );
        let _ = match &r.result {
            Ok((s, secs)) => writeln!(
                out,
                "{:>10} {:>10} {:>8.4} {:>8.4} {:>10.4}",
                s.requests,
                s.hits,
                s.object_hit_ratio(),
                s.byte_hit_ratio(),
                secs
            ),
            Err(e) => writeln!(out, "{e}"),
        };
    }
    out
}
