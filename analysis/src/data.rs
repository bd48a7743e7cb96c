//! The result files' rows, as other tools read them: one [`Record`] per
//! line of `results.jsonl`, and [`RunInfo`] in `run.json` (every field is
//! documented in docs/results.md). Fields are added, never renamed, so
//! earlier runs still load (a field a run predates reads as its default).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How a cell ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Measured and checked against native.
    Ok,
    /// Ran and failed; `error` says how.
    Error,
    /// Cannot run in this build or on this runtime; `error` says why.
    Unsupported,
}

/// One cell's results. Times are seconds per replicate of `calls` calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Scenario id (`micro`).
    pub scenario: String,
    /// Runtime id, or `native`.
    pub runtime: String,
    /// ABI id, or `native`.
    pub abi: String,
    /// Every factor of the cell, name → value.
    pub factors: BTreeMap<String, String>,
    /// `ok`, `error` or `unsupported`.
    pub status: Status,
    /// The reason for `error` and `unsupported`; null when ok.
    pub error: Option<String>,
    /// The kind of failure of an `error` cell (`trap`, `out-of-bounds`,
    /// `wrong-result`...; see docs/results.md); null otherwise.
    #[serde(default)]
    pub error_class: Option<String>,
    /// Calls per replicate.
    pub calls: u64,
    /// Timed replicates asked for.
    pub reps: u32,
    /// Mean replicate time.
    pub mean_s: Option<f64>,
    /// Sample standard deviation of the replicate times.
    pub sd_s: Option<f64>,
    /// Lower bound of the mean's 95% confidence interval (Student t).
    pub ci95_low_s: Option<f64>,
    /// Upper bound of the mean's 95% confidence interval.
    pub ci95_high_s: Option<f64>,
    /// Median replicate time.
    pub median_s: Option<f64>,
    /// Fastest replicate.
    pub min_s: Option<f64>,
    /// Slowest replicate.
    pub max_s: Option<f64>,
    /// 99th percentile of the replicate times (nearest rank); absent in
    /// files written before it existed.
    #[serde(default)]
    pub p99_s: Option<f64>,
    /// Mean time per call, nanoseconds.
    pub ns_per_call: Option<f64>,
    /// `mean_s` over the mean of the native cell with the same scenario
    /// and operand-level factors, measured in the same run.
    pub ratio_to_native: Option<f64>,
    /// Every timed replicate, in the order they ran; empty in a
    /// reference file trimmed under the size limit (every statistic
    /// above is kept), and absent is read as empty.
    #[serde(default)]
    pub replicate_s: Vec<f64>,
    /// Untimed warm-up replicates run first.
    pub warmup_reps: u32,
    /// Compiling the guest, timed once at set-up (null for native).
    pub compile_s: Option<f64>,
    /// Instantiating the guest, timed once at set-up (null for native).
    pub instantiate_s: Option<f64>,
    /// Position of the cell in the run's execution order (0-based).
    pub run_index: usize,
    /// Sim cells: requests that hit (equal to native's, or the cell fails).
    pub hits: Option<u64>,
    /// Sim cells: bytes of the requests that hit.
    pub byte_hits: Option<u64>,
    /// Sim cells: hits per request.
    pub object_hit_ratio: Option<f64>,
    /// Sim cells: hit bytes per requested byte.
    pub byte_hit_ratio: Option<f64>,
    /// The cell's stable id (scenario, runtime, ABI and every factor):
    /// what identifies a row across files, children and runs.
    #[serde(default)]
    pub cell: String,
    /// Replicates flagged as outliers (modified z-score above 3.5, see
    /// `stats::Summary::outliers`); absent in older files.
    #[serde(default)]
    pub outliers: Option<u32>,
    /// What else the machine did while the cell ran: other processes' CPU
    /// time plus time the hypervisor stole, over the cell's wall time, in
    /// cores (0.5: half a core's worth on average). Absent where
    /// `/proc/stat` cannot be read, and in older files.
    #[serde(default)]
    pub others_cpu: Option<f64>,
    /// The 1-minute load average when the cell finished.
    #[serde(default)]
    pub load_avg: Option<f64>,
    /// Why the cell stopped taking replicates: `fixed` (the count asked
    /// for), `precision` (its 95% interval reached the precision sought),
    /// `budget` (its time budget ran out first) or `max-reps`. Absent in
    /// older files and for cells that did not measure.
    #[serde(default)]
    pub stop: Option<String>,
    /// The guest module the cell ran: `built-in rust`, `built-in c`,
    /// `built-in rust guest-os` (a build variant), `file PATH` (given with
    /// `--guest`) or a scenario's own (`built-in hostile/...`). Absent for
    /// native cells and in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest: Option<String>,
    /// SHA-256 of that module's bytes, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest_sha256: Option<String>,
    /// What Callgrind counted per call, the median replicate's, in a
    /// run with `--measure callgrind` (whose time fields are then absent:
    /// a clock under Valgrind says nothing of the machine). Absent in
    /// timed rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<CountsPerCall>,
    /// Instructions counted in each timed replicate, in the order they ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replicate_instructions: Vec<u64>,
    /// The anatomy of a call (`--measure callgrind`): the median
    /// replicate's instructions per call by where they were spent
    /// (`guest-code`, `runtime`, `host-abi`, `harness`, `rust-std`, `libc`,
    /// `other`; docs/methodology.md).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub anatomy: BTreeMap<String, f64>,
    /// What kept instances cost in memory (the footprint scenario).
    /// Absent in every other row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footprint: Option<Footprint>,
    /// Resident bytes the process kept after the cell's one large call,
    /// once its small calls were done (the aftermath scenario; negative if
    /// it shrank). Absent in every other row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retained_b: Option<f64>,
}

