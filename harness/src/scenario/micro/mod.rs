//! The micro scenario: N multiplies per replicate, natively or through an ABI.

pub mod factors;

use std::hint::black_box;
use std::time::Duration;

use abi_api::{Abi, Loader, MicroVisitor};
use factor::{FactorInfo, FactorSet, Workload};
use micro::{Checksum, Multiply, Operand};
use runtimes::{Engine, EngineConfig, Linkage, RuntimeId};

use super::chain::{self, ScenarioStep};
use super::define::{Defaults, PlanInput, Scenario, ScenarioCell};
use super::outcome::{Inputs, Outcome, SetupTimes};
use super::spec::{HostedWork, Sandbox, Spec};
use crate::guests::Guests;
use crate::abis::AbiId;
use crate::error::CellError;
use crate::factors::HostProfile;
use crate::measure::{Protocol, Subject, measure, Timer};
pub use factors::{Loading, MicroLink, MicroWork};

/// The micro scenario (the paper's micro-benchmark).
pub struct Micro;

/// A micro cell: one operand type, natively or through an ABI.
pub type MicroCell = Spec<MicroWork, MicroLink>;

impl Scenario for Micro {
    type Cell = MicroCell;
    const ABOUT: &'static str = "the paper's multiply call, N calls per replicate";
    const DRIVES: &'static [Workload] = &[Workload::Micro];

    const HELD: &'static [(&'static str, &'static str)] = &[("limits", "off"), ("lang", "rust")];

    fn factors() -> Vec<FactorInfo> {
        [MicroWork::INFO, MicroLink::INFO].concat()
    }

    // The paper's protocol: 100 replicates of 100,000 calls.
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

    fn cells(input: &PlanInput<'_>) -> Vec<MicroCell> {
        cells(input.host, input.runtimes, input.abis, input.guests)
    }

    fn run(
        cell: &MicroCell,
        protocol: &Protocol,
        inputs: &Inputs,
        tick: &mut dyn FnMut(),
    ) -> Outcome {
        run(cell, protocol, &inputs.guests, tick)
    }
}

impl HostedWork for MicroWork {
    const WORKLOAD: Workload = Workload::Micro;
}

/// Native cells (one per operand), then every runtime × ABI × link ×
/// operand × own-factor cell.
pub fn cells(
    host: HostProfile,
    runtimes: &[RuntimeId],
    abis: &[AbiId],
    guests: &Guests,
) -> Vec<MicroCell> {
    let spec = |operand, sandbox| Spec {
        host,
        work: MicroWork { operand },
        sandbox,
    };
    let mut out: Vec<MicroCell> = Operand::ALL.iter().map(|&o| spec(o, None)).collect();
    for &runtime in runtimes {
        for &abi in abis {
            if !abi.info().workloads.contains(&Workload::Micro) {
                continue;
            }
            for link in MicroLink::combinations(Workload::Micro) {
                // A language without a guest for this ABI has no cell.
                if !guests.has(abi, link.lang) {
                    continue;
                }
                for &operand in Operand::ALL {
                    for choice in abi.choices(Workload::Micro, link.caching) {
                        out.push(spec(
                            operand,
                            Some(Sandbox {
                                runtime,
                                abi: choice,
                                link,
                            }),
                        ));
                    }
                }
            }
        }
    }
    out
}

/// Measures one micro cell.
pub fn run(
    spec: &Spec<MicroWork, MicroLink>,
    protocol: &Protocol,
    guests: &Guests,
    tick: &mut dyn FnMut(),
) -> Outcome {
    let operand = spec.work.operand;
    match &spec.sandbox {
        None => {
            let mut subject = Preloaded::new(micro::Native, operand);
            Outcome::measured(
                measure(&mut subject, protocol, tick),
                SetupTimes::default(),
                None,
            )
        }
        Some(sb) => {
            let of = spec.guest();
            let guest = match chain::guest(guests, &of) {
                Ok(g) => g,
                Err(unsupported) => return unsupported,
            };
            chain::sandboxed(
                sb.runtime,
                EngineConfig::new(sb.link.limits, protocol.budget),
                sb.abi,
                sb.link.caching,
                sb.link.call,
                MicroStep {
                    guest,
                    loading: sb.link.loading,
                    operand,
                    protocol,
                    tick,
                },
            )
        }
    }
}

struct MicroStep<'a> {
    guest: &'a [u8],
    loading: Loading,
    operand: Operand,
    protocol: &'a Protocol,
    tick: &'a mut dyn FnMut(),
}

