//! The simulator's claims (the paper's §5) and the conclusion's claim on
//! caching, which spans both scenarios.

use super::micro::{caching_gains, pair_fastest};
use super::{
    ACROSS_ABIS, Def, Outcome, PAPER_ABIS, host, is, pairs, pct, ratio_words, ratios, runtimes,
    scope, spread, x,
};
use crate::cells::{Cell, Cells};
use crate::select::{POLICIES, preferred, sorted};
use crate::units::{format_size, parse_size};

/// The claims, in the paper's order.
pub(super) const CLAIMS: &[Def] = &[
    Def {
        id: "hit-ratio-plateau",
        source: "§5.3",
        paper: "Hit ratios improve as the cache gets larger, until reaching a plateau.",
        tolerance: "for every policy over three or more native cache sizes, object and byte \
                    hit ratio never fall by more than 0.002 from one size to the next, and \
                    the last step changes them by less than 0.01",
        check: hit_plateau,
    },
    Def {
        id: "sim-caching-less",
        source: "§5.4",
        paper: "Reference caching helps less in the simulator than in the micro-benchmark.",
        tolerance: "median gain 1 − cached/uncached of the paper's ABIs lower in the simulator \
                    than in the micro-benchmark",
        check: caching_less,
    },
    Def {
        id: "pair-fastest-sim",
        source: "§5.5",
        paper: "Once again, Pair is the fastest ABI (in the simulator).",
        tolerance: "in every group of sim cells equal but for the ABI, Pair's time is at most \
                    1.05× the fastest of Bytemuck and Bincode",
        check: |c| pair_fastest(c, "sim"),
    },
    Def {
        id: "bytemuck-faster-bincode-sim",
        source: "§5.5",
        paper: "Bytemuck (static memory) is faster than Bincode (dynamic) in the simulator.",
        tolerance: "static Bytemuck at most 0.95× dynamic Bincode in every pair of otherwise \
                    equal sim cells",
        check: |c| {
            sim_ratio(
                c,
                ("bytemuck", Some("static")),
                ("bincode", Some("dynamic")),
                |s| s.max <= 0.95,
            )
        },
    },
    Def {
        id: "bytemuck-20-pair-sim",
        source: "§5.5",
        paper: "Bytemuck was only about 20% slower than Pair in the simulator.",
        tolerance: "static Bytemuck / Pair at most 1.25× (20% + 5 points) in every pair of \
                    otherwise equal sim cells",
        check: |c| {
            sim_ratio(c, ("bytemuck", Some("static")), ("pair", None), |s| {
                s.max <= 1.25
            })
        },
    },
    Def {
        id: "sim-5-10x-native",
        source: "§5.6",
        paper: "WebAssembly is 5–10× slower than native on the simulator.",
        tolerance: "median slowdown of the paper's configurations (Pair, static Bytemuck, \
                    dynamic Bincode; cached and uncached; one request per call) within \
                    5–10× ± 20% (4.2–12×), judged on wasmer-cranelift (the paper's runtime) \
                    when measured, else on every runtime",
        check: five_to_ten,
    },
    Def {
        id: "native-fifo-2x-lfu",
        source: "§5.6",
        paper: "Natively, FIFO is more than twice as fast as LFU.",
        tolerance: "native LFU/FIFO time at least 1.8× (2× less 10%)",
        check: fifo_lfu,
    },
    Def {
        id: "fixed-call-cost",
        source: "§5.6",
        paper: "A fixed cost per call dominates: the sandboxed policies do not show nearly \
                the native FIFO–LFU difference.",
        tolerance: "median sandboxed LFU/FIFO excess (ratio − 1) at most half the native one",
        check: fixed_cost,
    },
    Def {
        id: "caching-always-helps",
        source: "§6",
        paper: "Caching references helps in all cases.",
        tolerance: "cached/uncached time at most 1.05× in every pair of otherwise equal cells \
                    of the paper's ABIs, micro and sim",
        check: caching_always,
    },
];

