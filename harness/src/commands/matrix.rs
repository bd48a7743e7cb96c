//! `harness matrix`: runs validated [`Options`]. Plans the cells, checks
//! every input before anything is written, runs the cells (here and in
//! child processes for other host profiles), then writes `run.json`, the
//! table, the warnings and the report. Validation is in
//! [`crate::options`]; what is written, in [`crate::output`].

use std::process::ExitCode;
use std::time::SystemTime;

use super::Failure;
use crate::cell::Cell;
use crate::children;
use crate::error::CellError;
use crate::factors::HostProfile;
use crate::fingerprint::rfc3339;
use crate::measure::{Measure, Protocol};
use crate::options::{Format, Options};
use crate::output::{self, ChildInfo, Record, RunInfo, Sink, Status, StatusCounts};
use crate::plan::Plan;
use crate::run::{Progress, execute};
use crate::scenario::{Ended, Inputs};

/// Runs a validated matrix.
pub fn run(opts: &Options) -> Result<ExitCode, Failure> {
    if opts.dry_run {
        let plans: Vec<Plan> = opts.host_profiles.iter().map(|&p| opts.plan(p)).collect();
        check_plan(opts, &plans[0])?;
        super::emit(output::dry_run(opts, &plans))?;
        return Ok(ExitCode::SUCCESS);
    }
    if opts.runs > 1 {
        return super::runs::run(opts);
    }
    let own = HostProfile::this();
    let run_local = opts.host_profiles.contains(&own);
    // A module given with --guest must keep its ABI's contract on every
    // runtime of the run before anything is written or timed, within the
    // run's limits. Signals still end the process here: nothing is
    // written yet, so there is nothing to finish.
    for f in opts.guests.given() {
        for &runtime in &opts.runtimes {
            crate::guests::check(f, opts.scenario, runtime, opts.protocol.budget)
                .map_err(Failure::Usage)?;
        }
    }
    let counting_child = crate::callgrind::child().map_err(Failure::Usage)?;
    if opts.measure == Measure::Callgrind && counting_child {
        crate::callgrind::enable();
    }
    crate::run::catch_signals();
    // The trace is read (or generated) before anything is written: a bad
    // trace file is bad input.
    let guests = opts.guests.clone();
    let (inputs, trace_source, protocol) = match opts.scenario.uses_trace() {
        false => {
            let inputs = Inputs {
                trace: Vec::new(),
                guests,
            };
            (inputs, serde_json::Value::Null, opts.protocol)
        }
        true => {
            let trace = opts.sim.trace.load().map_err(Failure::Usage)?;
            let protocol = Protocol {
                calls: trace.requests.len() as u64,
                ..opts.protocol
            };
            let inputs = Inputs {
                trace: trace.requests,
                guests,
            };
            (inputs, trace.source, protocol)
        }
    };
    // One plan per host profile: a child's cells differ by that factor.
    let plans: Vec<Plan> = opts.host_profiles.iter().map(|&p| opts.plan(p)).collect();
    let plan = plans
        .iter()
        .zip(&opts.host_profiles)
        .find(|(_, p)| **p == own)
        .map_or(&plans[0], |(plan, _)| plan);
    check_plan(opts, plan)?;
    // Other host profiles: find or build their harness before writing anything.
    let others = opts.host_profiles.iter().copied().filter(|&p| p != own);
    for p in others.clone() {
        children::given(p).map_err(Failure::Usage)?;
    }
    let children = others
        .map(|p| children::prepare(p, &opts.runtimes, opts.quiet))
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(Failure::Run)?;
    let columns = plan.factor_columns();
    let child_info = children
        .iter()
        .map(|c| ChildInfo {
            host_profile: c.profile.to_string(),
            binary: c.binary.clone(),
        })
        .collect();
    let cells = plans.iter().map(|p| p.cells.len()).sum();
    let mut info = output::run_info::begin(opts, &protocol, trace_source, child_info, cells);
    let usage = |e: output::OutError| Failure::Usage(e.to_string());
    let (mut sink, previous) = match &opts.resume {
        None => (
            Sink::create(&opts.out, &columns).map_err(usage)?,
            Vec::new(),
        ),
        // The same plan on the same machine and binary, no other writer,
        // rows all of this plan's cells: checked before anything changes.
        Some(dir) => {
            let known = plans.iter().flat_map(|p| p.cells.iter().map(Cell::id));
            Sink::resume(dir, &columns, &mut info, &known.collect()).map_err(usage)?
        }
    };
    write_run(&sink, &info)?;

    let mut records = previous.clone();
    if run_local {
        // A counted run's parent runs every cell in a child under
        // Callgrind; the child (launched so) counts its one cell.
        let counted = match opts.measure {
            Measure::Callgrind if !counting_child => Some(
                crate::callgrind::Counted::prepare(&sink.dir().join(".callgrind"))
                    .map_err(|e| Failure::Run(anyhow::anyhow!(e)))?,
            ),
            _ => None,
        };
        let control = crate::run::Control {
            done: previous.iter().map(|r| r.cell.clone()).collect(),
            previous,
            counted: counted.clone(),
            isolate: (opts.isolate || counted.is_some()).then(|| {
                crate::relaunch::matrix_args(
                    &std::env::args_os().collect::<Vec<_>>(),
                    crate::relaunch::Child::IsolatedCell,
                )
            }),
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
        let todo = plan.cells.len() - control.done.len().min(plan.cells.len());
        let progress = Progress::new(todo, opts.quiet);
        records = execute(plan, &protocol, &inputs, &mut sink, &progress, &control)
            .map_err(|e| Failure::Run(anyhow::anyhow!("writing results: {e}")))?;
        if let Some(c) = counted {
            c.finish();
        }
        progress.done();
    }
    if crate::run::interrupted() {
        info.status = Some("interrupted".into());
        write_run(&sink, &info)?;
        // An isolated cell's child leaves the resume to its parent.
        if opts.only_cell.is_none() {
            eprintln!(
                "interrupted: {} cells in {}; finish with the same command and --resume {}",
                records.len(),
                sink.dir().display(),
                sink.dir().display()
            );
        }
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

    // Every row in plan order, host profile by host profile (a row the
    // plan does not know, from a resumed folder, last), with its typed cell
    // and how it ended.
    let mut placed: Vec<((usize, usize), &Record, Option<Cell>)> = records
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let found = plans
                .iter()
                .enumerate()
                .find_map(|(h, p)| Some((h, p.position(&r.cell)?)));
            match found {
                Some((h, i)) => ((h, i), r, Some(plans[h].cells[i])),
                None => ((usize::MAX, k), r, None),
            }
        })
        .collect();
    placed.sort_by_key(|(at, _, _)| *at);
    let refs: Vec<&Record> = placed.iter().map(|(_, r, _)| *r).collect();
    let errors: Vec<Option<CellError>> = refs.iter().map(|r| output::cell_error(r)).collect();
    let mut typed: Vec<(Cell, Ended<'_>)> = Vec::new();
    // A row with no cell of the plan, or an error row whose class this
    // build does not know, fails the run by its status alone.
    let mut untyped_error = false;
    for ((_, r, cell), e) in placed.iter().zip(&errors) {
        let ended = match (r.status, e) {
            (Status::Ok, _) => Ended::Ok,
            (Status::Unsupported, _) => Ended::Unsupported,
            (Status::Error, Some(e)) => Ended::Error(e),
            (Status::Error, None) => {
                untyped_error = true;
                continue;
            }
        };
        match cell {
            Some(c) => typed.push((*c, ended)),
            None => untyped_error |= r.status == Status::Error,
        }
    }
    let summaries =
        output::summaries(&records, &sink).map_err(|e| Failure::Run(anyhow::Error::from(e)))?;
    // For continuous-benchmarking tools (docs/results.md, "Tracking").
    for (name, value) in [
        ("bencher.json", analysis::export::bencher(&records)),
        (
            "github-benchmark.json",
            analysis::export::github_action(&records),
        ),
    ] {
        let text = serde_json::to_vec_pretty(&value).expect("exports serialise");
        sink.write_file(name, &text)
            .map_err(|e| Failure::Run(anyhow::anyhow!("writing {name}: {e}")))?;
    }
    let text = match opts.format {
        Format::Table => match opts.scenario.table(&typed) {
            Some(own) => own,
            None => format!(
                "{}{}{}{}{summaries}",
                output::table(&refs, &columns),
                output::hit_ratios(&refs),
                output::footprints(&refs),
                output::aftermath(&refs)
            ),
        },
        Format::Json => refs
            .iter()
            .map(|r| serde_json::to_string(r).expect("record serialises") + "\n")
            .collect(),
        Format::Csv => std::fs::read_to_string(sink.dir().join("results.csv"))
            .map_err(|e| Failure::Run(e.into()))?,
    };
    // Written after the files: a closed stdout fails the command once the
    // report is written too.
    let printed = super::emit(text);
    // Counts do not depend on the machine's load or on outliers in time.
    if opts.only_cell.is_none() && opts.measure == Measure::Time {
        warn(&refs);
    }
    if opts.report {
        report(&sink, opts.quiet);
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
    printed?;
    // Each row by its scenario's verdict.
    let failed = untyped_error || typed.iter().any(|(c, e)| c.failed(*e));
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A plan worth running: a sandboxed cell, or at least one cell for a
/// shard or an isolated child.
fn check_plan(opts: &Options, plan: &Plan) -> Result<(), Failure> {
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
    // A module given with --guest runs in at least one cell, or the
    // user is told before anything is timed (a shard or a single cell
    // may hold none of its cells: the other shards do).
    if opts.shard.is_none() && opts.only_cell.is_none() {
        for f in opts.guests.given() {
            let runs_it = plan
                .cells
                .iter()
                .filter(|c| c.guest() == f.replaces())
                .count();
            if runs_it == 0 {
                return Err(Failure::Usage(format!(
                    "--guest {}: no cell of this run runs it (its cells have lang={} and abi={}; check --only)",
                    f.spec(),
                    f.lang,
                    f.abi
                )));
            }
            if !opts.quiet {
                eprintln!(
                    "--guest {} replaces the built-in {} {} guest in {runs_it} cells",
                    f.spec(),
                    f.lang,
                    f.abi
                );
            }
        }
    }
    Ok(())
}

/// Writes `run.json`.
fn write_run(sink: &Sink, info: &RunInfo) -> Result<(), Failure> {
    sink.write_file("run.json", &info.to_json())
        .map_err(|e| Failure::Run(anyhow::anyhow!("writing run.json: {e}")))
}

/// Like hyperfine: says when the figures are less than they seem.
fn warn(refs: &[&Record]) {
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
    for w in warnings.into_iter().flatten() {
        eprintln!("{w}");
    }
}

/// The analysis step: ratios, figures and the paper's claims from the
/// rows just written. A report that cannot be written (no font, say) is a
/// warning: the results are already safe.
fn report(sink: &Sink, quiet: bool) {
    let font = std::path::Path::new(analysis::figures::DEFAULT_FONT);
    match analysis::load(sink.dir())
        .map_err(|e| Failure::Usage(e.to_string()))
        .and_then(|runs| super::report::write(&runs, sink.dir(), font))
    {
        Ok(summary) => {
            if !quiet {
                eprintln!("{summary}");
            }
        }
        Err(Failure::Usage(e)) => eprintln!("warning: no report: {e}"),
        Err(Failure::Run(e)) => eprintln!("warning: no report: {e:#}"),
    }
}
