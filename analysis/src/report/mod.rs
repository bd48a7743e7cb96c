//! `report`: from one or more runs, a folder holding `report.md`, a
//! self-contained `report.html` (figures inlined as SVG), `claims.json`
//! (the paper's claims, each with the ids of the cells it was judged on)
//! and `figures/` (each figure as SVG and PNG).
//!
//! The report has: the runs and their environment; the paper's claims with
//! what these runs measured and a verdict ([`crate::claims`]); per
//! scenario, the summary tables of docs/paper-comparison.md (for the
//! serving scenarios, docs/serving.md's: [`crate::serving`]), the figures
//! ([`crate::charts`]) and every cell; and the figures the data did not
//! allow, with the reason; then counted cells (`--measure callgrind`),
//! their table and the anatomy figures ([`crate::counted`]). How several
//! runs combine is [`crate::cells`]'s rule.
//!
//! The font is loaded before anything is written, so a missing font fails
//! with nothing written; each file is written aside and renamed, so none is
//! ever half-written.

pub(crate) mod doc;
mod tables;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use doc::{Block, Table};

use crate::cells::Cells;
use crate::charts::{self, Skipped};
use crate::claims::{self, Claim};
use crate::figures::{DEFAULT_FONT, FigureError, use_font};
use crate::load::Run;

/// How to build a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    /// The TrueType font for the figures' text.
    pub font: PathBuf,
    /// The report's title.
    pub title: String,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            font: PathBuf::from(DEFAULT_FONT),
            title: "abilab report".into(),
        }
    }
}

/// What a report wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Every file written: report.md, report.html, claims.json, then the
    /// figures.
    pub files: Vec<PathBuf>,
    /// The figures drawn, by name.
    pub figures: Vec<String>,
    /// The figures the data did not allow, with the reason.
    pub skipped: Vec<Skipped>,
    /// The paper's claims against these runs.
    pub claims: Vec<Claim>,
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// No run given, or runs without a single row.
    #[error("nothing to report: the runs hold no cells")]
    Empty,
    /// A figure (or the font) failed.
    #[error(transparent)]
    Figure(#[from] FigureError),
    /// A file could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    crate::aside::write(path, bytes).map_err(|(path, source)| ReportError::Io { path, source })
}

/// Writes the report of `runs` into `out` (created if needed; files of an
/// earlier report there are replaced).
pub fn report(runs: &[Run], out: &Path, opts: &ReportOptions) -> Result<Report, ReportError> {
    if runs.iter().all(|r| r.records.is_empty()) {
        return Err(ReportError::Empty);
    }
    use_font(&opts.font)?;
    let cells = Cells::build(runs);
    let mut plan = charts::plan(&cells);
    for more in [
        charts::plan_serving(runs, &cells),
        charts::plan_counted(runs),
    ] {
        plan.figures.extend(more.figures);
        plan.skipped.extend(more.skipped);
    }
    let claims = claims::check(&cells);

    let fig_dir = out.join("figures");
    std::fs::create_dir_all(&fig_dir).map_err(|source| ReportError::Io {
        path: fig_dir.clone(),
        source,
    })?;
    let mut svgs = HashMap::new();
    let mut files = vec![
        out.join("report.md"),
        out.join("report.html"),
        out.join("claims.json"),
    ];
    for p in &plan.figures {
        let svg = p.figure.write(&fig_dir)?;
        svgs.insert(p.figure.name.clone(), svg);
        files.push(fig_dir.join(format!("{}.svg", p.figure.name)));
        files.push(fig_dir.join(format!("{}.png", p.figure.name)));
    }
    let blocks = sections(runs, &cells, &plan, &claims, &opts.title, out);
    write_file(&files[0], doc::markdown(&blocks).as_bytes())?;
    write_file(&files[1], doc::html(&opts.title, &blocks, &svgs).as_bytes())?;
    write_file(&files[2], &claims_json(&claims))?;
    Ok(Report {
        files,
        figures: plan.figures.iter().map(|p| p.figure.name.clone()).collect(),
        skipped: plan.skipped,
        claims,
    })
}

/// `to` as a path from the folder `from`: both made absolute and their
/// symbolic links resolved (they exist: `from` was just created, `to` was
/// read), then `..` for each component of `from` past the common prefix.
/// Either path that cannot be resolved is returned as given.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let (Ok(from), Ok(to)) = (from.canonicalize(), to.canonicalize()) else {
        return to.to_path_buf();
    };
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut rel = PathBuf::new();
    for _ in from.components().skip(common) {
        rel.push("..");
    }
    for c in to.components().skip(common) {
        rel.push(c);
    }
    if rel.as_os_str().is_empty() {
        rel.push(".");
    }
    rel
}

