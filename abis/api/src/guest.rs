//! The guest half of the shared-memory protocol (feature `guest`).
//!
//! ```text
//!  guest linear memory
//!  ┌──────────────┬──────────────────────────┬───────────────┬─────────────┐
//!  │ stack, data  │ BUFFER (64 KiB, static)  │ OUTPUT (4 KiB)│ heap ...    │
//!  └──────────────┴──────────────────────────┴───────────────┴─────────────┘
//!                   ▲ abi_buffer() = cap<<32 | ptr, fetched once by the host
//!
//!  static:  host writes the payload at BUFFER, calls op(ptr, len)
//!  dynamic: host calls abi_alloc(len) → ptr (a fresh heap block), writes the
//!           payload there, calls op(ptr, len); the op frees the block
//!  results: scalars come back directly; a small payload (the simulator's
//!           stats) comes back in OUTPUT, a payload message in a guest-owned
//!           growable block (8-aligned, kept until the next message), both
//!           as an i64 len<<32 | ptr that the host bounds-checks before reading
//! ```
//!
//! Who allocates: the guest (its heap and its two static buffers). Who
//! writes: the host writes inputs, the guest writes outputs. Who frees: the
//! guest, inside the op that consumed a dynamic block.

use std::alloc::{Layout, alloc, dealloc};
use std::cell::UnsafeCell;

/// Capacity of the static input buffer.
pub const BUFFER_CAPACITY: usize = 64 * 1024;
/// Capacity of the static output buffer.
pub const OUTPUT_CAPACITY: usize = 4 * 1024;
/// Alignment of every block handed to the host (enough for any `Pod` payload).
pub const ALIGN: usize = 8;

/// A static byte buffer the host may write into.
#[repr(C, align(8))]
pub struct Buffer<const N: usize>(UnsafeCell<[u8; N]>);

// SAFETY: a wasm32-unknown-unknown guest without threads is single-threaded.
unsafe impl<const N: usize> Sync for Buffer<N> {}

impl<const N: usize> Buffer<N> {
    const fn new() -> Self {
        Buffer(UnsafeCell::new([0; N]))
    }

    /// The buffer's address in linear memory.
    pub fn ptr(&self) -> *mut u8 {
        self.0.get().cast()
    }

    /// Address and capacity packed as the host expects: `cap << 32 | ptr`.
    pub fn packed(&self) -> i64 {
        ((N as i64) << 32) | (self.ptr() as usize as u32 as i64)
    }
}

/// The static input buffer.
pub static BUFFER: Buffer<BUFFER_CAPACITY> = Buffer::new();
/// The static output buffer.
pub static OUTPUT: Buffer<OUTPUT_CAPACITY> = Buffer::new();

/// The layout of an input block of `len` bytes: rounded up to a whole
/// number of 8-byte words, the unit the reply block ([`output_message`])
/// is allocated in. Without the rounding a reply as long as the request
/// (a round trip) does not fit the block the request just freed, and the
/// guest's memory grows by a third copy of the message, which it never
/// gives back (`results/reference/aftermath`: 48 MiB kept after a 16 MiB
/// Postcard text, 32 MiB for Bincode, whose length prefix happened to
/// keep the sizes equal).
fn block_layout(len: usize) -> Layout {
    Layout::from_size_align(len.next_multiple_of(ALIGN), ALIGN).expect("block layout")
}

/// A fresh block of `len` bytes for the host to write into.
pub fn alloc_block(len: i32) -> i32 {
    let len = len.max(0) as usize;
    if len == 0 {
        return ALIGN as i32;
    }
    let layout = block_layout(len);
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { alloc(layout) };
    if p.is_null() {
        std::process::abort();
    }
    p as usize as i32
}

