//! `harness matrix`: validates the arguments into [`Options`], plans the
//! cells, runs them (here and in child processes for other host profiles),
//! and writes the results.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use abi_api::Scenario;
use factor::FactorInfo;
use runtimes::RuntimeId;

use super::{Failure, list, parse_list, parse_sizes};
use crate::abis::AbiId;
use crate::children;
use crate::cli::MatrixArgs;
use crate::factors::{Ablation, HostProfile};
use crate::fingerprint::{self, rfc3339, stamp};
use crate::guests::GuestFile;
use crate::measure::Protocol;
use crate::output::{
    self, ChildInfo, GuestInfo, OnlyInfo, Record, RunInfo, RunOptions, Sink, Status, StatusCounts,
};
use crate::plan::{Format, Only, Options, Order, Plan, SimOptions};
use crate::run::{Progress, execute};
use crate::scenario::Inputs;
use crate::workload::TraceSource;

/// The most calls per replicate: at 1 ns a call, a second.
pub const MAX_CALLS: u64 = 1_000_000_000;
/// The most replicates per cell.
pub const MAX_REPS: u32 = 100_000;

/// The cell's limits from `--cell-timeout` and `--memory-limit` (the
/// hostile scenario's defaults are tighter).
fn budget(a: &MatrixArgs, scenario: Scenario) -> Result<runtimes::Budget, Failure> {
    let usage = Failure::Usage;
    let default = match scenario {
        Scenario::Hostile => crate::scenario::hostile::budget(),
        Scenario::Micro
        | Scenario::Sim
        | Scenario::Payload
        | Scenario::Phases
        | Scenario::Threads
        | Scenario::HostCall => runtimes::Budget::DEFAULT,
    };
    let deadline = match a.cell_timeout {
        None => default.deadline,
        Some(s) if s.is_finite() && (0.1..=86_400.0).contains(&s) => Duration::from_secs_f64(s),
        Some(s) => {
            return Err(usage(format!(
                "--cell-timeout must be between 0.1 and 86400 seconds, got {s}"
            )));
        }
    };
    let memory_bytes = match &a.memory_limit {
        None => default.memory_bytes,
        Some(s) => match analysis::units::parse_size_checked(s) {
            Ok(b) if (64 << 10..=4 << 30).contains(&b) => b,
            Ok(b) => {
                return Err(usage(format!(
                    "--memory-limit must be between 64KiB and 4GiB, got {b} bytes"
                )));
            }
            Err(e) => return Err(usage(format!("--memory-limit: {e}"))),
        },
    };
    Ok(runtimes::Budget {
        deadline,
        memory_bytes,
    })
}

/// `--runs`, checked against the flags it cannot go with.
fn runs(a: &MatrixArgs) -> Result<u32, Failure> {
    let usage = |m: &str| Err(Failure::Usage(m.into()));
    match a.runs {
        0 => usage("--runs must be at least 1"),
        1 => Ok(1),
        n if n > 1000 => usage("--runs must be at most 1000"),
        _ if a.resume.is_some() => usage("--runs cannot --resume (rerun into a new --out)"),
        _ if a.shard.is_some() => usage("--runs cannot be combined with --shard"),
        _ if a.only_cell.is_some() => usage("--runs cannot be combined with --only-cell"),
        _ if a.host_profile.is_some() => {
            usage("--runs cannot be combined with --host-profile (run each build's harness)")
        }
        n => Ok(n),
    }
}

