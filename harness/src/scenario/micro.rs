//! The micro scenario: N multiplies per replicate, natively or through an ABI.

use std::hint::black_box;
use std::time::{Duration, Instant};

use abi_api::{Abi, Choice, CoreLoader, Loader, MicroLoaderVisitor, MicroVisitor};
use micro::{Checksum, Multiply, Operand};
use runtimes::{
    CachedTyped, CachedUntyped, Caching, CallStyle, Engine, EngineVisitor, RuntimeId,
    UncachedTyped, UncachedUntyped,
};

use super::{CellSpec, Outcome, Phases, Scenario, Target, own_values, parse};
use crate::abis::{AbiId, AbiVisitor, with_abi};
use crate::factors::{self, Loading};
use crate::measure::{Protocol, Subject, measure};

/// Native cells (one per operand), then every runtime × ABI × factor cell.
pub fn cells(runtimes: &[RuntimeId], abis: &[AbiId]) -> Vec<CellSpec> {
    let host = factors::host_profile();
    let mut out = Vec::new();
    for op in Operand::ALL {
        out.push(CellSpec {
            scenario: Scenario::Micro,
            target: Target::Native,
            factors: vec![(factors::HOST_PROFILE, host), ("operand", op.id())],
        });
    }
    for &runtime in runtimes {
        for &abi in abis {
            let info = abi.info();
            if !info.scenarios.contains(&"micro") {
                continue;
            }
            let shared = factors::product(factors::MICRO);
            let own = factors::product(info.factors);
            for s in &shared {
                for o in &own {
                    let mut f = vec![(factors::HOST_PROFILE, host)];
                    f.extend_from_slice(s);
                    f.extend_from_slice(o);
                    if !(info.applies)(&f) {
                        continue;
                    }
                    out.push(CellSpec {
                        scenario: Scenario::Micro,
                        target: Target::Wasm { runtime, abi },
                        factors: f,
                    });
                }
            }
        }
    }
    out
}

/// Measures one micro cell.
pub fn run(spec: &CellSpec, protocol: &Protocol, tick: &mut dyn FnMut()) -> Outcome {
    let operand: Operand = parse(spec, "operand");
    match spec.target {
        Target::Native => {
            let mut subject = Preloaded::new(micro::Native, operand);
            match measure(&mut subject, protocol, tick) {
                Ok(samples) => Outcome::Ok {
                    samples,
                    phases: Phases::default(),
                    stats: None,
                },
                Err(e) => Outcome::Error(e),
            }
        }
        Target::Wasm { runtime, abi } if abi.info().component => with_abi(
            abi,
            ComponentStep {
                spec,
                runtime,
                operand,
                protocol,
                tick,
            },
        ),
        Target::Wasm { runtime, abi } => {
            let step = EngineStep {
                spec,
                abi,
                operand,
                protocol,
                tick,
            };
            runtimes::visit(runtime, step).unwrap_or_else(unsupported_or_error)
        }
    }
}

struct EngineStep<'a> {
    spec: &'a CellSpec,
    abi: AbiId,
    operand: Operand,
    protocol: &'a Protocol,
    tick: &'a mut dyn FnMut(),
}

impl EngineVisitor for EngineStep<'_> {
    type Output = Outcome;
    fn visit<E: Engine>(self, engine: E) -> Outcome {
        with_abi(self.abi, AbiStep { step: self, engine })
    }
}

struct AbiStep<'a, E> {
    step: EngineStep<'a>,
    engine: E,
}

impl<E: Engine> AbiVisitor for AbiStep<'_, E> {
    type Output = Outcome;
    fn visit<A: Abi>(self) -> Outcome {
        let spec = self.step.spec;
        let own = own_values(spec, A::FACTORS);
        let choice = Choice::new(A::FACTORS, &own);
        let caching: Caching = parse(spec, "caching");
        let style: CallStyle = parse(spec, "call");
        let guest = guest_artifacts::guest(A::GUEST).expect("every ABI has a guest");
        let host = MicroStep {
            engine: self.engine,
            guest,
            loading: parse(spec, "loading"),
            operand: self.step.operand,
            protocol: self.step.protocol,
            tick: self.step.tick,
        };
        type I<E> = <E as Engine>::Instance;
        let outcome = match (caching, style) {
            (Caching::Cached, CallStyle::Typed) => A::micro::<I<E>, CachedTyped, _>(choice, host),
            (Caching::Cached, CallStyle::Untyped) => {
                A::micro::<I<E>, CachedUntyped, _>(choice, host)
            }
            (Caching::Uncached, CallStyle::Typed) => {
                A::micro::<I<E>, UncachedTyped, _>(choice, host)
            }
            (Caching::Uncached, CallStyle::Untyped) => {
                A::micro::<I<E>, UncachedUntyped, _>(choice, host)
            }
        };
        outcome.unwrap_or_else(|| {
            Outcome::Unsupported(format!("the {} ABI does not implement this cell", A::ID))
        })
    }
}

