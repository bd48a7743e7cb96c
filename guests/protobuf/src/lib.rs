//! The Protobuf ABI's guest module (built to wasm by `guests/artifacts`):
//! the shared memory protocol's exports over the Protobuf codec.

abi_api::export_codec_guest!(abi_protobuf::ProtobufCodec);
