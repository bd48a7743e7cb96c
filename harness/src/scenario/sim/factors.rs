//! The simulator scenario's factors: what a cell computes (policy, cache
//! size, build) and how a sandboxed cell reaches its guest.

use std::fmt;
use std::str::FromStr;

pub use cachesim::Policy;
use factor::{BadValue, Factor, factor_enum, factor_set};

use crate::factors::{Caching, Limits};

factor_enum! {
    /// Simulator requests per call into the guest.
    pub enum Batch ("batch", "simulator requests per call: one send each, a batch in one \
        call (ABIs that can carry one), or in-guest: the whole trace copied into the guest \
        untimed and replayed there in one call (the compute-only cost)") {
        /// One call per request.
        One = "1",
        /// 4 requests per call.
        B4 = "4",
        /// 16.
        B16 = "16",
        /// 64.
        B64 = "64",
        /// 256.
        B256 = "256",
        /// 1024.
        B1024 = "1024",
        /// 4096.
        B4096 = "4096",
        /// The whole trace in one call, from guest memory (loaded untimed):
        /// no boundary per request, so the policy code's own cost in wasm.
        InGuest = "in-guest",
    }
}

impl Batch {
    /// Requests per call; `None` for the in-guest replay, which sends no
    /// request across (the whole trace is already in the guest).
    pub fn requests(self) -> Option<usize> {
        match self {
            Batch::One => Some(1),
            Batch::B4 => Some(4),
            Batch::B16 => Some(16),
            Batch::B64 => Some(64),
            Batch::B256 => Some(256),
            Batch::B1024 => Some(1024),
            Batch::B4096 => Some(4096),
            Batch::InGuest => None,
        }
    }

    /// Whether requests go one by one.
    pub fn is_single(self) -> bool {
        self == Batch::One
    }
}

/// The simulator's cache capacity: a factor whose values come from
/// `--cache-size` and `--sweep` rather than a fixed list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheSize(pub u64);

impl CacheSize {
    /// Capacity in bytes.
    pub fn bytes(self) -> u64 {
        self.0
    }
}

impl fmt::Display for CacheSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&analysis::units::format_size(self.0))
    }
}

impl FromStr for CacheSize {
    type Err = BadValue;
    fn from_str(s: &str) -> Result<Self, BadValue> {
        match analysis::units::parse_size_checked(s) {
            Ok(0) => Err(BadValue {
                factor: Self::NAME,
                given: s.to_string(),
                expected: "a size above 0 bytes: a cache of 0 bytes holds nothing".into(),
            }),
            Ok(b) => Ok(CacheSize(b)),
            Err(e) => Err(BadValue {
                factor: Self::NAME,
                given: s.to_string(),
                expected: format!("a size such as 4MiB: {e}"),
            }),
        }
    }
}

impl Factor for CacheSize {
    const NAME: &'static str = "cache-size";
    const ABOUT: &'static str = "the cache capacity (from --cache-size, and --sweep for natives)";
    const ALL: &'static [CacheSize] = &[];
    const IDS: &'static [&'static str] = &[];
    fn key(self) -> u64 {
        self.0
    }
}

factor_enum! {
    /// One thing changed from the simulator's default build, to see how
    /// much of the sandbox's compute gap it explains (docs/methodology.md,
    /// "Ablations"). The cache's own knobs change native and guest alike,
    /// from the one source; the guest-build and engine knobs change the
    /// sandbox only, and their native cells run the default native code.
    pub enum Ablation ("ablation", "one change from the simulator's default build (--ablation): \
        none, hasher-fold128, presized, kept, heap (LRU/LFU), guest-os, guest-simd128 (Pair), \
        bounds-checked (Wasmtime)") {
        /// The default build.
        None = "none",
        /// The id table hashed with a 128-bit multiply (the default before
        /// the ablations): one instruction natively, a routine in wasm32.
        HasherFold128 = "hasher-fold128",
        /// The id table and the policy's slabs reserved for every distinct
        /// object of the trace up front, instead of grown.
        Presized = "presized",
        /// The cache kept between replicates and reset in place (no
        /// reallocation), instead of rebuilt.
        Kept = "kept",
        /// LRU and LFU on a binary heap, the paper's priority queues,
        /// instead of O(1) lists.
        Heap = "heap",
        /// The guest compiled at opt-level "s" instead of 3.
        GuestOs = "guest-os",
        /// The guest compiled with wasm SIMD (`+simd128`).
        GuestSimd128 = "guest-simd128",
        /// Wasmtime with explicit bounds checks instead of guard pages.
        BoundsChecked = "bounds-checked",
    }
}

