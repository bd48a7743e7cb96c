//! The tuple forms of the scenarios' fixed-layout messages, for the codecs
//! that serialise plain tuples (Bincode, Postcard): both put the same
//! fields in the same order, so the conversions to and from the tuples are
//! written once, here, instead of once per codec.
//!
//! The functions are `#[inline]` so that, called from another crate, they
//! stay as inlinable into the codecs' (timed) encoders and decoders as the
//! crate-local helpers they replace were.

use cachesim::Stats;
use payload::Record;

/// The payload record as its fields in declaration order: `(id, x, y,
/// count, port, flags)`.
pub type RecordTuple = (u64, f64, f64, u32, u16, u8);

/// The record's fields, in order.
#[inline]
pub fn record_tuple(r: &Record) -> RecordTuple {
    (r.id, r.x, r.y, r.count, r.port, r.flags)
}

/// The record [`record_tuple`] took apart.
#[inline]
pub fn record_from_tuple((id, x, y, count, port, flags): RecordTuple) -> Record {
    Record {
        id,
        x,
        y,
        count,
        port,
        flags,
    }
}

/// The simulator's counters as `(requests, hits, bytes, byte_hits)`.
pub type StatsTuple = (u64, u64, u64, u64);

/// The counters' fields, in order.
#[inline]
pub fn stats_tuple(s: Stats) -> StatsTuple {
    (s.requests, s.hits, s.bytes, s.byte_hits)
}

/// The counters [`stats_tuple`] took apart.
#[inline]
pub fn stats_from_tuple((requests, hits, bytes, byte_hits): StatsTuple) -> Stats {
    Stats {
        requests,
        hits,
        bytes,
        byte_hits,
    }
}
