//! The payload scenario's factors: what a cell moves and how a sandboxed
//! cell reaches its guest.

use factor::factor_set;
pub use payload::{Direction, Shape, Size};

use crate::factors::Lang;

factor_set! {
    /// How a sandboxed payload cell reaches its guest: typed calls through
    /// cached handles always (the paper's caching and call-style factors
    /// are the micro scenario's); only the guest's language varies.
    pub struct PayloadLink {
        /// The guest's source language.
        pub lang: Lang,
    }
}

factor_set! {
    /// What a payload cell moves, natively or not.
    pub struct PayloadWork {
        /// The value's shape.
        pub shape: Shape,
        /// Which way it travels.
        pub direction: Direction,
        /// How big it is.
        pub size: Size,
    }
}

impl crate::guests::GuestLink for PayloadLink {
    fn lang(&self) -> Lang {
        self.lang
    }
}

