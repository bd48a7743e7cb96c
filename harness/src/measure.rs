//! Warm-up and replicates: the measurement protocol, independent of what
//! is measured.
//!
//! A [`Subject`] times one replicate itself (its timed region is built by
//! the scenario, monomorphic, with nothing in it but the factor measured);
//! this module only decides how many replicates run and keeps every time.

use std::time::{Duration, Instant};

use crate::error::{CellError, ErrorClass};

/// How a cell is measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Protocol {
    /// Calls (or requests) per replicate.
    pub calls: u64,
    /// Timed replicates.
    pub reps: u32,
    /// Minimum warm-up time: untimed replicates run until it has passed
    /// (at least one); zero disables the warm-up.
    pub warmup: Duration,
    /// The limits of a cell: its deadline (checked by the harness after
    /// every replicate, and inside the guest by the runtime when the
    /// `limits` factor is on) and the guest's memory cap.
    pub budget: runtimes::Budget,
}

/// Something that can run one replicate of `calls` calls and time it.
pub trait Subject {
    /// Runs one replicate and returns its timed duration. The result is
    /// checked against the native oracle outside the timed region; a
    /// mismatch or a guest failure is an error for the whole cell.
    fn replicate(&mut self, calls: u64) -> Result<Duration, CellError>;
}

/// The raw outcome of measuring a subject.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    /// Calls (or requests) per replicate.
    pub calls: u64,
    /// Every timed replicate, seconds, in the order they ran.
    pub replicate_s: Vec<f64>,
    /// Untimed warm-up replicates that ran first.
    pub warmup_reps: u32,
}

/// Warms `subject` up, then runs and times `protocol.reps` replicates.
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
    while !protocol.warmup.is_zero() {
        subject.replicate(protocol.calls)?;
        warmup_reps += 1;
        if let Some(e) = past_deadline() {
            return Err(e);
        }
        if start.elapsed() >= protocol.warmup {
            break;
        }
    }
    let mut replicate_s = Vec::new();
    replicate_s
        .try_reserve_exact(protocol.reps as usize)
        .map_err(|e| {
            CellError::new(
                ErrorClass::Host,
                format!("{} replicates: {e}", protocol.reps),
            )
        })?;
    for _ in 0..protocol.reps {
        replicate_s.push(subject.replicate(protocol.calls)?.as_secs_f64());
        tick();
        if let Some(e) = past_deadline() {
            return Err(e);
        }
    }
    Ok(Samples {
        calls: protocol.calls,
        replicate_s,
        warmup_reps,
    })
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
        };
        assert_eq!(
            measure(&mut s, &p, &mut || {}),
            Err(CellError::wrong_result("boom"))
        );
    }
}
