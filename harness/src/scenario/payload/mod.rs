//! The payload scenario: a record, text, a list or an HTTP-like message
//! moved in, out or both ways per call, natively or through an ABI, at
//! sizes from 16 B to 1 MiB. Every call's digest is folded into a checksum
//! compared with native's.

pub mod factors;

use std::hint::black_box;
use std::time::Duration;

use abi_api::{Abi, Loader, PayloadVisitor};
use factor::{FactorInfo, FactorSet, Workload};
use payload::{Direction, Exchange, Inputs, Shape, Size};
use runtimes::{Caching, CallStyle, Engine, EngineConfig, Limits, Linkage, RuntimeId};

use super::chain::{self, ScenarioStep};
use super::define::{Defaults, PlanInput, Scenario, ScenarioCell};
use super::outcome::{Inputs as RunInputs, Outcome, SetupTimes};
use super::spec::{HostedWork, Sandbox, Spec};
use crate::guests::Guests;
use crate::abis::AbiId;
use crate::error::CellError;
use crate::factors::HostProfile;
use crate::measure::{Protocol, Subject, measure, Timer};
pub use factors::{PayloadLink, PayloadWork};

/// The payload scenario (the paper's open question on complex data).
pub struct Payload;

/// A payload cell: one shape, direction and size, natively or through an
/// ABI.
pub type PayloadCell = Spec<PayloadWork, PayloadLink>;

impl Scenario for Payload {
    type Cell = PayloadCell;
    const ABOUT: &'static str =
        "records, text, lists and HTTP-like messages, in, out and both ways, 16 B to 1 MiB";
    const DRIVES: &'static [Workload] = &[Workload::Payload];

    const HELD: &'static [(&'static str, &'static str)] = &[("lang", "rust")];

    fn factors() -> Vec<FactorInfo> {
        [PayloadWork::INFO, PayloadLink::INFO].concat()
    }

    // Calls shrink with the payload ([`calls`]).
    const DEFAULTS: Defaults = Defaults {
        calls: 100_000,
        reps: 20,
        warmup_s: 0.05,
    };
    const QUICK: Defaults = Defaults {
        calls: 200,
        reps: 3,
        warmup_s: 0.0,
    };

    fn cells(input: &PlanInput<'_>) -> Vec<PayloadCell> {
        cells(input.host, input.runtimes, input.abis, input.guests)
    }

    fn run(
        cell: &PayloadCell,
        protocol: &Protocol,
        inputs: &RunInputs,
        tick: &mut dyn FnMut(),
    ) -> Outcome {
        run(cell, protocol, &inputs.guests, tick)
    }
}

impl HostedWork for PayloadWork {
    const WORKLOAD: Workload = Workload::Payload;
}

/// Bytes moved per replicate at most: calls per replicate shrink with the
/// payload so a 1 MiB cell takes as long as a 16 B one, within a bound.
pub const BYTES_PER_REPLICATE: u64 = 8 << 20;
/// Calls per replicate at least, however big the payload.
pub const MIN_CALLS: u64 = 8;

/// Calls per replicate of a cell moving `size`, given the run's `--calls`.
pub fn calls(size: Size, requested: u64) -> u64 {
    (BYTES_PER_REPLICATE / size.bytes() as u64)
        .max(MIN_CALLS)
        .min(requested)
}

/// Every shape × direction × size of its sweep, natively, then per runtime
/// and ABI with each choice of the ABI's own factors.
pub fn cells(
    host: HostProfile,
    runtimes: &[RuntimeId],
    abis: &[AbiId],
    guests: &Guests,
) -> Vec<PayloadCell> {
    let mut works = Vec::new();
    for &shape in Shape::ALL {
        for &direction in Direction::ALL {
            for &size in Size::sweep(shape) {
                works.push(PayloadWork {
                    shape,
                    direction,
                    size,
                });
            }
        }
    }
    let spec = |work, sandbox| Spec {
        host,
        work,
        sandbox,
    };
    let mut out: Vec<PayloadCell> = works.iter().map(|&w| spec(w, None)).collect();
    for &runtime in runtimes {
        for &abi in abis {
            if !abi.info().workloads.contains(&Workload::Payload) {
                continue;
            }
            for link in PayloadLink::combinations(Workload::Payload) {
                // A language without a guest for this ABI has no cell.
                if !guests.has(abi, link.lang) {
                    continue;
                }
                for &work in &works {
                    for choice in abi.choices(Workload::Payload, Caching::Cached) {
                        let sandbox = Sandbox {
                            runtime,
                            abi: choice,
                            link,
                        };
                        out.push(spec(work, Some(sandbox)));
                    }
                }
            }
        }
    }
    out
}

