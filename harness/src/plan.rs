//! From validated options to the ordered list of cells a run executes.

use std::path::PathBuf;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use runtimes::{RuntimeId, id_enum};
use serde::Serialize;

use crate::abis::AbiId;
use crate::measure::Protocol;
use crate::scenario::{self, CellSpec, Scenario, Target};

/// The default shuffle seed: fixed, so two runs execute cells in the same
/// order unless asked otherwise, and recorded in `run.json`.
pub const DEFAULT_SEED: u64 = 0xAB1_1AB;

id_enum! {
    /// The order cells run in.
    pub enum Order ("order") {
        /// Native baselines first, then the rest shuffled with the seed
        /// (against order, warm-up and thermal bias).
        Shuffled = "shuffled",
        /// Native baselines first, then the plan's order.
        Fixed = "fixed",
    }
}

id_enum! {
    /// What the table on stdout looks like (the files are always written).
    pub enum Format ("format") {
        /// Aligned columns for people.
        Table = "table",
        /// `results.jsonl` lines.
        Json = "json",
        /// `results.csv` rows.
        Csv = "csv",
    }
}

/// A restriction of one factor to some of its values (`--only name=a,b`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Only {
    /// The factor.
    pub factor: String,
    /// The values kept.
    pub values: Vec<String>,
}

/// A validated `matrix` command.
#[derive(Debug, Clone)]
pub struct Options {
    /// The scenario.
    pub scenario: Scenario,
    /// Runtimes, in the order given.
    pub runtimes: Vec<RuntimeId>,
    /// ABIs, in the order given.
    pub abis: Vec<AbiId>,
    /// Calls per replicate, replicates and warm-up.
    pub protocol: Protocol,
    /// Execution order.
    pub order: Order,
    /// Shuffle seed.
    pub seed: u64,
    /// Factor restrictions.
    pub only: Vec<Only>,
    /// Output folder.
    pub out: PathBuf,
    /// Stdout format.
    pub format: Format,
    /// No progress output on stderr.
    pub quiet: bool,
    /// Host profiles to run the matrix in (this binary's, and/or others
    /// through child processes), in the order given.
    pub host_profiles: Vec<String>,
    /// The simulator's trace and cache sizes (sim runs).
    pub sim: SimOptions,
}

/// What a sim run simulates.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// The trace.
    pub trace: crate::workload::TraceSource,
    /// Cache sizes of every cell, bytes.
    pub sizes: Vec<u64>,
    /// Extra sizes for native cells only: the hit-ratio sweep.
    pub sweep: Vec<u64>,
}

impl Options {
    /// The `matrix` arguments that reproduce these options in another
    /// binary (a child with another host profile), writing to `out`.
    pub fn child_args(&self, out: &std::path::Path) -> Vec<std::ffi::OsString> {
        let join = |v: Vec<&str>| v.join(",");
        let mut args: Vec<std::ffi::OsString> = [
            "matrix".to_string(),
            format!("--scenario={}", self.scenario),
            format!(
                "--runtime={}",
                join(self.runtimes.iter().map(|r| r.id()).collect())
            ),
            format!("--abi={}", join(self.abis.iter().map(|a| a.id()).collect())),
            format!("--calls={}", self.protocol.calls),
            format!("--reps={}", self.protocol.reps),
            format!("--warmup={}", self.protocol.warmup.as_secs_f64()),
            format!("--order={}", self.order),
            format!("--seed={}", self.seed),
            "--format=json".to_string(),
        ]
        .into_iter()
        .map(Into::into)
        .collect();
        for o in &self.only {
            args.push(format!("--only={}={}", o.factor, o.values.join(",")).into());
        }
        if self.quiet {
            args.push("--quiet".into());
        }
        if self.scenario == Scenario::Sim {
            let sizes = |v: &[u64]| {
                let list: Vec<String> = v.iter().map(|b| crate::size::format(*b)).collect();
                if list.is_empty() {
                    "none".to_string()
                } else {
                    list.join(",")
                }
            };
            args.push(format!("--cache-size={}", sizes(&self.sim.sizes)).into());
            args.push(format!("--sweep={}", sizes(&self.sim.sweep)).into());
            match &self.sim.trace {
                crate::workload::TraceSource::File {
                    path,
                    format,
                    size_change,
                } => {
                    args.push("--trace".into());
                    args.push(path.into());
                    if let Some(f) = format {
                        args.push(format!("--trace-format={f}").into());
                    }
                    args.push(format!("--size-change={size_change}").into());
                }
                crate::workload::TraceSource::Generated(c) => {
                    args.push(format!("--requests={}", c.requests).into());
                    args.push(format!("--objects={}", c.objects).into());
                    args.push(format!("--trace-seed={}", c.seed).into());
                }
            }
        }
        args.push("--out".into());
        args.push(out.into());
        args
    }
}

