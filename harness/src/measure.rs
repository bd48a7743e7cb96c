//! Warm-up and replicates: the measurement protocol, independent of what
//! is measured.
//!
//! A [`Subject`] times one replicate itself (its timed region is built by
//! the scenario, monomorphic, with nothing in it but the factor measured);
//! this module only decides how many calls a replicate makes, how many
//! replicates run, and keeps every time.
//!
//! Two protocols ([`Stop`]): the paper's fixed one (`reps` replicates of
//! `calls` calls, whatever precision that reaches), and an adaptive one as
//! criterion and hyperfine do it: calls per replicate calibrated so a
//! replicate lasts a stated time, then replicates until the 95% interval
//! of the mean is tight enough or the cell's time budget is spent.

use std::time::{Duration, Instant};

use crate::error::{CellError, ErrorClass};
use crate::stats::Summary;

/// How a cell is measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Protocol {
    /// Calls (or requests) per replicate; with calibration, the most.
    pub calls: u64,
    /// Timed replicates; with [`Stop::Adaptive`], the fewest.
    pub reps: u32,
    /// Minimum warm-up time: untimed replicates run until it has passed
    /// (at least one); zero disables the warm-up.
    pub warmup: Duration,
    /// The limits of a cell: its deadline (checked by the harness after
    /// every replicate, and inside the guest by the runtime when the
    /// `limits` factor is on) and the guest's memory cap.
    pub budget: runtimes::Budget,
    /// When the replicates stop.
    pub stop: Stop,
}

/// When a cell stops taking replicates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    /// Exactly `reps` replicates of `calls` calls each (the paper's
    /// protocol, and `--reps`/`--calls`).
    Fixed,
    /// At least `reps` replicates, then as soon as the 95% interval's
    /// half-width is at most `precision` of the mean, or `cell_budget` of
    /// measuring has passed, or [`MAX_ADAPTIVE_REPS`] replicates ran.
    Adaptive {
        /// The half-width sought, as a fraction of the mean (0.01: ±1%).
        precision: f64,
        /// The most time a cell spends measuring (warm-up included).
        cell_budget: Duration,
        /// Calls per replicate chosen so a replicate lasts about this long
        /// (at most `calls`) where the subject allows it
        /// ([`Subject::calibrates`]); `None`: never.
        replicate: Option<Duration>,
    },
}

/// The most replicates an adaptive cell takes.
pub const MAX_ADAPTIVE_REPS: u32 = 10_000;

/// Why a cell stopped taking replicates: written per row (`stop`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The fixed protocol's count.
    Fixed,
    /// The interval reached the precision sought.
    Precision,
    /// The cell's time budget ran out first.
    Budget,
    /// [`MAX_ADAPTIVE_REPS`] replicates ran first.
    MaxReps,
}

impl StopReason {
    /// The id written in result rows.
    pub fn id(self) -> &'static str {
        match self {
            StopReason::Fixed => "fixed",
            StopReason::Precision => "precision",
            StopReason::Budget => "budget",
            StopReason::MaxReps => "max-reps",
        }
    }
}

/// How a run measures its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// A clock around each replicate (the default).
    Time,
    /// Callgrind's counts of each replicate, every cell in its own child
    /// under Valgrind (`crate::callgrind`).
    Callgrind,
}

impl Measure {
    /// Every value, as `--measure` takes them.
    pub const ALL: &[Measure] = &[Measure::Time, Measure::Callgrind];

    /// The id `--measure` takes and `run.json` records.
    pub fn id(self) -> &'static str {
        match self {
            Measure::Time => "time",
            Measure::Callgrind => "callgrind",
        }
    }
}

impl std::str::FromStr for Measure {
    type Err = String;
    fn from_str(s: &str) -> Result<Measure, String> {
        Measure::ALL
            .iter()
            .copied()
            .find(|m| m.id() == s)
            .ok_or_else(|| format!("unknown measure `{s}` (expected time or callgrind)"))
    }
}

