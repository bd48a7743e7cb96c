//! The result row of one cell: the stable schema of `results.jsonl`
//! (documented field by field in docs/results.md).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cell::Cell;
use crate::measure::Protocol;
use crate::scenario::Outcome;
use crate::stats::Summary;

/// How a cell ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Measured and checked against native.
    Ok,
    /// Ran and failed; `error` says how.
    Error,
    /// Cannot run in this build or on this runtime; `error` says why.
    Unsupported,
}

/// One cell's results. Times are seconds per replicate of `calls` calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Scenario id (`micro`).
    pub scenario: String,
    /// Runtime id, or `native`.
    pub runtime: String,
    /// ABI id, or `native`.
    pub abi: String,
    /// Every factor of the cell, name → value.
    pub factors: BTreeMap<String, String>,
    /// `ok`, `error` or `unsupported`.
    pub status: Status,
    /// The reason for `error` and `unsupported`; null when ok.
    pub error: Option<String>,
    /// The kind of failure of an `error` cell (`trap`, `out-of-bounds`,
    /// `wrong-result`...; see docs/results.md); null otherwise.
    #[serde(default)]
    pub error_class: Option<String>,
    /// Calls per replicate.
    pub calls: u64,
    /// Timed replicates asked for.
    pub reps: u32,
    /// Mean replicate time.
    pub mean_s: Option<f64>,
    /// Sample standard deviation of the replicate times.
    pub sd_s: Option<f64>,
    /// Lower bound of the mean's 95% confidence interval (Student t).
    pub ci95_low_s: Option<f64>,
    /// Upper bound of the mean's 95% confidence interval.
    pub ci95_high_s: Option<f64>,
    /// Median replicate time.
    pub median_s: Option<f64>,
    /// Fastest replicate.
    pub min_s: Option<f64>,
    /// Slowest replicate.
    pub max_s: Option<f64>,
    /// Mean time per call, nanoseconds.
    pub ns_per_call: Option<f64>,
    /// `mean_s` over the mean of the native cell with the same scenario
    /// and operand-level factors, measured in the same run.
    pub ratio_to_native: Option<f64>,
    /// Every timed replicate, in the order they ran.
    pub replicate_s: Vec<f64>,
    /// Untimed warm-up replicates run first.
    pub warmup_reps: u32,
    /// Compiling the guest, timed once at set-up (null for native).
    pub compile_s: Option<f64>,
    /// Instantiating the guest, timed once at set-up (null for native).
    pub instantiate_s: Option<f64>,
    /// Position of the cell in the run's execution order (0-based).
    pub run_index: usize,
    /// Sim cells: requests that hit (equal to native's, or the cell fails).
    pub hits: Option<u64>,
    /// Sim cells: bytes of the requests that hit.
    pub byte_hits: Option<u64>,
    /// Sim cells: hits per request.
    pub object_hit_ratio: Option<f64>,
    /// Sim cells: hit bytes per requested byte.
    pub byte_hit_ratio: Option<f64>,
    /// The cell's stable id (scenario, runtime, ABI and every factor):
    /// what identifies a row across files, children and runs.
    #[serde(default)]
    pub cell: String,
}

