//! How many simulator requests per call it takes for the boundary to stop
//! mattering: per runtime × ABI × policy × caching (and the ABI's own
//! factors), ns per request against the `batch` factor, and the smallest
//! batch within 10% of the largest batch's cost.
//!
//! The batch is also the paper's fixed-cost claim tested directly, with
//! the number of requests per call as the work knob: a call of `k`
//! requests costs `a + b·k`, so a request costs `b + a/k`. A straight
//! line through (1/k, ns per request) gives `a`, the fixed cost of a call
//! (its slope), and `b`, what each request costs once the call is paid for
//! (its intercept); the in-guest replay of the same group, where no request
//! crosses, is what `b` would be with nothing but the policy code.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::data::{Record, SeriesKey, Status};
use crate::fit::{Line, fit};

/// How close to the largest batch's cost per request counts as "stopped
/// falling".
pub const WITHIN: f64 = 0.10;

/// One batch sweep and where it levels off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knee {
    /// Runtime id.
    pub runtime: String,
    /// ABI id.
    pub abi: String,
    /// The sweep's factors (every factor but `batch`).
    pub factors: BTreeMap<String, String>,
    /// (batch, ns per request), by batch.
    pub points: Vec<(u64, f64)>,
    /// The smallest batch whose cost is within [`WITHIN`] of the largest
    /// batch's; `None` with fewer than two batches.
    pub knee: Option<u64>,
    /// ns per request = `intercept + slope / k` fitted over the batches:
    /// `slope` is the fixed cost of one call (ns), `intercept` the cost of
    /// a request once inside (ns); within-run 95% intervals.
    #[serde(default)]
    pub per_call: Option<Line>,
    /// The group's `batch=in-guest` cell, ns per request, if it ran.
    #[serde(default)]
    pub in_guest_ns: Option<f64>,
}

/// Every batch sweep in `records` (simulator cells with at least two
/// batch sizes).
pub fn knees(records: &[Record]) -> Vec<Knee> {
    let mut groups: BTreeMap<SeriesKey, Vec<(u64, f64)>> = BTreeMap::new();
    let mut in_guest: BTreeMap<SeriesKey, f64> = BTreeMap::new();
    for r in records {
        if r.scenario != "sim" || r.status != Status::Ok {
            continue;
        }
        let (Some(batch), Some(ns)) = (r.factors.get("batch"), r.ns_per_call) else {
            continue;
        };
        let key: Vec<(String, String)> = r
            .factors
            .iter()
            .filter(|(k, _)| k.as_str() != "batch")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let key = (r.runtime.clone(), r.abi.clone(), key);
        match batch.parse::<u64>() {
            Ok(b) => groups.entry(key).or_default().push((b, ns)),
            Err(_) if batch == "in-guest" => {
                in_guest.insert(key, ns);
            }
            Err(_) => {}
        }
    }
    groups
        .into_iter()
        .filter(|(_, p)| p.len() >= 2)
        .map(|(group, mut points)| {
            points.sort_by_key(|p| p.0);
            let last = points.last().map_or(0.0, |p| p.1);
            let knee = points
                .iter()
                .find(|(_, ns)| *ns <= last * (1.0 + WITHIN))
                .map(|p| p.0);
            let inverse: Vec<(f64, f64)> =
                points.iter().map(|&(b, ns)| (1.0 / b as f64, ns)).collect();
            let in_guest_ns = in_guest.get(&group).copied();
            let (runtime, abi, key) = group;
            Knee {
                runtime,
                abi,
                factors: key.into_iter().collect(),
                per_call: fit(&inverse),
                in_guest_ns,
                points,
                knee,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(batch: u64, ns: f64) -> Record {
        serde_json::from_value(serde_json::json!({
            "scenario": "sim", "runtime": "wasmtime", "abi": "bincode",
            "factors": {"batch": batch.to_string(), "policy": "lru", "caching": "cached"},
            "status": "ok", "error": null, "calls": 10, "reps": 2,
            "mean_s": null, "sd_s": null, "ci95_low_s": null, "ci95_high_s": null,
            "median_s": null, "min_s": null, "max_s": null, "ns_per_call": ns,
            "ratio_to_native": null, "replicate_s": [], "warmup_reps": 0,
            "compile_s": null, "instantiate_s": null, "run_index": 0,
            "hits": null, "byte_hits": null, "object_hit_ratio": null, "byte_hit_ratio": null
        }))
        .unwrap()
    }

    #[test]
    fn the_knee_is_the_first_batch_within_ten_percent_of_the_last() {
        let rows: Vec<Record> = [(1, 100.0), (4, 60.0), (16, 44.0), (64, 41.0), (256, 40.0)]
            .iter()
            .map(|&(b, ns)| row(b, ns))
            .collect();
        let k = knees(&rows);
        assert_eq!(k.len(), 1);
        assert_eq!(k[0].knee, Some(16));
        assert_eq!(k[0].points[0], (1, 100.0));
        assert!(!k[0].factors.contains_key("batch"));
        // A single batch size is no sweep.
        assert!(knees(&rows[..1]).is_empty());
    }

    #[test]
    fn the_fixed_cost_and_the_cost_per_request_come_from_one_line() {
        // A call costs 60 ns, a request inside it 40: per request 40 + 60/k.
        let mut rows: Vec<Record> = [1u64, 4, 16, 64, 256, 1024]
            .iter()
            .map(|&b| row(b, 40.0 + 60.0 / b as f64))
            .collect();
        let mut replay = row(1, 31.0);
        replay.factors.insert("batch".into(), "in-guest".into());
        rows.push(replay);
        let k = knees(&rows);
        assert_eq!(k.len(), 1, "the in-guest cell joins its sweep");
        let line = k[0].per_call.unwrap();
        assert!((line.slope - 60.0).abs() < 1e-9, "{line:?}");
        assert!((line.intercept - 40.0).abs() < 1e-9, "{line:?}");
        assert_eq!(k[0].in_guest_ns, Some(31.0));
        assert_eq!(k[0].points.len(), 6);
    }
}
