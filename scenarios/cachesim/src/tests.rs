//! Hand-worked traces for each policy and a brute-force reference model.

use crate::{Cache, Native, Policy, Request, Setup, Simulator, Stats};

/// Sends `(id, size)` pairs and returns the hit/miss sequence as `H`/`M`.
fn run(cache: &mut Cache, trace: &[(u32, u32)]) -> String {
    trace
        .iter()
        .map(|&(id, size)| {
            if cache.send(Request::new(id, size)) {
                'H'
            } else {
                'M'
            }
        })
        .collect()
}

/// Requests for unit-size objects named by letters.
fn unit(names: &str) -> Vec<(u32, u32)> {
    names.bytes().map(|b| (u32::from(b), 1)).collect()
}

fn id(name: char) -> u32 {
    name as u32
}

#[test]
fn fifo_does_not_reorder_on_hit() {
    let mut c = Cache::new(Policy::Fifo, 3);
    // A B C fill; A hits but stays first; D evicts A; A evicts B; B evicts C.
    assert_eq!(run(&mut c, &unit("ABCADAB")), "MMMHMMM");
    assert!(!c.contains(id('C')) && c.contains(id('D')));
}

#[test]
fn lru_reorders_on_hit() {
    let mut c = Cache::new(Policy::Lru, 3);
    // Same trace: the hit on A makes B the LRU, so D evicts B and A hits again.
    assert_eq!(run(&mut c, &unit("ABCADAB")), "MMMHMHM");
    assert!(!c.contains(id('C')) && c.contains(id('A')));
}

#[test]
fn lfu_evicts_min_count_and_forgets_on_eviction() {
    let mut c = Cache::new(Policy::Lfu, 2);
    // A=2, B=3; C evicts A; A evicts C (1 < 3); C evicts A: A restarted at 1,
    // its earlier count is forgotten; D evicts C; B hits.
    assert_eq!(run(&mut c, &unit("AABBBCACDB")), "MHMHHMMMMH");
    assert!(c.contains(id('B')) && c.contains(id('D')));
    assert_eq!(c.len(), 2);
}

#[test]
fn lfu_tie_goes_to_least_recently_used() {
    let mut c = Cache::new(Policy::Lfu, 2);
    // A and B both reach count 2, A requested last: C evicts B.
    assert_eq!(run(&mut c, &unit("ABBAC")), "MMHHM");
    assert!(c.contains(id('A')) && !c.contains(id('B')));
    // Then B (count 1 is C): evicts C.
    assert_eq!(run(&mut c, &unit("AB")), "HM");
    assert!(c.contains(id('A')) && !c.contains(id('C')));
}

#[test]
fn lfu_repeated_hits() {
    let mut c = Cache::new(Policy::Lfu, 1);
    assert_eq!(run(&mut c, &unit("AAAAB")), "MHHHM");
    // Capacity 1: B must evict A whatever its count.
    assert!(c.contains(id('B')));
}

#[test]
fn gds_inflation_makes_an_old_small_object_evictable() {
    // docs/cachesim.md walks through this trace. Capacity 9; A has 1 byte,
    // the others 4 bytes (all 1/size exact in binary).
    let mut c = Cache::new(Policy::Gds, 9);
    let mut trace = vec![(id('A'), 1)];
    trace.extend("BCDEFGHI".chars().map(|n| (id(n), 4)));
    // t0 A H=1; t1 B .25; t2 C .25 (capacity filled exactly);
    // t3 D evicts B (tie .25, older) L=.25, D .5; t4 E evicts C, E .5;
    // t5 F evicts D L=.5, F .75; t6 G evicts E, G .75;
    // t7 H evicts F L=.75, H 1; t8 I evicts G, I 1.
    assert_eq!(run(&mut c, &trace), "MMMMMMMMM");
    assert!(c.contains(id('A')), "the small object survives so far");
    assert_eq!(c.used_bytes(), 9);
    // t9 J: A, H and I all have H=1; A is the least recently requested, so it
    // goes first, then H (L=1); J gets 1.25.
    assert_eq!(run(&mut c, &[(id('J'), 4)]), "M");
    assert!(!c.contains(id('A')) && !c.contains(id('H')));
    assert!(c.contains(id('I')) && c.contains(id('J')));
    // A comes back: a miss, it fits (4 + 4 + 1 = 9) and nothing is evicted.
    assert_eq!(run(&mut c, &[(id('A'), 1), (id('I'), 4)]), "MH");
    assert_eq!(c.len(), 3);
}

