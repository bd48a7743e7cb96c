//! `harness matrix`'s arguments, validated into typed [`Options`] before
//! anything is read, written or timed. Every refusal is an
//! [`OptionsError`]: one line, exit code 2. What a scenario accepts (its
//! defaults, the flags it refuses, whether it replays a trace) comes from
//! the scenario registry, not from a list here.

mod error;
mod protocol;
mod sim;

use std::path::PathBuf;
use std::time::SystemTime;

use factor::{FactorInfo, factor_enum};
use runtimes::RuntimeId;

pub use error::OptionsError;
pub use protocol::{MAX_CALLS, MAX_REPS, ProtocolKind, QUICK_REPLICATE, REPLICATE};

use crate::abis::AbiId;
use crate::cli::MatrixArgs;
use crate::factors::HostProfile;
use crate::fault::Fault;
use crate::guests::{GuestFile, Guests};
use crate::measure::Measure;
use crate::measure::Protocol;
use crate::parse::parse_list;
use crate::plan::{Only, Order, Plan};
use crate::scenario::{PlanInput, ProtocolFlag, ScenarioId};
use crate::shard::Shard;
use crate::workload::SimOptions;

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
    /// The run's guests: the built-in ones, with the modules given with
    /// `--guest` in their place.
    pub guests: Guests,
    /// Factors the default plan holds at one value (not freed by
    /// `--all-factors` or named in `--only`), as `factor=value`.
    pub held: Vec<String>,
    /// Print the plan and exit.
    pub dry_run: bool,
    /// A clock, or Callgrind's counts.
    pub measure: Measure,
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
            sim::refuse_trace_flags(a, scenario)?;
        }
        let measure = measure(a, scenario)?;
        let mut protocol = protocol::protocol(a, scenario)?;
        if measure == Measure::Callgrind {
            protocol = protocol::counted(a, protocol)?;
        }
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
        let guests = Guests::new(guest_files(a, scenario, &abis)?);
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
            sim: sim::sim_options(a)?,
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
            measure,
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
            guests: &self.guests,
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

/// `--measure`, checked against the scenario and the flags it cannot go
/// with.
fn measure(a: &MatrixArgs, scenario: ScenarioId) -> Result<Measure, OptionsError> {
    let m: Measure = a.measure.parse().map_err(|why| OptionsError::Invalid {
        flag: "--measure",
        why,
    })?;
    if m == Measure::Callgrind {
        if let Some(why) = scenario.uncounted() {
            return Err(OptionsError::NotForScenario {
                flag: "--measure callgrind",
                scenario,
                why,
            });
        }
        if a.runs > 1 {
            return Err(OptionsError::Conflict(
                "--measure callgrind counts the same in every run: --runs is for time",
            ));
        }
        if a.host_profile.is_some() {
            return Err(OptionsError::Conflict(
                "--measure callgrind counts this binary's build: run each build's harness",
            ));
        }
        if !crate::callgrind::SUPPORTED {
            return Err(OptionsError::Conflict(
                "--measure callgrind: this build's client requests are written for x86-64 only",
            ));
        }
    }
    Ok(m)
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

/// Reads the `--guest` modules: one per ABI and language, an ABI of the
/// run, a scenario that runs ABI guests.
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
        if files.iter().any(|g| (g.abi, g.lang) == (f.abi, f.lang)) {
            return Err(OptionsError::Guest(format!(
                "--guest {}: one module per ABI and language",
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
