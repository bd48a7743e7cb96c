//! The guest modules, compiled from `guests/*` during the ordinary build and
//! embedded in the binary (see `build.rs` and `guests/README.md`).
//!
//! No `.wasm` file is checked in: a fresh checkout builds them, and the
//! build stops with the one command to run if a wasm target is missing.

include!(concat!(env!("OUT_DIR"), "/guests.rs"));

/// The guest whose short name (crate name without `guest-`) is `name`.
pub fn guest(name: &str) -> Option<&'static [u8]> {
    ALL.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

/// ABI `abi`'s guest built as `variant` says (`guest-os`, `guest-simd128`),
/// if that variant is built for it.
pub fn variant(abi: &str, variant: &str) -> Option<&'static [u8]> {
    VARIANTS
        .iter()
        .find(|(a, v, _)| *a == abi && *v == variant)
        .map(|(_, _, b)| *b)
}

/// The C guest of ABI `abi` (`c/<abi>.c`), if there is one.
pub fn c_guest(abi: &str) -> Option<&'static [u8]> {
    C.iter().find(|(n, _)| *n == abi).map(|(_, b)| *b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guest_is_a_wasm_binary() {
        assert!(!ALL.is_empty());
        for (name, bytes) in ALL {
            assert_eq!(&bytes[..4], b"\0asm", "{name}");
            assert_eq!(guest(name), Some(*bytes));
        }
        assert_eq!(guest("nope"), None);
        for (abi, bytes) in C {
            assert_eq!(&bytes[..4], b"\0asm", "c/{abi}.c");
            assert!(guest(abi).is_some(), "c/{abi}.c is named after an ABI");
        }
        assert!(c_guest("pair").is_some() && c_guest("bytemuck").is_some());
        for (abi, name, bytes) in VARIANTS {
            assert_eq!(&bytes[..4], b"\0asm", "{abi} {name}");
            assert_ne!(Some(*bytes), guest(abi), "{abi} {name} is another build");
            assert_eq!(variant(abi, name), Some(*bytes));
        }
        assert!(
            variant("pair", "guest-os").is_some() && variant("pair", "guest-simd128").is_some()
        );
    }
}