/// Measures one payload cell.
pub fn run(
    spec: &Spec<PayloadWork, PayloadLink>,
    protocol: &Protocol,
    guests: &Guests,
    tick: &mut dyn FnMut(),
) -> Outcome {
    let work = spec.work;
    let protocol = Protocol {
        calls: calls(work.size, protocol.calls),
        ..*protocol
    };
    let job = Job {
        work,
        inputs: Inputs::build(work.shape, work.size),
        protocol: &protocol,
    };
    match &spec.sandbox {
        None => job.measure(payload::Native, SetupTimes::default(), tick),
        Some(sb) => {
            let of = spec.guest();
            let guest = match chain::guest(guests, &of) {
                Ok(g) => g,
                Err(unsupported) => return unsupported,
            };
            chain::sandboxed(
                sb.runtime,
                EngineConfig::new(Limits::On, protocol.budget),
                sb.abi,
                Caching::Cached,
                CallStyle::Typed,
                PayloadStep { guest, job, tick },
            )
        }
    }
}

/// What every payload cell does, whatever moves the data.
struct Job<'a> {
    work: PayloadWork,
    inputs: Inputs,
    protocol: &'a Protocol,
}

impl Job<'_> {
    fn measure<X: Exchange>(self, host: X, phases: SetupTimes, tick: &mut dyn FnMut()) -> Outcome
    where
        CellError: From<X::Error>,
    {
        let mut subject = Calls {
            host,
            work: self.work,
            inputs: &self.inputs,
            expected: None,
        };
        Outcome::measured(measure(&mut subject, self.protocol, tick), phases, None)
    }
}

/// Folds a call's digest into the checksum (order-sensitive).
#[inline(always)]
fn fold(sum: u64, digest: u64) -> u64 {
    sum.rotate_left(7) ^ digest
}

/// `calls` calls of one shape and direction, their digests folded into a
/// checksum: the timed loop. Each (shape, direction) arm instantiates
/// [`each`] with its own closure, so every loop is monomorphic; the match
/// runs once per replicate.
pub fn calls_loop<X: Exchange>(
    x: &mut X,
    work: PayloadWork,
    inputs: &Inputs,
    calls: u64,
) -> Result<u64, X::Error> {
    const D: usize = payload::DISTINCT;
    let n = work.size.bytes();
    match (inputs, work.direction) {
        (Inputs::Record(v), Direction::In) => each(calls, |i| x.record_in(&v[i % D])),
        (Inputs::Record(_), Direction::Out) => each(calls, |i| x.record_out(i as u64)),
        (Inputs::Record(v), Direction::Roundtrip) => each(calls, |i| x.record_roundtrip(&v[i % D])),
        (Inputs::String(v), Direction::In) => each(calls, |i| x.string_in(&v[i % D])),
        (Inputs::String(_), Direction::Out) => each(calls, |i| x.string_out(i as u64, n)),
        (Inputs::String(v), Direction::Roundtrip) => each(calls, |i| x.string_roundtrip(&v[i % D])),
        (Inputs::List(v), Direction::In) => each(calls, |i| x.list_in(&v[i % D])),
        (Inputs::List(_), Direction::Out) => each(calls, |i| x.list_out(i as u64, n / 4)),
        (Inputs::List(v), Direction::Roundtrip) => each(calls, |i| x.list_roundtrip(&v[i % D])),
        (Inputs::Nested(v), Direction::In) => each(calls, |i| x.nested_in(&v[i % D])),
        (Inputs::Nested(_), Direction::Out) => each(calls, |i| x.nested_out(i as u64, n)),
        (Inputs::Nested(v), Direction::Roundtrip) => each(calls, |i| x.nested_roundtrip(&v[i % D])),
    }
}

/// The loop itself: call number `i` for every `i`, digests folded.
#[inline(never)]
fn each<E>(calls: u64, mut call: impl FnMut(usize) -> Result<u64, E>) -> Result<u64, E> {
    let mut sum = 0u64;
    for i in 0..calls {
        sum = fold(sum, call(black_box(i as usize))?);
    }
    Ok(sum)
}

