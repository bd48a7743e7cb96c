//! The aftermath scenario's table: a small call after one large message,
//! against the same cell without it, and the memory the process kept.

use super::{Group, METHOD, Shown, cannot_run, failures, groups, not_measured, tabled};
use crate::cells::Cells;
use crate::data::Status;
use crate::load::Run;
use crate::report::{Block, Table};
use crate::units::{bytes, time, times};

/// The `large` value of the baseline: no large message first.
pub const NONE: &str = "none";

/// The factors the table has columns for.
const COLUMNS: &[&str] = &["large"];

/// The `large=none` cell of `g`'s runtime, ABI and other factors: its
/// baseline (itself for a `none` cell).
pub fn baseline<'g, 'a>(g: &Group<'a>, all: &'g [Group<'a>]) -> Option<&'g Group<'a>> {
    all.iter().find(|b| {
        b.runtime() == g.runtime()
            && b.abi() == g.abi()
            && b.factor("large") == Some(NONE)
            && b.factors().len() == g.factors().len()
            && g.factors()
                .iter()
                .all(|(k, v)| k == "large" || b.factors().get(k) == Some(v))
    })
}

/// Resident bytes kept (`retained_b`), the mean over the runs that
/// measured the cell.
pub fn retained(g: &Group) -> Option<f64> {
    let v: Vec<f64> = g
        .measured()
        .iter()
        .filter_map(|r| r.retained_b)
        .filter(|x| x.is_finite())
        .collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// The section: what was measured, the table, the failures.
pub fn section(runs: &[Run], cells: &Cells) -> Vec<Block> {
    // In the report's order: runtime, ABI, own factors, then `large`
    // from none up (`crate::select::PREFERRED`).
    let all = groups(runs, "aftermath");
    let shown = Shown::of(all.iter().map(|g| g.factors()));
    let mut b = vec![Block::Para(format!(
        "A fresh instance first carries one text both ways (`large`: none, 1 MiB or 16 MiB), \
         then serves the payload scenario's 16 B round trips: the time of one such small call, \
         against the same runtime, ABI and factors with `large=none`, and the resident bytes \
         the process kept from just before the large call to after the small ones (negative: \
         it shrank). Method: {METHOD} (aftermath)."
    ))];
    b.extend(shown.para());
    let header = [
        "runtime",
        "ABI",
        "own factors",
        "large",
        "small call",
        "× large=none",
        "retained",
    ];
    let mut t = Table::new(header.map(String::from).to_vec(), 3);
    let mut negative = false;
    for g in all.iter().filter(|g| tabled(g)) {
        let own = shown.varying(g.factors(), COLUMNS);
        let mut row = vec![
            g.runtime().to_string(),
            g.abi().to_string(),
            if own.is_empty() { "-".into() } else { own },
            g.factor("large").unwrap_or("-").to_string(),
        ];
        let mean = |g: &Group| {
            g.estimate(cells)
                .filter(|_| g.status() == Status::Ok)
                .map(|e| e.mean)
        };
        match mean(g) {
            Some(ns) => {
                let base = baseline(g, &all).and_then(mean).filter(|b| *b > 0.0);
                row.push(time(ns));
                row.push(base.map_or("-".into(), |b| times(ns / b)));
                let kept = retained(g);
                negative |= kept.is_some_and(|k| k < 0.0);
                row.push(kept.map_or("-".into(), bytes));
            }
            None => {
                row.push(not_measured(Some(g)));
                row.extend(["-", "-"].map(String::from));
            }
        }
        t.rows.push(row);
    }
    if !t.rows.is_empty() {
        b.push(Block::Table(t));
    }
    if negative {
        b.push(Block::Para(
            "A negative `retained`: the process's resident size fell between the two readings \
             (docs/results.md, `retained_b`)."
                .into(),
        ));
    }
    b.extend(failures(
        &all,
        &shown,
        COLUMNS,
        "Cells that failed:",
        &[],
        &[],
    ));
    b.extend(cannot_run(&all));
    b
}
