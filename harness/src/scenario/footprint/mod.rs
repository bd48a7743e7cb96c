//! The footprint scenario: what each kept instance costs in memory.
//!
//! A server that keeps an instance per tenant pays for it in memory, and
//! "how many fit in a gigabyte" decides its design. Each replicate makes
//! N instances of the ABI's guest, has each serve one request (checked
//! against native), reads the process before and after, then drops them
//! all and reads again. The row's [`Footprint`] is what they held, per
//! instance: the allocator's bytes in use for them (`mallinfo2`: the
//! kernel's count misses these when malloc reuses memory it kept from
//! earlier frees, as it does after the warm-up) plus the resident pages of
//! their linear-memory reservations (`/proc/self/smaps`); beside it the
//! kernel's own count, the address space, and how much came back on drop.
//! The replicate's time is making and serving the N instances (per
//! instance in the row's `ns_per_call`).
//!
//! Caps stop a sweep before the machine does, each a `cap` error that
//! does not fail the run: [`RESIDENT_CAP`] of resident memory added, the
//! kernel's limit on mappings (`vm.max_map_count`) within
//! [`MAPPING_MARGIN`], [`ADDRESS_CAP`] of address space, and the system
//! refusing memory (ENOMEM) however the caps were missed. With
//! `allocator=pooling` the pool's [`POOL`](super::serve::POOL) slots are
//! another: the 10,000-instance cells end `pool-full`.

mod smaps;

pub(super) use smaps::resident;

use std::time::Duration;

use abi_api::{Loader, MicroVisitor, Multiply};
use analysis::data::Footprint;
use factor::{FactorInfo, FactorSet, Workload, factor_enum, factor_set};
use runtimes::{Caching, CallStyle};

use super::chain;
use super::define::{Defaults, Ended, PlanInput, ProtocolFlag, Scenario, ScenarioCell};
use super::outcome::{Inputs, Outcome, SetupTimes};
use super::phases::check;
use super::serve::{Allocator, targets};
use super::spec::{HostedWork, Targeted};
use crate::error::{CellError, ErrorClass};
use crate::measure::{Protocol, Subject, Timer, measure};

/// The most resident memory a sweep may add: past it the cell stops with
/// a `cap` error (a quarter of this machine kind's 24 GiB, leaving room
/// for the rest of the run).
pub const RESIDENT_CAP: u64 = 6 << 30;

/// A sweep stops this many mappings short of `vm.max_map_count`: past
/// the limit every `mmap` of the process fails, the harness's included.
pub const MAPPING_MARGIN: usize = 2000;

/// The most address space a sweep may take the process to: 100 TiB of the
/// 128 TiB a 47-bit user address space has (each Wasmtime instance
/// reserves over 4 GiB, each Wasmer one 8 GiB, each Extism plug-in more:
/// 10,000 of them do not fit), leaving the rest to the harness.
pub const ADDRESS_CAP: u64 = 100 << 40;

/// Instances made between two checks of the caps.
const BATCH: u64 = 250;

/// The footprint scenario.
pub struct FootprintScenario;

impl Scenario for FootprintScenario {
    type Cell = FootprintCell;
    const ABOUT: &'static str = "memory per kept instance, N alive (1 to 10,000), each having \
        served a request: the allocator's bytes in use and resident linear-memory pages";
    const DRIVES: &'static [Workload] = &[Workload::Micro];
    const REFUSES: &'static [(ProtocolFlag, &'static str)] = &[(
        ProtocolFlag::Calls,
        "a replicate makes the cell's `instances` instances",
    )];
    const UNCOUNTED: Option<&'static str> = Some(
        "its measure is the process's resident memory, and under Valgrind that is Valgrind's",
    );

    fn factors() -> Vec<FactorInfo> {
        FootprintWork::INFO.to_vec()
    }

    // A replicate is a whole sweep; three say whether the memory figures
    // repeat.
    const DEFAULTS: Defaults = Defaults {
        calls: 1,
        reps: 3,
        warmup_s: 1e-9,
    };
    const QUICK: Defaults = Defaults {
        calls: 1,
        reps: 2,
        warmup_s: 0.0,
    };

    fn cells(input: &PlanInput<'_>) -> Vec<FootprintCell> {
        let mut out = Vec::new();
        for (runtime, abi) in targets(input) {
            for &allocator in Allocator::ALL {
                for &instances in Instances::ALL {
                    out.push(FootprintCell {
                        host: input.host,
                        runtime,
                        abi,
                        own: FootprintWork {
                            instances,
                            allocator,
                        },
                    });
                }
            }
        }
        out
    }

    fn run(
        cell: &FootprintCell,
        protocol: &Protocol,
        inputs: &Inputs,
        tick: &mut dyn FnMut(),
    ) -> Outcome {
        let of = cell.guest();
        let guest = match chain::guest(&inputs.guests, &of) {
            Ok(g) => g,
            Err(unsupported) => return unsupported,
        };
        chain::sandboxed(
            cell.runtime,
            cell.own.allocator.config(),
            cell.abi,
            Caching::Cached,
            CallStyle::Typed,
            chain::Micro(Step {
                guest,
                n: cell.own.instances.count(),
                protocol,
                tick,
            }),
        )
    }

    /// A sweep stopped by a stated cap, or refused by the pool, measured
    /// what it is for: where the instances stop fitting.
    fn failed(_cell: &FootprintCell, ended: Ended<'_>) -> bool {
        match ended {
            Ended::Error(e) => !matches!(e.class, ErrorClass::Cap | ErrorClass::PoolFull),
            Ended::Ok | Ended::Unsupported => false,
        }
    }
}

