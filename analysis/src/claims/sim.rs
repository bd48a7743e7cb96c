//! The simulator's claims (the paper's §5) and the conclusion's claim on
//! caching, which spans both scenarios.

use std::collections::BTreeMap;

use super::micro::{caching_pairs, gains, pair_fastest};
use super::{
    ACROSS_ABIS, Def, Outcome, Scope, default_build, host, in_host, is, of_pairs, pairs, pct,
    ratio_words, ratios, runtimes, spread, x,
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
                    than in the micro-benchmark, over micro cells like the simulator's calls \
                    (typed, preloaded, Rust guest, the same runtimes)",
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
                    dynamic Bincode; cached and uncached; one request per call; default \
                    build) within \
                    5–10× ± 20% (4.2–12×), judged on wasmer-cranelift (the paper's runtime) \
                    when measured, else on every runtime",
        check: five_to_ten,
    },
    Def {
        id: "native-fifo-2x-lfu",
        source: "§5.6",
        paper: "Natively, FIFO is more than twice as fast as LFU.",
        tolerance: "native LFU/FIFO time at least 1.8× (2× less 10%), FIFO and LFU cells equal \
                    in every other factor, default build, at the sandboxed cells' cache size; \
                    other builds and sizes shown, not judged",
        check: fifo_lfu,
    },
    Def {
        id: "fixed-call-cost",
        source: "§5.6",
        paper: "A fixed cost per call dominates: the sandboxed policies do not show nearly \
                the native FIFO–LFU difference.",
        tolerance: "median sandboxed LFU/FIFO excess (ratio − 1) at most half the native one, \
                    over sandboxed cells of one request per call (no batch, no in-guest \
                    replay) of the default build, at the native pair's cache size",
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
    let natives: Vec<&Cell> = Scope::main(cells, "sim")
        .cells
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
    let mut judged: Vec<&Cell> = Vec::new();
    for pol in sorted(Cells::values(natives.iter().copied(), "policy"), POLICIES) {
        let of_policy: Vec<&Cell> = natives
            .iter()
            .copied()
            .filter(|c| c.is("policy", &pol))
            .collect();
        let mut pts: Vec<(u64, f64, f64)> = of_policy
            .iter()
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
        judged.extend(of_policy);
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
    Outcome::of(problems.is_empty(), text, judged)
}

fn caching_less(cells: &Cells) -> Outcome {
    let Scope {
        cells: sim,
        profile,
    } = Scope::main(cells, "sim");
    // Like for like: the simulator calls typed functions of a preloaded
    // Rust guest, so the micro cells it is set against are those, on the
    // runtimes the simulator ran (untyped or hotload micro calls are
    // dearer either way, and their gains would move the micro median).
    let sim_runtimes: Vec<&str> = sim.iter().map(|c| c.runtime.as_str()).collect();
    let micro: Vec<&Cell> = Scope::main(cells, "micro")
        .cells
        .into_iter()
        .filter(|c| {
            c.is("call", "typed")
                && c.is("loading", "preload")
                && c.factor("lang").is_none_or(|l| l == "rust")
                && sim_runtimes.contains(&c.runtime.as_str())
        })
        .collect();
    let micro = caching_pairs(&micro);
    let sim = caching_pairs(&sim);
    let (Some(m), Some(s)) = (spread(&gains(&micro)), spread(&gains(&sim))) else {
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
        of_pairs(&micro).chain(of_pairs(&sim)),
    )
}

/// `a` / `b` over otherwise equal sim cells, judged by `ok`.
fn sim_ratio(
    cells: &Cells,
    a: (&str, Option<&str>),
    b: (&str, Option<&str>),
    ok: fn(&super::Spread) -> bool,
) -> Outcome {
    let Scope {
        cells: all,
        profile,
    } = Scope::main(cells, "sim");
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
        of_pairs(&p),
    )
}

fn five_to_ten(cells: &Cells) -> Outcome {
    let Scope {
        cells: all,
        profile,
    } = Scope::main(cells, "sim");
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
    let mut behind: Vec<&Cell> = Vec::new();
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
            // The cells and the native cells their ratios divide by.
            for c in judged_cells.clone() {
                behind.push(c);
                behind.extend(c.native.as_deref().and_then(|id| cells.get(id)));
            }
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
        behind,
    )
}

/// The native simulator's LFU/FIFO pairs: native cells equal in every
/// factor but the policy (same build, cache size and host profile), the
/// judged ones and those only shown beside them.
struct NativeGap<'a> {
    /// (LFU, FIFO) of the default build at `size`: judged.
    judged: Vec<(&'a Cell, &'a Cell)>,
    /// The cache size judged: the one the sandboxed cells use, else the
    /// first one measured natively.
    size: String,
    /// The host profile ([`Scope::main`]).
    profile: String,
    /// The default build's pairs at other cache sizes (a `--sweep`).
    other_sizes: Vec<(&'a Cell, &'a Cell)>,
    /// Ablated builds' pairs, by ablation: shown, never judged.
    other_builds: BTreeMap<String, Vec<(&'a Cell, &'a Cell)>>,
}

impl NativeGap<'_> {
    /// The judged ratios' spread: one pair, or several when the runs
    /// hold the default build both with `ablation=none` and without the
    /// factor.
    fn judged(&self) -> Option<super::Spread> {
        spread(&ratios(&self.judged))
    }
}

