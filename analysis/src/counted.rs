//! The report's view of counted cells (`--measure callgrind`): the
//! anatomy of a call per cell, as a table and as stacked bars
//! ([`crate::charts::plan_counted`]), and how well counts rank cells the
//! way time ranks them, where the same cells were also timed.

use std::collections::BTreeMap;

use crate::data::{Record, Status};
use crate::identity::cell_id;
use crate::load::Run;
use crate::report::doc::{Block, Table};

/// The anatomy's parts, in the order the rows name them.
pub const PARTS: [&str; 7] = [
    "guest-code",
    "runtime",
    "host-abi",
    "harness",
    "rust-std",
    "libc",
    "other",
];

/// The counted ok rows of `runs`, by cell id (the last row of a cell):
/// what the table and the anatomy figures ([`crate::charts::plan_counted`])
/// both show, so they show the same cells.
pub(crate) fn rows(runs: &[Run]) -> BTreeMap<String, &Record> {
    runs.iter()
        .flat_map(|r| &r.records)
        .filter(|r| r.status == Status::Ok && r.counts.is_some())
        .map(|r| (cell_id(r), r))
        .collect()
}

/// The timed ok rows of `runs`: ns per call by cell id (mean over runs).
fn timed(runs: &[Run]) -> BTreeMap<String, f64> {
    let mut sums: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for r in runs.iter().flat_map(|r| &r.records) {
        let Some(mean) = r.mean_s.filter(|_| r.status == Status::Ok) else {
            continue;
        };
        let e = sums.entry(cell_id(r)).or_default();
        e.0 += mean / r.calls.max(1) as f64 * 1e9;
        e.1 += 1;
    }
    sums.into_iter()
        .map(|(k, (s, n))| (k, s / n as f64))
        .collect()
}

/// A row's factors that tell it apart, as `value value...`.
fn label(r: &Record) -> String {
    let own: Vec<&str> = r
        .factors
        .iter()
        .filter(|(k, _)| k.as_str() != "host-profile")
        .map(|(_, v)| v.as_str())
        .collect();
    format!("{} {}/{} {}", r.scenario, r.runtime, r.abi, own.join(" "))
}

/// The report's section on counted cells, with the figures `plan` has
/// for them ([`crate::charts::plan_counted`]); empty when there are none.
pub fn section(runs: &[Run], plan: &crate::charts::Plan) -> Vec<Block> {
    let rows = rows(runs);
    if rows.is_empty() {
        return Vec::new();
    }
    let mut b = vec![
        Block::Heading(2, "Counted cells: the anatomy of a call".into()),
        Block::Para(
            "Cells measured with `--measure callgrind`: instructions per call (the median \
             replicate's), split by where they went (docs/methodology.md § Two measures). \
             `guest-code` is code in no file, what the runtime compiled; wasmi compiles none, \
             its interpreter counts as `runtime`. A native row's count is the work itself."
                .into(),
        ),
    ];
    let mut header = vec!["cell".to_string(), "instr/call".to_string()];
    header.extend(PARTS.iter().map(|p| p.to_string()));
    header.extend(["L1+LL miss/call", "br miss/call"].map(String::from));
    let numeric = header.len() - 1;
    let mut t = Table::new(header, numeric);
    for r in rows.values() {
        let c = r.counts.expect("counted rows have counts");
        let mut row = vec![format!("`{}`", label(r)), format!("{:.1}", c.instructions)];
        row.extend(
            PARTS
                .iter()
                .map(|p| r.anatomy.get(*p).map_or("-".into(), |x| format!("{x:.1}"))),
        );
        row.push(format!("{:.3}", c.l1_misses + c.ll_misses));
        row.push(format!("{:.3}", c.branch_misses));
        t.rows.push(row);
    }
    b.push(Block::Table(t));
    b.extend(crate::report::figures(plan, crate::charts::COUNTED));
    b.extend(agreement(&rows, &timed(runs)));
    b
}

