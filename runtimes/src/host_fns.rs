//! Host functions a guest may import: calls the other way, from the guest
//! into the host, as plugin systems make them.
//!
//! [`Engine::instantiate_with_host`](crate::Engine::instantiate_with_host)
//! links module [`MODULE`]'s two functions, each counted by the host per
//! instance ([`Instance::host_calls`](crate::Instance::host_calls)):
//!
//! | import | signature | the host |
//! |---|---|---|
//! | `abilab.host_add` | `(a: i32, b: i32) -> i32` | returns [`HostFunctions::add`]`(a, b)`: scalars only |
//! | `abilab.host_digest` | `(ptr: i32, len: i32) -> i64` | reads `len` bytes at `ptr` of the guest's exported `memory` (bounds-checked; outside it is a trap) and returns their [`HostFunctions::digest`] |
//!
//! What the two compute is the caller's: a scenario hands its own
//! definitions in as a [`HostFunctions`] type, so this crate links host
//! functions without depending on any scenario.

/// The import module name.
pub const MODULE: &str = "abilab";
/// The scalar host function.
pub const ADD: &str = "host_add";
/// The byte-slice host function.
pub const DIGEST: &str = "host_digest";

/// What `host_add` and `host_digest` compute, handed in by the caller
/// (the hostcall scenario gives the definitions its guests and native
/// baseline use too). Static functions of a type, not values: each
/// backend's host function is monomorphic, so a host call costs what it
/// would with the body written in place.
pub trait HostFunctions: 'static {
    /// `host_add(a, b)`.
    fn add(a: i32, b: i32) -> i32;
    /// `host_digest` of the bytes the guest points at.
    fn digest(bytes: &[u8]) -> i64;
}

/// `host_digest` on a guest memory: `H`'s digest of `len` bytes at `ptr`,
/// or, outside the memory, the message of the trap it raises. Every
/// backend's `host_digest` is this call on its memory's bytes.
#[inline]
pub fn digest_guest<H: HostFunctions>(memory: &[u8], ptr: i32, len: i32) -> Result<i64, String> {
    let start = ptr as u32 as usize;
    match start.checked_add(len as u32 as usize) {
        Some(end) if end <= memory.len() => Ok(H::digest(&memory[start..end])),
        _ => Err(out_of_bounds(ptr, len, memory.len())),
    }
}

#[cold]
fn out_of_bounds(ptr: i32, len: i32, size: usize) -> String {
    format!(
        "host_digest: {} bytes at guest address {} fall outside the guest's {size}-byte memory",
        len as u32, ptr as u32
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::TestHost;

    #[test]
    fn digests_and_ranges() {
        let memory = *b"....abcd";
        assert_eq!(
            digest_guest::<TestHost>(&memory, 4, 4),
            Ok(TestHost::digest(b"abcd"))
        );
        assert!(
            digest_guest::<TestHost>(&memory, 5, 4)
                .unwrap_err()
                .contains("fall outside")
        );
        assert!(digest_guest::<TestHost>(&memory, -1, 2).is_err());
    }
}
