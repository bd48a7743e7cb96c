//! The command line's shape: clap definitions only. Validation and the
//! work live in the `commands` modules, one module per subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Measures what it costs to call into a WebAssembly sandbox, across
/// runtimes and ABIs.
#[derive(Debug, Parser)]
#[command(
    name = "harness",
    version,
    propagate_version = true,
    after_help = "Examples:
  harness list
  harness matrix --scenario micro --quick
  harness matrix --scenario payload --runtime all --abi all
  harness report results/<run>
  harness compare results/<before> results/<after>

Exit codes: 0 success; 1 a cell failed (or the run broke); 2 bad input, nothing written;
3 `compare` found a regression."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the runtimes compiled in, the ABIs, scenarios and factors.
    #[command(after_help = "Example:\n  harness list")]
    List,
    /// Run a matrix of cells (runtime × ABI × factors, plus native) and
    /// write results.jsonl, results.csv and run.json.
    Matrix(Box<MatrixArgs>),
    /// Run the cache simulator over a trace, natively or with the policy
    /// in a guest, and print hits and hit ratios.
    Sim(Box<SimArgs>),
    /// Make traces for the simulator.
    #[command(subcommand)]
    Trace(TraceCommand),
    /// Write report.md, report.html, claims.json and figures from recorded runs.
    Report(Box<ReportArgs>),
    /// Compare two result sets cell by cell; exit 3 on a regression.
    Compare(Box<CompareArgs>),
    /// Merge the shards of one matrix (`matrix --shard`) into one run.
    Merge(Box<MergeArgs>),
    /// Make results/reference/ anew: every reference configuration from
    /// one clean commit, each in a fresh process, with its budget.
    Reproduce(Box<ReproduceArgs>),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = "Example:\n  harness completions bash > /etc/bash_completion.d/harness")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `harness matrix` arguments, before validation.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  harness matrix --scenario micro --quick                       # a smoke run, seconds
  harness matrix --scenario micro --runtime all --abi all       # the paper's Table 1 everywhere
  harness matrix --abi pair,bytemuck --only caching=cached --only operand=i32
  harness matrix --scenario sim --runtime wasmtime --only batch=1,256
  harness matrix --scenario payload --only shape=string --only direction=in
  harness matrix --host-profile release,debug                   # Release vs Debug host
  harness matrix --runtime all --shard auto --out results/shard-$SLURM_ARRAY_TASK_ID")]
