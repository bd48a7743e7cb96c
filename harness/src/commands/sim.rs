//! `harness sim`: the simulator over a trace, natively or with the policy
//! in a guest, printing hits and hit ratios (one replay per cell; the
//! timed comparison is `harness matrix --scenario sim`).
//!
//! A thin alias of `harness matrix --scenario sim`: its flags become
//! matrix's (`--policy` an `--only policy=`), checked by the same
//! [`Options`], and its cells are the matrix plan's with one request per
//! call on cached handles, each ABI at its first choice of its own
//! factors; each replays the trace once and prints its counters instead
//! of writing a results folder.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use cachesim::{Policy, Stats};
use clap::Parser;
use factor::Workload;

use serde_json::json;

use super::Failure;
use crate::cli::{Cli, Command, MatrixArgs, SimArgs};
use crate::factors::{Caching, HostProfile};
use crate::measure::{Protocol, Stop};
use crate::options::Options;
use crate::scenario::sim::{Ablation, Batch, CacheSize, SimCell};
use crate::scenario::{Cell, Inputs, Outcome};

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

/// `harness sim`'s flags as `harness matrix --scenario sim` takes them,
/// and whether the native cells are wanted (`--runtime native`, `all`).
fn as_matrix(a: &SimArgs) -> Result<(MatrixArgs, bool), Failure> {
    let names: Vec<&str> = a.runtime.split(',').map(str::trim).collect();
    let native = a.runtime == "all" || names.contains(&"native");
    let runtimes: Vec<&str> = names.into_iter().filter(|r| *r != "native").collect();
    let mut argv: Vec<std::ffi::OsString> = ["harness", "matrix", "--scenario", "sim"]
        .map(Into::into)
        .to_vec();
    let mut flag = |name: &str, value: std::ffi::OsString| {
        argv.push(format!("--{name}").into());
        argv.push(value);
    };
    flag("trace", a.trace.clone().into_os_string());
    if let Some(f) = &a.trace_format {
        flag("trace-format", f.into());
    }
    flag("size-change", (&a.size_change).into());
    flag("cache-size", (&a.cache_size).into());
    flag("abi", (&a.abi).into());
    // Only natives: any runtime validates; none is planned.
    let runtime = if runtimes.is_empty() {
        "all".to_string()
    } else {
        runtimes.join(",")
    };
    flag("runtime", runtime.into());
    if a.policy != "all" {
        flag("only", format!("policy={}", a.policy).into());
    }
    for only in ["caching=cached", "batch=1", "ablation=none"] {
        flag("only", only.into());
    }
    flag("protocol", "fixed".into());
    match Cli::try_parse_from(argv) {
        Ok(Cli {
            command: Command::Matrix(m),
            ..
        }) => Ok((*m, native)),
        Ok(_) => unreachable!("the argv above names `matrix`"),
        Err(e) => Err(Failure::Usage(e.to_string().trim().to_string())),
    }
}

/// Whether `--runtime` names any runtime besides `native`.
fn runtimes_named(list: &str) -> bool {
    list.split(',').map(str::trim).any(|r| r != "native")
}

/// Runs `harness sim`.
pub fn run(a: &SimArgs) -> Result<ExitCode, Failure> {
    let (matrix, native) = as_matrix(a)?;
    let opts = Options::new(&matrix).map_err(Failure::from)?;
    let sandboxed = runtimes_named(&a.runtime);
    let trace = opts.sim.trace.load().map_err(Failure::Usage)?;
    let inputs = Inputs {
        trace: trace.requests,
        guests: Default::default(),
    };
    let protocol = Protocol {
        calls: inputs.trace.len() as u64,
        reps: 1,
        warmup: Duration::ZERO,
        budget: opts.protocol.budget,
        stop: Stop::Fixed,
    };
    // The plan's sim cells at the sizes asked (not the native sweep),
    // each sandboxed ABI at its first choice of its own factors.
    let cells = opts
        .plan(HostProfile::this())
        .cells
        .into_iter()
        .filter_map(|c| match c {
            Cell::Sim(c) => Some(c),
            _ => None,
        });
    let wanted = |c: &SimCell| {
        opts.sim.sizes.contains(&c.work.cache_size)
            && match &c.sandbox {
                None => native,
                Some(sb) => {
                    sandboxed && sb.abi == sb.abi.id().choices(Workload::Sim, Caching::Cached)[0]
                }
            }
    };
    let mut rows = Vec::new();
    for cell in cells.filter(wanted) {
        debug_assert!(cell.work.ablation == Ablation::None);
        debug_assert!(cell.sandbox.is_none_or(|sb| sb.link.batch == Batch::One));
        let result = match crate::scenario::sim::run(&cell, &protocol, &inputs, &mut || {}) {
            Outcome::Ok { samples, stats, .. } => RowResult::Ok(
                stats.expect("sim cells report stats"),
                samples.replicate_s[0],
            ),
            Outcome::Error(e) => RowResult::Error(e.to_string()),
            Outcome::Unsupported(e) => RowResult::Unsupported(e),
        };
        let (runtime, abi) = cell.sandbox.map_or(("native", "native"), |sb| {
            (sb.runtime.id(), sb.abi.id().id())
        });
        rows.push(Row {
            policy: cell.work.policy,
            cache_size: cell.work.cache_size,
            runtime,
            abi,
            result,
        });
    }
    super::emit(if a.json {
        sim_json(&rows)
    } else {
        sim_table(&rows)
    })?;
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