struct MicroStep<'a, E> {
    engine: E,
    guest: &'static [u8],
    loading: Loading,
    operand: Operand,
    protocol: &'a Protocol,
    tick: &'a mut dyn FnMut(),
}

impl<E: Engine> MicroVisitor<E::Instance> for MicroStep<'_, E> {
    type Output = Outcome;

    fn visit<M: Multiply<Error = runtimes::Error> + 'static>(
        self,
        open: fn(E::Instance) -> runtimes::Result<M>,
    ) -> Outcome {
        let loader = CoreLoader {
            engine: self.engine,
            open,
        };
        measure_loaded(
            &loader,
            self.guest,
            self.loading,
            self.operand,
            self.protocol,
            self.tick,
        )
    }
}

/// A component ABI's cell: the ABI brings its own loader.
struct ComponentStep<'a> {
    spec: &'a CellSpec,
    runtime: RuntimeId,
    operand: Operand,
    protocol: &'a Protocol,
    tick: &'a mut dyn FnMut(),
}

impl AbiVisitor for ComponentStep<'_> {
    type Output = Outcome;
    fn visit<A: Abi>(self) -> Outcome {
        let spec = self.spec;
        let own = own_values(spec, A::FACTORS);
        let step = LoaderStep {
            guest: guest_artifacts::guest(A::GUEST).expect("every ABI has a guest"),
            loading: parse(spec, "loading"),
            operand: self.operand,
            protocol: self.protocol,
            tick: self.tick,
        };
        let choice = Choice::new(A::FACTORS, &own);
        match A::micro_component(
            self.runtime,
            parse(spec, "caching"),
            parse(spec, "call"),
            choice,
            step,
        ) {
            Ok(Some(outcome)) => outcome,
            Ok(None) => Outcome::Unsupported(format!("the {} ABI has no micro scenario", A::ID)),
            Err(e) => unsupported_or_error(e),
        }
    }
}

/// `Unsupported` for what cannot run here, `Error` for the rest.
pub(crate) fn unsupported_or_error(e: runtimes::Error) -> Outcome {
    match e.kind() {
        runtimes::ErrorKind::NotCompiled(_) | runtimes::ErrorKind::Unsupported(_) => {
            Outcome::Unsupported(e.to_string())
        }
        _ => Outcome::Error(e.to_string()),
    }
}

struct LoaderStep<'a> {
    guest: &'static [u8],
    loading: Loading,
    operand: Operand,
    protocol: &'a Protocol,
    tick: &'a mut dyn FnMut(),
}

impl MicroLoaderVisitor for LoaderStep<'_> {
    type Output = Outcome;
    fn visit<Ld: Loader>(self, loader: Ld) -> Outcome
    where
        Ld::Host: Multiply<Error = runtimes::Error> + 'static,
    {
        measure_loaded(
            &loader,
            self.guest,
            self.loading,
            self.operand,
            self.protocol,
            self.tick,
        )
    }
}

/// Compiles and instantiates once (timing both phases), then measures:
/// preload keeps that host; hotload loads afresh inside every replicate.
fn measure_loaded<Ld: Loader>(
    loader: &Ld,
    guest: &'static [u8],
    loading: Loading,
    operand: Operand,
    protocol: &Protocol,
    tick: &mut dyn FnMut(),
) -> Outcome
where
    Ld::Host: Multiply<Error = runtimes::Error>,
{
    let t0 = Instant::now();
    let module = match loader.compile(guest) {
        Ok(m) => m,
        Err(e) => return Outcome::Error(e.to_string()),
    };
    let t1 = Instant::now();
    let host = match loader.instantiate(&module) {
        Ok(h) => h,
        Err(e) => return Outcome::Error(e.to_string()),
    };
    let phases = Phases {
        compile_s: Some((t1 - t0).as_secs_f64()),
        instantiate_s: Some(t1.elapsed().as_secs_f64()),
    };
    let result = match loading {
        Loading::Preload => measure(&mut Preloaded::new(host, operand), protocol, tick),
        Loading::Hotload => {
            drop(host);
            let mut subject = Hotloaded {
                loader,
                guest,
                operand,
                expected: Expected::default(),
            };
            measure(&mut subject, protocol, tick)
        }
    };
    match result {
        Ok(samples) => Outcome::Ok {
            samples,
            phases,
            stats: None,
        },
        Err(e) => Outcome::Error(e),
    }
}

/// The timed work of one replicate: `calls` multiplies, every product
/// folded into the checksum. Generic, so native and every ABI run this
/// very loop.
#[inline(always)]
fn calls_loop<M: Multiply>(m: &mut M, operand: Operand, calls: u64) -> Result<Checksum, M::Error> {
    match operand {
        Operand::I32 => loop_i32(m, calls),
        Operand::F32 => loop_f32(m, calls),
    }
}

