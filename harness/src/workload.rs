//! The simulator's input: a trace read from a file or generated, held in
//! memory once and shared by every cell of a run.

use std::path::PathBuf;

use cachesim::Request;
use cachesim::workloads::{GeneratorConfig, SizeChange, TraceFormat, generate, read_trace};
use serde_json::{Value, json};

use crate::scenario::sim::factors::{Ablation, CacheSize};

/// What a sim run simulates: the trace, the cache sizes and the builds.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// The trace.
    pub trace: TraceSource,
    /// Cache sizes of every cell.
    pub sizes: Vec<CacheSize>,
    /// Extra sizes for native cells only: the hit-ratio sweep.
    pub sweep: Vec<CacheSize>,
    /// The builds every cell runs in: `none` first, then `--ablation`'s.
    pub ablations: Vec<Ablation>,
}

impl SimOptions {
    /// A smoke run's: the small generated trace, one 4 MiB cache, no
    /// sweep, the default build.
    pub fn quick() -> SimOptions {
        SimOptions {
            trace: TraceSource::default_generated(true),
            sizes: vec![CacheSize(4 << 20)],
            sweep: Vec::new(),
            ablations: vec![Ablation::None],
        }
    }
}

/// Where the trace comes from.
#[derive(Debug, Clone)]
pub enum TraceSource {
    /// The ProWGen-like generator.
    Generated(GeneratorConfig),
    /// A trace file.
    File {
        /// The file.
        path: PathBuf,
        /// Its format, or `None` to detect it.
        format: Option<TraceFormat>,
        /// What to do when an object's size changes.
        size_change: SizeChange,
    },
}

/// The SHA-256 of the requests (each id, then size, as little-endian
/// `u32`s), in hex: what a run simulated, whatever the file's format or
/// name. `run.json` records it so that `--resume` refuses a trace file
/// rewritten in between (same name, same length, other requests), whose
/// hits would otherwise be mixed with the first one's.
pub fn requests_sha256(requests: &[Request]) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    let mut buf = Vec::with_capacity(8 * 4096);
    for chunk in requests.chunks(4096) {
        buf.clear();
        for r in chunk {
            buf.extend_from_slice(&r.id.to_le_bytes());
            buf.extend_from_slice(&r.size.to_le_bytes());
        }
        hash.update(&buf);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A trace in memory.
#[derive(Debug, Clone)]
pub struct Trace {
    /// Every request, in order.
    pub requests: Vec<Request>,
    /// Where it came from, for `run.json`.
    pub source: Value,
}

impl TraceSource {
    /// The generator's defaults (the paper's 1,000,000 requests over
    /// 30,000 objects), or a small trace for a smoke run.
    pub fn default_generated(quick: bool) -> TraceSource {
        let mut c = GeneratorConfig::default();
        if quick {
            c.requests = 20_000;
            c.objects = 2_000;
            c.stack_depth = c.stack_depth.min(500);
        }
        TraceSource::Generated(c)
    }

    /// Generates or reads the trace; the error is one line naming the
    /// file and line.
    pub fn load(&self) -> Result<Trace, String> {
        match self {
            TraceSource::Generated(c) => {
                let requests = generate(c).map_err(|e| format!("trace generator: {e}"))?;
                Ok(Trace {
                    source: json!({
                        "sha256": requests_sha256(&requests),
                        "generated": {
                            "requests": c.requests,
                            "objects": c.objects,
                            "zipf_slope": c.zipf_slope,
                            "one_timer_fraction": c.one_timer_fraction,
                            "stack_depth": c.stack_depth,
                            "seed": c.seed,
                        }
                    }),
                    requests,
                })
            }
            TraceSource::File {
                path,
                format,
                size_change,
            } => {
                let requests =
                    read_trace(path, *format, *size_change).map_err(|e| e.to_string())?;
                Ok(Trace {
                    source: json!({
                        "file": path,
                        "requests": requests.len(),
                        "sha256": requests_sha256(&requests),
                    }),
                    requests,
                })
            }
        }
    }
}
