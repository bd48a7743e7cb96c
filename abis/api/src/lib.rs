//! The contract between an ABI crate and the harness, and the guest-memory
//! protocol shared by the ABIs that pass data through linear memory.
//!
//! An ABI is a zero-sized type implementing [`Abi`]. It names the factors
//! only it has (say, static or dynamic memory) as a typed [`FactorSet`], and
//! for each scenario it supports hands the harness a loader for its host
//! type. The harness supplies the engine and the [`Linkage`] (caching and
//! call style) as types; the ABI never sees a timer. Registering an ABI
//! with the harness is one line; see `docs/adding-an-abi.md`.

extern crate alloc;

mod codec;
#[cfg(feature = "guest")]
pub mod guest;
#[cfg(not(target_family = "wasm"))]
mod host;
#[cfg(not(target_family = "wasm"))]
pub mod memory;
pub mod wire;

pub use codec::{Codec, to_vec};
/// The factor vocabulary, for ABI crates declaring their own factors.
pub use factor::{self, Factor, FactorSet, Workload, factor_enum, factor_set};
#[cfg(not(target_family = "wasm"))]
pub use host::*;

/// Export names every guest uses for the scenarios' operations. The
/// signatures depend on the ABI (scalars for Pair, `(ptr, len)` for the
/// memory-sharing ABIs); each ABI crate documents its own.
pub mod exports {
    /// The `i32` multiply.
    pub const MUL_I32: &str = "micro_mul_i32";
    /// The `f32` multiply.
    pub const MUL_F32: &str = "micro_mul_f32";
    /// `(policy: i32, capacity_bytes: i64) -> i32`: 0, or -1 for an unknown policy.
    pub const SIM_INIT: &str = "sim_init";
    /// One request; returns 1 for a hit, 0 for a miss.
    pub const SIM_SEND: &str = "sim_send";
    /// The counters.
    pub const SIM_STATS: &str = "sim_stats";
    /// A batch of requests in one call; returns the number of hits.
    pub const SIM_SEND_BATCH: &str = "sim_send_batch";
    /// In-guest replay: `(n: i32) -> i32`, room for `n` requests.
    pub const SIM_REPLAY_ALLOC: &str = "sim_replay_alloc";
    /// In-guest replay: `(ptr: i32, n: i32) -> i32`, the hits.
    pub const SIM_REPLAY: &str = "sim_replay";

    use payload::{Direction, Shape};

    /// The payload scenario's export for `shape` in `direction`:
    /// `payload_<shape>_<direction>`. `in` takes the message and returns
    /// the guest's digest (i64); `out` takes a seed (and a length) and
    /// returns the message; `roundtrip` takes the message and returns the
    /// transformed one. Messages come back as `len << 32 | ptr`.
    pub fn payload(shape: Shape, direction: Direction) -> &'static str {
        use Direction::{In, Out, Roundtrip};
        match (shape, direction) {
            (Shape::Record, In) => "payload_record_in",
            (Shape::Record, Out) => "payload_record_out",
            (Shape::Record, Roundtrip) => "payload_record_roundtrip",
            (Shape::String, In) => "payload_string_in",
            (Shape::String, Out) => "payload_string_out",
            (Shape::String, Roundtrip) => "payload_string_roundtrip",
            (Shape::List, In) => "payload_list_in",
            (Shape::List, Out) => "payload_list_out",
            (Shape::List, Roundtrip) => "payload_list_roundtrip",
            (Shape::Nested, In) => "payload_nested_in",
            (Shape::Nested, Out) => "payload_nested_out",
            (Shape::Nested, Roundtrip) => "payload_nested_roundtrip",
        }
    }
}
