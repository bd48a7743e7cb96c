//! `harness merge`: shards of one matrix (`matrix --shard i/n`, on as many
//! machines as there are shards) into one result folder. Refuses shards
//! whose environments differ unless `--allow-mixed` (the merged `run.json`
//! and the report then say so).

use std::process::ExitCode;

use analysis::{load_all, merge};

use super::Failure;
use crate::cli::MergeArgs;
use crate::output::Sink;

/// Runs `harness merge`.
pub fn run(a: &MergeArgs) -> Result<ExitCode, Failure> {
    super::settled(&a.shards)?;
    let runs = load_all(&a.shards).map_err(|e| Failure::Usage(e.to_string()))?;
    let merged = merge(&runs, a.allow_mixed).map_err(|e| Failure::Usage(e.to_string()))?;
    let mut columns: Vec<String> = Vec::new();
    for r in &merged.records {
        for k in r.factors.keys() {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut sink = Sink::create(&a.out, &columns).map_err(|e| Failure::Usage(e.to_string()))?;
    for r in &merged.records {
        sink.write(r)
            .map_err(|e| Failure::Run(anyhow::anyhow!("writing results: {e}")))?;
    }
    sink.write_file("run.json", &merged.info.to_json())
        .map_err(|e| Failure::Run(anyhow::anyhow!("writing run.json: {e}")))?;
    eprintln!(
        "merged {} cells from {} runs into {}{}",
        merged.records.len(),
        runs.len(),
        a.out.display(),
        if merged
            .info
            .merge
            .as_ref()
            .is_some_and(|m| !m.mixed.is_empty())
        {
            " (mixed environments)"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}
