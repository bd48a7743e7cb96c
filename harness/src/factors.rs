//! The factors every ABI shares, and how a cell's factors are written down.
//!
//! A cell's factors are an ordered list of (name, value) pairs: the shared
//! factors of its scenario first, then its ABI's own. In results they are a
//! JSON map and one CSV column per factor name.

use abi_api::Factor;
use runtimes::id_enum;

id_enum! {
    /// When the module is compiled and instantiated.
    pub enum Loading ("loading") {
        /// Before timing; replicates time calls only.
        Preload = "preload",
        /// Inside every timed replicate: compile, instantiate, resolve, then the calls.
        Hotload = "hotload",
    }
}

/// Reference caching (the paper's "Cached").
pub const CACHING: Factor = Factor {
    name: "caching",
    values: &["cached", "uncached"],
    about: "export handles resolved once, or looked up by name on every call",
};

/// Typed or untyped (value-array) calls.
pub const CALL: Factor = Factor {
    name: "call",
    values: &["typed", "untyped"],
    about: "the runtime's typed call API, or its untyped call with a value array",
};

/// Preload or hotload (the paper's "Loading").
pub const LOADING: Factor = Factor {
    name: "loading",
    values: &["preload", "hotload"],
    about: "module compiled and instantiated before timing, or inside each timed replicate",
};

/// The micro scenario's operand type.
pub const OPERAND: Factor = Factor {
    name: "operand",
    values: &["i32", "f32"],
    about: "multiply i32 (wrapping) or f32",
};

/// The factors every micro cell on a runtime has, in column order.
pub const MICRO: &[Factor] = &[CACHING, CALL, LOADING, OPERAND];

/// A cell's factors: (name, value), shared factors first.
pub type Factors = Vec<(&'static str, &'static str)>;

/// The build of the harness a cell ran in (see docs/methodology.md):
/// `release`, `debug` (everything at opt-level 0, the paper's Debug), or
/// `dev` (the test profile: harness unoptimised, dependencies optimised).
pub const HOST_PROFILE: &str = "host-profile";

/// This binary's host profile, from the cargo profile it was built with.
pub fn host_profile() -> &'static str {
    match env!("ABILAB_PROFILE") {
        "release" => "release",
        "debug-host" => "debug",
        _ => "dev",
    }
}

/// Every combination of the factors' values, first factor varying slowest.
pub fn product(factors: &[Factor]) -> Vec<Factors> {
    let mut out: Vec<Factors> = vec![Vec::new()];
    for f in factors {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                f.values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push((f.name, *v));
                    next
                })
            })
            .collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use runtimes::{Caching, CallStyle};

    #[test]
    fn product_enumerates_every_combination_in_order() {
        let p = product(&[CACHING, LOADING]);
        assert_eq!(
            p,
            vec![
                vec![("caching", "cached"), ("loading", "preload")],
                vec![("caching", "cached"), ("loading", "hotload")],
                vec![("caching", "uncached"), ("loading", "preload")],
                vec![("caching", "uncached"), ("loading", "hotload")],
            ]
        );
        assert_eq!(product(&[]), vec![Vec::new()]);
    }

    #[test]
    fn factor_values_match_the_enums() {
        let ids = |all: &[&'static str]| all.to_vec();
        assert_eq!(
            ids(CACHING.values),
            Caching::ALL.iter().map(|c| c.id()).collect::<Vec<_>>()
        );
        assert_eq!(
            ids(CALL.values),
            CallStyle::ALL.iter().map(|c| c.id()).collect::<Vec<_>>()
        );
        assert_eq!(
            ids(LOADING.values),
            Loading::ALL.iter().map(|c| c.id()).collect::<Vec<_>>()
        );
        assert_eq!(
            ids(OPERAND.values),
            micro::Operand::ALL
                .iter()
                .map(|c| c.id())
                .collect::<Vec<_>>()
        );
    }
}