impl ScenarioStep for MicroStep<'_> {
    fn run<E: Engine, A: Abi, L: Linkage>(self, engine: E, own: A::Factors) -> Outcome {
        let guest = self.guest;
        A::micro::<E, L, _>(engine, own, LoadStep { guest, step: self })
            .unwrap_or_else(Outcome::failed)
    }
}

struct LoadStep<'a> {
    guest: &'a [u8],
    step: MicroStep<'a>,
}

impl MicroVisitor for LoadStep<'_> {
    type Output = Outcome;
    fn visit<Ld: Loader>(self, loader: Ld) -> Outcome
    where
        Ld::Host: Multiply<Error = runtimes::Error> + 'static,
    {
        let s = self.step;
        measure_loaded(
            &loader, self.guest, s.loading, s.operand, s.protocol, s.tick,
        )
    }
}

/// Compiles and instantiates once (timing both phases), then measures:
/// preload keeps that host; hotload loads afresh inside every replicate.
fn measure_loaded<Ld: Loader>(
    loader: &Ld,
    guest: &[u8],
    loading: Loading,
    operand: Operand,
    protocol: &Protocol,
    tick: &mut dyn FnMut(),
) -> Outcome
where
    Ld::Host: Multiply<Error = runtimes::Error>,
{
    let (host, phases) = match chain::load(loader, guest) {
        Ok(loaded) => loaded,
        Err(e) => return Outcome::Error(e),
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
    Outcome::measured(result, phases, None)
}

/// The timed work of one replicate: `calls` multiplies, every product
/// folded into the checksum. Generic, so native and every ABI run this
/// very loop.
#[inline(always)]
pub(crate) fn calls_loop<M: Multiply>(
    m: &mut M,
    operand: Operand,
    calls: u64,
) -> Result<Checksum, M::Error> {
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
    fn check(&mut self, operand: Operand, calls: u64, got: Checksum) -> Result<(), CellError> {
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
            Err(CellError::wrong_result(format!(
                "wrong result: checksum {:#010x} after {calls} calls, native gives {:#010x}",
                got.0, want.0
            )))
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
    CellError: From<M::Error>,
{
    fn replicate(&mut self, calls: u64) -> Result<Duration, CellError> {
        let start = Timer::start();
        let result = calls_loop(&mut self.host, self.operand, calls);
        let elapsed = start.stop();
        let sum = result?;
        self.expected.check(self.operand, calls, sum)?;
        Ok(elapsed)
    }
    fn calibrates(&self) -> bool {
        true
    }
}

/// Hotload: every replicate compiles, instantiates and resolves inside its
/// timed region, then makes its calls.
struct Hotloaded<'a, Ld> {
    loader: &'a Ld,
    guest: &'a [u8],
    operand: Operand,
    expected: Expected,
}

impl<Ld: Loader> Subject for Hotloaded<'_, Ld>
where
    Ld::Host: Multiply<Error = runtimes::Error>,
{
    fn replicate(&mut self, calls: u64) -> Result<Duration, CellError> {
        let start = Timer::start();
        let result = self
            .loader
            .compile(self.guest)
            .and_then(|m| self.loader.instantiate(&m))
            .and_then(|mut host| Ok((calls_loop(&mut host, self.operand, calls)?, host)));
        let elapsed = start.stop();
        let (sum, host) = result?;
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
        use crate::cell::Cell;
        use crate::factors::{Caching, CallStyle};
        let cells: Vec<Cell> = cells(
            HostProfile::Dev,
            &[RuntimeId::Wasmtime],
            &[AbiId::Pair],
            &Guests::default(),
        )
            .into_iter()
            .map(Cell::Micro)
            .collect();
        // Pair has a C guest: every link twice.
        let links = Caching::ALL.len()
            * CallStyle::ALL.len()
            * Loading::ALL.len()
            * runtimes::Limits::ALL.len()
            * crate::factors::Lang::ALL.len();
        let per_operand = AbiId::Pair.choices(Workload::Micro, Caching::Cached).len() * links / 2
            + AbiId::Pair
                .choices(Workload::Micro, Caching::Uncached)
                .len()
                * links
                / 2;
        assert_eq!(cells.len(), Operand::ALL.len() * (1 + per_operand));
        let natives = Operand::ALL.len();
        assert!(cells[..natives].iter().all(Cell::is_native));
        let mut ids: Vec<String> = cells.iter().map(Cell::id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), cells.len());
        for c in &cells[natives..] {
            assert!(cells[..natives].contains(&c.baseline()), "{}", c.label());
        }
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
        assert_eq!(err.class, crate::error::ErrorClass::WrongResult);
        assert!(err.message.starts_with("wrong result: checksum"), "{err}");
        let mut ok = Preloaded::new(micro::Native, Operand::F32);
        assert!(ok.replicate(100).is_ok());
    }
}
