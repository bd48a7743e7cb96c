//! Host functions a guest may import: calls the other way, from the guest
//! into the host, as plugin systems make them.
//!
//! [`Engine::instantiate_with_host`](crate::Engine::instantiate_with_host)
//! links module [`MODULE`]'s two functions, each counted by the host per
//! instance ([`Instance::host_calls`](crate::Instance::host_calls)):
//!
//! | import | signature | the host |
//! |---|---|---|
//! | `abilab.host_add` | `(a: i32, b: i32) -> i32` | returns [`add`]`(a, b)`: scalars only |
//! | `abilab.host_digest` | `(ptr: i32, len: i32) -> i64` | reads `len` bytes at `ptr` of the guest's exported `memory` (bounds-checked; outside it is a trap) and returns their [`digest`] |

/// The import module name.
pub const MODULE: &str = "abilab";
/// The scalar host function.
pub const ADD: &str = "host_add";
/// The byte-slice host function.
pub const DIGEST: &str = "host_digest";

/// What `host_add` computes: a wrapping sum.
#[inline(always)]
pub fn add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

/// What `host_digest` computes: FNV-1a (64-bit) of the bytes, so every
/// byte is read.
#[inline]
pub fn digest(bytes: &[u8]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

/// `host_digest` on a guest memory: the digest of `len` bytes at `ptr`,
/// or, outside the memory, the message of the trap it raises. Every
/// backend's `host_digest` is this call on its memory's bytes.
#[inline]
pub fn digest_guest(memory: &[u8], ptr: i32, len: i32) -> Result<i64, String> {
    let start = ptr as u32 as usize;
    match start.checked_add(len as u32 as usize) {
        Some(end) if end <= memory.len() => Ok(digest(&memory[start..end])),
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

    #[test]
    fn digests_and_ranges() {
        // FNV-1a 64 of "a".
        assert_eq!(digest(b"a") as u64, 0xaf63_dc4c_8601_ec8c);
        assert_eq!(add(i32::MAX, 1), i32::MIN);
        let memory = *b"....abcd";
        assert_eq!(digest_guest(&memory, 4, 4), Ok(digest(b"abcd")));
        assert!(
            digest_guest(&memory, 5, 4)
                .unwrap_err()
                .contains("fall outside")
        );
        assert!(digest_guest(&memory, -1, 2).is_err());
    }
}
