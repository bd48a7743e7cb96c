//! A hostile component (built for wasm32-wasip2 by `guests/artifacts`):
//! the `abilab:bench` world, each export misbehaving in its own way, for
//! `harness matrix --scenario hostile`. Nothing here is measured.
//!
//! | export | misbehaviour |
//! |---|---|
//! | `mul-i32` | a wrong answer (`a * b + 1`) |
//! | `mul-f32` | traps (`unreachable`) |
//! | `string-out` | answers bytes that are not UTF-8 (the canonical ABI refuses them) |
//! | `record-in` | loops forever (the deadline stops it) |
//! | everything else | traps |
// The bindings wit-bindgen generates carry no doc comments.
#![allow(missing_docs)]

wit_bindgen::generate!({
    path: "../../abis/wit/wit",
    world: "bench",
});

struct Component;

/// Traps the instance (`unreachable`); a host build (`cargo check` of the
/// workspace) aborts instead, so the crate compiles off wasm too.
fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::abort()
}

impl Guest for Component {
    fn mul_i32(a: i32, b: i32) -> i32 {
        a.wrapping_mul(b).wrapping_add(1)
    }

    fn mul_f32(_: f32, _: f32) -> f32 {
        trap()
    }

    fn mul_i32_record(_: OperandsI32) -> i32 {
        trap()
    }

    fn mul_f32_record(_: OperandsF32) -> f32 {
        trap()
    }

    fn sim_init(_: Policy, _: u64) {
        trap()
    }

    fn sim_send(_: Request) -> bool {
        trap()
    }

    fn sim_send_batch(_: Vec<Request>) -> u32 {
        trap()
    }

    fn sim_stats() -> Stats {
        trap()
    }

    fn record_in(_: PayloadRecord) -> u64 {
        let mut n: u64 = 0;
        loop {
            n = core::hint::black_box(n.wrapping_add(1));
        }
    }

    fn record_out(_: u64) -> PayloadRecord {
        trap()
    }

    fn record_roundtrip(_: PayloadRecord) -> PayloadRecord {
        trap()
    }

    fn string_in(_: String) -> u64 {
        trap()
    }

    fn string_out(_: u64, len: u32) -> String {
        let bytes = vec![0xFFu8; len.max(1) as usize];
        // SAFETY: deliberately not UTF-8 — the point of this guest is to
        // hand the host text the canonical ABI must refuse. The guest
        // itself never reads it as text.
        unsafe { String::from_utf8_unchecked(bytes) }
    }

    fn string_roundtrip(_: String) -> String {
        trap()
    }

    fn list_in(_: Vec<u32>) -> u64 {
        trap()
    }

    fn list_out(_: u64, _: u32) -> Vec<u32> {
        trap()
    }

    fn list_roundtrip(_: Vec<u32>) -> Vec<u32> {
        trap()
    }

    fn nested_in(_: Method, _: String, _: Vec<(String, String)>, _: Vec<u8>) -> u64 {
        trap()
    }

    fn nested_out(_: u64, _: u32) -> HttpResponse {
        trap()
    }

    fn nested_roundtrip(
        _: Method,
        _: String,
        _: Vec<(String, String)>,
        _: Vec<u8>,
    ) -> HttpResponse {
        trap()
    }
}

export!(Component);
