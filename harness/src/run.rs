//! Executes a plan: every cell in order, each written out as it finishes,
//! each contained (a panic, or with `--isolate` even an abort, costs its
//! cell only), stopping cleanly between cells on SIGINT or SIGTERM.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io::{self, IsTerminal};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

use crate::busy;
use crate::cell::Cell;
use crate::error::{CellError, ErrorClass};
use crate::fault::{Fault, FaultKind};
use crate::measure::Protocol;
use crate::output::{self, Record, Sink, Status};
use crate::plan::Plan;
use crate::scenario::{self, Outcome};

/// How cells are run besides the plan: what a resumed run already has,
/// whether each cell gets its own process, and faults injected by tests.
#[derive(Debug, Clone, Default)]
pub struct Control {
    /// Ids of cells already in the results (`--resume`): skipped.
    pub done: HashSet<String>,
    /// Records already written, for the natives' means (`--resume`).
    pub previous: Vec<Record>,
    /// Run each cell in a child process given these `matrix` arguments
    /// (`--isolate`).
    pub isolate: Option<Vec<OsString>>,
    /// Count each (isolated) cell under Callgrind (`--measure callgrind`).
    pub counted: Option<crate::callgrind::Counted>,
    /// A fault to inject into the cells whose id contains a string (tests).
    pub fault: Option<Fault>,
}

/// Set by SIGINT or SIGTERM: stop after the cell in flight.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(sig: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
    // A second signal gets the default action: stop now.
    // SAFETY: restoring the default disposition is async-signal-safe.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
    }
}

