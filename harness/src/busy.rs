//! What else the machine was doing while a cell ran, read from `/proc`.
//!
//! A figure measured while another process takes a core is not the
//! figure of a quiet machine, and nothing in the replicate times alone
//! says so. Like hyperfine, the harness warns: before the run when the
//! load average is high, and after it for every cell during which other
//! processes (or the hypervisor, as stolen time) took CPU time. Each
//! record keeps its [`Busy`] reading, so a reader can filter afterwards.

use std::time::Instant;

/// CPU accounting at one instant.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    at: Instant,
    /// Every CPU's non-idle time plus stolen time, in clock ticks.
    busy_ticks: u64,
    /// This process's own CPU time and its waited-for children's, ticks.
    own_ticks: u64,
}

/// What the rest of the machine did over an interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Busy {
    /// Other processes' CPU time plus stolen time over the interval's wall
    /// time, in cores.
    pub others_cpu: f64,
    /// The 1-minute load average at the interval's end.
    pub load_avg: Option<f64>,
}

/// A cell is flagged when others took at least this many cores on average.
pub const BUSY_CORES: f64 = 0.10;

/// Ticks of other CPU time not counted: the two counters' rounding.
const QUANTUM_TICKS: u64 = 2;

/// A cell's outliers are warned about above this share of its replicates
/// (the column keeps every count): one slow replicate in thirty is the
/// ordinary right tail of a timing distribution, not a disturbed cell.
pub const OUTLIER_SHARE: f64 = 0.10;

/// Reads the counters now; `None` where `/proc` is not there.
pub fn snapshot() -> Option<Snapshot> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let own = std::fs::read_to_string("/proc/self/stat").ok()?;
    Some(Snapshot {
        at: Instant::now(),
        busy_ticks: busy_ticks(&stat)?,
        own_ticks: own_ticks(&own)?,
    })
}

/// What happened since `start`.
pub fn since(start: &Snapshot) -> Option<Busy> {
    let end = snapshot()?;
    let wall = end.at.duration_since(start.at).as_secs_f64();
    if wall <= 0.0 {
        return None;
    }
    // Both counters move in whole ticks (10 ms): their difference is off
    // by up to two, which over a 0.1 s cell would read as 0.2 cores.
    let others = end
        .busy_ticks
        .saturating_sub(start.busy_ticks)
        .saturating_sub(end.own_ticks.saturating_sub(start.own_ticks))
        .saturating_sub(QUANTUM_TICKS);
    Some(Busy {
        others_cpu: others as f64 / ticks_per_second() / wall,
        load_avg: load_avg(),
    })
}

/// The 1-minute load average.
pub fn load_avg() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// `/proc/stat`'s first line: user nice system idle iowait irq softirq
/// steal ...; busy is all but idle and iowait (guest time is in user).
fn busy_ticks(stat: &str) -> Option<u64> {
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = line
        .split_whitespace()
        .take(8)
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    if v.len() < 8 {
        return None;
    }
    Some(v[0] + v[1] + v[2] + v[5] + v[6] + v[7])
}

/// `/proc/self/stat`: utime, stime, cutime, cstime are fields 14 to 17,
/// counted after the command name in parentheses (which may hold spaces).
fn own_ticks(stat: &str) -> Option<u64> {
    let after = &stat[stat.rfind(')')? + 1..];
    // Fields from 3 (state) on: utime is the 12th of them.
    let v: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| v.get(i)?.parse::<i64>().ok();
    let sum = field(11)? + field(12)? + field(13)? + field(14)?;
    u64::try_from(sum).ok()
}

/// The warning printed before a run on a busy machine, if any: the CPU
/// time other processes take over a short sample now (the load average
/// alone lags by a minute: right after a build or another run it is high
/// on a machine that is already quiet).
pub fn before_run(cores: usize) -> Option<String> {
    let start = snapshot()?;
    std::thread::sleep(std::time::Duration::from_millis(300));
    let now = since(&start)?;
    (now.others_cpu >= BEFORE_RUN_CORES).then(|| {
        format!(
            "warning: the machine is busy: other processes are taking {:.2} of its {cores} \
             cores (1-minute load average {}): figures will be noisier than on a quiet machine",
            now.others_cpu,
            now.load_avg.map_or("unknown".into(), |l| format!("{l:.2}"))
        )
    })
}

/// Cores other processes may take before a run without a warning.
const BEFORE_RUN_CORES: f64 = 0.25;

/// The warning printed after a run for its busy cells, if any:
/// `others` is each measured cell's [`Busy::others_cpu`].
pub fn after_run(others: &[f64]) -> Option<String> {
    let busy: Vec<f64> = others
        .iter()
        .copied()
        .filter(|&c| c >= BUSY_CORES)
        .collect();
    let worst = busy.iter().copied().fold(0.0, f64::max);
    (!busy.is_empty()).then(|| {
        format!(
            "warning: {} of {} cells ran while other processes took at least {:.0}% of a core \
             (up to {worst:.2} cores; column `others_cpu`): their figures are noisier; \
             rerun them on a quiet machine",
            busy.len(),
            others.len(),
            BUSY_CORES * 100.0
        )
    })
}

/// The warning for cells whose replicates hold many outliers (above
/// [`OUTLIER_SHARE`]), if any: `cells` is (label, outliers, replicates) of
/// each measured cell.
pub fn outliers(cells: &[(String, u32, usize)]) -> Option<String> {
    let flagged: Vec<&(String, u32, usize)> = cells
        .iter()
        .filter(|c| f64::from(c.1) > OUTLIER_SHARE * c.2 as f64)
        .collect();
    let (label, n, reps) = flagged.iter().max_by_key(|c| c.1)?;
    Some(format!(
        "warning: {} of {} cells have more than {:.0}% outlying replicates (modified z-score \
         > 3.5; column `outliers`), most in {label}: {n} of {reps}. Interference from other \
         programs or caching effects may be at work",
        flagged.len(),
        cells.len(),
        OUTLIER_SHARE * 100.0
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_proc_files() {
        let stat = "cpu  100 5 50 1000 20 3 2 7 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n";
        assert_eq!(busy_ticks(stat), Some(100 + 5 + 50 + 3 + 2 + 7));
        assert_eq!(busy_ticks("intr 1 2 3"), None);
        let own = "4242 (my (odd) name) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17";
        // utime 11, stime 12, cutime 13, cstime 14.
        assert_eq!(own_ticks(own), Some(11 + 12 + 13 + 14));
        // On this machine the files exist, and a snapshot reads.
        if std::path::Path::new("/proc/stat").exists() {
            let s = snapshot().unwrap();
            let b = since(&s).unwrap();
            assert!(b.others_cpu >= 0.0);
        }
    }

    #[test]
    fn warnings_name_what_they_saw() {
        assert_eq!(after_run(&[0.0, 0.05]), None);
        let w = after_run(&[0.0, 0.5, 1.9]).unwrap();
        assert!(
            w.contains("2 of 3 cells") && w.contains("1.90 cores"),
            "{w}"
        );
        assert_eq!(outliers(&[("a".into(), 0, 10), ("c".into(), 1, 30)]), None);
        let w = outliers(&[
            ("a".into(), 2, 10),
            ("b".into(), 3, 10),
            ("c".into(), 1, 30),
        ]);
        let w = w.unwrap();
        assert!(
            w.contains("2 of 3 cells") && w.contains("b: 3 of 10"),
            "{w}"
        );
    }
}
