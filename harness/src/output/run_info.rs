//! `run.json`: the typed struct is [`analysis::data::RunInfo`].

pub use analysis::data::{ChildInfo, GuestInfo, OnlyInfo, RunInfo, RunOptions, StatusCounts};
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
