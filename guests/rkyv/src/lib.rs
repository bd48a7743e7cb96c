//! The rkyv ABI's guest module (built to wasm by `guests/artifacts`): the
//! shared memory protocol's exports over the rkyv codec.

abi_api::export_codec_guest!(abi_rkyv::RkyvCodec);
