//! What a runtime enforces on a guest: a deadline and a memory cap, on by
//! default. The guest is untrusted; without them a guest that loops hangs
//! the run and one that grows its memory takes the host's. Their cost per
//! call is the `limits` factor (`on`/`off`) of the micro and simulator
//! matrices.
//!
//! | runtime | deadline | memory and table cap |
//! |---|---|---|
//! | Wasmtime (Cranelift, Winch, Pulley) | epoch interruption: a ticker thread advances the engine's epoch every [`TICK`]; each store traps past its deadline | `StoreLimits`: growth past the cap traps |
//! | Wasmer | metering middleware: an operation budget per instance ([`Budget::operations`]), a trap when spent | tunables: each memory's and table's maximum clamped to the cap (growth past it fails) |
//! | wasmi | fuel: an instruction budget per instance at `wasmi::FUEL_PER_SECOND` | wasmi's `StoreLimits`: growth past the cap traps |
//!
//! Tables are capped with memory: a table element is a pointer, so a
//! table may hold [`Budget::table_elements`] (the memory cap's bytes at 8
//! a element); without that a guest that grows a table per call takes the
//! host's memory past any `--memory-limit`.
//!
//! Wasmer and wasmi have no interruption from outside, so their deadline
//! is an operation count standing for the time; docs/robustness.md says so.

use std::time::Duration;

factor::factor_enum! {
    /// Whether the runtime enforces a deadline and a memory cap.
    pub enum Limits ("limits", "a deadline (Wasmtime: epoch interruption; Wasmer: metering) and \
        a memory cap per instance, on (the default) or off: what safety costs per call") {
        /// Enforced.
        On = "on",
        /// Not enforced: the runtime's defaults (no deadline, 4 GiB of memory).
        Off = "off",
    }
}

/// How often Wasmtime's epoch advances.
pub const TICK: Duration = Duration::from_millis(10);

/// The limits' values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// How long an instance may run, from its instantiation.
    pub deadline: Duration,
    /// How many bytes of linear memory an instance may have.
    pub memory_bytes: u64,
}

impl Budget {
    /// Ten minutes, 1 GiB.
    pub const DEFAULT: Budget = Budget {
        deadline: Duration::from_secs(600),
        memory_bytes: 1 << 30,
    };

    /// The deadline as Wasmer's operation budget: one point per wasm
    /// operator that does work (structure, locals and constants are
    /// free), at a generous 2·10⁹ a second: each compiles to at least one
    /// machine instruction, and real code sustains fewer a second. An
    /// operation count is not a clock: a guest of slow operators (calls,
    /// divisions, `memory.grow`) runs past the deadline before it is
    /// stopped, and one that sustains more than the rate is stopped early.
    pub fn operations(self) -> u64 {
        (self.deadline.as_secs_f64() * 2e9) as u64
    }

    /// The memory cap in wasm pages (64 KiB), at least one.
    pub fn pages(self) -> u32 {
        (self.memory_bytes / 65536).clamp(1, 65536) as u32
    }

    /// The most elements a table may hold: the memory cap at 8 bytes an
    /// element (a pointer), at least one.
    pub fn table_elements(self) -> u32 {
        (self.memory_bytes / 8).clamp(1, u64::from(u32::MAX)) as u32
    }

    /// The deadline in epoch ticks, at least one.
    pub fn ticks(self) -> u64 {
        (self.deadline.as_nanos() / TICK.as_nanos()).max(1) as u64 + 1
    }
}

/// How an engine is configured for a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EngineConfig {
    /// The limits to enforce, or `None` for the runtime's defaults.
    pub limits: Option<Budget>,
    /// Explicit bounds checks on every memory access instead of the guard
    /// pages a 64-bit host reserves (the simulator's `bounds-checked`
    /// ablation). Wasmtime only: the other engines refuse it.
    pub bounds_checks: bool,
    /// Wasmtime's pooling instance allocator with room for this many
    /// instances (memories, tables, component instances alike), in place
    /// of its default on-demand allocator: what a server that instantiates
    /// per request configures. Slots are reserved when the engine is made
    /// and reused, so an instance past the pool is refused, never
    /// allocated. Wasmtime only: the other engines have no such allocator
    /// and refuse it.
    pub pool: Option<u32>,
}

impl EngineConfig {
    /// The configuration for a `limits` factor value.
    pub fn new(limits: Limits, budget: Budget) -> EngineConfig {
        EngineConfig {
            limits: match limits {
                Limits::On => Some(budget),
                Limits::Off => None,
            },
            bounds_checks: false,
            pool: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_convert_to_each_runtimes_units() {
        let b = Budget {
            deadline: Duration::from_secs(2),
            memory_bytes: 10 << 20,
        };
        assert_eq!(b.pages(), 160);
        assert_eq!(b.table_elements(), 1_310_720);
        assert_eq!(b.ticks(), 201);
        assert_eq!(b.operations(), 4_000_000_000);
        let tiny = Budget {
            deadline: Duration::ZERO,
            memory_bytes: 1,
        };
        assert_eq!(
            (tiny.pages(), tiny.ticks(), tiny.table_elements()),
            (1, 2, 1)
        );
        assert_eq!(
            EngineConfig::new(Limits::Off, b),
            EngineConfig {
                limits: None,
                bounds_checks: false,
                pool: None
            }
        );
    }
}
