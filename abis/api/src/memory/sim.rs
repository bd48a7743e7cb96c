//! The simulator over any memory-sharing ABI: [`MemorySim`], the in-guest
//! replay every core ABI shares ([`Replay`]), the interpretation of the
//! guest's answers, and the entry point [`sim()`].

use std::marker::PhantomData;

use cachesim::{InGuest, Request, Setup, Simulator, Stats};
use runtimes::{Error, ErrorKind, Instance, Linkage, Result, guest_range};

use super::{GuestMemory, MEMORY, Strategy};
use crate::{Codec, exports};

/// The simulator over any memory-sharing ABI: `init` with scalars, each
/// request encoded with `C` into guest memory as `S` dictates and sent as
/// `(ptr, len)`, the counters read back from the guest's output buffer.
pub struct MemorySim<I: Instance, L: Linkage, S: Strategy, C: Codec> {
    inst: I,
    mem: GuestMemory<I, L, S>,
    init: L::Func<I, (i32, i64), i32>,
    send: L::Func<I, (i32, i32), i32>,
    send_batch: L::Func<I, (i32, i32), i32>,
    stats: L::Func<I, (), i64>,
    replay: Option<Replay<I, L>>,
    _codec: PhantomData<C>,
}

/// The host half of the in-guest replay ([`InGuest`]), shared by every
/// core ABI: its exports are resolved only when a trace is loaded (a guest
/// without them runs every other cell), and the trace is written as raw
/// `(id, size)` pairs, whatever the ABI's codec, into the block
/// `sim_replay_alloc` gives.
pub struct Replay<I: Instance, L: Linkage> {
    run: L::Func<I, (i32, i32), i32>,
    /// The loaded trace's address and length.
    loaded: (i32, i32),
}

impl<I: Instance, L: Linkage> Replay<I, L> {
    /// Resolves the two exports and copies `trace` into the guest.
    pub fn load(inst: &mut I, trace: &[Request]) -> Result<Self> {
        let alloc = L::resolve::<I, (i32,), i32>(inst, exports::SIM_REPLAY_ALLOC)?;
        let run = L::resolve::<I, (i32, i32), i32>(inst, exports::SIM_REPLAY)?;
        let n = i32::try_from(trace.len()).map_err(|_| {
            Error::from(ErrorKind::Abi(format!(
                "a trace of {} requests",
                trace.len()
            )))
        })?;
        let ptr = L::invoke(inst, &alloc, (n,))? as u32;
        let memory = L::resolve_memory(inst, MEMORY)?;
        let mem = L::memory(inst, &memory)?;
        let bytes = inst.memory_mut(&mem);
        let range = guest_range(ptr.into(), 8 * trace.len() as u64, bytes.len())?;
        for (out, r) in bytes[range].chunks_exact_mut(8).zip(trace) {
            out[..4].copy_from_slice(&r.id.to_le_bytes());
            out[4..].copy_from_slice(&r.size.to_le_bytes());
        }
        Ok(Replay {
            run,
            loaded: (ptr as i32, n),
        })
    }

    /// Replays the loaded trace inside the guest: one call; the hits.
    #[inline(always)]
    pub fn run(&self, inst: &mut I) -> Result<u32> {
        let hits = L::invoke(inst, &self.run, self.loaded)?;
        batch_hits(hits, self.loaded.1 as usize)
    }

    /// [`Replay::run`] on an optional loaded replay.
    pub fn run_loaded(replay: Option<&Self>, inst: &mut I) -> Result<u32> {
        match replay {
            Some(r) => r.run(inst),
            None => Err(ErrorKind::Abi("sim_replay before a trace was loaded".into()).into()),
        }
    }
}

impl<I: Instance, L: Linkage, S: Strategy, C: Codec> MemorySim<I, L, S, C> {
    /// Resolves the exports and the memory protocol.
    pub fn open(mut inst: I) -> Result<Self> {
        Ok(MemorySim {
            mem: GuestMemory::open(&mut inst)?,
            init: L::resolve(&mut inst, exports::SIM_INIT)?,
            send: L::resolve(&mut inst, exports::SIM_SEND)?,
            send_batch: L::resolve(&mut inst, exports::SIM_SEND_BATCH)?,
            stats: L::resolve(&mut inst, exports::SIM_STATS)?,
            replay: None,
            inst,
            _codec: PhantomData,
        })
    }
}

/// Interprets `sim_send_batch`'s answer for a batch of `n` requests.
#[inline(always)]
pub fn batch_hits(code: i32, n: usize) -> Result<u32> {
    match u32::try_from(code) {
        Ok(h) if h as usize <= n => Ok(h),
        _ => Err(bad_batch(code, n)),
    }
}

#[cold]
#[inline(never)]
fn bad_batch(code: i32, n: usize) -> Error {
    ErrorKind::Abi(format!(
        "sim_send_batch answered {code} hits for {n} requests"
    ))
    .into()
}

/// Interprets `sim_init`'s answer.
pub fn init_result(code: i32) -> Result<()> {
    match code {
        0 => Ok(()),
        other => Err(ErrorKind::Abi(format!("sim_init answered {other}")).into()),
    }
}

/// Interprets `sim_send`'s answer: 1 hit, 0 miss, anything else a broken guest.
#[inline(always)]
pub fn hit_result(code: i32) -> Result<bool> {
    match code {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(bad_hit(other)),
    }
}

#[cold]
#[inline(never)]
fn bad_hit(code: i32) -> Error {
    ErrorKind::Abi(format!("sim_send answered {code}, not 0 or 1")).into()
}

impl<I: Instance, L: Linkage, S: Strategy, C: Codec> InGuest for MemorySim<I, L, S, C> {
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

impl<I: Instance, L: Linkage, S: Strategy, C: Codec> Simulator for MemorySim<I, L, S, C> {
    type Error = Error;

    fn in_guest(&mut self) -> Option<&mut dyn InGuest<Error = Error>> {
        Some(self)
    }

    fn init(&mut self, setup: Setup, capacity_bytes: u64) -> Result<()> {
        let code = L::invoke(
            &mut self.inst,
            &self.init,
            (setup.code() as i32, capacity_bytes as i64),
        )?;
        init_result(code)
    }

    #[inline(always)]
    fn send(&mut self, r: Request) -> Result<bool> {
        let args = self.mem.place_encoded(
            &mut self.inst,
            |out| C::encode_request(r, out),
            || C::size_request(r),
        )?;
        hit_result(L::invoke(&mut self.inst, &self.send, args)?)
    }

    #[inline(always)]
    fn send_batch(&mut self, reqs: &[Request]) -> Result<u32> {
        let args = self
            .mem
            .place_sized(&mut self.inst, C::size_requests(reqs), |out| {
                C::encode_requests(reqs, out)
            })?;
        batch_hits(
            L::invoke(&mut self.inst, &self.send_batch, args)?,
            reqs.len(),
        )
    }

    fn stats(&mut self) -> Result<Stats> {
        let packed = L::invoke(&mut self.inst, &self.stats, ())?;
        let from = L::name(&self.stats);
        self.mem.read_packed(&mut self.inst, from, packed, |bytes| {
            C::decode_stats(bytes)
                .ok_or_else(|| ErrorKind::Decode("not a stats message".into()).into())
        })
    }
}

entry_point! {
    /// `Abi::sim` for a memory-sharing ABI with codec `C`.
    sim: SimVisitor => MemorySim
}
