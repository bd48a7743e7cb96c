//! The hostile cases: what each guest does wrong, which ABI's host meets
//! it, the error class it must end in, and its module (WAT written here,
//! or the `guests/wit-hostile` component).

use factor::factor_enum;

use crate::abis::AbiId;
use crate::error::{CellError, ErrorClass};

factor_enum! {
    /// What a hostile guest does wrong.
    pub enum Case ("case", "what the hostile guest does wrong") {
        /// `abi_buffer` answers a buffer past the end of memory.
        BufferOutOfBounds = "buffer-out-of-bounds",
        /// A reply whose pointer plus length wraps around 2³².
        WrappingPointer = "wrapping-pointer",
        /// A reply claiming 2 GiB.
        HugeLength = "huge-length",
        /// `unreachable`.
        Unreachable = "unreachable",
        /// An integer division by zero.
        DivideByZero = "divide-by-zero",
        /// Unbounded recursion.
        StackOverflow = "stack-overflow",
        /// A loop that never ends.
        InfiniteLoop = "infinite-loop",
        /// Growing its memory towards 4 GiB on every call.
        MemoryGrowth = "memory-growth",
        /// The right export name with the wrong signature.
        WrongSignature = "wrong-signature",
        /// The export the ABI needs is missing.
        MissingExport = "missing-export",
        /// Garbage where a Bytemuck reply should be.
        GarbageBytemuck = "garbage-bytemuck",
        /// Garbage where a Bincode reply should be.
        GarbageBincode = "garbage-bincode",
        /// Garbage where a Protobuf reply should be.
        GarbageProtobuf = "garbage-protobuf",
        /// Garbage where a Postcard reply should be.
        GarbagePostcard = "garbage-postcard",
        /// Garbage where an rkyv archive should be.
        GarbageRkyv = "garbage-rkyv",
        /// A wrong product.
        WrongAnswer = "wrong-answer",
        /// A component whose export traps.
        WitTrap = "wit-trap",
        /// A component that answers a wrong product.
        WitWrongAnswer = "wit-wrong-answer",
        /// A component that answers text that is not UTF-8.
        WitInvalidUtf8 = "wit-invalid-utf8",
        /// A component that loops forever.
        WitInfiniteLoop = "wit-infinite-loop",
    }
}

impl Case {
    /// The error class the case must end in.
    pub fn expected(self) -> ErrorClass {
        match self {
            Case::BufferOutOfBounds => ErrorClass::Abi,
            Case::WrappingPointer | Case::HugeLength => ErrorClass::OutOfBounds,
            Case::Unreachable | Case::DivideByZero | Case::StackOverflow | Case::WitTrap => {
                ErrorClass::Trap
            }
            Case::InfiniteLoop | Case::WitInfiniteLoop => ErrorClass::Timeout,
            Case::MemoryGrowth => ErrorClass::MemoryLimit,
            Case::WrongSignature => ErrorClass::ExportType,
            Case::MissingExport => ErrorClass::MissingExport,
            Case::GarbageBytemuck
            | Case::GarbageBincode
            | Case::GarbageProtobuf
            | Case::GarbagePostcard
            | Case::GarbageRkyv => ErrorClass::Decode,
            Case::WrongAnswer | Case::WitWrongAnswer => ErrorClass::WrongResult,
            // The canonical ABI refuses the text while lifting it.
            Case::WitInvalidUtf8 => ErrorClass::Trap,
        }
    }

    /// The ABI whose host drives the case.
    pub fn abi(self) -> AbiId {
        match self {
            Case::Unreachable
            | Case::DivideByZero
            | Case::StackOverflow
            | Case::InfiniteLoop
            | Case::MemoryGrowth
            | Case::WrongSignature
            | Case::MissingExport
            | Case::WrongAnswer => AbiId::Pair,
            Case::BufferOutOfBounds
            | Case::WrappingPointer
            | Case::HugeLength
            | Case::GarbageBytemuck => AbiId::Bytemuck,
            Case::GarbageBincode => AbiId::Bincode,
            Case::GarbageProtobuf => AbiId::Protobuf,
            Case::GarbagePostcard => AbiId::Postcard,
            Case::GarbageRkyv => AbiId::Rkyv,
            Case::WitTrap | Case::WitWrongAnswer | Case::WitInvalidUtf8 | Case::WitInfiniteLoop => {
                AbiId::Wit
            }
        }
    }
}

/// A core module in the Pair ABI's shape whose `micro_mul_i32` is `body`.
fn pair_guest(mul_i32: &str) -> String {
    format!(
        r#"(module
            (memory (export "memory") 1)
            {mul_i32}
            (func (export "micro_mul_f32") (param f32 f32) (result f32)
                local.get 0 local.get 1 f32.mul))"#
    )
}