/// `claims.json`: every claim as [`Claim`] serialises it (its verdict,
/// interval, `n` and the ids of its cells), for tools that read verdicts
/// without parsing the tables.
fn claims_json(claims: &[Claim]) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(claims).expect("claims are plain data");
    text.push('\n');
    text.into_bytes()
}

/// The scenarios' section titles.
fn scenario_title(s: &str) -> String {
    match s {
        "micro" => "Micro-benchmark (`micro`)".into(),
        "sim" => "Cache simulator (`sim`)".into(),
        "payload" => "Payload size (`payload`)".into(),
        "serve" => "Serving: a fresh instance per request or a kept one (`serve`)".into(),
        "footprint" => "Memory per kept instance (`footprint`)".into(),
        "async" => "Asynchronous calls (`async`)".into(),
        "aftermath" => "A small call after a large message (`aftermath`)".into(),
        other => format!("Scenario `{other}`"),
    }
}

/// The whole report as blocks.
pub fn sections(
    runs: &[Run],
    cells: &Cells,
    plan: &charts::Plan,
    claims: &[Claim],
    title: &str,
    out: &Path,
) -> Vec<Block> {
    let mut b = vec![Block::Heading(1, title.into())];
    b.extend(runs_section(runs, cells, out));
    b.push(Block::Heading(2, "The paper's claims".into()));
    b.push(Block::Para(
        "Each claim of \"Benchmarking Runtime Scripting Performance in WebAssembly\" \
         (docs/paper-comparison.md), what these runs measured and the verdict within the \
         tolerance listed below the table, the interval it was judged on and how many cells: \
         a verdict on a figure with an interval over runs (`--runs`) is `inconclusive` when \
         that interval straddles the claim's threshold. Times compare cells equal in every \
         other factor, of the default build (no ablation) and one request per call; \
         `claims.json` lists the cells of each verdict."
            .into(),
    ));
    let mut t = Table::new(
        [
            "claim",
            "the paper",
            "measured here",
            "verdict",
            "interval",
            "cells",
        ]
        .map(String::from)
        .to_vec(),
        1,
    );
    for c in claims {
        t.rows.push(vec![
            format!("`{}` ({})", c.id, c.source),
            c.paper.into(),
            c.measured.clone(),
            format!("**{}**", c.verdict),
            c.interval.clone(),
            c.n.to_string(),
        ]);
    }
    b.push(Block::Table(t));
    b.push(Block::Para("Tolerances:".into()));
    b.push(Block::List(
        claims
            .iter()
            .map(|c| format!("`{}`: {}", c.id, c.tolerance))
            .collect(),
    ));

    let several = cells.cells.iter().any(|c| c.present_in > 1);
    let mut scenarios = cells.scenarios();
    for s in ["micro", "sim", "payload"] {
        if !scenarios.iter().any(|x| x == s) {
            scenarios.push(s.to_string());
        }
    }
    for s in &scenarios {
        let present = cells.cells.iter().any(|c| &c.scenario == s);
        b.push(Block::Heading(2, scenario_title(s)));
        if !present {
            b.push(Block::Para(format!(
                "These runs have no `{s}` cells: no table or figure for it."
            )));
            continue;
        }
        match s.as_str() {
            "micro" => b.extend(tables::micro_summary(cells)),
            "sim" => {
                b.extend(tables::sim_summary(cells));
                b.extend(tables::hit_ratio_table(cells));
            }
            "payload" => b.extend(tables::payload_table(cells)),
            other => b.extend(crate::serving::section(other, runs, cells)),
        }
        b.extend(figures(plan, s));
        b.push(Block::Heading(3, "Every cell".into()));
        b.extend(tables::every_cell(cells, s, several));
    }
    b.extend(crate::counted::section(runs, plan));
    b
}

