use super::*;
use crate::data::Record;
use crate::load::Run;
use crate::testutil::*;

fn cells(runs: Vec<Vec<Record>>) -> Cells {
    let runs: Vec<Run> = runs
        .into_iter()
        .map(|records| Run {
            dir: "x".into(),
            info: info("micro"),
            records,
        })
        .collect();
    Cells::build(&runs)
}

fn verdict(cells: &Cells, id: &str) -> (Verdict, String) {
    let c = check(cells).into_iter().find(|c| c.id == id).expect(id);
    (c.verdict, c.measured)
}

#[test]
fn every_claim_has_text_and_a_tolerance_and_unmeasured_ones_say_so() {
    let empty = cells(vec![]);
    let all = check(&empty);
    assert!(all.len() >= 15, "{}", all.len());
    let mut ids: Vec<&str> = all.iter().map(|c| c.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "ids are unique");
    for c in &all {
        assert_eq!(c.verdict, Verdict::NotMeasured, "{}", c.id);
        assert!(
            !c.measured.is_empty() && !c.tolerance.is_empty() && c.paper.ends_with('.'),
            "{}",
            c.id
        );
    }
}

#[test]
fn the_papers_micro_ordering_is_confirmed() {
    let c = cells(vec![micro_rows("wasmer-cranelift", paper_like_micro)]);
    for id in [
        "pair-fastest-micro",
        "bincode-eq-dynamic-bytemuck",
        "static-bytemuck-between",
        "static-memory-faster",
        "caching-up-to-15",
        "bincode-static-eq-bytemuck",
        "caching-always-helps",
    ] {
        let (v, m) = verdict(&c, id);
        assert_eq!(v, Verdict::Confirmed, "{id}: {m}");
    }
    let (_, m) = verdict(&c, "bincode-eq-dynamic-bytemuck");
    // 82 / 80 in both caching modes.
    assert!(m.contains("median 1.02×") && m.contains("2 pairs"), "{m}");
    let (_, m) = verdict(&c, "caching-up-to-15");
    assert!(m.contains("median 9%"), "{m}");
    assert_eq!(verdict(&c, "release-10x-debug").0, Verdict::NotMeasured);
    assert_eq!(verdict(&c, "sim-5-10x-native").0, Verdict::NotMeasured);
}

#[test]
fn claims_flip_when_the_data_do() {
    // Pair made the slowest ABI.
    let slow_pair = |a: &str, m: &str, c: &str| {
        if a == "pair" {
            100.0
        } else {
            paper_like_micro(a, m, c)
        }
    };
    let c = cells(vec![micro_rows("wasmtime", slow_pair)]);
    let (v, m) = verdict(&c, "pair-fastest-micro");
    assert_eq!(v, Verdict::Refuted, "{m}");
    assert!(m.contains("in 2 of 2 groups") && m.contains("0.42×"), "{m}");

    // Uncached twice as dear: caching gains 50%, far above 15%.
    let dear_lookup = |a: &str, m: &str, c: &str| {
        paper_like_micro(a, m, "cached") * if c == "uncached" { 2.0 } else { 1.0 }
    };
    let c = cells(vec![micro_rows("wasmtime", dear_lookup)]);
    let (v, m) = verdict(&c, "caching-up-to-15");
    assert_eq!(v, Verdict::Refuted, "{m}");
    assert!(m.contains("median 50%"), "{m}");

    // Release vs debug: 18× is an order of magnitude, 50× is not.
    let micro = micro_rows("wasmtime", paper_like_micro);
    for (factor, expected) in [(18.0, Verdict::Confirmed), (50.0, Verdict::Refuted)] {
        let c = cells(vec![micro.clone(), as_debug(&micro, factor)]);
        let (v, m) = verdict(&c, "release-10x-debug");
        assert_eq!(v, expected, "{m}");
        assert!(m.contains(&format!("median {factor:.2}×")), "{m}");
    }

    // The simulator's slowdown: in the paper's range, then far below it.
    let c = cells(vec![sim_rows("wasmer-cranelift", paper_like_sim)]);
    let (v, m) = verdict(&c, "sim-5-10x-native");
    assert_eq!(v, Verdict::Confirmed, "{m}");
    assert!(
        m.starts_with("slowdown vs native (release host): wasmer-cranelift: median"),
        "{m}"
    );
    let c = cells(vec![sim_rows("wasmer-cranelift", |a, m, c| {
        paper_like_sim(a, m, c) / 3.0
    })]);
    assert_eq!(verdict(&c, "sim-5-10x-native").0, Verdict::Refuted);
}

