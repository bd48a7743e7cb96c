//! `harness matrix`'s arguments, validated into typed [`Options`] before
//! anything is read, written or timed. Every refusal is an
//! [`OptionsError`]: one line, exit code 2. What a scenario accepts (its
//! defaults, the flags it refuses, whether it replays a trace) comes from
//! the scenario registry, not from a list here.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use factor::{BadValue, FactorInfo, factor_enum};
use runtimes::RuntimeId;

use crate::abis::AbiId;
use crate::cli::MatrixArgs;
use crate::factors::HostProfile;
use crate::fault::Fault;
use crate::guests::GuestFile;
use crate::measure::{Protocol, Stop};
use crate::parse::{parse_list, parse_sizes};
use crate::plan::{Only, Order, Plan};
use crate::scenario::sim::{Ablation, CacheSize};
use crate::scenario::{PlanInput, ProtocolFlag, ScenarioId};
use crate::shard::Shard;
use crate::workload::{SimOptions, TraceSource};

/// The most calls per replicate: at 1 ns a call, a second.
pub const MAX_CALLS: u64 = 1_000_000_000;
/// The most replicates per cell.
pub const MAX_REPS: u32 = 100_000;

factor_enum! {
    /// How calls and replicates are chosen (`--protocol`).
    pub enum ProtocolKind ("protocol", "how calls and replicates are chosen") {
        /// Calibrated calls, replicates until precise enough or out of budget.
        Adaptive = "adaptive",
        /// `--reps` × `--calls` exactly (the paper's).
        Fixed = "fixed",
    }
}

/// The adaptive protocol's replicate length: long enough that the clock's
/// resolution and the loop's start are noise, short enough for many
/// replicates in a cell's budget.
pub const REPLICATE: Duration = Duration::from_millis(10);
/// The same for `--quick`.
pub const QUICK_REPLICATE: Duration = Duration::from_millis(2);

factor_enum! {
    /// What the table on stdout looks like (the files are always written).
    pub enum Format ("format", "what stdout shows") {
        /// Aligned columns for people.
        Table = "table",
        /// `results.jsonl` lines.
        Json = "json",
        /// `results.csv` rows.
        Csv = "csv",
    }
}