/// `calls` `i32` multiplies (one function per operand keeps each loop's
/// code and registers to itself).
#[inline(never)]
fn loop_i32<M: Multiply>(m: &mut M, calls: u64) -> Result<Checksum, M::Error> {
    let mut sum = Checksum::default();
    for i in 0..calls {
        let (a, b) = micro::operands_i32(i);
        let p = m.mul_i32(black_box(a), black_box(b))?;
        sum = sum.fold(p as u32);
    }
    Ok(sum)
}

/// `calls` `f32` multiplies.
#[inline(never)]
fn loop_f32<M: Multiply>(m: &mut M, calls: u64) -> Result<Checksum, M::Error> {
    let mut sum = Checksum::default();
    for i in 0..calls {
        let (a, b) = micro::operands_f32(i);
        let p = m.mul_f32(black_box(a), black_box(b))?;
        sum = sum.fold(p.to_bits());
    }
    Ok(sum)
}

/// The native checksum for a replicate size, computed once per size.
#[derive(Default)]
struct Expected(Option<(u64, Checksum)>);

impl Expected {
    fn check(&mut self, operand: Operand, calls: u64, got: Checksum) -> Result<(), String> {
        let want = match self.0 {
            Some((n, c)) if n == calls => c,
            _ => {
                let c = Checksum::expected(operand, calls);
                self.0 = Some((calls, c));
                c
            }
        };
        if got == want {
            Ok(())
        } else {
            Err(format!(
                "wrong result: checksum {:#010x} after {calls} calls, native gives {:#010x}",
                got.0, want.0
            ))
        }
    }
}

/// Preload: the host is ready before timing; a replicate times calls only.
struct Preloaded<M> {
    host: M,
    operand: Operand,
    expected: Expected,
}

impl<M> Preloaded<M> {
    fn new(host: M, operand: Operand) -> Self {
        Preloaded {
            host,
            operand,
            expected: Expected::default(),
        }
    }
}

impl<M: Multiply> Subject for Preloaded<M>
where
    M::Error: std::fmt::Display,
{
    fn replicate(&mut self, calls: u64) -> Result<Duration, String> {
        let start = Instant::now();
        let result = calls_loop(&mut self.host, self.operand, calls);
        let elapsed = start.elapsed();
        let sum = result.map_err(|e| e.to_string())?;
        self.expected.check(self.operand, calls, sum)?;
        Ok(elapsed)
    }
}

/// Hotload: every replicate compiles, instantiates and resolves inside its
/// timed region, then makes its calls.
struct Hotloaded<'a, Ld> {
    loader: &'a Ld,
    guest: &'static [u8],
    operand: Operand,
    expected: Expected,
}

impl<Ld: Loader> Subject for Hotloaded<'_, Ld>
where
    Ld::Host: Multiply<Error = runtimes::Error>,
{
    fn replicate(&mut self, calls: u64) -> Result<Duration, String> {
        let start = Instant::now();
        let result = self
            .loader
            .compile(self.guest)
            .and_then(|m| self.loader.instantiate(&m))
            .and_then(|mut host| Ok((calls_loop(&mut host, self.operand, calls)?, host)));
        let elapsed = start.elapsed();
        let (sum, host) = result.map_err(|e| e.to_string())?;
        drop(host);
        self.expected.check(self.operand, calls, sum)?;
        Ok(elapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_cells_come_first_and_cover_every_factor() {
        let cells = cells(&[RuntimeId::Wasmtime], &[AbiId::Pair]);
        // 16 with owned handles, 8 through the self-referential struct
        // (cached only).
        assert_eq!(cells.len(), 2 + 16 + 8);
        assert!(cells[..2].iter().all(|c| c.target == Target::Native));
        let mut labels: Vec<String> = cells.iter().map(CellSpec::label).collect();
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), cells.len());
        assert!(
            cells[2..]
                .iter()
                .all(|c| c.has_baseline(&cells[0]) ^ c.has_baseline(&cells[1]))
        );
    }

    #[test]
    fn a_wrong_product_fails_the_cell() {
        /// Multiplies correctly except on one call.
        struct OffByOne(u64);
        impl Multiply for OffByOne {
            type Error = std::convert::Infallible;
            fn mul_i32(&mut self, a: i32, b: i32) -> Result<i32, Self::Error> {
                self.0 += 1;
                Ok(micro::mul_i32(a, b) + i32::from(self.0 == 50))
            }
            fn mul_f32(&mut self, a: f32, b: f32) -> Result<f32, Self::Error> {
                Ok(a * b)
            }
        }
        let mut s = Preloaded::new(OffByOne(0), Operand::I32);
        let err = s.replicate(100).unwrap_err();
        assert!(err.starts_with("wrong result: checksum"), "{err}");
        let mut ok = Preloaded::new(micro::Native, Operand::F32);
        assert!(ok.replicate(100).is_ok());
    }
}
