//! Choosing which cells a figure, table or claim looks at: the orders axis
//! values are shown in, and the value a factor is held at when a view
//! shows other factors (the paper's main configuration when present:
//! release host, `i32`, typed, preloaded, owned handles, scalar WIT args,
//! concurrency off, one request per call, limits off).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::cells::Cell;
use crate::data::Record;
use crate::units::value_cmp;

/// Runtimes in the order tables and legends show them.
pub const RUNTIMES: &[&str] = &[
    "native",
    "wasmer-cranelift",
    "wasmer-singlepass",
    "wasmer-llvm",
    "wasmtime",
    "wasmtime-winch",
    "wasmtime-pulley",
    "wasmi",
];

/// ABIs in the order tables and legends show them.
pub const ABIS: &[&str] = &[
    "native", "pair", "bytemuck", "bincode", "protobuf", "postcard", "rkyv", "wit",
];

/// Cache policies in the paper's order.
pub const POLICIES: &[&str] = &["fifo", "lru", "lfu", "gds"];

/// The value a factor is held at, best first, when a view holds it fixed.
pub const PREFERRED: &[(&str, &[&str])] = &[
    ("host-profile", &["release", "dev", "debug"]),
    ("operand", &["i32", "f32"]),
    ("caching", &["cached", "uncached"]),
    ("call", &["typed", "untyped"]),
    ("loading", &["preload", "hotload"]),
    ("handles", &["owned", "srs"]),
    ("memory", &["static", "dynamic"]),
    ("args", &["scalars", "record"]),
    ("concurrency", &["off", "on"]),
    // The paper ran without limits; `on` is abilab's default.
    ("limits", &["off", "on"]),
    ("batch", &["1", "256"]),
    // The built-in guests are Rust; C guests are the comparison.
    ("lang", &["rust", "c"]),
    ("module-cache", &["off", "on"]),
    ("workload", &["micro", "sim"]),
    ("policy", POLICIES),
    // The serving scenarios (docs/serving.md): the default first.
    ("lifecycle", &["per-request", "kept"]),
    ("allocator", &["on-demand", "pooling"]),
    ("module", &["core", "component"]),
    ("invoke", &["sync", "async"]),
    ("large", &["none", "1MiB", "16MiB"]),
];

/// Position of `v` in `order` (unknown values last).
fn rank(order: &[&str], v: &str) -> usize {
    order.iter().position(|o| *o == v).unwrap_or(order.len())
}

/// Orders values of the axis whose known order is `order`.
pub fn by(order: &[&str], a: &str, b: &str) -> Ordering {
    rank(order, a)
        .cmp(&rank(order, b))
        .then_with(|| value_cmp(a, b))
}

/// Orders cells: runtime, ABI, then every factor's value.
pub fn cell_order(a: &Cell, b: &Cell) -> Ordering {
    order(
        (&a.runtime, &a.abi, &a.factors),
        (&b.runtime, &b.abi, &b.factors),
    )
}

/// Orders rows as [`cell_order`] orders their cells: counted rows have no
/// cell ([`crate::cells`] leaves out rows without a time) yet are shown
/// in the same order.
pub fn row_order(a: &Record, b: &Record) -> Ordering {
    order(
        (&a.runtime, &a.abi, &a.factors),
        (&b.runtime, &b.abi, &b.factors),
    )
}

/// A cell's runtime, ABI and factors.
type Key<'a> = (&'a str, &'a str, &'a BTreeMap<String, String>);

fn order(a: Key, b: Key) -> Ordering {
    by(RUNTIMES, a.0, b.0)
        .then_with(|| by(ABIS, a.1, b.1))
        .then_with(|| {
            let keys = crate::identity::ordered_factors(a.2.keys().chain(b.2.keys()));
            for k in keys {
                let order = PREFERRED
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map_or(&[][..], |(_, o)| *o);
                let ord = match (a.2.get(k), b.2.get(k)) {
                    (Some(x), Some(y)) => by(order, x, y),
                    (None, Some(_)) => Ordering::Less,
                    (Some(_), None) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                };
                if ord.is_ne() {
                    return ord;
                }
            }
            Ordering::Equal
        })
}