/// Validates arguments into options.
pub fn options(a: &MatrixArgs) -> Result<Options, Failure> {
    let usage = Failure::Usage;
    let scenario: Scenario = a.scenario.parse()?;
    let runtimes = parse_list(&a.runtime, RuntimeId::ALL)?;
    // `all`: the ABIs built in (an ABI behind a feature, named, gives
    // `unsupported` cells that say how to build it).
    let abis = parse_list(&a.abi, &AbiId::built())?;
    let sim = scenario == Scenario::Sim;
    if sim && a.calls.is_some() {
        return Err(usage(
            "--calls does not apply to --scenario sim: a replicate replays the whole trace".into(),
        ));
    }
    if !sim {
        refuse_sim_flags(a)?;
    }
    let (calls, reps, warmup) = match (a.quick, scenario) {
        (true, Scenario::Micro) => (2_000, 5, 0.01),
        (false, Scenario::Micro) => (100_000, 100, 0.2),
        // One warm-up replay of the trace.
        (true, Scenario::Sim) => (0, 3, 1e-9),
        (false, Scenario::Sim) => (0, 10, 1e-9),
        // Calls shrink with the payload (scenario::payload::calls).
        (true, Scenario::Payload) => (200, 3, 0.0),
        (false, Scenario::Payload) => (100_000, 20, 0.05),
        // Nothing is timed.
        (_, Scenario::Hostile) => (1, 2, 0.0),
        // One fresh module or instance per replicate; one warm-up.
        (true, Scenario::Phases) => (1, 5, 1e-9),
        (false, Scenario::Phases) => (1, 100, 1e-9),
        // Calls (or requests) per thread.
        (true, Scenario::Threads) => (2_000, 3, 0.0),
        (false, Scenario::Threads) => (100_000, 20, 0.1),
        (true, Scenario::HostCall) => (2_000, 5, 0.01),
        (false, Scenario::HostCall) => (100_000, 100, 0.2),
    };
    if scenario == Scenario::Phases && a.calls.is_some() {
        return Err(usage(
            "--calls does not apply to --scenario phases: a replicate is one fresh module or \
             instance"
                .into(),
        ));
    }
    if scenario == Scenario::Hostile {
        let given = [
            ("--calls", a.calls.is_some()),
            ("--reps", a.reps.is_some()),
            ("--warmup", a.warmup.is_some()),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, set)| *set) {
            return Err(usage(format!(
                "{flag} does not apply to --scenario hostile: nothing is timed"
            )));
        }
    }
    let calls = a.calls.unwrap_or(calls);
    let reps = a.reps.unwrap_or(reps);
    let warmup = a.warmup.unwrap_or(warmup);
    if calls == 0 && !sim {
        return Err(usage("--calls must be at least 1".into()));
    }
    if calls > MAX_CALLS {
        return Err(usage(format!(
            "--calls {calls} is more than {MAX_CALLS} calls per replicate"
        )));
    }
    if reps < 2 {
        return Err(usage(
            "--reps must be at least 2 (a confidence interval needs two replicates)".into(),
        ));
    }
    if reps > MAX_REPS {
        return Err(usage(format!(
            "--reps {reps} is more than {MAX_REPS} replicates"
        )));
    }
    if !(warmup.is_finite() && (0.0..=3600.0).contains(&warmup)) {
        return Err(usage(format!(
            "--warmup must be between 0 and 3600 seconds, got {warmup}"
        )));
    }
    let only = parse_only(&a.only, &known_factors(scenario, &abis))?;
    let out = match (&a.resume, &a.out) {
        (Some(dir), _) => dir.clone(),
        (None, Some(out)) => out.clone(),
        (None, None) => {
            PathBuf::from("results").join(format!("{}-{scenario}", stamp(SystemTime::now())))
        }
    };
    let host_profiles = match &a.host_profile {
        None => vec![HostProfile::this()],
        Some(list) => parse_list(list, HostProfile::ALL)?,
    };
    let guests = guest_files(a, scenario, &abis)?;
    Ok(Options {
        scenario,
        runtimes,
        abis,
        protocol: Protocol {
            calls,
            reps,
            warmup: Duration::from_secs_f64(warmup),
            budget: budget(a, scenario)?,
        },
        order: a.order.parse::<Order>()?,
        seed: a.seed,
        runs: runs(a)?,
        only,
        out,
        format: a.format.parse::<Format>()?,
        quiet: a.quiet,
        sim: sim_options(a).map_err(usage)?,
        host_profiles,
        report: !a.no_report,
        isolate: a.isolate,
        resume: a.resume.clone(),
        only_cell: a.only_cell.clone(),
        fault: match &a.inject_fault {
            None => None,
            Some(f) => Some(crate::run::Fault::parse(f).map_err(usage)?),
        },
        shard: match &a.shard {
            None => None,
            Some(s) => {
                Some(crate::shard::Shard::parse(s, |k| std::env::var(k).ok()).map_err(usage)?)
            }
        },
        guests,
    })
}

