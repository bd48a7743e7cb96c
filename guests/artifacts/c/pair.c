/* The Pair ABI's micro guest in C: the operands travel as wasm scalars.
 *
 * Freestanding (no libc): built by guests/artifacts/build.rs with
 * clang --target=wasm32-unknown-unknown -nostdlib. The contract is
 * docs/guest-contract.md, section 5. */

#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* Wrapping multiply, as Rust's `wrapping_mul` (signed overflow is
 * undefined in C; unsigned is not). */
EXPORT("micro_mul_i32") int32_t micro_mul_i32(int32_t a, int32_t b) {
    return (int32_t)((uint32_t)a * (uint32_t)b);
}

EXPORT("micro_mul_f32") float micro_mul_f32(float a, float b) {
    return a * b;
}
