//! The analyses a run's own rows allow at once, written beside the
//! results and shown under the table: the payload cost model and its
//! crossovers, the simulator's batch sweeps.

use std::io;

use super::{Record, Sink};

/// The analyses a run's own rows allow at once: the payload cost model and
/// its crossovers, the simulator's batch sweeps. Written beside the results
/// (`cost-model.jsonl`, `crossovers.jsonl`, `batching.jsonl`) and returned
/// as text for the table.
pub fn summaries(records: &[Record], sink: &Sink) -> io::Result<String> {
    use std::fmt::Write as _;
    let write_jsonl = |name: &str, rows: Vec<serde_json::Value>| -> io::Result<()> {
        let mut text = String::new();
        for r in rows {
            text.push_str(&r.to_string());
            text.push('\n');
        }
        sink.write_file(name, text.as_bytes())
            .map_err(|e| io::Error::new(e.kind(), format!("writing {name}: {e}")))
    };
    let mut out = String::new();
    let fits = analysis::costmodel::fits(records);
    if !fits.is_empty() {
        let crossings = analysis::costmodel::crossovers(&fits);
        write_jsonl("cost-model.jsonl", fits.iter().map(json).collect())?;
        write_jsonl("crossovers.jsonl", crossings.iter().map(json).collect())?;
        let _ = writeln!(
            out,
            "\ncost model t(n) = a + b·n (n = payload bytes; fitted by relative error; 95% CI, within-run)"
        );
        let _ = writeln!(
            out,
            "{:<44} {:<10} {:<10} {:>16} {:>20} {:>7}",
            "runtime/abi", "shape", "direction", "a (ns)", "b (ns/KiB)", "R²"
        );
        for f in &fits {
            let l = f.line;
            let get = |k: &str| f.factors.get(k).map_or("-", String::as_str);
            let _ = writeln!(
                out,
                "{:<44} {:<10} {:<10} {:>16} {:>20} {:>7.4}",
                f.label(),
                get("shape"),
                get("direction"),
                format!("{:.1} ±{:.1}", l.intercept, l.intercept_ci95),
                format!("{:.2} ±{:.2}", l.slope * 1024.0, l.slope_ci95 * 1024.0),
                l.r2
            );
        }
        if !crossings.is_empty() {
            let _ = writeln!(
                out,
                "\ncrossovers (the first ABI is cheaper below the size)"
            );
            for c in &crossings {
                let get = |k: &str| c.work.get(k).map_or("-", String::as_str);
                let _ = writeln!(
                    out,
                    "{:<10} {:<9} {:<40} < {:>10} B < {}{}",
                    get("shape"),
                    get("direction"),
                    c.cheaper_below,
                    format!("{:.0}", c.bytes),
                    c.cheaper_above,
                    if c.within_sweep {
                        ""
                    } else {
                        "  (outside the sweep)"
                    }
                );
            }
        }
    }
    let knees = analysis::batching::knees(records);
    if !knees.is_empty() {
        write_jsonl("batching.jsonl", knees.iter().map(json).collect())?;
        let _ = writeln!(
            out,
            "\nbatching: ns per request by batch; knee = smallest batch within {:.0}% of the \
             largest; per request = b + a/batch fitted (95% CI, within-run)",
            analysis::batching::WITHIN * 100.0
        );
        for k in &knees {
            let own: Vec<String> = k
                .factors
                .iter()
                .filter(|(n, _)| !["host-profile", "cache-size"].contains(&n.as_str()))
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            let curve: Vec<String> = k
                .points
                .iter()
                .map(|(b, ns)| format!("{b}:{ns:.0}"))
                .collect();
            // The fixed-cost model: a request costs b + a/k (k per call).
            let model = k.per_call.map_or(String::new(), |l| {
                format!(
                    "  a {:.0}±{:.0} ns/call, b {:.0}±{:.0} ns/request",
                    l.slope, l.slope_ci95, l.intercept, l.intercept_ci95
                )
            });
            let replay = k
                .in_guest_ns
                .map_or(String::new(), |ns| format!(", in-guest {ns:.0}"));
            let _ = writeln!(
                out,
                "{}/{} {}  [{}]  knee {}{model}{replay}",
                k.runtime,
                k.abi,
                own.join(" "),
                curve.join(" "),
                k.knee.map_or("-".to_string(), |b| b.to_string())
            );
        }
    }
    Ok(out)
}

/// A summary row as JSON.
fn json<T: serde::Serialize>(row: &T) -> serde_json::Value {
    serde_json::to_value(row).expect("summary rows serialise")
}
