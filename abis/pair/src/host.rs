//! The host half of the Pair ABI.

use abi_api::memory::{Replay, hit_result, init_result};
use abi_api::{
    Abi, Caching, CoreLoader, Engine, Error, ErrorKind, Instance, Linkage, MicroVisitor, Multiply,
    PayloadVisitor, Result, SimVisitor, Simulator, Workload,
};
use cachesim::{InGuest, Request, Setup, Stats};
use payload::{Direction, Exchange, Record, Shape};

use crate::exports;

abi_api::factor_enum! {
    /// How the host keeps its export handles: the paper's self-referential
    /// struct factor (Pair only, as in the paper's Table 1).
    pub enum Handles ("handles", "cached handles owned by the host struct, or borrowed through an \
        ouroboros self-referential struct (paper's Figure 5); cached cells only") {
        /// Owned by the host struct next to the instance.
        Owned = "owned",
        /// Borrowed through an ouroboros self-referential struct.
        Srs = "srs",
    }
}

abi_api::factor_set! {
    /// The Pair ABI's own factors.
    pub struct PairFactors {
        /// How the host keeps its handles (the payload scenario has one
        /// record export: owned handles).
        #[only(Micro, Sim)]
        pub handles: Handles,
    }
}

/// The Pair ABI, as registered with the harness.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pair;

type I<E> = <E as Engine>::Instance;

impl Abi for Pair {
    const ID: &'static str = "pair";
    const ABOUT: &'static str = "operands as direct wasm scalars (no memory traffic)";
    const WORKLOADS: &'static [Workload] = &[Workload::Micro, Workload::Sim, Workload::Payload];
    type Factors = PairFactors;

    fn applies(caching: Caching, own: &PairFactors) -> bool {
        // A self-referential struct holds references to resolved handles;
        // with lookups by name there is nothing to hold.
        match own.handles {
            Handles::Owned => true,
            Handles::Srs => caching == Caching::Cached,
        }
    }

    fn micro<E: Engine, L: Linkage, V: MicroVisitor>(
        engine: E,
        own: PairFactors,
        visitor: V,
    ) -> Result<V::Output> {
        Ok(match own.handles {
            Handles::Owned => visitor.visit(CoreLoader::new(engine, PairMicro::<I<E>, L>::open)),
            Handles::Srs => visitor.visit(CoreLoader::new(engine, PairSrs::<I<E>, L>::open)),
        })
    }

    fn sim<E: Engine, L: Linkage, V: SimVisitor>(
        engine: E,
        own: PairFactors,
        visitor: V,
    ) -> Result<V::Output> {
        Ok(match own.handles {
            Handles::Owned => visitor.visit(CoreLoader::new(engine, PairSim::<I<E>, L>::open)),
            Handles::Srs => visitor.visit(CoreLoader::new(engine, PairSimSrs::<I<E>, L>::open)),
        })
    }

    fn payload<E: Engine, L: Linkage, V: PayloadVisitor>(
        engine: E,
        own: PairFactors,
        visitor: V,
    ) -> Result<V::Output> {
        match own.handles {
            Handles::Owned => {
                Ok(visitor.visit(CoreLoader::new(engine, PairPayload::<I<E>, L>::open)))
            }
            // Not a payload factor (`#[only(Micro, Sim)]`): never chosen.
            Handles::Srs => Err(ErrorKind::Unsupported(
                "the self-referential struct is measured in the micro and simulator scenarios"
                    .into(),
            )
            .into()),
        }
    }
}

/// The payload scenario over Pair: the record's fields as scalar
/// arguments, its digest as the scalar result. Nothing else fits in
/// scalars, and a Rust guest returns one scalar (multi-value returns need
/// the unstable `extern "wasm"` ABI), so Pair carries the record in only.
pub struct PairPayload<I: Instance, L: Linkage> {
    inst: I,
    record_in: L::Func<I, (i64, f64, f64, i64), i64>,
}

impl<I: Instance, L: Linkage> PairPayload<I, L> {
    /// Resolves the export as the linkage dictates.
    pub fn open(mut inst: I) -> Result<Self> {
        Ok(PairPayload {
            record_in: L::resolve(
                &mut inst,
                abi_api::exports::payload(Shape::Record, Direction::In),
            )?,
            inst,
        })
    }
}

impl<I: Instance, L: Linkage> Exchange for PairPayload<I, L> {
    type Error = Error;

    fn carries(shape: Shape, direction: Direction) -> core::result::Result<(), &'static str> {
        match (shape, direction) {
            (Shape::Record, Direction::In) => Ok(()),
            (Shape::Record, Direction::Out | Direction::Roundtrip) => Err(
                "Pair returns one scalar: a Rust guest on wasm32 has no multi-value returns \
                 (the `extern \"wasm\"` ABI is unstable)",
            ),
            (Shape::String | Shape::List | Shape::Nested, _) => {
                Err("Pair passes scalars only: variable-length data needs memory")
            }
        }
    }

    #[cold]
    fn unsupported(shape: Shape, direction: Direction) -> Error {
        ErrorKind::Unsupported(format!("Pair does not carry {shape} {direction}")).into()
    }

    #[inline(always)]
    fn record_in(&mut self, r: &Record) -> Result<u64> {
        let small = i64::from(r.count) | (i64::from(r.port) << 32) | (i64::from(r.flags) << 48);
        let args = (r.id as i64, r.x, r.y, small);
        Ok(L::invoke(&mut self.inst, &self.record_in, args)? as u64)
    }
}

