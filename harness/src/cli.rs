//! The command line: clap definitions, validation into [`Options`], and the
//! subcommands. Bad input gets one line on stderr and exit code 2, before
//! anything is written.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use abi_api::Factor;
use clap::{Args, Parser, Subcommand};
use runtimes::{RuntimeId, UnknownId};
use serde_json::json;

use crate::abis::AbiId;
use crate::children;
use crate::factors;
use crate::fingerprint::{Fingerprint, rfc3339, stamp};
use crate::measure::Protocol;
use crate::output::{self, Sink, Status};
use crate::plan::{DEFAULT_SEED, Format, Only, Options, Order, Plan};
use crate::run::{Progress, execute};
use crate::scenario::{Inputs, Scenario};

/// Measures what it costs to call into a WebAssembly sandbox, across
/// runtimes and ABIs.
#[derive(Debug, Parser)]
#[command(name = "harness", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the runtimes compiled in, the ABIs, scenarios and factors.
    List,
    /// Run a matrix of cells (runtime × ABI × factors, plus native) and
    /// write results.jsonl, results.csv and run.json.
    Matrix(Box<MatrixArgs>),
    /// Run the cache simulator over a trace, natively or with the policy
    /// in a guest, and print hits and hit ratios.
    Sim(Box<crate::tools::SimArgs>),
    /// Make traces for the simulator.
    #[command(subcommand)]
    Trace(crate::tools::TraceCommand),
}

/// `harness matrix` arguments, before validation.
#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Runtimes: comma-separated ids, or `all`.
    #[arg(long, value_name = "NAMES|all", default_value = "wasmer-cranelift")]
    pub runtime: String,
    /// ABIs: comma-separated ids, or `all`.
    #[arg(long, value_name = "NAMES|all", default_value = "all")]
    pub abi: String,
    /// The scenario.
    #[arg(long, value_name = "NAME", default_value = "micro")]
    pub scenario: String,
    /// Calls per replicate [default: 100000, or 2000 with --quick].
    #[arg(long, value_name = "N")]
    pub calls: Option<u64>,
    /// Timed replicates per cell [default: 100, or 5 with --quick].
    #[arg(long, value_name = "R")]
    pub reps: Option<u32>,
    /// Minimum warm-up per cell, seconds; 0 for none [default: 0.2, or 0.01
    /// with --quick; sim: one replay].
    #[arg(long, value_name = "SECONDS")]
    pub warmup: Option<f64>,
    /// A smoke run of a few seconds: few calls and replicates.
    #[arg(long)]
    pub quick: bool,
    /// Keep only these values of a factor (repeatable), e.g. `--only caching=cached`.
    #[arg(long, value_name = "FACTOR=V1,V2")]
    pub only: Vec<String>,
    /// Output folder [default: results/<UTC time>-<scenario>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// What to print on stdout: table, json or csv.
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    pub format: String,
    /// Cell order: shuffled (seeded) or fixed.
    #[arg(long, value_name = "ORDER", default_value = "shuffled")]
    pub order: String,
    /// Shuffle seed, recorded in run.json.
    #[arg(long, value_name = "SEED", default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// No progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Host builds to run the matrix in: `release`, `debug` (all at
    /// opt-level 0), `dev`; others than this binary's run as child
    /// processes and their cells are merged in [default: this binary's].
    #[arg(long, value_name = "PROFILES")]
    pub host_profile: Option<String>,
    /// Sim: the trace to replay [default: generated, see --requests].
    #[arg(long, value_name = "FILE", help_heading = "Simulator")]
    pub trace: Option<PathBuf>,
    /// Sim: the trace file's format: text, webcachesim or binary [default: detected].
    #[arg(long, value_name = "FORMAT", help_heading = "Simulator")]
    pub trace_format: Option<String>,
    /// Sim: an object whose size changes is an `error`, or `allow`ed.
    #[arg(
        long,
        value_name = "POLICY",
        default_value = "error",
        help_heading = "Simulator"
    )]
    pub size_change: String,
    /// Sim: requests of the generated trace [default: 1000000, or 20000 with --quick].
    #[arg(long, value_name = "N", help_heading = "Simulator")]
    pub requests: Option<u64>,
    /// Sim: distinct objects of the generated trace [default: 30000, or 2000 with --quick].
    #[arg(long, value_name = "N", help_heading = "Simulator")]
    pub objects: Option<u32>,
    /// Sim: seed of the generated trace.
    #[arg(
        long,
        value_name = "SEED",
        default_value_t = 1,
        help_heading = "Simulator"
    )]
    pub trace_seed: u64,
    /// Sim: cache sizes of every cell (KiB, MiB, GiB, KB, MB, GB or bytes).
    #[arg(
        long,
        value_name = "SIZES",
        default_value = "4MiB",
        help_heading = "Simulator"
    )]
    pub cache_size: String,
    /// Sim: more sizes for the native hit-ratio sweep, or `none`
    /// [default: 1MiB,2MiB,...,1GiB, or none with --quick].
    #[arg(long, value_name = "SIZES|none", help_heading = "Simulator")]
    pub sweep: Option<String>,
}

