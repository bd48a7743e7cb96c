//! The deterministic measure: a cell's timed region counted by Valgrind's
//! Callgrind instead of timed by a clock (`--measure callgrind`).
//!
//! On a shared or virtual machine wall-clock figures move 15% between runs
//! (docs/methodology.md); instructions executed do not. The parent runs
//! each cell in a child under `valgrind --tool=callgrind
//! --collect-atstart=no`; the child turns collection on exactly where a
//! clock would start and off where it would stop ([`start`], [`stop`],
//! the client requests of `callgrind.h`, issued inline: no C toolchain),
//! and dumps the counters after every timed replicate ([`dump`]), so each
//! replicate is one file and warm-up is never counted. The parent reads
//! the dumps ([`Counts::parse`]) into the row.
pub mod anatomy;
mod counts;
mod parent;
mod requests;

pub use counts::Counts;
pub use parent::{CACHES, CHILD_ENV, Counted, child};
pub use requests::{SUPPORTED, counting, dump, enable, on_valgrind, start, stop, zero};
