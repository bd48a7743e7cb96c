//! The report's sections on the serving scenarios (docs/serving.md):
//! `serve` (a fresh instance per request or a kept one, on-demand or
//! pooled), `footprint` (memory per kept instance), `async` (`call_async`
//! beside `call`) and `aftermath` (a small call after a large one). Their
//! figures are [`crate::charts::plan_serving`]'s.
//!
//! These tables read the rows, not only the cells: the tails (p50, p99),
//! the memory figures (`footprint`, `retained_b`) are the rows' own. The
//! mean of a cell is its [`crate::cells`] estimate, so a cell found in
//! several runs gets the same mean here as everywhere else; its tails are
//! then taken over every run's replicates, and its memory figures are the
//! median of the runs'.

pub mod aftermath;
pub mod async_call;
pub mod footprint;
pub mod serve;

use std::collections::BTreeMap;

use crate::cells::{Cells, Estimate};
use crate::data::{Record, Status};
use crate::identity::{cell_id, ordered_factors};
use crate::load::Run;
use crate::report::Block;
use crate::select::row_order;
use crate::stats::Summary;

/// Where the method of these scenarios is written down.
pub const METHOD: &str = "docs/serving.md";

/// The section of `scenario` (after its title), or nothing for a scenario
/// that is not a serving one.
pub fn section(scenario: &str, runs: &[Run], cells: &Cells) -> Vec<Block> {
    match scenario {
        "serve" => serve::section(runs, cells),
        "footprint" => footprint::section(runs, cells),
        "async" => async_call::section(runs, cells),
        "aftermath" => aftermath::section(runs, cells),
        _ => Vec::new(),
    }
}

/// One cell's rows, over every run that has it.
#[derive(Debug, Clone)]
pub struct Group<'a> {
    /// The cell's id ([`crate::identity::cell_id`]).
    pub id: String,
    /// Its rows, in run order.
    pub rows: Vec<&'a Record>,
}

impl<'a> Group<'a> {
    /// The first run's row.
    pub fn first(&self) -> &'a Record {
        self.rows[0]
    }

    /// Runtime id.
    pub fn runtime(&self) -> &'a str {
        &self.first().runtime
    }

    /// ABI id.
    pub fn abi(&self) -> &'a str {
        &self.first().abi
    }

    /// Factors, name → value.
    pub fn factors(&self) -> &'a BTreeMap<String, String> {
        &self.first().factors
    }

    /// A factor's value.
    pub fn factor(&self, name: &str) -> Option<&'a str> {
        self.factors().get(name).map(String::as_str)
    }

    /// The rows that measured it.
    pub fn measured(&self) -> Vec<&'a Record> {
        self.rows
            .iter()
            .copied()
            .filter(|r| r.status == Status::Ok)
            .collect()
    }

    /// `ok` if any run measured it, else the first run's status.
    pub fn status(&self) -> Status {
        if self.rows.iter().any(|r| r.status == Status::Ok) {
            Status::Ok
        } else {
            self.first().status
        }
    }

    /// The row that says why, when no run measured it.
    pub fn failure(&self) -> Option<&'a Record> {
        (self.status() != Status::Ok).then(|| self.first())
    }

    /// The mean time per call (ns) and its interval, from the cells.
    pub fn estimate(&self, cells: &Cells) -> Option<Estimate> {
        cells.get(&self.id).and_then(|c| c.estimate)
    }

    /// Median and 99th percentile of the time per call, ns: the row's own
    /// for one run; over every run's replicates for several.
    pub fn tail_ns(&self) -> Option<(f64, f64)> {
        let rows = self.measured();
        let per_call = |r: &Record, s: f64| s / r.calls.max(1) as f64 * 1e9;
        if let [r] = rows.as_slice() {
            return Some((per_call(r, r.median_s?), per_call(r, r.p99_s?)));
        }
        let all: Vec<f64> = rows
            .iter()
            .flat_map(|r| r.replicate_s.iter().map(|&s| per_call(r, s)))
            .collect();
        Summary::of(&all).map(|s| (s.median, s.p99))
    }
}

/// The rows of `scenario` grouped by cell, in the report's cell order
/// (runtime, ABI, then factors). Counted rows (`--measure callgrind`)
/// have no time and are left out, as [`crate::cells`] leaves them out.
pub fn groups<'a>(runs: &'a [Run], scenario: &str) -> Vec<Group<'a>> {
    let mut out: Vec<Group<'a>> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for r in runs.iter().flat_map(|r| &r.records) {
        if r.scenario != scenario || (r.counts.is_some() && r.mean_s.is_none()) {
            continue;
        }
        let id = cell_id(r);
        match index.get(&id) {
            Some(&i) => out[i].rows.push(r),
            None => {
                index.insert(id.clone(), out.len());
                out.push(Group { id, rows: vec![r] });
            }
        }
    }
    out.sort_by(|a, b| row_order(a.first(), b.first()));
    out
}

/// The factors that take one value in every row that has them (said once,
/// above a table) against those that vary (said per row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    /// `(name, value)` of the factors held, in the harness's order.
    pub held: Vec<(String, String)>,
}

