//! [`Setup`]: how a cache is built — its policy and the knobs the
//! ablations turn (data structure, hash function, table sizing, state kept
//! between runs).
//!
//! The same `Setup` builds the native cache and the guest's: it crosses
//! every core ABI as one `u32` ([`Setup::code`]) where the policy code used
//! to go, so a guest needs no new export to be ablated, and the default
//! setup's code is the policy's own code (0-3), as before.

use crate::Policy;

/// The structure LRU and LFU order their entries in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Structure {
    /// O(1) intrusive lists (FIFO, LRU; LFU's frequency buckets); GD-Size's
    /// indexed heap. The default.
    Lists,
    /// An indexed binary heap keyed by last request (LRU) or by count, then
    /// last request (LFU): the paper's priority queues (its section 5.1).
    Heap,
}

/// The hash function of the object-id table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashFn {
    /// One 64-bit multiply and a shift. The default.
    Mul64,
    /// A 64×64→128-bit multiply folded to 64 bits: one instruction on
    /// x86-64, a multi-word routine on wasm32 (the default until the
    /// ablations measured it).
    Fold128,
}

/// The largest table reservation, as a power of two (64 Mi objects): a
/// guest's memory is 4 GiB at most, and a code asking for more is refused.
const MAX_RESERVE_LOG2: u32 = 26;

/// How a [`Cache`](crate::Cache) is built. `Setup::from(policy)` is the
/// default every cell ran before the ablations; each `with_*` method
/// changes one thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Setup {
    policy: Policy,
    structure: Structure,
    hash: HashFn,
    /// log2 of the objects the table and slabs reserve room for up front;
    /// 0: they grow on demand.
    reserve_log2: u8,
    kept: bool,
}

impl From<Policy> for Setup {
    fn from(policy: Policy) -> Setup {
        Setup {
            policy,
            structure: Structure::Lists,
            hash: HashFn::Mul64,
            reserve_log2: 0,
            kept: false,
        }
    }
}

// Bits of the code: the policy, then one bit per switch, then the
// reservation's log2. Everything else must be zero.
const POLICY_BITS: u32 = 0xF;
const HEAP_BIT: u32 = 1 << 4;
const FOLD128_BIT: u32 = 1 << 5;
const KEPT_BIT: u32 = 1 << 6;
const RESERVE_SHIFT: u32 = 8;
const RESERVE_BITS: u32 = 0x1F << RESERVE_SHIFT;

impl Setup {
    /// The replacement policy.
    pub fn policy(self) -> Policy {
        self.policy
    }

    /// The structure LRU and LFU use.
    pub fn structure(self) -> Structure {
        self.structure
    }

    /// The table's hash function.
    pub fn hash(self) -> HashFn {
        self.hash
    }

    /// Objects reserved for up front; 0 when the table grows on demand.
    pub fn reserve(self) -> usize {
        if self.reserve_log2 == 0 {
            0
        } else {
            1 << self.reserve_log2
        }
    }

    /// Whether a re-initialisation with the same setup resets the cache in
    /// place, keeping its allocations, rather than building a new one.
    pub fn kept(self) -> bool {
        self.kept
    }

    /// The same with LRU or LFU on a heap; `None` for FIFO (a queue in the
    /// paper too) and GD-Size (always a heap).
    pub fn with_heap(self) -> Option<Setup> {
        match self.policy {
            Policy::Lru | Policy::Lfu => Some(Setup {
                structure: Structure::Heap,
                ..self
            }),
            Policy::Fifo | Policy::Gds => None,
        }
    }

    /// The same with hash function `hash`.
    pub fn with_hash(self, hash: HashFn) -> Setup {
        Setup { hash, ..self }
    }

    /// The same with room reserved for `objects` objects (rounded up to a
    /// power of two, at most 2^26); `objects` 0 or 1 reserves 2.
    pub fn with_reserve(self, objects: u64) -> Setup {
        let log2 = (64 - objects.max(2).saturating_sub(1).leading_zeros()).min(MAX_RESERVE_LOG2);
        Setup {
            reserve_log2: log2 as u8,
            ..self
        }
    }

