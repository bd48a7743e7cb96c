use super::*;
use crate::data::Record;
use crate::testutil::*;

fn run(records: Vec<Record>) -> Run {
    Run {
        dir: "x".into(),
        info: info("micro"),
        records,
    }
}

fn base() -> Vec<Record> {
    micro_rows("wasmtime", paper_like_micro)
}

/// The base rows with cell `id` `factor` times slower.
fn slowed(id: &str, factor: f64) -> Vec<Record> {
    base()
        .into_iter()
        .map(|r| {
            if r.cell != id {
                return r;
            }
            let f: Vec<(&str, &str)> = r
                .factors
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let reps = r.replicate_s.iter().map(|x| x * factor).collect();
            row_with(&r.scenario, &r.runtime, &r.abi, &f, reps)
        })
        .collect()
}

#[test]
fn a_synthetic_2x_regression_is_flagged() {
    let id = base()
        .into_iter()
        .find(|r| r.abi == "pair" && r.factors["caching"] == "cached")
        .unwrap()
        .cell;
    let c = compare(&[run(base())], &[run(slowed(&id, 2.0))], 0.05);
    assert!(c.has_regressions());
    let regs: Vec<&CellChange> = c.regressions().collect();
    assert_eq!(regs.len(), 1);
    assert_eq!(regs[0].id, id);
    assert!((regs[0].change - 1.0).abs() < 1e-9);
    assert!(regs[0].p_adjusted < 1e-6);
    assert!(matches!(
        regs[0].basis,
        Basis::Replicates { base: 10, new: 10 }
    ));
    let text = c.table();
    assert!(
        text.lines().nth(1).unwrap().contains("REGRESSION") && text.contains("+100.0%"),
        "{text}"
    );
    assert!(
        text.contains("1 regressed, 0 improved, 10 unchanged"),
        "{text}"
    );
    // Under a threshold above the change it is not a regression; made
    // faster instead, it is an improvement.
    assert!(!compare(&[run(base())], &[run(slowed(&id, 2.0))], 1.5).has_regressions());
    let c2 = compare(&[run(base())], &[run(slowed(&id, 0.5))], 0.05);
    assert!(!c2.has_regressions());
    assert_eq!(c2.cells[0].verdict, Verdict::Improvement);
    let fig = c.figure().unwrap();
    assert!(fig.svg().unwrap().contains("change per call"));
}

#[test]
fn identical_runs_pass_and_one_sided_cells_are_listed() {
    let c = compare(&[run(base())], &[run(base())], 0.05);
    assert!(!c.has_regressions());
    assert!(
        c.cells
            .iter()
            .all(|x| x.verdict == Verdict::Unchanged && x.change == 0.0 && x.p == 1.0)
    );
    assert!(
        c.figure().unwrap().svg().is_ok(),
        "a figure of zero changes draws"
    );

    let mut fewer = base();
    let gone = fewer.pop().unwrap();
    let mut more = base();
    more.push(row(
        "micro",
        "wasmer-cranelift",
        "pair",
        &micro_factors(&[("caching", "cached")]),
        40.0,
    ));
    let c = compare(&[run(fewer)], &[run(more)], 0.05);
    assert_eq!(
        c.only_new,
        vec![
            gone.cell.clone(),
            "micro/wasmer-cranelift/pair/host-profile=release,operand=i32,caching=cached"
                .to_string()
        ]
    );
    assert!(c.only_base.is_empty());
    assert!(
        c.table()
            .contains("only in new: micro/wasmer-cranelift/pair/")
    );
}

#[test]
fn several_runs_per_side_are_tested_on_their_means() {
    // Two processes per side; the new side's means spread widely, so a
    // 3% shift is not significant on run means.
    let scaled = |f: f64| {
        run(base()
            .into_iter()
            .map(|r| {
                let factors: Vec<(String, String)> = r.factors.clone().into_iter().collect();
                let factors: Vec<(&str, &str)> = factors
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                row_with(
                    &r.scenario,
                    &r.runtime,
                    &r.abi,
                    &factors,
                    r.replicate_s.iter().map(|x| x * f).collect(),
                )
            })
            .collect())
    };
    let c = compare(
        &[scaled(1.0), scaled(1.01)],
        &[scaled(0.98), scaled(1.09)],
        0.02,
    );
    assert!(
        c.cells
            .iter()
            .all(|x| matches!(x.basis, Basis::RunMeans { base: 2, new: 2 }))
    );
    assert!(!c.has_regressions(), "{}", c.table());
    // The same shift tested on pooled replicates of one run each is flagged.
    let c = compare(&[scaled(1.0)], &[scaled(1.03)], 0.02);
    assert!(c.has_regressions());
}

/// The base rows as a counted run: instructions per call, no times; cell
/// `id` (if any) counting `factor` times as many.
fn counted(id: &str, factor: f64) -> Vec<Record> {
    base()
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            let n = 1000.0 + 37.0 * i as f64;
            let n = if r.cell == id { n * factor } else { n };
            r.counts = Some(crate::data::CountsPerCall {
                instructions: n,
                data_reads: 1.0,
                data_writes: 1.0,
                l1_misses: 0.0,
                ll_misses: 0.0,
                branch_misses: 0.0,
            });
            r.replicate_instructions = vec![(n * 1000.0) as u64; 3];
            r.mean_s = None;
            r.replicate_s.clear();
            r
        })
        .collect()
}

#[test]
fn counted_runs_are_compared_by_instructions_per_call() {
    let target = base()
        .into_iter()
        .find(|r| r.abi == "pair" && r.factors["caching"] == "cached")
        .unwrap()
        .cell;
    // Identical counts: nothing flagged.
    let same = compare_with(
        &[run(counted("", 1.0))],
        &[run(counted("", 1.0))],
        CompareOptions::default(),
    );
    assert_eq!(same.cells.len(), base().len());
    assert!(same.cells.iter().all(|c| c.verdict == Verdict::Unchanged));
    assert!(
        same.cells
            .iter()
            .all(|c| matches!(c.basis, Basis::Counts { base: 3, new: 3 }))
    );
    // A planted 2% growth in one cell: that cell, and no other.
    let planted = compare_with(
        &[run(counted("", 1.0))],
        &[run(counted(&target, 1.02))],
        CompareOptions::default(),
    );
    let flagged: Vec<&str> = planted.regressions().map(|c| c.id.as_str()).collect();
    assert_eq!(flagged, [target.as_str()]);
    assert!((planted.cells[0].change - 0.02).abs() < 1e-9);
    // Under the count threshold (0.5%): unchanged.
    let small = compare_with(
        &[run(counted("", 1.0))],
        &[run(counted(&target, 1.004))],
        CompareOptions::default(),
    );
    assert!(!small.has_regressions());
    let table = planted.table();
    assert!(
        table.contains("counted: instructions per call, threshold 0.5%"),
        "{table}"
    );
    assert!(table.contains("counts 3/3"), "{table}");
}
