//! The anatomy of a call: where a counted replicate's instructions went,
//! from the per-function costs of its Callgrind dump.
//!
//! Each function's *self* cost (its own instructions, not those of what
//! it calls) goes to one [`Part`], decided by its object and its
//! (demangled) name: code Valgrind finds in no file is the guest's code as
//! the runtime compiled it (JIT code: Wasmtime, Wasmer; wasmi has none, its
//! interpreter *is* the runtime); the runtimes' crates are the runtime's
//! entry, exit and support; the ABI crates and their codecs are the host
//! half of the ABI; the harness's loop and the scenario crates are the
//! harness; the C library is its own part (`memcpy`, `memmove`: whoever
//! called them), as are Rust's `core`/`alloc`/`std` (idem).

use std::collections::HashMap;

/// Where an instruction was spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// Code in no file: the guest compiled by the runtime (and its
    /// allocator, and the runtime's trampolines, which it also emits).
    Guest,
    /// The runtime's own crates (entry, exit, traps, stores, wasmi's
    /// interpreter).
    Runtime,
    /// The host half of the ABI: `abi_*` crates and their codecs.
    Abi,
    /// The harness's timed loop and the scenario crates.
    Harness,
    /// Rust's `core`, `alloc` and `std`, called by any of the above.
    Std,
    /// The C library and the dynamic loader (`memcpy`...), likewise.
    Libc,
    /// Anything else.
    Other,
}

impl Part {
    /// Every part, in the order tables show them.
    pub const ALL: [Part; 7] = [
        Part::Guest,
        Part::Runtime,
        Part::Abi,
        Part::Harness,
        Part::Std,
        Part::Libc,
        Part::Other,
    ];

    /// The id rows and tables use.
    pub fn id(self) -> &'static str {
        match self {
            Part::Guest => "guest-code",
            Part::Runtime => "runtime",
            Part::Abi => "host-abi",
            Part::Harness => "harness",
            Part::Std => "rust-std",
            Part::Libc => "libc",
            Part::Other => "other",
        }
    }

    /// The part of a function named `name` in object `object`.
    pub fn of(object: &str, name: &str) -> Part {
        const RUNTIME: &[&str] = &[
            "wasmtime",
            "wasmer",
            "wasmi",
            "cranelift",
            "corosensei",
            "extism",
            "wasmparser",
            "pulley_interpreter",
            "region::",
            "rustix::",
        ];
        const ABI: &[&str] = &[
            "abi_",
            "bincode::",
            "prost::",
            "postcard::",
            "rkyv::",
            "bytemuck::",
            "wit_bindgen",
        ];
        const HARNESS: &[&str] = &[
            "harness::",
            "micro::",
            "cachesim::",
            "payload::",
            "hostcall::",
        ];
        const STD: &[&str] = &[
            "core::", "alloc::", "std::", "<core::", "<alloc::", "<std::",
        ];
        let in_file = !(object.is_empty() || object == "???");
        if !in_file || name.starts_with("0x") {
            return Part::Guest;
        }
        if object.contains("libc.so") || object.contains("ld-linux") || object.contains("libm.so") {
            return Part::Libc;
        }
        // A generic's instance names its arguments too: the outermost
        // path (what the name starts with, past `<`) decides.
        let head = name.trim_start_matches('<');
        let starts = |list: &[&str]| {
            list.iter()
                .any(|p| head.starts_with(p.trim_start_matches('<')))
        };
        if starts(ABI) {
            Part::Abi
        } else if starts(RUNTIME) {
            Part::Runtime
        } else if starts(HARNESS) {
            Part::Harness
        } else if starts(STD) {
            Part::Std
        } else if RUNTIME.iter().any(|p| name.contains(p)) {
            Part::Runtime
        } else {
            Part::Other
        }
    }
}

