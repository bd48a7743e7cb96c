//! The deterministic measure: a cell's timed region counted by Valgrind's
//! Callgrind instead of timed by a clock (`--measure callgrind`).
//!
//! On a shared or virtual machine wall-clock figures move 15% between runs
//! (docs/methodology.md); instructions executed do not. The parent runs
//! each cell in a child under `valgrind --tool=callgrind
//! --collect-atstart=no`; the child turns collection on exactly where a
//! clock would start and off where it would stop ([`start`], [`stop`],
//! the client requests of `callgrind.h`, issued inline: no C toolchain),
//! and dumps the counters after every timed replicate ([`dump`]), so each
//! replicate is one file and warm-up is never counted. The parent reads
//! the dumps ([`Counts::parse`]) into the row.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

use analysis::data::{CountsPerCall, Record, Status};

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
        let result = (r.status == Status::Ok).then(|| {
            (1..=r.reps)
                .map(|k| Counts::read(&PathBuf::from(format!("{}.{k}", base.display()))))
                .collect::<Result<Vec<Counts>, String>>()
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
            Some(Ok(reps)) => {
                let calls = r.calls.max(1) as f64;
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

/// Whether this process counts its timed regions: set once, in a child
/// launched under Callgrind with collection off at start. Anywhere else
/// the requests are not issued at all (under Callgrind with collection on
/// they would toggle it off).
static COUNTING: AtomicBool = AtomicBool::new(false);

/// Makes this process count its timed regions (a callgrind child).
pub fn enable() {
    COUNTING.store(true, Ordering::Relaxed);
}

/// Whether this process counts (see [`enable`]).
pub fn counting() -> bool {
    COUNTING.load(Ordering::Relaxed)
}

/// `VG_USERREQ_TOOL_BASE('C', 'T')`: Callgrind's requests, in
/// `callgrind.h`'s order.
const BASE: u64 = ((b'C' as u64) << 24) | ((b'T' as u64) << 16);
const DUMP_STATS: u64 = BASE;
const ZERO_STATS: u64 = BASE + 1;
const TOGGLE_COLLECT: u64 = BASE + 2;
/// `VG_USERREQ__RUNNING_ON_VALGRIND`.
const RUNNING_ON_VALGRIND: u64 = 0x1001;

/// Issues client request `code`; `default` when not under Valgrind (the
/// magic sequence is then a few no-op rotations).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn request(code: u64, default: u64) -> u64 {
    let args: [u64; 6] = [code, 0, 0, 0, 0, 0];
    let mut result = default;
    // SAFETY: valgrind.h's x86-64 sequence: rotating rdi by 128 bits in
    // all leaves it as it was; `xchg rbx, rbx` changes nothing. Valgrind
    // reads the six words at rax and writes its answer to rdx.
    unsafe {
        std::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            inout("rdx") result,
            in("rax") args.as_ptr(),
            out("rdi") _,
            options(nostack, preserves_flags),
        );
    }
    result
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn request(_code: u64, default: u64) -> u64 {
    default
}

/// Whether this process runs under Valgrind (any tool).
pub fn on_valgrind() -> bool {
    request(RUNNING_ON_VALGRIND, 0) != 0
}

/// Whether this build can count at all (the client requests are written
/// for x86-64 only).
pub const SUPPORTED: bool = cfg!(target_arch = "x86_64");

/// Collection on: where a timed region's clock starts.
#[inline(always)]
pub fn start() {
    if counting() {
        request(TOGGLE_COLLECT, 0);
    }
}

/// Collection off: where a timed region's clock stops.
#[inline(always)]
pub fn stop() {
    if counting() {
        request(TOGGLE_COLLECT, 0);
    }
}

/// Forgets what was counted so far (warm-up, calibration).
pub fn zero() {
    if counting() {
        request(ZERO_STATS, 0);
    }
}

/// Writes what was counted since the last dump into the next dump file
/// (`OUT.1`, `OUT.2`...: one per timed replicate) and starts again from 0.
pub fn dump() {
    if counting() {
        request(DUMP_STATS, 0);
    }
}

/// What Callgrind counted in one replicate, summed over the whole
/// process (host, runtime, JIT code and guest alike).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Instructions executed (`Ir`).
    pub instructions: u64,
    /// Data reads (`Dr`).
    pub data_reads: u64,
    /// Data writes (`Dw`).
    pub data_writes: u64,
    /// Simulated L1 misses, instruction and data (`I1mr + D1mr + D1mw`);
    /// 0 without `--cache-sim=yes`.
    pub l1_misses: u64,
    /// Simulated last-level misses (`ILmr + DLmr + DLmw`).
    pub ll_misses: u64,
    /// Mispredicted branches, conditional and indirect (`Bcm + Bim`);
    /// 0 without `--branch-sim=yes`.
    pub branch_misses: u64,
}

impl Counts {
    /// Reads a Callgrind output file's `events:` and `totals:` (or
    /// `summary:`) lines; the error is one line naming the file.
    pub fn read(path: &Path) -> Result<Counts, String> {
        let text = analysis::bounded::read_to_string(path, analysis::bounded::limit::RESULTS)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Counts::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses the text of a Callgrind output file.
    pub fn parse(text: &str) -> Result<Counts, String> {
        let mut events: Option<Vec<&str>> = None;
        let mut totals: Option<Vec<u64>> = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("events:") {
                events = Some(rest.split_whitespace().collect());
            } else if let Some(rest) = line
                .strip_prefix("totals:")
                .or_else(|| line.strip_prefix("summary:"))
            {
                let values: Result<Vec<u64>, _> =
                    rest.split_whitespace().map(str::parse::<u64>).collect();
                totals = Some(values.map_err(|e| format!("a bad totals line: {e}"))?);
            }
        }
        let events = events.ok_or("no `events:` line")?;
        let totals = totals.ok_or("no `totals:` line")?;
        let get = |name: &str| {
            events
                .iter()
                .position(|e| *e == name)
                .map_or(0, |i| totals.get(i).copied().unwrap_or(0))
        };
        if !events.contains(&"Ir") {
            return Err("no `Ir` event (not a Callgrind file?)".into());
        }
        Ok(Counts {
            instructions: get("Ir"),
            data_reads: get("Dr"),
            data_writes: get("Dw"),
            l1_misses: get("I1mr") + get("D1mr") + get("D1mw"),
            ll_misses: get("ILmr") + get("DLmr") + get("DLmw"),
            branch_misses: get("Bcm") + get("Bim"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_no_ops_off_valgrind() {
        // Under `cargo test` (not under Valgrind) the magic sequence
        // returns the default and changes nothing.
        assert!(!on_valgrind() || std::env::var_os("ABILAB_UNDER_VALGRIND").is_some());
        assert_eq!(request(TOGGLE_COLLECT, 7), 7);
        assert!(!counting());
        start();
        stop();
        dump();
    }

    #[test]
    fn parses_events_and_totals() {
        let text = "version: 1\ncreator: callgrind-3.19.0\n\
            events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim\n\
            fn=(1) main\n3 1 2 3\n\
            totals: 1000 200 100 5 6 7 1 2 3 50 4 10 2\n";
        let c = Counts::parse(text).unwrap();
        assert_eq!(
            c,
            Counts {
                instructions: 1000,
                data_reads: 200,
                data_writes: 100,
                l1_misses: 18,
                ll_misses: 6,
                branch_misses: 6,
            }
        );
        // Without simulation, only Ir.
        let c = Counts::parse("events: Ir\nsummary: 42\n").unwrap();
        assert_eq!(c.instructions, 42);
        assert_eq!(c.l1_misses, 0);
        assert!(
            Counts::parse("events: Ir\n")
                .unwrap_err()
                .contains("totals")
        );
        assert!(Counts::parse("totals: 1\n").unwrap_err().contains("events"));
        assert!(Counts::parse("events: X\ntotals: 1\n").is_err());
        assert!(Counts::parse("events: Ir\ntotals: x\n").is_err());
    }
}