fn hit_plateau(cells: &Cells) -> Outcome {
    let (all, _) = scope(cells, "sim");
    let natives: Vec<&Cell> = all
        .into_iter()
        .filter(|c| c.is_native() && c.object_hit_ratio.is_some())
        .collect();
    let sizes = Cells::values(natives.iter().copied(), "cache-size");
    if sizes.len() < 3 {
        return Outcome::none(format!(
            "native hit ratios at {} cache size(s); a plateau needs three or more (--sweep)",
            sizes.len()
        ));
    }
    let mut problems = Vec::new();
    let mut rises = Vec::new();
    let mut last_steps: Vec<f64> = Vec::new();
    for pol in sorted(Cells::values(natives.iter().copied(), "policy"), POLICIES) {
        let mut pts: Vec<(u64, f64, f64)> = natives
            .iter()
            .filter(|c| c.is("policy", &pol))
            .filter_map(|c| {
                Some((
                    parse_size(c.factor("cache-size")?)?,
                    c.object_hit_ratio?,
                    c.byte_hit_ratio.unwrap_or(c.object_hit_ratio?),
                ))
            })
            .collect();
        pts.sort_by_key(|p| p.0);
        if pts.len() < 3 {
            continue;
        }
        for w in pts.windows(2) {
            if w[1].1 < w[0].1 - 0.002 || w[1].2 < w[0].2 - 0.002 {
                problems.push(format!(
                    "{pol} falls from {} to {}",
                    format_size(w[0].0),
                    format_size(w[1].0)
                ));
            }
        }
        let n = pts.len();
        let step = (pts[n - 1].1 - pts[n - 2].1)
            .abs()
            .max((pts[n - 1].2 - pts[n - 2].2).abs());
        if step >= 0.01 {
            problems.push(format!(
                "{pol} still rises by {step:.3} at the largest size"
            ));
        }
        last_steps.push(step);
        rises.push(format!("{pol} {:.3}→{:.3}", pts[0].1, pts[n - 1].1));
    }
    if rises.is_empty() {
        return Outcome::none("no policy with hit ratios at three or more cache sizes");
    }
    let (lo, hi) = (sizes.first().unwrap(), sizes.last().unwrap());
    let biggest = last_steps.iter().copied().fold(0.0, f64::max);
    let mut text = format!(
        "object hit ratio from {lo} to {hi}: {}; last step at most {biggest:.3}",
        rises.join(", ")
    );
    if !problems.is_empty() {
        text.push_str(&format!("; {}", problems.join("; ")));
    }
    Outcome::of(problems.is_empty(), text)
}

fn caching_less(cells: &Cells) -> Outcome {
    let (micro, _) = scope(cells, "micro");
    let (sim, profile) = scope(cells, "sim");
    let (Some(m), Some(s)) = (spread(&caching_gains(&micro)), spread(&caching_gains(&sim))) else {
        return Outcome::none(
            "needs cached and uncached cells of both the micro-benchmark and the simulator",
        );
    };
    Outcome::of(
        s.median < m.median,
        format!(
            "median gain 1 − cached/uncached{}: simulator {} ({} pairs), micro {} ({} pairs)",
            host(&profile),
            pct(s.median),
            s.n,
            pct(m.median),
            m.n
        ),
    )
}

/// `a` / `b` over otherwise equal sim cells, judged by `ok`.
fn sim_ratio(
    cells: &Cells,
    a: (&str, Option<&str>),
    b: (&str, Option<&str>),
    ok: fn(&super::Spread) -> bool,
) -> Outcome {
    let (all, profile) = scope(cells, "sim");
    let p = pairs(&all, |c| is(c, a.0, a.1), |c| is(c, b.0, b.1), ACROSS_ABIS);
    let name = |(abi, memory): (&str, Option<&str>)| match memory {
        Some(m) => format!("{m} {abi}"),
        None => abi.to_string(),
    };
    let Some(s) = spread(&ratios(&p)) else {
        return Outcome::none(format!(
            "no sim cells of {} and {} with otherwise equal factors",
            name(a),
            name(b)
        ));
    };
    Outcome::of(
        ok(&s),
        format!(
            "{} / {} time{}: {}",
            name(a),
            name(b),
            host(&profile),
            ratio_words(s, "pairs")
        ),
    )
}

fn five_to_ten(cells: &Cells) -> Outcome {
    let (all, profile) = scope(cells, "sim");
    let paper: Vec<&Cell> = all
        .into_iter()
        .filter(|c| {
            is(c, "pair", None)
                || is(c, "bytemuck", Some("static"))
                || is(c, "bincode", Some("dynamic"))
        })
        .filter(|c| c.ratio.is_some())
        .collect();
    if paper.is_empty() {
        return Outcome::none(
            "no sandboxed sim cells of the paper's configurations with a native baseline",
        );
    }
    let rts = runtimes(paper.iter().copied());
    let judged = if rts.iter().any(|r| r == "wasmer-cranelift") {
        "wasmer-cranelift".to_string()
    } else {
        "every runtime".to_string()
    };
    let mut parts = Vec::new();
    let mut verdict_spread = None;
    let mut verdict_between = None;
    for rt in rts
        .iter()
        .map(String::as_str)
        .chain(std::iter::once("every runtime"))
    {
        let v: Vec<f64> = paper
            .iter()
            .filter(|c| rt == "every runtime" || c.runtime == rt)
            .filter_map(|c| c.ratio)
            .collect();
        let Some(s) = spread(&v) else { continue };
        if rt == judged {
            verdict_spread = Some(s);
            // The median's interval over runs: the medians of the cells'
            // interval ends, when every judged cell has one.
            let judged_cells = paper
                .iter()
                .filter(|c| rt == "every runtime" || c.runtime == rt);
            let ends: Option<Vec<(f64, f64)>> = judged_cells.clone().map(|c| c.ratio_ci).collect();
            let runs = judged_cells.map(|c| c.samples.len()).min().unwrap_or(0);
            verdict_between = ends.and_then(|e| {
                let lo = spread(&e.iter().map(|p| p.0).collect::<Vec<_>>())?.median;
                let hi = spread(&e.iter().map(|p| p.1).collect::<Vec<_>>())?.median;
                Some(((lo, hi), runs))
            });
        }
        if rt == "every runtime" && rts.len() < 2 {
            continue;
        }
        let inside = v.iter().filter(|r| (5.0..=10.0).contains(*r)).count();
        parts.push(format!(
            "{rt}: median {} ({}–{}), {inside} of {} cells within 5–10×",
            x(s.median),
            x(s.min),
            x(s.max),
            s.n
        ));
    }
    let Some(s) = verdict_spread else {
        return Outcome::none("no slowdown to judge");
    };
    Outcome::banded(
        s.median,
        5.0 / 1.2..=12.0,
        verdict_between,
        format!("slowdown vs native{}: {}", host(&profile), parts.join("; ")),
    )
}

