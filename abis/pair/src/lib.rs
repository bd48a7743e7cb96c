//! The Pair ABI: operands travel as wasm scalars, results come back the same
//! way. Nothing is copied into guest memory; this is the floor every other
//! ABI is measured against.
//!
//! ```text
//!   host                                  guest (guests/pair)
//!   mul_i32(a, b) ── call micro_mul_i32(a: i32, b: i32) ──▶ micro::mul_i32(a, b)
//!                 ◀──────────── i32 ───────────────────────
//! ```
//! Who allocates: nobody. Who writes memory: nobody.
//!
//! Export names are listed in [`exports`]; the host half is [`host`], the
//! guest half the [`export_guest!`] macro (feature `guest`).

/// The guest's export names, shared by both halves, with their Pair
/// signatures.
pub mod exports {
    pub use abi_api::exports::{MUL_F32, MUL_I32, SIM_INIT, SIM_SEND, SIM_STATS};
    // MUL_I32: (i32, i32) -> i32; MUL_F32: (f32, f32) -> f32;
    // SIM_INIT: (policy: i32, capacity: i64) -> i32;
    // SIM_SEND: (id: i32, size: i32) -> i32 (1 hit, 0 miss);
    // SIM_STATS: (field: i32) -> i64, field 0..=3 = requests, hits, bytes,
    // byte_hits (four scalar calls, once per run).
    // payload_record_in: (id: i64, x: f64, y: f64, small: i64) -> i64, the
    // record's fields with count | port << 32 | flags << 48 in `small`.
}

#[cfg(not(target_family = "wasm"))]
pub mod host;

#[cfg(not(target_family = "wasm"))]
pub use host::{Handles, Pair, PairFactors, PairPayload};

/// Re-exports for the guest macro; not part of the API.
#[cfg(feature = "guest")]
#[doc(hidden)]
pub use abi_api as __abi_api;

/// Expands to the Pair ABI's exports. A guest crate is this one line.
///
/// The names must match [`exports`]; the differential tests in the harness
/// call every export on every runtime.
#[cfg(feature = "guest")]
#[macro_export]
macro_rules! export_guest {
    () => {
        /// Pair ABI: `micro::mul_i32` on two scalars.
        #[unsafe(no_mangle)]
        pub extern "C" fn micro_mul_i32(a: i32, b: i32) -> i32 {
            $crate::__abi_api::guest::micro::mul_i32(a, b)
        }

        /// Pair ABI: `micro::mul_f32` on two scalars.
        #[unsafe(no_mangle)]
        pub extern "C" fn micro_mul_f32(a: f32, b: f32) -> f32 {
            $crate::__abi_api::guest::micro::mul_f32(a, b)
        }

        /// Pair ABI: (re)start the simulator.
        #[unsafe(no_mangle)]
        pub extern "C" fn sim_init(policy: i32, capacity: i64) -> i32 {
            $crate::__abi_api::guest::sim_init(policy, capacity)
        }

        /// Pair ABI: one request as two scalars; 1 for a hit.
        #[unsafe(no_mangle)]
        pub extern "C" fn sim_send(id: i32, size: i32) -> i32 {
            $crate::__abi_api::guest::sim_send($crate::__abi_api::guest::cachesim::Request::new(
                id as u32,
                size as u32,
            ))
        }

        /// Pair ABI: the payload record in, its fields as scalars (the three
        /// small ones packed in one i64: count | port << 32 | flags << 48);
        /// its digest.
        #[unsafe(no_mangle)]
        pub extern "C" fn payload_record_in(id: i64, x: f64, y: f64, small: i64) -> i64 {
            let r = $crate::__abi_api::guest::payload::Record {
                id: id as u64,
                x,
                y,
                count: small as u32,
                port: (small >> 32) as u16,
                flags: (small >> 48) as u8,
            };
            $crate::__abi_api::guest::payload::digest_record(&r) as i64
        }

        /// Pair ABI: one counter (0 requests, 1 hits, 2 bytes, 3 byte hits).
        #[unsafe(no_mangle)]
        pub extern "C" fn sim_stats(field: i32) -> i64 {
            let s = $crate::__abi_api::guest::sim_stats();
            match field {
                0 => s.requests as i64,
                1 => s.hits as i64,
                2 => s.bytes as i64,
                3 => s.byte_hits as i64,
                _ => -1,
            }
        }

        $crate::__abi_api::export_replay!();
    };
}
