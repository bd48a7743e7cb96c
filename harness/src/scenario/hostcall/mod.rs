//! The hostcall scenario: calls the other way, from the guest into the
//! host, as plugin systems make them.
//!
//! The host calls the guest once per request (a cached typed call, as
//! Pair's); the guest answers alone (`host-fn=none`: what a guest call
//! costs), or by calling an imported host function once
//! (`runtimes::host_fns`): `scalars` passes two `i32` and gets one back,
//! `bytes` passes a 64-byte slice of its memory that the host reads in
//! place and digests. A cell's time per request minus the `none` cell's is
//! what one host call costs; the native cells compute the same answers
//! with plain calls, so `bytes` minus its native is the boundary without
//! the digest's own work. Every answer is folded into a checksum checked
//! against native, and the host's count of host-function calls must equal
//! the requests. Limits are off (the engines' defaults).
//!
//! Two guests, one work (`scenarios/hostcall`): a core module written in
//! WAT below (rows labelled ABI `pair`: scalars cross as wasm values), and
//! on the runtimes that host components the `guests/wit-hostcall`
//! component (ABI `wit`: world `hostcall` of `abis/wit/wit`, its host
//! functions typed in the component model, the 64 bytes lifted as a
//! `list<u8>` the host reads in place).

use std::hint::black_box;
use std::time::Duration;

use factor::{FactorValue, factor_enum};
use runtimes::{Engine, EngineConfig, EngineVisitor, Instance, RuntimeId, host_fns};

use super::define::{Defaults, PlanInput, Scenario, ScenarioCell};
use super::outcome::{Inputs, Outcome, SetupTimes};
use crate::abis::AbiId;
use crate::guests::GuestOf;
use crate::error::CellError;
use crate::factors::HostProfile;
use crate::measure::{Protocol, Subject, measure, Timer};

/// The hostcall scenario: the guest calls the host once per request.
pub struct HostCall;

impl Scenario for HostCall {
    type Cell = HostCallCell;
    const ABOUT: &'static str =
        "the guest calls an imported host function once per request: none, scalars, bytes";
    // Its guests are its own (guests/artifacts' WAT and wit-hostcall).
    const DRIVES: &'static [factor::Workload] = &[];


    fn factors() -> Vec<factor::FactorInfo> {
        vec![factor::FactorInfo::of::<HostFn>()]
    }

    const DEFAULTS: Defaults = Defaults {
        calls: 100_000,
        reps: 100,
        warmup_s: 0.2,
    };
    const QUICK: Defaults = Defaults {
        calls: 2_000,
        reps: 5,
        warmup_s: 0.01,
    };

    fn cells(input: &PlanInput<'_>) -> Vec<HostCallCell> {
        cells(input.host, input.runtimes, input.abis)
    }

    fn run(
        cell: &HostCallCell,
        protocol: &Protocol,
        _: &Inputs,
        tick: &mut dyn FnMut(),
    ) -> Outcome {
        run(cell, protocol, tick)
    }
}

impl ScenarioCell for HostCallCell {
    fn target(&self) -> Option<(RuntimeId, AbiId)> {
        self.runtime.map(|r| (r, self.abi))
    }
    fn host(&self) -> HostProfile {
        self.host
    }
    /// Host profile and host function.
    fn values(&self) -> Vec<FactorValue> {
        vec![FactorValue::of(self.host), FactorValue::of(self.via)]
    }
    /// The same host function, natively (a `pair` row by convention).
    fn baseline(&self) -> HostCallCell {
        HostCallCell {
            runtime: None,
            abi: AbiId::Pair,
            ..*self
        }
    }
    /// Its own guests: a core module (Pair) or `guests/wit-hostcall`.
    fn guest(&self) -> GuestOf {
        match (self.runtime, self.abi) {
            (None, _) => GuestOf::Native,
            (Some(_), AbiId::Wit) => GuestOf::Own {
                name: "hostcall/component".into(),
                bytes: guest_artifacts::guest("wit-hostcall")
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default(),
            },
            (Some(_), _) => GuestOf::Own {
                name: "hostcall/core".into(),
                bytes: guest(),
            },
        }
    }
}

factor_enum! {
    /// What the guest does with a request.
    pub enum HostFn ("host-fn", "what the guest does per request: answers alone (none), or \
        calls a host function once with two i32 (scalars) or with a 64-byte slice of its \
        memory the host reads (bytes)") {
        /// The guest adds the operands itself.
        None = "none",
        /// The guest calls `abilab.host_add`.
        Scalars = "scalars",
        /// The guest calls `abilab.host_digest` on 64 bytes of its memory.
        Bytes = "bytes",
    }
}

impl HostFn {
    /// The guest export that serves a request this way.
    fn export(self) -> &'static str {
        match self {
            HostFn::None => "request_none",
            HostFn::Scalars => "request_scalars",
            HostFn::Bytes => "request_bytes",
        }
    }
}