/// Why the arguments of `harness matrix` were refused.
#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    /// A value that names nothing (`--runtime wasmr`).
    #[error(transparent)]
    Value(#[from] BadValue),
    /// A number or size outside what the flag accepts.
    #[error("{flag} must be {bounds}, got {given}")]
    OutOfRange {
        /// The flag.
        flag: &'static str,
        /// What it accepts, in words.
        bounds: &'static str,
        /// What was given.
        given: String,
    },
    /// A flag the run's scenario has no use for.
    #[error("{flag} does not apply to --scenario {scenario}: {why}")]
    NotForScenario {
        /// The flag.
        flag: &'static str,
        /// The scenario.
        scenario: ScenarioId,
        /// Why.
        why: &'static str,
    },
    /// A flag of the simulator's, given to another scenario.
    #[error("{flag} applies to --scenario sim only, not {scenario}")]
    TraceOnly {
        /// The flag.
        flag: &'static str,
        /// The scenario given.
        scenario: ScenarioId,
    },
    /// A count past what the harness takes.
    #[error("{flag} {given} is more than {most} {what}")]
    TooMany {
        /// The flag.
        flag: &'static str,
        /// What was given.
        given: u64,
        /// The most it takes.
        most: u64,
        /// What it counts.
        what: &'static str,
    },
    /// Two flags that cannot go together.
    #[error("{0}")]
    Conflict(&'static str),
    /// A flag whose value did not parse or check out.
    #[error("{flag}: {why}")]
    Invalid {
        /// The flag.
        flag: &'static str,
        /// What is wrong, in one line.
        why: String,
    },
    /// A `--guest` module that cannot stand in for its ABI's guest.
    #[error("{0}")]
    Guest(String),
}

/// A validated `matrix` command.
#[derive(Debug, Clone)]
pub struct Options {
    /// The scenario.
    pub scenario: ScenarioId,
    /// Runtimes, in the order given.
    pub runtimes: Vec<RuntimeId>,
    /// ABIs, in the order given.
    pub abis: Vec<AbiId>,
    /// Calls per replicate, replicates and warm-up.
    pub protocol: Protocol,
    /// Execution order.
    pub order: Order,
    /// Shuffle seed.
    pub seed: u64,
    /// Processes to run the matrix in (`--runs`); 1 for this one alone.
    pub runs: u32,
    /// Factor restrictions.
    pub only: Vec<Only>,
    /// Output folder.
    pub out: PathBuf,
    /// Stdout format.
    pub format: Format,
    /// No progress output on stderr.
    pub quiet: bool,
    /// Host profiles to run the matrix in (this binary's, and/or others
    /// through child processes), in the order given.
    pub host_profiles: Vec<HostProfile>,
    /// The simulator's trace and cache sizes (scenarios that replay one).
    pub sim: SimOptions,
    /// The shard of the plan this process runs, if split.
    pub shard: Option<Shard>,
    /// Whether to write the report at the end.
    pub report: bool,
    /// Each cell in its own child process.
    pub isolate: bool,
    /// The run folder to finish, instead of a new one.
    pub resume: Option<PathBuf>,
    /// Only the cell with this id (an isolated child).
    pub only_cell: Option<String>,
    /// A fault to inject (tests).
    pub fault: Option<Fault>,
    /// Modules given with `--guest`, in place of built-in guests.
    pub guests: Vec<GuestFile>,
    /// Factors the default plan holds at one value (not freed by
    /// `--all-factors` or named in `--only`), as `factor=value`.
    pub held: Vec<String>,
    /// Print the plan and exit.
    pub dry_run: bool,
}

impl Options {
    /// Validates `a`.
    pub fn new(a: &MatrixArgs) -> Result<Options, OptionsError> {
        let scenario: ScenarioId = a.scenario.parse()?;
        let runtimes = parse_list(&a.runtime, RuntimeId::ALL)?;
        // `all`: the ABIs built in (an ABI behind a feature, named, gives
        // `unsupported` cells that say how to build it).
        let abis = parse_list(&a.abi, &AbiId::built())?;
        if !scenario.uses_trace() {
            refuse_trace_flags(a, scenario)?;
        }
        let protocol = protocol(a, scenario)?;
        let known = known_factors(scenario, &abis);
        let mut only = parse_only(&a.only, &known)?;
        // The default plan holds some factors at one value; naming the
        // factor in --only, or --all-factors, frees it.
        // `--quick`, a smoke run, holds every factor with a list of
        // values at one (the held value, or its first), where something
        // is timed.
        let smoke = a.quick
            && !scenario
                .refuses()
                .iter()
                .any(|(f, _)| *f == ProtocolFlag::Reps);
        let mut held = Vec::new();
        if !a.all_factors {
            for f in &known {
                let value = match scenario.held().iter().find(|(n, _)| *n == f.name) {
                    Some(&(_, v)) => v,
                    None if smoke && !f.ids.is_empty() => f.ids[0],
                    None => continue,
                };
                if only.iter().any(|o| o.factor == f.name) {
                    continue;
                }
                let key = (f.parse_key)(value)?;
                only.push(Only {
                    factor: f.name,
                    values: vec![value.to_string()],
                    keys: vec![key],
                });
                held.push(format!("{}={value}", f.name));
            }
        }
        let out = match (&a.resume, &a.out) {
            (Some(dir), _) => dir.clone(),
            (None, Some(out)) => out.clone(),
            (None, None) => PathBuf::from("results").join(format!(
                "{}-{scenario}",
                crate::fingerprint::stamp(SystemTime::now())
            )),
        };
        let host_profiles = match &a.host_profile {
            None => vec![HostProfile::this()],
            Some(list) => parse_list(list, HostProfile::ALL)?,
        };
        let guests = guest_files(a, scenario, &abis)?;
        let invalid = |flag: &'static str| move |why: String| OptionsError::Invalid { flag, why };
        Ok(Options {
            scenario,
            runtimes,
            abis,
            protocol,
            order: a.order.parse::<Order>()?,
            seed: a.seed,
            runs: runs(a)?,
            only,
            out,
            format: a.format.parse::<Format>()?,
            quiet: a.quiet,
            sim: sim_options(a)?,
            host_profiles,
            report: !a.no_report,
            isolate: a.isolate,
            resume: a.resume.clone(),
            only_cell: a.only_cell.clone(),
            fault: match &a.inject_fault {
                None => None,
                Some(f) => Some(Fault::parse(f).map_err(invalid("--inject-fault"))?),
            },
            shard: match &a.shard {
                None => None,
                Some(s) => {
                    Some(Shard::parse(s, |k| std::env::var(k).ok()).map_err(invalid("--shard"))?)
                }
            },
            guests,
            held,
            dry_run: a.dry_run,
        })
    }

    /// The cells of this run in host profile `host`: the scenario's plan,
    /// restricted by `--only`, `--shard` and `--only-cell`, and ordered.
    pub fn plan(&self, host: HostProfile) -> Plan {
        let input = PlanInput {
            host,
            runtimes: &self.runtimes,
            abis: &self.abis,
            sim: &self.sim,
        };
        let cells = self.scenario.cells(&input);
        Plan::from_cells(cells, &self.only, self.order, self.seed).narrowed(
            self.shard,
            self.only_cell.as_deref(),
            self.order,
            self.seed,
        )
    }
}

/// Calls, replicates, warm-up and when to stop: the scenario's defaults,
/// the user's values checked, the flags the scenario refuses refused.
fn protocol(a: &MatrixArgs, scenario: ScenarioId) -> Result<Protocol, OptionsError> {
    let given = |flag| match flag {
        ProtocolFlag::Calls => a.calls.is_some(),
        ProtocolFlag::Reps => a.reps.is_some(),
        ProtocolFlag::Warmup => a.warmup.is_some(),
    };
    if let Some(&(flag, why)) = scenario.refuses().iter().find(|(f, _)| given(*f)) {
        return Err(OptionsError::NotForScenario {
            flag: flag.flag(),
            scenario,
            why,
        });
    }
    let kind = match &a.protocol {
        Some(k) => k.parse::<ProtocolKind>()?,
        // Counts given: the user asked for exactly those.
        None if a.reps.is_some() || a.calls.is_some() => ProtocolKind::Fixed,
        // A scenario that times nothing has no use for precision.
        None if scenario
            .refuses()
            .iter()
            .any(|(f, _)| *f == ProtocolFlag::Reps) =>
        {
            ProtocolKind::Fixed
        }
        None => ProtocolKind::Adaptive,
    };
    let defaults = scenario.defaults(a.quick);
    let stop = match kind {
        ProtocolKind::Fixed => {
            if a.precision.is_some() || a.cell_budget.is_some() {
                return Err(OptionsError::Conflict(
                    "--precision and --cell-budget are the adaptive protocol's, not --protocol fixed",
                ));
            }
            Stop::Fixed
        }
        ProtocolKind::Adaptive => Stop::Adaptive {
            precision: match &a.precision {
                None if a.quick => 0.05,
                None => 0.01,
                Some(p) => parse_precision(p)?,
            },
            cell_budget: match a.cell_budget {
                None if a.quick => Duration::from_millis(300),
                None => Duration::from_secs(3),
                Some(s) if s.is_finite() && (0.01..=86_400.0).contains(&s) => {
                    Duration::from_secs_f64(s)
                }
                Some(s) => {
                    return Err(OptionsError::OutOfRange {
                        flag: "--cell-budget",
                        bounds: "between 0.01 and 86400 seconds",
                        given: s.to_string(),
                    });
                }
            },
            replicate: scenario.calibrates().then_some(if a.quick {
                QUICK_REPLICATE
            } else {
                REPLICATE
            }),
        },
    };
    let calls = a.calls.unwrap_or(defaults.calls);
    let reps = match (kind, a.reps) {
        (_, Some(r)) => r,
        (ProtocolKind::Fixed, None) => defaults.reps,
        // The fewest replicates of an adaptive cell: enough for an
        // interval to mean something, never more than the fixed count.
        (ProtocolKind::Adaptive, None) => defaults.reps.min(if a.quick { 3 } else { 10 }),
    };
    let warmup = a.warmup.unwrap_or(defaults.warmup_s);
    let range = |flag, bounds, given: String| OptionsError::OutOfRange {
        flag,
        bounds,
        given,
    };
    // A scenario that replays the trace takes its length as the calls.
    if calls == 0 && !scenario.uses_trace() {
        return Err(range("--calls", "at least 1", calls.to_string()));
    }
    if calls > MAX_CALLS {
        return Err(OptionsError::TooMany {
            flag: "--calls",
            given: calls,
            most: MAX_CALLS,
            what: "calls per replicate",
        });
    }
    if reps < 2 {
        return Err(range(
            "--reps",
            "at least 2 (a confidence interval needs two replicates)",
            reps.to_string(),
        ));
    }
    if reps > MAX_REPS {
        return Err(OptionsError::TooMany {
            flag: "--reps",
            given: u64::from(reps),
            most: u64::from(MAX_REPS),
            what: "replicates",
        });
    }
    if !(warmup.is_finite() && (0.0..=3600.0).contains(&warmup)) {
        return Err(range(
            "--warmup",
            "between 0 and 3600 seconds",
            warmup.to_string(),
        ));
    }
    Ok(Protocol {
        calls,
        reps,
        warmup: Duration::from_secs_f64(warmup),
        budget: budget(a, scenario)?,
        stop,
    })
}

/// `--precision`: `1%` or `0.01`, between 0.01% and 50%.
fn parse_precision(given: &str) -> Result<f64, OptionsError> {
    let fraction = match given.trim().strip_suffix('%') {
        Some(pct) => pct.trim().parse::<f64>().map(|p| p / 100.0),
        None => given.trim().parse::<f64>(),
    };
    match fraction {
        Ok(f) if f.is_finite() && (0.0001..=0.5).contains(&f) => Ok(f),
        _ => Err(OptionsError::OutOfRange {
            flag: "--precision",
            bounds: "between 0.01% and 50% (e.g. 1% or 0.01)",
            given: given.to_string(),
        }),
    }
}

/// The cell's limits from `--cell-timeout` and `--memory-limit` (each
/// scenario has its own defaults).
fn budget(a: &MatrixArgs, scenario: ScenarioId) -> Result<runtimes::Budget, OptionsError> {
    let default = scenario.budget();
    let deadline = match a.cell_timeout {
        None => default.deadline,
        Some(s) if s.is_finite() && (0.1..=86_400.0).contains(&s) => Duration::from_secs_f64(s),
        Some(s) => {
            return Err(OptionsError::OutOfRange {
                flag: "--cell-timeout",
                bounds: "between 0.1 and 86400 seconds",
                given: s.to_string(),
            });
        }
    };
    let memory_bytes = match &a.memory_limit {
        None => default.memory_bytes,
        Some(s) => match analysis::units::parse_size_checked(s) {
            Ok(b) if (64 << 10..=4 << 30).contains(&b) => b,
            Ok(b) => {
                return Err(OptionsError::OutOfRange {
                    flag: "--memory-limit",
                    bounds: "between 64KiB and 4GiB",
                    given: format!("{b} bytes"),
                });
            }
            Err(e) => {
                return Err(OptionsError::Invalid {
                    flag: "--memory-limit",
                    why: e.to_string(),
                });
            }
        },
    };
    Ok(runtimes::Budget {
        deadline,
        memory_bytes,
    })
}

/// `--runs`, checked against the flags it cannot go with.
fn runs(a: &MatrixArgs) -> Result<u32, OptionsError> {
    let conflict = |m| Err(OptionsError::Conflict(m));
    match a.runs {
        0 => conflict("--runs must be at least 1"),
        1 => Ok(1),
        n if n > 1000 => conflict("--runs must be at most 1000"),
        _ if a.resume.is_some() => conflict("--runs cannot --resume (rerun into a new --out)"),
        _ if a.shard.is_some() => conflict("--runs cannot be combined with --shard"),
        _ if a.only_cell.is_some() => conflict("--runs cannot be combined with --only-cell"),
        _ if a.host_profile.is_some() => {
            conflict("--runs cannot be combined with --host-profile (run each build's harness)")
        }
        n => Ok(n),
    }
}

/// Reads the `--guest` modules: one per ABI, an ABI of the run, a
/// scenario that runs ABI guests.
fn guest_files(
    a: &MatrixArgs,
    scenario: ScenarioId,
    abis: &[AbiId],
) -> Result<Vec<GuestFile>, OptionsError> {
    if !a.guest.is_empty() && scenario.drives().is_empty() {
        return Err(OptionsError::NotForScenario {
            flag: "--guest",
            scenario,
            why: "it brings its own guests",
        });
    }
    let mut files: Vec<GuestFile> = Vec::new();
    for spec in &a.guest {
        let f = GuestFile::read(spec).map_err(OptionsError::Guest)?;
        if files.iter().any(|g| g.abi == f.abi) {
            return Err(OptionsError::Guest(format!(
                "--guest {}: one module per ABI",
                f.spec()
            )));
        }
        if !abis.contains(&f.abi) {
            return Err(OptionsError::Guest(format!(
                "--guest {}: {} is not among the ABIs this run covers (--abi)",
                f.spec(),
                f.abi
            )));
        }
        files.push(f);
    }
    Ok(files)
}

/// The simulator's flags mean nothing to a scenario that replays no
/// trace: refused rather than ignored.
fn refuse_trace_flags(a: &MatrixArgs, scenario: ScenarioId) -> Result<(), OptionsError> {
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
        Some(&(flag, _)) => Err(OptionsError::TraceOnly { flag, scenario }),
        None => Ok(()),
    }
}

