//! The report's tables: every cell of a scenario, and the summaries laid
//! out as docs/paper-comparison.md lays them out (micro: ABI × runtime;
//! simulator: slowdown per policy; hit ratios per policy × size; payload
//! fits). Every number is printed at the fixed precision of
//! [`crate::units`], so it reads back to the row it came from.

use super::doc::{Block, Table};
use crate::cells::{Basis, Cell, Cells};
use crate::charts::payload_fits;
use crate::data::Status;
use crate::identity::ordered_factors;
use crate::select::{ABIS, POLICIES, RUNTIMES, cell_order, hold, sorted};
use crate::units::{ns, parse_size, ratio};

/// `38.1 ± 0.1`: the mean and the half-width of its 95% interval, at the
/// mean's precision.
pub fn pm(c: &Cell) -> String {
    let Some(e) = c.estimate else {
        return "-".into();
    };
    let mean = ns(e.mean);
    let decimals = mean.split('.').nth(1).map_or(0, str::len);
    format!("{mean} ± {:.*}", decimals, (e.high - e.low) / 2.0)
}

/// `pair`, `bytemuck static`.
fn abi_memory(c: &Cell) -> String {
    match c.factor("memory") {
        Some(m) => format!("{} {m}", c.abi),
        None => c.abi.clone(),
    }
}

