//! Building the cells: each run's rows summarised per call, then over runs.

use super::{Basis, Cell, Cells, Estimate, RunSample};
use crate::data::Status;
use crate::identity::cell_id;
use crate::load::Run;
use crate::stats::Summary;

impl Cells {
    /// Summarises the cells of `runs` (see the module header of
    /// [`crate::cells`]).
    pub fn build(runs: &[Run]) -> Cells {
        let mut out = Cells::default();
        for (k, run) in runs.iter().enumerate() {
            // A counted row (`--measure callgrind`) has no time to summarise.
            for r in run
                .records
                .iter()
                .filter(|r| r.counts.is_none() || r.mean_s.is_some())
            {
                let id = cell_id(r);
                let i = *out.index.entry(id.clone()).or_insert_with(|| {
                    out.cells.push(Cell {
                        id,
                        scenario: r.scenario.clone(),
                        runtime: r.runtime.clone(),
                        abi: r.abi.clone(),
                        factors: r.factors.clone(),
                        status: r.status,
                        error: r.error.clone(),
                        present_in: 0,
                        samples: Vec::new(),
                        estimate: None,
                        native: None,
                        ratio: None,
                        ratio_ci: None,
                        recorded_ratio: None,
                        object_hit_ratio: None,
                        byte_hit_ratio: None,
                    });
                    out.cells.len() - 1
                });
                let c = &mut out.cells[i];
                c.present_in += 1;
                c.object_hit_ratio = c.object_hit_ratio.or(r.object_hit_ratio);
                c.byte_hit_ratio = c.byte_hit_ratio.or(r.byte_hit_ratio);
                c.recorded_ratio = c.recorded_ratio.or(r.ratio_to_native);
                if r.status != Status::Ok || r.calls == 0 {
                    continue;
                }
                // The harness's own formula, so figures equal the rows'.
                let per_call = |s: f64| s / r.calls as f64 * 1e9;
                let replicates_ns: Vec<f64> = r.replicate_s.iter().map(|&x| per_call(x)).collect();
                let summary = Summary::of(&replicates_ns);
                // `load` refuses ok rows without a mean; rows built in
                // memory without one count as not measured.
                let Some(mean_ns) = r
                    .ns_per_call
                    .or(r.mean_s.map(per_call))
                    .or(summary.map(|s| s.mean))
                    .filter(|m| m.is_finite())
                else {
                    continue;
                };
                let single = match (r.ci95_low_s, r.ci95_high_s, summary) {
                    (Some(lo), Some(hi), _) => (per_call(lo), per_call(hi)),
                    (_, _, Some(s)) => (s.ci95_low, s.ci95_high),
                    _ => (mean_ns, mean_ns),
                };
                if c.samples.is_empty() {
                    c.status = Status::Ok;
                    c.error = None;
                    c.estimate = Some(Estimate {
                        mean: mean_ns,
                        low: single.0,
                        high: single.1,
                        basis: Basis::Replicates {
                            n: r.replicate_s.len().max(r.reps as usize),
                        },
                    });
                }
                c.samples.push(RunSample {
                    run: k,
                    mean_ns,
                    sd_ns: r.sd_s.map(per_call).or(summary.map(|s| s.sd)),
                    n: if replicates_ns.is_empty() {
                        r.reps as usize
                    } else {
                        replicates_ns.len()
                    },
                    replicates_ns,
                });
            }
        }
        for c in &mut out.cells {
            if c.samples.len() >= 2 {
                let means: Vec<f64> = c.samples.iter().map(|s| s.mean_ns).collect();
                if let Some(s) = Summary::of(&means) {
                    c.estimate = Some(Estimate {
                        mean: s.mean,
                        low: s.ci95_low,
                        high: s.ci95_high,
                        basis: Basis::RunMeans { runs: means.len() },
                    });
                }
            }
        }
        out.match_natives();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load;
    use crate::testutil::{info, micro_rows, paper_like_micro, row_with, write_run};

    #[test]
    fn one_run_keeps_its_recorded_figures_and_ratios_come_from_the_native() {
        let tmp = tempfile::tempdir().unwrap();
        let mut rows = micro_rows("wasmtime", paper_like_micro);
        // Run order does not matter: put the native last.
        rows.rotate_left(1);
        write_run(tmp.path(), &info("micro"), &rows);
        let runs = load(tmp.path()).unwrap();
        let cells = Cells::build(&runs);
        let r = &runs[0].records[0];
        let c = cells.get(&r.cell).unwrap();
        let e = c.estimate.unwrap();
        assert_eq!(e.mean, r.mean_s.unwrap() / r.calls as f64 * 1e9);
        assert_eq!(e.low, r.ci95_low_s.unwrap() / r.calls as f64 * 1e9);
        assert_eq!(e.basis, Basis::Replicates { n: 10 });
        let native = cells.cells.iter().find(|c| c.is_native()).unwrap();
        assert_eq!(c.native.as_deref(), Some(native.id.as_str()));
        let expected = paper_like_micro("pair", "", "cached") / 0.56;
        assert!((c.ratio.unwrap() - expected).abs() < 1e-9 * expected);
        assert!(native.ratio.is_none());
        assert!(cells.ratio_mismatches().is_empty());
    }

    #[test]
    fn several_runs_are_summarised_over_their_means() {
        let f = [("host-profile", "release"), ("operand", "i32")];
        let run = |ns: f64| Run {
            dir: "x".into(),
            info: info("micro"),
            records: vec![row_with(
                "micro",
                "native",
                "native",
                &f,
                vec![ns * 1e-6; 4],
            )],
        };
        let cells = Cells::build(&[run(1.0), run(2.0), run(3.0)]);
        let e = cells.cells[0].estimate.unwrap();
        assert!((e.mean - 2.0).abs() < 1e-9);
        assert_eq!(e.basis, Basis::RunMeans { runs: 3 });
        // t(0.975, 2) = 4.302653; sd of 1, 2, 3 is 1.
        let half = 4.302_653 / 3f64.sqrt();
        assert!((e.high - (2.0 + half)).abs() < 1e-5, "{e:?}");
        assert_eq!(cells.cells[0].samples.len(), 3);
        // Between-run CV: sd 1 over mean 2.
        assert!((cells.cells[0].cv().unwrap() - 0.5).abs() < 1e-9);
    }
}