/// Parses `--only FACTOR=V1,V2` (repeatable, each factor once) against the
/// factors the run's cells have.
fn parse_only(given: &[String], known: &[FactorInfo]) -> Result<Vec<Only>, OptionsError> {
    let invalid = |why: String| OptionsError::Invalid {
        flag: "--only",
        why,
    };
    let mut only: Vec<Only> = Vec::new();
    for o in given {
        let Some((name, values)) = o.split_once('=') else {
            return Err(invalid(format!("`{o}` is not FACTOR=V1,V2")));
        };
        let Some(f) = known.iter().find(|f| f.name == name) else {
            let names: Vec<&str> = known.iter().map(|f| f.name).collect();
            return Err(invalid(format!(
                "unknown factor `{name}` (expected one of: {})",
                names.join(", ")
            )));
        };
        if only.iter().any(|o| o.factor == f.name) {
            return Err(OptionsError::Guest(format!(
                "--only {name} is given twice; list its values once: --only {name}=V1,V2"
            )));
        }
        let mut keys = Vec::new();
        let mut kept = Vec::new();
        for v in values.split(',').map(str::trim) {
            let key = (f.parse_key)(v).map_err(|e| invalid(e.to_string()))?;
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
fn sim_options(a: &MatrixArgs) -> Result<SimOptions, OptionsError> {
    use cachesim::workloads::{SizeChange, TraceFormat};
    let invalid = |flag: &'static str| move |why: String| OptionsError::Invalid { flag, why };
    let size_change: SizeChange = a
        .size_change
        .as_deref()
        .unwrap_or("error")
        .parse()
        .map_err(|e: cachesim::workloads::ParseSizeChangeError| {
            invalid("--size-change")(e.to_string())
        })?;
    let trace = match &a.trace {
        Some(path) => {
            if a.requests.is_some() || a.objects.is_some() || a.trace_seed.is_some() {
                return Err(OptionsError::Conflict(
                    "--requests, --objects and --trace-seed shape the generated trace, not --trace",
                ));
            }
            let format = match &a.trace_format {
                Some(f) => Some(
                    f.parse::<TraceFormat>()
                        .map_err(|e| invalid("--trace-format")(e.to_string()))?,
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
                return Err(OptionsError::Conflict(
                    "--trace-format and --size-change describe a --trace file",
                ));
            }
            let mut source = TraceSource::default_generated(a.quick);
            if let TraceSource::Generated(c) = &mut source {
                c.requests = a.requests.unwrap_or(c.requests);
                c.objects = a.objects.unwrap_or(c.objects);
                c.seed = a.trace_seed.unwrap_or(c.seed);
                c.validate().map_err(|e| OptionsError::Invalid {
                    flag: "generated trace",
                    why: e.to_string(),
                })?;
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
    let sizes: Vec<CacheSize> =
        parse_sizes(a.cache_size.as_deref().unwrap_or("4MiB")).map_err(invalid("--cache-size"))?;
    if sizes.is_empty() {
        return Err(invalid("--cache-size")("give at least one size".into()));
    }
    Ok(SimOptions {
        trace,
        sizes,
        sweep: parse_sizes(a.sweep.as_deref().unwrap_or(&default_sweep))
            .map_err(invalid("--sweep"))?,
        ablations: parse_ablations(a.ablation.as_deref()).map_err(invalid("--ablation"))?,
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
        let a: Ablation = name.trim().parse().map_err(|e: BadValue| e.to_string())?;
        if out.contains(&a) && a != Ablation::None {
            return Err(format!("{a} given twice"));
        }
        if !out.contains(&a) {
            out.push(a);
        }
    }
    Ok(out)
}

/// Every factor a cell of `scenario` over `abis` can have: the
/// scenario's own, then those of the ABIs for the workloads it drives
/// (the first of two ABI factors with one name wins; names are unique in
/// practice).
pub fn known_factors(scenario: ScenarioId, abis: &[AbiId]) -> Vec<FactorInfo> {
    let mut all = scenario.factors();
    for a in abis {
        for &w in scenario.drives() {
            for f in a.info().factors_in(w) {
                if !all.iter().any(|k| k.name == f.name) {
                    all.push(*f);
                }
            }
        }
    }
    all
}