/// Runs `f` on the payload the host placed at `ptr..ptr+len`: borrowed from
/// the static buffer, or a dynamic block that is freed afterwards.
///
/// A `(ptr, len)` that is neither traps the guest: the host broke the
/// protocol, and a trap is the clean way to say so.
pub fn with_input<R>(ptr: i32, len: i32, f: impl FnOnce(&[u8]) -> R) -> R {
    let (addr, len) = (ptr as u32 as usize, len as u32 as usize);
    if addr == BUFFER.ptr() as usize {
        assert!(len <= BUFFER_CAPACITY, "payload larger than the buffer");
        // SAFETY: inside the static buffer; nothing else borrows it now.
        let bytes = unsafe { std::slice::from_raw_parts(BUFFER.ptr(), len) };
        return f(bytes);
    }
    if len == 0 {
        return f(&[]);
    }
    // SAFETY: per the protocol, `addr` is a block of exactly `len` bytes
    // from `alloc_block`, handed over to this call.
    let bytes = unsafe { std::slice::from_raw_parts(addr as *const u8, len) };
    let r = f(bytes);
    let layout = block_layout(len);
    // SAFETY: allocated by `alloc_block(len)` with this layout, used once.
    unsafe { dealloc(addr as *mut u8, layout) };
    r
}

/// Copies `bytes` into the output buffer; returns it packed as
/// `len << 32 | ptr` for the host to read.
pub fn output(bytes: &[u8]) -> i64 {
    assert!(
        bytes.len() <= OUTPUT_CAPACITY,
        "output larger than its buffer"
    );
    // SAFETY: inside the static output buffer; nothing else borrows it now.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), OUTPUT.ptr(), bytes.len()) };
    ((bytes.len() as i64) << 32) | (OUTPUT.ptr() as usize as u32 as i64)
}

/// Writes a message of `len` bytes into the guest-owned message block
/// (grown as needed, 8-aligned so in-place decoders can read it, reused by
/// the next message) with `fill`, which returns the bytes written; returns
/// the block packed as `len << 32 | ptr` for the host to read.
///
/// A `fill` that writes other than `len` bytes traps the guest: the codec
/// broke its own size promise.
pub fn output_message(len: usize, fill: impl FnOnce(&mut [u8]) -> Option<usize>) -> i64 {
    MESSAGE.with(|block| {
        block.clear();
        block.resize(len.div_ceil(8), 0);
        // SAFETY: the u64 block has at least `len` initialised bytes.
        let bytes = unsafe { std::slice::from_raw_parts_mut(block.as_mut_ptr().cast::<u8>(), len) };
        assert_eq!(fill(bytes), Some(len), "encoder wrote other than its size");
        ((len as i64) << 32) | (block.as_ptr() as usize as u32 as i64)
    })
}

/// The block payload messages leave the guest in (see [`output_message`]).
static MESSAGE: Global<Vec<u64>> = Global::new();

/// Re-exports for the guest macros; not part of the API.
#[doc(hidden)]
pub use {cachesim, micro, payload};

/// A global value in a single-threaded guest, created on first use.
pub struct Global<T>(UnsafeCell<Option<T>>);

// SAFETY: a wasm32-unknown-unknown guest without threads is single-threaded.
unsafe impl<T> Sync for Global<T> {}

impl<T: Default> Global<T> {
    /// An empty global.
    pub const fn new() -> Self {
        Global(UnsafeCell::new(None))
    }

    /// Runs `f` on the value, creating it first if needed.
    #[inline(always)]
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        // SAFETY: single-threaded, and `f` cannot reach `self` again
        // (guest exports do not call each other), so the borrow is unique.
        let slot = unsafe { &mut *self.0.get() };
        f(slot.get_or_insert_with(T::default))
    }
}

impl<T: Default> Default for Global<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The guest's simulator: every ABI's `sim_*` exports drive this one.
pub static SIM: Global<cachesim::Native> = Global::new();

/// `sim_init` for every ABI: 0, or -1 if `setup` is not a setup code
/// ([`cachesim::Setup::code`]; a policy's own code is its default setup).
pub fn sim_init(setup: i32, capacity: i64) -> i32 {
    use cachesim::Simulator;
    match cachesim::Setup::from_code(setup as u32) {
        Some(p) => {
            SIM.with(|s| {
                let Ok(()) = s.init(p, capacity as u64);
            });
            0
        }
        None => -1,
    }
}

