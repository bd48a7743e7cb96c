//! What the receiving side computes over a message: a 64-bit digest of
//! every field, word at a time, so reading the message is the work and
//! nothing can be skipped.
//!
//! The digest is built from parts ([`Digest::u64`], [`Digest::bytes`], ...)
//! so a decoder that reads in place (rkyv's archived values, a Bytemuck
//! slice) digests exactly what a decoder into owned values does.

use crate::{HttpRequest, HttpResponse, Record};

/// A streaming 64-bit digest (FxHash's rotate-xor-multiply step, eight
/// bytes at a time). Not a cryptographic hash: a cheap, order-sensitive
/// fingerprint whose cost per byte is the same on every side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest(u64);

const K: u64 = 0x517C_C1B7_2722_0A95;

impl Digest {
    /// An empty digest.
    pub const fn new() -> Digest {
        Digest(0x243F_6A88_85A3_08D3)
    }

    /// Adds a word.
    #[inline(always)]
    #[must_use]
    pub fn u64(self, x: u64) -> Digest {
        Digest((self.0.rotate_left(5) ^ x).wrapping_mul(K))
    }

    /// Adds a float, by its bits (so `-0.0` and NaN payloads count).
    #[inline(always)]
    #[must_use]
    pub fn f64(self, x: f64) -> Digest {
        self.u64(x.to_bits())
    }

    /// Adds bytes and their length.
    #[inline]
    #[must_use]
    pub fn bytes(self, b: &[u8]) -> Digest {
        let mut d = self;
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            d = d.u64(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            d = d.u64(u64::from_le_bytes(last));
        }
        d.u64(b.len() as u64)
    }

    /// Adds text and its length.
    #[inline]
    #[must_use]
    pub fn str(self, s: &str) -> Digest {
        self.bytes(s.as_bytes())
    }

    /// Adds numbers and their count, two per word.
    #[inline]
    #[must_use]
    pub fn u32s(self, xs: impl ExactSizeIterator<Item = u32>) -> Digest {
        let n = xs.len();
        let mut d = self;
        let mut pending: Option<u32> = None;
        for x in xs {
            match pending.take() {
                None => pending = Some(x),
                Some(lo) => d = d.u64(u64::from(lo) | (u64::from(x) << 32)),
            }
        }
        if let Some(lo) = pending {
            d = d.u64(u64::from(lo));
        }
        d.u64(n as u64)
    }

    /// Adds header pairs and their count.
    #[inline]
    #[must_use]
    pub fn headers<'a>(self, pairs: impl ExactSizeIterator<Item = (&'a str, &'a str)>) -> Digest {
        let mut d = self.u64(pairs.len() as u64);
        for (k, v) in pairs {
            d = d.str(k).str(v);
        }
        d
    }

    /// The digest.
    pub fn finish(self) -> u64 {
        self.0
    }
}

impl Default for Digest {
    fn default() -> Digest {
        Digest::new()
    }
}

/// A record's digest: every field, floats by their bits.
pub fn digest_record(r: &Record) -> u64 {
    Digest::new()
        .u64(r.id)
        .f64(r.x)
        .f64(r.y)
        .u64(u64::from(r.count))
        .u64(u64::from(r.port))
        .u64(u64::from(r.flags))
        .finish()
}

/// A list's digest.
pub fn digest_list(xs: &[u32]) -> u64 {
    Digest::new().u32s(xs.iter().copied()).finish()
}

/// A request's digest: method code, URL, headers, body.
pub fn digest_request(r: &HttpRequest) -> u64 {
    Digest::new()
        .u64(u64::from(r.method.code()))
        .str(&r.url)
        .headers(r.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .bytes(&r.body)
        .finish()
}

/// A response's digest: status, headers, body.
pub fn digest_response(r: &HttpResponse) -> u64 {
    Digest::new()
        .u64(u64::from(r.status))
        .headers(r.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .bytes(&r.body)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{make_record, make_request, transform_record};

    #[test]
    fn digests_see_every_byte_and_the_length() {
        let a = Digest::new().bytes(b"abcdefghij").finish();
        assert_ne!(a, Digest::new().bytes(b"abcdefghiJ").finish());
        assert_ne!(
            Digest::new().bytes(b"ab").finish(),
            Digest::new().bytes(b"ab\0").finish()
        );
        assert_ne!(
            Digest::new().u32s([1, 2, 3].into_iter()).finish(),
            Digest::new().u32s([1, 2, 3, 0].into_iter()).finish()
        );
    }

    #[test]
    fn record_digests_see_the_sign_of_zero() {
        let mut r = make_record(1);
        r.y = 0.0;
        let plus = digest_record(&r);
        r.y = -0.0;
        assert_ne!(plus, digest_record(&r));
        assert_ne!(digest_record(&r), digest_record(&transform_record(&r)));
    }

    #[test]
    fn request_digests_see_each_part() {
        let r = make_request(3, 64);
        let base = digest_request(&r);
        let mut h = r.clone();
        h.headers[2].1.push('x');
        assert_ne!(base, digest_request(&h));
        let mut b = r.clone();
        b.body[63] ^= 1;
        assert_ne!(base, digest_request(&b));
    }
}
