//! The hostile scenario: guests that misbehave on purpose, run through the
//! same ABI hosts as the measured cells, on every runtime. Each case must
//! end as an `error` of its expected class, within the deadline, with the
//! process alive; then a healthy guest, in the same process, must still
//! give the right answers.
//!
//! The guests are WAT modules written here (core modules) and one Rust
//! component (`guests/wit-hostile`). Limits are on (the default deadline is
//! short here: see [`budget`]). Nothing is timed.

use std::time::Instant;

use abi_api::memory::CodecFactors;
use abi_api::{Abi, Loader, MicroVisitor, Multiply, PayloadVisitor};
use abi_pair::{Handles, PairFactors};
use factor::factor_enum;
use payload::Exchange;
use runtimes::{CachedTyped, Engine, EngineConfig, EngineVisitor, Limits, RuntimeId};

use super::define::{Defaults, Ended, PlanInput, ProtocolFlag, Scenario, ScenarioCell};
use super::outcome::{Inputs, Outcome};
use crate::abis::AbiId;
use crate::error::{CellError, ErrorClass};
use crate::factors::HostProfile;
use crate::measure::Protocol;

/// The hostile scenario: every case must end as an error of its class.
pub struct Hostile;

impl Scenario for Hostile {
    type Cell = HostileCell;
    const ABOUT: &'static str = "guests that misbehave on purpose, each contained as its case says";
    // Its guests are its own (written in WAT here, or the wit-hostile
    // component): no ABI's guest contract applies.
    const DRIVES: &'static [factor::Workload] = &[];
    const REFUSES: &'static [(ProtocolFlag, &'static str)] = &[
        (ProtocolFlag::Calls, "nothing is timed"),
        (ProtocolFlag::Reps, "nothing is timed"),
        (ProtocolFlag::Warmup, "nothing is timed"),
    ];

    fn factors() -> Vec<factor::FactorInfo> {
        vec![factor::FactorInfo::of::<Case>()]
    }

    // Nothing is timed.
    const DEFAULTS: Defaults = Defaults {
        calls: 1,
        reps: 2,
        warmup_s: 0.0,
    };
    const QUICK: Defaults = Self::DEFAULTS;

    fn budget() -> runtimes::Budget {
        budget()
    }

    fn cells(input: &PlanInput<'_>) -> Vec<HostileCell> {
        cells(input.host, input.runtimes, input.abis)
    }

    fn run(cell: &HostileCell, protocol: &Protocol, _: &Inputs, _: &mut dyn FnMut()) -> Outcome {
        run(cell, protocol.budget)
    }

    /// A hostile cell fails the run unless it ended as its case says.
    fn failed(cell: &HostileCell, ended: Ended<'_>) -> bool {
        match ended {
            Ended::Unsupported => false,
            Ended::Ok => true,
            Ended::Error(e) => e.class != cell.case.expected(),
        }
    }

    fn table(rows: &[(HostileCell, Ended<'_>)]) -> Option<String> {
        Some(grid(rows))
    }
}

impl ScenarioCell for HostileCell {
    fn target(&self) -> Option<(RuntimeId, AbiId)> {
        Some((self.runtime, self.case.abi()))
    }
    fn host(&self) -> HostProfile {
        self.host
    }
    fn values(&self) -> Vec<factor::FactorValue> {
        vec![
            factor::FactorValue::of(self.host),
            factor::FactorValue::of(self.case),
        ]
    }
    /// No baseline: the cell is its own.
    fn baseline(&self) -> HostileCell {
        *self
    }
}

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

/// A hostile cell: one case on one runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HostileCell {
    /// The harness build.
    pub host: HostProfile,
    /// The runtime.
    pub runtime: RuntimeId,
    /// The case.
    pub case: Case,
}

/// Every case whose ABI is among `abis`, on every runtime.
pub fn cells(host: HostProfile, runtimes: &[RuntimeId], abis: &[AbiId]) -> Vec<HostileCell> {
    runtimes
        .iter()
        .flat_map(|&runtime| {
            Case::ALL
                .iter()
                .filter(|c| abis.contains(&c.abi()))
                .map(move |&case| HostileCell {
                    host,
                    runtime,
                    case,
                })
        })
        .collect()
}

