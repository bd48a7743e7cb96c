//! The backends: one registration line each, and the one place a runtime
//! id becomes a concrete engine type.
//!
//! Adding a runtime is its backend file here, its cargo feature, and one
//! line in the `backends!` call below (see docs/adding-a-runtime.md).

#[cfg(any(feature = "wasmer", feature = "wasmi", feature = "wasmtime"))]
mod signature;
#[cfg(feature = "wasmer")]
pub mod wasmer;
#[cfg(feature = "wasmi")]
pub mod wasmi;
#[cfg(feature = "wasmtime")]
pub mod wasmtime;

use crate::{Engine, EngineConfig, Result};

/// Code to run once per backend with its concrete engine type.
///
/// Rust has no generic closures; this trait is one. The harness builds its
/// cells inside [`visit`], so everything after the choice of runtime is
/// monomorphic.
pub trait EngineVisitor {
    /// What the visit produces.
    type Output;
    /// Called with a freshly created engine of the chosen backend.
    fn visit<E: Engine>(self, engine: E) -> Self::Output;
}

/// Expands the registration lines into [`RuntimeId`], [`visit`] and
/// `for_each_runtime!`. `$d` is a `$` token, for the generated macro's own
/// variables.
macro_rules! backends {
    (
        ($d:tt)
        $(
            $(#[doc = $doc:literal])*
            $snake:ident: $variant:ident = $id:literal, feature $feature:literal,
                $about:literal => $engine:path;
        )+
    ) => {
        factor::factor_enum! {
            /// A WebAssembly runtime and compiler backend: one value of the
            /// runtime axis.
            ///
            /// Every id exists in every build; whether it can run depends on
            /// the cargo features the binary was built with
            /// ([`RuntimeId::compiled_in`]), so a matrix over a missing
            /// backend reports `unsupported` instead of failing.
            pub enum RuntimeId ("runtime", "the WebAssembly runtime and its compiler") {
                $( $(#[doc = $doc])* $variant = $id, )+
            }
        }

        impl RuntimeId {
            /// Whether this binary was built with the backend's cargo feature.
            pub fn compiled_in(self) -> bool {
                match self {
                    $( RuntimeId::$variant => cfg!(feature = $feature), )+
                }
            }

            /// The cargo feature that compiles it in.
            pub fn feature(self) -> &'static str {
                match self {
                    $( RuntimeId::$variant => $feature, )+
                }
            }

            /// Whether it loads components (the WIT ABI): the runtimes whose
            /// family extends `component::ComponentEngine` (Wasmtime's).
            pub fn hosts_components(self) -> bool {
                matches!(
                    self,
                    RuntimeId::Wasmtime | RuntimeId::WasmtimeWinch | RuntimeId::WasmtimePulley
                )
            }

            /// The runtime crate and its compiler, for tables and documentation.
            pub fn describe(self) -> &'static str {
                match self {
                    $( RuntimeId::$variant => $about, )+
                }
            }
        }

        /// Creates the engine for `id`, configured by `config`, and hands it
        /// to `visitor`.
        ///
        /// Fails with [`ErrorKind`]`::NotCompiled` when the backend's feature
        /// is off, and with `ErrorKind::Engine` if the engine cannot be
        /// created.
        pub fn visit<V: EngineVisitor>(
            id: RuntimeId,
            config: EngineConfig,
            visitor: V,
        ) -> Result<V::Output> {
            let _ = config;
            match id {
                $(
                    RuntimeId::$variant => {
                        #[cfg(feature = $feature)]
                        return Ok(visitor.visit($engine(RuntimeId::$variant, config)?));
                        #[cfg(not(feature = $feature))]
                        {
                            let _ = visitor;
                            Err(crate::Error::from(crate::ErrorKind::NotCompiled(id)))
                        }
                    }
                )+
            }
        }

        /// Calls `$m! { (snake_name, Variant) ... }` with every runtime, so
        /// tests can generate one test per runtime whose name names it.
        #[macro_export]
        macro_rules! for_each_runtime {
            ($d m:ident) => {
                $d m! { $( ($snake, $variant) )+ }
            };
        }
    };
}

backends! {
    ($)
    /// Wasmer with Cranelift: the paper's setup and the default.
    wasmer_cranelift: WasmerCranelift = "wasmer-cranelift", feature "wasmer-cranelift",
        "Wasmer, Cranelift compiler" => wasmer::WasmerEngine::new;
    /// Wasmer with Singlepass.
    wasmer_singlepass: WasmerSinglepass = "wasmer-singlepass", feature "wasmer-singlepass",
        "Wasmer, Singlepass compiler" => wasmer::WasmerEngine::new;
    /// Wasmer with LLVM.
    wasmer_llvm: WasmerLlvm = "wasmer-llvm", feature "wasmer-llvm",
        "Wasmer, LLVM compiler" => wasmer::WasmerEngine::new;
    /// Wasmtime (Cranelift).
    wasmtime: Wasmtime = "wasmtime", feature "wasmtime",
        "Wasmtime (Cranelift)" => wasmtime::WasmtimeEngine::new;
    /// Wasmtime with Winch, its baseline compiler: fast to compile, slower code.
    wasmtime_winch: WasmtimeWinch = "wasmtime-winch", feature "wasmtime-winch",
        "Wasmtime, Winch baseline compiler" => wasmtime::WasmtimeEngine::new;
    /// Wasmtime's Pulley interpreter: portable, no native code generated.
    wasmtime_pulley: WasmtimePulley = "wasmtime-pulley", feature "wasmtime-pulley",
        "Wasmtime, Pulley interpreter" => wasmtime::WasmtimeEngine::new;
    /// wasmi, an interpreter for hosts that cannot JIT.
    wasmi: Wasmi = "wasmi", feature "wasmi",
        "wasmi (interpreter)" => wasmi::WasmiEngine::new;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_errors_list_choices() {
        for &r in RuntimeId::ALL {
            assert_eq!(r.id().parse::<RuntimeId>().unwrap(), r);
            assert_eq!(r.feature(), r.id(), "a runtime's feature is named after it");
        }
        // The list comes from the registry, so a new runtime needs no edit
        // here (a hard-coded list was the one test the throwaway Winch
        // runtime had to touch).
        let err = "wasmer".parse::<RuntimeId>().unwrap_err().to_string();
        let ids: Vec<&str> = RuntimeId::ALL.iter().map(|r| r.id()).collect();
        assert_eq!(
            err,
            format!(
                "unknown runtime `wasmer` (expected one of: {})",
                ids.join(", ")
            )
        );
        assert!(err.contains("wasmer-cranelift, wasmer-singlepass"));
    }

    #[test]
    fn default_backend_is_compiled_in() {
        assert_eq!(
            RuntimeId::WasmerCranelift.compiled_in(),
            cfg!(feature = "wasmer-cranelift")
        );
    }

    #[test]
    fn for_each_runtime_lists_every_runtime_in_order() {
        macro_rules! collect {
            ($( ($snake:ident, $variant:ident) )+) => {
                [$( (stringify!($snake), RuntimeId::$variant) ),+]
            };
        }
        let listed = for_each_runtime!(collect);
        assert_eq!(listed.len(), RuntimeId::ALL.len());
        for ((snake, r), want) in listed.iter().zip(RuntimeId::ALL) {
            assert_eq!(r, want);
            assert_eq!(snake.replace('_', "-"), r.id());
        }
    }
}
