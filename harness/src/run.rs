//! Executes a plan: every cell in order, each written out as it finishes.

use std::collections::HashMap;
use std::io::{self, IsTerminal};

use indicatif::{ProgressBar, ProgressStyle};

use crate::cell::Cell;
use crate::measure::Protocol;
use crate::output::{self, Record, Sink, Status};
use crate::plan::Plan;
use crate::scenario;

/// Runs every cell of `plan`, appending each record to `sink` as soon as it
/// is known. Returns the records in plan order.
///
/// Native cells run first (the plan puts them there), so every other cell's
/// ratio to native is known when its record is written.
pub fn execute(
    plan: &Plan,
    protocol: &Protocol,
    inputs: &scenario::Inputs,
    sink: &mut Sink,
    progress: &Progress,
) -> io::Result<Vec<Record>> {
    let mut records: Vec<Option<Record>> = vec![None; plan.cells.len()];
    let mut native_means: HashMap<Cell, f64> = HashMap::new();
    for (run_index, &i) in plan.order.iter().enumerate() {
        let cell = &plan.cells[i];
        let label = cell.label();
        progress.start(run_index, plan.order.len(), &label);
        let outcome = scenario::run(cell, protocol, inputs, &mut || progress.tick());
        let native_mean = if cell.is_native() {
            None
        } else {
            native_means.get(&cell.baseline()).copied()
        };
        let record = output::record(cell, &outcome, protocol, native_mean, run_index);
        if let (true, Some(mean)) = (cell.is_native(), record.mean_s) {
            native_means.insert(*cell, mean);
        }
        sink.write(&record)?;
        progress.finish(run_index, plan.order.len(), &label, &record);
        records[i] = Some(record);
    }
    Ok(records.into_iter().flatten().collect())
}

/// Progress on stderr: a bar on a terminal, one line per cell otherwise,
/// nothing with `--quiet`.
pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    /// Cells that could not run, per reason: summarised at the end rather
    /// than one line each.
    unsupported: std::cell::RefCell<Vec<(String, usize)>>,
}

impl Progress {
    /// A reporter for `cells` cells of `reps` replicates each.
    pub fn new(cells: usize, reps: u32, quiet: bool) -> Progress {
        let terminal = io::stderr().is_terminal();
        let bar = (!quiet && terminal).then(|| {
            let bar = ProgressBar::new(cells as u64 * u64::from(reps));
            bar.set_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {percent:>3}% eta {eta} {msg}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar
        });
        Progress {
            bar,
            lines: !quiet && !terminal,
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
            bar.inc(1);
        }
    }

    fn finish(&self, i: usize, n: usize, label: &str, r: &Record) {
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
        eprintln!("[{}/{n}] {label}: {what}", i + 1);
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
