//! Kebab-case identifiers for the values of an axis, and the runtime axis.

/// Declares a fieldless enum whose variants each have one kebab-case id,
/// used alike on the command line, in result files and in test names.
///
/// Generates `ALL`, `id()`, `Display`, `FromStr` (whose error lists the valid
/// ids) and serde-free string round trips. Every axis of the matrix uses it,
/// so `all` can expand to every value in one place.
#[macro_export]
macro_rules! id_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $id:expr, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value of this axis, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The kebab-case id of this value.
            pub fn id(self) -> &'static str {
                match self { $($name::$variant => $id,)+ }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.id())
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = $crate::UnknownId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.id() == s)
                    .ok_or_else(|| $crate::UnknownId {
                        what: $what,
                        given: s.to_string(),
                        valid: $name::ALL.iter().map(|v| v.id()).collect(),
                    })
            }
        }
    };
}

/// A string that names no value of an axis.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{given}` (expected one of: {})", valid.join(", "))]
pub struct UnknownId {
    /// The axis, e.g. "runtime".
    pub what: &'static str,
    /// What the user typed.
    pub given: String,
    /// Every valid id.
    pub valid: Vec<&'static str>,
}

id_enum! {
    /// A WebAssembly runtime and compiler backend: one value of the runtime axis.
    ///
    /// Every id exists in every build; whether it can run depends on the cargo
    /// features the binary was built with ([`RuntimeId::compiled_in`]), so a
    /// matrix over a missing backend reports `unsupported` instead of failing.
    pub enum RuntimeId ("runtime") {
        /// Wasmer with Cranelift: the paper's setup and the default.
        WasmerCranelift = "wasmer-cranelift",
        /// Wasmer with Singlepass.
        WasmerSinglepass = "wasmer-singlepass",
        /// Wasmer with LLVM.
        WasmerLlvm = "wasmer-llvm",
        /// Wasmtime (Cranelift).
        Wasmtime = "wasmtime",
    }
}

impl RuntimeId {
    /// Whether this binary was built with the backend's cargo feature.
    pub fn compiled_in(self) -> bool {
        match self {
            RuntimeId::WasmerCranelift => cfg!(feature = "wasmer-cranelift"),
            RuntimeId::WasmerSinglepass => cfg!(feature = "wasmer-singlepass"),
            RuntimeId::WasmerLlvm => cfg!(feature = "wasmer-llvm"),
            RuntimeId::Wasmtime => cfg!(feature = "wasmtime"),
        }
    }

    /// Whether the backend can host component-model components (the WIT ABI).
    pub fn hosts_components(self) -> bool {
        matches!(self, RuntimeId::Wasmtime)
    }

    /// The runtime crate and its compiler, for tables and documentation.
    pub fn describe(self) -> &'static str {
        match self {
            RuntimeId::WasmerCranelift => "Wasmer, Cranelift compiler",
            RuntimeId::WasmerSinglepass => "Wasmer, Singlepass compiler",
            RuntimeId::WasmerLlvm => "Wasmer, LLVM compiler",
            RuntimeId::Wasmtime => "Wasmtime (Cranelift)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_errors_list_choices() {
        for &r in RuntimeId::ALL {
            assert_eq!(r.id().parse::<RuntimeId>().unwrap(), r);
        }
        let err = "wasmer".parse::<RuntimeId>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown runtime `wasmer` (expected one of: wasmer-cranelift, \
             wasmer-singlepass, wasmer-llvm, wasmtime)"
        );
    }

    #[test]
    fn default_backend_is_compiled_in() {
        assert_eq!(
            RuntimeId::WasmerCranelift.compiled_in(),
            cfg!(feature = "wasmer-cranelift")
        );
    }
}