/// Every cell of `scenario`: the varying factors as columns (the constant
/// ones said once above), status, ns per call, its 95% CI, the ratio to
/// native, hit ratios for the simulator, and the runs behind each figure
/// when there are several. Failures are listed with their reason below.
pub fn every_cell(cells: &Cells, scenario: &str, several_runs: bool) -> Vec<Block> {
    let mut list: Vec<&Cell> = cells
        .cells
        .iter()
        .filter(|c| c.scenario == scenario)
        .collect();
    list.sort_by(|a, b| cell_order(a, b));
    let mut names: Vec<&String> = Vec::new();
    for c in &list {
        for n in c.factors.keys() {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    let names = ordered_factors(names);
    let (constant, varying): (Vec<&str>, Vec<&str>) = names.into_iter().partition(|n| {
        let first = list[0].factor(n);
        first.is_some() && list.iter().all(|c| c.factor(n) == first)
    });
    let mut blocks = Vec::new();
    if !constant.is_empty() {
        let held: Vec<String> = constant
            .iter()
            .map(|n| format!("`{n}={}`", list[0].factor(n).unwrap_or_default()))
            .collect();
        blocks.push(Block::Para(format!("Every cell: {}.", held.join(", "))));
    }
    let sim = list.iter().any(|c| c.object_hit_ratio.is_some());
    let mut header: Vec<String> = vec!["runtime".into(), "abi".into()];
    header.extend(varying.iter().map(|s| s.to_string()));
    header.push("status".into());
    let mut numeric = vec!["ns/call", "95% CI (ns)", "× native"];
    if sim {
        numeric.extend(["object hit ratio", "byte hit ratio"]);
    }
    if several_runs {
        numeric.push("runs");
    }
    let n_numeric = numeric.len();
    header.extend(numeric.into_iter().map(String::from));
    let mut t = Table::new(header, n_numeric);
    let mut notes: Vec<String> = Vec::new();
    for c in &list {
        let mut row = vec![c.runtime.clone(), c.abi.clone()];
        row.extend(
            varying
                .iter()
                .map(|n| c.factor(n).unwrap_or("-").to_string()),
        );
        row.push(status_word(c.status).into());
        match c.estimate {
            Some(e) => {
                row.push(ns(e.mean));
                row.push(format!("{} – {}", ns(e.low), ns(e.high)));
                row.push(c.ratio.map_or("-".into(), ratio));
            }
            None => row.extend(["-", "-", "-"].map(String::from)),
        }
        if sim {
            row.push(c.object_hit_ratio.map_or("-".into(), |x| format!("{x:.4}")));
            row.push(c.byte_hit_ratio.map_or("-".into(), |x| format!("{x:.4}")));
        }
        if several_runs {
            row.push(match c.estimate.map(|e| e.basis) {
                Some(Basis::RunMeans { runs }) => format!("{runs} of {}", c.present_in),
                Some(Basis::Replicates { .. }) => format!("1 of {}", c.present_in),
                None => format!("0 of {}", c.present_in),
            });
        }
        t.rows.push(row);
        if c.status != Status::Ok {
            let note = format!(
                "{} `{}`: {}",
                status_word(c.status),
                c.label(&constant),
                c.error.as_deref().unwrap_or("no reason recorded")
            );
            notes.push(note);
        }
    }
    blocks.push(Block::Table(t));
    if !notes.is_empty() {
        blocks.push(Block::Para("Cells that did not measure:".into()));
        blocks.push(Block::List(notes));
    }
    blocks
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Error => "error",
        Status::Unsupported => "unsupported",
    }
}

/// Micro: ns per call of each ABI (rows) on each runtime (columns), the
/// other factors held at the paper's main configuration.
pub fn micro_summary(cells: &Cells) -> Vec<Block> {
    let all: Vec<&Cell> = cells.ok("micro").collect();
    if !all.iter().any(|c| !c.is_native()) {
        return Vec::new();
    }
    let (kept, held) = hold(
        all,
        &[
            "host-profile",
            "operand",
            "caching",
            "call",
            "loading",
            "handles",
            "args",
            "concurrency",
            "limits",
            "lang",
        ],
    );
    let rts = sorted(
        kept.iter()
            .filter(|c| !c.is_native())
            .map(|c| c.runtime.clone())
            .collect(),
        RUNTIMES,
    );
    let mut rows: Vec<String> = Vec::new();
    let mut ordered = kept.clone();
    ordered.sort_by(|a, b| crate::select::by(ABIS, &a.abi, &b.abi).then_with(|| cell_order(a, b)));
    for c in &ordered {
        let label = abi_memory(c);
        if !rows.contains(&label) {
            rows.push(label);
        }
    }
    let mut header = vec!["ABI".to_string()];
    header.extend(rts.iter().cloned());
    let mut t = Table::new(header, rts.len());
    for label in rows {
        let mut row = vec![label.clone()];
        for rt in &rts {
            let found = kept
                .iter()
                .find(|c| abi_memory(c) == label && (c.is_native() || &c.runtime == rt));
            row.push(found.map_or("-".into(), |c| pm(c)));
        }
        t.rows.push(row);
    }
    vec![
        Block::Para(format!(
            "ns per call, mean ± half-width of the 95% confidence interval; held: {}.",
            held.iter()
                .map(|h| format!("`{h}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Block::Table(t),
    ]
}

/// `pair caching=cached memory=static` without the held factors.
fn config(c: &Cell) -> String {
    let skip = ["host-profile", "cache-size", "policy"];
    let mut parts: Vec<String> = Vec::new();
    for n in ordered_factors(c.factors.keys()) {
        if !skip.contains(&n) {
            parts.push(format!("{n}={}", c.factors[n]));
        }
    }
    parts.join(" ")
}

/// Simulator: per cache size, ns per request of native and the slowdown of
/// every sandboxed configuration per policy: `3.93× (100)`.
pub fn sim_summary(cells: &Cells) -> Vec<Block> {
    let all: Vec<&Cell> = cells.ok("sim").collect();
    if !all.iter().any(|c| !c.is_native()) {
        return Vec::new();
    }
    let (all, held) = hold(all, &["host-profile"]);
    let sandboxed: Vec<&Cell> = all.iter().copied().filter(|c| !c.is_native()).collect();
    let mut blocks = Vec::new();
    for size in Cells::values(sandboxed.iter().copied(), "cache-size") {
        let at: Vec<&Cell> = all
            .iter()
            .copied()
            .filter(|c| c.is("cache-size", &size))
            .collect();
        let policies = sorted(Cells::values(at.iter().copied(), "policy"), POLICIES);
        let mut header: Vec<String> = ["runtime", "ABI", "config"].map(String::from).to_vec();
        header.extend(policies.iter().cloned());
        let mut t = Table::new(header, policies.len());
        let mut native = vec!["native".to_string(), String::new(), "ns/req".into()];
        for p in &policies {
            // The default build's native: an ablated one (`ablation=heap`)
            // is the yardstick of its own cells only, which carry their
            // ratio to it.
            let n = at.iter().find(|c| {
                c.is_native()
                    && c.is("policy", p)
                    && c.factor("ablation").is_none_or(|a| a == "none")
            });
            native.push(n.map_or("-".into(), |c| pm(c)));
        }
        t.rows.push(native);
        let mut ordered: Vec<&Cell> = at.iter().copied().filter(|c| !c.is_native()).collect();
        ordered.sort_by(|a, b| cell_order(a, b));
        let mut seen: Vec<(String, String, String)> = Vec::new();
        for c in ordered {
            let k = (c.runtime.clone(), c.abi.clone(), config(c));
            if seen.contains(&k) {
                continue;
            }
            let mut row = vec![k.0.clone(), k.1.clone(), k.2.clone()];
            for p in &policies {
                let cell = at.iter().find(|x| {
                    !x.is_native()
                        && x.runtime == k.0
                        && x.abi == k.1
                        && config(x) == k.2
                        && x.is("policy", p)
                });
                row.push(match cell.and_then(|x| Some((x.ratio?, x.mean()?))) {
                    Some((r, m)) => format!("{}× ({})", ratio(r), ns(m)),
                    None => "-".into(),
                });
            }
            t.rows.push(row);
            seen.push(k);
        }
        blocks.push(Block::Para(format!(
            "Slowdown against native per policy at `cache-size={size}`, ns per request in \
             brackets (native: mean ± 95% CI half-width); held: {}.",
            held.iter()
                .map(|h| format!("`{h}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
        blocks.push(Block::Table(t));
    }
    blocks
}

/// Simulator: object / byte hit ratio of the native cells, policy × size.
pub fn hit_ratio_table(cells: &Cells) -> Vec<Block> {
    let natives: Vec<&Cell> = cells
        .ok("sim")
        .filter(|c| c.is_native() && c.object_hit_ratio.is_some())
        .collect();
    if natives.is_empty() {
        return Vec::new();
    }
    let (natives, _) = hold(natives, &["host-profile"]);
    let mut sizes = Cells::values(natives.iter().copied(), "cache-size");
    sizes.sort_by_key(|s| parse_size(s));
    let mut header = vec!["policy".to_string()];
    header.extend(sizes.iter().cloned());
    let mut t = Table::new(header, sizes.len());
    for p in sorted(Cells::values(natives.iter().copied(), "policy"), POLICIES) {
        let mut row = vec![p.clone()];
        for s in &sizes {
            let c = natives
                .iter()
                .find(|c| c.is("policy", &p) && c.is("cache-size", s));
            row.push(
                match c.and_then(|c| Some((c.object_hit_ratio?, c.byte_hit_ratio?))) {
                    Some((o, b)) => format!("{o:.3} / {b:.3}"),
                    None => "-".into(),
                },
            );
        }
        t.rows.push(row);
    }
    vec![
        Block::Para("Hit ratios of the native simulator (object / byte):".into()),
        Block::Table(t),
    ]
}

/// Payload: the fitted fixed cost and cost per KiB of each ABI.
pub fn payload_table(cells: &Cells) -> Vec<Block> {
    let fits = payload_fits(cells);
    if fits.is_empty() {
        return Vec::new();
    }
    let header = [
        "runtime",
        "payload",
        "ABI",
        "sizes",
        "fixed (ns)",
        "per KiB (ns)",
        "r²",
    ]
    .map(String::from)
    .to_vec();
    let mut t = Table::new(header, 4);
    for f in fits {
        t.rows.push(vec![
            f.runtime,
            f.work,
            f.abi,
            f.points.to_string(),
            ns(f.line.intercept),
            ns(f.line.slope * 1024.0),
            format!("{:.3}", f.line.r2),
        ]);
    }
    vec![
        Block::Para(
            "Fit of ns per call = fixed + per-byte × payload size, per ABI, by least squares \
             weighted by 1/ns² (relative error: each size counts alike, so the fixed cost is \
             the small sizes' and the per-byte cost the large ones'; r² is the weighted fit's):"
                .into(),
        ),
        Block::Table(t),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Run;
    use crate::testutil::{info, row};

    #[test]
    fn the_sim_summary_names_the_default_builds_native() {
        let f = |ablation| {
            vec![
                ("policy", "lfu"),
                ("cache-size", "4MiB"),
                ("ablation", ablation),
            ]
        };
        let records = vec![
            row("sim", "native", "native", &f("kept"), 26.5),
            row("sim", "native", "native", &f("none"), 31.3),
            row("sim", "wasmtime", "pair", &f("none"), 60.0),
        ];
        let cells = Cells::build(&[Run {
            dir: "x".into(),
            info: info("sim"),
            records,
        }]);
        let text = crate::report::doc::markdown(&sim_summary(&cells));
        assert!(text.contains("| native |  | ns/req | 31.3"), "{text}");
    }

    #[test]
    fn the_micro_summary_shows_one_guest_language() {
        // A C cell faster than the Rust one must not stand in for it.
        let records = vec![
            row("micro", "native", "native", &[("operand", "i32")], 1.0),
            row("micro", "wasmtime", "pair", &[("lang", "c")], 10.0),
            row("micro", "wasmtime", "pair", &[("lang", "rust")], 20.0),
        ];
        let cells = Cells::build(&[Run {
            dir: "x".into(),
            info: info("micro"),
            records,
        }]);
        let text = crate::report::doc::markdown(&micro_summary(&cells));
        assert!(text.contains("`lang=rust`"), "{text}");
        assert!(
            text.contains("| pair | 20") && !text.contains("| pair | 10"),
            "{text}"
        );
    }
}
