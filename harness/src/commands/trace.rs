//! `harness trace generate`: synthetic traces for the simulator.

use std::process::ExitCode;

use cachesim::workloads::{
    GeneratorConfig, TraceFormat, generate as generate_requests, write_binary, write_text,
    write_webcachesim,
};

use super::Failure;
use crate::cli::GenerateArgs;

/// Runs `harness trace generate`.
pub fn generate(a: &GenerateArgs) -> Result<ExitCode, Failure> {
    let usage = Failure::Usage;
    let config = GeneratorConfig {
        requests: a.requests,
        objects: a.objects,
        zipf_slope: a.zipf_slope,
        one_timer_fraction: a.one_timers,
        size_body_mean: a.size_mean,
        size_body_sd: a.size_sd,
        size_tail_alpha: a.tail_alpha,
        size_tail_start: a.tail_start,
        size_tail_fraction: a.tail_fraction,
        stack_depth: a.stack_depth,
        seed: a.seed,
    };
    config.validate().map_err(|e| usage(e.to_string()))?;
    let format = match &a.format {
        Some(f) => f
            .parse::<TraceFormat>()
            .map_err(|e| usage(format!("--format: {e}")))?,
        None if a.out.extension().is_some_and(|e| e == "bin") => TraceFormat::Binary,
        None => TraceFormat::Text,
    };
    if a.out.exists() && !a.force {
        return Err(usage(format!(
            "`{}` exists; pass --force to overwrite it",
            a.out.display()
        )));
    }
    let requests = generate_requests(&config).map_err(|e| usage(e.to_string()))?;
    // Write beside the target under a name no one else uses, then rename:
    // never a half-written trace, and no other file touched.
    let name = a
        .out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "trace".into());
    let tmp = a.out.with_file_name(format!(
        ".{name}.{}.{}.partial",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let write = || -> std::io::Result<()> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let file = std::io::BufWriter::new(file);
        match format {
            TraceFormat::Text => write_text(file, &requests),
            TraceFormat::Webcachesim => write_webcachesim(file, &requests),
            TraceFormat::Binary => write_binary(file, &requests),
        }?;
        std::fs::rename(&tmp, &a.out)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        usage(format!("cannot write `{}`: {e}", a.out.display()))
    })?;
    eprintln!(
        "wrote {} requests over {} objects ({format}) to {}",
        requests.len(),
        a.objects,
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