/// The figures of `plan` for `section` (a scenario, or
/// [`charts::COUNTED`]), each under its title with its caption, then those
/// not drawn with the reason.
pub(crate) fn figures(plan: &charts::Plan, section: &str) -> Vec<Block> {
    let mut b = Vec::new();
    for p in plan.figures.iter().filter(|p| p.scenario == section) {
        b.push(Block::Heading(3, p.figure.title.clone()));
        b.push(Block::Figure {
            name: p.figure.name.clone(),
            title: p.figure.title.clone(),
            caption: format!("{} {}.", p.caption, p.figure.subtitle),
        });
    }
    let skipped: Vec<String> = plan
        .skipped
        .iter()
        .filter(|k| k.scenario == section)
        .map(|k| format!("`{}`: {}", k.figure, k.reason))
        .collect();
    if !skipped.is_empty() {
        b.push(Block::Para("Figures not drawn:".into()));
        b.push(Block::List(skipped));
    }
    b
}

/// The runs and their environment. Folders are named relative to `out`,
/// the report's own folder, so a report stays true when its folder is moved
/// or renamed with its runs (as `reproduce` does with a finished partial
/// folder) and names no path of the machine that wrote it.
fn runs_section(runs: &[Run], cells: &Cells, out: &Path) -> Vec<Block> {
    let mut b = vec![Block::Heading(2, "Runs".into())];
    let mut t = Table::new(
        [
            "folder",
            "scenario",
            "started",
            "commit",
            "host profiles",
            "CPU",
            "rustc",
            "calls × reps",
            "ok / error / unsupported",
        ]
        .map(String::from)
        .to_vec(),
        2,
    );
    for r in runs {
        let i = &r.info;
        let f = &i.fingerprint;
        let count = |s| r.records.iter().filter(|x| x.status == s).count();
        use crate::data::Status::*;
        t.rows.push(vec![
            format!("`{}`", relative(out, &r.dir).display()),
            i.options.scenario.clone(),
            i.started.clone(),
            format!(
                "{}{}",
                f.git_commit.chars().take(10).collect::<String>(),
                if f.git_dirty { " (dirty)" } else { "" }
            ),
            i.host_profiles.join(", "),
            format!("{} ({} cores)", f.cpu_model, f.cores),
            f.rustc.clone(),
            format!("{} × {}", i.options.calls, i.options.reps),
            format!("{} / {} / {}", count(Ok), count(Error), count(Unsupported)),
        ]);
    }
    b.push(Block::Table(t));
    let mut notes = Vec::new();
    let repeated = cells.cells.iter().filter(|c| c.present_in > 1).count();
    if repeated > 0 {
        notes.push(format!(
            "{repeated} cell(s) appear in several runs: each is summarised over its run means \
             (Student t, k − 1 degrees of freedom); a cell found in one run keeps that run's \
             interval over its replicates. Ratios to native divide per-call means of the \
             combined set."
        ));
    }
    if runs.len() > 1 {
        let first = &runs[0];
        for r in &runs[1..] {
            for (field, a, bv) in
                crate::merge::differences(&first.info.fingerprint, &r.info.fingerprint)
            {
                notes.push(format!(
                    "Environments differ: `{field}` is `{a}` in `{}` but `{bv}` in `{}`; compare \
                     their cells with care.",
                    first.name(),
                    r.name()
                ));
            }
        }
    }
    let checked = cells
        .cells
        .iter()
        .filter(|c| c.samples.len() == 1 && c.ratio.is_some() && c.recorded_ratio.is_some())
        .count();
    let mismatches = cells.ratio_mismatches();
    if !mismatches.is_empty() {
        let list: Vec<String> = mismatches
            .iter()
            .take(5)
            .map(|(c, a, r)| format!("`{}` {a:.4} vs {r:.4}", c.id))
            .collect();
        notes.push(format!(
            "Ratios to native are computed here from the rows; {} of {checked} differ from the \
             `ratio_to_native` the harness recorded (computed vs recorded): {}.",
            mismatches.len(),
            list.join("; ")
        ));
    } else if checked > 0 {
        notes.push(format!(
            "Ratios to native are computed here from the rows; all {checked} agree with the \
             `ratio_to_native` the harness recorded."
        ));
    }
    for r in runs {
        if let Some(m) = &r.info.merge {
            notes.push(format!(
                "`{}` was merged from {} shard(s){}.",
                r.name(),
                m.sources.len(),
                if m.mixed.is_empty() {
                    String::new()
                } else {
                    format!(" with mixed environments: {}", m.mixed.join("; "))
                }
            ));
        }
        if r.info.finished.is_none() {
            notes.push(format!(
                "`{}` did not finish (no end time in run.json).",
                r.name()
            ));
        }
    }
    if !notes.is_empty() {
        b.push(Block::List(notes));
    }
    b
}

#[cfg(test)]
mod tests;