/// The simulator over the Pair ABI: a request is two scalars.
pub struct PairSim<I: Instance, L: Linkage> {
    inst: I,
    init: L::Func<I, (i32, i64), i32>,
    send: L::Func<I, (i32, i32), i32>,
    stats: L::Func<I, (i32,), i64>,
    replay: Option<Replay<I, L>>,
}

impl<I: Instance, L: Linkage> PairSim<I, L> {
    /// Resolves the exports as the linkage dictates.
    pub fn open(mut inst: I) -> Result<Self> {
        Ok(PairSim {
            init: L::resolve(&mut inst, exports::SIM_INIT)?,
            send: L::resolve(&mut inst, exports::SIM_SEND)?,
            stats: L::resolve(&mut inst, exports::SIM_STATS)?,
            replay: None,
            inst,
        })
    }
}

impl<I: Instance, L: Linkage> InGuest for PairSim<I, L> {
    type Error = Error;

    fn load(&mut self, trace: &[Request]) -> Result<()> {
        self.replay = Some(Replay::load(&mut self.inst, trace)?);
        Ok(())
    }

    #[inline(always)]
    fn replay(&mut self) -> Result<u32> {
        Replay::run_loaded(self.replay.as_ref(), &mut self.inst)
    }
}

impl<I: Instance, L: Linkage> Simulator for PairSim<I, L> {
    type Error = Error;

    fn in_guest(&mut self) -> Option<&mut dyn InGuest<Error = Error>> {
        Some(self)
    }

    fn init(&mut self, setup: Setup, capacity_bytes: u64) -> Result<()> {
        let args = (setup.code() as i32, capacity_bytes as i64);
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
        read_stats::<I, L>(&mut self.inst, &self.stats)
    }
}

/// The four scalar `sim_stats` calls.
fn read_stats<I: Instance, L: Linkage>(inst: &mut I, f: &L::Func<I, (i32,), i64>) -> Result<Stats> {
    let mut v = [0u64; 4];
    for (i, slot) in v.iter_mut().enumerate() {
        let x = L::invoke(inst, f, (i as i32,))?;
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
pub struct MulHandles<I: Instance, L: Linkage> {
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
    handles: MulHandles<I, L>,
    #[borrows(handles)]
    mul_i32: &'this L::Func<I, (i32, i32), i32>,
    #[borrows(handles)]
    mul_f32: &'this L::Func<I, (f32, f32), f32>,
}

impl<I: Instance, L: Linkage> PairSrs<I, L> {
    /// Resolves the exports into the owned table and borrows them.
    pub fn open(mut inst: I) -> Result<Self> {
        let handles = MulHandles {
            mul_i32: L::resolve(&mut inst, exports::MUL_I32)?,
            mul_f32: L::resolve(&mut inst, exports::MUL_F32)?,
        };
        Ok(PairSrsBuilder {
            inst,
            handles,
            mul_i32_builder: |h: &MulHandles<I, L>| &h.mul_i32,
            mul_f32_builder: |h: &MulHandles<I, L>| &h.mul_f32,
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

/// The simulator's resolved handles, owned by a [`PairSimSrs`].
pub struct SimHandles<I: Instance, L: Linkage> {
    init: L::Func<I, (i32, i64), i32>,
    send: L::Func<I, (i32, i32), i32>,
    stats: L::Func<I, (i32,), i64>,
}

/// The simulator over Pair with the handles borrowed through an ouroboros
/// self-referential struct, as [`PairSrs`] does for the multiply.
#[ouroboros::self_referencing]
pub struct PairSimSrs<I: Instance + 'static, L: Linkage> {
    inst: I,
    handles: SimHandles<I, L>,
    replay: Option<Replay<I, L>>,
    #[borrows(handles)]
    send: &'this L::Func<I, (i32, i32), i32>,
}

impl<I: Instance, L: Linkage> PairSimSrs<I, L> {
    /// Resolves the exports into the owned table and borrows `sim_send`.
    pub fn open(mut inst: I) -> Result<Self> {
        let handles = SimHandles {
            init: L::resolve(&mut inst, exports::SIM_INIT)?,
            send: L::resolve(&mut inst, exports::SIM_SEND)?,
            stats: L::resolve(&mut inst, exports::SIM_STATS)?,
        };
        Ok(PairSimSrsBuilder {
            inst,
            handles,
            replay: None,
            send_builder: |h: &SimHandles<I, L>| &h.send,
        }
        .build())
    }
}

impl<I: Instance, L: Linkage> InGuest for PairSimSrs<I, L> {
    type Error = Error;

    fn load(&mut self, trace: &[Request]) -> Result<()> {
        self.with_mut(|s| {
            *s.replay = Some(Replay::load(s.inst, trace)?);
            Ok(())
        })
    }

    #[inline(always)]
    fn replay(&mut self) -> Result<u32> {
        self.with_mut(|s| Replay::run_loaded(s.replay.as_ref(), s.inst))
    }
}

impl<I: Instance, L: Linkage> Simulator for PairSimSrs<I, L> {
    type Error = Error;

    fn in_guest(&mut self) -> Option<&mut dyn InGuest<Error = Error>> {
        Some(self)
    }

    fn init(&mut self, setup: Setup, capacity_bytes: u64) -> Result<()> {
        let args = (setup.code() as i32, capacity_bytes as i64);
        self.with_mut(|s| init_result(L::invoke(s.inst, &s.handles.init, args)?))
    }

    #[inline(always)]
    fn send(&mut self, r: Request) -> Result<bool> {
        self.with_mut(|s| hit_result(L::invoke(s.inst, *s.send, (r.id as i32, r.size as i32))?))
    }

    fn stats(&mut self) -> Result<Stats> {
        self.with_mut(|s| read_stats::<I, L>(s.inst, &s.handles.stats))
    }
}