impl Record {
    /// Builds the row for `cell`, given what running it produced and the
    /// mean of its native baseline, if measured.
    pub fn new(
        cell: &Cell,
        outcome: &Outcome,
        protocol: &Protocol,
        native_mean_s: Option<f64>,
        run_index: usize,
    ) -> Record {
        let mut r = Record {
            scenario: cell.scenario().to_string(),
            runtime: cell.runtime_id().to_string(),
            abi: cell.abi_id().to_string(),
            factors: cell
                .values()
                .into_iter()
                .map(|v| (v.name.to_string(), v.id))
                .collect(),
            status: Status::Ok,
            error: None,
            error_class: None,
            calls: protocol.calls,
            reps: protocol.reps,
            mean_s: None,
            sd_s: None,
            ci95_low_s: None,
            ci95_high_s: None,
            median_s: None,
            min_s: None,
            max_s: None,
            ns_per_call: None,
            ratio_to_native: None,
            replicate_s: Vec::new(),
            warmup_reps: 0,
            compile_s: None,
            instantiate_s: None,
            run_index,
            hits: None,
            byte_hits: None,
            object_hit_ratio: None,
            byte_hit_ratio: None,
            cell: cell.id(),
        };
        match outcome {
            Outcome::Ok {
                samples,
                phases,
                stats,
            } => {
                if let Some(st) = stats {
                    r.hits = Some(st.hits);
                    r.byte_hits = Some(st.byte_hits);
                    r.object_hit_ratio = Some(st.object_hit_ratio());
                    r.byte_hit_ratio = Some(st.byte_hit_ratio());
                }
                r.replicate_s = samples.replicate_s.clone();
                r.warmup_reps = samples.warmup_reps;
                r.compile_s = phases.compile_s;
                r.instantiate_s = phases.instantiate_s;
                match Summary::of(&samples.replicate_s) {
                    Some(s) => {
                        r.mean_s = Some(s.mean);
                        r.sd_s = Some(s.sd);
                        r.ci95_low_s = Some(s.ci95_low);
                        r.ci95_high_s = Some(s.ci95_high);
                        r.median_s = Some(s.median);
                        r.min_s = Some(s.min);
                        r.max_s = Some(s.max);
                        r.ns_per_call = Some(s.mean / protocol.calls as f64 * 1e9);
                        r.ratio_to_native = native_mean_s.map(|n| s.mean / n);
                    }
                    None => {
                        r.status = Status::Error;
                        r.error = Some("too few valid replicates to summarise".into());
                        r.error_class = Some(crate::error::ErrorClass::NoSamples.to_string());
                    }
                }
            }
            Outcome::Error(e) => {
                r.status = Status::Error;
                r.error = Some(e.message.clone());
                r.error_class = Some(e.class.to_string());
            }
            Outcome::Unsupported(e) => {
                r.status = Status::Unsupported;
                r.error = Some(e.clone());
            }
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::Spec;
    use crate::factors::{HostProfile, MicroWork, Operand};
    use crate::measure::Samples;
    use crate::scenario::Phases;
    use std::time::Duration;

    fn spec() -> Cell {
        Cell::Micro(Spec {
            host: HostProfile::Dev,
            work: MicroWork {
                operand: Operand::I32,
            },
            sandbox: None,
        })
    }

    const P: Protocol = Protocol {
        calls: 1000,
        reps: 3,
        warmup: Duration::ZERO,
    };

    #[test]
    fn ok_rows_carry_statistics_and_ratio() {
        let outcome = Outcome::Ok {
            samples: Samples {
                replicate_s: vec![1e-6, 2e-6, 3e-6],
                warmup_reps: 2,
            },
            phases: Phases::default(),
            stats: None,
        };
        let r = Record::new(&spec(), &outcome, &P, Some(1e-6), 4);
        assert_eq!(r.status, Status::Ok);
        assert!((r.ns_per_call.unwrap() - 2.0).abs() < 1e-9);
        assert!((r.ratio_to_native.unwrap() - 2.0).abs() < 1e-9);
        assert!(r.ci95_low_s.unwrap() < r.mean_s.unwrap());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["factors"]["operand"], "i32");
        assert_eq!(json["status"], "ok");
        assert_eq!(json["runtime"], "native");
        assert_eq!(
            json["cell"],
            "micro/native/native/host-profile=dev,operand=i32"
        );
        let back: Record = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn failed_rows_have_a_reason_and_no_figures() {
        let r = Record::new(&spec(), &Outcome::Unsupported("no".into()), &P, None, 0);
        assert_eq!(r.status, Status::Unsupported);
        assert_eq!(r.error.as_deref(), Some("no"));
        assert!(r.mean_s.is_none() && r.replicate_s.is_empty());
        let json = serde_json::to_value(&r).unwrap();
        assert!(json["mean_s"].is_null());
    }
}