/// Sends one request to the guest's simulator; 1 for a hit.
#[inline(always)]
pub fn sim_send(r: cachesim::Request) -> i32 {
    use cachesim::Simulator;
    SIM.with(|s| {
        let Ok(hit) = s.send(r);
        i32::from(hit)
    })
}

/// The trace of the in-guest replay: `(id, size)` pairs of `u32`, written
/// by the host through `sim_replay_alloc`'s address before it is timed.
pub static TRACE: Global<Vec<u32>> = Global::new();

/// `sim_replay_alloc(n)`: room for `n` requests (8 bytes each, id then
/// size, little-endian), replacing any earlier trace; its address.
pub fn replay_alloc(n: i32) -> i32 {
    let n = usize::try_from(n).expect("a request count");
    TRACE.with(|t| {
        t.clear();
        t.resize(2 * n, 0);
        t.as_mut_ptr() as i32
    })
}

/// `sim_replay(ptr, n)`: the `n` requests at `ptr` (the address
/// `sim_replay_alloc(n)` gave) sent to the simulator in order; the hits.
pub fn replay(ptr: i32, n: i32) -> i32 {
    TRACE.with(|t| {
        assert!(
            t.as_ptr() as i32 == ptr && t.len() == 2 * n as usize,
            "sim_replay: not the trace sim_replay_alloc gave"
        );
        let mut hits = 0;
        for r in t.chunks_exact(2) {
            hits += sim_send(cachesim::Request {
                id: r[0],
                size: r[1],
            });
        }
        hits
    })
}

/// Expands to the in-guest replay's two exports (every core guest of the
/// simulator has them; docs/guest-contract.md §6): `sim_replay_alloc(n)
/// -> ptr` and `sim_replay(ptr, n) -> hits`.
#[macro_export]
macro_rules! export_replay {
    () => {
        /// In-guest replay: room for `n` requests; its address.
        #[unsafe(no_mangle)]
        pub extern "C" fn sim_replay_alloc(n: i32) -> i32 {
            $crate::guest::replay_alloc(n)
        }

        /// In-guest replay: the requests at `ptr` sent in order; the hits.
        #[unsafe(no_mangle)]
        pub extern "C" fn sim_replay(ptr: i32, n: i32) -> i32 {
            $crate::guest::replay(ptr, n)
        }
    };
}

/// The guest simulator's counters.
pub fn sim_stats() -> cachesim::Stats {
    use cachesim::Simulator;
    SIM.with(|s| {
        let Ok(stats) = s.stats();
        stats
    })
}

/// Expands to every export of a memory-sharing ABI's guest, given its
/// [`Codec`](crate::Codec): the protocol's `abi_alloc` and `abi_buffer`,
/// and each scenario operation taking its payload as `(ptr, len)`.
///
/// A malformed payload panics, which in a `panic = "abort"` guest is a
/// trap: the host sees a clean error for the cell.
#[macro_export]
macro_rules! export_codec_guest {
    ($codec:ty) => {
        $crate::export_memory!();

        /// Micro: decode `(a, b)` from the payload, return `a * b`.
        #[unsafe(no_mangle)]
        pub extern "C" fn micro_mul_i32(ptr: i32, len: i32) -> i32 {
            $crate::guest::with_input(ptr, len, |bytes| {
                let (a, b) = <$codec as $crate::Codec>::decode_mul_i32(bytes)
                    .expect("malformed mul_i32 payload");
                $crate::guest::micro::mul_i32(a, b)
            })
        }

        /// Micro: decode `(a, b)` from the payload, return `a * b`.
        #[unsafe(no_mangle)]
        pub extern "C" fn micro_mul_f32(ptr: i32, len: i32) -> f32 {
            $crate::guest::with_input(ptr, len, |bytes| {
                let (a, b) = <$codec as $crate::Codec>::decode_mul_f32(bytes)
                    .expect("malformed mul_f32 payload");
                $crate::guest::micro::mul_f32(a, b)
            })
        }

        /// Simulator: (re)start with a policy code and a capacity in bytes.
        #[unsafe(no_mangle)]
        pub extern "C" fn sim_init(policy: i32, capacity: i64) -> i32 {
            $crate::guest::sim_init(policy, capacity)
        }

        /// Simulator: decode one request, return 1 for a hit.
        #[unsafe(no_mangle)]
        pub extern "C" fn sim_send(ptr: i32, len: i32) -> i32 {
            $crate::guest::with_input(ptr, len, |bytes| {
                let r = <$codec as $crate::Codec>::decode_request(bytes)
                    .expect("malformed request payload");
                $crate::guest::sim_send(r)
            })
        }

        /// Simulator: the counters, encoded into the output buffer.
        #[unsafe(no_mangle)]
        pub extern "C" fn sim_stats() -> i64 {
            let mut buf = [0u8; 256];
            let n = <$codec as $crate::Codec>::encode_stats($crate::guest::sim_stats(), &mut buf)
                .expect("stats fit in 256 bytes");
            $crate::guest::output(&buf[..n])
        }

        /// Simulator: a batch of requests; the number of hits.
        #[unsafe(no_mangle)]
        pub extern "C" fn sim_send_batch(ptr: i32, len: i32) -> i32 {
            $crate::guest::with_input(ptr, len, |bytes| {
                let mut hits = 0i32;
                <$codec as $crate::Codec>::decode_requests(bytes, |r| {
                    hits += $crate::guest::sim_send(r)
                })
                .expect("malformed batch payload");
                hits
            })
        }

        $crate::export_replay!();
        $crate::export_payload!($codec);
    };
}

