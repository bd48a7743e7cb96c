//! One cell of the matrix, typed: its scenario, what it computes, and where.
//!
//! A cell is built from typed values at planning time and matched on
//! exhaustively by the code that runs it; the strings in result files are
//! written from it ([`Cell::values`]) and never read back to decide
//! anything.

use factor::{FactorSet, FactorValue, Scenario};
use runtimes::RuntimeId;

use crate::abis::{AbiChoice, AbiId};
use crate::factors::{
    HostProfile, MicroLink, MicroWork, PayloadLink, PayloadWork, SimLink, SimWork,
};
use crate::scenario::hostcall::HostCallCell;
use crate::scenario::hostile::HostileCell;
use crate::scenario::phases::PhasesCell;
use crate::scenario::threads::{self, ThreadsSpec};

/// A cell of some scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cell {
    /// The paper's multiply.
    Micro(Spec<MicroWork, MicroLink>),
    /// The cache simulator.
    Sim(Spec<SimWork, SimLink>),
    /// Records, text, lists and HTTP-like messages.
    Payload(Spec<PayloadWork, PayloadLink>),
    /// A hostile guest (no native baseline).
    Hostile(HostileCell),
    /// One phase before the first answer (no native baseline).
    Phases(PhasesCell),
    /// Calls across threads.
    Threads(ThreadsSpec),
    /// The guest calling the host (no native baseline).
    HostCall(HostCallCell),
}

/// A cell of one scenario: its work, natively or in a sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Spec<W, L> {
    /// The harness build it runs in.
    pub host: HostProfile,
    /// What it computes (the native baseline computes the same).
    pub work: W,
    /// `None` for the native baseline.
    pub sandbox: Option<Sandbox<L>>,
}

/// Where a sandboxed cell runs and how the host reaches the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sandbox<L> {
    /// The runtime.
    pub runtime: RuntimeId,
    /// The ABI and its own factors.
    pub abi: AbiChoice,
    /// The scenario's link factors (caching, call style...).
    pub link: L,
}

impl<W: FactorSet, L: FactorSet> Spec<W, L> {
    /// The native baseline of this cell: same host, same work.
    pub fn native(&self) -> Spec<W, L> {
        Spec {
            sandbox: None,
            ..*self
        }
    }

    fn values(&self, scenario: Scenario) -> Vec<FactorValue> {
        let mut v = vec![FactorValue::of(self.host)];
        v.extend(self.work.values(scenario));
        if let Some(s) = &self.sandbox {
            v.extend(s.link.values(scenario));
            v.extend(s.abi.values(scenario));
        }
        v
    }
}

impl Cell {
    /// Its scenario.
    pub fn scenario(&self) -> Scenario {
        match self {
            Cell::Micro(_) => Scenario::Micro,
            Cell::Sim(_) => Scenario::Sim,
            Cell::Payload(_) => Scenario::Payload,
            Cell::Hostile(_) => Scenario::Hostile,
            Cell::Phases(_) => Scenario::Phases,
            Cell::Threads(_) => Scenario::Threads,
            Cell::HostCall(_) => Scenario::HostCall,
        }
    }

    /// The runtime and ABI, or `None` for a native cell.
    pub fn target(&self) -> Option<(RuntimeId, AbiId)> {
        let sandbox = |r: RuntimeId, a: &AbiChoice| (r, a.id());
        match self {
            Cell::Micro(s) => s.sandbox.as_ref().map(|b| sandbox(b.runtime, &b.abi)),
            Cell::Sim(s) => s.sandbox.as_ref().map(|b| sandbox(b.runtime, &b.abi)),
            Cell::Payload(s) => s.sandbox.as_ref().map(|b| sandbox(b.runtime, &b.abi)),
            Cell::Hostile(h) => Some((h.runtime, h.case.abi())),
            Cell::Phases(p) => Some((p.runtime, p.abi.id())),
            Cell::Threads(s) => s.sandbox.as_ref().map(|b| sandbox(b.runtime, &b.abi)),
            // `pair`: a core module whose calls are typed scalars, as Pair's.
            Cell::HostCall(h) => h.runtime.map(|r| (r, h.abi)),
        }
    }

    /// Whether this is a native baseline.
    pub fn is_native(&self) -> bool {
        self.target().is_none()
    }