impl Ablation {
    /// The cache `policy` is built as, on a trace of `objects()` distinct
    /// ids (counted only for `presized`); `None` when the ablation has no
    /// meaning for that policy (a heap for FIFO, a queue in the paper too,
    /// or for GD-Size, a heap already).
    pub fn setup(self, policy: Policy, objects: impl FnOnce() -> u64) -> Option<cachesim::Setup> {
        let default = cachesim::Setup::from(policy);
        match self {
            Ablation::None
            | Ablation::GuestOs
            | Ablation::GuestSimd128
            | Ablation::BoundsChecked => Some(default),
            Ablation::HasherFold128 => Some(default.with_hash(cachesim::HashFn::Fold128)),
            Ablation::Presized => Some(default.with_reserve(objects())),
            Ablation::Kept => Some(default.with_kept()),
            Ablation::Heap => default.with_heap(),
        }
    }

    /// The guest variant it runs (`guest_artifacts::variant`), if any.
    pub fn guest_variant(self) -> Option<&'static str> {
        match self {
            Ablation::GuestOs | Ablation::GuestSimd128 => Some(self.id()),
            Ablation::None
            | Ablation::HasherFold128
            | Ablation::Presized
            | Ablation::Kept
            | Ablation::Heap
            | Ablation::BoundsChecked => None,
        }
    }
}

factor_set! {
    /// What a simulator cell computes, natively or not.
    pub struct SimWork {
        /// The replacement policy.
        pub policy: Policy,
        /// The capacity.
        pub cache_size: CacheSize,
        /// One change from the default build, or none.
        pub ablation: Ablation,
    }
}

factor_set! {
    /// How a sandboxed simulator cell reaches its guest (typed calls, preloaded).
    pub struct SimLink {
        /// Handles resolved once or looked up per call.
        pub caching: Caching,
        /// Requests per call.
        pub batch: Batch,
        /// A deadline and a memory cap enforced, or not.
        pub limits: Limits,
    }
}

/// Simulator cells run Rust guests.
impl crate::guests::GuestLink for SimLink {}

#[cfg(test)]
mod tests {
    use super::*;
    use factor::{FactorSet, Workload};

    #[test]
    fn link_sets_enumerate_every_combination() {
        assert_eq!(
            SimLink::combinations(Workload::Sim).len(),
            Caching::ALL.len() * Batch::ALL.len() * Limits::ALL.len()
        );
    }
    #[test]
    fn cache_sizes_parse_print_and_refuse_zero() {
        let c: CacheSize = "4MiB".parse().unwrap();
        assert_eq!(c, CacheSize(4 << 20));
        assert_eq!(c.to_string(), "4MiB");
        assert_eq!(c.key(), 4 << 20);
        assert!("0".parse::<CacheSize>().is_err());
        let e = "4XB".parse::<CacheSize>().unwrap_err().to_string();
        assert!(
            e.starts_with("unknown cache-size `4XB` (expected a size"),
            "{e}"
        );
    }

    #[test]
    fn batch_ids_are_their_lengths() {
        for &b in Batch::ALL {
            match b.requests() {
                Some(n) => assert_eq!(b.id(), n.to_string()),
                None => assert_eq!(b, Batch::InGuest),
            }
        }
    }
}
