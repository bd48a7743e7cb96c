//! Writing an archive into a buffer, measuring one without writing it, and
//! validating one to read its root in place.

use rkyv::api::high::{HighSerializer, HighValidator, to_bytes_in};
use rkyv::bytecheck::CheckBytes;
use rkyv::rancor::Failure;
use rkyv::ser::allocator::ArenaHandle;
use rkyv::ser::writer::{Buffer, Positional, Writer};
use rkyv::{Portable, Serialize};

/// Counts the bytes an archive takes, writing nothing.
pub(crate) struct Counter(usize);

impl Positional for Counter {
    fn pos(&self) -> usize {
        self.0
    }
}

impl<E> Writer<E> for Counter {
    fn write(&mut self, bytes: &[u8]) -> Result<(), E> {
        self.0 += bytes.len();
        Ok(())
    }
}

#[inline(always)]
pub(crate) fn put<T>(v: &T, out: &mut [u8]) -> Option<usize>
where
    T: for<'a, 'b> Serialize<HighSerializer<Buffer<'b>, ArenaHandle<'a>, Failure>>,
{
    to_bytes_in::<Buffer<'_>, Failure>(v, Buffer::from(out))
        .ok()
        .map(|b| b.len())
}

#[inline(always)]
pub(crate) fn size<T>(v: &T) -> usize
where
    T: for<'a> Serialize<HighSerializer<Counter, ArenaHandle<'a>, Failure>>,
{
    to_bytes_in::<Counter, Failure>(v, Counter(0)).map_or(0, |c| c.0)
}

/// Validates an archive and returns its root, in place.
#[inline(always)]
pub(crate) fn get<T>(bytes: &[u8]) -> Option<&T>
where
    T: Portable + for<'a> CheckBytes<HighValidator<'a, Failure>>,
{
    rkyv::access::<T, Failure>(bytes).ok()
}
