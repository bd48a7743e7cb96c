//! The Protobuf ABI's guest module (built to wasm by `guests/artifacts`).

abi_protobuf::export_guest!();
