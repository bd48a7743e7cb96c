//! From validated options to the ordered list of cells a run executes.

use std::collections::HashMap;

use factor::factor_enum;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use serde::Serialize;

use crate::cell::Cell;

/// The default shuffle seed: fixed, so two runs execute cells in the same
/// order unless asked otherwise, and recorded in `run.json`.
pub const DEFAULT_SEED: u64 = 0xAB1_1AB;

factor_enum! {
    /// The order cells run in.
    pub enum Order ("order", "the order cells run in: interleaved (natives shuffled in with \
        the rest), shuffled (natives first, the rest shuffled) or fixed (natives first, the \
        plan's order)") {
        /// Every cell, natives included, shuffled with the seed: drift over
        /// the run (a machine warming up, another process starting) then
        /// falls on natives and sandboxed cells alike instead of biasing
        /// every ratio one way. Ratios are filled in when the run ends.
        Interleaved = "interleaved",
        /// Native baselines first, then the rest shuffled with the seed
        /// (against order, warm-up and thermal bias).
        Shuffled = "shuffled",
        /// Native baselines first, then the plan's order.
        Fixed = "fixed",
    }
}

/// A restriction of one factor to some of its values (`--only name=a,b`),
/// parsed: the values are kept as their typed keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Only {
    /// The factor.
    pub factor: &'static str,
    /// The values kept, as the user wrote them (for `run.json`).
    pub values: Vec<String>,
    /// The values kept, as [`factor::Factor::key`]s.
    #[serde(skip)]
    pub keys: Vec<u64>,
}

/// The cells of a run: in plan order (for tables) and in execution order.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Every cell, natives first, then runtime × ABI × factors.
    pub cells: Vec<Cell>,
    /// Indices into `cells`, in the order they run.
    pub order: Vec<usize>,
    /// Cell id → index into `cells`.
    by_id: HashMap<String, usize>,
}

impl Plan {
    /// Keeps the cells of shard `shard` (by plan position) or the one cell
    /// `only_cell`, reordered.
    pub fn narrowed(
        self,
        shard: Option<crate::shard::Shard>,
        only_cell: Option<&str>,
        order: Order,
        seed: u64,
    ) -> Plan {
        let mut plan = self;
        if let Some(shard) = shard {
            let kept: Vec<Cell> = plan
                .cells
                .into_iter()
                .enumerate()
                .filter(|(i, _)| shard.keeps(*i))
                .map(|(_, c)| c)
                .collect();
            plan = Plan::from_cells(kept, &[], order, seed);
        }
        if let Some(id) = only_cell {
            let kept: Vec<Cell> = plan.cells.into_iter().filter(|c| c.id() == id).collect();
            plan = Plan::from_cells(kept, &[], order, seed);
        }
        plan
    }

    /// Filters `cells` by `only` and orders them.
    pub fn from_cells(cells: Vec<Cell>, only: &[Only], order: Order, seed: u64) -> Plan {
        let cells: Vec<Cell> = cells.into_iter().filter(|c| keeps(only, c)).collect();
        let (natives, mut rest): (Vec<usize>, Vec<usize>) =
            (0..cells.len()).partition(|&i| cells[i].is_native());
        let run_order = match order {
            Order::Interleaved => {
                let mut all: Vec<usize> = (0..cells.len()).collect();
                shuffle(&mut all, seed);
                all
            }
            Order::Shuffled => {
                shuffle(&mut rest, seed);
                natives.into_iter().chain(rest).collect()
            }
            Order::Fixed => natives.into_iter().chain(rest).collect(),
        };
        let by_id = cells.iter().enumerate().map(|(i, c)| (c.id(), i)).collect();
        Plan {
            cells,
            order: run_order,
            by_id,
        }
    }

    /// Whether the plan has a sandboxed cell (a plan of natives only
    /// measures nothing the user asked about).
    pub fn has_sandboxed(&self) -> bool {
        self.cells.iter().any(|c| !c.is_native())
    }

