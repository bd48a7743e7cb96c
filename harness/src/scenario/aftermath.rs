//! The aftermath scenario: what one large message leaves behind.
//!
//! A plugin that once received a large input may serve every later small
//! request slower, or hold the memory for good (Extism cpp-sdk#15 asks
//! exactly this). Each cell loads a fresh instance, sends it one large
//! text both ways (`large`: none, 1 MiB or 16 MiB, its digest checked
//! against native), then times small calls on the same instance: a 16 B
//! text both ways, the payload scenario's loop and check. Set beside the
//! `large=none` cell of the same runtime and ABI, the small call's time
//! says whether the instance got slower; the row's `retained_b` says how
//! much resident memory the process kept from the large call once the
//! small calls were done: the guest's linear memory never shrinks, and an
//! ABI's buffers (guest or host side) may keep the large block. Limits on,
//! as in the payload scenario.

use abi_api::{Loader, PayloadVisitor};
use factor::{FactorInfo, FactorSet, Workload, factor_enum, factor_set};
use payload::{Direction, Exchange, Inputs, Shape, Size};
use runtimes::{Caching, CallStyle, EngineConfig, Limits};

use super::chain;
use super::define::{Defaults, PlanInput, Scenario, ScenarioCell};
use super::outcome::{Inputs as RunInputs, Outcome};
use super::payload::{Calls, PayloadWork, calls, calls_loop};
use super::spec::{HostedWork, Targeted};
use crate::error::CellError;
use crate::measure::{Protocol, measure};

/// The aftermath scenario.
pub struct Aftermath;

/// The small call timed after the large one.
const SMALL: PayloadWork = PayloadWork {
    shape: Shape::String,
    direction: Direction::Roundtrip,
    size: Size::B16,
};

impl Scenario for Aftermath {
    type Cell = AftermathCell;
    const ABOUT: &'static str = "a 16 B call on an instance that first carried one large \
        text (none, 1 MiB, 16 MiB): its time and the memory kept";
    const DRIVES: &'static [Workload] = &[Workload::Payload];

    fn factors() -> Vec<FactorInfo> {
        AftermathWork::INFO.to_vec()
    }

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

    fn cells(input: &PlanInput<'_>) -> Vec<AftermathCell> {
        let mut out = Vec::new();
        for &runtime in input.runtimes {
            for &abi in input.abis {
                if !abi.info().workloads.contains(&Workload::Payload) {
                    continue;
                }
                for choice in abi.choices(Workload::Payload, Caching::Cached) {
                    for &large in Large::ALL {
                        out.push(AftermathCell {
                            host: input.host,
                            runtime,
                            abi: choice,
                            own: AftermathWork { large },
                        });
                    }
                }
            }
        }
        out
    }

    fn run(cell: &AftermathCell, protocol: &Protocol, inputs: &RunInputs, tick: &mut dyn FnMut()) -> Outcome {
        let of = cell.guest();
        let guest = match chain::guest(&inputs.guests, &of) {
            Ok(g) => g,
            Err(unsupported) => return unsupported,
        };
        let protocol = Protocol {
            calls: calls(SMALL.size, protocol.calls),
            ..*protocol
        };
        chain::sandboxed(
            cell.runtime,
            EngineConfig::new(Limits::On, protocol.budget),
            cell.abi,
            Caching::Cached,
            CallStyle::Typed,
            chain::Payload(Step {
                guest,
                large: cell.own.large.size(),
                protocol: &protocol,
                tick,
            }),
        )
    }
}

factor_enum! {
    /// The large text an aftermath instance carries before its small calls.
    pub enum Large ("large", "one text sent both ways before the timed 16 B calls: none (the \
        baseline), 1 MiB or 16 MiB") {
        /// No large call: the baseline.
        None = "none",
        /// 1 MiB.
        M1 = "1MiB",
        /// 16 MiB.
        M16 = "16MiB",
    }
}

impl Large {
    /// The payload size, if any.
    pub fn size(self) -> Option<Size> {
        match self {
            Large::None => None,
            Large::M1 => Some(Size::M1),
            Large::M16 => Some(Size::M16),
        }
    }
}

factor_set! {
    /// An aftermath cell's own factor.
    pub struct AftermathWork {
        /// The large call before the small ones.
        pub large: Large,
    }
}

impl HostedWork for AftermathWork {
    const WORKLOAD: Workload = Workload::Payload;
}

/// An aftermath cell: one runtime and ABI choice, one large size (no
/// native baseline: its comparison is with `large=none`).
pub type AftermathCell = Targeted<AftermathWork>;

struct Step<'a> {
    guest: &'a [u8],
    large: Option<Size>,
    protocol: &'a Protocol,
    tick: &'a mut dyn FnMut(),
}

