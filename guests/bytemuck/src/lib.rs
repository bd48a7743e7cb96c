//! The Bytemuck ABI's guest module (built to wasm by `guests/artifacts`).

abi_bytemuck::export_guest!();
