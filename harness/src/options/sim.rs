//! The simulator's flags: its trace, cache sizes and builds, and their
//! refusal by scenarios that replay no trace.

use factor::BadValue;

use super::OptionsError;
use crate::cli::MatrixArgs;
use crate::parse::parse_sizes;
use crate::scenario::ScenarioId;
use crate::scenario::sim::{Ablation, CacheSize};
use crate::workload::{SimOptions, TraceSource};

/// The simulator's flags mean nothing to a scenario that replays no
/// trace: refused rather than ignored.
pub(super) fn refuse_trace_flags(a: &MatrixArgs, scenario: ScenarioId) -> Result<(), OptionsError> {
    let given = [
        ("--trace", a.trace.is_some()),
        ("--trace-format", a.trace_format.is_some()),
        ("--size-change", a.size_change.is_some()),
        ("--requests", a.requests.is_some()),
        ("--objects", a.objects.is_some()),
        ("--trace-seed", a.trace_seed.is_some()),
        ("--cache-size", a.cache_size.is_some()),
        ("--sweep", a.sweep.is_some()),
        ("--ablation", a.ablation.is_some()),
    ];
    match given.iter().find(|(_, set)| *set) {
        Some(&(flag, _)) => Err(OptionsError::TraceOnly { flag, scenario }),
        None => Ok(()),
    }
}

/// The simulator's trace and sizes.
pub(super) fn sim_options(a: &MatrixArgs) -> Result<SimOptions, OptionsError> {
    use cachesim::workloads::{SizeChange, TraceFormat};
    let invalid = |flag: &'static str| move |why: String| OptionsError::Invalid { flag, why };
    let size_change: SizeChange = a
        .size_change
        .as_deref()
        .unwrap_or("error")
        .parse()
        .map_err(|e: cachesim::workloads::ParseSizeChangeError| {
            invalid("--size-change")(e.to_string())
        })?;
    let trace = match &a.trace {
        Some(path) => {
            if a.requests.is_some() || a.objects.is_some() || a.trace_seed.is_some() {
                return Err(OptionsError::Conflict(
                    "--requests, --objects and --trace-seed shape the generated trace, not --trace",
                ));
            }
            let format = match &a.trace_format {
                Some(f) => Some(
                    f.parse::<TraceFormat>()
                        .map_err(|e| invalid("--trace-format")(e.to_string()))?,
                ),
                None => None,
            };
            TraceSource::File {
                path: path.clone(),
                format,
                size_change,
            }
        }
        None => {
            if a.trace_format.is_some() || a.size_change.is_some() {
                return Err(OptionsError::Conflict(
                    "--trace-format and --size-change describe a --trace file",
                ));
            }
            let mut source = TraceSource::default_generated(a.quick);
            if let TraceSource::Generated(c) = &mut source {
                c.requests = a.requests.unwrap_or(c.requests);
                c.objects = a.objects.unwrap_or(c.objects);
                c.seed = a.trace_seed.unwrap_or(c.seed);
                c.validate().map_err(|e| OptionsError::Invalid {
                    flag: "generated trace",
                    why: e.to_string(),
                })?;
            }
            source
        }
    };
    let default_sweep = if a.quick {
        "none".to_string()
    } else {
        (0..=10)
            .map(|i| analysis::units::format_size(1 << (20 + i)))
            .collect::<Vec<_>>()
            .join(",")
    };
    let sizes: Vec<CacheSize> =
        parse_sizes(a.cache_size.as_deref().unwrap_or("4MiB")).map_err(invalid("--cache-size"))?;
    if sizes.is_empty() {
        return Err(invalid("--cache-size")("give at least one size".into()));
    }
    Ok(SimOptions {
        trace,
        sizes,
        sweep: parse_sizes(a.sweep.as_deref().unwrap_or(&default_sweep))
            .map_err(invalid("--sweep"))?,
        ablations: parse_ablations(a.ablation.as_deref()).map_err(invalid("--ablation"))?,
    })
}

/// `--ablation`: `none` always, then the ablations named (or every one
/// for `all`), each once.
fn parse_ablations(given: Option<&str>) -> Result<Vec<Ablation>, String> {
    let mut out = vec![Ablation::None];
    let Some(given) = given else {
        return Ok(out);
    };
    if given == "all" {
        return Ok(Ablation::ALL.to_vec());
    }
    for name in given.split(',') {
        let a: Ablation = name.trim().parse().map_err(|e: BadValue| e.to_string())?;
        if out.contains(&a) && a != Ablation::None {
            return Err(format!("{a} given twice"));
        }
        if !out.contains(&a) {
            out.push(a);
        }
    }
    Ok(out)
}
