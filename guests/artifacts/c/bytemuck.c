/* The Bytemuck ABI's micro guest in C: the operands travel through linear
 * memory as `#[repr(C)]` structs, eight bytes of two little-endian
 * values, in the static buffer (memory=static) or in a block the host
 * asked for (memory=dynamic).
 *
 * Freestanding (no libc): built by guests/artifacts/build.rs with
 * clang --target=wasm32-unknown-unknown -nostdlib. The contract is
 * docs/guest-contract.md, sections 6 and 7.1. */

#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* The static input buffer: 64 KiB, 8-aligned, like the Rust guest's. */
#define BUFFER_CAP 65536u
static _Alignas(8) uint8_t buffer[BUFFER_CAP];

/* One scratch block for `abi_alloc`: the host holds at most one block at
 * a time, so every request may be answered with the same region. It
 * starts at the heap base and grows the memory when a request needs it. */
extern uint8_t __heap_base;

EXPORT("abi_buffer") uint64_t abi_buffer(void) {
    return (uint64_t)BUFFER_CAP << 32 | (uint32_t)(uintptr_t)buffer;
}

EXPORT("abi_alloc") uint8_t *abi_alloc(uint32_t len) {
    uintptr_t start = ((uintptr_t)&__heap_base + 7u) & ~(uintptr_t)7u;
    uint64_t end = (uint64_t)start + len;
    uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) * 65536u;
    if (end > have) {
        uint64_t pages = (end - have + 65535u) / 65536u;
        if (__builtin_wasm_memory_grow(0, (uintptr_t)pages) == (uintptr_t)-1) {
            __builtin_trap();
        }
    }
    return (uint8_t *)start;
}

/* Reads a little-endian word at any alignment (wasm is little-endian). */
static uint32_t load32(const uint8_t *p) {
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

EXPORT("micro_mul_i32") int32_t micro_mul_i32(const uint8_t *p, uint32_t len) {
    if (len != 8) {
        __builtin_trap();
    }
    return (int32_t)(load32(p) * load32(p + 4));
}

EXPORT("micro_mul_f32") float micro_mul_f32(const uint8_t *p, uint32_t len) {
    if (len != 8) {
        __builtin_trap();
    }
    float a, b;
    __builtin_memcpy(&a, p, 4);
    __builtin_memcpy(&b, p + 4, 4);
    return a * b;
}
