//! A cost model per ABI from a payload run: for every runtime × ABI ×
//! shape × direction (and the ABI's own factors), the line
//! t(n) = a + b·n through the replicate times over the size sweep, by
//! ordinary least squares. `a` is what a call costs whatever it carries,
//! `b` what each byte adds: together they say which ABI to pick for a
//! given size, and [`crossovers`] says where one overtakes another.
//!
//! Each replicate is a point (ns per call at its size), so the intervals
//! carry within-run noise only (see docs/methodology.md).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::data::{Record, SeriesKey, Status};
use crate::fit::{Line, fit};

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
    /// The line, in ns per call against payload bytes.
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
        if let Some(line) = fit(&points) {
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