/// Reads the `--guest` modules: one per ABI, an ABI of the run, a
/// scenario that runs ABI guests.
fn guest_files(
    a: &MatrixArgs,
    scenario: Scenario,
    abis: &[AbiId],
) -> Result<Vec<GuestFile>, Failure> {
    let usage = Failure::Usage;
    if !a.guest.is_empty() && crate::guests::host_scenarios(scenario).is_empty() {
        return Err(usage(format!(
            "--guest does not apply to --scenario {scenario}: it brings its own guests"
        )));
    }
    let mut files: Vec<GuestFile> = Vec::new();
    for spec in &a.guest {
        let f = GuestFile::read(spec).map_err(usage)?;
        if files.iter().any(|g| g.abi == f.abi) {
            return Err(usage(format!("--guest {}: one module per ABI", f.spec())));
        }
        if !abis.contains(&f.abi) {
            return Err(usage(format!(
                "--guest {}: {} is not among the ABIs this run covers (--abi)",
                f.spec(),
                f.abi
            )));
        }
        files.push(f);
    }
    Ok(files)
}

/// The simulator's flags mean nothing to another scenario: refused rather
/// than ignored.
fn refuse_sim_flags(a: &MatrixArgs) -> Result<(), Failure> {
    let given = [
        ("--trace", a.trace.is_some()),
        ("--trace-format", a.trace_format.is_some()),
        ("--size-change", a.size_change.is_some()),
        ("--requests", a.requests.is_some()),
        ("--objects", a.objects.is_some()),
        ("--trace-seed", a.trace_seed.is_some()),
        ("--cache-size", a.cache_size.is_some()),
        ("--sweep", a.sweep.is_some()),
        ("--ablation", a.ablation.is_some()),
    ];
    match given.iter().find(|(_, set)| *set) {
        Some((flag, _)) => Err(Failure::Usage(format!(
            "{flag} applies to --scenario sim only, not {}",
            a.scenario
        ))),
        None => Ok(()),
    }
}

/// Parses `--only FACTOR=V1,V2` (repeatable, each factor once) against the
/// factors the run's cells have.
fn parse_only(given: &[String], known: &[FactorInfo]) -> Result<Vec<Only>, Failure> {
    let usage = Failure::Usage;
    let mut only: Vec<Only> = Vec::new();
    for o in given {
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
        if only.iter().any(|o| o.factor == f.name) {
            return Err(usage(format!(
                "--only {name} is given twice; list its values once: --only {name}=V1,V2"
            )));
        }
        let mut keys = Vec::new();
        let mut kept = Vec::new();
        for v in values.split(',').map(str::trim) {
            let key = (f.parse_key)(v).map_err(|e| usage(format!("--only: {e}")))?;
            if !keys.contains(&key) {
                keys.push(key);
                kept.push(v.to_string());
            }
        }
        only.push(Only {
            factor: f.name,
            values: kept,
            keys,
        });
    }
    Ok(only)
}

