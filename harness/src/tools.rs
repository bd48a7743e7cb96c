//! `harness sim` (run the simulator over a trace, natively or in a guest)
//! and `harness trace` (make traces).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cachesim::workloads::{
    GeneratorConfig, SizeChange, TraceFormat, generate, write_binary, write_text, write_webcachesim,
};
use cachesim::{Policy, Stats};
use clap::{Args, Subcommand};
use runtimes::RuntimeId;
use serde_json::json;

use crate::abis::AbiId;
use crate::cli::{Failure, parse_sizes};
use crate::factors::{self, HOST_PROFILE};
use crate::measure::Protocol;
use crate::scenario::{CellSpec, Inputs, Outcome, Scenario, Target, sim};
use crate::size;
use crate::workload::TraceSource;

/// `harness sim` arguments.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// The trace to replay.
    #[arg(long, value_name = "FILE")]
    pub trace: PathBuf,
    /// Its format: text, webcachesim or binary [default: detected].
    #[arg(long, value_name = "FORMAT")]
    pub trace_format: Option<String>,
    /// An object whose size changes is an `error`, or `allow`ed.
    #[arg(long, value_name = "POLICY", default_value = "error")]
    pub size_change: String,
    /// Policies: comma-separated (fifo, lru, lfu, gds), or `all`.
    #[arg(long, value_name = "NAMES|all", default_value = "all")]
    pub policy: String,
    /// Cache sizes (KiB, MiB, GiB, KB, MB, GB or bytes), comma-separated.
    #[arg(long, value_name = "SIZES", default_value = "4MiB")]
    pub cache_size: String,
    /// Where the policy runs: `native`, runtime ids, or `all`.
    #[arg(long, value_name = "NAMES|all", default_value = "native")]
    pub runtime: String,
    /// ABIs for the sandboxed runs, comma-separated, or `all`.
    #[arg(long, value_name = "NAMES|all", default_value = "all")]
    pub abi: String,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `harness trace` subcommands.
#[derive(Debug, Subcommand)]
pub enum TraceCommand {
    /// Write a synthetic ProWGen-like trace (docs/cachesim.md).
    Generate(GenerateArgs),
}