impl PayloadVisitor for Step<'_> {
    type Output = Outcome;
    fn visit<Ld: Loader>(self, loader: Ld) -> Outcome
    where
        Ld::Host: Exchange<Error = runtimes::Error> + 'static,
    {
        if let Err(why) = Ld::Host::carries(SMALL.shape, SMALL.direction) {
            return Outcome::Unsupported(why.to_string());
        }
        let small = Inputs::build(SMALL.shape, SMALL.size);
        // The large value and native's digest of it, made before the
        // first reading so that neither counts as retained.
        let large = self.large.map(|size| {
            let work = PayloadWork { size, ..SMALL };
            let inputs = Inputs::build(work.shape, size);
            let Ok(want) = calls_loop(&mut payload::Native, work, &inputs, 1);
            (work, inputs, want)
        });
        let (mut host, phases) = match chain::load(&loader, self.guest) {
            Ok(h) => h,
            Err(e) => return Outcome::Error(e),
        };
        let before = match resident() {
            Ok(b) => b,
            Err(e) => return Outcome::Error(e),
        };
        if let Some((work, inputs, want)) = &large {
            match calls_loop(&mut host, *work, inputs, 1) {
                Ok(got) if got == *want => {}
                Ok(got) => {
                    return Outcome::Error(CellError::wrong_result(format!(
                        "wrong result: the {} text's digest is {got:#018x}, native gives {want:#018x}",
                        work.size
                    )));
                }
                Err(e) => return Outcome::Error(e.into()),
            }
        }
        let mut subject = Calls::new(host, SMALL, &small);
        let result = measure(&mut subject, self.protocol, self.tick);
        let after = match resident() {
            Ok(a) => a,
            Err(e) => return Outcome::Error(e),
        };
        // Freed only now: its pages leaving between the readings would
        // count against what the large call kept.
        drop(large);
        let mut outcome = Outcome::measured(result, phases, None);
        if let Outcome::Ok { retained_b, .. } = &mut outcome {
            *retained_b = Some(after as f64 - before as f64);
        }
        outcome
    }
}

/// The process's resident bytes (`/proc/self/statm`).
fn resident() -> Result<u64, CellError> {
    super::footprint::resident()
        .map_err(|e| CellError::new(crate::error::ErrorClass::Host, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abis::AbiId;
    use crate::factors::HostProfile;
    use crate::guests::Guests;
    use runtimes::RuntimeId;
    use crate::workload::SimOptions;

    /// After a large text the small call still returns native's answer,
    /// and a 16 MiB text leaves more resident memory behind than none.
    #[test]
    fn a_small_call_after_a_large_one_still_answers_as_native() {
        if !crate::alone::alone(
            "scenario::aftermath::tests::a_small_call_after_a_large_one_still_answers_as_native",
        ) {
            return;
        }
        let Some(runtime) = [RuntimeId::Wasmtime, RuntimeId::WasmerCranelift, RuntimeId::Wasmi]
            .into_iter()
            .find(|r| r.compiled_in())
        else {
            return;
        };
        let sim = SimOptions::quick();
        let inputs = RunInputs::default();
        let cells = Aftermath::cells(&PlanInput {
            host: HostProfile::Dev,
            runtimes: &[runtime],
            abis: &[AbiId::Bincode, AbiId::Postcard],
            sim: &sim,
            guests: &Guests::default(),
        });
        // Two ABIs × two memory choices × the three large sizes.
        assert_eq!(cells.len(), 4 * Large::ALL.len());
        let protocol = Protocol {
            calls: 50,
            reps: 3,
            warmup: std::time::Duration::ZERO,
            budget: runtimes::Budget::DEFAULT,
            stop: crate::measure::Stop::Fixed,
        };
        let mut kept = Vec::new();
        for cell in cells {
            match Aftermath::run(&cell, &protocol, &inputs, &mut || {}) {
                Outcome::Ok {
                    samples,
                    retained_b,
                    ..
                } => {
                    assert_eq!(samples.replicate_s.len(), 3);
                    kept.push((cell.own.large, retained_b.expect("measured")));
                    // The reply reuses the block the request freed: a
                    // round trip keeps two copies of a 16 MiB text, not
                    // three (Postcard kept three before input blocks were
                    // rounded to whole words).
                    if cell.own.large == Large::M16 {
                        let kept = retained_b.expect("measured");
                        assert!(kept < (40 << 20) as f64, "{cell:?} kept {kept} bytes");
                    }
                }
                other => panic!("{cell:?}: {other:?}"),
            }
        }
        let of = |l: Large| {
            kept.iter()
                .filter(|(x, _)| *x == l)
                .map(|(_, b)| *b)
                .fold(f64::MAX, f64::min)
        };
        assert!(
            of(Large::M16) > of(Large::None) + (8 << 20) as f64,
            "16 MiB kept {} bytes, none kept {}",
            of(Large::M16),
            of(Large::None)
        );
    }
}
