//! The host half of the Pair ABI.

use abi_api::memory::{hit_result, init_result};
use abi_api::{
    Abi, Choice, Error, ErrorKind, Factor, Instance, Linkage, MicroVisitor, Multiply, Result,
    SimVisitor, Simulator,
};
use cachesim::{Policy, Request, Stats};

use crate::exports;

/// How the host keeps its export handles: the paper's self-referential
/// struct factor (Pair only, as in the paper's Table 1).
pub const HANDLES: Factor = Factor {
    name: "handles",
    values: &["owned", "srs"],
    about: "cached handles owned by the host struct, or borrowed through an ouroboros \
            self-referential struct (paper's Figure 5); cached cells only",
};

/// The Pair ABI, as registered with the harness.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pair;

impl Abi for Pair {
    const ID: &'static str = "pair";
    const ABOUT: &'static str = "operands as direct wasm scalars (no memory traffic)";
    const GUEST: &'static str = "pair";
    const SCENARIOS: &'static [&'static str] = &["micro", "sim"];
    const FACTORS: &'static [Factor] = &[HANDLES];

    fn applies(factors: &[(&'static str, &'static str)]) -> bool {
        // A self-referential struct holds references to resolved handles;
        // with lookups by name there is nothing to hold.
        !(factors.contains(&("handles", "srs")) && factors.contains(&("caching", "uncached")))
    }

    fn micro<I: Instance, L: Linkage, V: MicroVisitor<I>>(
        choice: Choice<'_>,
        visitor: V,
    ) -> Option<V::Output> {
        Some(match choice.get(HANDLES.name) {
            "srs" => visitor.visit(PairSrs::<I, L>::open),
            _ => visitor.visit(PairMicro::<I, L>::open),
        })
    }

    fn sim<I: Instance, L: Linkage, V: SimVisitor<I>>(
        _: Choice<'_>,
        visitor: V,
    ) -> Option<V::Output> {
        Some(visitor.visit(PairSim::<I, L>::open))
    }
}

/// The simulator over the Pair ABI: a request is two scalars.
pub struct PairSim<I: Instance, L: Linkage> {
    inst: I,
    init: L::Func<I, (i32, i64), i32>,
    send: L::Func<I, (i32, i32), i32>,
    stats: L::Func<I, (i32,), i64>,
}

impl<I: Instance, L: Linkage> PairSim<I, L> {
    /// Resolves the exports as the linkage dictates.
    pub fn open(mut inst: I) -> Result<Self> {
        Ok(PairSim {
            init: L::resolve(&mut inst, exports::SIM_INIT)?,
            send: L::resolve(&mut inst, exports::SIM_SEND)?,
            stats: L::resolve(&mut inst, exports::SIM_STATS)?,
            inst,
        })
    }
}

impl<I: Instance, L: Linkage> Simulator for PairSim<I, L> {
    type Error = Error;

    fn init(&mut self, policy: Policy, capacity_bytes: u64) -> Result<()> {
        let args = (policy.code() as i32, capacity_bytes as i64);
        init_result(L::invoke(&mut self.inst, &self.init, args)?)
    }

    #[inline(always)]
    fn send(&mut self, r: Request) -> Result<bool> {
        hit_result(L::invoke(
            &mut self.inst,
            &self.send,
            (r.id as i32, r.size as i32),
        )?)
    }

    fn stats(&mut self) -> Result<Stats> {
        let mut v = [0u64; 4];
        for (i, slot) in v.iter_mut().enumerate() {
            let x = L::invoke(&mut self.inst, &self.stats, (i as i32,))?;
            *slot = u64::try_from(x)
                .map_err(|_| Error::from(ErrorKind::Abi(format!("sim_stats({i}) answered {x}"))))?;
        }
        Ok(Stats {
            requests: v[0],
            hits: v[1],
            bytes: v[2],
            byte_hits: v[3],
        })
    }
}

/// The micro scenario over the Pair ABI: one guest call per multiply, the
/// handles owned by the struct next to the instance.
pub struct PairMicro<I: Instance, L: Linkage> {
    inst: I,
    mul_i32: L::Func<I, (i32, i32), i32>,
    mul_f32: L::Func<I, (f32, f32), f32>,
}

impl<I: Instance, L: Linkage> PairMicro<I, L> {
    /// Resolves the exports as the linkage dictates (checking they exist
    /// and have the right signatures, even when they will be looked up
    /// again on every call).
    pub fn open(mut inst: I) -> Result<Self> {
        Ok(PairMicro {
            mul_i32: L::resolve(&mut inst, exports::MUL_I32)?,
            mul_f32: L::resolve(&mut inst, exports::MUL_F32)?,
            inst,
        })
    }
}

impl<I: Instance, L: Linkage> Multiply for PairMicro<I, L> {
    type Error = Error;

    #[inline(always)]
    fn mul_i32(&mut self, a: i32, b: i32) -> Result<i32> {
        L::invoke(&mut self.inst, &self.mul_i32, (a, b))
    }

    #[inline(always)]
    fn mul_f32(&mut self, a: f32, b: f32) -> Result<f32> {
        L::invoke(&mut self.inst, &self.mul_f32, (a, b))
    }
}

/// The resolved handles a [`PairSrs`] owns and borrows from.
pub struct Handles<I: Instance, L: Linkage> {
    mul_i32: L::Func<I, (i32, i32), i32>,
    mul_f32: L::Func<I, (f32, f32), f32>,
}

/// The paper's Figure 5, with today's APIs: an ouroboros self-referential
/// struct that owns the module's instance and its resolved handles, and
/// calls through `&'this` references into them.
///
/// Wasmer 2 handed out `&Function` borrowed from the `Instance`, which is
/// what forced the paper into a self-referential struct. Wasmer 7 and
/// Wasmtime hand out owned handles, so the references here point into a
/// handle table the struct owns; what the cell measures is the cost of
/// the pattern itself (an extra indirection, a boxed borrowed field).
#[ouroboros::self_referencing]
pub struct PairSrs<I: Instance + 'static, L: Linkage> {
    inst: I,
    handles: Handles<I, L>,
    #[borrows(handles)]
    mul_i32: &'this L::Func<I, (i32, i32), i32>,
    #[borrows(handles)]
    mul_f32: &'this L::Func<I, (f32, f32), f32>,
}

impl<I: Instance, L: Linkage> PairSrs<I, L> {
    /// Resolves the exports into the owned table and borrows them.
    pub fn open(mut inst: I) -> Result<Self> {
        let handles = Handles {
            mul_i32: L::resolve(&mut inst, exports::MUL_I32)?,
            mul_f32: L::resolve(&mut inst, exports::MUL_F32)?,
        };
        Ok(PairSrsBuilder {
            inst,
            handles,
            mul_i32_builder: |h: &Handles<I, L>| &h.mul_i32,
            mul_f32_builder: |h: &Handles<I, L>| &h.mul_f32,
        }
        .build())
    }
}

impl<I: Instance, L: Linkage> Multiply for PairSrs<I, L> {
    type Error = Error;

    #[inline(always)]
    fn mul_i32(&mut self, a: i32, b: i32) -> Result<i32> {
        self.with_mut(|s| L::invoke(s.inst, *s.mul_i32, (a, b)))
    }

    #[inline(always)]
    fn mul_f32(&mut self, a: f32, b: f32) -> Result<f32> {
        self.with_mut(|s| L::invoke(s.inst, *s.mul_f32, (a, b)))
    }
}