/// The simulator's trace and sizes.
fn sim_options(a: &MatrixArgs) -> Result<SimOptions, String> {
    use cachesim::workloads::{SizeChange, TraceFormat};
    let size_change: SizeChange = a
        .size_change
        .as_deref()
        .unwrap_or("error")
        .parse()
        .map_err(|e| format!("--size-change: {e}"))?;
    let trace = match &a.trace {
        Some(path) => {
            if a.requests.is_some() || a.objects.is_some() || a.trace_seed.is_some() {
                return Err(
                    "--requests, --objects and --trace-seed shape the generated trace, not --trace"
                        .into(),
                );
            }
            let format = match &a.trace_format {
                Some(f) => Some(
                    f.parse::<TraceFormat>()
                        .map_err(|e| format!("--trace-format: {e}"))?,
                ),
                None => None,
            };
            TraceSource::File {
                path: path.clone(),
                format,
                size_change,
            }
        }
        None => {
            if a.trace_format.is_some() || a.size_change.is_some() {
                return Err("--trace-format and --size-change describe a --trace file".into());
            }
            let mut source = TraceSource::default_generated(a.quick);
            if let TraceSource::Generated(c) = &mut source {
                c.requests = a.requests.unwrap_or(c.requests);
                c.objects = a.objects.unwrap_or(c.objects);
                c.seed = a.trace_seed.unwrap_or(c.seed);
                c.validate().map_err(|e| format!("generated trace: {e}"))?;
            }
            source
        }
    };
    let default_sweep = if a.quick {
        "none".to_string()
    } else {
        (0..=10)
            .map(|i| analysis::units::format_size(1 << (20 + i)))
            .collect::<Vec<_>>()
            .join(",")
    };
    let sizes = parse_sizes(a.cache_size.as_deref().unwrap_or("4MiB"), "--cache-size")?;
    if sizes.is_empty() {
        return Err("--cache-size: give at least one size".into());
    }
    Ok(SimOptions {
        trace,
        sizes,
        sweep: parse_sizes(a.sweep.as_deref().unwrap_or(&default_sweep), "--sweep")?,
        ablations: parse_ablations(a.ablation.as_deref())?,
    })
}

/// `--ablation`: `none` always, then the ablations named (or every one
/// for `all`), each once.
fn parse_ablations(given: Option<&str>) -> Result<Vec<Ablation>, String> {
    let mut out = vec![Ablation::None];
    let Some(given) = given else {
        return Ok(out);
    };
    if given == "all" {
        return Ok(Ablation::ALL.to_vec());
    }
    for name in given.split(',') {
        let a: Ablation = name
            .trim()
            .parse()
            .map_err(|e| format!("--ablation: {e}"))?;
        if out.contains(&a) && a != Ablation::None {
            return Err(format!("--ablation: {a} given twice"));
        }
        if !out.contains(&a) {
            out.push(a);
        }
    }
    Ok(out)
}

/// Every factor a cell of `scenario` over `abis` can have (the first of
/// two ABI factors with one name wins; names are unique in practice).
fn known_factors(scenario: Scenario, abis: &[AbiId]) -> Vec<FactorInfo> {
    let mut all = list::shared_factors(scenario);
    // Phases and threads cells carry the factors of the ABI hosts they drive.
    let mut scenarios = vec![scenario];
    scenarios.extend(crate::guests::host_scenarios(scenario));
    for a in abis {
        for &s in &scenarios {
            for f in a.info().factors_in(s) {
                if !all.iter().any(|k| k.name == f.name) {
                    all.push(*f);
                }
            }
        }
    }
    all
}