/// The cells of a run: in plan order (for tables) and in execution order.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Every cell, natives first, then runtime × ABI × factors.
    pub cells: Vec<CellSpec>,
    /// Indices into `cells`, in the order they run.
    pub order: Vec<usize>,
}

impl Plan {
    /// Expands `opts` into cells, applies `--only`, and orders them.
    pub fn new(opts: &Options, inputs: &scenario::Inputs) -> Plan {
        let cells: Vec<CellSpec> =
            scenario::cells(opts.scenario, &opts.runtimes, &opts.abis, inputs)
                .into_iter()
                .filter(|c| {
                    opts.only.iter().all(|o| match c.factor(&o.factor) {
                        Some(v) => o.values.iter().any(|w| w == v),
                        None => true,
                    })
                })
                .collect();
        let (natives, mut rest): (Vec<usize>, Vec<usize>) =
            (0..cells.len()).partition(|&i| cells[i].target == Target::Native);
        if opts.order == Order::Shuffled {
            shuffle(&mut rest, opts.seed);
        }
        let mut order = natives;
        order.extend(rest);
        Plan { cells, order }
    }

    /// The plan position of the cell a record is for, whatever host
    /// profile ran it: to show records (a child's too) in plan order.
    pub fn position(&self, r: &crate::output::Record) -> Option<usize> {
        self.cells.iter().position(|c| {
            c.runtime_id() == r.runtime
                && c.abi_id() == r.abi
                && c.factors.len() == r.factors.len()
                && c.factors.iter().all(|(n, v)| {
                    *n == crate::factors::HOST_PROFILE
                        || r.factors.get(*n).map(String::as_str) == Some(v)
                })
        })
    }

    /// Every factor name in the plan, in first-seen order over the sandboxed
    /// cells, then the native ones: the CSV columns.
    pub fn factor_columns(&self) -> Vec<&'static str> {
        let mut cols: Vec<&'static str> = Vec::new();
        let (native, wasm): (Vec<&CellSpec>, Vec<&CellSpec>) =
            self.cells.iter().partition(|c| c.target == Target::Native);
        for c in wasm.into_iter().chain(native) {
            for (n, _) in &c.factors {
                if !cols.contains(n) {
                    cols.push(n);
                }
            }
        }
        cols
    }
}

/// Fisher–Yates with ChaCha8 drawn through `next_u64` only, so the order
/// for a seed never changes with the `rand` version.
fn shuffle(v: &mut [usize], seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for i in (1..v.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn opts(order: Order, seed: u64) -> Options {
        Options {
            scenario: Scenario::Micro,
            runtimes: vec![RuntimeId::WasmerCranelift, RuntimeId::Wasmtime],
            abis: vec![AbiId::Pair],
            protocol: Protocol {
                calls: 1,
                reps: 2,
                warmup: Duration::ZERO,
            },
            order,
            seed,
            only: vec![],
            out: PathBuf::new(),
            format: Format::Table,
            quiet: true,
            host_profiles: vec!["dev".into()],
            sim: SimOptions {
                trace: crate::workload::TraceSource::default_generated(true),
                sizes: vec![],
                sweep: vec![],
            },
        }
    }

    impl Plan {
        fn new_for_test(o: &Options) -> Plan {
            Plan::new(o, &scenario::Inputs::default())
        }
    }

    #[test]
    fn shuffled_order_is_a_seeded_permutation_after_the_natives() {
        let a = Plan::new_for_test(&opts(Order::Shuffled, 1));
        let b = Plan::new_for_test(&opts(Order::Shuffled, 1));
        let c = Plan::new_for_test(&opts(Order::Shuffled, 2));
        assert_eq!(a.order, b.order);
        assert_ne!(a.order, c.order);
        let mut sorted = a.order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..a.cells.len()).collect::<Vec<_>>());
        assert!(
            a.order[..2]
                .iter()
                .all(|&i| a.cells[i].target == Target::Native)
        );
        let fixed = Plan::new_for_test(&opts(Order::Fixed, 1));
        assert_eq!(fixed.order, (0..fixed.cells.len()).collect::<Vec<_>>());
    }

    #[test]
    fn only_keeps_matching_cells_and_natives_without_the_factor() {
        let mut o = opts(Order::Fixed, 1);
        o.only = vec![Only {
            factor: "caching".into(),
            values: vec!["cached".into()],
        }];
        let plan = Plan::new_for_test(&o);
        assert_eq!(plan.cells.len(), 2 + 2 * 16);
        assert!(
            plan.cells
                .iter()
                .all(|c| matches!(c.factor("caching"), None | Some("cached")))
        );
        assert_eq!(
            plan.factor_columns(),
            vec![
                "host-profile",
                "caching",
                "call",
                "loading",
                "operand",
                "handles"
            ]
        );
    }
}
