//! How the harness drives a payload cell, natively or through an ABI.

use core::convert::Infallible;

use crate::{
    Digest, Direction, HttpRequest, Record, Shape, digest_list, digest_record, digest_request,
    digest_response, make_list, make_record, make_response, make_string, respond, transform_list,
    transform_record, transform_string,
};

/// One way of moving the payload shapes: natively, or through an ABI into
/// a guest. Every method returns the digest the receiving side computed:
/// the guest's for `in`, the host's over what it decoded for `out` and
/// `roundtrip` — so the host's decoding is part of what a call costs, as
/// it would be for a real plugin host.
///
/// An ABI implements the pairs it can carry and says which in
/// [`carries`](Exchange::carries); the others answer
/// [`unsupported`](Exchange::unsupported) and are never timed.
pub trait Exchange {
    /// Why a call could fail (a trap, a bad pointer from the guest...).
    type Error;

    /// Whether this ABI carries `shape` in `direction`, or why not.
    fn carries(shape: Shape, direction: Direction) -> Result<(), &'static str> {
        let _ = (shape, direction);
        Ok(())
    }

    /// The error of a call this ABI does not carry.
    fn unsupported(shape: Shape, direction: Direction) -> Self::Error;

    /// Sends a record; the guest's digest of it.
    fn record_in(&mut self, r: &Record) -> Result<u64, Self::Error> {
        let _ = r;
        Err(Self::unsupported(Shape::Record, Direction::In))
    }
    /// The guest builds the record for `seed`; the host's digest of it.
    fn record_out(&mut self, seed: u64) -> Result<u64, Self::Error> {
        let _ = seed;
        Err(Self::unsupported(Shape::Record, Direction::Out))
    }
    /// The guest transforms the record; the host's digest of the reply.
    fn record_roundtrip(&mut self, r: &Record) -> Result<u64, Self::Error> {
        let _ = r;
        Err(Self::unsupported(Shape::Record, Direction::Roundtrip))
    }

    /// Sends text; the guest's digest of it.
    fn string_in(&mut self, s: &str) -> Result<u64, Self::Error> {
        let _ = s;
        Err(Self::unsupported(Shape::String, Direction::In))
    }
    /// The guest builds `len` bytes of text for `seed`; the host's digest.
    fn string_out(&mut self, seed: u64, len: usize) -> Result<u64, Self::Error> {
        let _ = (seed, len);
        Err(Self::unsupported(Shape::String, Direction::Out))
    }
    /// The guest transforms the text; the host's digest of the reply.
    fn string_roundtrip(&mut self, s: &str) -> Result<u64, Self::Error> {
        let _ = s;
        Err(Self::unsupported(Shape::String, Direction::Roundtrip))
    }

    /// Sends a list; the guest's digest of it.
    fn list_in(&mut self, xs: &[u32]) -> Result<u64, Self::Error> {
        let _ = xs;
        Err(Self::unsupported(Shape::List, Direction::In))
    }
    /// The guest builds `n` numbers for `seed`; the host's digest.
    fn list_out(&mut self, seed: u64, n: usize) -> Result<u64, Self::Error> {
        let _ = (seed, n);
        Err(Self::unsupported(Shape::List, Direction::Out))
    }
    /// The guest transforms the list; the host's digest of the reply.
    fn list_roundtrip(&mut self, xs: &[u32]) -> Result<u64, Self::Error> {
        let _ = xs;
        Err(Self::unsupported(Shape::List, Direction::Roundtrip))
    }

    /// Sends a request; the guest's digest of it.
    fn nested_in(&mut self, r: &HttpRequest) -> Result<u64, Self::Error> {
        let _ = r;
        Err(Self::unsupported(Shape::Nested, Direction::In))
    }
    /// The guest builds the response for `seed` with a `body_len`-byte
    /// body; the host's digest of it.
    fn nested_out(&mut self, seed: u64, body_len: usize) -> Result<u64, Self::Error> {
        let _ = (seed, body_len);
        Err(Self::unsupported(Shape::Nested, Direction::Out))
    }
    /// The guest answers the request; the host's digest of the response.
    fn nested_roundtrip(&mut self, r: &HttpRequest) -> Result<u64, Self::Error> {
        let _ = r;
        Err(Self::unsupported(Shape::Nested, Direction::Roundtrip))
    }
}

/// The native baseline: the scenario functions called directly.
#[derive(Debug, Default, Clone, Copy)]
pub struct Native;

impl Exchange for Native {
    type Error = Infallible;

    fn unsupported(_: Shape, _: Direction) -> Infallible {
        unreachable!("the native baseline carries every shape both ways")
    }

    #[inline(always)]
    fn record_in(&mut self, r: &Record) -> Result<u64, Infallible> {
        Ok(digest_record(r))
    }
    #[inline(always)]
    fn record_out(&mut self, seed: u64) -> Result<u64, Infallible> {
        Ok(digest_record(&make_record(seed)))
    }
    #[inline(always)]
    fn record_roundtrip(&mut self, r: &Record) -> Result<u64, Infallible> {
        Ok(digest_record(&transform_record(r)))
    }

    #[inline(always)]
    fn string_in(&mut self, s: &str) -> Result<u64, Infallible> {
        Ok(Digest::new().str(s).finish())
    }
    #[inline(always)]
    fn string_out(&mut self, seed: u64, len: usize) -> Result<u64, Infallible> {
        Ok(Digest::new().str(&make_string(seed, len)).finish())
    }
    #[inline(always)]
    fn string_roundtrip(&mut self, s: &str) -> Result<u64, Infallible> {
        Ok(Digest::new().str(&transform_string(s)).finish())
    }

    #[inline(always)]
    fn list_in(&mut self, xs: &[u32]) -> Result<u64, Infallible> {
        Ok(digest_list(xs))
    }
    #[inline(always)]
    fn list_out(&mut self, seed: u64, n: usize) -> Result<u64, Infallible> {
        Ok(digest_list(&make_list(seed, n)))
    }
    #[inline(always)]
    fn list_roundtrip(&mut self, xs: &[u32]) -> Result<u64, Infallible> {
        Ok(digest_list(&transform_list(xs)))
    }

    #[inline(always)]
    fn nested_in(&mut self, r: &HttpRequest) -> Result<u64, Infallible> {
        Ok(digest_request(r))
    }
    #[inline(always)]
    fn nested_out(&mut self, seed: u64, body_len: usize) -> Result<u64, Infallible> {
        Ok(digest_response(&make_response(seed, body_len)))
    }
    #[inline(always)]
    fn nested_roundtrip(&mut self, r: &HttpRequest) -> Result<u64, Infallible> {
        Ok(digest_response(&respond(r)))
    }
}
