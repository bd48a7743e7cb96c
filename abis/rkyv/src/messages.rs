//! The archived messages of every workload, serialised from borrowed values
//! (`*Ref` types with `InlineAsBox` fields), and the conversions that borrow
//! them from the payload types.

use cachesim::Request;
use payload::{Digest, HttpRequest, HttpResponse, Record};
use rkyv::rancor::Fallible;
use rkyv::ser::allocator::Allocator;
use rkyv::ser::writer::Writer;
use rkyv::vec::{ArchivedVec, VecResolver};
use rkyv::with::InlineAsBox;
use rkyv::{Archive, Archived, Place, Serialize};

/// Two `i32` operands.
#[derive(Archive, Serialize)]
pub struct MulI32 {
    pub(crate) a: i32,
    pub(crate) b: i32,
}

/// Two `f32` operands.
#[derive(Archive, Serialize)]
pub struct MulF32 {
    pub(crate) a: f32,
    pub(crate) b: f32,
}

/// One simulator request.
#[derive(Archive, Serialize)]
pub struct Req {
    pub(crate) id: u32,
    pub(crate) size: u32,
}

/// The simulator's counters.
#[derive(Archive, Serialize)]
pub struct StatsW {
    pub(crate) requests: u64,
    pub(crate) hits: u64,
    pub(crate) bytes: u64,
    pub(crate) byte_hits: u64,
}

/// The payload record.
#[derive(Archive, Serialize)]
pub struct RecordW {
    pub(crate) id: u64,
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) count: u32,
    pub(crate) port: u16,
    pub(crate) flags: u8,
}

/// Payload text, borrowed.
#[derive(Archive, Serialize)]
pub struct TextRef<'a> {
    #[rkyv(with = InlineAsBox)]
    pub(crate) text: &'a str,
}

/// A payload list, borrowed.
#[derive(Archive, Serialize)]
pub struct ListRef<'a> {
    #[rkyv(with = InlineAsBox)]
    pub(crate) values: &'a [u32],
}

/// A payload request, borrowed.
#[derive(Archive, Serialize)]
pub struct RequestRef<'a> {
    pub(crate) method: u8,
    #[rkyv(with = InlineAsBox)]
    pub(crate) url: &'a str,
    #[rkyv(with = InlineAsBox)]
    pub(crate) headers: &'a [(String, String)],
    #[rkyv(with = InlineAsBox)]
    pub(crate) body: &'a [u8],
}

/// A payload response, borrowed.
#[derive(Archive, Serialize)]
pub struct ResponseRef<'a> {
    pub(crate) status: u16,
    #[rkyv(with = InlineAsBox)]
    pub(crate) headers: &'a [(String, String)],
    #[rkyv(with = InlineAsBox)]
    pub(crate) body: &'a [u8],
}

/// A batch of simulator requests: archived as a vector of [`Req`],
/// serialised straight from the slice.
pub struct Batch<'a>(pub(crate) &'a [Request]);

impl Archive for Batch<'_> {
    type Archived = ArchivedVec<ArchivedReq>;
    type Resolver = VecResolver;
    fn resolve(&self, resolver: VecResolver, out: Place<Self::Archived>) {
        ArchivedVec::resolve_from_len(self.0.len(), resolver, out);
    }
}

impl<S: Fallible + Allocator + Writer + ?Sized> Serialize<S> for Batch<'_> {
    fn serialize(&self, s: &mut S) -> Result<VecResolver, S::Error> {
        let reqs = self.0.iter().map(|r| Req {
            id: r.id,
            size: r.size,
        });
        ArchivedVec::<ArchivedReq>::serialize_from_iter::<Req, _, _>(reqs, s)
    }
}

pub(crate) fn record_w(r: &Record) -> RecordW {
    RecordW {
        id: r.id,
        x: r.x,
        y: r.y,
        count: r.count,
        port: r.port,
        flags: r.flags,
    }
}

pub(crate) fn request_ref(r: &HttpRequest) -> RequestRef<'_> {
    RequestRef {
        method: r.method.code(),
        url: &r.url,
        headers: &r.headers,
        body: &r.body,
    }
}

pub(crate) fn response_ref(r: &HttpResponse) -> ResponseRef<'_> {
    ResponseRef {
        status: r.status,
        headers: &r.headers,
        body: &r.body,
    }
}

pub(crate) fn headers_of(h: &[Archived<(String, String)>]) -> Vec<(String, String)> {
    h.iter()
        .map(|t| (t.0.as_str().to_string(), t.1.as_str().to_string()))
        .collect()
}

pub(crate) fn digest_headers(d: Digest, h: &[Archived<(String, String)>]) -> Digest {
    d.headers(h.iter().map(|t| (t.0.as_str(), t.1.as_str())))
}
