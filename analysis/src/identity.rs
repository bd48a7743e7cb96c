//! A cell's identity across files, runs and versions: the row's `cell`
//! field when it has one (every row the harness writes today), else the
//! same string rebuilt from its scenario, runtime, ABI and factors, for
//! rows written before `cell` existed. The rebuilt id lists the factors in
//! the harness's own order (host profile, work, link, the ABI's own), so
//! an old row and a new row of the same cell get the same id and compare
//! and merge match them.

use crate::data::Record;

/// The order the harness writes factors in a cell id (`Cell::values`):
/// host profile, the work (operand; policy, cache size; payload size), the
/// link (caching, call, loading, batch), then the ABIs' own factors.
/// Factors not listed follow, by name.
pub const FACTOR_ORDER: &[&str] = &[
    "host-profile",
    "operand",
    "policy",
    "cache-size",
    "shape",
    "direction",
    "size",
    "caching",
    "call",
    "loading",
    "batch",
    "handles",
    "memory",
    "args",
    "concurrency",
    "limits",
];

/// The runtime and ABI id of native baseline rows.
pub const NATIVE: &str = "native";

/// The factor names of `r` in the harness's order.
pub fn ordered_factors<'a>(factors: impl IntoIterator<Item = &'a String>) -> Vec<&'a str> {
    let mut names: Vec<&str> = factors.into_iter().map(String::as_str).collect();
    names.sort_by_key(|n| {
        (
            FACTOR_ORDER
                .iter()
                .position(|o| o == n)
                .unwrap_or(usize::MAX),
            n.to_string(),
        )
    });
    names
}

/// The identity of a row: `cell` if set, else rebuilt
/// (`micro/wasmtime/pair/host-profile=release,operand=i32,...`).
pub fn cell_id(r: &Record) -> String {
    if !r.cell.is_empty() {
        return r.cell.clone();
    }
    derive(r)
}

/// The id the harness would write for this row.
pub fn derive(r: &Record) -> String {
    let values: Vec<String> = ordered_factors(r.factors.keys())
        .into_iter()
        .map(|n| format!("{n}={}", r.factors[n]))
        .collect();
    format!(
        "{}/{}/{}/{}",
        r.scenario,
        r.runtime,
        r.abi,
        values.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::row;

    #[test]
    fn rebuilt_ids_match_the_harness_spelling() {
        let mut r = row(
            "micro",
            "wasmtime",
            "pair",
            &[
                ("handles", "srs"),
                ("loading", "preload"),
                ("operand", "f32"),
                ("call", "typed"),
                ("host-profile", "release"),
                ("caching", "cached"),
            ],
            10.0,
        );
        r.cell.clear();
        // The harness's own test of Cell::id writes exactly this.
        assert_eq!(
            cell_id(&r),
            "micro/wasmtime/pair/host-profile=release,operand=f32,caching=cached,\
             call=typed,loading=preload,handles=srs"
        );
        r.cell = "given".into();
        assert_eq!(cell_id(&r), "given");
    }

    #[test]
    fn unknown_factors_follow_by_name() {
        let mut r = row(
            "x",
            "native",
            "native",
            &[("zeta", "1"), ("alpha", "2"), ("host-profile", "dev")],
            1.0,
        );
        r.cell.clear();
        assert_eq!(
            cell_id(&r),
            "x/native/native/host-profile=dev,alpha=2,zeta=1"
        );
    }
}
