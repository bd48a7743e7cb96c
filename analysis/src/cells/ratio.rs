//! Ratios to native: each sandboxed cell matched to its native cell (see
//! the module header of [`crate::cells`]), and the ratio's interval over runs.

use super::{Cell, Cells};
use crate::stats::Summary;

/// The 95% interval of a cell's ratio to its native over the runs that
/// measured both (see [`Cell::ratio_ci`]); also any two cells' ratio (the
/// claims' pairs), each run's ratio taken within its own process.
pub(crate) fn paired_ratio_ci(cell: &Cell, native: &Cell) -> Option<(f64, f64)> {
    let logs: Vec<f64> = cell
        .samples
        .iter()
        .filter_map(|s| {
            let n = native.samples.iter().find(|n| n.run == s.run)?;
            (s.mean_ns > 0.0 && n.mean_ns > 0.0).then(|| (s.mean_ns / n.mean_ns).ln())
        })
        .collect();
    let s = Summary::of(&logs)?;
    Some((s.ci95_low.exp(), s.ci95_high.exp()))
}

impl Cells {
    /// Sets `native` and `ratio` of every sandboxed cell.
    pub(super) fn match_natives(&mut self) {
        let natives: Vec<usize> = (0..self.cells.len())
            .filter(|&i| self.cells[i].is_native())
            .collect();
        for i in 0..self.cells.len() {
            if self.cells[i].is_native() {
                continue;
            }
            let c = &self.cells[i];
            let best = natives
                .iter()
                .map(|&n| &self.cells[n])
                .filter(|n| {
                    n.scenario == c.scenario
                        && n.factors.iter().all(|(k, v)| c.factors.get(k) == Some(v))
                })
                .max_by_key(|n| n.factors.len());
            let Some(native) = best else { continue };
            let (id, ratio) = (
                native.id.clone(),
                match (c.mean(), native.mean()) {
                    (Some(a), Some(b)) if b > 0.0 => Some(a / b),
                    _ => None,
                },
            );
            let ratio_ci = paired_ratio_ci(c, native);
            let c = &mut self.cells[i];
            c.native = Some(id);
            c.ratio = ratio;
            c.ratio_ci = ratio_ci;
        }
    }

    /// Cells measured in one run whose computed ratio to native differs
    /// from the one the harness recorded (relative difference above 1e-6),
    /// with both values: the native matching rule checked against the
    /// data. Empty when they agree.
    pub fn ratio_mismatches(&self) -> Vec<(&Cell, f64, f64)> {
        self.cells
            .iter()
            .filter(|c| c.samples.len() == 1)
            .filter_map(|c| Some((c, c.ratio?, c.recorded_ratio?)))
            .filter(|(_, a, b)| (a - b).abs() > 1e-6 * b.abs())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Run;
    use crate::testutil::{info, micro_rows, paper_like_micro, row, row_with};

    #[test]
    fn computed_ratios_are_checked_against_recorded_ones() {
        let mut rows = micro_rows("wasmtime", paper_like_micro);
        let native = rows[0].mean_s.unwrap();
        for r in rows.iter_mut().skip(1) {
            r.ratio_to_native = Some(r.mean_s.unwrap() / native);
        }
        rows[1].ratio_to_native = Some(1.0);
        let cells = Cells::build(&[Run {
            dir: "x".into(),
            info: info("micro"),
            records: rows.clone(),
        }]);
        let bad = cells.ratio_mismatches();
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0.id, rows[1].cell);
        assert_eq!(bad[0].2, 1.0);
    }

    #[test]
    fn natives_match_on_work_factors_only() {
        let rel = [("host-profile", "release"), ("operand", "i32")];
        let f32 = [("host-profile", "release"), ("operand", "f32")];
        let runs = vec![Run {
            dir: "x".into(),
            info: info("micro"),
            records: vec![
                row("micro", "native", "native", &rel, 1.0),
                row("micro", "native", "native", &f32, 2.0),
                row(
                    "micro",
                    "wasmtime",
                    "pair",
                    &[
                        ("host-profile", "release"),
                        ("operand", "f32"),
                        ("caching", "cached"),
                    ],
                    10.0,
                ),
                row(
                    "micro",
                    "wasmtime",
                    "pair",
                    &[
                        ("host-profile", "debug"),
                        ("operand", "f32"),
                        ("caching", "cached"),
                    ],
                    10.0,
                ),
            ],
        }];
        let cells = Cells::build(&runs);
        assert_eq!(cells.cells[2].ratio, Some(5.0));
        assert_eq!(cells.cells[3].native, None);
        assert_eq!(cells.cells[3].ratio, None);
    }

    #[test]
    fn ratios_over_runs_are_paired_by_run() {
        let native_f = [("host-profile", "release"), ("operand", "i32")];
        let wasm_f = [
            ("host-profile", "release"),
            ("operand", "i32"),
            ("caching", "cached"),
        ];
        // The machine drifts 2× between runs; the cell is 10× native in each.
        let run = |k: f64| Run {
            dir: "x".into(),
            info: info("micro"),
            records: vec![
                row_with("micro", "native", "native", &native_f, vec![k * 1e-6; 4]),
                row_with(
                    "micro",
                    "wasmtime",
                    "pair",
                    &wasm_f,
                    vec![
                        10.0 * k * 1e-6,
                        10.1 * k * 1e-6,
                        9.9 * k * 1e-6,
                        10.0 * k * 1e-6,
                    ],
                ),
            ],
        };
        let cells = Cells::build(&[run(1.0), run(2.0), run(4.0)]);
        let c = cells.cells.iter().find(|c| !c.is_native()).unwrap();
        let (lo, hi) = c.ratio_ci.unwrap();
        // Every run's ratio is 10: the interval is 10 however far the
        // machine drifted, though the cell's own CV is large.
        assert!(
            (lo - 10.0).abs() < 1e-6 && (hi - 10.0).abs() < 1e-6,
            "{lo} {hi}"
        );
        assert!(c.cv().unwrap() > 0.5);
        let w = c.within_run_rel().unwrap();
        assert!(w > 0.0 && w < 0.05, "{w}");
        // One run: no interval over runs.
        let one = Cells::build(&[run(1.0)]);
        assert!(
            one.cells
                .iter()
                .all(|c| c.ratio_ci.is_none() && c.cv().is_none())
        );
    }
}
