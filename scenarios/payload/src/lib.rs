//! The payload scenario: what it costs to move real data — a record, a
//! string, a list, a nested HTTP-like message — across the sandbox
//! boundary, in, out, or both ways, at sizes from 16 B to 1 MiB.
//!
//! This crate is the single source of the data and of the guest's work:
//! the generators ([`make_record`], [`make_string`], ...), the digests the
//! receiving side computes over what it got ([`Digest`]), and the
//! transforms of a round trip ([`transform_record`], [`respond`], ...).
//! The native baseline calls them directly; every guest calls the very
//! same functions on the values it decoded, so every ABI does identical
//! work per message and differs only in how the message travels.
//!
//! The work per message is small and linear: a word-at-a-time digest, or a
//! one-pass transform. The harness drives every cell through [`Exchange`]
//! and folds each call's digest into a checksum compared with native's.
#![no_std]

extern crate alloc;

mod data;
mod digest;
mod exchange;

pub use data::{
    HttpRequest, HttpResponse, Method, Record, make_list, make_record, make_request, make_response,
    make_string, respond, transform_list, transform_record, transform_string,
};
pub use digest::{Digest, digest_list, digest_record, digest_request, digest_response};
pub use exchange::{Exchange, Native};

factor::factor_enum! {
    /// The kind of value a payload cell moves.
    pub enum Shape ("shape", "the value moved: a fixed record, UTF-8 text, a list of u32, or an \
        HTTP-like request/response") {
        /// A fixed struct of mixed scalars (u64, two f64, u32, u16, u8).
        Record = "record",
        /// UTF-8 text.
        String = "string",
        /// A `Vec<u32>`.
        List = "list",
        /// An HTTP-like request (method, URL, headers, body) answered with a
        /// response (status, headers, body).
        Nested = "nested",
    }
}

factor::factor_enum! {
    /// Which way the value travels.
    pub enum Direction ("direction", "host to guest (the guest returns a digest), guest to \
        host (built from a seed), or both (the guest transforms it)") {
        /// Host → guest; the guest answers a 64-bit digest of what it read.
        In = "in",
        /// Guest → host; the guest builds the value from a seed, the host
        /// decodes it.
        Out = "out",
        /// Host → guest → host; the guest transforms it and returns it.
        Roundtrip = "roundtrip",
    }
}

factor::factor_enum! {
    /// How big the value is: bytes of text, of list elements (4 each), or
    /// of the nested message's body. A record has one fixed size.
    pub enum Size ("size", "payload bytes (text; list elements × 4; the nested message's \
        body), or `fixed` for the record") {
        /// The record's own size.
        Fixed = "fixed",
        /// 16 bytes.
        B16 = "16B",
        /// 256 bytes.
        B256 = "256B",
        /// 4 KiB.
        K4 = "4KiB",
        /// 64 KiB.
        K64 = "64KiB",
        /// 1 MiB.
        M1 = "1MiB",
        /// 16 MiB: in no sweep; the one large call of the `aftermath`
        /// scenario.
        M16 = "16MiB",
    }
}

impl Size {
    /// The sizes of a shape's sweep.
    pub fn sweep(shape: Shape) -> &'static [Size] {
        match shape {
            Shape::Record => &[Size::Fixed],
            Shape::String | Shape::List | Shape::Nested => {
                &[Size::B16, Size::B256, Size::K4, Size::K64, Size::M1]
            }
        }
    }

    /// Bytes of the value's variable part (the record: its fields' bytes).
    pub fn bytes(self) -> usize {
        match self {
            Size::Fixed => Record::BYTES,
            Size::B16 => 16,
            Size::B256 => 256,
            Size::K4 => 4 << 10,
            Size::K64 => 64 << 10,
            Size::M1 => 1 << 20,
            Size::M16 => 16 << 20,
        }
    }
}

/// What one call of a cell carries: the shape and size and, for the
/// values sent in, their pre-built contents.
#[derive(Debug, Clone, PartialEq)]
pub enum Inputs {
    /// Records to send (cycled through).
    Record(alloc::vec::Vec<Record>),
    /// Strings to send.
    String(alloc::vec::Vec<alloc::string::String>),
    /// Lists to send.
    List(alloc::vec::Vec<alloc::vec::Vec<u32>>),
    /// Requests to send.
    Nested(alloc::vec::Vec<HttpRequest>),
}

/// How many distinct values a cell sends, cycled through its calls: enough
/// that no cache keeps one answer, few enough to build once.
pub const DISTINCT: usize = 8;

impl Inputs {
    /// The values sent by a cell of this shape and size.
    pub fn build(shape: Shape, size: Size) -> Inputs {
        let seeds = 0..DISTINCT as u64;
        let n = size.bytes();
        match shape {
            Shape::Record => Inputs::Record(seeds.map(make_record).collect()),
            Shape::String => Inputs::String(seeds.map(|s| make_string(s, n)).collect()),
            Shape::List => Inputs::List(seeds.map(|s| make_list(s, n / 4)).collect()),
            Shape::Nested => Inputs::Nested(seeds.map(|s| make_request(s, n)).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn sizes_are_what_they_say() {
        let bytes: Vec<usize> = Size::sweep(Shape::String)
            .iter()
            .map(|s| s.bytes())
            .collect();
        assert_eq!(bytes, [16, 256, 4096, 65536, 1 << 20]);
        assert_eq!(Size::sweep(Shape::Record), &[Size::Fixed]);
        assert_eq!(Size::Fixed.bytes(), Record::BYTES);
        assert_eq!(Size::sweep(Shape::List), Size::sweep(Shape::Nested));
    }

    #[test]
    fn inputs_have_the_asked_size_and_differ() {
        let Inputs::String(s) = Inputs::build(Shape::String, Size::K4) else {
            panic!()
        };
        assert!(s.iter().all(|x| x.len() == 4096));
        assert_ne!(s[0], s[1]);
        let Inputs::List(l) = Inputs::build(Shape::List, Size::B256) else {
            panic!()
        };
        assert!(l.iter().all(|x| x.len() == 64));
        let Inputs::Nested(r) = Inputs::build(Shape::Nested, Size::B16) else {
            panic!()
        };
        assert!(r.iter().all(|x| x.body.len() == 16));
        let digests: Vec<u64> = r.iter().map(digest_request).collect();
        assert!(digests.windows(2).all(|w| w[0] != w[1]));
    }

    #[test]
    fn native_calls_digest_what_was_sent_built_or_transformed() {
        let mut n = Native;
        let Inputs::String(v) = Inputs::build(Shape::String, Size::B256) else {
            panic!()
        };
        let Ok(d) = n.string_in(&v[1]);
        assert_eq!(d, Digest::new().str(&v[1]).finish());
        let Ok(d) = n.string_out(9, 256);
        assert_eq!(d, Digest::new().str(&make_string(9, 256)).finish());
        let Ok(d) = n.string_roundtrip(&v[1]);
        assert_eq!(d, Digest::new().str(&transform_string(&v[1])).finish());
    }
}