/// (LFU, FIFO) pairs of `cells` equal in every factor but the policy.
fn lfu_fifo<'a>(cells: &[&'a Cell]) -> Vec<(&'a Cell, &'a Cell)> {
    pairs(
        cells,
        |c| c.is("policy", "lfu"),
        |c| c.is("policy", "fifo"),
        &["policy"],
    )
}

/// The native LFU/FIFO pairs of the sim; `None` without native cells of
/// both policies at one cache size.
fn native_gap(cells: &Cells) -> Option<NativeGap<'_>> {
    let scope = Scope::main(cells, "sim");
    let size = preferred(
        scope.cells.iter().copied().filter(|c| !c.is_native()),
        "cache-size",
    )
    .or_else(|| preferred(scope.cells.iter().copied(), "cache-size"))?;
    let natives: Vec<&Cell> = scope
        .cells
        .iter()
        .copied()
        .filter(|c| c.is_native())
        .collect();
    let (judged, other_sizes): (Vec<_>, Vec<_>) = lfu_fifo(&natives)
        .into_iter()
        .partition(|(a, _)| a.is("cache-size", &size));
    if judged.is_empty() {
        return None;
    }
    // The ablated builds, outside the scope: same host profile.
    let ablated: Vec<&Cell> = cells
        .ok("sim")
        .filter(|c| c.is_native() && !default_build(c) && in_host(c, &scope.profile))
        .collect();
    let mut other_builds: BTreeMap<String, Vec<(&Cell, &Cell)>> = BTreeMap::new();
    for (a, b) in lfu_fifo(&ablated) {
        // Not the default build: the factor is there.
        if let Some(build) = a.factor("ablation") {
            other_builds
                .entry(build.to_string())
                .or_default()
                .push((a, b));
        }
    }
    Some(NativeGap {
        judged,
        size,
        profile: scope.profile,
        other_sizes,
        other_builds,
    })
}

fn fifo_lfu(cells: &Cells) -> Outcome {
    let Some(gap) = native_gap(cells) else {
        return Outcome::none("no native FIFO and LFU simulator cells of one build and size");
    };
    let Some(s) = gap.judged() else {
        return Outcome::none("no native FIFO and LFU simulator cells of one build and size");
    };
    let judged = match gap.judged.as_slice() {
        [(l, f)] if let (Some(l), Some(f)) = (l.mean(), f.mean()) => format!(
            "{} ({} vs {} ns per request)",
            x(s.median),
            crate::units::ns(l),
            crate::units::ns(f)
        ),
        _ => ratio_words(s, "pairs"),
    };
    let mut text = format!(
        "native LFU/FIFO time{} at {}, default build: {judged}",
        host(&gap.profile),
        gap.size
    );
    if let Some(o) = spread(&ratios(&gap.other_sizes)) {
        text.push_str(&format!("; other cache sizes: {}", ratio_words(o, "pairs")));
    }
    let builds: Vec<String> = gap
        .other_builds
        .iter()
        .filter_map(|(build, p)| {
            let o = spread(&ratios(p))?;
            Some(if o.n == 1 {
                format!("{build} {}", x(o.median))
            } else {
                format!("{build} {}", ratio_words(o, "sizes"))
            })
        })
        .collect();
    if !builds.is_empty() {
        text.push_str(&format!(
            "; other builds (not judged): {}",
            builds.join(", ")
        ));
    }
    Outcome::of(s.min >= 1.8, text, of_pairs(&gap.judged))
}

fn fixed_cost(cells: &Cells) -> Outcome {
    let Some(gap) = native_gap(cells) else {
        return Outcome::none("no native FIFO and LFU simulator cells of one build and size");
    };
    let Some(native) = gap.judged().map(|s| s.median) else {
        return Outcome::none("no native FIFO and LFU simulator cells of one build and size");
    };
    // One request per call and the default build: the scope's.
    let sandboxed: Vec<&Cell> = Scope::main(cells, "sim")
        .cells
        .into_iter()
        .filter(|c| !c.is_native() && c.is("cache-size", &gap.size))
        .collect();
    let p = lfu_fifo(&sandboxed);
    let Some(s) = spread(&ratios(&p)) else {
        return Outcome::none(
            "no sandboxed sim cells of one request per call measured with both FIFO and LFU",
        );
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
            "LFU/FIFO time{} at {}, default build, one request per call: native {}, \
             sandboxed {}",
            host(&gap.profile),
            gap.size,
            x(native),
            ratio_words(s, "configurations")
        ),
        of_pairs(&gap.judged).chain(of_pairs(&p)),
    )
}

fn caching_always(cells: &Cells) -> Outcome {
    let mut worst: Option<(f64, String)> = None;
    let mut total = 0;
    let mut bad = 0;
    let mut judged: Vec<&Cell> = Vec::new();
    for scenario in ["micro", "sim"] {
        let p = caching_pairs(&Scope::main(cells, scenario).cells);
        for (a, b) in p {
            let (Some(ma), Some(mb)) = (a.mean(), b.mean()) else {
                continue;
            };
            let r = ma / mb;
            judged.extend([a, b]);
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
        judged,
    )
}
