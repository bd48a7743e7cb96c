//! The checks behind the fuzz targets, shared by the targets
//! (`fuzz_targets/*.rs`), the seed generator (`examples/seed.rs`) and the
//! regression tests (`tests/regressions.rs`).
//!
//! Every check takes the raw fuzz input and panics (or aborts, for an
//! allocation over the cap) exactly when it finds a bug:
//! - [`check_trace`] (`src/trace.rs`): the trace readers (text,
//!   webcachesim, binary, and format detection through the file-based
//!   `read_trace` entry point);
//! - [`check_codec`] (`src/codec.rs`): every `decode_*`/`digest_*`
//!   function of one [`Codec`](abi_api::Codec), and `decode_requests`.
//!
//! Beyond "does not panic", both check properties that must hold for any
//! input, so a silent misdecode is a crash too (see each function). This
//! file holds what every target shares: the table of targets ([`check`],
//! [`seeds`], [`TARGETS`]) and, in `src/alloc_cap.rs`, the allocation cap.

mod alloc_cap;
mod codec;
mod trace;

pub use alloc_cap::{CappedAlloc, DEFAULT_ALLOC_CAP_MB, init};
pub use codec::{Decoded, Placed, RecordBits, check_codec, codec_seeds};
pub use trace::{TraceControl, TraceOutcome, check_trace, trace_seeds};

/// Runs the check of fuzz target `target` on `data` (the rkyv codec reads
/// in place with alignment checks: `None` at an odd address is right).
pub fn check(target: &str, data: &[u8]) {
    match target {
        "trace" => check_trace(data),
        "codec_bytemuck" => check_codec::<abi_bytemuck::BytemuckCodec>(data, false),
        "codec_bincode" => check_codec::<abi_bincode::BincodeCodec>(data, false),
        "codec_protobuf" => check_codec::<abi_protobuf::ProtobufCodec>(data, false),
        "codec_postcard" => check_codec::<abi_postcard::PostcardCodec>(data, false),
        "codec_rkyv" => check_codec::<abi_rkyv::RkyvCodec>(data, true),
        other => panic!("no fuzz target {other}"),
    }
}

/// Seeds for target `target` (see [`codec_seeds`] and [`trace_seeds`]).
pub fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    match target {
        "trace" => trace_seeds(),
        "codec_bytemuck" => codec_seeds::<abi_bytemuck::BytemuckCodec>(),
        "codec_bincode" => codec_seeds::<abi_bincode::BincodeCodec>(),
        "codec_protobuf" => codec_seeds::<abi_protobuf::ProtobufCodec>(),
        "codec_postcard" => codec_seeds::<abi_postcard::PostcardCodec>(),
        "codec_rkyv" => codec_seeds::<abi_rkyv::RkyvCodec>(),
        other => panic!("no fuzz target {other}"),
    }
}

/// Every fuzz target, in the order `run.sh` runs them.
pub const TARGETS: [&str; 6] = [
    "trace",
    "codec_bytemuck",
    "codec_bincode",
    "codec_protobuf",
    "codec_postcard",
    "codec_rkyv",
];