/// The value `factor` is held at among `cells`: the most preferred value
/// present, else the first in natural order; `None` if no cell has it.
pub fn preferred<'a>(cells: impl IntoIterator<Item = &'a Cell>, factor: &str) -> Option<String> {
    let values = crate::cells::Cells::values(cells, factor);
    let order = PREFERRED
        .iter()
        .find(|(n, _)| *n == factor)
        .map_or(&[][..], |(_, o)| *o);
    order
        .iter()
        .find(|p| values.iter().any(|v| v == *p))
        .map(|p| p.to_string())
        .or_else(|| values.first().cloned())
}

/// Keeps the cells whose `factors` are at their preferred value (a cell
/// without the factor stays: the native baseline has no `caching`).
/// Returns the kept cells and the `name=value` pairs held.
pub fn hold<'a>(cells: Vec<&'a Cell>, factors: &[&str]) -> (Vec<&'a Cell>, Vec<String>) {
    let mut kept = cells;
    let mut held = Vec::new();
    for f in factors {
        // Natives do not choose a sandboxed factor's value.
        let chosen = preferred(kept.iter().copied().filter(|c| !c.is_native()), f)
            .or_else(|| preferred(kept.iter().copied(), f));
        if let Some(v) = chosen {
            kept.retain(|c| c.factor(f).is_none_or(|x| x == v));
            held.push(format!("{f}={v}"));
        }
    }
    (kept, held)
}

/// Sorts values in the axis order `order` (unknown values last,
/// naturally) and drops repeats.
pub fn sorted(mut v: Vec<String>, order: &[&str]) -> Vec<String> {
    v.sort_by(|a, b| by(order, a, b));
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::Cells;
    use crate::load::Run;
    use crate::testutil::{info, row};

    #[test]
    fn limits_are_held_off_as_the_paper_ran() {
        let records = vec![
            row("micro", "native", "native", &[("operand", "i32")], 1.0),
            row("micro", "wasmtime", "pair", &[("limits", "on")], 2.0),
            row("micro", "wasmtime", "pair", &[("limits", "off")], 1.5),
        ];
        let cells = Cells::build(&[Run {
            dir: "x".into(),
            info: info("micro"),
            records,
        }]);
        let (kept, held) = hold(cells.cells.iter().collect(), &["limits"]);
        assert_eq!(held, ["limits=off"]);
        assert_eq!(kept.len(), 2);
        assert!(kept.iter().all(|c| c.factor("limits") != Some("on")));
    }

    #[test]
    fn holding_picks_the_papers_configuration_and_keeps_natives() {
        let f = |c: &'static str, h: &'static str| {
            vec![("host-profile", h), ("operand", "i32"), ("caching", c)]
        };
        let records = vec![
            row(
                "micro",
                "native",
                "native",
                &[("host-profile", "debug"), ("operand", "i32")],
                1.0,
            ),
            row(
                "micro",
                "native",
                "native",
                &[("host-profile", "release"), ("operand", "i32")],
                1.0,
            ),
            row("micro", "wasmtime", "pair", &f("uncached", "release"), 1.0),
            row("micro", "wasmtime", "pair", &f("cached", "release"), 1.0),
            row("micro", "wasmtime", "pair", &f("cached", "debug"), 1.0),
        ];
        let cells = Cells::build(&[Run {
            dir: "x".into(),
            info: info("micro"),
            records,
        }]);
        let all: Vec<&Cell> = cells.cells.iter().collect();
        let (kept, held) = hold(all, &["host-profile", "caching"]);
        assert_eq!(held, ["host-profile=release", "caching=cached"]);
        let ids: Vec<&str> = kept.iter().map(|c| c.runtime.as_str()).collect();
        assert_eq!(ids, ["native", "wasmtime"]);
        assert_eq!(
            by(RUNTIMES, "wasmtime", "wasmer-cranelift"),
            Ordering::Greater
        );
        assert_eq!(
            sorted(vec!["lru".into(), "gds".into(), "fifo".into()], POLICIES),
            ["fifo", "lru", "gds"]
        );
    }
}
