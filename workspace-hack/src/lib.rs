//! Feature unification only (see this crate's Cargo.toml): no code.
#![no_std]
