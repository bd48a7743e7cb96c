//! The micro scenario's factors: what a cell computes (the operand) and
//! how a sandboxed cell reaches its guest.

use factor::{factor_enum, factor_set};
pub use micro::Operand;

use crate::factors::{Caching, CallStyle, Lang, Limits};

factor_enum! {
    /// When the module is compiled and instantiated (the paper's "Loading").
    pub enum Loading ("loading", "module compiled and instantiated before timing, or inside \
        each timed replicate") {
        /// Before timing; replicates time calls only.
        Preload = "preload",
        /// Inside every timed replicate: compile, instantiate, resolve, then the calls.
        Hotload = "hotload",
    }
}

factor_set! {
    /// What a micro cell computes, natively or not.
    pub struct MicroWork {
        /// The operand type.
        pub operand: Operand,
    }
}

factor_set! {
    /// How a sandboxed micro cell reaches its guest.
    pub struct MicroLink {
        /// Handles resolved once or looked up per call.
        pub caching: Caching,
        /// Typed or untyped calls.
        pub call: CallStyle,
        /// Preload or hotload.
        pub loading: Loading,
        /// A deadline and a memory cap enforced, or not.
        pub limits: Limits,
        /// The guest's source language.
        pub lang: Lang,
    }
}

impl crate::guests::GuestLink for MicroLink {
    fn lang(&self) -> Lang {
        self.lang
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use factor::{FactorSet, Workload};

    #[test]
    fn link_sets_enumerate_every_combination() {
        let micro = MicroLink::combinations(Workload::Micro);
        assert_eq!(
            micro.len(),
            Caching::ALL.len()
                * CallStyle::ALL.len()
                * Loading::ALL.len()
                * Limits::ALL.len()
                * Lang::ALL.len()
        );
        let names: Vec<&str> = MicroLink::INFO.iter().map(|i| i.name).collect();
        assert_eq!(names, ["caching", "call", "loading", "limits", "lang"]);
    }
}
