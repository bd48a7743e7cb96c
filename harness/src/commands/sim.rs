//! `harness sim`: the simulator over a trace, natively or with the policy
//! in a guest, printing hits and hit ratios (one replay per cell; the
//! timed comparison is `harness matrix --scenario sim`).

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use cachesim::workloads::{SizeChange, TraceFormat};
use cachesim::{Policy, Stats};
use factor::Workload;
use runtimes::RuntimeId;
use serde_json::json;

use super::Failure;
use crate::abis::AbiId;
use crate::cli::SimArgs;
use crate::factors::{Caching, HostProfile, Limits};
use crate::measure::Protocol;
use crate::parse::{parse_list, parse_sizes};
use crate::scenario::sim::{self, Ablation, Batch, CacheSize, SimCell, SimLink, SimWork};
use crate::scenario::spec::{Sandbox, Spec};
use crate::scenario::{Inputs, Outcome};
use crate::workload::TraceSource;

/// One row of `harness sim`.
struct Row {
    policy: Policy,
    cache_size: CacheSize,
    runtime: &'static str,
    abi: &'static str,
    result: RowResult,
}

/// How a row ended.
enum RowResult {
    /// Its counters and the replay's seconds.
    Ok(Stats, f64),
    /// It failed: the run exits 1.
    Error(String),
    /// It cannot run in this build.
    Unsupported(String),
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
    let sizes = parse_sizes(&a.cache_size).map_err(|e| usage(format!("--cache-size: {e}")))?;
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
        stop: crate::measure::Stop::Fixed,
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
            .filter(|x| x.info().workloads.contains(&Workload::Sim))
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
                    abi: abi.choices(Workload::Sim, Caching::Cached)[0],
                    link: SimLink {
                        caching: Caching::Cached,
                        batch: Batch::One,
                        limits: Limits::On,
                    },
                });
                let cell: SimCell = Spec {
                    host,
                    work: SimWork {
                        policy,
                        cache_size,
                        ablation: Ablation::None,
                    },
                    sandbox,
                };
                let result = match sim::run(&cell, &protocol, &inputs, &mut || {}) {
                    Outcome::Ok { samples, stats, .. } => RowResult::Ok(
                        stats.expect("sim cells report stats"),
                        samples.replicate_s[0],
                    ),
                    Outcome::Error(e) => RowResult::Error(e.to_string()),
                    Outcome::Unsupported(e) => RowResult::Unsupported(e),
                };
                let (runtime, abi) = cell
                    .target()
                    .map_or(("native", "native"), |(r, a)| (r.id(), a.id()));
                rows.push(Row {
                    policy,
                    cache_size,
                    runtime,
                    abi,
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
        .any(|r| matches!(&r.result, RowResult::Error(_)));
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
            RowResult::Ok(s, secs) => {
                v["requests"] = json!(s.requests);
                v["hits"] = json!(s.hits);
                v["byte_hits"] = json!(s.byte_hits);
                v["object_hit_ratio"] = json!(s.object_hit_ratio());
                v["byte_hit_ratio"] = json!(s.byte_hit_ratio());
                v["seconds"] = json!(secs);
            }
            RowResult::Error(e) => v["error"] = json!(format!("error: {e}")),
            RowResult::Unsupported(e) => v["error"] = json!(format!("unsupported: {e}")),
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
            RowResult::Ok(s, secs) => writeln!(
                out,
                "{:>10} {:>10} {:>8.4} {:>8.4} {:>10.4}",
                s.requests,
                s.hits,
                s.object_hit_ratio(),
                s.byte_hit_ratio(),
                secs
            ),
            RowResult::Error(e) => writeln!(out, "error: {e}"),
            RowResult::Unsupported(e) => writeln!(out, "unsupported: {e}"),
        };
    }
    out
}