/// A core module in the memory protocol's shape, whose `abi_buffer` is
/// `buffer` and whose `payload_string_out` answers `packed`; 64 bytes of
/// 0xFF sit at 2048.
fn memory_guest(buffer: i64, packed: i64) -> String {
    let mut stubs = String::new();
    for shape in ["record", "string", "list", "nested"] {
        for dir in ["in", "roundtrip"] {
            stubs.push_str(&format!(
                "(func (export \"payload_{shape}_{dir}\") (param i32 i32) (result i64) \
                 unreachable)\n"
            ));
        }
    }
    for (name, params) in [
        ("payload_record_out", "i64"),
        ("payload_list_out", "i64 i32"),
        ("payload_nested_out", "i64 i32"),
    ] {
        stubs.push_str(&format!(
            "(func (export \"{name}\") (param {params}) (result i64) unreachable)\n"
        ));
    }
    format!(
        r#"(module
            (memory (export "memory") 1)
            (data (i32.const 2048) "{garbage}")
            (func (export "abi_alloc") (param i32) (result i32) i32.const 4096)
            (func (export "abi_buffer") (result i64) i64.const {buffer})
            (func (export "micro_mul_i32") (param i32 i32) (result i32) unreachable)
            (func (export "micro_mul_f32") (param i32 i32) (result f32) unreachable)
            (func (export "payload_string_out") (param i64 i32) (result i64) i64.const {packed})
            {stubs})"#,
        garbage = "\\ff".repeat(64),
    )
}

/// The guest bytes of a case.
pub(super) fn guest(case: Case) -> Result<Vec<u8>, CellError> {
    let good_buffer = (1024i64 << 32) | 8192;
    let garbage = (64i64 << 32) | 2048;
    let wat = match case {
        Case::BufferOutOfBounds => memory_guest((4096i64 << 32) | 65000, garbage),
        Case::WrappingPointer => memory_guest(good_buffer, (0xFFFF_FFFFi64 << 32) | 0x10),
        Case::HugeLength => memory_guest(good_buffer, 0x7FFF_FFFFi64 << 32),
        Case::GarbageBytemuck
        | Case::GarbageBincode
        | Case::GarbageProtobuf
        | Case::GarbagePostcard
        | Case::GarbageRkyv => memory_guest(good_buffer, garbage),
        Case::Unreachable => pair_guest(
            r#"(func (export "micro_mul_i32") (param i32 i32) (result i32) unreachable)"#,
        ),
        Case::DivideByZero => pair_guest(
            r#"(func (export "micro_mul_i32") (param i32 i32) (result i32)
                local.get 0 i32.const 0 i32.div_s)"#,
        ),
        Case::StackOverflow => pair_guest(
            r#"(func $down (param i32) (result i32)
                local.get 0 i32.const 1 i32.add call $down)
               (func (export "micro_mul_i32") (param i32 i32) (result i32)
                local.get 0 call $down)"#,
        ),
        Case::InfiniteLoop => pair_guest(
            r#"(func (export "micro_mul_i32") (param i32 i32) (result i32)
                (loop br 0) unreachable)"#,
        ),
        // Page by page up to 4 GiB; trap when a growth is refused.
        Case::MemoryGrowth => pair_guest(
            r#"(func (export "micro_mul_i32") (param i32 i32) (result i32)
                (loop $more
                    (if (i32.lt_s (memory.grow (i32.const 1)) (i32.const 0))
                        (then unreachable))
                    (br_if $more (i32.lt_u (memory.size) (i32.const 65535))))
                local.get 0 local.get 1 i32.mul)"#,
        ),
        Case::WrongSignature => {
            pair_guest(r#"(func (export "micro_mul_i32") (param i64) (result i64) local.get 0)"#)
        }
        Case::MissingExport => pair_guest(""),
        Case::WrongAnswer => pair_guest(
            r#"(func (export "micro_mul_i32") (param i32 i32) (result i32)
                local.get 0 local.get 1 i32.mul i32.const 1 i32.add)"#,
        ),
        Case::WitTrap | Case::WitWrongAnswer | Case::WitInvalidUtf8 | Case::WitInfiniteLoop => {
            return guest_artifacts::guest("wit-hostile")
                .map(<[u8]>::to_vec)
                .ok_or_else(|| CellError::new(ErrorClass::Host, "no wit-hostile guest built"));
        }
    };
    wat::parse_str(&wat).map_err(|e| CellError::new(ErrorClass::Host, format!("{e}")))
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_has_a_guest_and_a_class() {
        for &case in Case::ALL {
            let bytes = guest(case).unwrap_or_else(|e| panic!("{case}: {e}"));
            assert!(!bytes.is_empty(), "{case}");
            assert_ne!(case.expected(), ErrorClass::Unsupported, "{case}");
        }
    }
}