/// A hostcall cell. Its native baseline computes the same answers with
/// plain calls (the `bytes` one digests the same 64 bytes), so a cell's
/// time minus its baseline's is what crossing the boundary costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HostCallCell {
    /// The harness build.
    pub host: HostProfile,
    /// The runtime, or `None` for the native baseline.
    pub runtime: Option<RuntimeId>,
    /// The guest: `pair` (a core module, scalars as wasm values) or `wit`
    /// (a component); `pair` for the native baseline.
    pub abi: AbiId,
    /// What the guest does per request.
    pub via: HostFn,
}

/// The ABIs a hostcall cell has a guest for: a core module (`pair`) on
/// every runtime, a component (`wit`) where the runtime hosts components.
const ABIS: [AbiId; 2] = [AbiId::Pair, AbiId::Wit];

/// Natives (one per host function), then every runtime × guest (of
/// `abis`, those in [`ABIS`]) × host function.
pub fn cells(host: HostProfile, runtimes: &[RuntimeId], abis: &[AbiId]) -> Vec<HostCallCell> {
    let cell = |runtime, abi, via| HostCallCell {
        host,
        runtime,
        abi,
        via,
    };
    let mut out: Vec<HostCallCell> = HostFn::ALL
        .iter()
        .map(|&via| cell(None, AbiId::Pair, via))
        .collect();
    for &runtime in runtimes {
        for abi in ABIS {
            if !abis.contains(&abi) || (abi == AbiId::Wit && !runtime.hosts_components()) {
                continue;
            }
            for &via in HostFn::ALL {
                out.push(cell(Some(runtime), abi, via));
            }
        }
    }
    out
}

use hostcall::{DATA, MASK, SLICE};
/// Where [`DATA`] lies in the core guest's memory.
const DATA_AT: usize = 1024;

/// The guest: three exports of one signature, one per [`HostFn`].
fn guest() -> Vec<u8> {
    let data: String = DATA.iter().map(|b| format!("\\{b:02x}")).collect();
    wat::parse_str(format!(
        r#"(module
  (import "{m}" "{add}" (func $add (param i32 i32) (result i32)))
  (import "{m}" "{digest}" (func $digest (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const {DATA_AT}) "{data}")
  (func (export "request_none") (param i32 i32) (result i64)
    local.get 0 local.get 1 i32.add i64.extend_i32_s)
  (func (export "request_scalars") (param i32 i32) (result i64)
    local.get 0 local.get 1 call $add i64.extend_i32_s)
  (func (export "request_bytes") (param i32 i32) (result i64)
    local.get 0 i32.const {mask} i32.and i32.const {DATA_AT} i32.add
    i32.const {SLICE} call $digest))"#,
        m = host_fns::MODULE,
        add = host_fns::ADD,
        digest = host_fns::DIGEST,
        mask = MASK,
    ))
    .expect("the hostcall guest is valid WAT")
}

/// The host functions the guests import: the scenario's own definitions
/// (`scenarios/hostcall`), which the native baseline computes too.
pub(super) struct Host;

impl host_fns::HostFunctions for Host {
    #[inline(always)]
    fn add(a: i32, b: i32) -> i32 {
        hostcall::add(a, b)
    }
    #[inline]
    fn digest(bytes: &[u8]) -> i64 {
        hostcall::digest(bytes)
    }
}

/// What the guest answers for request `i`, computed natively.
#[inline(always)]
fn answer(via: HostFn, a: i32, b: i32) -> i64 {
    match via {
        HostFn::None | HostFn::Scalars => hostcall::sum_answer(a, b),
        HostFn::Bytes => hostcall::bytes_answer(a),
    }
}

/// The fold of `calls` answers.
fn fold(sum: u64, x: i64) -> u64 {
    sum.rotate_left(5) ^ x as u64
}

/// Measures one hostcall cell.
pub fn run(cell: &HostCallCell, protocol: &Protocol, tick: &mut dyn FnMut()) -> Outcome {
    let Some(runtime) = cell.runtime else {
        let mut subject = NativeRequests {
            via: cell.via,
            expected: None,
        };
        return Outcome::measured(
            measure(&mut subject, protocol, tick),
            SetupTimes::default(),
            None,
        );
    };
    match cell.abi {
        AbiId::Pair => {
            let step = Step {
                via: cell.via,
                protocol,
                tick,
            };
            runtimes::visit(runtime, EngineConfig::default(), step).unwrap_or_else(Outcome::failed)
        }
        AbiId::Wit => component::run(runtime, cell.via, protocol, tick),
        other => Outcome::Unsupported(format!("the hostcall scenario has no {other} guest")),
    }
}

/// The native baseline: the same answers from plain calls.
struct NativeRequests {
    via: HostFn,
    expected: Option<(u64, u64)>,
}

/// One request answered natively, not inlined: a call, as the guest's is.
#[inline(never)]
fn native_request(via: HostFn, a: i32, b: i32) -> i64 {
    answer(via, a, b)
}