factor_enum! {
    /// How many instances a footprint replicate keeps alive.
    pub enum Instances ("instances", "instances kept alive at once, each having served one \
        request") {
        /// One.
        N1 = "1",
        /// Ten.
        N10 = "10",
        /// A hundred.
        N100 = "100",
        /// A thousand (the pool's size).
        N1000 = "1000",
        /// Ten thousand (past the pool).
        N10000 = "10000",
    }
}

impl Instances {
    /// As a number.
    pub fn count(self) -> u64 {
        match self {
            Instances::N1 => 1,
            Instances::N10 => 10,
            Instances::N100 => 100,
            Instances::N1000 => 1000,
            Instances::N10000 => 10_000,
        }
    }
}

factor_set! {
    /// A footprint cell's own factors.
    pub struct FootprintWork {
        /// How many are kept alive.
        pub instances: Instances,
        /// On-demand or pooled instances.
        pub allocator: Allocator,
    }
}

impl HostedWork for FootprintWork {
    const WORKLOAD: Workload = Workload::Micro;
}

/// A footprint cell: one runtime and ABI guest, N instances, an
/// allocator (no native baseline: native code has no instances).
pub type FootprintCell = Targeted<FootprintWork>;

struct Step<'a> {
    guest: &'a [u8],
    n: u64,
    protocol: &'a Protocol,
    tick: &'a mut dyn FnMut(),
}

impl MicroVisitor for Step<'_> {
    type Output = Outcome;
    fn visit<Ld: Loader>(self, loader: Ld) -> Outcome
    where
        Ld::Host: Multiply<Error = runtimes::Error> + 'static,
    {
        let module = match loader.compile(self.guest) {
            Ok(m) => m,
            Err(e) => return Outcome::failed(e),
        };
        let mut sweep = Sweep {
            make: || loader.instantiate(&module),
            n: self.n,
            cap: RESIDENT_CAP,
            readings: Vec::new(),
        };
        match measure(&mut sweep, self.protocol, self.tick) {
            Ok(mut samples) => {
                // The warm-up's readings are dropped with its times.
                let timed = &sweep.readings[sweep.readings.len() - samples.replicate_s.len()..];
                let footprint = (!timed.is_empty()).then(|| Box::new(summarise(self.n, timed)));
                // Time per instance made and served.
                samples.calls = self.n;
                Outcome::Ok {
                    samples,
                    phases: SetupTimes::default(),
                    stats: None,
                    footprint,
                    retained_b: None,
                }
            }
            Err(e) => Outcome::Error(e),
        }
    }
}

/// What one sweep of N instances read.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Reading {
    /// The kernel's change while the N instances were alive.
    alive: smaps::Change,
    /// The allocator's bytes in use they added.
    heap: i64,
    /// The kernel's change once they were dropped (from before them).
    left: smaps::Change,
    /// The allocator's bytes in use left once they were dropped.
    heap_left: i64,
}

impl Reading {
    /// What the instances held: the allocator's bytes for them, and the
    /// resident pages of their linear-memory reservations.
    fn held(&self) -> i64 {
        self.heap + self.alive.reserved_resident
    }
}

/// One sweep per replicate: N instances made and each asked one request
/// (timed, in batches, the cap checks between batches untimed), the
/// process read before and after, then all dropped and read again.
struct Sweep<F> {
    make: F,
    n: u64,
    /// Resident bytes the sweep may add ([`RESIDENT_CAP`]).
    cap: u64,
    readings: Vec<Reading>,
}

