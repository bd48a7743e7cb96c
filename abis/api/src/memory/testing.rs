//! Fixtures the memory tests share (the protocol tests in `mod.rs` and the
//! scenario tests next to each host): a guest speaking the protocol with
//! addresses the test chooses, an error's kind, and a raw codec.

use payload::{HttpRequest, Record};
use runtimes::{Engine, ErrorKind, Result, WasmerEngine};

use crate::Codec;

/// Compiles and instantiates a WAT module on Wasmer (Cranelift).
pub(super) fn load_wat(wat: &str) -> runtimes::WasmerInstance {
    let engine = WasmerEngine::new(
        runtimes::RuntimeId::WasmerCranelift,
        runtimes::EngineConfig::default(),
    )
    .unwrap();
    engine.load(&wat::parse_str(wat).unwrap()).unwrap()
}

/// A guest speaking the protocol, with the addresses it returns chosen
/// by the test: one page of memory, `abi_alloc` returning `alloc`,
/// `abi_buffer` returning `buffer`, an op that reads an i32 at `ptr` (and
/// traps on its own if that is out of bounds).
pub(super) fn guest(alloc: i64, buffer: i64) -> runtimes::WasmerInstance {
    let wat = format!(
        r#"(module
            (memory (export "memory") 1)
            (func (export "abi_alloc") (param i32) (result i32) i32.const {alloc})
            (func (export "abi_buffer") (result i64) i64.const {buffer})
            (func (export "micro_mul_i32") (param i32 i32) (result i32)
                local.get 0 i32.load)
            (func (export "micro_mul_f32") (param i32 i32) (result f32)
                unreachable))"#,
        alloc = alloc as i32
    );
    load_wat(&wat)
}

/// The kind of the error `r` must be.
pub(super) fn kind<T>(r: Result<T>) -> ErrorKind {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.kind().clone(),
    }
}

/// A codec that writes text raw and refuses everything else.
pub(super) struct Raw;

impl Codec for Raw {
    fn encode_mul_i32(a: i32, _: i32, out: &mut [u8]) -> Option<usize> {
        out.get_mut(..4)?.copy_from_slice(&a.to_le_bytes());
        Some(4)
    }
    fn size_mul_i32(_: i32, _: i32) -> usize {
        4
    }
    fn decode_mul_i32(_: &[u8]) -> Option<(i32, i32)> {
        None
    }
    fn encode_mul_f32(_: f32, _: f32, _: &mut [u8]) -> Option<usize> {
        Some(0)
    }
    fn size_mul_f32(_: f32, _: f32) -> usize {
        0
    }
    fn decode_mul_f32(_: &[u8]) -> Option<(f32, f32)> {
        None
    }
    fn encode_request(_: cachesim::Request, _: &mut [u8]) -> Option<usize> {
        None
    }
    fn size_request(_: cachesim::Request) -> usize {
        0
    }
    fn decode_request(_: &[u8]) -> Option<cachesim::Request> {
        None
    }
    fn encode_stats(_: cachesim::Stats, _: &mut [u8]) -> Option<usize> {
        None
    }
    fn decode_stats(_: &[u8]) -> Option<cachesim::Stats> {
        None
    }
    fn encode_requests(_: &[cachesim::Request], _: &mut [u8]) -> Option<usize> {
        None
    }
    fn size_requests(_: &[cachesim::Request]) -> usize {
        0
    }
    fn decode_requests(_: &[u8], _: impl FnMut(cachesim::Request)) -> Option<()> {
        None
    }
    fn encode_record(_: &Record, _: &mut [u8]) -> Option<usize> {
        None
    }
    fn size_record(_: &Record) -> usize {
        0
    }
    fn decode_record(_: &[u8]) -> Option<Record> {
        None
    }
    fn encode_str(s: &str, out: &mut [u8]) -> Option<usize> {
        out.get_mut(..s.len())?.copy_from_slice(s.as_bytes());
        Some(s.len())
    }
    fn size_str(s: &str) -> usize {
        s.len()
    }
    fn decode_str(bytes: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
        std::str::from_utf8(bytes).ok().map(Into::into)
    }
    fn encode_list(_: &[u32], _: &mut [u8]) -> Option<usize> {
        None
    }
    fn size_list(_: &[u32]) -> usize {
        0
    }
    fn decode_list(_: &[u8]) -> Option<std::borrow::Cow<'_, [u32]>> {
        None
    }
    fn encode_request_msg(_: &HttpRequest, _: &mut [u8]) -> Option<usize> {
        None
    }
    fn size_request_msg(_: &HttpRequest) -> usize {
        0
    }
    fn decode_request_msg(_: &[u8]) -> Option<HttpRequest> {
        None
    }
    fn encode_response_msg(_: &payload::HttpResponse, _: &mut [u8]) -> Option<usize> {
        None
    }
    fn size_response_msg(_: &payload::HttpResponse) -> usize {
        0
    }
    fn decode_response_msg(_: &[u8]) -> Option<payload::HttpResponse> {
        None
    }
}