/// Expands to the payload scenario's twelve exports over a [`Codec`]
/// (`abi_api::exports::payload` names them): `in` digests the message in
/// place where the codec can, `out` builds the message from a seed,
/// `roundtrip` decodes, transforms and encodes. Part of
/// [`export_codec_guest!`].
#[macro_export]
macro_rules! export_payload {
    ($codec:ty) => {
        /// Payload: a record in; its digest.
        #[unsafe(no_mangle)]
        pub extern "C" fn payload_record_in(ptr: i32, len: i32) -> i64 {
            use $crate::guest::payload;
            $crate::guest::with_input(ptr, len, |b| {
                let r = <$codec as $crate::Codec>::decode_record(b).expect("malformed record");
                payload::digest_record(&r) as i64
            })
        }

        /// Payload: the record for `seed`, out.
        #[unsafe(no_mangle)]
        pub extern "C" fn payload_record_out(seed: i64) -> i64 {
            use $crate::guest::payload;
            let r = payload::make_record(seed as u64);
            $crate::guest::output_message(<$codec as $crate::Codec>::size_record(&r), |o| {
                <$codec as $crate::Codec>::encode_record(&r, o)
            })
        }

        /// Payload: a record in, transformed, out.
        #[unsafe(no_mangle)]
        pub extern "C" fn payload_record_roundtrip(ptr: i32, len: i32) -> i64 {
            use $crate::guest::payload;
            let r = $crate::guest::with_input(ptr, len, |b| {
                let r = <$codec as $crate::Codec>::decode_record(b).expect("malformed record");
                payload::transform_record(&r)
            });
            $crate::guest::output_message(<$codec as $crate::Codec>::size_record(&r), |o| {
                <$codec as $crate::Codec>::encode_record(&r, o)
            })
        }

        /// Payload: text in; its digest.
        #[unsafe(no_mangle)]
        pub extern "C" fn payload_string_in(ptr: i32, len: i32) -> i64 {
            $crate::guest::with_input(ptr, len, |b| {
                <$codec as $crate::Codec>::digest_str(b).expect("malformed text") as i64
            })
        }

        /// Payload: `len` bytes of text for `seed`, out.
        #[unsafe(no_mangle)]
        pub extern "C" fn payload_string_out(seed: i64, len: i32) -> i64 {
            use $crate::guest::payload;
            let s = payload::make_string(seed as u64, len.max(0) as usize);
            $crate::guest::output_message(<$codec as $crate::Codec>::size_str(&s), |o| {
                <$codec as $crate::Codec>::encode_str(&s, o)
            })
        }

        /// Payload: text in, upper-cased, out.
        #[unsafe(no_mangle)]
        pub extern "C" fn payload_string_roundtrip(ptr: i32, len: i32) -> i64 {
            use $crate::guest::payload;
            let s = $crate::guest::with_input(ptr, len, |b| {
                let s = <$codec as $crate::Codec>::decode_str(b).expect("malformed text");
                payload::transform_string(&s)
            });
            $crate::guest::output_message(<$codec as $crate::Codec>::size_str(&s), |o| {
                <$codec as $crate::Codec>::encode_str(&s, o)
            })
        }

        /// Payload: a list in; its digest.
        #[unsafe(no_mangle)]
        pub extern "C" fn payload_list_in(ptr: i32, len: i32) -> i64 {
            $crate::guest::with_input(ptr, len, |b| {
                <$codec as $crate::Codec>::digest_list(b).expect("malformed list") as i64
            })
        }

        /// Payload: `n` numbers for `seed`, out.
        #[unsafe(no_mangle)]
        pub extern "C" fn payload_list_out(seed: i64, n: i32) -> i64 {
            use $crate::guest::payload;
            let xs = payload::make_list(seed as u64, n.max(0) as usize);
            $crate::guest::output_message(<$codec as $crate::Codec>::size_list(&xs), |o| {
                <$codec as $crate::Codec>::encode_list(&xs, o)
            })
        }

        /// Payload: a list in, transformed, out.
        #[unsafe(no_mangle)]
        pub extern "C" fn payload_list_roundtrip(ptr: i32, len: i32) -> i64 {
            use $crate::guest::payload;
            let xs = $crate::guest::with_input(ptr, len, |b| {
                let xs = <$codec as $crate::Codec>::decode_list(b).expect("malformed list");
                payload::transform_list(&xs)
            });
            $crate::guest::output_message(<$codec as $crate::Codec>::size_list(&xs), |o| {
                <$codec as $crate::Codec>::encode_list(&xs, o)
            })
        }

        /// Payload: a request in; its digest.
        #[unsafe(no_mangle)]
        pub extern "C" fn payload_nested_in(ptr: i32, len: i32) -> i64 {
            $crate::guest::with_input(ptr, len, |b| {
                <$codec as $crate::Codec>::digest_request_msg(b).expect("malformed request") as i64
            })
        }

        /// Payload: the response for `seed` with a `body_len`-byte body, out.
        #[unsafe(no_mangle)]
        pub extern "C" fn payload_nested_out(seed: i64, body_len: i32) -> i64 {
            use $crate::guest::payload;
            let r = payload::make_response(seed as u64, body_len.max(0) as usize);
            $crate::guest::output_message(<$codec as $crate::Codec>::size_response_msg(&r), |o| {
                <$codec as $crate::Codec>::encode_response_msg(&r, o)
            })
        }

        /// Payload: a request in, answered, the response out.
        #[unsafe(no_mangle)]
        pub extern "C" fn payload_nested_roundtrip(ptr: i32, len: i32) -> i64 {
            use $crate::guest::payload;
            let r = $crate::guest::with_input(ptr, len, |b| {
                let r =
                    <$codec as $crate::Codec>::decode_request_msg(b).expect("malformed request");
                payload::respond(&r)
            });
            $crate::guest::output_message(<$codec as $crate::Codec>::size_response_msg(&r), |o| {
                <$codec as $crate::Codec>::encode_response_msg(&r, o)
            })
        }
    };
}

/// Expands to the protocol's exports: `abi_alloc` and `abi_buffer`.
/// Every memory-sharing guest calls it once.
#[macro_export]
macro_rules! export_memory {
    () => {
        /// Shared-memory protocol: a fresh block for a dynamic payload.
        #[unsafe(no_mangle)]
        pub extern "C" fn abi_alloc(len: i32) -> i32 {
            $crate::guest::alloc_block(len)
        }

        /// Shared-memory protocol: the static buffer, `cap << 32 | ptr`.
        #[unsafe(no_mangle)]
        pub extern "C" fn abi_buffer() -> i64 {
            $crate::guest::BUFFER.packed()
        }
    };
}