/// One replicate: `calls` calls, timed; the checksum compared with
/// native's (computed once per replicate size, untimed).
pub(super) struct Calls<'a, X> {
    host: X,
    work: PayloadWork,
    inputs: &'a Inputs,
    expected: Option<(u64, u64)>,
}

impl<'a, X: Exchange> Calls<'a, X> {
    /// The calls of `work` on `host`, sending `inputs`.
    pub(super) fn new(host: X, work: PayloadWork, inputs: &'a Inputs) -> Self {
        Calls {
            host,
            work,
            inputs,
            expected: None,
        }
    }
}

impl<X: Exchange> Subject for Calls<'_, X>
where
    CellError: From<X::Error>,
{
    fn replicate(&mut self, calls: u64) -> Result<Duration, CellError> {
        let start = Timer::start();
        let result = calls_loop(&mut self.host, self.work, self.inputs, calls);
        let elapsed = start.stop();
        let got = result?;
        let want = match self.expected {
            Some((n, sum)) if n == calls => sum,
            _ => {
                let Ok(sum) = calls_loop(&mut payload::Native, self.work, self.inputs, calls);
                self.expected = Some((calls, sum));
                sum
            }
        };
        if got != want {
            return Err(CellError::wrong_result(format!(
                "wrong result: checksum {got:#018x} after {calls} calls, native gives {want:#018x}"
            )));
        }
        Ok(elapsed)
    }
    fn calibrates(&self) -> bool {
        true
    }
}

struct PayloadStep<'a> {
    guest: &'a [u8],
    job: Job<'a>,
    tick: &'a mut dyn FnMut(),
}

impl ScenarioStep for PayloadStep<'_> {
    fn run<E: Engine, A: Abi, L: Linkage>(self, engine: E, own: A::Factors) -> Outcome {
        let guest = self.guest;
        A::payload::<E, L, _>(engine, own, LoadStep { guest, step: self })
            .unwrap_or_else(Outcome::failed)
    }
}

struct LoadStep<'a> {
    guest: &'a [u8],
    step: PayloadStep<'a>,
}

impl PayloadVisitor for LoadStep<'_> {
    type Output = Outcome;
    fn visit<Ld: Loader>(self, loader: Ld) -> Outcome
    where
        Ld::Host: Exchange<Error = runtimes::Error> + 'static,
    {
        let PayloadWork {
            shape, direction, ..
        } = self.step.job.work;
        if let Err(why) = Ld::Host::carries(shape, direction) {
            return Outcome::Unsupported(why.to_string());
        }
        match chain::load(&loader, self.guest) {
            Ok((host, phases)) => self.step.job.measure(host, phases, self.step.tick),
            Err(e) => Outcome::Error(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_shrink_with_the_payload_within_bounds() {
        assert_eq!(calls(Size::B16, 100_000), 100_000);
        assert_eq!(calls(Size::M1, 100_000), MIN_CALLS);
        assert_eq!(calls(Size::K64, 100_000), 128);
        assert_eq!(calls(Size::K64, 10), 10);
    }

    #[test]
    fn natives_cover_every_work_once() {
        let cells = cells(HostProfile::Dev, &[], &[], &Guests::default());
        let is_native = |c: &PayloadCell| c.sandbox.is_none();
        let per_shape: usize = Shape::ALL.iter().map(|&s| Size::sweep(s).len()).sum();
        assert_eq!(cells.len(), per_shape * Direction::ALL.len());
        assert!(cells.iter().all(is_native));
    }

    #[test]
    fn a_wrong_digest_fails_the_cell() {
        /// Answers every text with a digest off by one.
        struct Liar;
        impl Exchange for Liar {
            type Error = std::convert::Infallible;
            fn unsupported(_: Shape, _: Direction) -> Self::Error {
                unreachable!()
            }
            fn string_in(&mut self, s: &str) -> Result<u64, Self::Error> {
                Ok(payload::Digest::new().str(s).finish() + 1)
            }
        }
        let work = PayloadWork {
            shape: Shape::String,
            direction: Direction::In,
            size: Size::B16,
        };
        let inputs = Inputs::build(work.shape, work.size);
        let mut bad = Calls {
            host: Liar,
            work,
            inputs: &inputs,
            expected: None,
        };
        let err = bad.replicate(10).unwrap_err();
        assert_eq!(err.class, crate::error::ErrorClass::WrongResult);
        let mut good = Calls {
            host: payload::Native,
            work,
            inputs: &inputs,
            expected: None,
        };
        assert!(good.replicate(10).is_ok());
    }
}