#[test]
fn gds_equal_h_goes_to_least_recently_used() {
    let mut c = Cache::new(Policy::Gds, 2);
    // A and B have H=1; the hit renews A (H = 0 + 1, newer tick): C evicts B.
    assert_eq!(run(&mut c, &unit("ABAC")), "MMHM");
    assert!(c.contains(id('A')) && !c.contains(id('B')));
    // Now L=1, A has H=1 (tick 2), C has H=2: B evicts A.
    assert_eq!(run(&mut c, &unit("BA")), "MM");
}

#[test]
fn gds_prefers_evicting_large_objects() {
    let mut c = Cache::new(Policy::Gds, 10);
    // B(1) A(8) C(1) fill exactly; D(1) evicts A (H = 1/8), not B (LRU).
    assert_eq!(
        run(&mut c, &[(1, 1), (2, 8), (3, 1), (4, 1), (1, 1)]),
        "MMMMH"
    );
    assert!(!c.contains(2));
    assert_eq!(c.used_bytes(), 3);
}

#[test]
fn too_large_object_is_never_admitted_and_evicts_nothing() {
    for &p in Policy::ALL {
        let mut c = Cache::new(p, 10);
        assert_eq!(
            run(&mut c, &[(1, 4), (2, 4), (3, 11), (3, 11), (1, 4), (2, 4)]),
            "MMMMHH",
            "{p}"
        );
        assert!(!c.contains(3), "{p}");
        assert_eq!((c.len(), c.used_bytes()), (2, 8), "{p}");
    }
}

#[test]
fn capacity_can_be_filled_exactly() {
    for &p in Policy::ALL {
        let mut c = Cache::new(p, 8);
        assert_eq!(
            run(&mut c, &[(1, 4), (2, 4), (1, 4), (2, 4), (3, 8), (3, 8)]),
            "MMHHMH",
            "{p}"
        );
        assert_eq!(c.used_bytes(), 8, "{p}");
        assert_eq!(c.len(), 1, "{p}");
    }
}

#[test]
fn size_change_drops_the_old_copy_and_misses() {
    for &p in Policy::ALL {
        let mut c = Cache::new(p, 10);
        // A(4) B(4); A as 6 bytes: old copy dropped (used 4), 4 + 6 fits.
        assert_eq!(
            run(&mut c, &[(1, 4), (2, 4), (1, 6), (1, 6), (2, 4)]),
            "MMMHH",
            "{p}"
        );
        assert_eq!(c.used_bytes(), 10, "{p}");
        // A as 20 bytes: old copy dropped, new one too large: A is gone.
        assert_eq!(run(&mut c, &[(1, 20), (1, 6)]), "MM", "{p}");
        assert_eq!(c.used_bytes(), 10, "{p}");
    }
}

#[test]
fn size_change_does_not_move_gds_inflation() {
    let mut c = Cache::new(Policy::Gds, 4);
    // A(2) H=.5, A(4): old dropped (not evicted: L stays 0), A(4) H=.25.
    // B(1) must evict A: L=.25, B H=1.25; C(2) fits next to B.
    assert_eq!(run(&mut c, &[(1, 2), (1, 4), (2, 1), (3, 2)]), "MMMM");
    // D(2) evicts C (H=.25+.5=.75 < 1.25), not B.
    assert_eq!(run(&mut c, &[(4, 2), (2, 1)]), "MH");
}

