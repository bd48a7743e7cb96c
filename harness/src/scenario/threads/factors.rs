//! The threads scenario's factors: what each thread runs and how many
//! threads call at once.

use cachesim::Policy;
use factor::{factor_enum, factor_set};

factor_enum! {
    /// What each thread of a threads cell runs.
    pub enum Workload ("workload", "what each thread runs: the micro scenario's i32 multiplies, \
        or the simulator replaying a generated trace (LRU, 4 MiB), one call per request") {
        /// `micro_mul_i32`, `calls` times.
        Micro = "micro",
        /// `sim_send`, once per request of a `calls`-request trace.
        Sim = "sim",
    }
}

factor_enum! {
    /// Threads calling at once.
    pub enum Threads ("threads", "threads calling at once, each with its own store and instance \
        of one compiled module") {
        /// One.
        T1 = "1",
        /// Two.
        T2 = "2",
        /// Four.
        T4 = "4",
        /// Eight.
        T8 = "8",
    }
}

impl Threads {
    /// How many.
    pub fn count(self) -> usize {
        match self {
            Threads::T1 => 1,
            Threads::T2 => 2,
            Threads::T4 => 4,
            Threads::T8 => 8,
        }
    }
}

impl Workload {
    /// The ABI workload whose host it drives.
    pub fn drives(self) -> factor::Workload {
        match self {
            Workload::Micro => factor::Workload::Micro,
            Workload::Sim => factor::Workload::Sim,
        }
    }
}

factor_set! {
    /// What a threads cell computes, natively or not.
    pub struct ThreadsWork {
        /// What each thread runs.
        pub workload: Workload,
        /// How many threads.
        pub threads: Threads,
    }
}

/// The policy and capacity of the simulator workload.
pub(super) const POLICY: Policy = Policy::Lru;
pub(super) const CAPACITY: u64 = 4 << 20;