/// Catches SIGINT and SIGTERM for the rest of the process: the run stops
/// between cells and `run.json` says it was interrupted.
pub fn catch_signals() {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: installs a handler that only stores to an atomic and
        // resets the disposition, both async-signal-safe.
        unsafe {
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
}

/// Whether a signal asked the run to stop.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Runs every cell of `plan` not already done, appending each record to
/// `sink` as soon as it is known. Returns the records (the previous ones
/// first) in plan order.
///
/// With natives first (`--order shuffled` or `fixed`) every other cell's
/// ratio to native is known when its record is written; with `--order
/// interleaved` a cell that ran before its native gets its ratio when the
/// run ends, and the result files are rewritten then.
pub fn execute(
    plan: &Plan,
    protocol: &Protocol,
    inputs: &scenario::Inputs,
    sink: &mut Sink,
    progress: &Progress,
    control: &Control,
) -> io::Result<Vec<Record>> {
    let mut records: Vec<Option<Record>> = vec![None; plan.cells.len()];
    // Natives' seconds per call: calls per replicate differ between cells
    // when the adaptive protocol calibrates them, so ratios are per call.
    let per_call = |r: &Record| r.mean_s.map(|m| m / r.calls.max(1) as f64);
    let mut native_means: HashMap<Cell, f64> = HashMap::new();
    for r in &control.previous {
        if let Some(i) = plan.position(&r.cell) {
            if let (true, Some(mean)) = (plan.cells[i].is_native(), per_call(r)) {
                native_means.insert(plan.cells[i], mean);
            }
            records[i] = Some(r.clone());
        }
    }
    let todo: Vec<usize> = plan
        .order
        .iter()
        .copied()
        .filter(|&i| !control.done.contains(&plan.cells[i].id()))
        .collect();
    for (k, &i) in todo.iter().enumerate() {
        if interrupted() {
            break;
        }
        let run_index = control.previous.len() + k;
        let cell = &plan.cells[i];
        let label = cell.label();
        progress.start(k, todo.len(), &label);
        let before = busy::snapshot();
        let mut record = match &control.isolate {
            Some(args) => {
                match isolated(cell, args, sink.dir(), run_index, control.counted.as_ref()) {
                    Some(record) => record,
                    // Interrupted with the cell: it is not recorded, so a
                    // resume runs it again.
                    None => break,
                }
            }
            None => {
                let outcome = contained(cell, protocol, inputs, control.fault.as_ref(), &|| {
                    progress.tick()
                });
                output::record(cell, &outcome, protocol, None, run_index)
            }
        };
        record.run_index = run_index;
        if let Some((guest, sha256)) = inputs.guests.identify(&cell.guest()) {
            record.guest = Some(guest);
            record.guest_sha256 = Some(sha256);
        }
        if let Some(b) = before.as_ref().and_then(busy::since) {
            record.others_cpu = Some(b.others_cpu);
            record.load_avg = b.load_avg;
        }
        if !cell.is_native() {
            let native = native_means.get(&cell.baseline()).copied();
            record.ratio_to_native = per_call(&record).zip(native).map(|(m, n)| m / n);
        }
        if let (true, Some(mean)) = (cell.is_native(), per_call(&record)) {
            native_means.insert(*cell, mean);
        }
        sink.write(&record)?;
        progress.finish(k, todo.len(), &label, &record);
        records[i] = Some(record);
    }
    // Cells that ran before their native (`--order interleaved`) get their
    // ratio now, and the files are rewritten in execution order.
    let mut late = false;
    for (i, r) in records.iter_mut().enumerate() {
        let Some(r) = r else { continue };
        let cell = &plan.cells[i];
        if cell.is_native() || r.ratio_to_native.is_some() {
            continue;
        }
        if let (Some(m), Some(n)) = (per_call(r), native_means.get(&cell.baseline())) {
            r.ratio_to_native = Some(m / n);
            late = true;
        }
    }
    if late {
        let mut in_order: Vec<&Record> = records.iter().flatten().collect();
        in_order.sort_by_key(|r| r.run_index);
        let in_order: Vec<Record> = in_order.into_iter().cloned().collect();
        sink.rewrite(&in_order)?;
    }
    Ok(records.into_iter().flatten().collect())
}

/// Runs one cell in this process, a panic caught as the cell's error.
fn contained(
    cell: &Cell,
    protocol: &Protocol,
    inputs: &scenario::Inputs,
    fault: Option<&Fault>,
    tick: &dyn Fn(),
) -> Outcome {
    let run = || {
        if let Some(f) = fault.filter(|f| cell.id().contains(&f.cells)) {
            match f.kind {
                FaultKind::Panic => panic!("injected panic (--inject-fault)"),
                FaultKind::Abort => std::process::abort(),
            }
        }
        cell.run(protocol, inputs, &mut || tick())
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(outcome) => outcome,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            Outcome::Error(CellError::new(
                ErrorClass::Panic,
                format!("the cell's host code panicked: {what}"),
            ))
        }
    }
}

/// Runs one cell in a child process (`--isolate`): the child is this
/// binary given the user's `matrix` arguments and `--only-cell`; a child
/// that dies costs its cell only. `None` when the run was interrupted
/// while the child ran (a Ctrl-C reaches the child too): its end says
/// nothing of the cell, which is left for a resume.
fn isolated(
    cell: &Cell,
    args: &[OsString],
    dir: &Path,
    run_index: usize,
    counted: Option<&crate::callgrind::Counted>,
) -> Option<Record> {
    let out: PathBuf = dir.join(format!(".isolated-{run_index}"));
    let _ = std::fs::remove_dir_all(&out);
    // The flags added below replace the user's own (clap refuses a flag
    // given twice).
    let mut child_args: Vec<OsString> = args.to_vec();
    child_args.extend([
        "--only-cell".into(),
        cell.id().into(),
        "--no-report".into(),
        "--quiet".into(),
        "--format".into(),
        "json".into(),
        "--out".into(),
        out.clone().into(),
    ]);
    let crash = |why: String| {
        let outcome = Outcome::Error(CellError::new(ErrorClass::Crash, why));
        let protocol = Protocol {
            calls: 0,
            reps: 0,
            warmup: std::time::Duration::ZERO,
            budget: runtimes::Budget::DEFAULT,
            stop: crate::measure::Stop::Fixed,
        };
        output::record(cell, &outcome, &protocol, None, run_index)
    };
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            return Some(crash(format!(
                "cannot find this binary to isolate the cell: {e}"
            )));
        }
    };
    let mut command = match counted {
        Some(c) => c.command(run_index, &child_args),
        None => {
            let mut c = crate::relaunch::command(&exe);
            c.args(&child_args);
            c
        }
    };
    let status = command.stdout(std::process::Stdio::null()).status();
    // A child stopped by a signal that reached it too (a Ctrl-C reaches
    // the process group) may still have finished its cell: its record
    // counts; without one the cell is left for a resume.
    let written = || {
        std::fs::read_to_string(out.join("results.jsonl"))
            .ok()
            .and_then(|t| serde_json::from_str::<Record>(t.lines().next()?).ok())
    };
    let record = match status {
        Ok(st) if matches!(st.code(), Some(0 | 1)) => {
            Some(written().unwrap_or_else(|| crash("the cell's process wrote no result".into())))
        }
        Ok(st) if st.code() == Some(130) || interrupted() => written(),
        Err(e) => Some(crash(format!("cannot start the cell's process: {e}"))),
        Ok(st) => Some(crash(format!(
            "the cell's process died ({st}); the run went on"
        ))),
    };
    let _ = std::fs::remove_dir_all(&out);
    match (record, counted) {
        (Some(mut r), Some(c)) => {
            c.fill(run_index, &mut r);
            Some(r)
        }
        (record, _) => record,
    }
}

