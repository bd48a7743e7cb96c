//! `run.json`: what a run was asked to do and where it ran, as one typed
//! struct (its fields are documented in docs/results.md).

use serde::{Deserialize, Serialize};

use crate::fingerprint::Fingerprint;

/// The contents of `run.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// `abilab harness <version>`.
    pub tool: String,
    /// The command line, as typed.
    pub command: Vec<String>,
    /// When the run started (RFC 3339, UTC).
    pub started: String,
    /// When it finished; null while running.
    pub finished: Option<String>,
    /// The validated options.
    pub options: RunOptions,
    /// The host profiles its cells ran in.
    pub host_profiles: Vec<String>,
    /// The child processes that ran the other host profiles.
    pub children: Vec<ChildInfo>,
    /// Cells planned, over every host profile.
    pub cells: usize,
    /// Cells per status at the end; null while running.
    pub status_counts: Option<StatusCounts>,
    /// The binary and the machine.
    #[serde(flatten)]
    pub fingerprint: Fingerprint,
}

/// The options of a run, as `run.json` records them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOptions {
    /// Scenario id.
    pub scenario: String,
    /// Runtime ids.
    pub runtimes: Vec<String>,
    /// ABI ids.
    pub abis: Vec<String>,
    /// Calls (requests for the simulator) per replicate.
    pub calls: u64,
    /// Replicates per cell.
    pub reps: u32,
    /// Minimum warm-up, seconds.
    pub warmup_s: f64,
    /// The simulator's trace: generator settings or a file (null for micro).
    pub trace: serde_json::Value,
    /// Cache sizes of the sandboxed sim cells.
    pub cache_sizes: Vec<String>,
    /// Extra sizes of the native sim cells.
    pub sweep: Vec<String>,
    /// `shuffled` or `fixed`.
    pub order: String,
    /// Shuffle seed.
    pub seed: u64,
    /// `--only` restrictions.
    pub only: Vec<OnlyInfo>,
}

/// One `--only` restriction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OnlyInfo {
    /// The factor.
    pub factor: String,
    /// Its values kept.
    pub values: Vec<String>,
}

/// A child process that ran another host profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildInfo {
    /// Its host profile.
    pub host_profile: String,
    /// Its binary.
    pub binary: std::path::PathBuf,
}

/// Cells per status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    /// Measured.
    pub ok: usize,
    /// Failed.
    pub error: usize,
    /// Could not run.
    pub unsupported: usize,
}

impl RunInfo {
    /// The file's bytes.
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("run.json serialises");
        v.push(b'\n');
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                order: "fixed".into(),
                seed: 1,
                only: vec![],
            },
            host_profiles: vec!["dev".into()],
            children: vec![],
            cells: 3,
            status_counts: None,
            fingerprint: Fingerprint::take(),
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
