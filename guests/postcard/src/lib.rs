//! The Postcard ABI's guest module (built to wasm by `guests/artifacts`):
//! the shared memory protocol's exports over the Postcard codec.

abi_api::export_codec_guest!(abi_postcard::PostcardCodec);