/// A timed region: a clock read at each end, and, in a process counting
/// under Callgrind, collection on for exactly the same span (so the
/// clock's own reads are not counted). Every subject times its replicate
/// with one, so both measures see the same region.
pub struct Timer(Instant);

impl Timer {
    /// Starts the region.
    #[inline(always)]
    pub fn start() -> Timer {
        let t = Timer(Instant::now());
        crate::callgrind::start();
        t
    }

    /// Ends it: how long it lasted.
    #[inline(always)]
    pub fn stop(self) -> Duration {
        crate::callgrind::stop();
        self.0.elapsed()
    }
}

/// Something that can run one replicate of `calls` calls and time it.
pub trait Subject {
    /// Runs one replicate and returns its timed duration. The result is
    /// checked against the native oracle outside the timed region; a
    /// mismatch or a guest failure is an error for the whole cell.
    fn replicate(&mut self, calls: u64) -> Result<Duration, CellError>;

    /// Whether a replicate may make any number of calls without changing
    /// what is measured, so the adaptive protocol can calibrate them. Not
    /// where the count is part of the cell: a hotload replicate amortises
    /// one compile over its calls (the paper's 100,000), a simulator
    /// replays a whole trace, a threads job is prepared for its count.
    fn calibrates(&self) -> bool {
        false
    }
}

/// The raw outcome of measuring a subject.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    /// Calls (or requests) per replicate.
    pub calls: u64,
    /// Every timed replicate, seconds, in the order they ran.
    pub replicate_s: Vec<f64>,
    /// Untimed warm-up replicates that ran first (calibration included).
    pub warmup_reps: u32,
    /// Why the replicates stopped.
    pub stop: StopReason,
}

/// Calibrates calls per replicate (adaptive protocol), warms `subject`
/// up, then runs and times replicates until the protocol says stop.
///
/// `tick` is called after each timed replicate (for a progress bar), never
/// inside a timed region.
pub fn measure(
    subject: &mut dyn Subject,
    protocol: &Protocol,
    tick: &mut dyn FnMut(),
) -> Result<Samples, CellError> {
    let start = Instant::now();
    let past_deadline = || {
        (start.elapsed() > protocol.budget.deadline).then(|| {
            CellError::new(
                ErrorClass::Timeout,
                format!(
                    "the cell ran past its deadline of {:.0} s (--cell-timeout)",
                    protocol.budget.deadline.as_secs_f64()
                ),
            )
        })
    };
    let mut warmup_reps = 0;
    let mut calls = protocol.calls;
    if let (
        Stop::Adaptive {
            replicate: Some(target),
            ..
        },
        true,
    ) = (protocol.stop, subject.calibrates())
    {
        let (c, tries) = calibrate(subject, protocol.calls, target, &past_deadline)?;
        calls = c;
        warmup_reps += tries;
    }
    // At least one warm-up replicate (calibration's count) when asked.
    while !protocol.warmup.is_zero() && (warmup_reps == 0 || start.elapsed() < protocol.warmup) {
        subject.replicate(calls)?;
        warmup_reps += 1;
        if let Some(e) = past_deadline() {
            return Err(e);
        }
    }
    let first = match protocol.stop {
        Stop::Fixed => protocol.reps,
        Stop::Adaptive { .. } => protocol.reps.min(MAX_ADAPTIVE_REPS),
    };
    let mut replicate_s = Vec::new();
    replicate_s
        .try_reserve_exact(first as usize)
        .map_err(|e| CellError::new(ErrorClass::Host, format!("{first} replicates: {e}")))?;
    // Under Callgrind: nothing counted so far (warm-up) is kept, and each
    // timed replicate is dumped to its own file.
    crate::callgrind::zero();
    let stop = loop {
        if let Some(reason) = stop_now(protocol, &replicate_s, start.elapsed()) {
            break reason;
        }
        replicate_s.push(subject.replicate(calls)?.as_secs_f64());
        crate::callgrind::dump();
        tick();
        if let Some(e) = past_deadline() {
            return Err(e);
        }
    };
    Ok(Samples {
        calls,
        replicate_s,
        warmup_reps,
        stop,
    })
}

