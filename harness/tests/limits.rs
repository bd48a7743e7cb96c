//! Limits hold from the first instantiation the harness makes: the
//! `--guest` contract check runs a given module under the run's deadline
//! and memory cap, so a start function that loops or takes memory is
//! stopped there (one line, exit 2, nothing written) rather than hanging
//! the run before it starts.

use std::time::{Duration, Instant};

mod common;
use common::{harness, stderr};

/// A Pair guest whose start function is `start`.
fn pair_with_start(start: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
             (memory (export "memory") 1)
             (func $start {start})
             (start $start)
             (func (export "micro_mul_i32") (param i32 i32) (result i32)
               (i32.mul (local.get 0) (local.get 1)))
             (func (export "micro_mul_f32") (param f32 f32) (result f32)
               (f32.mul (local.get 0) (local.get 1))))"#
    ))
    .unwrap()
}

#[test]
fn a_guests_start_function_is_stopped_by_the_runs_limits() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "loops",
            pair_with_start("(loop br 0)"),
            &["--cell-timeout", "1"][..],
            "deadline",
        ),
        // 16,384 pages: 1 GiB, past a 64 MiB cap.
        (
            "grows",
            pair_with_start(
                "(if (i32.lt_s (memory.grow (i32.const 16384)) (i32.const 0)) (then unreachable))",
            ),
            &["--memory-limit", "64MiB"][..],
            "",
        ),
    ];
    for runtime in ["wasmtime", "wasmi", "wasmer-cranelift"] {
        for (name, wasm, limit, says) in &cases {
            let guest = tmp.path().join(format!("{name}.wasm"));
            std::fs::write(&guest, wasm).unwrap();
            let out = tmp.path().join(format!("{runtime}-{name}"));
            let start = Instant::now();
            let run = harness()
                .args(["matrix", "--quick", "--quiet", "--abi", "pair", "--runtime"])
                .arg(runtime)
                .args(*limit)
                .arg("--guest")
                .arg(format!("pair={}", guest.display()))
                .arg("--out")
                .arg(&out)
                .timeout(Duration::from_secs(120))
                .output()
                .unwrap();
            let err = stderr(&run);
            assert_eq!(run.status.code(), Some(2), "{runtime} {name}: {err}");
            assert_eq!(err.lines().count(), 1, "{runtime} {name}: one line: {err}");
            assert!(err.contains("--guest pair="), "{runtime} {name}: {err}");
            assert!(err.contains(says), "{runtime} {name}: {err}");
            assert!(!out.exists(), "{runtime} {name}: nothing written");
            // Stopped by the limit, not by a default ten-minute deadline.
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{runtime} {name}: {:?}",
                start.elapsed()
            );
        }
    }
}