/// The self cost of event `Ir` per [`Part`] in one Callgrind dump.
pub fn parse(text: &str) -> Result<HashMap<Part, u64>, String> {
    let mut ir: Option<usize> = None;
    // Compressed names: `fn=(7) name` once, then `fn=(7)`.
    let mut objects: HashMap<String, String> = HashMap::new();
    let mut functions: HashMap<String, String> = HashMap::new();
    let mut object = String::new();
    let mut function = String::new();
    let mut after_calls = false;
    let mut parts: HashMap<Part, u64> = HashMap::new();
    let mut part: Option<Part> = None;
    for (n, line) in text.lines().enumerate() {
        let bad = |why: &str| format!("line {}: {why}", n + 1);
        if let Some(rest) = line.strip_prefix("events:") {
            ir = rest.split_whitespace().position(|e| e == "Ir");
            continue;
        }
        if let Some(rest) = line.strip_prefix("ob=") {
            object = name(rest, &mut objects);
            part = None;
            continue;
        }
        if let Some(rest) = line.strip_prefix("fn=") {
            function = name(rest, &mut functions);
            part = None;
            continue;
        }
        // A called function's name defines its id too.
        if let Some(rest) = line.strip_prefix("cfn=") {
            name(rest, &mut functions);
            continue;
        }
        if let Some(rest) = line.strip_prefix("cob=") {
            name(rest, &mut objects);
            continue;
        }
        if line.starts_with("calls=") {
            after_calls = true;
            continue;
        }
        let first = line.bytes().next();
        let is_cost = matches!(first, Some(b'0'..=b'9' | b'+' | b'-' | b'*'));
        if !is_cost {
            continue;
        }
        if after_calls {
            // The inclusive cost of the call just named: the callee's.
            after_calls = false;
            continue;
        }
        let ir = ir.ok_or_else(|| bad("a cost before the `events:` line"))?;
        let mut fields = line.split_whitespace();
        fields.next(); // the position (`positions: line`)
        let cost = match fields.nth(ir) {
            None => 0,
            Some(v) => v
                .parse::<u64>()
                .map_err(|_| bad("a cost that is not a count"))?,
        };
        let p = *part.get_or_insert_with(|| Part::of(&object, &function));
        *parts.entry(p).or_default() += cost;
    }
    if ir.is_none() {
        return Err("no `events:` line with `Ir`".into());
    }
    Ok(parts)
}

/// The name in `(id) name` or `(id)` (looked up), or a plain name.
fn name(field: &str, names: &mut HashMap<String, String>) -> String {
    let field = field.trim();
    match field.strip_prefix('(').and_then(|r| r.split_once(')')) {
        Some((id, rest)) => {
            let rest = rest.trim();
            if rest.is_empty() {
                names.get(id).cloned().unwrap_or_default()
            } else {
                names.insert(id.to_string(), rest.to_string());
                rest.to_string()
            }
        }
        None => field.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_the_same_parts() {
        assert_eq!(Part::ALL.map(Part::id), analysis::counted::PARTS);
    }

    #[test]
    fn functions_fall_into_their_parts() {
        assert_eq!(Part::of("???", "0x000000000501a0c0"), Part::Guest);
        assert_eq!(Part::of("/x/harness", "0x0000000000123456"), Part::Guest);
        assert_eq!(
            Part::of(
                "/x/harness",
                "wasmtime::runtime::func::typed::TypedFunc<P,R>::call"
            ),
            Part::Runtime
        );
        assert_eq!(
            Part::of(
                "/x/harness",
                "<abi_api::memory::micro::MemoryMicro<I,L,S,C> as micro::Multiply>::mul_i32"
            ),
            Part::Abi
        );
        assert_eq!(
            Part::of("/x/harness", "harness::scenario::micro::calls_loop"),
            Part::Harness
        );
        assert_eq!(
            Part::of("/x/harness", "core::ptr::drop_in_place<u8>"),
            Part::Std
        );
        assert_eq!(
            Part::of(
                "/usr/lib/x86_64-linux-gnu/libc.so.6",
                "__memcpy_avx_unaligned_erms"
            ),
            Part::Libc
        );
        assert_eq!(
            Part::of("/x/harness", "pulley_interpreter::interp::Interpreter::run"),
            Part::Runtime
        );
        assert_eq!(Part::of("/x/harness", "main"), Part::Other);
    }

    #[test]
    fn self_costs_exclude_calls_and_follow_compressed_names() {
        let text = "events: Ir Dr\n\
            ob=(1) /x/harness\n\
            fn=(1) harness::scenario::micro::calls_loop\n\
            0 10 1\n\
            cob=(2) ???\n\
            cfn=(2) 0x0000000005000000\n\
            calls=3 0\n\
            0 300 9\n\
            +1 5\n\
            ob=(2)\n\
            fn=(2)\n\
            0 200\n\
            ob=(1)\n\
            fn=(3) wasmtime::call\n\
            * 7 2\n\
            fn=(1)\n\
            0 1\n";
        let parts = parse(text).unwrap();
        assert_eq!(parts[&Part::Harness], 16);
        assert_eq!(parts[&Part::Guest], 200);
        assert_eq!(parts[&Part::Runtime], 7);
        assert_eq!(parts.values().sum::<u64>(), 223);
        assert!(parse("fn=(1) x\n0 1\n").is_err());
    }
}
