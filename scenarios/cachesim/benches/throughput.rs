//! Native throughput of each policy: requests per second of `Cache::send` on
//! the default generated trace (held in memory) at a 16 MiB cache.
//!
//! ```text
//! cargo bench -p cachesim --features workloads --bench throughput
//! ```
//!
//! Only the send loop is timed; the trace is generated once, each repetition
//! starts from an empty cache (created outside the timed region). Prints, per
//! policy: mean, min and max requests/s over the repetitions, and the hit
//! ratios (identical across repetitions, checked). Then the time to parse the
//! same trace from memory in each trace format (with the size-change check).

use std::hint::black_box;
use std::time::Instant;

use cachesim::workloads::{
    GeneratorConfig, SizeChange, TraceFormat, TraceReader, generate, write_binary, write_text,
    write_webcachesim,
};
use cachesim::{Cache, Policy};

const CAPACITY: u64 = 16 << 20;
const REPETITIONS: usize = 7;

fn main() {
    let config = GeneratorConfig::default();
    let trace = generate(&config).expect("default config is valid");
    println!(
        "trace: {} requests, {} objects, seed {}; cache {} MiB; {} repetitions (+1 warm-up)",
        trace.len(),
        config.objects,
        config.seed,
        CAPACITY >> 20,
        REPETITIONS
    );
    println!(
        "{:<6} {:>14} {:>14} {:>14} {:>9} {:>9}",
        "policy", "mean req/s", "min req/s", "max req/s", "hit", "byte hit"
    );
    for &policy in Policy::ALL {
        let mut rates = Vec::with_capacity(REPETITIONS);
        let mut stats = None;
        for rep in 0..=REPETITIONS {
            let mut cache = Cache::new(policy, CAPACITY);
            let start = Instant::now();
            for &req in black_box(&trace[..]) {
                black_box(cache.send(req));
            }
            let elapsed = start.elapsed().as_secs_f64();
            let s = cache.stats();
            assert_eq!(*stats.get_or_insert(s), s, "runs of one policy must agree");
            if rep > 0 {
                rates.push(trace.len() as f64 / elapsed);
            }
        }
        let mean = rates.iter().sum::<f64>() / rates.len() as f64;
        let min = rates.iter().copied().fold(f64::INFINITY, f64::min);
        let max = rates.iter().copied().fold(0.0, f64::max);
        let s = stats.expect("at least one run");
        println!(
            "{:<6} {:>14.0} {:>14.0} {:>14.0} {:>9.4} {:>9.4}",
            policy.id(),
            mean,
            min,
            max,
            s.object_hit_ratio(),
            s.byte_hit_ratio()
        );
    }
    read_formats(&trace);
}

/// Times parsing `trace` from an in-memory buffer in each format.
fn read_formats(trace: &[cachesim::Request]) {
    println!("{:<12} {:>10} {:>14}", "format", "MB", "parse req/s");
    for format in TraceFormat::ALL {
        let mut buf = Vec::new();
        match format {
            TraceFormat::Text => write_text(&mut buf, trace),
            TraceFormat::Webcachesim => write_webcachesim(&mut buf, trace),
            TraceFormat::Binary => write_binary(&mut buf, trace),
        }
        .expect("write to memory");
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let start = Instant::now();
            let reader = TraceReader::new(&buf[..], format, "memory", SizeChange::Error);
            let mut n = 0;
            for r in reader {
                r.expect("round trip");
                n += 1;
            }
            best = best.min(start.elapsed().as_secs_f64());
            assert_eq!(n, trace.len());
        }
        println!(
            "{:<12} {:>10.1} {:>14.0}",
            format.id(),
            buf.len() as f64 / 1e6,
            trace.len() as f64 / best
        );
    }
}
