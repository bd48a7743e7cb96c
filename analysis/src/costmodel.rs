//! A cost model per ABI from a payload run: for every runtime × ABI ×
//! shape × direction (and the ABI's own factors), the line
//! t(n) = a + b·n through the replicate times over the size sweep, by
//! least squares weighted by 1/t² ([`fit_relative`]: each size counts by
//! its relative error, so the 16 B points fix `a` and the 1 MiB points
//! `b`; unweighted, the largest sizes decide both and `a` comes out tens
//! of µs either side of 0). `a` is what a call costs whatever it carries,
//! `b` what each byte adds: together they say which ABI to pick for a
//! given size, and [`crossovers`] says where one overtakes another.
//!
//! Each replicate is a point (ns per call at its size), so the intervals
//! carry within-run noise only (see docs/methodology.md). In
//! `cost-model.jsonl` the line's `intercept` is `a` (ns), its `slope` `b`
//! (ns per byte), each `_ci95` the half-width of the weighted fit's 95%
//! interval, `r2` the weighted fit's, and `"weighting": "relative"` says
//! so ([`crate::fit::Weighting`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::data::{Record, SeriesKey, Status};
use crate::fit::{Line, fit_relative};

/// One fitted group: a runtime × ABI × shape × direction × own factors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    /// Runtime id, or `native`.
    pub runtime: String,
    /// ABI id, or `native`.
    pub abi: String,
    /// The group's factors (every factor but `size`).
    pub factors: BTreeMap<String, String>,
    /// The sizes fitted, bytes.
    pub sizes: Vec<u64>,
    /// The line, in ns per call against payload bytes, fitted by relative
    /// error (its `weighting` says so).
    pub line: Line,
}

impl Fit {
    /// A label for tables: `wasmtime/bincode memory=static`.
    pub fn label(&self) -> String {
        let own: Vec<String> = self
            .factors
            .iter()
            .filter(|(k, _)| !WORK.contains(&k.as_str()))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("{}/{} {}", self.runtime, self.abi, own.join(" "))
            .trim_end()
            .to_string()
    }
}

/// Factors that say what is moved (the rest say how).
const WORK: &[&str] = &["host-profile", "shape", "direction"];

/// Fits every payload group of `records` with at least two sizes.
pub fn fits(records: &[Record]) -> Vec<Fit> {
    let mut groups: BTreeMap<SeriesKey, Vec<&Record>> = BTreeMap::new();
    for r in records {
        if r.scenario != "payload" || r.status != Status::Ok {
            continue;
        }
        let key: Vec<(String, String)> = r
            .factors
            .iter()
            .filter(|(k, _)| k.as_str() != "size")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        groups
            .entry((r.runtime.clone(), r.abi.clone(), key))
            .or_default()
            .push(r);
    }
    let mut out = Vec::new();
    for ((runtime, abi, key), rows) in groups {
        let mut points = Vec::new();
        let mut sizes = Vec::new();
        for r in &rows {
            let Some(bytes) = r.factors.get("size").and_then(|s| size_bytes(s)) else {
                continue;
            };
            sizes.push(bytes);
            for &s in &r.replicate_s {
                points.push((bytes as f64, s / r.calls as f64 * 1e9));
            }
        }
        sizes.sort_unstable();
        sizes.dedup();
        if sizes.len() < 2 {
            continue;
        }
        if let Some(line) = fit_relative(&points) {
            out.push(Fit {
                runtime,
                abi,
                factors: key.into_iter().collect(),
                sizes,
                line,
            });
        }
    }
    out
}

/// A payload size id as bytes (`fixed`, the record's, has no sweep).
fn size_bytes(id: &str) -> Option<u64> {
    crate::units::parse_size(id)
}

/// Where one ABI's line overtakes another's, on the same runtime, shape
/// and direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crossover {
    /// Runtime id.
    pub runtime: String,
    /// Shape and direction (and host profile) shared by both lines.
    pub work: BTreeMap<String, String>,
    /// The ABI (with its own factors) cheaper below `bytes`.
    pub cheaper_below: String,
    /// The ABI cheaper above `bytes`.
    pub cheaper_above: String,
    /// Where the lines cross, bytes.
    pub bytes: f64,
    /// Whether `bytes` lies inside the sizes measured.
    pub within_sweep: bool,
}