/// Runs a validated matrix.
pub fn run(opts: &Options) -> Result<ExitCode, Failure> {
    if opts.runs > 1 {
        return super::runs::run(opts);
    }
    crate::run::catch_signals();
    let own = HostProfile::this();
    let run_local = opts.host_profiles.contains(&own);
    // A module given with --guest must keep its ABI's contract on every
    // runtime of the run before anything is written or timed.
    for f in &opts.guests {
        for &runtime in &opts.runtimes {
            crate::guests::check(f, opts.scenario, runtime).map_err(Failure::Usage)?;
        }
    }
    crate::guests::install(&opts.guests);
    // The trace is read (or generated) before anything is written: a bad
    // trace file is bad input.
    let (inputs, trace_source, protocol) = match opts.scenario {
        Scenario::Micro
        | Scenario::Payload
        | Scenario::Hostile
        | Scenario::Phases
        | Scenario::Threads
        | Scenario::HostCall => (Inputs::default(), serde_json::Value::Null, opts.protocol),
        Scenario::Sim => {
            let trace = opts.sim.trace.load().map_err(Failure::Usage)?;
            let protocol = Protocol {
                calls: trace.requests.len() as u64,
                ..opts.protocol
            };
            let inputs = Inputs {
                trace: trace.requests,
            };
            (inputs, trace.source, protocol)
        }
    };
    // One plan per host profile: a child's cells differ by that factor.
    let plans: Vec<Plan> = opts
        .host_profiles
        .iter()
        .map(|&p| Plan::new(opts, p))
        .collect();
    let plan = plans
        .iter()
        .zip(&opts.host_profiles)
        .find(|(_, p)| **p == own)
        .map_or(&plans[0], |(plan, _)| plan);
    if !plan.has_sandboxed() && opts.shard.is_none() && opts.only_cell.is_none() {
        // (A hostile plan has no native cell; an empty one has none at all.
        // An isolated cell's child may hold one native cell.)
        return Err(Failure::Usage(
            "no sandboxed cell matches the options (check --runtime, --abi and --only)".into(),
        ));
    }
    if plan.cells.is_empty() {
        return Err(Failure::Usage(
            match opts.only_cell {
                Some(_) => "--only-cell names no cell of this plan",
                None => "this shard has no cell (more shards than cells?)",
            }
            .into(),
        ));
    }
    // Other host profiles: find or build their harness before writing anything.
    let children = opts
        .host_profiles
        .iter()
        .filter(|p| **p != own)
        .map(|&p| children::prepare(p, opts.quiet))
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(Failure::Run)?;
    let columns = plan.factor_columns();
    // A resumed run must be the same plan on the same machine and binary.
    let previous_info = match &opts.resume {
        None => None,
        Some(dir) => Some(resumable(dir)?),
    };
    let (mut sink, previous) = match &opts.resume {
        None => (
            Sink::create(&opts.out, &columns).map_err(|e| Failure::Usage(e.to_string()))?,
            Vec::new(),
        ),
        Some(dir) => Sink::resume(dir, &columns).map_err(|e| Failure::Usage(e.to_string()))?,
    };
    let mut info = RunInfo {
        tool: concat!("abilab harness ", env!("CARGO_PKG_VERSION")).to_string(),
        command: std::env::args().collect(),
        started: rfc3339(SystemTime::now()),
        finished: None,
        options: RunOptions {
            scenario: opts.scenario.to_string(),
            runtimes: opts.runtimes.iter().map(ToString::to_string).collect(),
            abis: opts.abis.iter().map(ToString::to_string).collect(),
            calls: protocol.calls,
            reps: protocol.reps,
            warmup_s: protocol.warmup.as_secs_f64(),
            trace: trace_source,
            cache_sizes: opts.sim.sizes.iter().map(ToString::to_string).collect(),
            sweep: opts.sim.sweep.iter().map(ToString::to_string).collect(),
            ablations: opts
                .sim
                .ablations
                .iter()
                .filter(|&&a| a != Ablation::None)
                .map(ToString::to_string)
                .collect(),
            order: opts.order.to_string(),
            seed: opts.seed,
            shard: opts.shard.map(|s| s.to_string()),
            only: opts
                .only
                .iter()
                .map(|o| OnlyInfo {
                    factor: o.factor.to_string(),
                    values: o.values.clone(),
                })
                .collect(),
            cell_timeout_s: Some(protocol.budget.deadline.as_secs_f64()),
            memory_limit_bytes: Some(protocol.budget.memory_bytes),
            guests: opts
                .guests
                .iter()
                .map(|g| GuestInfo {
                    abi: g.abi.to_string(),
                    path: g.path.clone(),
                    sha256: g.sha256.clone(),
                    bytes: g.bytes.len() as u64,
                })
                .collect(),
        },
        host_profiles: opts.host_profiles.iter().map(ToString::to_string).collect(),
        children: children
            .iter()
            .map(|c| ChildInfo {
                host_profile: c.profile.to_string(),
                binary: c.binary.clone(),
            })
            .collect(),
        cells: plans.iter().map(|p| p.cells.len()).sum(),
        status_counts: None,
        merge: None,
        status: Some("running".into()),
        resumed: Vec::new(),
        fingerprint: fingerprint::take(),
    };
    if let Some(before) = previous_info {
        check_same_run(&before, &info)?;
        info.resumed = before.resumed.clone();
        info.resumed.push(info.started.clone());
        info.started = before.started;
    }
    let write_run = |sink: &Sink, info: &RunInfo| {
        sink.write_file("run.json", &info.to_json())
            .map_err(|e| Failure::Run(anyhow::anyhow!("writing run.json: {e}")))
    };
    write_run(&sink, &info)?;

    let mut records = previous.clone();
    if run_local {
        let control = crate::run::Control {
            done: previous.iter().map(|r| r.cell.clone()).collect(),
            previous,
            isolate: opts
                .isolate
                .then(|| children::matrix_args(&std::env::args_os().collect::<Vec<_>>())),
            fault: opts.fault.clone(),
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // An `--isolate` child runs one cell: its parent checks and warns.
        if let Some(w) = opts
            .only_cell
            .is_none()
            .then(|| crate::busy::before_run(cores))
            .flatten()
        {
            eprintln!("{w}");
        }
        let progress = Progress::new(plan.cells.len(), protocol.reps, opts.quiet);
        records = execute(plan, &protocol, &inputs, &mut sink, &progress, &control)
            .map_err(|e| Failure::Run(anyhow::anyhow!("writing results: {e}")))?;
        progress.done();
    }
    if crate::run::interrupted() {
        info.status = Some("interrupted".into());
        write_run(&sink, &info)?;
        eprintln!(
            "interrupted: {} cells in {}; finish with the same command and --resume {}",
            records.len(),
            sink.dir().display(),
            sink.dir().display()
        );
        return Ok(ExitCode::from(130));
    }
    let user_args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    for child in &children {
        let dir = sink.dir().join(format!("host-{}", child.profile));
        let rows = child
            .run(&children::child_args(&user_args, &dir))
            .map_err(Failure::Run)?;
        let offset = records.len();
        for mut r in rows {
            r.run_index += offset;
            sink.write(&r)
                .map_err(|e| Failure::Run(anyhow::anyhow!("writing results: {e}")))?;
            records.push(r);
        }
    }
    let count = |s: Status| records.iter().filter(|r| r.status == s).count();
    let counts = StatusCounts {
        ok: count(Status::Ok),
        error: count(Status::Error),
        unsupported: count(Status::Unsupported),
    };
    info.finished = Some(rfc3339(SystemTime::now()));
    info.status_counts = Some(counts);
    info.status = Some("finished".into());
    write_run(&sink, &info)?;

    // Show cells in plan order, host profile by host profile.
    let mut refs: Vec<&Record> = records.iter().collect();
    refs.sort_by_key(|r| {
        plans
            .iter()
            .enumerate()
            .find_map(|(h, p)| Some((h, p.position(&r.cell)?)))
    });
    let summaries = summaries(&records, &sink)?;
    let hostile = opts.scenario == Scenario::Hostile;
    match opts.format {
        Format::Table if hostile => print!("{}", crate::scenario::hostile::grid(&refs)),
        Format::Table => {
            print!("{}", output::table(&refs, &columns));
            print!("{}", output::hit_ratios(&refs));
            print!("{summaries}");
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
    // Like hyperfine: say when the figures are less than they seem.
    let measured: Vec<&Record> = refs
        .iter()
        .copied()
        .filter(|r| r.status == Status::Ok)
        .collect();
    let others: Vec<f64> = measured.iter().filter_map(|r| r.others_cpu).collect();
    let outliers: Vec<(String, u32, usize)> = measured
        .iter()
        .filter_map(|r| Some((r.cell.clone(), r.outliers?, r.replicate_s.len())))
        .collect();
    let warnings = [
        crate::busy::after_run(&others),
        crate::busy::outliers(&outliers),
    ];
    for w in warnings
        .into_iter()
        .flatten()
        .filter(|_| opts.only_cell.is_none())
    {
        eprintln!("{w}");
    }
    if opts.report {
        // The analysis step: ratios, figures and the paper's claims from the
        // rows just written. A report that cannot be written (no font, say)
        // is a warning: the results are already safe.
        let font = std::path::Path::new(analysis::figures::DEFAULT_FONT);
        match analysis::load(sink.dir())
            .map_err(|e| Failure::Usage(e.to_string()))
            .and_then(|runs| super::report::write(&runs, sink.dir(), font))
        {
            Ok(summary) => {
                if !opts.quiet {
                    eprintln!("{summary}");
                }
            }
            Err(Failure::Usage(e)) => eprintln!("warning: no report: {e}"),
            Err(Failure::Run(e)) => eprintln!("warning: no report: {e:#}"),
        }
    }
    if !opts.quiet {
        eprintln!(
            "{} ok, {} error, {} unsupported; results in {}",
            counts.ok,
            counts.error,
            counts.unsupported,
            sink.dir().display()
        );
    }
    // A hostile run succeeds when every case was contained as it should be.
    let failed = if hostile {
        records.iter().any(|r| {
            let case = r.factors.get("case").and_then(|c| c.parse().ok());
            r.status != Status::Unsupported
                && !case.is_some_and(|c| {
                    crate::scenario::hostile::contained(
                        c,
                        r.error_class.as_deref(),
                        r.error.as_deref(),
                    )
                })
        })
    } else {
        counts.error > 0
    };
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The analyses a run's own rows allow at once: the payload cost model and
/// its crossovers, the simulator's batch sweeps. Written beside the results
/// (`cost-model.jsonl`, `crossovers.jsonl`, `batching.jsonl`) and returned
/// as text for the table.
fn summaries(records: &[Record], sink: &Sink) -> Result<String, Failure> {
    use std::fmt::Write as _;
    let write_jsonl = |name: &str, rows: Vec<serde_json::Value>| -> Result<(), Failure> {
        let mut text = String::new();
        for r in rows {
            text.push_str(&r.to_string());
            text.push('\n');
        }
        sink.write_file(name, text.as_bytes())
            .map_err(|e| Failure::Run(anyhow::anyhow!("writing {name}: {e}")))
    };
    let mut out = String::new();
    let fits = analysis::costmodel::fits(records);
    if !fits.is_empty() {
        let crossings = analysis::costmodel::crossovers(&fits);
        write_jsonl("cost-model.jsonl", fits.iter().map(json).collect())?;
        write_jsonl("crossovers.jsonl", crossings.iter().map(json).collect())?;
        let _ = writeln!(
            out,
            "\ncost model t(n) = a + b·n (n = payload bytes; 95% CI, within-run)"
        );
        let _ = writeln!(
            out,
            "{:<44} {:<10} {:<10} {:>16} {:>20} {:>7}",
            "runtime/abi", "shape", "direction", "a (ns)", "b (ns/KiB)", "R²"
        );
        for f in &fits {
            let l = f.line;
            let get = |k: &str| f.factors.get(k).map_or("-", String::as_str);
            let _ = writeln!(
                out,
                "{:<44} {:<10} {:<10} {:>16} {:>20} {:>7.4}",
                f.label(),
                get("shape"),
                get("direction"),
                format!("{:.1} ±{:.1}", l.intercept, l.intercept_ci95),
                format!("{:.2} ±{:.2}", l.slope * 1024.0, l.slope_ci95 * 1024.0),
                l.r2
            );
        }
        if !crossings.is_empty() {
            let _ = writeln!(
                out,
                "\ncrossovers (the first ABI is cheaper below the size)"
            );
            for c in &crossings {
                let get = |k: &str| c.work.get(k).map_or("-", String::as_str);
                let _ = writeln!(
                    out,
                    "{:<10} {:<9} {:<40} < {:>10} B < {}{}",
                    get("shape"),
                    get("direction"),
                    c.cheaper_below,
                    format!("{:.0}", c.bytes),
                    c.cheaper_above,
                    if c.within_sweep {
                        ""
                    } else {
                        "  (outside the sweep)"
                    }
                );
            }
        }
    }
    let knees = analysis::batching::knees(records);
    if !knees.is_empty() {
        write_jsonl("batching.jsonl", knees.iter().map(json).collect())?;
        let _ = writeln!(
            out,
            "\nbatching: ns per request by batch; knee = smallest batch within {:.0}% of the \
             largest; per request = b + a/batch fitted (95% CI, within-run)",
            analysis::batching::WITHIN * 100.0
        );
        for k in &knees {
            let own: Vec<String> = k
                .factors
                .iter()
                .filter(|(n, _)| !["host-profile", "cache-size"].contains(&n.as_str()))
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            let curve: Vec<String> = k
                .points
                .iter()
                .map(|(b, ns)| format!("{b}:{ns:.0}"))
                .collect();
            // The fixed-cost model: a request costs b + a/k (k per call).
            let model = k.per_call.map_or(String::new(), |l| {
                format!(
                    "  a {:.0}±{:.0} ns/call, b {:.0}±{:.0} ns/request",
                    l.slope, l.slope_ci95, l.intercept, l.intercept_ci95
                )
            });
            let replay = k
                .in_guest_ns
                .map_or(String::new(), |ns| format!(", in-guest {ns:.0}"));
            let _ = writeln!(
                out,
                "{}/{} {}  [{}]  knee {}{model}{replay}",
                k.runtime,
                k.abi,
                own.join(" "),
                curve.join(" "),
                k.knee.map_or("-".to_string(), |b| b.to_string())
            );
        }
    }
    Ok(out)
}

/// A summary row as JSON.
fn json<T: serde::Serialize>(row: &T) -> serde_json::Value {
    serde_json::to_value(row).expect("summary rows serialise")
}

/// The `run.json` of a folder to resume.
fn resumable(dir: &std::path::Path) -> Result<RunInfo, Failure> {
    let path = dir.join("run.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Failure::Usage(format!(
            "cannot resume `{}`: {}: {e}",
            dir.display(),
            path.display()
        ))
    })?;
    serde_json::from_str(&text)
        .map_err(|e| Failure::Usage(format!("cannot resume: {}: {e}", path.display())))
}

/// Refuses to resume a run of another plan or from another environment.
fn check_same_run(before: &RunInfo, now: &RunInfo) -> Result<(), Failure> {
    let refuse = |what: String| {
        Failure::Usage(format!(
            "cannot resume: {what} differs from the run being resumed (give the same options)"
        ))
    };
    let (a, b) = (&before.options, &now.options);
    let options = [
        ("--scenario", a.scenario == b.scenario),
        ("--runtime", a.runtimes == b.runtimes),
        ("--abi", a.abis == b.abis),
        ("--guest", a.guests == b.guests),
        ("--calls", a.calls == b.calls),
        ("--reps", a.reps == b.reps),
        ("--warmup", a.warmup_s == b.warmup_s),
        ("the trace", a.trace == b.trace),
        ("--cache-size", a.cache_sizes == b.cache_sizes),
        ("--sweep", a.sweep == b.sweep),
        ("--ablation", a.ablations == b.ablations),
        ("--order", a.order == b.order),
        ("--seed", a.seed == b.seed),
        ("--shard", a.shard == b.shard),
        ("--only", a.only == b.only),
        ("--host-profile", before.host_profiles == now.host_profiles),
    ];
    if let Some((flag, _)) = options.iter().find(|(_, same)| !same) {
        return Err(refuse(flag.to_string()));
    }
    if let Some((field, was, is)) =
        analysis::merge::differences(&before.fingerprint, &now.fingerprint).first()
    {
        return Err(refuse(format!("{field} (`{was}`, now `{is}`)")));
    }
    Ok(())
}