/// Spearman's ρ between counts and times, per runtime, over the sandboxed
/// cells both measured; with the pair of cells they order most
/// differently.
fn agreement(counted: &BTreeMap<String, &Record>, timed: &BTreeMap<String, f64>) -> Vec<Block> {
    let mut by_runtime: BTreeMap<&str, Vec<(&Record, f64, f64)>> = BTreeMap::new();
    for (id, r) in counted {
        if let (Some(ns), Some(c)) = (timed.get(id), r.counts)
            && r.runtime != "native"
        {
            by_runtime
                .entry(r.runtime.as_str())
                .or_default()
                .push((r, c.instructions, *ns));
        }
    }
    if by_runtime.is_empty() {
        return Vec::new();
    }
    let mut t = Table::new(
        ["runtime", "cells", "Spearman ρ", "ordered most differently"]
            .map(String::from)
            .to_vec(),
        0,
    );
    for (runtime, cells) in &by_runtime {
        let counts: Vec<f64> = cells.iter().map(|c| c.1).collect();
        let times: Vec<f64> = cells.iter().map(|c| c.2).collect();
        let rho = spearman(&counts, &times);
        // The pair whose orders disagree with the largest time ratio.
        let mut worst: Option<(f64, usize, usize)> = None;
        for i in 0..cells.len() {
            for j in 0..cells.len() {
                let (a, b) = (&cells[i], &cells[j]);
                if a.1 < b.1 && a.2 > b.2 {
                    let by = a.2 / b.2;
                    if worst.is_none_or(|w| by > w.0) {
                        worst = Some((by, i, j));
                    }
                }
            }
        }
        t.rows.push(vec![
            runtime.to_string(),
            cells.len().to_string(),
            rho.map_or("-".into(), |r| format!("{r:.2}")),
            match worst {
                None => "none: counts order them as time does".into(),
                Some((by, i, j)) => format!(
                    "`{}` counts fewer instructions than `{}` yet takes {by:.2}× its time",
                    label(cells[i].0),
                    label(cells[j].0)
                ),
            },
        ]);
    }
    vec![
        Block::Heading(3, "Do counts rank cells as time does?".into()),
        Block::Para(
            "Over the cells these runs both counted and timed: where ρ is near 1, counts can \
             stand in for time to rank them; the pair listed is where they disagree most \
             (cache misses, memory-bound work)."
                .into(),
        ),
        Block::Table(t),
    ]
}

/// Spearman's rank correlation (average ranks for ties); `None` under 3
/// values or without variation.
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 3 {
        return None;
    }
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let mean = (n + 1.0) / 2.0;
    let (mut num, mut da, mut db) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        num += (x - mean) * (y - mean);
        da += (x - mean).powi(2);
        db += (y - mean).powi(2);
    }
    (da > 0.0 && db > 0.0).then(|| num / (da * db).sqrt())
}

/// 1-based ranks, ties given their average rank.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            r[k] = rank;
        }
        i = j + 1;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::CountsPerCall;
    use crate::testutil::{info, micro_rows, paper_like_micro};

    #[test]
    fn spearman_ranks_with_ties() {
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]), Some(1.0));
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[30.0, 20.0, 10.0]), Some(-1.0));
        assert_eq!(ranks(&[5.0, 1.0, 5.0]), vec![2.5, 1.0, 2.5]);
        assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(spearman(&[1.0, 2.0], &[1.0, 2.0]), None);
    }

    #[test]
    fn counted_rows_get_their_anatomy_and_a_rank_check_against_time() {
        let timed = micro_rows("wasmtime", paper_like_micro);
        // The same cells counted: instructions follow time except one pair.
        let counted: Vec<Record> = timed
            .iter()
            .cloned()
            .map(|mut r| {
                let ns = r.mean_s.unwrap() / r.calls as f64 * 1e9;
                r.counts = Some(CountsPerCall {
                    instructions: ns * 10.0,
                    data_reads: 0.0,
                    data_writes: 0.0,
                    l1_misses: 0.0,
                    ll_misses: 0.0,
                    branch_misses: 0.0,
                });
                r.anatomy = PARTS.iter().map(|p| (p.to_string(), 1.0)).collect();
                r.mean_s = None;
                r
            })
            .collect();
        let run = |records| Run {
            dir: "x".into(),
            info: info("micro"),
            records,
        };
        let timed_only = [run(timed.clone())];
        let plan = crate::charts::plan_counted(&timed_only);
        assert!(section(&timed_only, &plan).is_empty());
        let both = [run(timed), run(counted)];
        let plan = crate::charts::plan_counted(&both);
        let blocks = section(&both, &plan);
        let md = crate::report::doc::markdown(&blocks);
        // The anatomy figure sits in this section, after the table.
        let table = md.find("| cell | instr/call |").unwrap();
        let figure = md.find("![The anatomy of a call (micro)").unwrap();
        assert!(table < figure, "{md}");
        assert!(md.contains("(figures/anatomy.svg)"), "{md}");
        assert!(md.contains("Callgrind's counts, median replicate."), "{md}");
        assert!(md.contains("the anatomy of a call"), "{md}");
        assert!(md.contains("guest-code"), "{md}");
        assert!(md.contains("Spearman"), "{md}");
        assert!(md.contains("| wasmtime |"), "{md}");
        assert!(md.contains("1.00"), "{md}");
    }
}