impl Shown {
    /// What `factors` (every row's) hold.
    pub fn of<'a>(factors: impl IntoIterator<Item = &'a BTreeMap<String, String>>) -> Shown {
        let mut values: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for f in factors {
            for (k, v) in f {
                let seen = values.entry(k).or_default();
                if !seen.contains(&v.as_str()) {
                    seen.push(v);
                }
            }
        }
        let names: Vec<String> = values.keys().map(|k| k.to_string()).collect();
        let held = ordered_factors(&names)
            .into_iter()
            .filter(|n| values[n].len() == 1)
            .map(|n| (n.to_string(), values[n][0].to_string()))
            .collect();
        Shown { held }
    }

    fn is_held(&self, name: &str) -> bool {
        self.held.iter().any(|(n, _)| n == name)
    }

    /// The factors of `factors` that vary, but for `skip` (a table's own
    /// columns): `memory=dynamic args=record`, or empty.
    pub fn varying(&self, factors: &BTreeMap<String, String>, skip: &[&str]) -> String {
        ordered_factors(factors.keys())
            .into_iter()
            .filter(|n| !self.is_held(n) && !skip.contains(n))
            .map(|n| format!("{n}={}", factors[n]))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `bytemuck` or `bytemuck memory=dynamic`: the ABI and its varying
    /// factors but for `skip`.
    pub fn abi(&self, abi: &str, factors: &BTreeMap<String, String>, skip: &[&str]) -> String {
        let own = self.varying(factors, skip);
        if own.is_empty() {
            abi.to_string()
        } else {
            format!("{abi} {own}")
        }
    }

    /// The cell in words, its varying factors and its `columns` (a
    /// table's, held or not): `wasmtime/pair allocator=pooling
    /// instances=10000`.
    pub fn cell(&self, g: &Group, columns: &[&str]) -> String {
        let mut s = format!("{}/{}", g.runtime(), g.abi());
        for n in ordered_factors(g.factors().keys()) {
            if !self.is_held(n) || columns.contains(&n) {
                s.push_str(&format!(" {n}={}", g.factors()[n]));
            }
        }
        s
    }

    /// The held factors as a sentence, if any.
    pub fn para(&self) -> Option<Block> {
        if self.held.is_empty() {
            return None;
        }
        let list: Vec<String> = self
            .held
            .iter()
            .map(|(n, v)| format!("`{n}={v}`"))
            .collect();
        Some(Block::Para(format!(
            "Every row that has the factor: {}.",
            list.join(", ")
        )))
    }
}

/// The cells that failed, each named with its varying factors and
/// `columns` and with its class and message, under `title`; nothing when
/// none did. `only` keeps those of these classes (all when empty),
/// `except` leaves those out.
pub fn failures(
    groups: &[Group],
    shown: &Shown,
    columns: &[&str],
    title: &str,
    only: &[&str],
    except: &[&str],
) -> Vec<Block> {
    let items: Vec<String> = groups
        .iter()
        .filter_map(|g| Some((g, g.failure().filter(|r| r.status == Status::Error)?)))
        .filter(|(_, r)| {
            let class = r.error_class.as_deref().unwrap_or("");
            (only.is_empty() || only.contains(&class)) && !except.contains(&class)
        })
        .map(|(g, r)| {
            format!(
                "`{}`: **{}**: {}",
                shown.cell(g, columns),
                r.error_class.as_deref().unwrap_or("error"),
                r.error.as_deref().unwrap_or("no reason recorded")
            )
        })
        .collect();
    if items.is_empty() {
        return Vec::new();
    }
    vec![Block::Para(title.into()), Block::List(items)]
}

/// The cells that could not run, one line per reason with their count;
/// nothing when every cell could.
pub fn cannot_run(groups: &[Group]) -> Vec<Block> {
    let mut reasons: Vec<(&str, usize)> = Vec::new();
    for g in groups {
        if let Some(r) = g.failure().filter(|r| r.status == Status::Unsupported) {
            let why = r.error.as_deref().unwrap_or("no reason recorded");
            match reasons.iter_mut().find(|(w, _)| *w == why) {
                Some(x) => x.1 += 1,
                None => reasons.push((why, 1)),
            }
        }
    }
    if reasons.is_empty() {
        return Vec::new();
    }
    vec![
        Block::Para("Cells that cannot run here (`unsupported`), left out of the table:".into()),
        Block::List(
            reasons
                .into_iter()
                .map(|(why, n)| format!("{n} cell{}: {why}", if n == 1 { "" } else { "s" }))
                .collect(),
        ),
    ]
}

/// Whether a group has a row worth a table line: measured or failed.
pub fn tabled(g: &Group) -> bool {
    g.status() != Status::Unsupported
}

pub use crate::stats::median;

/// How a cell that did not measure reads in a table: its error class
/// (`pool-full`, `trap`...), `unsupported`, or `-` when absent.
pub fn not_measured(g: Option<&Group>) -> String {
    match g.and_then(|g| g.failure()) {
        Some(r) if r.status == Status::Error => r.error_class.clone().unwrap_or("error".into()),
        Some(_) => "unsupported".into(),
        None => "-".into(),
    }
}

#[cfg(test)]
mod tests;
