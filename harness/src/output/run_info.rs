//! `run.json`: the typed struct is [`analysis::data::RunInfo`]; [`begin`]
//! writes down a run's options and environment before its first cell.

use std::time::SystemTime;

pub use analysis::data::{ChildInfo, GuestInfo, OnlyInfo, RunInfo, RunOptions, StatusCounts};

use crate::fingerprint::{self, rfc3339};
use crate::measure::{Protocol, Stop};
use crate::options::Options;
use crate::scenario::sim::Ablation;

/// The `run.json` of a run starting now: its command, options (the
/// `protocol` actually used, the trace's description), host profiles and
/// children, the number of cells, and the machine's fingerprint.
pub fn begin(
    opts: &Options,
    protocol: &Protocol,
    trace: serde_json::Value,
    children: Vec<ChildInfo>,
    cells: usize,
) -> RunInfo {
    RunInfo {
        tool: concat!("abilab harness ", env!("CARGO_PKG_VERSION")).to_string(),
        // Lossy: a path need not be UTF-8, and run.json is text.
        command: std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        started: rfc3339(SystemTime::now()),
        finished: None,
        options: RunOptions {
            scenario: opts.scenario.to_string(),
            runtimes: opts.runtimes.iter().map(ToString::to_string).collect(),
            abis: opts.abis.iter().map(ToString::to_string).collect(),
            calls: protocol.calls,
            reps: protocol.reps,
            warmup_s: protocol.warmup.as_secs_f64(),
            trace,
            cache_sizes: opts.sim.sizes.iter().map(ToString::to_string).collect(),
            sweep: opts.sim.sweep.iter().map(ToString::to_string).collect(),
            ablations: opts
                .sim
                .ablations
                .iter()
                .filter(|&&a| a != Ablation::None)
                .map(ToString::to_string)
                .collect(),
            order: opts.order.to_string(),
            seed: opts.seed,
            shard: opts.shard.map(|s| s.to_string()),
            only: opts
                .only
                .iter()
                .map(|o| OnlyInfo {
                    factor: o.factor.to_string(),
                    values: o.values.clone(),
                })
                .collect(),
            cell_timeout_s: Some(protocol.budget.deadline.as_secs_f64()),
            memory_limit_bytes: Some(protocol.budget.memory_bytes),
            guests: opts
                .guests
                .given()
                .iter()
                .map(|g| GuestInfo {
                    abi: g.abi.to_string(),
                    lang: g.lang.to_string(),
                    path: g.path.clone(),
                    sha256: g.sha256.clone(),
                    bytes: g.bytes.len() as u64,
                })
                .collect(),
            measure: match opts.measure {
                crate::measure::Measure::Time => None,
                crate::measure::Measure::Callgrind => Some("callgrind".into()),
            },
            protocol: Some(
                match protocol.stop {
                    Stop::Fixed => "fixed",
                    Stop::Adaptive { .. } => "adaptive",
                }
                .into(),
            ),
            precision: match protocol.stop {
                Stop::Fixed => None,
                Stop::Adaptive { precision, .. } => Some(precision),
            },
            cell_budget_s: match protocol.stop {
                Stop::Fixed => None,
                Stop::Adaptive { cell_budget, .. } => Some(cell_budget.as_secs_f64()),
            },
            held: opts.held.clone(),
        },
        host_profiles: opts.host_profiles.iter().map(ToString::to_string).collect(),
        children,
        cells,
        status_counts: None,
        merge: None,
        status: Some("running".into()),
        resumed: Vec::new(),
        fingerprint: fingerprint::take(),
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint;

    #[test]
    fn round_trips_with_the_fingerprint_flattened() {
        let info = RunInfo {
            tool: "abilab harness 0".into(),
            command: vec!["harness".into(), "matrix".into()],
            started: "2026-11-28T00:00:00Z".into(),
            finished: None,
            options: RunOptions {
                scenario: "micro".into(),
                runtimes: vec!["wasmtime".into()],
                abis: vec!["pair".into()],
                calls: 10,
                reps: 2,
                warmup_s: 0.0,
                trace: serde_json::Value::Null,
                cache_sizes: vec![],
                sweep: vec![],
                ablations: vec![],
                order: "fixed".into(),
                seed: 1,
                shard: None,
                only: vec![],
                cell_timeout_s: None,
                memory_limit_bytes: None,
                guests: vec![],
                protocol: None,
                precision: None,
                cell_budget_s: None,
                held: vec![],
                measure: None,
            },
            host_profiles: vec!["dev".into()],
            children: vec![],
            cells: 3,
            status_counts: None,
            merge: None,
            status: None,
            resumed: Vec::new(),
            fingerprint: fingerprint::take(),
        };
        let json: serde_json::Value = serde_json::from_slice(&info.to_json()).unwrap();
        assert!(
            json["cpu_model"].is_string(),
            "fingerprint fields at top level"
        );
        assert!(json["status_counts"].is_null());
        let back: RunInfo = serde_json::from_value(json).unwrap();
        assert_eq!(back, info);
    }
}
