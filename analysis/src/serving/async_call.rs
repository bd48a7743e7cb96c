//! The async scenario's table: `call_async` beside `call`, per runtime,
//! kind of guest and concurrency setting.

use super::{Group, METHOD, Shown, cannot_run, failures, groups, not_measured, tabled};
use crate::cells::Cells;
use crate::data::Status;
use crate::load::Run;
use crate::report::{Block, Table};
use crate::units::{time, times};

/// The factors the table has columns for.
const COLUMNS: &[&str] = &["module", "invoke", "concurrency"];

/// The section: what was measured, the table, the failures.
pub fn section(runs: &[Run], cells: &Cells) -> Vec<Block> {
    let all = groups(runs, "async");
    let shown = Shown::of(all.iter().map(|g| g.factors()));
    let mut b = vec![Block::Para(format!(
        "One call per replicate into the same guest, Wasmtime's `call` (`sync`) or \
         `call_async` polled to completion on a minimal executor (`async`), on a core module \
         (the Pair guest) or a component (the WIT guest), with component-model concurrency \
         support off or on; the last column divides the mean times. Method: {METHOD} (async)."
    ))];
    b.extend(shown.para());
    let header = [
        "runtime",
        "module",
        "concurrency",
        "sync p50",
        "sync p99",
        "async p50",
        "async p99",
        "async ÷ sync (means)",
    ];
    let mut t = Table::new(header.map(String::from).to_vec(), 5);
    let mut keys: Vec<(String, String, String)> = Vec::new();
    for g in all.iter().filter(|g| tabled(g)) {
        let k = key(g, &shown);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    for k in keys {
        let of = |invoke: &str| {
            all.iter()
                .find(|g| key(g, &shown) == k && g.factor("invoke") == Some(invoke))
        };
        let mut row = vec![k.0.clone(), k.1.clone(), k.2.clone()];
        let mut means = Vec::new();
        for invoke in ["sync", "async"] {
            let g = of(invoke).filter(|g| g.status() == Status::Ok);
            match g.and_then(|g| Some((g.tail_ns()?, g.estimate(cells)?.mean))) {
                Some(((p50, p99), mean)) => {
                    row.extend([time(p50), time(p99)]);
                    means.push(Some(mean));
                }
                None => {
                    row.extend([not_measured(of(invoke)), "-".into()]);
                    means.push(None);
                }
            }
        }
        row.push(match (means[0], means[1]) {
            (Some(sync), Some(asy)) if sync > 0.0 => times(asy / sync),
            _ => "-".into(),
        });
        t.rows.push(row);
    }
    if !t.rows.is_empty() {
        b.push(Block::Table(t));
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

/// Runtime, module (with any other varying factor), concurrency.
fn key(g: &Group, shown: &Shown) -> (String, String, String) {
    let module = g.factor("module").unwrap_or(g.abi());
    let own = shown.varying(g.factors(), COLUMNS);
    (
        g.runtime().to_string(),
        if own.is_empty() {
            module.to_string()
        } else {
            format!("{module} {own}")
        },
        g.factor("concurrency").unwrap_or("-").to_string(),
    )
}
