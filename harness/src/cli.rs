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
use crate::scenario::Scenario;

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
    /// Minimum warm-up per cell, seconds [default: 0.2, or 0.01 with --quick].
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
    let (calls, reps, warmup) = if a.quick {
        (2_000, 5, 0.01)
    } else {
        (100_000, 100, 0.2)
    };
    let calls = a.calls.unwrap_or(calls);
    let reps = a.reps.unwrap_or(reps);
    let warmup = a.warmup.unwrap_or(warmup);
    if calls == 0 {
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

/// Every factor a cell of `scenario` over `abis` can have.
fn known_factors(scenario: Scenario, abis: &[AbiId]) -> Vec<Factor> {
    let mut all: Vec<Factor> = match scenario {
        Scenario::Micro => factors::MICRO.to_vec(),
    };
    for a in abis {
        for f in a.info().factors {
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
    let plan = Plan::new(opts);
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
                "calls": opts.protocol.calls,
                "reps": opts.protocol.reps,
                "warmup_s": opts.protocol.warmup.as_secs_f64(),
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
        let progress = Progress::new(plan.cells.len(), opts.protocol.reps, opts.quiet);
        records = execute(&plan, &opts.protocol, &mut sink, &progress)
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
        Format::Table => print!("{}", output::table(&refs, &columns)),
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
        };
        let _ = writeln!(s, "  {:<18} {about}", sc.id());
        let shared: &[Factor] = match sc {
            Scenario::Micro => factors::MICRO,
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