/// Memory per kept instance, measured from the process before and after
/// making the instances, never estimated from a module's declared sizes:
/// the allocator's bytes in use (`mallinfo2`) and the kernel's resident
/// pages per mapping (`/proc/self/smaps`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Footprint {
    /// Instances alive at the reading, each having served one request.
    pub instances: u64,
    /// What each instance holds: `heap_b` plus `linear_b` (the median
    /// replicate's). The figure "instances per GiB" divides.
    pub held_b: f64,
    /// Bytes the allocator handed out for it and had not had back: the
    /// engine's store, instance and compiled-code bookkeeping, the ABI
    /// host's state, and (wasmi) its linear memory, at full size.
    pub heap_b: f64,
    /// Resident bytes in its linear-memory reservation (the accessible
    /// pages a guest touched; Wasmtime's and Wasmer's per-memory
    /// reservations or the pool's slots). Absent where the engine makes
    /// none (wasmi keeps linear memory on its heap, counted in `heap_b`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear_b: Option<f64>,
    /// The kernel's count of resident bytes the process gained: below
    /// `held_b` when the allocator reuses memory it kept from earlier
    /// frees, above it when it maps more than it hands out.
    pub resident_b: f64,
    /// Address space added per instance (reserved, mostly never resident):
    /// what bounds instances per process before memory does.
    pub address_space_b: f64,
    /// Share of the bytes held that the instances gave back once all were
    /// dropped (0 to 1).
    pub returned: f64,
    /// Bytes held per instance of every timed replicate, in order.
    pub replicate_held_b: Vec<f64>,
}

/// Callgrind's counts of a cell, per call (the median replicate's count
/// over its calls).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CountsPerCall {
    /// Instructions executed (`Ir`).
    pub instructions: f64,
    /// Data reads (`Dr`).
    pub data_reads: f64,
    /// Data writes (`Dw`).
    pub data_writes: f64,
    /// Simulated L1 misses, instruction and data.
    pub l1_misses: f64,
    /// Simulated last-level misses.
    pub ll_misses: f64,
    /// Mispredicted branches (conditional and indirect).
    pub branch_misses: f64,
}

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
    /// `running`, `finished` or `interrupted` (SIGINT/SIGTERM); absent in
    /// runs written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When the run was resumed (`--resume`), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resumed: Vec<String>,
    /// The binary and the machine.
    #[serde(flatten)]
    pub fingerprint: Fingerprint,
    /// Set when this result set was merged from shard folders
    /// (`harness merge`); absent in a run written by one harness. Says
    /// which shards, and which fingerprint fields differed between them
    /// (only possible with `--allow-mixed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<MergeInfo>,
}

