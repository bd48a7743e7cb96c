//! The paper's macro-benchmark: a web-proxy cache simulator.
//!
//! This crate is the single source of the simulator. The native baseline uses
//! [`Native`]; every guest crate compiles this same crate to
//! `wasm32-unknown-unknown` and exports [`Cache`] through its ABI; the harness
//! drives both through the [`Simulator`] trait with the same requests and
//! compares their [`Stats`]. A difference in time is therefore the cost of
//! crossing into the sandbox, never a difference in policy code.
//!
//! The core ([`Request`], [`Policy`], [`Cache`], [`Stats`], [`Simulator`],
//! [`Native`]) has no dependencies and no I/O, clock or randomness, so it
//! builds for a wasm target without imports. Four policies (FIFO, LRU, LFU,
//! GD-Size) share one set of admission rules and are dispatched statically;
//! `docs/cachesim.md` states every rule and the data structures.
//!
//! The `workloads` feature (host side only) adds [`workloads`]: the
//! ProWGen-like trace generator and the trace readers and writers.

mod cache;
mod fifo;
mod gds;
mod hash;
mod heap;
mod lfu;
mod list;
mod lru;
mod policy;
mod ranked;
mod replacement;
mod setup;
mod slab;

#[cfg(feature = "workloads")]
pub mod workloads;

pub use cache::Cache;
pub use policy::Policy;
pub use setup::{HashFn, Setup, Structure};

use core::convert::Infallible;

/// One request for a web object: the unit of every trace and every call.
///
/// Two `u32`s, as in the paper (which passes them as two `i32` values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Request {
    /// The object's id.
    pub id: u32,
    /// The object's size in bytes.
    pub size: u32,
}

impl Request {
    /// A request for object `id` of `size` bytes.
    pub const fn new(id: u32, size: u32) -> Request {
        Request { id, size }
    }
}

/// Counters of a run: what the native and sandboxed runs must agree on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests sent.
    pub requests: u64,
    /// Requests that hit.
    pub hits: u64,
    /// Bytes requested (the sum of every request's size).
    pub bytes: u64,
    /// Bytes of the requests that hit.
    pub byte_hits: u64,
}

impl Stats {
    /// Hits per request, 0 when there was no request.
    pub fn object_hit_ratio(&self) -> f64 {
        ratio(self.hits, self.requests)
    }

    /// Hit bytes per requested byte, 0 when no byte was requested.
    pub fn byte_hit_ratio(&self) -> f64 {
        ratio(self.byte_hits, self.bytes)
    }

    /// Requests that missed.
    pub fn misses(&self) -> u64 {
        self.requests - self.hits
    }
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// How the harness drives a simulator, natively or through any ABI into a
/// guest: the timed loop is generic over this trait, so every cell runs the
/// same loop and differs only in what a call costs.
pub trait Simulator {
    /// Why a call could fail (a trap, a bad pointer from the guest...).
    type Error;

    /// Starts a fresh, empty cache of `capacity_bytes` built as `setup`
    /// says (its policy and ablation knobs), discarding any previous cache
    /// and its statistics (a [kept](Setup::kept) setup keeps the previous
    /// cache's allocations, not its contents).
    fn init(&mut self, setup: Setup, capacity_bytes: u64) -> Result<(), Self::Error>;

    /// Sends one request; `Ok(true)` on a hit.
    fn send(&mut self, req: Request) -> Result<bool, Self::Error>;

    /// Sends `reqs` in order and returns how many hit (saturating at
    /// `u32::MAX`). The default calls [`send`](Simulator::send) per request;
    /// an ABI may override it to cross the boundary once per batch.
    fn send_batch(&mut self, reqs: &[Request]) -> Result<u32, Self::Error> {
        let mut hits = 0u32;
        for &req in reqs {
            hits = hits.saturating_add(u32::from(self.send(req)?));
        }
        Ok(hits)
    }

    /// The statistics since the last [`init`](Simulator::init).
    fn stats(&mut self) -> Result<Stats, Self::Error>;

    /// The in-guest replay, if this simulator has one: the whole trace
    /// copied to its side once, then replayed there in one call (see
    /// [`InGuest`]). `None` by default.
    fn in_guest(&mut self) -> Option<&mut dyn InGuest<Error = Self::Error>> {
        None
    }
}

/// A whole trace replayed on the far side of the boundary: what a request
/// costs in the sandbox without crossing it per request, the compute-only
/// cost of the policy code there. The trace is copied over by
/// [`load`](InGuest::load), outside any timed region; each
/// [`replay`](InGuest::replay) then sends every request in one call,
/// after the caller's [`Simulator::init`].
pub trait InGuest {
    /// Why a call could fail.
    type Error;
    /// Copies `trace` to the simulator's side, replacing any earlier one.
    fn load(&mut self, trace: &[Request]) -> Result<(), Self::Error>;
    /// Sends the loaded trace in order; the hits.
    fn replay(&mut self) -> Result<u32, Self::Error>;
}

/// The native baseline: a [`Cache`] called directly, no sandbox.
///
/// `Native::default()` holds a zero-capacity FIFO cache, so sending before
/// [`init`](Simulator::init) does not panic: every request is a miss (only
/// size-0 objects are admitted, as they fit in zero bytes) and is counted in
/// the statistics. `init` replaces that cache.
#[derive(Clone, Debug)]
pub struct Native {
    cache: Cache,
}

impl Default for Native {
    fn default() -> Native {
        Native::new(Policy::Fifo, 0)
    }
}

impl Native {
    /// A native simulator already initialised with `policy` and `capacity_bytes`.
    pub fn new(policy: Policy, capacity_bytes: u64) -> Native {
        Native {
            cache: Cache::new(policy, capacity_bytes),
        }
    }

    /// The cache being driven.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }
}

impl Simulator for Native {
    type Error = Infallible;

    fn init(&mut self, setup: Setup, capacity_bytes: u64) -> Result<(), Infallible> {
        self.cache.reinit(setup, capacity_bytes);
        Ok(())
    }

    #[inline]
    fn send(&mut self, req: Request) -> Result<bool, Infallible> {
        Ok(self.cache.send(req))
    }

    fn stats(&mut self) -> Result<Stats, Infallible> {
        Ok(self.cache.stats())
    }
}

#[cfg(test)]
mod tests;
