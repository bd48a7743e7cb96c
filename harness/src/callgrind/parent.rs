//! The parent of a counted run: Valgrind found, the binary stripped, each
//! cell's child launched under Callgrind, its dumps read into its row.

use std::path::{Path, PathBuf};
use std::process::Command;

use analysis::data::{CountsPerCall, Record, Status};

use super::{Counts, on_valgrind};

/// The simulated caches, fixed rather than read from the machine (a VM's
/// reported last-level cache is whatever its host says, and Valgrind
/// warns when it cannot model it): 32 KiB 8-way L1s, an 8 MiB 16-way last
/// level, 64-byte lines: a common x86-64 server core. The same model on
/// every machine makes misses comparable between machines.
pub const CACHES: [&str; 3] = ["--I1=32768,8,64", "--D1=32768,8,64", "--LL=8388608,16,64"];

/// Set in a child the parent launches under Callgrind: it counts.
pub const CHILD_ENV: &str = "ABILAB_CALLGRIND_CHILD";

/// Whether this process is a counting child: launched by a parent under
/// Callgrind (`CHILD_ENV`). An error if it says so but is not under
/// Valgrind (its counts would be zeros).
pub fn child() -> Result<bool, String> {
    match std::env::var_os(CHILD_ENV) {
        None => Ok(false),
        Some(_) if on_valgrind() => Ok(true),
        Some(_) => Err(format!(
            "{CHILD_ENV} is set but this process does not run under Valgrind"
        )),
    }
}

/// What the parent of a counted run needs: Valgrind, and this binary
/// without its debug info (Valgrind 3.19 cannot read the DWARF 5 line
/// tables rustc writes and gives up on the whole binary), in a folder of
/// the run's that holds the dumps too.
#[derive(Debug, Clone)]
pub struct Counted {
    valgrind: PathBuf,
    setarch: Option<PathBuf>,
    exe: PathBuf,
    dir: PathBuf,
}