#[test]
fn simulator_claims_read_the_sim_cells() {
    let c = cells(vec![
        sim_rows("wasmtime", paper_like_sim),
        micro_rows("wasmtime", |a, m, c| {
            paper_like_micro(a, m, "cached") * if c == "uncached" { 1.5 } else { 1.0 }
        }),
    ]);
    for (id, expected) in [
        ("hit-ratio-plateau", Verdict::Confirmed),
        ("pair-fastest-sim", Verdict::Confirmed),
        ("bytemuck-faster-bincode-sim", Verdict::Confirmed),
        ("bytemuck-20-pair-sim", Verdict::Confirmed),
        // sim gain 9% < micro gain 33%.
        ("sim-caching-less", Verdict::Confirmed),
        // 38 / 25 natively.
        ("native-fifo-2x-lfu", Verdict::Refuted),
        // Every sandboxed cell here is a multiple of native: the gap stays.
        ("fixed-call-cost", Verdict::Refuted),
    ] {
        let (v, m) = verdict(&c, id);
        assert_eq!(v, expected, "{id}: {m}");
    }
    let (_, m) = verdict(&c, "native-fifo-2x-lfu");
    assert!(m.contains("1.52×") && m.contains("at 4MiB"), "{m}");
}

#[test]
fn a_between_run_interval_across_the_threshold_is_inconclusive() {
    let runs = |slowdowns: &[f64]| {
        cells(
            slowdowns
                .iter()
                .map(|&s| sim_rows("wasmer-cranelift", move |_, _, _| s))
                .collect(),
        )
    };
    let judged = |c: &Cells| {
        check(c)
            .into_iter()
            .find(|c| c.id == "sim-5-10x-native")
            .unwrap()
    };
    // One run: judged on its point estimate, and says so.
    let one = judged(&runs(&[8.0]));
    assert_eq!(one.verdict, Verdict::Confirmed, "{}", one.measured);
    assert_eq!(one.interval, "none (point estimate)");
    // Three runs well inside 4.2–12×: confirmed on the interval over runs.
    let inside = judged(&runs(&[7.9, 8.0, 8.2]));
    assert_eq!(inside.verdict, Verdict::Confirmed, "{}", inside.measured);
    assert_eq!(inside.interval, "between runs (3 runs)");
    assert!(
        inside.measured.contains("between-run 95% interval"),
        "{}",
        inside.measured
    );
    // Three runs around 12×: the interval straddles the threshold.
    let edge = judged(&runs(&[10.5, 13.5, 12.0]));
    assert_eq!(edge.verdict, Verdict::Inconclusive, "{}", edge.measured);
    // Three runs far outside: refuted.
    let far = judged(&runs(&[30.0, 31.0, 29.0]));
    assert_eq!(far.verdict, Verdict::Refuted, "{}", far.measured);
}

/// A claim on pairs of cells is judged on each pair's between-run
/// interval (the ratio within each run's own process) when the runs have
/// one: inside the band confirmed, straddling it inconclusive.
#[test]
fn pair_claims_use_their_paired_between_run_intervals() {
    let runs = |bincode_over_bytemuck: &[f64]| {
        cells(
            bincode_over_bytemuck
                .iter()
                .map(|&r| {
                    micro_rows("wasmtime", move |abi, memory, caching| {
                        let base = paper_like_micro(abi, memory, caching);
                        if (abi, memory) == ("bincode", "dynamic") {
                            paper_like_micro("bytemuck", "dynamic", caching) * r
                        } else {
                            base
                        }
                    })
                })
                .collect(),
        )
    };
    let judged = |c: &Cells| {
        check(c)
            .into_iter()
            .find(|c| c.id == "bincode-eq-dynamic-bytemuck")
            .unwrap()
    };
    let one = judged(&runs(&[1.02]));
    assert_eq!(one.verdict, Verdict::Confirmed, "{}", one.measured);
    assert_eq!(one.interval, "none (point estimate)");
    let inside = judged(&runs(&[1.01, 1.02, 1.03]));
    assert_eq!(inside.verdict, Verdict::Confirmed, "{}", inside.measured);
    assert_eq!(inside.interval, "between runs, paired per run (3 runs)");
    // Around 1.10×: one run's point estimate would pass, the interval
    // over three straddles the band's end.
    let edge = judged(&runs(&[1.04, 1.16, 1.09]));
    assert_eq!(edge.verdict, Verdict::Inconclusive, "{}", edge.measured);
    let far = judged(&runs(&[1.5, 1.52, 1.49]));
    assert_eq!(far.verdict, Verdict::Refuted, "{}", far.measured);
}