/// How a merged result set was put together (`RunInfo::merge`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeInfo {
    /// The shard folders, in the order their rows were appended.
    pub sources: Vec<String>,
    /// The environment fields whose values differed between shards, each
    /// as `field: value (shard), value (shard)`; empty when every shard
    /// ran on the same machine, binary and versions. Cells of a mixed
    /// set are not comparable with each other without care.
    pub mixed: Vec<String>,
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
    /// The simulator's ablations run beside its default build
    /// (`--ablation`); empty when none was.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ablations: Vec<String>,
    /// `shuffled` or `fixed`.
    pub order: String,
    /// Shuffle seed.
    pub seed: u64,
    /// The shard of the plan this run was (`I/N`), if split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// `--only` restrictions.
    pub only: Vec<OnlyInfo>,
    /// The per-cell deadline (`--cell-timeout`), seconds; absent in runs
    /// written before limits existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell_timeout_s: Option<f64>,
    /// The per-instance memory cap (`--memory-limit`), bytes, applied in
    /// `limits=on` cells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_limit_bytes: Option<u64>,
    /// Modules given with `--guest` in place of built-in guests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guests: Vec<GuestInfo>,
    /// `adaptive` or `fixed` (absent in older files: fixed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Adaptive: the 95% interval's half-width sought, relative to the mean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<f64>,
    /// Adaptive: the most seconds a cell spent measuring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell_budget_s: Option<f64>,
    /// Factors the default plan held at one value (`factor=value`), which
    /// `--all-factors` frees.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<String>,
    /// `callgrind` for a counted run (`--measure callgrind`); absent for
    /// a timed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
}

/// A module given with `--guest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuestInfo {
    /// The ABI whose built-in guest it replaced.
    pub abi: String,
    /// The language of the built-in guest it replaced (`rust` in files
    /// older than the field).
    #[serde(default = "rust")]
    pub lang: String,
    /// The file, as given.
    pub path: std::path::PathBuf,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
}

fn rust() -> String {
    "rust".into()
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

/// The binary and the machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// `git rev-parse HEAD` when the binary was built.
    pub git_commit: String,
    /// Whether tracked files differed from that commit.
    pub git_dirty: bool,
    /// When dirty, `git diff HEAD | git hash-object --stdin` at build
    /// time: which uncommitted changes, so two dirty builds can be told
    /// apart (empty when clean, and in runs older than the field).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub git_diff_hash: String,
    /// `rustc -V` of the compiler that built it.
    pub rustc: String,
    /// The cargo profile directory the binary was built into.
    pub cargo_profile: String,
    /// Its opt-level.
    pub opt_level: String,
    /// Host profile of the cells (`release`, `debug` or `dev`).
    pub host_profile: String,
    /// name → version of the runtime and ABI crates, from Cargo.lock.
    pub crate_versions: BTreeMap<String, String>,
    /// Runtime backends compiled in, and the peers built with their own
    /// feature (`extism`).
    pub features: Vec<String>,
    /// CPU model name from /proc/cpuinfo.
    pub cpu_model: String,
    /// Logical CPUs available to the process.
    pub cores: usize,
    /// CPU frequency governor, when the kernel exposes it.
    pub cpu_governor: Option<String>,
    /// Kernel name and release.
    pub os: String,
    /// Physical memory, bytes.
    pub memory_bytes: Option<u64>,
    /// Variables from a fixed list that were set.
    pub env: BTreeMap<String, String>,
}

/// Names one series of rows that differ only in a swept factor (a size or
/// a batch): runtime, ABI, and the remaining factors as (name, value).
pub type SeriesKey = (String, String, Vec<(String, String)>);
