//! The factors several scenarios share: the harness build a cell ran in
//! and the guest's language, and the runtime's caching, call style and
//! limits re-exported. A scenario's own factors live in its module.

use factor::factor_enum;
pub use runtimes::{Caching, CallStyle, Limits};

factor_enum! {
    /// The build of the harness a cell ran in (see docs/methodology.md).
    pub enum HostProfile ("host-profile", "the harness build a cell ran in: release, debug \
        (everything at opt-level 0, the paper's Debug) or dev (the test profile)") {
        /// `cargo build --release`.
        Release = "release",
        /// The `debug-host` profile: the whole host at opt-level 0.
        Debug = "debug",
        /// The dev/test profile: harness unoptimised, dependencies optimised.
        Dev = "dev",
    }
}

impl HostProfile {
    /// This binary's host profile, from the cargo profile it was built with.
    pub fn this() -> HostProfile {
        match env!("ABILAB_PROFILE") {
            "release" => HostProfile::Release,
            "debug-host" => HostProfile::Debug,
            _ => HostProfile::Dev,
        }
    }

    /// The cargo profile that builds it, and that profile's output folder.
    pub fn cargo_profile(self) -> (&'static str, &'static str) {
        match self {
            HostProfile::Release => ("release", "release"),
            HostProfile::Debug => ("debug-host", "debug-host"),
            HostProfile::Dev => ("dev", "debug"),
        }
    }
}

factor_enum! {
    /// The language the guest was written in.
    pub enum Lang ("lang", "the guest's source language: rust (the built-in guests, every ABI) \
        or c (guests/artifacts/c, built with clang: Pair and Bytemuck in micro, Bytemuck in payload)") {
        /// `guests/<abi>`, Rust.
        Rust = "rust",
        /// `guests/artifacts/c/<abi>.c`, freestanding C.
        C = "c",
    }
}

impl Lang {
    /// Whether ABI `abi` has a guest in this language.
    pub fn has_guest(self, abi: &str) -> bool {
        match self {
            Lang::Rust => guest_artifacts::guest(abi).is_some(),
            Lang::C => guest_artifacts::c_guest(abi).is_some(),
        }
    }
}