    /// The plan position of the cell with this id (a record's `cell`).
    pub fn position(&self, cell_id: &str) -> Option<usize> {
        self.by_id.get(cell_id).copied()
    }

    /// Every factor name in the plan, in first-seen order over the sandboxed
    /// cells, then the native ones: the CSV columns.
    pub fn factor_columns(&self) -> Vec<&'static str> {
        let mut cols: Vec<&'static str> = Vec::new();
        let (native, wasm): (Vec<&Cell>, Vec<&Cell>) =
            self.cells.iter().partition(|c| c.is_native());
        for c in wasm.into_iter().chain(native) {
            for v in c.values() {
                if !cols.contains(&v.name) {
                    cols.push(v.name);
                }
            }
        }
        cols
    }
}

/// Whether `cell` passes every restriction on a factor it has.
fn keeps(only: &[Only], cell: &Cell) -> bool {
    let values = cell.values();
    only.iter().all(|o| {
        values
            .iter()
            .find(|v| v.name == o.factor)
            .is_none_or(|v| o.keys.contains(&v.key))
    })
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
    use crate::factors::Caching;
    use factor::Factor;

    fn plan(order: Order, seed: u64, only: &[Only]) -> Plan {
        use crate::abis::AbiId;
        use crate::factors::HostProfile;
        use crate::scenario::micro;
        use runtimes::RuntimeId;
        let cells = micro::cells(
            HostProfile::Dev,
            &[RuntimeId::WasmerCranelift, RuntimeId::Wasmtime],
            &[AbiId::Pair],
            &crate::guests::Guests::default(),
        )
        .into_iter()
        .map(Cell::Micro)
        .collect();
        Plan::from_cells(cells, only, order, seed)
    }

    #[test]
    fn shuffled_order_is_a_seeded_permutation_after_the_natives() {
        let a = plan(Order::Shuffled, 1, &[]);
        let b = plan(Order::Shuffled, 1, &[]);
        let c = plan(Order::Shuffled, 2, &[]);
        assert_eq!(a.order, b.order);
        assert_ne!(a.order, c.order);
        let mut sorted = a.order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..a.cells.len()).collect::<Vec<_>>());
        assert!(a.order[..2].iter().all(|&i| a.cells[i].is_native()));
        let fixed = plan(Order::Fixed, 1, &[]);
        assert_eq!(fixed.order, (0..fixed.cells.len()).collect::<Vec<_>>());
        // Interleaved: a seeded permutation of every cell, natives included.
        let i = plan(Order::Interleaved, 1, &[]);
        assert_eq!(i.order, plan(Order::Interleaved, 1, &[]).order);
        let mut sorted = i.order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..i.cells.len()).collect::<Vec<_>>());
        let first_native = i.order.iter().position(|&k| i.cells[k].is_native());
        assert!(first_native.is_some_and(|p| p > 0), "{:?}", i.order);
        for (i, c) in fixed.cells.iter().enumerate() {
            assert_eq!(fixed.position(&c.id()), Some(i));
        }
    }

    #[test]
    fn only_keeps_matching_cells_and_natives_without_the_factor() {
        let all = plan(Order::Fixed, 1, &[]);
        let only = [Only {
            factor: Caching::NAME,
            values: vec!["cached".into()],
            keys: vec![Caching::Cached.key()],
        }];
        let p = plan(Order::Fixed, 1, &only);
        let uncached = all
            .cells
            .iter()
            .filter(|c| {
                c.values()
                    .iter()
                    .any(|v| v.name == "caching" && v.id == "uncached")
            })
            .count();
        assert!(uncached > 0);
        assert_eq!(p.cells.len(), all.cells.len() - uncached);
        assert!(p.cells.iter().filter(|c| c.is_native()).count() == 2);
        assert_eq!(
            p.factor_columns(),
            vec![
                "host-profile",
                "operand",
                "caching",
                "call",
                "loading",
                "limits",
                "lang",
                "handles"
            ]
        );
    }
}
