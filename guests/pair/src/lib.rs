//! The Pair ABI's guest module (built to wasm by `guests/artifacts`).

abi_pair::export_guest!();
