//! The allocation cap every target runs under: this crate's global
//! allocator ([`CappedAlloc`]) aborts on a single allocation above the cap,
//! which libFuzzer records as a crash (see the README, "Allocation cap").

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The default cap on one allocation, in MiB. libFuzzer's own
/// `-malloc_limit_mb` needs a sanitizer's malloc hooks, which a
/// `--sanitizer none` build does not have, so the cap is enforced here.
/// 128 MiB lies above the largest allocation a decoder may make by design
/// (bincode's 32 MiB decode limit) and far above anything a valid message
/// of the benchmark (at most 16 MiB of payload, the aftermath scenario's) needs.
pub const DEFAULT_ALLOC_CAP_MB: usize = 128;

static ALLOC_CAP: AtomicUsize = AtomicUsize::new(DEFAULT_ALLOC_CAP_MB << 20);

/// The system allocator, aborting on any single allocation larger than the
/// cap: an "allocation bomb" (a few input bytes claiming a huge length)
/// becomes a crash that libFuzzer saves, instead of an out-of-memory kill
/// or a slow run.
pub struct CappedAlloc;

impl CappedAlloc {
    #[cold]
    #[inline(never)]
    fn over_cap(size: usize) -> ! {
        // No allocation from here on: a fixed message, then the size in
        // decimal from a stack buffer.
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut n = size;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(b"==abilab-fuzz== allocation of ");
        let _ = err.write_all(&digits[at..]);
        let _ = err.write_all(b" bytes exceeds the cap (ABILAB_FUZZ_ALLOC_CAP_MB)\n");
        std::process::abort()
    }
}

// SAFETY: forwards every call to `System` unchanged, after a size check.
unsafe impl GlobalAlloc for CappedAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > ALLOC_CAP.load(Ordering::Relaxed) {
            Self::over_cap(layout.size());
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > ALLOC_CAP.load(Ordering::Relaxed) {
            Self::over_cap(layout.size());
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > ALLOC_CAP.load(Ordering::Relaxed) {
            Self::over_cap(new_size);
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CappedAlloc = CappedAlloc;

/// Reads `ABILAB_FUZZ_ALLOC_CAP_MB` (MiB; default
/// [`DEFAULT_ALLOC_CAP_MB`]) once; the targets call it at start-up.
pub fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Some(mb) = std::env::var("ABILAB_FUZZ_ALLOC_CAP_MB")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
        {
            ALLOC_CAP.store(mb.saturating_mul(1 << 20), Ordering::Relaxed);
        }
    });
}
