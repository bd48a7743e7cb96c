//! The values: their types, deterministic generators, and the transforms
//! of a round trip.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// A fixed struct of mixed scalars: the plain-old-data shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record {
    /// An identifier.
    pub id: u64,
    /// A coordinate.
    pub x: f64,
    /// Another.
    pub y: f64,
    /// A counter.
    pub count: u32,
    /// A port number.
    pub port: u16,
    /// Flag bits.
    pub flags: u8,
}

impl Record {
    /// Bytes of its fields (8 + 8 + 8 + 4 + 2 + 1).
    pub const BYTES: usize = 31;
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// DELETE.
    Delete,
    /// PATCH.
    Patch,
}

impl Method {
    /// Every method, in code order.
    pub const ALL: [Method; 5] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Patch,
    ];

    /// Its wire code: 0 = GET ... 4 = PATCH.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The method with wire code `code`.
    pub fn from_code(code: u8) -> Option<Method> {
        Method::ALL.get(code as usize).copied()
    }
}

/// A realistic plugin message: an HTTP-like request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The URL, path and query.
    pub url: String,
    /// Header (name, value) pairs, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// The guest's answer to an [`HttpRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header (name, value) pairs, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// SplitMix64: the generators' deterministic source.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The record for `seed`.
pub fn make_record(seed: u64) -> Record {
    let mut m = Mix(seed);
    Record {
        id: m.next(),
        // Finite values in a wide range, negative zero included now and then.
        x: (m.next() as i64 as f64) / 1e6,
        y: if seed % 7 == 3 {
            -0.0
        } else {
            f64::from_bits(m.next() >> 2)
        },
        count: m.next() as u32,
        port: m.next() as u16,
        flags: m.next() as u8,
    }
}

/// Words the text generator draws from: mostly ASCII, some two- and
/// three-byte UTF-8, so decoders that validate text have work to do.
const WORDS: [&str; 12] = [
    "cache ",
    "proxy ",
    "wasm ",
    "guest ",
    "hôte ",
    "naïve ",
    "fetch ",
    "€ ",
    "sandbox ",
    "données ",
    "call ",
    "ABI ",
];

/// UTF-8 text of exactly `len` bytes for `seed`.
pub fn make_string(seed: u64, len: usize) -> String {
    let mut m = Mix(seed);
    let mut s = String::with_capacity(len);
    while s.len() < len {
        let w = WORDS[(m.next() % WORDS.len() as u64) as usize];
        if s.len() + w.len() <= len {
            s.push_str(w);
        } else {
            // Pad with ASCII so the length is exact.
            while s.len() < len {
                s.push('.');
            }
        }
    }
    s
}

/// `n` numbers for `seed`.
pub fn make_list(seed: u64, n: usize) -> Vec<u32> {
    let mut m = Mix(seed);
    (0..n).map(|_| m.next() as u32).collect()
}

fn make_body(m: &mut Mix, len: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(len + 8);
    while body.len() < len {
        body.extend_from_slice(&m.next().to_le_bytes());
    }
    body.truncate(len);
    body
}

/// The request for `seed`, with a body of `body_len` bytes: a URL of a few
/// dozen bytes and eight headers, as a plugin would see.
pub fn make_request(seed: u64, body_len: usize) -> HttpRequest {
    let mut m = Mix(seed);
    let method = Method::ALL[(m.next() % Method::ALL.len() as u64) as usize];
    let url = format!(
        "/api/v1/objects/{}?page={}&sort=size&q=naïve",
        m.next() % 1_000_000,
        m.next() % 100
    );
    let headers = Vec::from([
        ("host".into(), "cache.example.org".into()),
        ("user-agent".into(), format!("abilab/{}", m.next() % 100)),
        ("accept".into(), "application/json".into()),
        ("accept-encoding".into(), "gzip, br".into()),
        ("content-type".into(), "application/octet-stream".into()),
        ("content-length".into(), format!("{body_len}")),
        ("x-request-id".into(), format!("{:016x}", m.next())),
        (
            "x-trace".into(),
            format!("{:08x}-{:08x}", m.next() as u32, m.next() as u32),
        ),
    ]);
    let body = make_body(&mut m, body_len);
    HttpRequest {
        method,
        url,
        headers,
        body,
    }
}

