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

/// The guest's export names, shared by both halves.
pub mod exports {
    /// `(i32, i32) -> i32`: wrapping multiply.
    pub const MUL_I32: &str = "micro_mul_i32";
    /// `(f32, f32) -> f32`: multiply.
    pub const MUL_F32: &str = "micro_mul_f32";
}

#[cfg(not(target_family = "wasm"))]
pub mod host;

#[cfg(not(target_family = "wasm"))]
pub use host::Pair;

/// Re-exports for the guest macro; not part of the API.
#[cfg(feature = "guest")]
#[doc(hidden)]
pub mod __guest {
    pub use micro;
}

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
            $crate::__guest::micro::mul_i32(a, b)
        }

        /// Pair ABI: `micro::mul_f32` on two scalars.
        #[unsafe(no_mangle)]
        pub extern "C" fn micro_mul_f32(a: f32, b: f32) -> f32 {
            $crate::__guest::micro::mul_f32(a, b)
        }
    };
}