pub struct MatrixArgs {
    /// Runtimes: comma-separated ids, or `all`.
    #[arg(long, value_name = "NAMES|all", default_value = "wasmer-cranelift")]
    pub runtime: String,
    /// ABIs: comma-separated ids, or `all`.
    #[arg(long, value_name = "NAMES|all", default_value = "all")]
    pub abi: String,
    /// The scenario.
    #[arg(long, value_name = "NAME", default_value = "micro")]
    pub scenario: String,
    /// Calls per replicate; with --protocol adaptive, the most
    /// [default: 100000, or 2000 with --quick].
    #[arg(long, value_name = "N")]
    pub calls: Option<u64>,
    /// Timed replicates per cell; with --protocol adaptive, the fewest
    /// [default: fixed 100 (5 with --quick), adaptive 10 (3)].
    #[arg(long, value_name = "R")]
    pub reps: Option<u32>,
    /// Minimum warm-up per cell, seconds; 0 for none [default: 0.2, or 0.01
    /// with --quick; sim: one replay].
    #[arg(long, value_name = "SECONDS")]
    pub warmup: Option<f64>,
    /// A smoke run of seconds: a small budget per cell, and every factor
    /// with a list of values held at one (--all-factors, or naming the
    /// factor in --only, frees it).
    #[arg(long)]
    pub quick: bool,
    /// How many calls and replicates: `adaptive` (calls calibrated so a
    /// replicate lasts about 10 ms, then replicates until the 95% interval
    /// is within --precision of the mean or --cell-budget is spent) or
    /// `fixed` (--reps × --calls exactly; for micro the paper's 100 ×
    /// 100,000) [default: adaptive; fixed when --reps or --calls is given].
    #[arg(long, value_name = "adaptive|fixed")]
    pub protocol: Option<String>,
    /// Adaptive: the 95% interval's half-width sought, relative to the
    /// mean, e.g. `1%` [default: 1%, or 5% with --quick].
    #[arg(long, value_name = "PERCENT")]
    pub precision: Option<String>,
    /// Adaptive: the most seconds a cell spends measuring, warm-up
    /// included [default: 3, or 0.3 with --quick].
    #[arg(long, value_name = "SECONDS")]
    pub cell_budget: Option<f64>,
    /// Every value of every factor, also those the default plan holds at
    /// one value (micro and payload: `limits=off`, `lang=rust`); naming a
    /// factor in --only frees it too.
    #[arg(long)]
    pub all_factors: bool,
    /// Print the plan (cells per runtime and ABI, the held factors, an
    /// estimated time) and exit without measuring or writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Deadline per cell, seconds: enforced inside the guest when
    /// `limits=on` and by the harness between replicates [default: 600].
    #[arg(long, value_name = "SECONDS")]
    pub cell_timeout: Option<f64>,
    /// Memory cap per guest instance when `limits=on` (e.g. 256MiB)
    /// [default: 1GiB].
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// Keep only these values of a factor (repeatable), e.g. `--only caching=cached`.
    #[arg(long, value_name = "FACTOR=V1,V2")]
    pub only: Vec<String>,
    /// Output folder [default: results/<UTC time>-<scenario>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// What to print on stdout: table, json or csv.
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    pub format: String,
    /// Cell order: interleaved (every cell shuffled, natives too),
    /// shuffled (natives first, the rest shuffled) or fixed.
    #[arg(long, value_name = "ORDER", default_value = "interleaved")]
    pub order: String,
    /// Shuffle seed, recorded in run.json.
    #[arg(long, value_name = "SEED", default_value_t = crate::plan::DEFAULT_SEED)]
    pub seed: u64,
    /// Run the whole matrix N times, each in its own process with its own
    /// shuffle seed (SEED, SEED+1...), into OUT/run-1... and report
    /// between-run statistics: mean, 95% interval and CV over the runs,
    /// and each ratio to native paired by run (OUT/between-runs.csv).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub runs: u32,
    /// No progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Run only shard I of N of the plan (every N-th cell from the I-th),
    /// or `auto` from a Slurm job array or a Kubernetes Indexed Job
    /// (docs/cluster.md); merge the shards with `harness merge`.
    #[arg(long, value_name = "I/N|auto")]
    pub shard: Option<String>,
    /// Do not write the report (report.md, report.html, claims.json, figures) at the end.
    #[arg(long)]
    pub no_report: bool,
    /// Run every cell in its own child process, so even an abort costs
    /// one cell (slower: a process and a compile per cell).
    #[arg(long)]
    pub isolate: bool,
    /// How cells are measured: `time` (a clock) or `callgrind`
    /// (instructions, cache and branch misses counted by Valgrind's
    /// Callgrind in the same timed region; every cell in its own child
    /// under Valgrind; deterministic, ~50x slower; docs/methodology.md).
    #[arg(long, value_name = "time|callgrind", default_value = "time")]
    pub measure: String,
    /// Finish an interrupted run: skip the cells RUN_DIR holds, append the
    /// rest (the same command, with --resume instead of --out; refused if
    /// the plan or the environment differ).
    #[arg(long, value_name = "RUN_DIR", conflicts_with = "out")]
    pub resume: Option<PathBuf>,
    /// Run ABI's cells with this module instead of its built-in guest
    /// (repeatable), e.g. `--guest pair=my.wasm` for the `lang=rust`
    /// cells, `--guest pair@c=my.wasm` for the `lang=c` ones: checked
    /// against the ABI's contract (docs/guest-contract.md) before anything
    /// is timed, its results checked against native; its SHA-256 goes in
    /// run.json and in every row that ran it. A module no cell runs is
    /// refused (exit 2).
    #[arg(long, value_name = "ABI[@LANG]=PATH.wasm")]
    pub guest: Vec<String>,
    /// Run only the cell with this id (what --isolate gives each child).
    #[arg(long, value_name = "CELL_ID", hide = true)]
    pub only_cell: Option<String>,
    /// Inject a fault into the cells whose id contains CELLS:
    /// `panic:CELLS` or `abort:CELLS` (tests containment).
    #[arg(long, value_name = "KIND:CELLS", hide = true)]
    pub inject_fault: Option<String>,
    /// Host builds to run the matrix in: `release`, `debug` (all at
    /// opt-level 0), `dev`; others than this binary's run as child
    /// processes and their cells are merged in [default: this binary's].
    #[arg(long, value_name = "PROFILES")]
    pub host_profile: Option<String>,
    /// Sim: the trace to replay [default: generated, see --requests].
    #[arg(long, value_name = "FILE", help_heading = "Simulator")]
    pub trace: Option<PathBuf>,
    /// Sim: the trace file's format: text, webcachesim or binary [default: detected].
    #[arg(long, value_name = "FORMAT", help_heading = "Simulator")]
    pub trace_format: Option<String>,
    /// Sim: an object whose size changes in the --trace file is an
    /// `error`, or `allow`ed [default: error].
    #[arg(long, value_name = "POLICY", help_heading = "Simulator")]
    pub size_change: Option<String>,
    /// Sim: requests of the generated trace [default: 1000000, or 20000 with --quick].
    #[arg(long, value_name = "N", help_heading = "Simulator")]
    pub requests: Option<u64>,
    /// Sim: distinct objects of the generated trace [default: 30000, or 2000 with --quick].
    #[arg(long, value_name = "N", help_heading = "Simulator")]
    pub objects: Option<u32>,
    /// Sim: seed of the generated trace [default: 1].
    #[arg(long, value_name = "SEED", help_heading = "Simulator")]
    pub trace_seed: Option<u64>,
    /// Sim: cache sizes of every cell (KiB, MiB, GiB, KB, MB, GB or bytes)
    /// [default: 4MiB].
    #[arg(long, value_name = "SIZES", help_heading = "Simulator")]
    pub cache_size: Option<String>,
    /// Sim: more sizes for the native hit-ratio sweep, or `none`
    /// [default: 1MiB,2MiB,...,1GiB, or none with --quick].
    #[arg(long, value_name = "SIZES|none", help_heading = "Simulator")]
    pub sweep: Option<String>,
    /// Sim: ablations to run beside the default build, natively and in
    /// the guest: hasher-fold128, presized, kept, heap, guest-os,
    /// guest-simd128, bounds-checked, or `all` (docs/methodology.md,
    /// "Ablations") [default: none].
    #[arg(long, value_name = "LIST|all", help_heading = "Simulator")]
    pub ablation: Option<String>,
}