/// The response for `seed`, with a body of `body_len` bytes.
pub fn make_response(seed: u64, body_len: usize) -> HttpResponse {
    let mut m = Mix(seed ^ 0x5EED);
    let status = [200u16, 201, 204, 404, 500][(m.next() % 5) as usize];
    let headers = Vec::from([
        ("content-type".into(), "application/octet-stream".into()),
        ("content-length".into(), format!("{body_len}")),
        (
            "cache-control".into(),
            format!("max-age={}", m.next() % 86_400),
        ),
        ("etag".into(), format!("\"{:016x}\"", m.next())),
        ("server".into(), "abilab-guest".into()),
        ("x-served-by".into(), format!("node-{}", m.next() % 64)),
    ]);
    let body = make_body(&mut m, body_len);
    HttpResponse {
        status,
        headers,
        body,
    }
}

/// A round trip's work on a record: every field changes, exactly.
pub fn transform_record(r: &Record) -> Record {
    Record {
        id: r.id.wrapping_add(1),
        x: -r.x,
        y: r.y * 2.0,
        count: r.count.rotate_left(7),
        port: r.port ^ 0x00FF,
        flags: !r.flags,
    }
}

/// A round trip's work on text: ASCII letters upper-cased (UTF-8 stays valid).
pub fn transform_string(s: &str) -> String {
    s.to_ascii_uppercase()
}

/// A round trip's work on a list: `3x + 1` on every element, wrapping.
pub fn transform_list(xs: &[u32]) -> Vec<u32> {
    xs.iter()
        .map(|x| x.wrapping_mul(3).wrapping_add(1))
        .collect()
}

/// A round trip's work on a request: the response a small plugin would
/// give (a status from the method, three headers describing the request,
/// the body with every byte flipped).
pub fn respond(req: &HttpRequest) -> HttpResponse {
    HttpResponse {
        status: 200 + u16::from(req.method.code()),
        headers: Vec::from([
            ("content-type".into(), "application/octet-stream".into()),
            ("content-length".into(), format!("{}", req.body.len())),
            ("x-echo-url".into(), req.url.clone()),
            ("x-echo-headers".into(), format!("{}", req.headers.len())),
        ]),
        body: req.body.iter().map(|b| b ^ 0x5A).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_are_deterministic_and_exact() {
        assert_eq!(make_record(5), make_record(5));
        assert_ne!(make_record(5), make_record(6));
        for len in [0, 1, 7, 16, 255, 4096] {
            let s = make_string(3, len);
            assert_eq!(s.len(), len);
            assert_eq!(s, make_string(3, len));
        }
        assert!(!make_string(1, 4096).is_ascii());
        assert_eq!(make_list(2, 100).len(), 100);
        let r = make_request(4, 1000);
        assert_eq!((r.body.len(), r.headers.len()), (1000, 8));
        assert_eq!(r, make_request(4, 1000));
        assert_eq!(make_response(4, 10).body.len(), 10);
    }

    #[test]
    fn transforms_change_every_part() {
        let r = make_record(1);
        let t = transform_record(&r);
        assert!(t.id != r.id && t.count != r.count && t.flags != r.flags);
        assert_eq!(transform_string("abé"), "ABé");
        assert_eq!(
            transform_list(&[0, 1, u32::MAX]),
            [1, 4, u32::MAX.wrapping_mul(3) + 1]
        );
        let req = make_request(9, 4);
        let resp = respond(&req);
        assert_eq!(
            resp.body,
            req.body.iter().map(|b| b ^ 0x5A).collect::<Vec<_>>()
        );
        assert_eq!(resp.status, 200 + u16::from(req.method.code()));
    }

    #[test]
    fn method_codes_round_trip() {
        for m in Method::ALL {
            assert_eq!(Method::from_code(m.code()), Some(m));
        }
        assert_eq!(Method::from_code(5), None);
    }
}