#[test]
fn size_zero_is_handled() {
    for &p in Policy::ALL {
        let mut c = Cache::new(p, 0);
        assert_eq!(run(&mut c, &[(7, 0), (7, 0), (8, 1)]), "MHM", "{p}");
        assert!(c.contains(7) && !c.contains(8), "{p}");
        assert_eq!(c.stats().bytes, 1);
    }
}

#[test]
fn stats_and_ratios() {
    let mut c = Cache::new(Policy::Lru, 100);
    assert_eq!(c.stats(), Stats::default());
    assert_eq!(c.stats().object_hit_ratio(), 0.0);
    assert_eq!(c.stats().byte_hit_ratio(), 0.0);
    run(&mut c, &[(1, 10), (1, 10), (2, 30), (1, 10)]);
    let s = c.stats();
    assert_eq!(
        s,
        Stats {
            requests: 4,
            hits: 2,
            bytes: 60,
            byte_hits: 20
        }
    );
    assert_eq!(s.misses(), 2);
    assert_eq!(s.object_hit_ratio(), 0.5);
    assert_eq!(s.byte_hit_ratio(), 20.0 / 60.0);
    assert_eq!(c.policy(), Policy::Lru);
    assert_eq!(c.capacity(), 100);
    assert!(!c.is_empty());
}

#[test]
fn native_before_init_is_a_zero_capacity_fifo() {
    let mut n = Native::default();
    assert_eq!(n.send(Request::new(1, 5)), Ok(false));
    assert_eq!(n.send(Request::new(1, 5)), Ok(false));
    assert_eq!(n.stats().unwrap().requests, 2);
    assert_eq!(n.cache().policy(), Policy::Fifo);
    n.init(Policy::Lru.into(), 10).unwrap();
    assert_eq!(n.stats(), Ok(Stats::default()));
    let reqs = [
        Request::new(1, 5),
        Request::new(1, 5),
        Request::new(2, 5),
        Request::new(1, 5),
    ];
    assert_eq!(n.send_batch(&reqs), Ok(2));
    assert_eq!(n.stats().unwrap().hits, 2);
}

/// The rules written the obvious way: a `Vec` scanned for every decision.
mod reference {
    use crate::{Policy, Request, Stats};

    struct Obj {
        id: u32,
        size: u32,
        inserted: u64,
        last: u64,
        count: u64,
        h: f64,
    }

    pub(super) struct Model {
        policy: Policy,
        capacity: u64,
        objs: Vec<Obj>,
        l: f64,
        tick: u64,
        pub(super) stats: Stats,
    }

    impl Model {
        pub(super) fn new(policy: Policy, capacity: u64) -> Model {
            Model {
                policy,
                capacity,
                objs: Vec::new(),
                l: 0.0,
                tick: 0,
                stats: Stats::default(),
            }
        }

        fn used(&self) -> u64 {
            self.objs.iter().map(|o| u64::from(o.size)).sum()
        }

        pub(super) fn ids(&self) -> Vec<u32> {
            let mut v: Vec<u32> = self.objs.iter().map(|o| o.id).collect();
            v.sort_unstable();
            v
        }

        fn h(&self, size: u32) -> f64 {
            self.l + 1.0 / f64::from(size.max(1))
        }

        fn victim(&self) -> usize {
            let key = |o: &Obj| match self.policy {
                Policy::Fifo => (0.0, o.inserted),
                Policy::Lru => (0.0, o.last),
                Policy::Lfu => (o.count as f64, o.last),
                Policy::Gds => (o.h, o.last),
            };
            let mut best = 0;
            for i in 1..self.objs.len() {
                if key(&self.objs[i]) < key(&self.objs[best]) {
                    best = i;
                }
            }
            best
        }

