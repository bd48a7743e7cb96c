//! The footprint scenario's table: memory per kept instance, how many fit
//! in a GiB, how fast they are made, and where they stopped fitting.

use super::{Group, METHOD, Shown, cannot_run, failures, groups, median, not_measured, tabled};
use crate::cells::Cells;
use crate::data::{Footprint, Status};
use crate::load::Run;
use crate::report::{Block, Table};
use crate::units::{bytes, share, si};

/// The error classes that say where instances stopped fitting, which a
/// footprint sweep is there to find (docs/results.md).
pub const LIMITS: &[&str] = &["pool-full", "cap"];

/// The factors the table has columns for.
const COLUMNS: &[&str] = &["allocator", "instances"];

/// A GiB, the unit of "instances per GiB".
pub const GIB: f64 = (1u64 << 30) as f64;

/// A footprint cell's memory per instance (over its runs: the median of
/// each figure), the spread of its replicates, and its speed.
#[derive(Debug, Clone, PartialEq)]
pub struct PerInstance {
    /// Instances kept alive.
    pub instances: u64,
    /// Bytes held: heap plus resident linear memory.
    pub held_b: f64,
    /// The allocator's bytes in use.
    pub heap_b: f64,
    /// Resident bytes of its linear-memory reservation (none on wasmi).
    pub linear_b: Option<f64>,
    /// The kernel's resident growth.
    pub resident_b: f64,
    /// Address space added.
    pub address_space_b: f64,
    /// Share returned once all were dropped.
    pub returned: f64,
    /// Lowest and highest replicate's bytes held.
    pub replicates: Option<(f64, f64)>,
    /// Instances made (each serving one request) per second: 1e9 / ns
    /// per instance, the cell's mean.
    pub per_second: Option<f64>,
}

impl PerInstance {
    /// How many instances a GiB holds: 2^30 / bytes held.
    pub fn per_gib(&self) -> Option<f64> {
        (self.held_b > 0.0).then(|| GIB / self.held_b)
    }

    /// (highest − lowest replicate) / held.
    pub fn spread(&self) -> Option<f64> {
        let (lo, hi) = self.replicates?;
        (self.held_b > 0.0).then(|| (hi - lo) / self.held_b)
    }
}

/// A measured footprint cell's figures (`None` unless a row has them).
pub fn per_instance(g: &Group, cells: &Cells) -> Option<PerInstance> {
    let fps: Vec<&Footprint> = g
        .measured()
        .into_iter()
        .filter_map(|r| r.footprint.as_ref())
        .collect();
    let first = fps.first()?;
    let med = |f: fn(&Footprint) -> f64| median(fps.iter().map(|x| f(x)).collect());
    let linear: Vec<f64> = fps.iter().filter_map(|f| f.linear_b).collect();
    let reps: Vec<f64> = fps
        .iter()
        .flat_map(|f| f.replicate_held_b.iter().copied())
        .filter(|x| x.is_finite())
        .collect();
    let replicates = (reps.len() >= 2).then(|| {
        (
            reps.iter().copied().fold(f64::MAX, f64::min),
            reps.iter().copied().fold(f64::MIN, f64::max),
        )
    });
    let per_second = g
        .estimate(cells)
        .map(|e| e.mean)
        .filter(|m| *m > 0.0)
        .map(|m| 1e9 / m);
    Some(PerInstance {
        instances: first.instances,
        held_b: med(|f| f.held_b)?,
        heap_b: med(|f| f.heap_b)?,
        linear_b: median(linear),
        resident_b: med(|f| f.resident_b)?,
        address_space_b: med(|f| f.address_space_b)?,
        returned: med(|f| f.returned)?,
        replicates,
        per_second,
    })
}

/// The section: what was measured, the table, where instances stopped
/// fitting, other failures.
pub fn section(runs: &[Run], cells: &Cells) -> Vec<Block> {
    let all = groups(runs, "footprint");
    let shown = Shown::of(all.iter().map(|g| g.factors()));
    let mut b = vec![Block::Para(format!(
        "Each replicate makes `instances` instances, has each serve one request and keeps \
         them all alive, reading the process before and after: what each instance holds, \
         how many fit in a GiB, and how fast they are made. Method and caveats: {METHOD} \
         (footprint)."
    ))];
    b.extend(shown.para());
    let header = [
        "runtime",
        "ABI",
        "allocator",
        "instances",
        "status",
        "held/inst",
        "heap/inst",
        "linear/inst",
        "RSS/inst",
        "address space/inst",
        "returned",
        "instances/GiB",
        "replicate spread",
        "made+served/s",
    ];
    let mut t = Table::new(header.map(String::from).to_vec(), 9);
    for g in all.iter().filter(|g| tabled(g)) {
        let mut row = vec![
            g.runtime().to_string(),
            shown.abi(g.abi(), g.factors(), COLUMNS),
            g.factor("allocator").unwrap_or("-").to_string(),
            g.factor("instances").unwrap_or("-").to_string(),
        ];
        match per_instance(g, cells) {
            Some(p) => {
                row.push("ok".into());
                row.extend([
                    bytes(p.held_b),
                    bytes(p.heap_b),
                    p.linear_b.map_or("-".into(), bytes),
                    bytes(p.resident_b),
                    bytes(p.address_space_b),
                    share(p.returned),
                    p.per_gib().map_or("-".into(), si),
                    p.spread().map_or("-".into(), share),
                    p.per_second.map_or("-".into(), si),
                ]);
            }
            None => {
                row.push(if g.status() == Status::Ok {
                    "ok (no footprint)".into()
                } else {
                    not_measured(Some(g))
                });
                row.extend(std::iter::repeat_n("-".to_string(), 9));
            }
        }
        t.rows.push(row);
    }
    if !t.rows.is_empty() {
        b.push(Block::Table(t));
        b.push(Block::List(
            [
                "**held**: what each instance holds, the allocator's bytes in use (**heap**) \
                 plus the resident pages of its linear-memory reservation (**linear**; `-` \
                 where the row has none: wasmi makes no reservation, its linear memory is \
                 heap); the median replicate's",
                "**RSS**: the kernel's resident growth per instance; **address space**: what \
                 each reserved, mostly never resident; **returned**: the share of what they \
                 held given back once all were dropped",
                "**instances/GiB** = 2^30 / held; **replicate spread** = (highest − lowest \
                 replicate's held) / held; **made+served/s** = instances made, each serving \
                 one request, per second (1e9 / ns per instance)",
            ]
            .map(String::from)
            .to_vec(),
        ));
    }
    b.extend(failures(
        &all,
        &shown,
        COLUMNS,
        "Where instances stopped fitting (a limit the sweep is there to find, not a failure \
         of the run):",
        LIMITS,
        &[],
    ));
    b.extend(failures(
        &all,
        &shown,
        COLUMNS,
        "Cells that failed:",
        &[],
        LIMITS,
    ));
    b.extend(cannot_run(&all));
    b
}
