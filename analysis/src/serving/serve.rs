//! The serve scenario's table: per runtime, ABI and allocator, a request
//! on a fresh instance against one on a kept instance.

use super::{Group, METHOD, Shown, cannot_run, failures, groups, not_measured, tabled};
use crate::cells::Cells;
use crate::data::Status;
use crate::load::Run;
use crate::report::{Block, Table};
use crate::units::{si, time, times};

/// The lifecycles, in the table's order.
pub const LIFECYCLES: [&str; 2] = ["per-request", "kept"];

/// The factors the table has columns for.
const COLUMNS: &[&str] = &["lifecycle", "allocator"];

/// One request's figures: p50, p99, mean (ns) and requests per second on
/// one core (1e9 / mean), or what stopped it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request {
    /// Median time per request, ns.
    pub p50: f64,
    /// 99th percentile, ns.
    pub p99: f64,
    /// Mean, ns (the cell's estimate).
    pub mean: f64,
    /// Requests per second on one core: 1e9 / mean.
    pub per_second: f64,
}

/// A serve cell's figures (`None` unless it measured).
pub fn request(g: &Group, cells: &Cells) -> Option<Request> {
    let mean = g.estimate(cells)?.mean;
    let (p50, p99) = g.tail_ns()?;
    (mean > 0.0).then(|| Request {
        p50,
        p99,
        mean,
        per_second: 1e9 / mean,
    })
}

/// The section: what was measured, the table, the failures.
pub fn section(runs: &[Run], cells: &Cells) -> Vec<Block> {
    let all = groups(runs, "serve");
    let shown = Shown::of(all.iter().map(|g| g.factors()));
    let mut b = vec![Block::Para(format!(
        "One request per replicate (`micro_mul_i32` through the ABI's micro host): \
         `per-request` times instantiate, call and drop on a fresh instance, `kept` the call \
         on an instance made before timing, with Wasmtime's `on-demand` or `pooling` instance \
         allocator; requests per second on one core = 1 / mean time per request. Method and \
         what it cannot say: {METHOD} (serve)."
    ))];
    b.extend(shown.para());
    let mut header: Vec<String> = ["runtime", "ABI", "allocator"].map(String::from).to_vec();
    for l in LIFECYCLES {
        for m in ["p50", "p99", "mean", "req/s"] {
            header.push(format!("{l} {m}"));
        }
    }
    header.push("per-request ÷ kept".into());
    let mut t = Table::new(header, 9);
    // One line per runtime, ABI (with its varying factors) and allocator:
    // the groups come in that order, lifecycles side by side.
    let mut keys: Vec<(String, String, String)> = Vec::new();
    for g in all.iter().filter(|g| tabled(g)) {
        let k = key(g, &shown);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    for k in keys {
        let of = |l: &str| {
            all.iter()
                .find(|g| key(g, &shown) == k && g.factor("lifecycle") == Some(l))
        };
        let mut row = vec![k.0.clone(), k.1.clone(), k.2.clone()];
        let mut means = Vec::new();
        for l in LIFECYCLES {
            let g = of(l);
            match g
                .filter(|g| g.status() == Status::Ok)
                .and_then(|g| request(g, cells))
            {
                Some(r) => {
                    row.extend([time(r.p50), time(r.p99), time(r.mean), si(r.per_second)]);
                    means.push(Some(r.mean));
                }
                None => {
                    row.push(not_measured(g));
                    row.extend(["-", "-", "-"].map(String::from));
                    means.push(None);
                }
            }
        }
        row.push(match (means[0], means[1]) {
            (Some(fresh), Some(kept)) => times(fresh / kept),
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

/// Runtime, ABI with its varying factors, allocator.
fn key(g: &Group, shown: &Shown) -> (String, String, String) {
    (
        g.runtime().to_string(),
        shown.abi(g.abi(), g.factors(), COLUMNS),
        g.factor("allocator").unwrap_or("-").to_string(),
    )
}