impl Counted {
    /// Finds Valgrind, strips a copy of this binary into `dir` (created:
    /// the run's own folder for it). The error is one line.
    pub fn prepare(dir: &Path) -> Result<Counted, String> {
        let find = |name: &str| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|p| p.join(name))
                    .find(|p| p.is_file())
            })
        };
        let valgrind = find("valgrind")
            .ok_or("--measure callgrind needs Valgrind on PATH (./setup.sh installs it)")?;
        let objcopy = find("objcopy").ok_or(
            "--measure callgrind needs objcopy on PATH (binutils; ./setup.sh installs it)",
        )?;
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let me = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
        let exe = dir.join("harness");
        let status = Command::new(objcopy)
            .arg("--strip-debug")
            .arg(&me)
            .arg(&exe)
            .status()
            .map_err(|e| format!("objcopy: {e}"))?;
        if !status.success() {
            return Err(format!(
                "objcopy --strip-debug {} failed ({status})",
                me.display()
            ));
        }
        Ok(Counted {
            valgrind,
            // No address-space randomisation where setarch can turn it off.
            setarch: find("setarch"),
            exe,
            dir: dir.to_path_buf(),
        })
    }

    /// The command that runs `args` (a `matrix` child's) under Callgrind,
    /// dumping to `<dir>/cell-<index>.N`: collection off until the first
    /// timed region, the caches ([`CACHES`]) and branch predictors
    /// simulated.
    pub fn command(&self, index: usize, args: &[std::ffi::OsString]) -> Command {
        let mut c = match &self.setarch {
            Some(setarch) => {
                let mut c = crate::relaunch::command(setarch);
                c.args([std::env::consts::ARCH, "-R"]).arg(&self.valgrind);
                c
            }
            None => crate::relaunch::command(&self.valgrind),
        };
        c.args([
            "--tool=callgrind",
            "-q",
            "--collect-atstart=no",
            "--cache-sim=yes",
            "--branch-sim=yes",
        ])
        .args(CACHES)
        .arg(format!(
            "--callgrind-out-file={}",
            self.dump_base(index).display()
        ))
        // Valgrind's own messages (its notes on the machine's caches) go
        // to a file beside the dumps; the child's stderr stays its own.
        .arg(format!(
            "--log-file={}.log",
            self.dump_base(index).display()
        ))
        .arg(&self.exe)
        .args(args)
        .env(CHILD_ENV, "1");
        c
    }

    fn dump_base(&self, index: usize) -> PathBuf {
        self.dir.join(format!("cell-{index}"))
    }

    /// Puts the counts of cell `index`'s timed replicates into its row
    /// (the child wrote one dump per replicate) in place of its times,
    /// which a clock under Valgrind made meaningless; removes the dumps.
    /// A missing or broken dump makes the row an error. The figure per
    /// call is the median replicate's: the first timed replicate counts a
    /// few instructions per call more than the next ones, which repeat
    /// to the instruction (docs/methodology.md).
    pub fn fill(&self, index: usize, r: &mut Record) {
        let base = self.dump_base(index);
        // Each replicate's counts, and the anatomy of the median one.
        let result = (r.status == Status::Ok).then(|| {
            let files: Vec<PathBuf> = (1..=r.reps)
                .map(|k| PathBuf::from(format!("{}.{k}", base.display())))
                .collect();
            let reps = files
                .iter()
                .map(|f| Counts::read(f))
                .collect::<Result<Vec<Counts>, String>>()?;
            let mut order: Vec<usize> = (0..reps.len()).collect();
            order.sort_by_key(|&i| reps[i].instructions);
            let parts = match order.get(order.len() / 2) {
                Some(&i) => {
                    let f = &files[i];
                    let text =
                        analysis::bounded::read_to_string(f, analysis::bounded::limit::RESULTS)
                            .map_err(|e| format!("{}: {e}", f.display()))?;
                    super::anatomy::parse(&text).map_err(|e| format!("{}: {e}", f.display()))?
                }
                None => Default::default(),
            };
            Ok::<_, String>((reps, parts))
        });
        // The dumps are ours (this run's folder): every one goes.
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            let prefix = format!("cell-{index}");
            for e in entries.flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name == prefix || name.starts_with(&format!("{prefix}.")) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        match result {
            None => {}
            Some(Err(e)) => {
                r.status = Status::Error;
                r.error = Some(format!("callgrind: {e}"));
                r.error_class = Some(crate::error::ErrorClass::Host.to_string());
            }
            Some(Ok((reps, parts))) => {
                let calls = r.calls.max(1) as f64;
                r.anatomy = super::anatomy::Part::ALL
                    .iter()
                    .map(|p| {
                        (
                            p.id().to_string(),
                            *parts.get(p).unwrap_or(&0) as f64 / calls,
                        )
                    })
                    .collect();
                let median = |f: fn(&Counts) -> u64| {
                    let mut v: Vec<u64> = reps.iter().map(f).collect();
                    v.sort_unstable();
                    v.get(v.len() / 2).copied().unwrap_or(0) as f64 / calls
                };
                r.counts = Some(CountsPerCall {
                    instructions: median(|c| c.instructions),
                    data_reads: median(|c| c.data_reads),
                    data_writes: median(|c| c.data_writes),
                    l1_misses: median(|c| c.l1_misses),
                    ll_misses: median(|c| c.ll_misses),
                    branch_misses: median(|c| c.branch_misses),
                });
                r.replicate_instructions = reps.iter().map(|c| c.instructions).collect();
                clear_times(r);
            }
        }
    }

    /// Removes the stripped binary and the folder (this run made both).
    pub fn finish(self) {
        let _ = std::fs::remove_file(&self.exe);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// A counted row's times are Valgrind's, not the machine's: gone.
fn clear_times(r: &mut Record) {
    r.mean_s = None;
    r.sd_s = None;
    r.ci95_low_s = None;
    r.ci95_high_s = None;
    r.median_s = None;
    r.min_s = None;
    r.max_s = None;
    r.p99_s = None;
    r.ns_per_call = None;
    r.ratio_to_native = None;
    r.replicate_s.clear();
    r.outliers = None;
    r.compile_s = None;
    r.instantiate_s = None;
}