impl<H, F> Subject for Sweep<F>
where
    H: Multiply<Error = runtimes::Error>,
    F: FnMut() -> runtimes::Result<H>,
{
    fn replicate(&mut self, _calls: u64) -> Result<Duration, CellError> {
        let host_err = |e: String| CellError::new(ErrorClass::Host, e);
        let max_maps = smaps::max_count().map_err(host_err)?;
        let resident_before = smaps::resident().map_err(host_err)?;
        let mut kept: Vec<H> = Vec::new();
        kept.try_reserve_exact(self.n as usize)
            .map_err(|e| host_err(format!("room for {} instances: {e}", self.n)))?;
        // Read last before the instances, so nothing of the reading's own
        // is counted as theirs.
        let before = smaps::read().map_err(host_err)?;
        let heap_before = smaps::heap_in_use();
        let space_before = smaps::address_space().map_err(host_err)?;
        let mut elapsed = Duration::ZERO;
        while (kept.len() as u64) < self.n {
            let batch = BATCH.min(self.n - kept.len() as u64);
            let start = Timer::start();
            for _ in 0..batch {
                let mut host = (self.make)().map_err(|e| refused(kept.len(), e))?;
                check(&mut host)?;
                kept.push(host);
            }
            elapsed += start.stop();
            let space = smaps::address_space().map_err(host_err)?;
            let each = space.saturating_sub(space_before) / kept.len() as u64;
            if space + each * BATCH > ADDRESS_CAP {
                return Err(cap(format!(
                    "stopped at {} instances: the next {BATCH} would take the process past \
                     {} TiB of address space ({} MiB each)",
                    kept.len(),
                    ADDRESS_CAP >> 40,
                    each >> 20
                )));
            }
            let added = smaps::resident().map_err(host_err)?.saturating_sub(resident_before);
            if added > self.cap {
                return Err(cap(format!(
                    "stopped at {} instances: they added {} MiB resident, past the cap of {} MiB",
                    kept.len(),
                    added >> 20,
                    self.cap >> 20
                )));
            }
            let maps = smaps::count().map_err(host_err)?;
            if maps + MAPPING_MARGIN > max_maps {
                return Err(cap(format!(
                    "stopped at {} instances: the process has {maps} memory mappings, within \
                     {MAPPING_MARGIN} of vm.max_map_count ({max_maps})",
                    kept.len()
                )));
            }
        }
        let heap_alive = smaps::heap_in_use();
        let after = smaps::read().map_err(host_err)?;
        drop(kept);
        let heap_dropped = smaps::heap_in_use();
        let dropped = smaps::read().map_err(host_err)?;
        self.readings.push(Reading {
            alive: smaps::change(&before, &after),
            heap: heap_alive as i64 - heap_before as i64,
            left: smaps::change(&before, &dropped),
            heap_left: heap_dropped as i64 - heap_before as i64,
        });
        Ok(elapsed)
    }
}

/// A cap the scenario states, reached.
#[cold]
fn cap(message: String) -> CellError {
    CellError::new(ErrorClass::Cap, message)
}

/// An instance the engine could not make after `made` others: a cap when
/// the system refused memory (ENOMEM: address space or mappings used up,
/// a limit of the process rather than a fault of the engine), else the
/// engine's error as it is.
#[cold]
fn refused(made: usize, e: runtimes::Error) -> CellError {
    let text = e.to_string();
    if text.contains("os error 12") {
        cap(format!(
            "stopped at {made} instances: the system refused more memory (ENOMEM: the \
             process's address space or mappings ran out): {text}"
        ))
    } else {
        e.into()
    }
}

/// The row's figures from the timed replicates' readings: the median
/// replicate's (by bytes held) per-instance bytes, every replicate's
/// bytes held kept.
fn summarise(n: u64, readings: &[Reading]) -> Footprint {
    let per = |b: i64| b as f64 / n as f64;
    let mut order: Vec<&Reading> = readings.iter().collect();
    order.sort_by_key(|r| r.held());
    let m = order[order.len() / 2];
    let left = m.heap_left + m.left.reserved_resident;
    Footprint {
        instances: n,
        held_b: per(m.held()),
        heap_b: per(m.heap),
        linear_b: m.alive.saw_reservations.then(|| per(m.alive.reserved_resident)),
        resident_b: per(m.alive.resident),
        address_space_b: per(m.alive.address_space),
        returned: if m.held() > 0 {
            (1.0 - left as f64 / m.held() as f64).clamp(0.0, 1.0)
        } else {
            0.0
        },
        replicate_held_b: readings.iter().map(|r| per(r.held())).collect(),
    }
}

#[cfg(test)]
mod tests;
