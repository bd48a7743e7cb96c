//! The client requests of `callgrind.h`, issued as inline assembly (no C
//! toolchain): collection on and off around a timed region, zero, dump.

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether this process counts its timed regions: set once, in a child
/// launched under Callgrind with collection off at start. Anywhere else
/// the requests are not issued at all (under Callgrind with collection on
/// they would toggle it off).
static COUNTING: AtomicBool = AtomicBool::new(false);

/// Makes this process count its timed regions (a callgrind child).
pub fn enable() {
    COUNTING.store(true, Ordering::Relaxed);
}

/// Whether this process counts (see [`enable`]).
pub fn counting() -> bool {
    COUNTING.load(Ordering::Relaxed)
}

/// `VG_USERREQ_TOOL_BASE('C', 'T')`: Callgrind's requests, in
/// `callgrind.h`'s order.
const BASE: u64 = ((b'C' as u64) << 24) | ((b'T' as u64) << 16);
const DUMP_STATS: u64 = BASE;
const ZERO_STATS: u64 = BASE + 1;
const TOGGLE_COLLECT: u64 = BASE + 2;
/// `VG_USERREQ__RUNNING_ON_VALGRIND`.
const RUNNING_ON_VALGRIND: u64 = 0x1001;

/// Issues client request `code`; `default` when not under Valgrind (the
/// magic sequence is then a few no-op rotations).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn request(code: u64, default: u64) -> u64 {
    let args: [u64; 6] = [code, 0, 0, 0, 0, 0];
    let mut result = default;
    // SAFETY: valgrind.h's x86-64 sequence: rotating rdi by 128 bits in
    // all leaves it as it was; `xchg rbx, rbx` changes nothing. Valgrind
    // reads the six words at rax and writes its answer to rdx.
    unsafe {
        std::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            inout("rdx") result,
            in("rax") args.as_ptr(),
            out("rdi") _,
            options(nostack, preserves_flags),
        );
    }
    result
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn request(_code: u64, default: u64) -> u64 {
    default
}

/// Whether this process runs under Valgrind (any tool).
pub fn on_valgrind() -> bool {
    request(RUNNING_ON_VALGRIND, 0) != 0
}

/// Whether this build can count at all (the client requests are written
/// for x86-64 only).
pub const SUPPORTED: bool = cfg!(target_arch = "x86_64");

/// Collection on: where a timed region's clock starts.
#[inline(always)]
pub fn start() {
    if counting() {
        request(TOGGLE_COLLECT, 0);
    }
}

/// Collection off: where a timed region's clock stops.
#[inline(always)]
pub fn stop() {
    if counting() {
        request(TOGGLE_COLLECT, 0);
    }
}

/// Forgets what was counted so far (warm-up, calibration).
pub fn zero() {
    if counting() {
        request(ZERO_STATS, 0);
    }
}

/// Writes what was counted since the last dump into the next dump file
/// (`OUT.1`, `OUT.2`...: one per timed replicate) and starts again from 0.
pub fn dump() {
    if counting() {
        request(DUMP_STATS, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_no_ops_off_valgrind() {
        // Under `cargo test` (not under Valgrind) the magic sequence
        // returns the default and changes nothing.
        assert!(!on_valgrind() || std::env::var_os("ABILAB_UNDER_VALGRIND").is_some());
        assert_eq!(request(TOGGLE_COLLECT, 7), 7);
        assert!(!counting());
        start();
        stop();
        dump();
    }
}