/// Whether to stop before another replicate, and why.
fn stop_now(protocol: &Protocol, done: &[f64], elapsed: Duration) -> Option<StopReason> {
    let n = done.len() as u32;
    match protocol.stop {
        Stop::Fixed => (n >= protocol.reps).then_some(StopReason::Fixed),
        Stop::Adaptive {
            precision,
            cell_budget,
            ..
        } => {
            if n < protocol.reps.max(2) {
                return None;
            }
            if n >= MAX_ADAPTIVE_REPS {
                return Some(StopReason::MaxReps);
            }
            let tight = Summary::of(done)
                .is_some_and(|s| s.mean > 0.0 && (s.ci95_high - s.mean) <= precision * s.mean);
            if tight {
                Some(StopReason::Precision)
            } else if elapsed >= cell_budget {
                Some(StopReason::Budget)
            } else {
                None
            }
        }
    }
}

/// The calls per replicate (at most `max`) that make a replicate last
/// about `target`, and how many untimed replicates finding them took:
/// from one call, scaled by what each try measured (at most 16× a try,
/// against a first call slowed by a cold cache).
fn calibrate(
    subject: &mut dyn Subject,
    max: u64,
    target: Duration,
    past_deadline: &dyn Fn() -> Option<CellError>,
) -> Result<(u64, u32), CellError> {
    let mut calls: u64 = 1;
    let mut tries = 0;
    loop {
        let took = subject.replicate(calls)?.as_secs_f64();
        tries += 1;
        if let Some(e) = past_deadline() {
            return Err(e);
        }
        let scale = if took > 0.0 {
            (target.as_secs_f64() / took).min(16.0)
        } else {
            16.0
        };
        let next = ((calls as f64 * scale).round() as u64).clamp(1, max);
        // Close enough (within 2× of the target), or at the cap.
        if (0.5..=2.0).contains(&scale) || next == calls || calls == max {
            return Ok((next, tries));
        }
        calls = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_past_its_deadline_stops_between_replicates() {
        struct Slow;
        impl Subject for Slow {
            fn replicate(&mut self, _: u64) -> Result<Duration, CellError> {
                std::thread::sleep(Duration::from_millis(20));
                Ok(Duration::from_millis(20))
            }
        }
        let p = Protocol {
            calls: 1,
            reps: 1000,
            warmup: Duration::ZERO,
            budget: runtimes::Budget {
                deadline: Duration::from_millis(50),
                memory_bytes: 1 << 20,
            },
            stop: Stop::Fixed,
        };
        let e = measure(&mut Slow, &p, &mut || {}).unwrap_err();
        assert_eq!(e.class, ErrorClass::Timeout);
    }

    /// A subject that reports scripted durations and counts its calls.
    struct Scripted {
        calls: Vec<u64>,
        fail_at: Option<usize>,
    }

    impl Subject for Scripted {
        fn replicate(&mut self, calls: u64) -> Result<Duration, CellError> {
            self.calls.push(calls);
            if self.fail_at == Some(self.calls.len()) {
                return Err(CellError::wrong_result("boom"));
            }
            Ok(Duration::from_micros(self.calls.len() as u64))
        }
    }

    #[test]
    fn warms_up_then_keeps_every_replicate() {
        let mut s = Scripted {
            calls: vec![],
            fail_at: None,
        };
        let p = Protocol {
            calls: 7,
            reps: 3,
            warmup: Duration::from_nanos(1),
            budget: runtimes::Budget::DEFAULT,
            stop: Stop::Fixed,
        };
        let mut ticks = 0;
        let out = measure(&mut s, &p, &mut || ticks += 1).unwrap();
        assert_eq!(out.warmup_reps, 1);
        assert_eq!(out.replicate_s, vec![2e-6, 3e-6, 4e-6]);
        assert_eq!(s.calls, vec![7; 4]);
        assert_eq!(ticks, 3);
        // Zero warm-up: none at all.
        let mut s = Scripted {
            calls: vec![],
            fail_at: None,
        };
        let p = Protocol {
            warmup: Duration::ZERO,
            ..p
        };
        let out = measure(&mut s, &p, &mut || {}).unwrap();
        assert_eq!((out.warmup_reps, out.replicate_s.len()), (0, 3));
    }

    #[test]
    fn a_failing_replicate_fails_the_cell() {
        let mut s = Scripted {
            calls: vec![],
            fail_at: Some(3),
        };
        let p = Protocol {
            calls: 1,
            reps: 5,
            warmup: Duration::ZERO,
            budget: runtimes::Budget::DEFAULT,
            stop: Stop::Fixed,
        };
        assert_eq!(
            measure(&mut s, &p, &mut || {}),
            Err(CellError::wrong_result("boom"))
        );
    }

    /// A subject whose replicate takes `per_call` per call, times a
    /// scripted factor per replicate (noise), and does no work.
    struct Clockwork {
        per_call: Duration,
        noise: Vec<f64>,
        calls: Vec<u64>,
    }

    impl Subject for Clockwork {
        fn replicate(&mut self, calls: u64) -> Result<Duration, CellError> {
            self.calls.push(calls);
            let k = self.noise[self.calls.len() % self.noise.len()];
            Ok(self.per_call.mul_f64(calls as f64 * k))
        }
        fn calibrates(&self) -> bool {
            true
        }
    }

    fn adaptive(precision: f64, budget_ms: u64, replicate: Option<Duration>) -> Protocol {
        Protocol {
            calls: 1_000_000,
            reps: 5,
            warmup: Duration::ZERO,
            budget: runtimes::Budget::DEFAULT,
            stop: Stop::Adaptive {
                precision,
                cell_budget: Duration::from_millis(budget_ms),
                replicate,
            },
        }
    }

    #[test]
    fn calibration_makes_a_replicate_last_about_the_target() {
        let mut s = Clockwork {
            per_call: Duration::from_micros(1),
            noise: vec![1.0],
            calls: vec![],
        };
        let target = Duration::from_millis(10);
        let p = adaptive(0.01, 60_000, Some(target));
        let out = measure(&mut s, &p, &mut || {}).unwrap();
        // 10 ms at 1 µs a call: 10,000 calls, found from one call in a
        // few 16× steps.
        assert_eq!(out.calls, 10_000);
        assert!(out.warmup_reps <= 6, "{}", out.warmup_reps);
        // No noise: the interval is zero after the minimum replicates.
        assert_eq!(out.stop, StopReason::Precision);
        assert_eq!(out.replicate_s.len(), 5);
        // Capped by `calls`.
        let p = Protocol { calls: 500, ..p };
        let out = measure(&mut s, &p, &mut || {}).unwrap();
        assert_eq!(out.calls, 500);
    }

    #[test]
    fn noise_runs_more_replicates_until_the_interval_is_tight() {
        let noise = vec![0.9, 1.1, 1.0, 0.95, 1.05];
        let mut s = Clockwork {
            per_call: Duration::from_nanos(10),
            noise: noise.clone(),
            calls: vec![],
        };
        let out = measure(&mut s, &adaptive(0.01, 60_000, None), &mut || {}).unwrap();
        assert_eq!(out.stop, StopReason::Precision);
        assert!(out.replicate_s.len() > 5, "{}", out.replicate_s.len());
        let sum = Summary::of(&out.replicate_s).unwrap();
        assert!(sum.ci95_high - sum.mean <= 0.01 * sum.mean);
        // A precision it cannot reach in its budget: stops on the budget.
        let mut s = Clockwork {
            per_call: Duration::from_nanos(10),
            noise,
            calls: vec![],
        };
        let out = measure(&mut s, &adaptive(1e-9, 0, None), &mut || {}).unwrap();
        assert_eq!(out.stop, StopReason::Budget);
        assert_eq!(out.replicate_s.len(), 5);
    }
}