        pub(super) fn send(&mut self, r: Request) -> bool {
            let t = self.tick;
            self.tick += 1;
            self.stats.requests += 1;
            self.stats.bytes += u64::from(r.size);
            let mut hit = false;
            if let Some(i) = self.objs.iter().position(|o| o.id == r.id) {
                if self.objs[i].size == r.size {
                    hit = true;
                    let h = self.h(r.size);
                    let o = &mut self.objs[i];
                    o.last = t;
                    o.count += 1;
                    o.h = h;
                } else {
                    self.objs.remove(i);
                }
            }
            if hit {
                self.stats.hits += 1;
                self.stats.byte_hits += u64::from(r.size);
                return true;
            }
            if u64::from(r.size) > self.capacity {
                return false;
            }
            while self.used() + u64::from(r.size) > self.capacity {
                let v = self.victim();
                if self.policy == Policy::Gds {
                    self.l = self.objs[v].h;
                }
                self.objs.remove(v);
            }
            let h = self.h(r.size);
            self.objs.push(Obj {
                id: r.id,
                size: r.size,
                inserted: t,
                last: t,
                count: 1,
                h,
            });
            false
        }
    }
}

/// splitmix64: a tiny deterministic generator for the differential test.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn matches_the_reference_model_on_random_traces() {
    let mut rng = Mix(42);
    for round in 0..1500 {
        let objects = 1 + rng.below(24) as u32;
        let capacity = rng.below(64);
        let sizes: Vec<u32> = (0..objects)
            .map(|_| match rng.below(10) {
                0 => 0,
                1 => 1 + rng.below(80) as u32, // sometimes larger than the cache
                _ => 1 + rng.below(12) as u32,
            })
            .collect();
        let len = 1 + rng.below(300) as usize;
        let trace: Vec<Request> = (0..len)
            .map(|_| {
                // Skewed ids so hits happen; now and then a changed size.
                let id = (rng.below(u64::from(objects)) * rng.below(u64::from(objects) + 1)
                    / u64::from(objects)) as u32;
                let size = if rng.below(40) == 0 {
                    rng.below(16) as u32
                } else {
                    sizes[id as usize]
                };
                Request::new(id, size)
            })
            .collect();
        for setup in setups() {
            let p = setup.policy();
            let mut cache = Cache::with_setup(setup, capacity);
            let mut model = reference::Model::new(p, capacity);
            for (i, &r) in trace.iter().enumerate() {
                assert_eq!(
                    cache.send(r),
                    model.send(r),
                    "round {round} {setup:?} capacity {capacity} request {i} {r:?}"
                );
            }
            let mut ids: Vec<u32> = (0..objects).filter(|&i| cache.contains(i)).collect();
            ids.sort_unstable();
            assert_eq!(ids, model.ids(), "round {round} {setup:?}");
            assert_eq!(cache.len(), ids.len());
            assert!(cache.used_bytes() <= capacity);
            assert_eq!(cache.stats(), model.stats, "round {round} {setup:?}");
        }
    }
}

/// Every structure and hash function of every policy, grown and presized
/// (the reservations of `every_setup` without its duplicates).
fn setups() -> Vec<Setup> {
    let mut all = crate::setup::tests::every_setup();
    all.retain(|s| !s.kept() && matches!(s.reserve(), 0 | 2 | 1024));
    all
}

#[test]
fn a_kept_cache_resets_in_place_and_gives_a_fresh_caches_hits() {
    let trace: Vec<Request> = (0..2000u32)
        .map(|i| Request::new((i * 7919) % 97 % (1 + i % 41), 1 + i % 5))
        .collect();
    for setup in setups() {
        let fresh = {
            let mut n = Native::default();
            n.init(setup, 60).unwrap();
            n.send_batch(&trace).unwrap();
            n.stats().unwrap()
        };
        let mut n = Native::default();
        for round in 0..3 {
            n.init(setup.with_kept(), 60).unwrap();
            assert!(n.cache().is_empty());
            n.send_batch(&trace).unwrap();
            assert_eq!(n.stats().unwrap(), fresh, "{setup:?} round {round}");
        }
        // A different setup is built anew, kept or not.
        n.init(Setup::from(Policy::Fifo).with_kept(), 60).unwrap();
        assert_eq!(n.cache().setup(), Setup::from(Policy::Fifo).with_kept());
    }
}
