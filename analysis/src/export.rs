//! A run's cells in the formats continuous-benchmarking tools read, so a
//! project can track abilab's numbers commit by commit with the tool it
//! already has: Bencher's metric format (BMF) and the JSON that the GitHub
//! benchmark action (`benchmark-action/github-action-benchmark`, tool
//! `customSmallerIsBetter`) takes. One measure per cell id, nanoseconds
//! per call, with the cell's 95% interval (within the run, over its
//! replicates: say so where the numbers are shown, between-run noise is
//! wider). Cells that did not measure are left out.

use serde_json::{Map, Value, json};

use crate::data::{Record, Status};

/// Nanoseconds per call of a measured row, with its 95% interval.
fn per_call(r: &Record) -> Option<(f64, f64, f64)> {
    if r.status != Status::Ok || r.calls == 0 {
        return None;
    }
    let per = |s: f64| s / r.calls as f64 * 1e9;
    Some((r.ns_per_call?, per(r.ci95_low_s?), per(r.ci95_high_s?)))
}

/// Bencher Metric Format: `{cell id: {"latency": {value, lower_value,
/// upper_value}}}`, nanoseconds (Bencher's `latency` measure).
pub fn bencher(records: &[Record]) -> Value {
    let mut out = Map::new();
    for r in records {
        if let Some((value, low, high)) = per_call(r) {
            out.insert(
                r.cell.clone(),
                json!({ "latency": { "value": value, "lower_value": low, "upper_value": high } }),
            );
        }
    }
    Value::Object(out)
}

/// The GitHub benchmark action's `customSmallerIsBetter` input: a list of
/// `{name, unit, value, range, extra}`.
pub fn github_action(records: &[Record]) -> Value {
    let rows: Vec<Value> = records
        .iter()
        .filter_map(|r| {
            let (value, low, high) = per_call(r)?;
            Some(json!({
                "name": r.cell,
                "unit": "ns/call",
                "value": value,
                "range": format!("± {:.3}", (high - low) / 2.0),
                "extra": format!(
                    "95% interval within the run over {} replicates of {} calls",
                    r.replicate_s.len(),
                    r.calls
                ),
            }))
        })
        .collect();
    Value::Array(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{row, unsupported};

    #[test]
    fn one_measure_per_measured_cell_with_its_interval() {
        let ok = row("micro", "wasmtime", "pair", &[("caching", "cached")], 30.0);
        let gone = unsupported("micro", "wasmer-llvm", "pair", &[("caching", "cached")]);
        let rows = [ok.clone(), gone];
        let b = bencher(&rows);
        let m = b.as_object().unwrap();
        assert_eq!(m.len(), 1);
        let latency = &m[&ok.cell]["latency"];
        let value = latency["value"].as_f64().unwrap();
        assert!((value - 30.0).abs() < 1e-9, "{value}");
        assert!(latency["lower_value"].as_f64().unwrap() <= value);
        assert!(latency["upper_value"].as_f64().unwrap() >= value);
        let g = github_action(&rows);
        let list = g.as_array().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["name"], ok.cell);
        assert_eq!(list[0]["unit"], "ns/call");
        assert!(list[0]["range"].as_str().unwrap().starts_with("± "));
    }
}
