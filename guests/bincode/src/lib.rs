//! The Bincode ABI's guest module (built to wasm by `guests/artifacts`).

abi_bincode::export_guest!();