/// Every crossing of two sandboxed lines at a positive size.
pub fn crossovers(fits: &[Fit]) -> Vec<Crossover> {
    let work = |f: &Fit| -> BTreeMap<String, String> {
        f.factors
            .iter()
            .filter(|(k, _)| WORK.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let mut out = Vec::new();
    let sandboxed: Vec<&Fit> = fits.iter().filter(|f| f.runtime != "native").collect();
    for (i, p) in sandboxed.iter().enumerate() {
        for q in &sandboxed[i + 1..] {
            if p.runtime != q.runtime || work(p) != work(q) || p.abi == q.abi {
                continue;
            }
            let (lp, lq) = (p.line, q.line);
            if lp.slope == lq.slope {
                continue;
            }
            let x = (lq.intercept - lp.intercept) / (lp.slope - lq.slope);
            if !(x.is_finite() && x > 0.0) {
                continue;
            }
            // Below the crossing the line with the smaller intercept wins.
            let (below, above) = if lp.intercept < lq.intercept {
                (p, q)
            } else {
                (q, p)
            };
            let lo = *p.sizes.first().unwrap_or(&0) as f64;
            let hi = *p.sizes.last().unwrap_or(&0) as f64;
            out.push(Crossover {
                runtime: p.runtime.clone(),
                work: work(p),
                cheaper_below: below.label(),
                cheaper_above: above.label(),
                bytes: x,
                within_sweep: x >= lo && x <= hi,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_recover_each_abis_fixed_and_per_byte_cost_by_relative_error() {
        // bytemuck: 40 ns + 0.05 ns/B; bincode 45 ns + 0.2 ns/B (list: ×2
        // per byte); each replicate off by up to ±0.45% of its time.
        let fits = fits(&crate::testutil::payload_rows("wasmtime"));
        assert_eq!(
            fits.len(),
            2 * 3,
            "two shapes × (native, bytemuck, bincode)"
        );
        let get = |abi: &str, shape: &str| {
            fits.iter()
                .find(|f| f.abi == abi && f.factors["shape"] == shape)
                .unwrap()
        };
        for (abi, shape, a, b) in [
            ("bytemuck", "string", 40.0, 0.05),
            ("bincode", "list", 45.0, 0.4),
            ("native", "string", 1.0, 0.01),
        ] {
            let l = get(abi, shape).line;
            assert!((l.intercept - a).abs() < 1e-6 * a, "{abi} {shape}: {l:?}");
            assert!((l.slope - b).abs() < 1e-6 * b, "{abi} {shape}: {l:?}");
            assert!(l.intercept_ci95 < 0.01 * a, "{abi} {shape}: {l:?}");
            assert_eq!(l.weighting, crate::fit::Weighting::Relative);
        }
        let json = serde_json::to_value(&fits[0]).unwrap();
        assert_eq!(json["line"]["weighting"], "relative", "{json}");
        assert_eq!(get("bytemuck", "list").sizes, [16, 256, 4096, 65536]);
    }

    /// The reference payload run's fits, unweighted and weighted: `cargo
    /// test -p analysis --lib reference_intercepts -- --ignored --nocapture`.
    #[test]
    #[ignore = "reads results/reference/payload; prints a comparison"]
    fn reference_intercepts() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/reference/payload");
        let runs = crate::load::load(std::path::Path::new(dir)).unwrap();
        let records: Vec<Record> = runs.into_iter().flat_map(|r| r.records).collect();
        let weighted = fits(&records);
        let (mut neg_before, mut neg_after, mut wide_before, mut wide_after) = (0, 0, 0, 0);
        let mut before_range = (f64::MAX, f64::MIN);
        let mut after_range = (f64::MAX, f64::MIN);
        for f in &weighted {
            let mut points = Vec::new();
            for r in records.iter().filter(|r| {
                r.scenario == "payload"
                    && r.status == Status::Ok
                    && r.runtime == f.runtime
                    && r.abi == f.abi
                    && f.factors.iter().all(|(k, v)| r.factors.get(k) == Some(v))
                    && r.factors.len() == f.factors.len() + 1
            }) {
                let Some(bytes) = r.factors.get("size").and_then(|s| size_bytes(s)) else {
                    continue;
                };
                for &s in &r.replicate_s {
                    points.push((bytes as f64, s / r.calls as f64 * 1e9));
                }
            }
            let plain = crate::fit::fit(&points).unwrap();
            let w = f.line;
            neg_before += usize::from(plain.intercept < 0.0);
            neg_after += usize::from(w.intercept < 0.0);
            wide_before += usize::from(plain.intercept_ci95 > plain.intercept.abs());
            wide_after += usize::from(w.intercept_ci95 > w.intercept.abs());
            before_range = (
                before_range.0.min(plain.intercept),
                before_range.1.max(plain.intercept),
            );
            after_range = (
                after_range.0.min(w.intercept),
                after_range.1.max(w.intercept),
            );
            if f.runtime == "wasmtime" && f.factors["shape"] == "string" {
                println!(
                    "{:<40} {:>4} {:<9} a {:>9.0} ±{:<8.0} -> {:>7.0} ±{:<6.0} b {:.4} -> {:.4}",
                    f.label(),
                    f.factors["shape"],
                    f.factors["direction"],
                    plain.intercept,
                    plain.intercept_ci95,
                    w.intercept,
                    w.intercept_ci95,
                    plain.slope,
                    w.slope
                );
            }
        }
        println!(
            "{} fits; negative intercepts {neg_before} -> {neg_after}; intervals wider than \
             the intercept {wide_before} -> {wide_after}; intercepts {:.0}..{:.0} ns -> \
             {:.0}..{:.0} ns; crossovers {}",
            weighted.len(),
            before_range.0,
            before_range.1,
            after_range.0,
            after_range.1,
            crossovers(&weighted).len()
        );
    }

    #[test]
    fn crossovers_are_where_the_lines_meet() {
        let fit_of = |abi: &str, a: f64, b: f64| Fit {
            runtime: "wasmtime".into(),
            abi: abi.into(),
            factors: [("shape", "string"), ("direction", "in")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            sizes: vec![16, 1 << 20],
            line: Line {
                intercept: a,
                intercept_ci95: 0.0,
                slope: b,
                slope_ci95: 0.0,
                r2: 1.0,
                n: 10,
                weighting: crate::fit::Weighting::Relative,
            },
        };
        // Cheap per call, dear per byte against dear per call, cheap per byte.
        let c = crossovers(&[fit_of("pair", 10.0, 0.5), fit_of("rkyv", 110.0, 0.1)]);
        assert_eq!(c.len(), 1);
        assert!((c[0].bytes - 250.0).abs() < 1e-9);
        assert_eq!(c[0].cheaper_below, "wasmtime/pair");
        assert_eq!(c[0].cheaper_above, "wasmtime/rkyv");
        assert!(c[0].within_sweep);
        // Parallel or never-crossing lines: nothing.
        assert!(crossovers(&[fit_of("a", 10.0, 0.5), fit_of("b", 20.0, 0.5)]).is_empty());
        assert!(crossovers(&[fit_of("a", 10.0, 0.1), fit_of("b", 20.0, 0.5)]).is_empty());
    }
}
