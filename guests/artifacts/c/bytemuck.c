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

/* The heap starts here: `abi_alloc`'s scratch block, then replies. */
extern uint8_t __heap_base;

EXPORT("abi_buffer") uint64_t abi_buffer(void) {
    return (uint64_t)BUFFER_CAP << 32 | (uint32_t)(uintptr_t)buffer;
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

/* ---- The payload scenario (docs/guest-contract.md, section 4 for the
 * work, 6 for the exports, 7.1 for the bytes). Bytemuck carries records,
 * text and lists; the three nested exports must exist and trap. */

/* Where replies go: after the last input block, so a round trip never
 * writes over what it reads. The host reads a reply before its next call
 * into the guest, and `abi_alloc` is such a call, so one region serves
 * every reply. */
static uintptr_t input_end;

static uintptr_t heap_start(void) {
    return ((uintptr_t)&__heap_base + 7u) & ~(uintptr_t)7u;
}

/* Makes `start..start+len` addressable, growing the memory if needed. */
static uint8_t *reserve(uintptr_t start, uint64_t len) {
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

static uint8_t *reply_block(uint64_t len) {
    uintptr_t start = input_end > heap_start() ? input_end : heap_start();
    return reserve((start + 7u) & ~(uintptr_t)7u, len);
}

/* One scratch block for `abi_alloc`: the host holds at most one block at
 * a time, so every request may be answered with the same region, at the
 * heap base, grown when a request needs it. */
EXPORT("abi_alloc") uint8_t *abi_alloc(uint32_t len) {
    uintptr_t start = heap_start();
    input_end = start + len;
    return reserve(start, len);
}

static int64_t pack(const uint8_t *p, uint32_t len) {
    return (int64_t)((uint64_t)len << 32 | (uint32_t)(uintptr_t)p);
}

static uint64_t load64(const uint8_t *p) {
    uint64_t v;
    __builtin_memcpy(&v, p, 8);
    return v;
}

static void store64(uint8_t *p, uint64_t v) { __builtin_memcpy(p, &v, 8); }
static void store32(uint8_t *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }

/* SplitMix64, the generator every side draws its data from. */
typedef struct { uint64_t s; } Mix;

static uint64_t mix_next(Mix *m) {
    m->s += 0x9E3779B97F4A7C15ull;
    uint64_t z = m->s;
    z = (z ^ z >> 30) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ z >> 27) * 0x94D049BB133111EBull;
    return z ^ z >> 31;
}

/* The digest: FxHash's rotate-xor-multiply, a word at a time. */
#define DIGEST_SEED 0x243F6A8885A308D3ull

static uint64_t word(uint64_t h, uint64_t x) {
    return ((h << 5 | h >> 59) ^ x) * 0x517CC1B727220A95ull;
}

static uint64_t digest_bytes(uint64_t h, const uint8_t *b, uint32_t len) {
    uint32_t i = 0;
    for (; i + 8 <= len; i += 8) {
        h = word(h, load64(b + i));
    }
    if (i < len) {
        uint8_t last[8] = {0};
        __builtin_memcpy(last, b + i, len - i);
        h = word(h, load64(last));
    }
    return word(h, len);
}

static uint64_t digest_u32s(const uint8_t *p, uint32_t n) {
    uint64_t h = DIGEST_SEED;
    uint32_t i = 0;
    for (; i + 2 <= n; i += 2) {
        h = word(h, load64(p + 4 * i));
    }
    if (i < n) {
        h = word(h, load32(p + 4 * i));
    }
    return word(h, n);
}

/* A record as Bytemuck's `RecordPod`: 32 bytes, little-endian. */
typedef struct {
    uint64_t id;
    double x, y;
    uint32_t count;
    uint16_t port;
    uint8_t flags;
} Record;

static Record read_record(const uint8_t *p, uint32_t len) {
    if (len != 32) {
        __builtin_trap();
    }
    Record r;
    r.id = load64(p);
    __builtin_memcpy(&r.x, p + 8, 8);
    __builtin_memcpy(&r.y, p + 16, 8);
    r.count = load32(p + 24);
    __builtin_memcpy(&r.port, p + 28, 2);
    r.flags = p[30];
    return r;
}

static int64_t reply_record(Record r) {
    uint8_t *out = reply_block(32);
    store64(out, r.id);
    __builtin_memcpy(out + 8, &r.x, 8);
    __builtin_memcpy(out + 16, &r.y, 8);
    store32(out + 24, r.count);
    __builtin_memcpy(out + 28, &r.port, 2);
    out[30] = r.flags;
    out[31] = 0;
    return pack(out, 32);
}

EXPORT("payload_record_in") int64_t payload_record_in(const uint8_t *p, uint32_t len) {
    Record r = read_record(p, len);
    uint64_t x, y;
    __builtin_memcpy(&x, &r.x, 8);
    __builtin_memcpy(&y, &r.y, 8);
    uint64_t h = DIGEST_SEED;
    h = word(h, r.id);
    h = word(h, x);
    h = word(h, y);
    h = word(h, r.count);
    h = word(h, r.port);
    h = word(h, r.flags);
    return (int64_t)h;
}

EXPORT("payload_record_out") int64_t payload_record_out(uint64_t seed) {
    Mix m = {seed};
    Record r;
    r.id = mix_next(&m);
    r.x = (double)(int64_t)mix_next(&m) / 1e6;
    if (seed % 7 == 3) {
        r.y = -0.0;
    } else {
        uint64_t bits = mix_next(&m) >> 2;
        __builtin_memcpy(&r.y, &bits, 8);
    }
    r.count = (uint32_t)mix_next(&m);
    r.port = (uint16_t)mix_next(&m);
    r.flags = (uint8_t)mix_next(&m);
    return reply_record(r);
}

EXPORT("payload_record_roundtrip") int64_t payload_record_roundtrip(const uint8_t *p, uint32_t len) {
    Record r = read_record(p, len);
    r.id += 1;
    r.x = -r.x;
    r.y = r.y * 2.0;
    r.count = r.count << 7 | r.count >> 25;
    r.port ^= 0x00FF;
    r.flags = (uint8_t)~r.flags;
    return reply_record(r);
}

EXPORT("payload_string_in") int64_t payload_string_in(const uint8_t *p, uint32_t len) {
    return (int64_t)digest_bytes(DIGEST_SEED, p, len);
}

/* The generator's words, as UTF-8 bytes ("données" in octal: a hex
 * escape would swallow the "e" after it). */
typedef struct {
    const char *bytes;
    uint32_t len;
} Word;
#define WORD(s) {s, sizeof(s) - 1}
static const Word WORDS[12] = {
    WORD("cache "), WORD("proxy "), WORD("wasm "), WORD("guest "),
    WORD("h\xc3\xb4te "), WORD("na\xc3\xafve "), WORD("fetch "), WORD("\xe2\x82\xac "),
    WORD("sandbox "), WORD("donn\303\251es "), WORD("call "), WORD("ABI "),
};

EXPORT("payload_string_out") int64_t payload_string_out(uint64_t seed, uint32_t len) {
    uint8_t *out = reply_block(len);
    Mix m = {seed};
    uint32_t n = 0;
    while (n < len) {
        Word w = WORDS[mix_next(&m) % 12];
        if ((uint64_t)n + w.len <= len) {
            __builtin_memcpy(out + n, w.bytes, w.len);
            n += w.len;
        } else {
            while (n < len) {
                out[n++] = '.';
            }
        }
    }
    return pack(out, len);
}

EXPORT("payload_string_roundtrip") int64_t payload_string_roundtrip(const uint8_t *p, uint32_t len) {
    uint8_t *out = reply_block(len);
    for (uint32_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        out[i] = (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c;
    }
    return pack(out, len);
}

EXPORT("payload_list_in") int64_t payload_list_in(const uint8_t *p, uint32_t len) {
    if (len % 4 != 0) {
        __builtin_trap();
    }
    return (int64_t)digest_u32s(p, len / 4);
}

EXPORT("payload_list_out") int64_t payload_list_out(uint64_t seed, uint32_t n) {
    if (n > UINT32_MAX / 4) {
        __builtin_trap();
    }
    uint8_t *out = reply_block((uint64_t)n * 4);
    Mix m = {seed};
    for (uint32_t i = 0; i < n; i++) {
        store32(out + 4 * i, (uint32_t)mix_next(&m));
    }
    return pack(out, n * 4);
}

EXPORT("payload_list_roundtrip") int64_t payload_list_roundtrip(const uint8_t *p, uint32_t len) {
    if (len % 4 != 0) {
        __builtin_trap();
    }
    uint8_t *out = reply_block(len);
    for (uint32_t i = 0; i < len; i += 4) {
        store32(out + i, load32(p + i) * 3u + 1u);
    }
    return pack(out, len);
}

/* Bytemuck carries no nested message: the host never calls these, but
 * resolves them at open. */
EXPORT("payload_nested_in") int64_t payload_nested_in(const uint8_t *p, uint32_t len) {
    (void)p;
    (void)len;
    __builtin_trap();
}

EXPORT("payload_nested_out") int64_t payload_nested_out(uint64_t seed, uint32_t body_len) {
    (void)seed;
    (void)body_len;
    __builtin_trap();
}

EXPORT("payload_nested_roundtrip") int64_t payload_nested_roundtrip(const uint8_t *p, uint32_t len) {
    (void)p;
    (void)len;
    __builtin_trap();
}
