//! The result row of one cell, built from what running it produced (the
//! row type itself, the schema other tools read, is
//! [`analysis::data::Record`]).

use crate::cell::Cell;
use crate::measure::Protocol;
use crate::scenario::Outcome;
use crate::stats::Summary;

pub use analysis::data::{Record, Status};

use crate::error::{CellError, ErrorClass};

/// The typed error of an error row: its class parsed back (it was written
/// from an [`ErrorClass`]) and its message; `None` for any other row, or
/// a class this build does not know.
pub fn cell_error(r: &Record) -> Option<CellError> {
    if r.status != Status::Error {
        return None;
    }
    let class: ErrorClass = r.error_class.as_deref()?.parse().ok()?;
    Some(CellError::new(class, r.error.clone().unwrap_or_default()))
}

/// Builds the row for `cell`, given what running it produced and the
/// mean seconds per call of its native baseline, if measured.
pub fn record(
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
        p99_s: None,
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
        outliers: None,
        others_cpu: None,
        load_avg: None,
        stop: None,
        guest: None,
        guest_sha256: None,
        counts: None,
        replicate_instructions: Vec::new(),
        anatomy: Default::default(),
        footprint: None,
        retained_b: None,
    };
    match outcome {
        Outcome::Ok {
            samples,
            phases,
            stats,
            footprint,
            retained_b,
        } => {
            r.footprint = footprint.as_deref().cloned();
            r.retained_b = *retained_b;
            if let Some(st) = stats {
                r.hits = Some(st.hits);
                r.byte_hits = Some(st.byte_hits);
                r.object_hit_ratio = Some(st.object_hit_ratio());
                r.byte_hit_ratio = Some(st.byte_hit_ratio());
            }
            r.calls = samples.calls;
            r.stop = Some(samples.stop.id().to_string());
            r.reps = samples.replicate_s.len() as u32;
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
                    r.p99_s = Some(s.p99);
                    r.outliers = Some(s.outliers as u32);
                    r.ns_per_call = Some(s.mean / samples.calls as f64 * 1e9);
                    r.ratio_to_native =
                        native_mean_s.map(|n| s.mean / samples.calls.max(1) as f64 / n);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factors::HostProfile;
    use crate::measure::Samples;
    use crate::scenario::SetupTimes;
    use crate::scenario::micro::MicroWork;
    use crate::scenario::spec::Spec;
    use micro::Operand;
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
        budget: runtimes::Budget::DEFAULT,
        stop: crate::measure::Stop::Fixed,
    };

    #[test]
    fn ok_rows_carry_statistics_and_ratio() {
        let outcome = Outcome::Ok {
            samples: Samples {
                calls: 1000,
                replicate_s: vec![1e-6, 2e-6, 3e-6],
                warmup_reps: 2,
                stop: crate::measure::StopReason::Fixed,
            },
            phases: SetupTimes::default(),
            stats: None,
            footprint: None,
            retained_b: None,
        };
        let r = record(&spec(), &outcome, &P, Some(1e-9), 4);
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
        let r = record(&spec(), &Outcome::Unsupported("no".into()), &P, None, 0);
        assert_eq!(r.status, Status::Unsupported);
        assert_eq!(r.error.as_deref(), Some("no"));
        assert!(r.mean_s.is_none() && r.replicate_s.is_empty());
        let json = serde_json::to_value(&r).unwrap();
        assert!(json["mean_s"].is_null());
    }
}
