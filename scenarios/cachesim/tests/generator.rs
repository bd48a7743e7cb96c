//! The generator's guarantees: determinism (with a golden hash), exact counts,
//! and the Zipf slope and one-timer fraction recovered from generated traces.
#![cfg(feature = "workloads")]

use std::collections::HashMap;

use cachesim::Request;
use cachesim::workloads::{GeneratorConfig, generate};

/// FNV-1a 64 over each request's id and size, little-endian.
fn fnv1a(reqs: &[Request]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for r in reqs {
        for b in r.id.to_le_bytes().into_iter().chain(r.size.to_le_bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Request count per id.
fn counts(reqs: &[Request]) -> HashMap<u32, u64> {
    let mut m = HashMap::new();
    for r in reqs {
        *m.entry(r.id).or_insert(0) += 1;
    }
    m
}

/// Least-squares slope of ln(count) against ln(rank), over objects with at
/// least 2 requests, negated (so a Zipf slope comes out positive).
fn fitted_slope(reqs: &[Request]) -> f64 {
    let mut c: Vec<u64> = counts(reqs).into_values().filter(|&c| c >= 2).collect();
    c.sort_unstable_by(|a, b| b.cmp(a));
    let pts: Vec<(f64, f64)> = c
        .iter()
        .enumerate()
        .map(|(i, &n)| (((i + 1) as f64).ln(), (n as f64).ln()))
        .collect();
    let n = pts.len() as f64;
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / n,
        pts.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    -sxy / sxx
}

#[test]
fn default_config_is_pinned_by_a_golden_hash() {
    let trace = generate(&GeneratorConfig::default()).unwrap();
    assert_eq!(trace.len(), 1_000_000);
    // Changes when the generator's algorithm, its random stream or the
    // platform's arithmetic changes: any of these breaks comparability with
    // earlier runs, so update this value only on purpose (and say so).
    assert_eq!(
        fnv1a(&trace[..10_000]),
        GOLDEN_FIRST_10K,
        "got {:#018x}",
        fnv1a(&trace[..10_000])
    );
    assert_eq!(counts(&trace).len(), 30_000);
}

const GOLDEN_FIRST_10K: u64 = 0x4c04_0250_3897_3a08;

#[test]
fn same_seed_same_bytes_different_seed_different_trace() {
    let c = GeneratorConfig {
        requests: 50_000,
        objects: 5_000,
        ..Default::default()
    };
    let a = generate(&c).unwrap();
    assert_eq!(a, generate(&c).unwrap());
    let b = generate(&GeneratorConfig {
        seed: 2,
        ..c.clone()
    })
    .unwrap();
    assert_ne!(a, b);
    // Different ids, popularity order and sizes, not just a different order.
    let ids_a: Vec<u32> = a.iter().take(100).map(|r| r.id).collect();
    let ids_b: Vec<u32> = b.iter().take(100).map(|r| r.id).collect();
    assert_ne!(ids_a, ids_b);
}

#[test]
fn counts_one_timers_and_slope_are_recovered() {
    // Tolerances: slope ±0.05 (the fit is over rounded integer counts),
    // one-timer fraction ±0.01; request and object totals exact.
    for (slope, fraction, depth) in [
        (0.75, 0.5, 10_000),
        (0.6, 0.3, 0),
        (0.9, 0.7, 500),
        (0.75, 0.0, 2_000),
    ] {
        let c = GeneratorConfig {
            requests: 400_000,
            objects: 20_000,
            zipf_slope: slope,
            one_timer_fraction: fraction,
            stack_depth: depth,
            seed: 11,
            ..Default::default()
        };
        let t = generate(&c).unwrap();
        assert_eq!(t.len() as u64, c.requests);
        let per_id = counts(&t);
        assert_eq!(per_id.len(), c.objects as usize);
        assert!(
            per_id.keys().all(|&id| id < c.objects),
            "ids are 0..objects"
        );
        let singles = per_id.values().filter(|&&n| n == 1).count() as f64 / per_id.len() as f64;
        assert!(
            (singles - fraction).abs() <= 0.01,
            "one-timers {singles} for {fraction}"
        );
        let fit = fitted_slope(&t);
        assert!((fit - slope).abs() <= 0.05, "slope {fit} for {slope}");
        // Every object keeps one size.
        let mut size = HashMap::new();
        assert!(
            t.iter()
                .all(|r| *size.entry(r.id).or_insert(r.size) == r.size)
        );
        assert!(t.iter().all(|r| r.size >= 1));
    }
}

#[test]
fn ids_are_not_sorted_by_popularity() {
    let t = generate(&GeneratorConfig {
        requests: 100_000,
        objects: 10_000,
        ..Default::default()
    })
    .unwrap();
    let per_id = counts(&t);
    let mut by_count: Vec<(u64, u32)> = per_id.iter().map(|(&id, &n)| (n, id)).collect();
    by_count.sort_unstable_by(|a, b| b.cmp(a));
    let top: Vec<u32> = by_count.iter().take(10).map(|p| p.1).collect();
    assert_ne!(top, (0..10).collect::<Vec<u32>>());
    assert!(
        top.iter().any(|&id| id > 1000),
        "top ids spread over the range: {top:?}"
    );
}

#[test]
fn shallower_stack_means_more_temporal_locality() {
    // Fraction of requests whose id was also among the previous 100 requests.
    let recent_reuse = |depth| {
        let t = generate(&GeneratorConfig {
            requests: 200_000,
            objects: 10_000,
            stack_depth: depth,
            ..Default::default()
        })
        .unwrap();
        let mut last = HashMap::new();
        let mut close = 0;
        for (i, r) in t.iter().enumerate() {
            if let Some(j) = last.insert(r.id, i) {
                close += usize::from(i - j <= 100);
            }
        }
        close as f64 / t.len() as f64
    };
    let (irm, deep, shallow) = (recent_reuse(0), recent_reuse(5_000), recent_reuse(200));
    assert!(irm < deep && deep < shallow, "{irm} {deep} {shallow}");
}
