//! A comparison shown: the aligned text table and the figure.

use std::fmt::Write;

use super::{Basis, CellChange, Comparison, Verdict};
use crate::figures::{Bar, Bars, Category, Chart, Figure};
use crate::units::{ns, percent};

impl Comparison {
    /// An aligned text table of every compared cell, then a summary line
    /// and the cells found on one side only.
    pub fn table(&self) -> String {
        let mut rows: Vec<Vec<String>> = vec![
            [
                "cell",
                "base",
                "new",
                "change",
                "95% CI of change",
                "p (Holm)",
                "test",
                "verdict",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for c in &self.cells {
            let value = |x: f64| match c.basis {
                Basis::Counts { .. } => format!("{x:.1} instr"),
                Basis::RunMeans { .. } | Basis::Replicates { .. } => ns(x),
            };
            rows.push(vec![
                c.label.clone(),
                value(c.base_ns),
                value(c.new_ns),
                percent(c.change),
                format!(
                    "{} – {}",
                    percent(c.change_ci95.0),
                    percent(c.change_ci95.1)
                ),
                match c.basis {
                    Basis::Counts { .. } => "-".into(),
                    _ if c.p_adjusted < 1e-4 => "<0.0001".into(),
                    _ => format!("{:.4}", c.p_adjusted),
                },
                match c.basis {
                    Basis::RunMeans { base, new } => format!("runs {base}/{new}"),
                    Basis::Replicates { base, new } => format!("reps {base}/{new}"),
                    Basis::Counts { base, new } => format!("counts {base}/{new}"),
                },
                c.verdict.to_string(),
            ]);
        }
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for r in &rows {
            let mut line = String::new();
            for (i, cell) in r.iter().enumerate() {
                let pad = widths[i] - cell.chars().count();
                if i == 0 || i == r.len() - 1 || i == 6 {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad));
                } else {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                }
                line.push_str("  ");
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
        let counted = self
            .cells
            .iter()
            .filter(|c| matches!(c.basis, Basis::Counts { .. }))
            .count();
        let timed = self.cells.len() - counted;
        let mut how = Vec::new();
        if timed > 0 {
            how.push(format!(
                "{timed} timed: threshold {}, Welch's t-test, Holm-adjusted α = {}",
                percent(self.options.threshold).trim_start_matches('+'),
                self.options.alpha
            ));
        }
        if counted > 0 {
            how.push(format!(
                "{counted} counted: instructions per call, threshold {}",
                percent(self.options.count_threshold).trim_start_matches('+')
            ));
        }
        let _ = writeln!(
            out,
            "\n{} regressed, {} improved, {} unchanged ({}); {} not tested",
            self.count(Verdict::Regression),
            self.count(Verdict::Improvement),
            self.count(Verdict::Unchanged),
            how.join("; "),
            self.untested.len()
        );
        for (id, why) in &self.untested {
            let _ = writeln!(out, "not tested: {id}: {why}");
        }
        for id in &self.only_base {
            let _ = writeln!(out, "only in base: {id}");
        }
        for id in &self.only_new {
            let _ = writeln!(out, "only in new: {id}");
        }
        out
    }

    /// The largest changes (up to 40) as bars of percent change with their
    /// 95% CI, coloured by verdict; `None` when no cell was compared.
    pub fn figure(&self) -> Option<Figure> {
        const SHOWN: usize = 40;
        if self.cells.is_empty() {
            return None;
        }
        let series: Vec<String> = ["regression", "improvement", "unchanged"]
            .map(String::from)
            .to_vec();
        let mut shown: Vec<&CellChange> = self.cells.iter().collect();
        shown.sort_by(|a, b| b.change.abs().total_cmp(&a.change.abs()));
        shown.truncate(SHOWN);
        let categories = shown
            .iter()
            .map(|c| Category {
                label: c.label.clone(),
                bars: vec![Bar {
                    series: match c.verdict {
                        Verdict::Regression => 0,
                        Verdict::Improvement => 1,
                        Verdict::Unchanged => 2,
                    },
                    value: c.change * 100.0,
                    low: c.change_ci95.0 * 100.0,
                    high: c.change_ci95.1 * 100.0,
                }],
            })
            .collect();
        let which = if self.cells.len() > SHOWN {
            format!("the {SHOWN} largest changes of {} cells", self.cells.len())
        } else {
            format!("all {} cells", self.cells.len())
        };
        Some(Figure {
            name: "compare".into(),
            title: "New against base: change per call (time, or instructions where counted)".into(),
            subtitle: format!(
                "{which} · regression: slower by more than {} and significant (Welch, Holm α = {}) \
                 · whiskers: 95% CI of the change",
                percent(self.options.threshold).trim_start_matches('+'),
                self.options.alpha
            ),
            chart: Chart::Bars(Bars {
                value_label: "change per call, % (new vs base)".into(),
                log: false,
                series,
                categories,
            }),
        })
    }
}