/// The native cells of the sim scope at the cache size the sandboxed
/// cells use (else the first size), and that size.
fn natives_at_size(cells: &Cells) -> (Vec<&Cell>, String, String) {
    let (all, profile) = scope(cells, "sim");
    let size = preferred(all.iter().copied().filter(|c| !c.is_native()), "cache-size")
        .or_else(|| preferred(all.iter().copied(), "cache-size"))
        .unwrap_or_default();
    let natives = all
        .into_iter()
        .filter(|c| c.is_native() && c.is("cache-size", &size))
        .collect();
    (natives, size, profile)
}

fn lfu_over_fifo(cells: &[&Cell]) -> Option<(f64, f64, f64)> {
    let mean = |p: &str| cells.iter().find(|c| c.is("policy", p))?.mean();
    let (f, l) = (mean("fifo")?, mean("lfu")?);
    Some((l / f, f, l))
}

fn fifo_lfu(cells: &Cells) -> Outcome {
    let (natives, size, profile) = natives_at_size(cells);
    let Some((r, f, l)) = lfu_over_fifo(&natives) else {
        return Outcome::none("no native FIFO and LFU simulator cells");
    };
    Outcome::of(
        r >= 1.8,
        format!(
            "native LFU/FIFO time{} at {size}: {} ({} vs {} ns per request)",
            host(&profile),
            x(r),
            crate::units::ns(l),
            crate::units::ns(f)
        ),
    )
}

fn fixed_cost(cells: &Cells) -> Outcome {
    let (natives, size, profile) = natives_at_size(cells);
    let Some((native, _, _)) = lfu_over_fifo(&natives) else {
        return Outcome::none("no native FIFO and LFU simulator cells");
    };
    let (all, _) = scope(cells, "sim");
    let sandboxed: Vec<&Cell> = all
        .into_iter()
        .filter(|c| !c.is_native() && c.is("cache-size", &size))
        .collect();
    let p = pairs(
        &sandboxed,
        |c| c.is("policy", "lfu"),
        |c| c.is("policy", "fifo"),
        &["policy"],
    );
    let Some(s) = spread(&ratios(&p)) else {
        return Outcome::none("no sandboxed sim cells measured with both FIFO and LFU");
    };
    if native <= 1.0 {
        return Outcome::none(format!(
            "natively LFU is not slower than FIFO here ({}): no difference to shrink",
            x(native)
        ));
    }
    Outcome::of(
        s.median - 1.0 <= (native - 1.0) / 2.0,
        format!(
            "LFU/FIFO time{} at {size}: native {}, sandboxed {}",
            host(&profile),
            x(native),
            ratio_words(s, "configurations")
        ),
    )
}

fn caching_always(cells: &Cells) -> Outcome {
    let paper = |c: &Cell| PAPER_ABIS.iter().any(|a| is(c, a, None));
    let mut worst: Option<(f64, String)> = None;
    let mut total = 0;
    let mut bad = 0;
    for scenario in ["micro", "sim"] {
        let (all, _) = scope(cells, scenario);
        let p = pairs(
            &all,
            |c| paper(c) && c.is("caching", "cached"),
            |c| paper(c) && c.is("caching", "uncached"),
            &["caching", "handles"],
        );
        for (a, b) in p {
            let (Some(ma), Some(mb)) = (a.mean(), b.mean()) else {
                continue;
            };
            let r = ma / mb;
            total += 1;
            if r > 1.05 {
                bad += 1;
            }
            if worst.as_ref().is_none_or(|(w, _)| r > *w) {
                worst = Some((r, format!("{} {}", a.scenario, a.label(&["host-profile"]))));
            }
        }
    }
    let Some((w, who)) = worst else {
        return Outcome::none("no cells measured both cached and uncached");
    };
    Outcome::of(
        bad == 0,
        format!(
            "cached slower than uncached by more than 5% in {bad} of {total} pairs; highest \
             cached/uncached {} ({who})",
            x(w)
        ),
    )
}
