//! `--resume`: a run folder is finished only by the same plan, in the
//! same environment, with the same binary.

use super::RunInfo;

/// The `run.json` of a folder to resume.
pub fn resumable(dir: &std::path::Path) -> Result<RunInfo, String> {
    let path = dir.join("run.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot resume `{}`: {}: {e}", dir.display(), path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("cannot resume: {}: {e}", path.display()))
}

/// Refuses to resume a run of another plan or from another environment.
pub fn check_same_run(before: &RunInfo, now: &RunInfo) -> Result<(), String> {
    let refuse = |what: String| {
        format!("cannot resume: {what} differs from the run being resumed (give the same options)")
    };
    let (a, b) = (&before.options, &now.options);
    let options = [
        ("--scenario", a.scenario == b.scenario),
        ("--runtime", a.runtimes == b.runtimes),
        ("--abi", a.abis == b.abis),
        ("--guest", a.guests == b.guests),
        ("--calls", a.calls == b.calls),
        ("--reps", a.reps == b.reps),
        ("--warmup", a.warmup_s == b.warmup_s),
        ("--protocol", a.protocol == b.protocol),
        ("--precision", a.precision == b.precision),
        ("--cell-budget", a.cell_budget_s == b.cell_budget_s),
        ("--all-factors", a.held == b.held),
        ("--cell-timeout", a.cell_timeout_s == b.cell_timeout_s),
        (
            "--memory-limit",
            a.memory_limit_bytes == b.memory_limit_bytes,
        ),
        ("the trace", a.trace == b.trace),
        ("--cache-size", a.cache_sizes == b.cache_sizes),
        ("--sweep", a.sweep == b.sweep),
        ("--ablation", a.ablations == b.ablations),
        ("--order", a.order == b.order),
        ("--seed", a.seed == b.seed),
        ("--shard", a.shard == b.shard),
        ("--only", a.only == b.only),
        ("--host-profile", before.host_profiles == now.host_profiles),
    ];
    if let Some((flag, _)) = options.iter().find(|(_, same)| !same) {
        return Err(refuse(flag.to_string()));
    }
    if let Some((field, was, is)) =
        analysis::merge::differences(&before.fingerprint, &now.fingerprint).first()
    {
        return Err(refuse(format!("{field} (`{was}`, now `{is}`)")));
    }
    Ok(())
}