/// `harness trace generate` arguments.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Requests in the trace.
    #[arg(long, default_value_t = 1_000_000)]
    pub requests: u64,
    /// Distinct objects.
    #[arg(long, default_value_t = 30_000)]
    pub objects: u32,
    /// Seed: the same seed gives the same bytes on every machine.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Slope of the Zipf-like popularity.
    #[arg(long, default_value_t = 0.75)]
    pub zipf_slope: f64,
    /// Fraction of the objects requested exactly once.
    #[arg(long, default_value_t = 0.5)]
    pub one_timers: f64,
    /// Depth of the LRU stack that gives temporal locality (0: none).
    #[arg(long, default_value_t = 10_000)]
    pub stack_depth: u32,
    /// Mean of the lognormal body of the size distribution, bytes.
    #[arg(long, default_value_t = 7_000.0)]
    pub size_mean: f64,
    /// Standard deviation of the lognormal body, bytes.
    #[arg(long, default_value_t = 11_000.0)]
    pub size_sd: f64,
    /// Pareto tail index of the sizes.
    #[arg(long, default_value_t = 1.2)]
    pub tail_alpha: f64,
    /// Where the Pareto tail starts, bytes.
    #[arg(long, default_value_t = 10_000.0)]
    pub tail_start: f64,
    /// Fraction of objects whose size comes from the tail.
    #[arg(long, default_value_t = 0.2)]
    pub tail_fraction: f64,
    /// Output format: text, webcachesim or binary [default: binary for
    /// a `.bin` file, text otherwise].
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// The file to write (refused if it exists, unless --force).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// Runs `harness trace generate`.
pub fn generate_trace(a: &GenerateArgs) -> Result<ExitCode, Failure> {
    let usage = Failure::Usage;
    let config = GeneratorConfig {
        requests: a.requests,
        objects: a.objects,
        zipf_slope: a.zipf_slope,
        one_timer_fraction: a.one_timers,
        size_body_mean: a.size_mean,
        size_body_sd: a.size_sd,
        size_tail_alpha: a.tail_alpha,
        size_tail_start: a.tail_start,
        size_tail_fraction: a.tail_fraction,
        stack_depth: a.stack_depth,
        seed: a.seed,
    };
    config.validate().map_err(|e| usage(e.to_string()))?;
    let format = match &a.format {
        Some(f) => f
            .parse::<TraceFormat>()
            .map_err(|e| usage(format!("--format: {e}")))?,
        None if a.out.extension().is_some_and(|e| e == "bin") => TraceFormat::Binary,
        None => TraceFormat::Text,
    };
    if a.out.exists() && !a.force {
        return Err(usage(format!(
            "`{}` exists; pass --force to overwrite it",
            a.out.display()
        )));
    }
    let requests = generate(&config).map_err(|e| usage(e.to_string()))?;
    // Write beside the target, then rename: never a half-written trace.
    let tmp = a.out.with_extension("partial");
    let write = || -> std::io::Result<()> {
        let file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        match format {
            TraceFormat::Text => write_text(file, &requests),
            TraceFormat::Webcachesim => write_webcachesim(file, &requests),
            TraceFormat::Binary => write_binary(file, &requests),
        }?;
        std::fs::rename(&tmp, &a.out)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        usage(format!("cannot write `{}`: {e}", a.out.display()))
    })?;
    eprintln!(
        "wrote {} requests over {} objects ({format}) to {}",
        requests.len(),
        a.objects,
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// One row of `harness sim`.
struct Row {
    policy: Policy,
    cache_bytes: u64,
    runtime: String,
    abi: String,
    result: Result<(Stats, f64), String>,
}

/// Runs `harness sim`.
pub fn simulate(a: &SimArgs) -> Result<ExitCode, Failure> {
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
    let policies: Vec<Policy> = if a.policy == "all" {
        Policy::ALL.to_vec()
    } else {
        a.policy
            .split(',')
            .map(|p| p.trim().parse::<Policy>().map_err(|e| usage(e.to_string())))
            .collect::<Result<_, _>>()?
    };
    let sizes = parse_sizes(&a.cache_size, "--cache-size").map_err(usage)?;
    if sizes.is_empty() {
        return Err(usage("--cache-size: give at least one size".into()));
    }
    let (native, runtimes) = match a.runtime.as_str() {
        "all" => (true, RuntimeId::ALL.to_vec()),
        list => {
            let mut native = false;
            let mut rts = Vec::new();
            for r in list.split(',').map(str::trim) {
                if r == "native" {
                    native = true;
                } else {
                    rts.push(r.parse::<RuntimeId>().map_err(|e| usage(e.to_string()))?);
                }
            }
            (native, rts)
        }
    };
    let abis: Vec<AbiId> = if a.abi == "all" {
        AbiId::ALL.to_vec()
    } else {
        a.abi
            .split(',')
            .map(|x| x.trim().parse::<AbiId>().map_err(|e| usage(e.to_string())))
            .collect::<Result<_, _>>()?
    };
    let trace = TraceSource::File {
        path: a.trace.clone(),
        format,
        size_change,
    }
    .load()
    .map_err(usage)?;
    let inputs = Inputs {
        trace: trace.requests,
        sizes: sizes.clone(),
        sweep: vec![],
    };
    let protocol = Protocol {
        calls: inputs.trace.len() as u64,
        reps: 1,
        warmup: Duration::ZERO,
    };
    let host = factors::host_profile();
    let mut targets: Vec<Target> = Vec::new();
    if native {
        targets.push(Target::Native);
    }
    for &runtime in &runtimes {
        for &abi in abis.iter().filter(|x| x.info().scenarios.contains(&"sim")) {
            targets.push(Target::Wasm { runtime, abi });
        }
    }
    let mut rows = Vec::new();
    for &target in &targets {
        for &policy in &policies {
            for &bytes in &sizes {
                let mut f = vec![
                    (HOST_PROFILE, host),
                    ("policy", policy.id()),
                    (
                        sim::CACHE_SIZE,
                        &*Box::leak(size::format(bytes).into_boxed_str()),
                    ),
                ];
                if let Target::Wasm { abi, .. } = target {
                    f.push(("caching", "cached"));
                    f.extend(abi.info().sim_factors.iter().map(|x| (x.name, x.values[0])));
                }
                let spec = CellSpec {
                    scenario: Scenario::Sim,
                    target,
                    factors: f,
                };
                let result = match sim::run(&spec, &protocol, &inputs, &mut || {}) {
                    Outcome::Ok { samples, stats, .. } => Ok((
                        stats.expect("sim cells report stats"),
                        samples.replicate_s[0],
                    )),
                    Outcome::Error(e) => Err(format!("error: {e}")),
                    Outcome::Unsupported(e) => Err(format!("unsupported: {e}")),
                };
                rows.push(Row {
                    policy,
                    cache_bytes: bytes,
                    runtime: spec.runtime_id().to_string(),
                    abi: spec.abi_id().to_string(),
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
            "cache_bytes": r.cache_bytes,
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
            size::format(r.cache_bytes),
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
