//! Expected statistics of every policy on a small generated trace: the
//! answers native and sandboxed runs are compared against, pinned so that a
//! change in a policy or in the generator is noticed.
#![cfg(feature = "workloads")]

use cachesim::workloads::{GeneratorConfig, generate};
use cachesim::{Cache, Policy};

/// (policy, capacity in bytes, hits, byte hits) for [`config`].
const EXPECTED: [(Policy, u64, u64, u64); 8] = [
    (Policy::Fifo, 1 << 20, 25201, 282152334),
    (Policy::Lru, 1 << 20, 27966, 311256637),
    (Policy::Lfu, 1 << 20, 34557, 373116428),
    (Policy::Gds, 1 << 20, 44361, 295978717),
    (Policy::Fifo, 16 << 20, 92056, 1282642343),
    (Policy::Lru, 16 << 20, 93551, 1305890292),
    (Policy::Lfu, 16 << 20, 77729, 972085001),
    (Policy::Gds, 16 << 20, 94549, 1193045294),
];

fn config() -> GeneratorConfig {
    GeneratorConfig {
        requests: 100_000,
        objects: 5_000,
        stack_depth: 1_000,
        seed: 5,
        ..Default::default()
    }
}

#[test]
fn hit_counts_are_pinned() {
    let trace = generate(&config()).unwrap();
    let bytes: u64 = trace.iter().map(|r| u64::from(r.size)).sum();
    let mut got = Vec::new();
    for &(policy, capacity, _, _) in &EXPECTED {
        let mut cache = Cache::new(policy, capacity);
        for &r in &trace {
            cache.send(r);
        }
        let s = cache.stats();
        assert_eq!((s.requests, s.bytes), (100_000, bytes));
        got.push((policy, capacity, s.hits, s.byte_hits));
    }
    assert_eq!(got, EXPECTED, "\ngot {got:?}");
}