    /// The same, kept across re-initialisations (see [`Setup::kept`]).
    pub fn with_kept(self) -> Setup {
        Setup { kept: true, ..self }
    }

    /// The integer passed across an ABI; [`Policy::code`] for a default
    /// setup.
    pub fn code(self) -> u32 {
        let mut code = self.policy.code();
        if self.structure == Structure::Heap {
            code |= HEAP_BIT;
        }
        if self.hash == HashFn::Fold128 {
            code |= FOLD128_BIT;
        }
        if self.kept {
            code |= KEPT_BIT;
        }
        code | u32::from(self.reserve_log2) << RESERVE_SHIFT
    }

    /// The setup with [`code`](Setup::code) `code`; `None` for an unknown
    /// policy, a stray bit, a heap for FIFO or GD-Size, or a reservation
    /// above 2^26.
    pub fn from_code(code: u32) -> Option<Setup> {
        if code & !(POLICY_BITS | HEAP_BIT | FOLD128_BIT | KEPT_BIT | RESERVE_BITS) != 0 {
            return None;
        }
        let reserve_log2 = (code & RESERVE_BITS) >> RESERVE_SHIFT;
        if reserve_log2 > MAX_RESERVE_LOG2 {
            return None;
        }
        let mut setup = Setup::from(Policy::from_code(code & POLICY_BITS)?);
        if code & HEAP_BIT != 0 {
            setup = setup.with_heap()?;
        }
        if code & FOLD128_BIT != 0 {
            setup = setup.with_hash(HashFn::Fold128);
        }
        if code & KEPT_BIT != 0 {
            setup = setup.with_kept();
        }
        setup.reserve_log2 = reserve_log2 as u8;
        Some(setup)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Every setup there is (reservations sampled).
    pub(crate) fn every_setup() -> Vec<Setup> {
        let mut out = Vec::new();
        for &p in Policy::ALL {
            let base = Setup::from(p);
            for s in [Some(base), base.with_heap()].into_iter().flatten() {
                for h in [HashFn::Mul64, HashFn::Fold128] {
                    for r in [0, 1, 1000, 1 << 26, u64::MAX] {
                        let s = s.with_hash(h);
                        let s = if r == 0 { s } else { s.with_reserve(r) };
                        out.push(s);
                        out.push(s.with_kept());
                    }
                }
            }
        }
        out
    }

    #[test]
    fn codes_round_trip_and_default_codes_are_policy_codes() {
        for s in every_setup() {
            assert_eq!(Setup::from_code(s.code()), Some(s), "{s:?}");
        }
        for &p in Policy::ALL {
            assert_eq!(Setup::from(p).code(), p.code());
        }
        assert_eq!(Setup::from(Policy::Lru).with_reserve(1000).reserve(), 1024);
        assert_eq!(Setup::from(Policy::Lru).with_reserve(1024).reserve(), 1024);
        assert_eq!(Setup::from(Policy::Lru).with_reserve(0).reserve(), 2);
        assert_eq!(
            Setup::from(Policy::Lru).with_reserve(u64::MAX).reserve(),
            1 << 26
        );
    }

    #[test]
    fn bad_codes_are_refused() {
        assert_eq!(Setup::from_code(4), None, "no policy 4");
        assert_eq!(Setup::from_code(HEAP_BIT), None, "FIFO has no heap");
        assert_eq!(Setup::from_code(3 | HEAP_BIT), None, "GD-Size has no heap");
        assert_eq!(Setup::from_code(1 << 7), None, "stray bit");
        assert_eq!(Setup::from_code(1 << 13), None, "stray bit");
        assert_eq!(Setup::from_code(27 << RESERVE_SHIFT), None, "over 2^26");
        assert!(Setup::from_code(1 | HEAP_BIT).is_some());
    }
}