    /// The host profile it runs in.
    pub fn host(&self) -> HostProfile {
        match self {
            Cell::Micro(s) => s.host,
            Cell::Sim(s) => s.host,
            Cell::Payload(s) => s.host,
            Cell::Hostile(h) => h.host,
            Cell::Phases(p) => p.host,
            Cell::Threads(s) => s.host,
            Cell::HostCall(h) => h.host,
        }
    }

    /// `native` or the runtime id.
    pub fn runtime_id(&self) -> &'static str {
        self.target().map_or("native", |(r, _)| r.id())
    }

    /// `native` or the ABI id.
    pub fn abi_id(&self) -> &'static str {
        self.target().map_or("native", |(_, a)| a.id())
    }

    /// Every factor of the cell, written down: host profile, work, link,
    /// then the ABI's own.
    pub fn values(&self) -> Vec<FactorValue> {
        match self {
            Cell::Micro(s) => s.values(Scenario::Micro),
            Cell::Sim(s) => s.values(Scenario::Sim),
            Cell::Payload(s) => s.values(Scenario::Payload),
            Cell::Hostile(h) => vec![FactorValue::of(h.host), FactorValue::of(h.case)],
            Cell::Phases(p) => p.values(),
            Cell::Threads(s) => threads::values(s),
            Cell::HostCall(h) => h.values(),
        }
    }

    /// The native baseline this cell's ratio is taken against.
    pub fn baseline(&self) -> Cell {
        match self {
            Cell::Micro(s) => Cell::Micro(s.native()),
            Cell::Sim(s) => Cell::Sim(s.native()),
            Cell::Payload(s) => Cell::Payload(s.native()),
            // No baseline: the cell is its own.
            Cell::Hostile(h) => Cell::Hostile(*h),
            Cell::Phases(p) => Cell::Phases(*p),
            Cell::Threads(s) => Cell::Threads(s.native()),
            Cell::HostCall(h) => Cell::HostCall(HostCallCell {
                runtime: None,
                abi: AbiId::Pair,
                ..*h
            }),
        }
    }

    /// A stable identifier, unique within a run (and across runs of the
    /// same plan): `micro/wasmtime/pair/host-profile=release,operand=i32,...`.
    /// Result rows carry it, so a row is found by id, never by position.
    pub fn id(&self) -> String {
        let values: Vec<String> = self
            .values()
            .into_iter()
            .map(|v| format!("{}={}", v.name, v.id))
            .collect();
        format!(
            "{}/{}/{}/{}",
            self.scenario(),
            self.runtime_id(),
            self.abi_id(),
            values.join(",")
        )
    }

    /// A short human label: `micro wasmtime/pair release i32 cached typed preload owned`.
    pub fn label(&self) -> String {
        let mut s = format!(
            "{} {}/{}",
            self.scenario(),
            self.runtime_id(),
            self.abi_id()
        );
        for v in self.values() {
            s.push(' ');
            s.push_str(&v.id);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factors::{Caching, CallStyle, Lang, Limits, Loading, Operand};
    use abi_pair::{Handles, PairFactors};

    fn pair(operand: Operand) -> Cell {
        Cell::Micro(Spec {
            host: HostProfile::Release,
            work: MicroWork { operand },
            sandbox: Some(Sandbox {
                runtime: RuntimeId::Wasmtime,
                abi: AbiChoice::Pair(PairFactors {
                    handles: Handles::Srs,
                }),
                link: MicroLink {
                    caching: Caching::Cached,
                    call: CallStyle::Typed,
                    loading: Loading::Preload,
                    limits: Limits::On,
                    lang: Lang::Rust,
                },
            }),
        })
    }

    #[test]
    fn ids_write_every_factor_in_column_order() {
        assert_eq!(
            pair(Operand::F32).id(),
            "micro/wasmtime/pair/host-profile=release,operand=f32,caching=cached,\
             call=typed,loading=preload,limits=on,lang=rust,handles=srs"
        );
        let native = pair(Operand::I32).baseline();
        assert!(native.is_native());
        assert_eq!(
            native.id(),
            "micro/native/native/host-profile=release,operand=i32"
        );
        assert_ne!(pair(Operand::I32).baseline(), pair(Operand::F32).baseline());
    }
}