impl Subject for NativeRequests {
    fn replicate(&mut self, calls: u64) -> Result<Duration, CellError> {
        let start = Timer::start();
        let mut sum = 0u64;
        for i in 0..calls {
            let (a, b) = micro::operands_i32(i);
            sum = fold(
                sum,
                native_request(black_box(self.via), black_box(a), black_box(b)),
            );
        }
        let elapsed = start.stop();
        check(&mut self.expected, self.via, calls, sum)?;
        Ok(elapsed)
    }
    fn calibrates(&self) -> bool {
        true
    }
}

/// Checks a replicate's checksum against native's for its size.
fn check(
    expected: &mut Option<(u64, u64)>,
    via: HostFn,
    calls: u64,
    got: u64,
) -> Result<(), CellError> {
    let want = match *expected {
        Some((n, s)) if n == calls => s,
        _ => {
            let s = (0..calls).fold(0, |sum, i| {
                let (a, b) = micro::operands_i32(i);
                fold(sum, answer(via, a, b))
            });
            *expected = Some((calls, s));
            s
        }
    };
    if got == want {
        Ok(())
    } else {
        Err(CellError::wrong_result(format!(
            "wrong result: checksum {got:#018x} after {calls} requests, native gives {want:#018x}"
        )))
    }
}

struct Step<'a> {
    via: HostFn,
    protocol: &'a Protocol,
    tick: &'a mut dyn FnMut(),
}

impl EngineVisitor for Step<'_> {
    type Output = Outcome;
    fn visit<E: Engine>(self, engine: E) -> Outcome {
        let loaded = engine
            .compile(&guest())
            .and_then(|m| engine.instantiate_with_host::<Host>(&m))
            .and_then(|mut inst| {
                let f = inst.resolve_func::<(i32, i32), i64>(self.via.export())?;
                Ok((inst, f))
            });
        let (instance, func) = match loaded {
            Ok(l) => l,
            Err(e) => return Outcome::failed(e),
        };
        let mut subject = Requests::<E::Instance> {
            instance,
            func,
            via: self.via,
            expected: None,
        };
        Outcome::measured(
            measure(&mut subject, self.protocol, self.tick),
            SetupTimes::default(),
            None,
        )
    }
}

/// A replicate: `calls` requests, each answer folded in.
struct Requests<I: Instance> {
    instance: I,
    func: I::Func<(i32, i32), i64>,
    via: HostFn,
    /// The native checksum for a replicate size.
    expected: Option<(u64, u64)>,
}

/// The timed loop: one typed call per request.
#[inline(never)]
fn requests<I: Instance>(
    inst: &mut I,
    f: &I::Func<(i32, i32), i64>,
    calls: u64,
) -> runtimes::Result<u64> {
    let mut sum = 0u64;
    for i in 0..calls {
        let (a, b) = micro::operands_i32(i);
        let x = inst.call(f, (black_box(a), black_box(b)))?;
        sum = fold(sum, x);
    }
    Ok(sum)
}

impl<I: Instance> Subject for Requests<I> {
    fn replicate(&mut self, calls: u64) -> Result<Duration, CellError> {
        let before = self.instance.host_calls();
        let start = Timer::start();
        let result = requests(&mut self.instance, &self.func, calls);
        let elapsed = start.stop();
        check(&mut self.expected, self.via, calls, result?)?;
        check_host_calls(self.via, calls, self.instance.host_calls() - before)?;
        Ok(elapsed)
    }
    fn calibrates(&self) -> bool {
        true
    }
}

mod component;

/// Checks that the guest called the host once per request (`scalars`,
/// `bytes`) or never (`none`).
fn check_host_calls(via: HostFn, calls: u64, host_calls: u64) -> Result<(), CellError> {
    let want = match via {
        HostFn::None => 0,
        HostFn::Scalars | HostFn::Bytes => calls,
    };
    if host_calls == want {
        Ok(())
    } else {
        Err(CellError::wrong_result(format!(
            "the guest called the host {host_calls} times for {calls} requests, expected {want}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_gets_each_way_and_the_guest_is_valid() {
        let cells = cells(HostProfile::Dev, RuntimeId::ALL, AbiId::ALL);
        let natives = HostFn::ALL.len();
        let components = RuntimeId::ALL
            .iter()
            .filter(|r| r.hosts_components())
            .count();
        assert_eq!(
            cells.len(),
            (1 + RuntimeId::ALL.len() + components) * natives
        );
        assert_eq!(
            super::cells(HostProfile::Dev, RuntimeId::ALL, &[AbiId::Pair]).len(),
            (1 + RuntimeId::ALL.len()) * natives
        );
        for c in &cells[natives..] {
            assert!(cells[..natives].contains(&c.baseline()), "{c:?}");
        }
        // The WAT parses (guest() panics otherwise).
        assert!(guest().starts_with(b"\0asm"));
        // The slice stays inside DATA whatever the operand (answer would
        // panic on a slice past its end).
        for a in [0, 1, 63, 64, -1, i32::MIN] {
            let _ = answer(HostFn::Bytes, a, 0);
        }
    }
}
