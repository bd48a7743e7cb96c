//! Drives a case through its ABI's own host on a fresh engine, and the
//! healthy guest that must answer afterwards in the same process.

use abi_api::memory::CodecFactors;
use abi_api::{Abi, Loader, MicroVisitor, Multiply, PayloadVisitor};
use abi_pair::{Handles, PairFactors};
use payload::Exchange;
use runtimes::{CachedTyped, Engine, EngineVisitor};

use super::cases::{Case, guest};
use crate::error::CellError;

/// Drives one case on a fresh engine: `Ok(Err(e))` is the guest stopped
/// with `e`; `Ok(Ok(()))` means it was not stopped.
pub(super) struct CaseStep {
    pub(super) case: Case,
}

type Driven = runtimes::Result<Result<(), CellError>>;

impl EngineVisitor for CaseStep {
    type Output = Driven;
    fn visit<E: Engine>(self, engine: E) -> Driven {
        let bytes = match guest(self.case) {
            Ok(b) => b,
            Err(e) => return Ok(Err(e)),
        };
        let codec = CodecFactors {
            memory: abi_api::memory::Memory::Static,
        };
        let dynamic = CodecFactors {
            memory: abi_api::memory::Memory::Dynamic,
        };
        let owned = PairFactors {
            handles: Handles::Owned,
        };
        let micro = MicroDrive { bytes: &bytes };
        let text = TextOut { bytes: &bytes };
        let wit = abi_wit::WitFactors {
            args: abi_wit::Args::Scalars,
            concurrency: abi_wit::Concurrency::Off,
        };
        match self.case {
            Case::Unreachable
            | Case::DivideByZero
            | Case::StackOverflow
            | Case::InfiniteLoop
            | Case::MemoryGrowth
            | Case::WrongSignature
            | Case::MissingExport
            | Case::WrongAnswer => abi_pair::Pair::micro::<E, CachedTyped, _>(engine, owned, micro),
            Case::BufferOutOfBounds => {
                abi_bytemuck::Bytemuck::micro::<E, CachedTyped, _>(engine, codec, micro)
            }
            Case::WrappingPointer | Case::HugeLength | Case::GarbageBytemuck => {
                abi_bytemuck::Bytemuck::payload::<E, CachedTyped, _>(engine, dynamic, text)
            }
            Case::GarbageBincode => {
                abi_bincode::Bincode::payload::<E, CachedTyped, _>(engine, dynamic, text)
            }
            Case::GarbageProtobuf => {
                abi_protobuf::Protobuf::payload::<E, CachedTyped, _>(engine, dynamic, text)
            }
            Case::GarbagePostcard => {
                abi_postcard::Postcard::payload::<E, CachedTyped, _>(engine, dynamic, text)
            }
            Case::GarbageRkyv => {
                abi_rkyv::Rkyv::payload::<E, CachedTyped, _>(engine, dynamic, text)
            }
            Case::WitTrap => {
                let f32s = MicroDrive { bytes: &bytes }.f32s();
                abi_wit::Wit::micro::<E, CachedTyped, _>(engine, wit, f32s)
            }
            Case::WitWrongAnswer => abi_wit::Wit::micro::<E, CachedTyped, _>(engine, wit, micro),
            Case::WitInvalidUtf8 => abi_wit::Wit::payload::<E, CachedTyped, _>(engine, wit, text),
            Case::WitInfiniteLoop => {
                abi_wit::Wit::payload::<E, CachedTyped, _>(engine, wit, RecordIn { bytes: &bytes })
            }
        }
    }
}

/// Loads `bytes` with a loader: the compile and instantiate errors are
/// the case's outcome too (a missing export, a wrong signature).
fn load<Ld: Loader>(loader: &Ld, bytes: &[u8]) -> Result<Ld::Host, CellError> {
    let module = loader.compile(bytes)?;
    Ok(loader.instantiate(&module)?)
}

/// Multiplies through the host and checks every product.
struct MicroDrive<'a> {
    bytes: &'a [u8],
}

impl<'a> MicroDrive<'a> {
    /// The same, through the `f32` export.
    fn f32s(self) -> F32Drive<'a> {
        F32Drive { bytes: self.bytes }
    }
}

impl MicroVisitor for MicroDrive<'_> {
    type Output = Result<(), CellError>;
    fn visit<Ld: Loader>(self, loader: Ld) -> Result<(), CellError>
    where
        Ld::Host: Multiply<Error = runtimes::Error> + 'static,
    {
        let mut host = load(&loader, self.bytes)?;
        for i in 0..100u64 {
            let (a, b) = micro::operands_i32(i);
            let got = host.mul_i32(a, b)?;
            if got != micro::mul_i32(a, b) {
                return Err(CellError::wrong_result(format!(
                    "wrong result: {a} × {b} = {got}, native gives {}",
                    micro::mul_i32(a, b)
                )));
            }
        }
        Ok(())
    }
}

/// Multiplies `f32`s through the host.
struct F32Drive<'a> {
    bytes: &'a [u8],
}

impl MicroVisitor for F32Drive<'_> {
    type Output = Result<(), CellError>;
    fn visit<Ld: Loader>(self, loader: Ld) -> Result<(), CellError>
    where
        Ld::Host: Multiply<Error = runtimes::Error> + 'static,
    {
        let mut host = load(&loader, self.bytes)?;
        host.mul_f32(1.5, 2.0)?;
        Ok(())
    }
}

/// Asks the guest for text and digests what comes back.
struct TextOut<'a> {
    bytes: &'a [u8],
}

impl PayloadVisitor for TextOut<'_> {
    type Output = Result<(), CellError>;
    fn visit<Ld: Loader>(self, loader: Ld) -> Result<(), CellError>
    where
        Ld::Host: Exchange<Error = runtimes::Error> + 'static,
    {
        let mut host = load(&loader, self.bytes)?;
        host.string_out(1, 16)?;
        Ok(())
    }
}

/// Sends the guest a record.
struct RecordIn<'a> {
    bytes: &'a [u8],
}

impl PayloadVisitor for RecordIn<'_> {
    type Output = Result<(), CellError>;
    fn visit<Ld: Loader>(self, loader: Ld) -> Result<(), CellError>
    where
        Ld::Host: Exchange<Error = runtimes::Error> + 'static,
    {
        let mut host = load(&loader, self.bytes)?;
        host.record_in(&payload::make_record(1))?;
        Ok(())
    }
}

/// The real Pair guest, checked product by product.
pub(super) struct Healthy;

impl EngineVisitor for Healthy {
    type Output = Result<(), CellError>;
    fn visit<E: Engine>(self, engine: E) -> Result<(), CellError> {
        let owned = PairFactors {
            handles: Handles::Owned,
        };
        let drive = MicroDrive {
            bytes: guest_artifacts::PAIR,
        };
        abi_pair::Pair::micro::<E, CachedTyped, _>(engine, owned, drive)?
    }
}