/// The outcome of every case per runtime, as a grid: `✓` where the case
/// was contained as it should be, the class observed otherwise.
fn grid(rows: &[(HostileCell, Ended<'_>)]) -> String {
    use std::fmt::Write as _;
    let mut runtimes: Vec<RuntimeId> = Vec::new();
    for (c, _) in rows {
        if !runtimes.contains(&c.runtime) {
            runtimes.push(c.runtime);
        }
    }
    let mut out = format!("{:<22} {:<14}", "case", "expected");
    for rt in &runtimes {
        let _ = write!(out, " {:<18}", rt.id());
    }
    out.push('\n');
    for &case in Case::ALL {
        if !rows.iter().any(|(c, _)| c.case == case) {
            continue;
        }
        let _ = write!(out, "{:<22} {:<14}", case.id(), case.expected().id());
        for &rt in &runtimes {
            let found = rows.iter().find(|(c, _)| c.case == case && c.runtime == rt);
            let shown = match found {
                None => "-".to_string(),
                Some((_, Ended::Unsupported)) => "unsupported".to_string(),
                Some((c, e)) if !Hostile::failed(c, *e) => format!("✓ {}", case.expected()),
                Some((_, Ended::Error(e))) => format!("✗ {}", e.class),
                Some((_, Ended::Ok)) => "✗ ok".to_string(),
            };
            let _ = write!(out, " {shown:<18}");
        }
        out.push('\n');
    }
    out
}

/// The limits of the hostile scenario unless the user says otherwise: a
/// deadline short enough that a loop costs seconds, not the default ten
/// minutes.
pub fn budget() -> runtimes::Budget {
    runtimes::Budget {
        deadline: std::time::Duration::from_secs(3),
        memory_bytes: 64 << 20,
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
fn guest(case: Case) -> Result<Vec<u8>, CellError> {
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

/// Runs one hostile cell: the case, then a healthy guest in this process.
pub fn run(cell: &HostileCell, budget: runtimes::Budget) -> Outcome {
    let config = EngineConfig::new(Limits::On, budget);
    let start = Instant::now();
    let observed = match runtimes::visit(cell.runtime, config, CaseStep { case: cell.case }) {
        Ok(Ok(Ok(()))) => Err(CellError::new(
            ErrorClass::NotContained,
            format!("the {} guest was not stopped: it ran to the end", cell.case),
        )),
        Ok(Ok(Err(e))) => Ok(e),
        Ok(Err(e)) | Err(e) => match Outcome::failed(e) {
            Outcome::Unsupported(why) => return Outcome::Unsupported(why),
            Outcome::Error(e) => Ok(e),
            Outcome::Ok { .. } => unreachable!("a failure is not a measurement"),
        },
    };
    let elapsed = start.elapsed();
    let e = match observed {
        Ok(e) => e,
        Err(not_contained) => return Outcome::Error(not_contained),
    };
    let healthy = match runtimes::visit(cell.runtime, config, Healthy) {
        Ok(Ok(())) => Ok("a healthy guest then answered correctly in the same process"),
        Ok(Err(e)) => Err(format!("{e}")),
        Err(e) => Err(format!("{e}")),
    };
    // The process was not kept healthy: the case was not contained,
    // whatever class it ended in.
    let healthy = match healthy {
        Ok(said) => said,
        Err(why) => {
            return Outcome::Error(CellError::new(
                ErrorClass::NotContained,
                format!(
                    "{} ({} after {:.2} s), but a healthy guest then failed: {why}",
                    e.message,
                    e.class.id(),
                    elapsed.as_secs_f64()
                ),
            ));
        }
    };
    let verdict = if e.class == cell.case.expected() {
        "as expected".to_string()
    } else {
        format!("expected {}", cell.case.expected())
    };
    Outcome::Error(CellError::new(
        e.class,
        format!(
            "{} ({verdict}, after {:.2} s; {healthy})",
            e.message,
            elapsed.as_secs_f64()
        ),
    ))
}

/// Drives one case on a fresh engine: `Ok(Err(e))` is the guest stopped
/// with `e`; `Ok(Ok(()))` means it was not stopped.
struct CaseStep {
    case: Case,
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
struct Healthy;

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
        let cell = HostileCell {
            host: HostProfile::Dev,
            runtime: RuntimeId::Wasmtime,
            case: Case::Unreachable,
        };
        let trap = CellError::new(ErrorClass::Trap, "guest trapped");
        let timeout = CellError::new(ErrorClass::Timeout, "too slow");
        let sick = CellError::new(ErrorClass::NotContained, "a healthy guest then failed");
        assert!(!Hostile::failed(&cell, Ended::Error(&trap)));
        assert!(Hostile::failed(&cell, Ended::Error(&timeout)));
        assert!(Hostile::failed(&cell, Ended::Error(&sick)));
        assert!(Hostile::failed(&cell, Ended::Ok));
        assert!(!Hostile::failed(&cell, Ended::Unsupported));
    }
}
