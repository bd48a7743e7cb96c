//! Extism as a peer of abilab's ABIs: what the tool most plugin authors
//! would reach for instead of a hand-rolled ABI, measured on the same work,
//! in the same run, beside them.
//!
//! ```text
//!   host (extism::Plugin, its own Wasmtime 43)        guest (guests/extism, Extism's PDK)
//!   plugin.call("micro_mul_i32", 8 bytes) ──▶ input copied into the kernel's memory
//!                                              export reads it back, 8 bytes per kernel call
//!                                              output written to the kernel, 8 bytes per call
//!            ◀── output slice read from the kernel's memory
//! ```
//! Who allocates: Extism's kernel (a second wasm module in the same
//! store), for input and output alike. Who writes: the host SDK for the
//! input, the guest through the kernel's imports for the output.
//!
//! Extism is not an ABI abilab's engines can host: its SDK embeds its own
//! Wasmtime (43, with Cranelift, for extism 1.30: the newest Extism whose
//! Wasmtime builds with rustc 1.95) and builds its own engine. Its cells
//! therefore exist in the `wasmtime` rows only (the same compiler, an older
//! Wasmtime: compare with that in mind) and are `unsupported` elsewhere.
//! The `caching` and `call` factors do not apply: `Plugin::call` looks the
//! export up by name and calls it through a value array on every call,
//! whatever the host wants, so Extism has cells only at `caching=cached`
//! and `call=typed` (the other `call` value is `unsupported`), and those
//! costs are in its figures. `limits=on` maps to Extism's own manifest
//! limits (`memory.max_pages`, `timeout_ms`); the module cache Wasmtime's
//! `cache` feature brings is turned off (`with_cache_disabled`), so
//! nothing is read from or written to disk.
//!
//! Built only with the `host` feature (harness feature `extism`): a
//! second Wasmtime is a second long build, kept out of the default one.

use abi_api::{
    Abi, Caching, Engine, ErrorKind, Linkage, MicroVisitor, PayloadVisitor, Result, Workload,
};

#[cfg(feature = "host")]
mod host;

/// The Extism peer, as registered with the harness.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extism;

impl Abi for Extism {
    const ID: &'static str = "extism";
    const ABOUT: &'static str = "Extism 1.30 (its own Wasmtime 43; Rust PDK guest): the plugin \
        framework as a peer row, in wasmtime rows only";
    const WORKLOADS: &'static [Workload] = &[Workload::Micro, Workload::Payload];
    const BUILT: std::result::Result<(), &'static str> = if cfg!(feature = "host") {
        Ok(())
    } else {
        Err("build the harness with --features extism")
    };
    type Factors = ();

    /// `Plugin::call` resolves the export by name on every call: no
    /// `uncached` variant exists to compare with.
    fn applies(caching: Caching, _: &()) -> bool {
        caching == Caching::Cached
    }

    fn micro<E: Engine, L: Linkage, V: MicroVisitor>(
        engine: E,
        _: (),
        visitor: V,
    ) -> Result<V::Output> {
        #[cfg(feature = "host")]
        return host::micro::<E, L, V>(&engine, visitor);
        #[cfg(not(feature = "host"))]
        {
            let _ = (engine, visitor);
            Err(not_built())
        }
    }

    fn payload<E: Engine, L: Linkage, V: PayloadVisitor>(
        engine: E,
        _: (),
        visitor: V,
    ) -> Result<V::Output> {
        #[cfg(feature = "host")]
        return host::payload::<E, L, V>(&engine, visitor);
        #[cfg(not(feature = "host"))]
        {
            let _ = (engine, visitor);
            Err(not_built())
        }
    }
}

/// The error of an Extism cell in a harness built without it.
#[cfg(not(feature = "host"))]
#[cold]
fn not_built() -> abi_api::Error {
    ErrorKind::Unsupported("this harness was built without Extism (--features extism)".into())
        .into()
}

/// The error of an Extism cell on a runtime other than Wasmtime.
#[cold]
#[cfg_attr(not(feature = "host"), allow(dead_code))]
fn wasmtime_only(runtime: abi_api::RuntimeId) -> abi_api::Error {
    ErrorKind::Unsupported(format!(
        "Extism embeds its own Wasmtime: its cells are in the wasmtime rows, not {runtime}"
    ))
    .into()
}
