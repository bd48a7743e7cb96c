//! The environment of a run, recorded in `run.json`: what built the binary
//! and what machine ran it. A figure without this is not comparable.

use std::time::{SystemTime, UNIX_EPOCH};

/// Environment variables that change what a run measures, recorded when set.
/// `RUST_BACKTRACE` matters most: with it, every error built with a
/// backtrace costs microseconds.
const ENV_VARS: &[&str] = &[
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "RAYON_NUM_THREADS",
    "WASMTIME_BACKTRACE_DETAILS",
    "WASMER_BACKTRACE",
    "LLVM_SYS_221_PREFIX",
];

pub use analysis::data::Fingerprint;

/// Turns library backtraces off for this process unless the user chose
/// (`RUST_LIB_BACKTRACE` unset → `0`): with `RUST_BACKTRACE=1`, as on the
/// machines abilab runs on, every `anyhow` error captures a backtrace,
/// microseconds each, and a runtime that builds errors on a normal path
/// (Extism's `Plugin::call` does, per call) would be timed with that
/// cost. `RUST_LIB_BACKTRACE` takes precedence for library backtraces
/// only, so a panic still prints its backtrace under `RUST_BACKTRACE`.
/// Both variables land in `run.json`'s `env` as the run saw them.
///
/// Call it first in `main`: setting a variable is sound only while no
/// other thread can read the environment.
pub fn library_backtraces_off() {
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // SAFETY: called first thing in `main`, before any thread exists.
        unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    }
}

/// Reads the environment now.
pub fn take() -> Fingerprint {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let cpuinfo = read("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let memory_bytes = read("/proc/meminfo").and_then(|m| {
        let kb = m.lines().find_map(|l| l.strip_prefix("MemTotal:"))?;
        Some(
            kb.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()?
                * 1024,
        )
    });
    let os = format!(
        "{} {}",
        std::env::consts::OS,
        read("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
    );
    Fingerprint {
        git_commit: env!("ABILAB_GIT_COMMIT").to_string(),
        git_dirty: env!("ABILAB_GIT_DIRTY") == "true",
        git_diff_hash: env!("ABILAB_GIT_DIFF_HASH").to_string(),
        rustc: env!("ABILAB_RUSTC").to_string(),
        cargo_profile: env!("ABILAB_PROFILE").to_string(),
        opt_level: env!("ABILAB_OPT_LEVEL").to_string(),
        host_profile: crate::factors::HostProfile::this().to_string(),
        crate_versions: env!("ABILAB_CRATE_VERSIONS")
            .split(',')
            .filter_map(|nv| nv.split_once('@'))
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        features: features(),
        cpu_model,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu_governor: read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
            .map(|s| s.trim().to_string()),
        os: os.trim().to_string(),
        memory_bytes,
        env: ENV_VARS
            .iter()
            .filter_map(|k| Some((k.to_string(), std::env::var(k).ok()?)))
            .collect(),
    }
}

/// The backends compiled in, then the ABIs that need a feature of their
/// own and have it (`extism`, which brings a second Wasmtime): the
/// feature list a user would pass to build the same binary.
fn features() -> Vec<String> {
    let mut v: Vec<String> = runtimes::RuntimeId::ALL
        .iter()
        .filter(|r| r.compiled_in())
        .map(|r| r.id().to_string())
        .collect();
    if crate::abis::AbiId::built()
        .iter()
        .any(|a| a.id() == "extism")
    {
        v.push("extism".into());
    }
    v
}

/// Seconds since the Unix epoch as an RFC 3339 UTC timestamp.
pub fn rfc3339(t: SystemTime) -> String {
    let (date, secs) = civil(t);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// A compact UTC stamp for folder names: `20261128T051600Z`.
pub fn stamp(t: SystemTime) -> String {
    rfc3339(t).replace(['-', ':'], "")
}

/// (YYYY-MM-DD, seconds into the day), from days since the epoch
/// (Howard Hinnant's `civil_from_days`).
fn civil(t: SystemTime) -> (String, u64) {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (format!("{y:04}-{m:02}-{d:02}"), secs % 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_844_175);
        assert_eq!(rfc3339(t), "2026-11-28T05:36:15Z");
        assert_eq!(stamp(t), "20261128T053615Z");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        // A leap day.
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn fingerprint_reads_this_machine() {
        let f = take();
        assert!(f.cores >= 1);
        assert!(!f.rustc.is_empty());
        assert!(
            f.features.iter().any(|x| x == "wasmer-cranelift")
                == cfg!(feature = "wasmer-cranelift")
        );
        assert!(f.crate_versions.contains_key("wasmer"));
        assert_eq!(
            f.features.iter().any(|x| x == "extism"),
            cfg!(feature = "extism")
        );
        // Every ABI's encoding crate and the second runtime are named.
        for name in ["postcard", "rkyv", "bincode", "prost", "wasmi", "extism"] {
            assert!(f.crate_versions.contains_key(name), "{name} missing");
        }
        // Wasmtime is locked twice (ours, Extism's): both are said.
        let wasmtime = &f.crate_versions["wasmtime"];
        assert!(wasmtime.contains(" + "), "{wasmtime}");
        assert_eq!(f.git_dirty, !f.git_diff_hash.is_empty());
    }
}
