//! The scenario registry: [`scenarios!`] turns the list of scenarios in
//! `scenario/mod.rs` (one line each: id, module, the type implementing
//! [`Scenario`](super::define::Scenario)) into the scenarios' module
//! declarations, the `ScenarioId` factor (`--scenario`, result files), the
//! `Cell` enum and its dispatch, and one generated test per scenario
//! ([`smoke`]). Adding a scenario is one line in that list
//! (docs/adding-a-scenario.md).

/// Expands the list of scenarios into the modules, the id, the cell and
/// the dispatch. Invoked once, in `scenario/mod.rs`, whose submodules the
/// scenarios are.
macro_rules! scenarios {
    ($( $(#[doc = $doc:literal])* $variant:ident = $id:literal => $module:ident :: $ty:ident, )+) => {
        $( pub mod $module; )+

        use factor::{FactorInfo, FactorValue, Workload};
        use runtimes::RuntimeId;

        use crate::abis::AbiId;
        use crate::factors::HostProfile;
        use crate::measure::Protocol;

        factor::factor_enum! {
            /// A scenario: what the cells of a run do (`--scenario`).
            pub enum ScenarioId ("scenario", "what a cell does") {
                $( $(#[doc = $doc])* $variant = $id, )+
            }
        }

        /// A cell of some scenario, typed: built by its scenario's
        /// `cells`, matched on exhaustively by the code that runs it; the
        /// strings in result files are written from it and never read
        /// back to decide anything.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Cell {
            $( $(#[doc = $doc])* $variant(<$module::$ty as Scenario>::Cell), )+
        }

        impl Cell {
            /// Its scenario.
            pub fn scenario(&self) -> ScenarioId {
                match self { $( Cell::$variant(_) => ScenarioId::$variant, )+ }
            }
            /// The runtime and ABI, or `None` for a native cell.
            pub fn target(&self) -> Option<(RuntimeId, AbiId)> {
                match self { $( Cell::$variant(c) => c.target(), )+ }
            }
            /// The host profile it runs in.
            pub fn host(&self) -> HostProfile {
                match self { $( Cell::$variant(c) => c.host(), )+ }
            }
            /// Every factor of the cell, written down: host profile, work,
            /// link, then the ABI's own.
            pub fn values(&self) -> Vec<FactorValue> {
                match self { $( Cell::$variant(c) => c.values(), )+ }
            }
            /// The guest module it runs: what it loads and its row names.
            pub fn guest(&self) -> crate::guests::GuestOf {
                match self { $( Cell::$variant(c) => c.guest(), )+ }
            }
            /// The native baseline this cell's ratio is taken against.
            pub fn baseline(&self) -> Cell {
                match self { $( Cell::$variant(c) => Cell::$variant(c.baseline()), )+ }
            }
            /// Runs the cell under `protocol`.
            pub fn run(&self, protocol: &Protocol, inputs: &Inputs, tick: &mut dyn FnMut()) -> Outcome {
                match self { $( Cell::$variant(c) => <$module::$ty as Scenario>::run(c, protocol, inputs, tick), )+ }
            }
            /// Whether the cell, ended so, fails the run.
            pub fn failed(&self, ended: Ended<'_>) -> bool {
                match self { $( Cell::$variant(c) => <$module::$ty as Scenario>::failed(c, ended), )+ }
            }
        }

        impl ScenarioId {
            /// Why its cells cannot be counted under Callgrind, if so.
            pub fn uncounted(self) -> Option<&'static str> {
                match self { $( ScenarioId::$variant => <$module::$ty as Scenario>::UNCOUNTED, )+ }
            }
            /// One line for `harness list`.
            pub fn about(self) -> &'static str {
                match self { $( ScenarioId::$variant => <$module::$ty as Scenario>::ABOUT, )+ }
            }
            /// The factors every cell has (work, then link).
            pub fn factors(self) -> Vec<FactorInfo> {
                match self { $( ScenarioId::$variant => <$module::$ty as Scenario>::factors(), )+ }
            }
            /// The ABI workloads its cells drive.
            pub fn drives(self) -> &'static [Workload] {
                match self { $( ScenarioId::$variant => <$module::$ty as Scenario>::DRIVES, )+ }
            }
            /// Whether its cells replay the simulator's trace.
            pub fn uses_trace(self) -> bool {
                match self { $( ScenarioId::$variant => <$module::$ty as Scenario>::TRACE, )+ }
            }
            /// Factors its default plan holds at one value.
            pub fn held(self) -> &'static [(&'static str, &'static str)] {
                match self { $( ScenarioId::$variant => <$module::$ty as Scenario>::HELD, )+ }
            }
            /// Protocol flags it refuses, with the reason.
            pub fn refuses(self) -> &'static [(ProtocolFlag, &'static str)] {
                match self { $( ScenarioId::$variant => <$module::$ty as Scenario>::REFUSES, )+ }
            }
            /// Its protocol when the user gives none.
            pub fn defaults(self, quick: bool) -> Defaults {
                match (self, quick) {
                    $(
                        (ScenarioId::$variant, false) => <$module::$ty as Scenario>::DEFAULTS,
                        (ScenarioId::$variant, true) => <$module::$ty as Scenario>::QUICK,
                    )+
                }
            }
            /// A cell's limits when the user gives none.
            pub fn budget(self) -> runtimes::Budget {
                match self { $( ScenarioId::$variant => <$module::$ty as Scenario>::budget(), )+ }
            }
            /// Every cell of a run of it.
            pub fn cells(self, input: &PlanInput<'_>) -> Vec<Cell> {
                match self {
                    $( ScenarioId::$variant => <$module::$ty as Scenario>::cells(input)
                        .into_iter()
                        .map(Cell::$variant)
                        .collect(), )+
                }
            }
            /// Its own table of `rows` (all of its cells), if it has one.
            pub fn table(self, rows: &[(Cell, Ended<'_>)]) -> Option<String> {
                match self {
                    $( ScenarioId::$variant => {
                        let own: Vec<_> = rows
                            .iter()
                            .filter_map(|(c, e)| match c {
                                Cell::$variant(c) => Some((*c, *e)),
                                #[allow(unreachable_patterns)]
                                _ => None,
                            })
                            .collect();
                        <$module::$ty as Scenario>::table(&own)
                    } )+
                }
            }
        }

        /// One test per scenario: a sample of its cells runs on a quick
        /// protocol, and none fails the run.
        #[cfg(test)]
        mod generated {
            $(
                #[test]
                #[allow(non_snake_case)]
                fn $variant() {
                    super::registry::smoke(super::ScenarioId::$variant);
                }
            )+
        }
    };
}

/// The generated test of `scenario`: plans it on the fastest runtime
/// compiled in with the ABIs every scenario has (Pair, and WIT where
/// components run), runs an even sample of its cells on a tiny protocol,
/// and checks that none fails the run. Every sandboxed cell checks its own
/// results against native, so a wrong answer fails here too.
#[cfg(test)]
pub fn smoke(scenario: super::ScenarioId) {
    use super::{Ended, Inputs, Outcome, PlanInput};
    use crate::abis::AbiId;
    use crate::factors::HostProfile;
    use crate::measure::Protocol;
    use crate::workload::SimOptions;
    use runtimes::RuntimeId;

    /// The most cells of one scenario the generated test runs.
    const SAMPLE: usize = 16;

    let Some(runtime) = [
        RuntimeId::Wasmtime,
        RuntimeId::WasmerCranelift,
        RuntimeId::Wasmi,
    ]
    .into_iter()
    .find(|r| r.compiled_in()) else {
        return;
    };
    let sim = SimOptions::quick();
    let guests = crate::guests::Guests::default();
    let input = PlanInput {
        host: HostProfile::this(),
        runtimes: &[runtime],
        abis: &[AbiId::Pair, AbiId::Wit],
        sim: &sim,
        guests: &guests,
    };
    let cells = scenario.cells(&input);
    assert!(
        cells.iter().any(|c| !c.is_native()),
        "{scenario}: no sandboxed cell on {runtime}"
    );
    let step = cells.len().div_ceil(SAMPLE).max(1);
    let defaults = scenario.defaults(true);
    let trace = sim.trace.load().expect("the quick trace generates");
    let inputs = Inputs {
        trace: trace.requests,
        guests,
    };
    let protocol = Protocol {
        calls: match (scenario.uses_trace(), defaults.calls) {
            (true, _) => inputs.trace.len() as u64,
            (false, calls) => calls.min(200),
        },
        reps: 2,
        warmup: std::time::Duration::ZERO,
        budget: scenario.budget(),
        stop: crate::measure::Stop::Fixed,
    };
    for cell in cells.iter().step_by(step) {
        let outcome = cell.run(&protocol, &inputs, &mut || {});
        let ended = match &outcome {
            Outcome::Ok { .. } => Ended::Ok,
            Outcome::Unsupported(_) => Ended::Unsupported,
            Outcome::Error(e) => Ended::Error(e),
        };
        assert!(!cell.failed(ended), "{}: {outcome:?}", cell.label());
        // A cell that ran a guest can say which, with its hash.
        let named = inputs.guests.identify(&cell.guest());
        match (cell.is_native(), &outcome) {
            (true, _) => assert_eq!(named, None, "{}", cell.label()),
            (false, Outcome::Ok { .. }) => {
                let (name, sha) = named.unwrap_or_else(|| panic!("{}: no guest", cell.label()));
                assert!(
                    name.starts_with("built-in ") && sha.len() == 64,
                    "{name} {sha}"
                );
            }
            (false, _) => {}
        }
    }
}