/// Parses a comma-separated list of sizes (`none` for an empty list).
pub fn parse_sizes(s: &str, flag: &str) -> Result<Vec<u64>, String> {
    if s.trim() == "none" {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for part in s.split(',') {
        let b = crate::size::parse(part).map_err(|e| format!("{flag}: {e}"))?;
        if b == 0 {
            return Err(format!("{flag}: a cache of 0 bytes holds nothing"));
        }
        if !out.contains(&b) {
            out.push(b);
        }
    }
    Ok(out)
}

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: exit code 2, nothing written.
    Usage(String),
    /// Something broke while running: exit code 1.
    Run(anyhow::Error),
}

impl From<UnknownId> for Failure {
    fn from(e: UnknownId) -> Self {
        Failure::Usage(e.to_string())
    }
}

/// Parses the command line and runs it; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind::{DisplayHelp, DisplayVersion};
            if matches!(e.kind(), DisplayHelp | DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // clap's message, first line only: one line per error.
            let text = e.render().to_string();
            eprintln!("{}", text.lines().next().unwrap_or("error: bad arguments"));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::List => {
            print!("{}", list());
            Ok(ExitCode::SUCCESS)
        }
        Command::Matrix(args) => options(&args).and_then(|o| matrix(&o)),
        Command::Sim(args) => crate::tools::simulate(&args),
        Command::Trace(crate::tools::TraceCommand::Generate(args)) => {
            crate::tools::generate_trace(&args)
        }
    };
    match result {
        Ok(code) => code,
        Err(Failure::Usage(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// `all`, or a comma-separated list of ids, deduplicated, in order given.
fn parse_list<T: FromStr<Err = UnknownId> + Copy + PartialEq>(
    s: &str,
    all: &[T],
) -> Result<Vec<T>, Failure> {
    if s == "all" {
        return Ok(all.to_vec());
    }
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim) {
        let v = part.parse::<T>()?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// Validates arguments into options.
pub fn options(a: &MatrixArgs) -> Result<Options, Failure> {
    let usage = |m: String| Failure::Usage(m);
    let scenario: Scenario = a.scenario.parse()?;
    let runtimes = parse_list(&a.runtime, RuntimeId::ALL)?;
    let abis = parse_list(&a.abi, AbiId::ALL)?;
    let sim = scenario == Scenario::Sim;
    if sim && a.calls.is_some() {
        return Err(usage(
            "--calls does not apply to --scenario sim: a replicate replays the whole trace".into(),
        ));
    }
    let (calls, reps, warmup) = match (a.quick, sim) {
        (true, false) => (2_000, 5, 0.01),
        (false, false) => (100_000, 100, 0.2),
        // One warm-up replay of the trace.
        (true, true) => (0, 3, 1e-9),
        (false, true) => (0, 10, 1e-9),
    };
    let calls = a.calls.unwrap_or(calls);
    let reps = a.reps.unwrap_or(reps);
    let warmup = a.warmup.unwrap_or(warmup);
    if calls == 0 && !sim {
        return Err(usage("--calls must be at least 1".into()));
    }
    if reps < 2 {
        return Err(usage(
            "--reps must be at least 2 (a confidence interval needs two replicates)".into(),
        ));
    }
    if !(warmup.is_finite() && (0.0..=3600.0).contains(&warmup)) {
        return Err(usage(format!(
            "--warmup must be between 0 and 3600 seconds, got {warmup}"
        )));
    }
    let known = known_factors(scenario, &abis);
    let mut only = Vec::new();
    for o in &a.only {
        let Some((name, values)) = o.split_once('=') else {
            return Err(usage(format!("--only `{o}` is not FACTOR=V1,V2")));
        };
        let Some(f) = known.iter().find(|f| f.name == name) else {
            let names: Vec<&str> = known.iter().map(|f| f.name).collect();
            return Err(usage(format!(
                "--only: unknown factor `{name}` (expected one of: {})",
                names.join(", ")
            )));
        };
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
        if let Some(bad) = values.iter().find(|v| !f.values.contains(&v.as_str())) {
            return Err(usage(format!(
                "--only: `{bad}` is not a value of `{name}` (expected one of: {})",
                f.values.join(", ")
            )));
        }
        only.push(Only {
            factor: name.to_string(),
            values,
        });
    }
    let out = a.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!("{}-{scenario}", stamp(SystemTime::now())))
    });
    Ok(Options {
        scenario,
        runtimes,
        abis,
        protocol: Protocol {
            calls,
            reps,
            warmup: Duration::from_secs_f64(warmup),
        },
        order: a.order.parse::<Order>()?,
        seed: a.seed,
        only,
        out,
        format: a.format.parse::<Format>()?,
        quiet: a.quiet,
        sim: sim_options(a).map_err(usage)?,
        host_profiles: match &a.host_profile {
            None => vec![factors::host_profile().to_string()],
            Some(list) => {
                let mut v: Vec<String> = Vec::new();
                for p in list.split(',').map(str::trim) {
                    if !crate::children::PROFILES.contains(&p) {
                        return Err(usage(format!(
                            "unknown host profile `{p}` (expected one of: {})",
                            crate::children::PROFILES.join(", ")
                        )));
                    }
                    if !v.iter().any(|x| x == p) {
                        v.push(p.to_string());
                    }
                }
                v
            }
        },
    })
}

/// The simulator's trace and sizes.
fn sim_options(a: &MatrixArgs) -> Result<crate::plan::SimOptions, String> {
    use cachesim::workloads::{SizeChange, TraceFormat};
    let size_change: SizeChange = a
        .size_change
        .parse()
        .map_err(|e| format!("--size-change: {e}"))?;
    let trace = match &a.trace {
        Some(path) => {
            if a.requests.is_some() || a.objects.is_some() {
                return Err(
                    "--requests and --objects shape the generated trace, not --trace".into(),
                );
            }
            let format = match &a.trace_format {
                Some(f) => Some(
                    f.parse::<TraceFormat>()
                        .map_err(|e| format!("--trace-format: {e}"))?,
                ),
                None => None,
            };
            crate::workload::TraceSource::File {
                path: path.clone(),
                format,
                size_change,
            }
        }
        None => {
            let mut source = crate::workload::TraceSource::default_generated(a.quick);
            if let crate::workload::TraceSource::Generated(c) = &mut source {
                c.requests = a.requests.unwrap_or(c.requests);
                c.objects = a.objects.unwrap_or(c.objects);
                c.seed = a.trace_seed;
                c.validate().map_err(|e| format!("generated trace: {e}"))?;
            }
            source
        }
    };
    let default_sweep = if a.quick {
        "none".to_string()
    } else {
        (0..=10)
            .map(|i| crate::size::format(1 << (20 + i)))
            .collect::<Vec<_>>()
            .join(",")
    };
    Ok(crate::plan::SimOptions {
        trace,
        sizes: parse_sizes(&a.cache_size, "--cache-size")?,
        sweep: parse_sizes(a.sweep.as_deref().unwrap_or(&default_sweep), "--sweep")?,
    })
}

/// Every factor a cell of `scenario` over `abis` can have.
fn known_factors(scenario: Scenario, abis: &[AbiId]) -> Vec<Factor> {
    let mut all: Vec<Factor> = match scenario {
        Scenario::Micro => factors::MICRO.to_vec(),
        Scenario::Sim => crate::scenario::sim::SIM.to_vec(),
    };
    for a in abis {
        let own = match scenario {
            Scenario::Micro => a.info().factors,
            Scenario::Sim => a.info().sim_factors,
        };
        for f in own {
            if !all.iter().any(|k| k.name == f.name) {
                all.push(*f);
            }
        }
    }
    all
}

/// Runs a validated matrix.
pub fn matrix(opts: &Options) -> Result<ExitCode, Failure> {
    let own = factors::host_profile();
    let run_local = opts.host_profiles.iter().any(|p| p == own);
    // The trace is read (or generated) before anything is written: a bad
    // trace file is bad input.
    let (inputs, trace_source, protocol) = match opts.scenario {
        Scenario::Micro => (Inputs::default(), serde_json::Value::Null, opts.protocol),
        Scenario::Sim => {
            let trace = opts.sim.trace.load().map_err(Failure::Usage)?;
            let protocol = Protocol {
                calls: trace.requests.len() as u64,
                ..opts.protocol
            };
            let inputs = Inputs {
                trace: trace.requests,
                sizes: opts.sim.sizes.clone(),
                sweep: opts.sim.sweep.clone(),
            };
            (inputs, trace.source, protocol)
        }
    };
    let plan = Plan::new(opts, &inputs);
    if plan.cells.is_empty() {
        return Err(Failure::Usage("no cell matches the options".into()));
    }
    // Other host profiles: find or build their harness before writing anything.
    let children = opts
        .host_profiles
        .iter()
        .filter(|p| *p != own)
        .map(|p| children::prepare(p, opts.quiet))
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(Failure::Run)?;
    let columns = plan.factor_columns();
    let mut sink = Sink::create(&opts.out, &columns).map_err(|e| Failure::Usage(e.to_string()))?;
    let started = SystemTime::now();
    let fingerprint = Fingerprint::take();
    let run_json = |finished: Option<SystemTime>, counts: serde_json::Value| {
        let mut v = json!({
            "tool": concat!("abilab harness ", env!("CARGO_PKG_VERSION")),
            "command": std::env::args().collect::<Vec<_>>(),
            "started": rfc3339(started),
            "finished": finished.map(rfc3339),
            "options": {
                "scenario": opts.scenario.id(),
                "runtimes": opts.runtimes.iter().map(|r| r.id()).collect::<Vec<_>>(),
                "abis": opts.abis.iter().map(|a| a.id()).collect::<Vec<_>>(),
                "calls": protocol.calls,
                "reps": protocol.reps,
                "warmup_s": protocol.warmup.as_secs_f64(),
                "trace": trace_source,
                "cache_sizes": opts.sim.sizes.iter().map(|b| crate::size::format(*b)).collect::<Vec<_>>(),
                "sweep": opts.sim.sweep.iter().map(|b| crate::size::format(*b)).collect::<Vec<_>>(),
                "order": opts.order.id(),
                "seed": opts.seed,
                "only": opts.only,
            },
            "host_profiles": opts.host_profiles,
            "children": children
                .iter()
                .map(|c| json!({"host_profile": c.profile, "binary": c.binary}))
                .collect::<Vec<_>>(),
            "cells": plan.cells.len() * opts.host_profiles.len(),
            "status_counts": counts,
        });
        let fp = serde_json::to_value(&fingerprint).expect("fingerprint serialises");
        if let (Some(obj), Some(fp)) = (v.as_object_mut(), fp.as_object()) {
            obj.extend(fp.clone());
        }
        serde_json::to_vec_pretty(&v).expect("run.json serialises")
    };
    let write_run = |sink: &Sink, json: Vec<u8>| {
        sink.write_file("run.json", &json)
            .map_err(|e| Failure::Run(anyhow::anyhow!("writing run.json: {e}")))
    };
    write_run(&sink, run_json(None, serde_json::Value::Null))?;

    let mut records = Vec::new();
    if run_local {
        let progress = Progress::new(plan.cells.len(), protocol.reps, opts.quiet);
        records = execute(&plan, &protocol, &inputs, &mut sink, &progress)
            .map_err(|e| Failure::Run(anyhow::anyhow!("writing results: {e}")))?;
        progress.done();
    }
    for child in &children {
        let dir = sink.dir().join(format!("host-{}", child.profile));
        let rows = child.run(opts, &dir).map_err(Failure::Run)?;
        let offset = records.len();
        for mut r in rows {
            r.run_index += offset;
            sink.write(&r)
                .map_err(|e| Failure::Run(anyhow::anyhow!("writing results: {e}")))?;
            records.push(r);
        }
    }
    let count = |s: Status| records.iter().filter(|r| r.status == s).count();
    let (ok, errors, unsupported) = (
        count(Status::Ok),
        count(Status::Error),
        count(Status::Unsupported),
    );
    write_run(
        &sink,
        run_json(
            Some(SystemTime::now()),
            json!({"ok": ok, "error": errors, "unsupported": unsupported}),
        ),
    )?;

    // Show cells in plan order, host profile by host profile.
    let mut refs: Vec<&output::Record> = records.iter().collect();
    refs.sort_by_key(|r| {
        let host = r.factors.get(factors::HOST_PROFILE);
        let h = opts.host_profiles.iter().position(|p| Some(p) == host);
        (h, plan.position(r))
    });
    match opts.format {
        Format::Table => {
            print!("{}", output::table(&refs, &columns));
            print!("{}", output::hit_ratios(&refs));
        }
        Format::Json => {
            for r in &refs {
                println!("{}", serde_json::to_string(r).expect("record serialises"));
            }
        }
        Format::Csv => {
            let text = std::fs::read_to_string(sink.dir().join("results.csv"))
                .map_err(|e| Failure::Run(e.into()))?;
            print!("{text}");
        }
    }
    if !opts.quiet {
        eprintln!(
            "{ok} ok, {errors} error, {unsupported} unsupported; results in {}",
            sink.dir().display()
        );
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The text of `harness list`.
pub fn list() -> String {
    let mut s = String::from("runtimes:\n");
    for r in RuntimeId::ALL {
        let state = if r.compiled_in() {
            "compiled in".to_string()
        } else {
            format!("not compiled in (build with --features {r})")
        };
        let _ = writeln!(s, "  {:<18} {:<28} {state}", r.id(), r.describe());
    }
    s.push_str("abis:\n");
    for a in AbiId::ALL {
        let info = a.info();
        let _ = writeln!(
            s,
            "  {:<18} {} [scenarios: {}]",
            a.id(),
            info.about,
            info.scenarios.join(", ")
        );
        for f in info.factors {
            let _ = writeln!(
                s,
                "    {:<16} {:<20} {}",
                f.name,
                f.values.join("|"),
                f.about
            );
        }
    }
    s.push_str("scenarios:\n");
    for sc in Scenario::ALL {
        let about = match sc {
            Scenario::Micro => "the paper's multiply call, N calls per replicate",
            Scenario::Sim => "the web-proxy cache simulator, one call per request of a trace",
        };
        let _ = writeln!(s, "  {:<18} {about}", sc.id());
        let shared: &[Factor] = match sc {
            Scenario::Micro => factors::MICRO,
            Scenario::Sim => crate::scenario::sim::SIM,
        };
        for f in shared {
            let _ = writeln!(
                s,
                "    {:<16} {:<20} {}",
                f.name,
                f.values.join("|"),
                f.about
            );
        }
    }
    s
}