/// Progress on stderr: a bar on a terminal, one line per cell otherwise,
/// nothing with `--quiet`; both with cells done, cells left and an
/// estimate of the time to the end (from the cells done so far).
pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    started: std::time::Instant,
    /// Cells that could not run, per reason: summarised at the end rather
    /// than one line each.
    unsupported: std::cell::RefCell<Vec<(String, usize)>>,
}

impl Progress {
    /// A reporter for `cells` cells.
    pub fn new(cells: usize, quiet: bool) -> Progress {
        let terminal = io::stderr().is_terminal();
        let bar = (!quiet && terminal).then(|| {
            let bar = ProgressBar::new(cells as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {pos}/{len} cells, eta {eta} {msg}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar
        });
        Progress {
            bar,
            lines: !quiet && !terminal,
            started: std::time::Instant::now(),
            unsupported: Default::default(),
        }
    }

    fn start(&self, i: usize, n: usize, label: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("[{}/{n}] {label}", i + 1));
        }
    }

    fn tick(&self) {
        if let Some(bar) = &self.bar {
            bar.tick();
        }
    }

    fn finish(&self, i: usize, n: usize, label: &str, r: &Record) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        if r.status == Status::Unsupported {
            let reason = r.error.clone().unwrap_or_default();
            let mut seen = self.unsupported.borrow_mut();
            match seen.iter_mut().find(|(why, _)| *why == reason) {
                Some((_, count)) => *count += 1,
                None => seen.push((reason, 1)),
            }
            return;
        }
        if !self.lines {
            return;
        }
        let what = match r.status {
            Status::Ok => match (r.ns_per_call, r.ratio_to_native) {
                (Some(ns), Some(x)) => format!("{ns:.2} ns/call, {x:.2}× native"),
                (Some(ns), None) => format!("{ns:.2} ns/call"),
                _ => "ok".into(),
            },
            Status::Error => format!("error: {}", r.error.as_deref().unwrap_or("")),
            Status::Unsupported => format!("unsupported: {}", r.error.as_deref().unwrap_or("")),
        };
        // The time left, at the pace of the cells done so far.
        let done = (i + 1) as f64;
        let left = self.started.elapsed().as_secs_f64() / done * (n as f64 - done);
        eprintln!(
            "[{}/{n}] {label}: {what} (eta {})",
            i + 1,
            analysis::units::duration(left)
        );
    }

    /// Removes the bar and says, once per reason, which cells could not run.
    pub fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.bar.is_some() || self.lines {
            for (reason, count) in self.unsupported.borrow().iter() {
                eprintln!("{count} cells unsupported: {reason}");
            }
        }
    }
}