/// `harness sim` arguments.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  harness trace generate --out trace.bin
  harness sim --trace trace.bin --policy all --cache-size 1MiB,4MiB,64MiB
  harness sim --trace trace.bin --runtime native,wasmtime --abi pair --json")]
pub struct SimArgs {
    /// The trace to replay.
    #[arg(long, value_name = "FILE")]
    pub trace: PathBuf,
    /// Its format: text, webcachesim or binary [default: detected].
    #[arg(long, value_name = "FORMAT")]
    pub trace_format: Option<String>,
    /// An object whose size changes is an `error`, or `allow`ed.
    #[arg(long, value_name = "POLICY", default_value = "error")]
    pub size_change: String,
    /// Policies: comma-separated (fifo, lru, lfu, gds), or `all`.
    #[arg(long, value_name = "NAMES|all", default_value = "all")]
    pub policy: String,
    /// Cache sizes (KiB, MiB, GiB, KB, MB, GB or bytes), comma-separated.
    #[arg(long, value_name = "SIZES", default_value = "4MiB")]
    pub cache_size: String,
    /// Where the policy runs: `native`, runtime ids, or `all`.
    #[arg(long, value_name = "NAMES|all", default_value = "native")]
    pub runtime: String,
    /// ABIs for the sandboxed runs, comma-separated, or `all`.
    #[arg(long, value_name = "NAMES|all", default_value = "all")]
    pub abi: String,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `harness trace` subcommands.
#[derive(Debug, Subcommand)]
pub enum TraceCommand {
    /// Write a synthetic ProWGen-like trace (docs/cachesim.md).
    Generate(GenerateArgs),
}

/// `harness trace generate` arguments.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  harness trace generate --out trace.bin                  # 1,000,000 requests, binary
  harness trace generate --requests 50000 --objects 2000 --seed 7 --out small.txt")]
pub struct GenerateArgs {
    /// Requests in the trace.
    #[arg(long, default_value_t = 1_000_000)]
    pub requests: u64,
    /// Distinct objects.
    #[arg(long, default_value_t = 30_000)]
    pub objects: u32,
    /// Seed: the same seed gives the same bytes on every machine.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Slope of the Zipf-like popularity.
    #[arg(long, default_value_t = 0.75)]
    pub zipf_slope: f64,
    /// Fraction of the objects requested exactly once.
    #[arg(long, default_value_t = 0.5)]
    pub one_timers: f64,
    /// Depth of the LRU stack that gives temporal locality (0: none).
    #[arg(long, default_value_t = 10_000)]
    pub stack_depth: u32,
    /// Mean of the lognormal body of the size distribution, bytes.
    #[arg(long, default_value_t = 7_000.0)]
    pub size_mean: f64,
    /// Standard deviation of the lognormal body, bytes.
    #[arg(long, default_value_t = 11_000.0)]
    pub size_sd: f64,
    /// Pareto tail index of the sizes.
    #[arg(long, default_value_t = 1.2)]
    pub tail_alpha: f64,
    /// Where the Pareto tail starts, bytes.
    #[arg(long, default_value_t = 10_000.0)]
    pub tail_start: f64,
    /// Fraction of objects whose size comes from the tail.
    #[arg(long, default_value_t = 0.2)]
    pub tail_fraction: f64,
    /// Output format: text, webcachesim or binary [default: binary for
    /// a `.bin` file, text otherwise].
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// The file to write (refused if it exists, unless --force).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// `harness report` arguments.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  harness report results/20261128T220000Z-micro
  harness report results/run-a results/run-b --out results/a-and-b
  harness report results/sweep            # a folder of runs (run-1/, run-2/, ...)")]
pub struct ReportArgs {
    /// Run folders (or folders of runs, or results.jsonl files).
    #[arg(required = true, value_name = "RUN_DIR")]
    pub runs: Vec<PathBuf>,
    /// Where to write report.md, report.html, claims.json and figures/ [default: the
    /// run folder, when there is one].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The TrueType font for the figures' text.
    #[arg(long, value_name = "FILE", default_value = analysis::figures::DEFAULT_FONT)]
    pub font: PathBuf,
}

/// `harness compare` arguments.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  harness compare results/before results/after
  harness compare results/before results/after --threshold 3% --out results/cmp
Exit codes: 0 no regression, 2 bad input, 3 a cell regressed past the threshold.")]
pub struct CompareArgs {
    /// The baseline: a run folder or a folder of runs.
    #[arg(value_name = "BASE")]
    pub base: PathBuf,
    /// The new results.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// Smallest slowdown of a cell's mean that counts as a regression.
    #[arg(long, value_name = "PERCENT", default_value = "5%")]
    pub threshold: String,
    /// The same for counted cells (`--measure callgrind`): the smallest
    /// growth of instructions per call that counts as a regression.
    #[arg(long, value_name = "PERCENT", default_value = "0.5%")]
    pub count_threshold: String,
    /// Family-wise significance level (Holm-adjusted over the cells).
    #[arg(long, value_name = "ALPHA", default_value_t = 0.05)]
    pub alpha: f64,
    /// Also write the comparison's figure (SVG and PNG) into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `harness merge` arguments.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  harness merge results/shard-1 results/shard-2 results/shard-3 results/shard-4 --out results/all
  harness merge results/shards --out results/all      # a folder holding the shard folders")]
pub struct MergeArgs {
    /// Shard run folders (or one folder holding them).
    #[arg(required = true, value_name = "DIR")]
    pub shards: Vec<PathBuf>,
    /// The merged run folder (must not hold results yet).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Merge shards whose environment (CPU, versions, features, commit)
    /// differs; the merged run says so.
    #[arg(long)]
    pub allow_mixed: bool,
}

/// `harness reproduce` arguments.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  harness reproduce --list                      # the configurations, their budgets, the total
  harness reproduce --dry-run                   # check every configuration's arguments
  harness reproduce                             # all of results/reference/, hours
  harness reproduce --resume                    # finish an interrupted reproduction
  harness reproduce --only serve,async          # two folders anew
  harness reproduce --reports                   # every report rewritten from the committed rows
  harness reproduce --smoke --allow-dirty --out /tmp/ref   # every step, --quick, elsewhere
Refuses a binary or checkout that is not one clean commit. Exit codes: 0 every configuration
made; 1 one failed or had failed cells (the others are made); 2 bad input, nothing run.")]
pub struct ReproduceArgs {
    /// Print the configurations, their budgets and the total; run nothing.
    #[arg(long)]
    pub list: bool,
    /// Check every configuration (its matrix with --dry-run); run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Only these configurations (comma-separated folder names).
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Keep the folders this commit already made (their reproduce.json
    /// says so) and make the rest.
    #[arg(long)]
    pub resume: bool,
    /// Where to write [default: results/reference of this checkout].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Run from a binary or checkout with uncommitted changes (needs
    /// --out: never into the reference).
    #[arg(long)]
    pub allow_dirty: bool,
    /// Every matrix with --quick: checks the whole procedure in minutes
    /// (needs --out; the folders say `smoke`).
    #[arg(long)]
    pub smoke: bool,
    /// Measure nothing: rewrite every made folder's report (report.md,
    /// report.html, claims.json, figures) from its committed rows with
    /// this binary, and record its commit as the folders' report commit.
    /// A fix to the analysis reaches the reference in seconds, not hours.
    #[arg(long, conflicts_with_all = ["resume", "smoke", "dry_run"])]
    pub reports: bool,
}
