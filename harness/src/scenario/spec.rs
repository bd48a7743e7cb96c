//! The cell shape the scenarios with a native baseline share: a piece of
//! work, computed natively or in a sandbox reached through an ABI.

use factor::{FactorSet, FactorValue, Workload};
use runtimes::RuntimeId;

use super::define::ScenarioCell;
use crate::abis::{AbiChoice, AbiId};
use crate::factors::HostProfile;
use crate::guests::{GuestLink, GuestOf};

/// The work of a scenario that drives one ABI workload: its cells are
/// [`Spec`]s, their ABI factors those of that workload.
pub trait HostedWork: FactorSet + std::hash::Hash {
    /// The workload.
    const WORKLOAD: Workload;
    /// A build variant of the built-in guest this work runs, if not the
    /// default build (an ablation's).
    fn variant(&self) -> Option<&'static str> {
        None
    }
}

impl<W: HostedWork, L: FactorSet + GuestLink + std::hash::Hash> ScenarioCell for Spec<W, L> {
    fn target(&self) -> Option<(RuntimeId, AbiId)> {
        Spec::target(self)
    }
    fn host(&self) -> HostProfile {
        self.host
    }
    fn values(&self) -> Vec<FactorValue> {
        self.values_in(W::WORKLOAD)
    }
    fn baseline(&self) -> Self {
        self.native()
    }
    fn guest(&self) -> GuestOf {
        match &self.sandbox {
            None => GuestOf::Native,
            Some(s) => GuestOf::Abi {
                abi: s.abi.id(),
                lang: s.link.lang(),
                variant: self.work.variant(),
            },
        }
    }
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

    /// The runtime and ABI, or `None` natively.
    pub fn target(&self) -> Option<(RuntimeId, AbiId)> {
        self.sandbox.as_ref().map(|b| (b.runtime, b.abi.id()))
    }

    /// Host profile, work, link, then the ABI's own factors, as cells of
    /// `workload` have them.
    pub fn values_in(&self, workload: Workload) -> Vec<FactorValue> {
        let mut v = vec![FactorValue::of(self.host)];
        v.extend(self.work.values(workload));
        if let Some(s) = &self.sandbox {
            v.extend(s.link.values(workload));
            v.extend(s.abi.values(workload));
        }
        v
    }
}

/// A cell with no native counterpart: one runtime and ABI guest (its own
/// factors chosen) under the scenario's own factors `W`. What the serving
/// scenarios measure (an instance's lifecycle, its memory, what a large
/// message leaves) has no native baseline; their cells differ only in
/// `W`, whose workload says which ABI factors the cell carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Targeted<W> {
    /// The harness build.
    pub host: HostProfile,
    /// The runtime.
    pub runtime: RuntimeId,
    /// The ABI and its own factors.
    pub abi: AbiChoice,
    /// The scenario's own factors.
    pub own: W,
}

impl<W: HostedWork> ScenarioCell for Targeted<W> {
    fn target(&self) -> Option<(RuntimeId, AbiId)> {
        Some((self.runtime, self.abi.id()))
    }
    fn host(&self) -> HostProfile {
        self.host
    }
    /// Host profile, the scenario's own factors, then the ABI's.
    fn values(&self) -> Vec<FactorValue> {
        let mut v = vec![FactorValue::of(self.host)];
        v.extend(self.own.all_values());
        v.extend(self.abi.values(W::WORKLOAD));
        v
    }
    /// Itself: there is no native cell to divide by.
    fn baseline(&self) -> Self {
        *self
    }
}
