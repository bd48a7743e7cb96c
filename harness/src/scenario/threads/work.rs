//! What a thread of a threads cell works on: the job computed once per
//! cell (operands' checksum, or a trace and its native counters), and
//! the host each thread drives, checked against native.

use cachesim::{Request, Simulator, Stats};
use micro::{Checksum, Multiply, Operand};

use super::factors::{CAPACITY, POLICY, ThreadsWork, Workload};
use crate::error::CellError;

/// What every thread of a cell does, and what it must give: computed
/// once per cell, before any timing.
pub(super) struct Job {
    pub(super) work: ThreadsWork,
    pub(super) calls: u64,
    /// The micro workload's native checksum for `calls` calls.
    pub(super) checksum: Checksum,
    /// The simulator workload's trace and native counters.
    pub(super) trace: Vec<Request>,
    pub(super) expected: Stats,
}

impl Job {
    pub(super) fn new(work: ThreadsWork, calls: u64) -> Result<Job, CellError> {
        let (checksum, trace, expected) = match work.workload {
            Workload::Micro => (
                Checksum::expected(Operand::I32, calls),
                Vec::new(),
                Stats::default(),
            ),
            Workload::Sim => {
                let trace = trace(calls)?;
                let expected = crate::scenario::sim::expected(POLICY, CAPACITY, &trace);
                (Checksum::default(), trace, expected)
            }
        };
        Ok(Job {
            work,
            calls,
            checksum,
            trace,
            expected,
        })
    }
}

/// A generated trace of `requests` requests (the generator's defaults,
/// objects scaled to the length as the paper's 30,000 per 1,000,000).
fn trace(requests: u64) -> Result<Vec<Request>, CellError> {
    let mut c = cachesim::workloads::GeneratorConfig::default();
    c.requests = requests;
    c.objects = u32::try_from(requests * 3 / 100)
        .unwrap_or(u32::MAX)
        .max(100);
    c.stack_depth = c.stack_depth.min(c.objects);
    cachesim::workloads::generate(&c).map_err(|e| {
        CellError::new(
            crate::error::ErrorClass::Host,
            format!("trace generator: {e}"),
        )
    })
}

/// What a thread runs on its host, checked against native.
pub(super) trait Work {
    /// Untimed preparation (the simulator's reset).
    fn prepare(&mut self, job: &Job) -> Result<(), CellError>;
    /// The timed calls; returns what [`Work::check`] checks.
    fn work(&mut self, job: &Job) -> Result<u64, CellError>;
    /// Untimed: the result against native's.
    fn check(&mut self, job: &Job, got: u64) -> Result<(), CellError>;
}

impl<M: Multiply> Work for Multiplier<M>
where
    CellError: From<M::Error>,
{
    fn prepare(&mut self, _: &Job) -> Result<(), CellError> {
        Ok(())
    }
    fn work(&mut self, job: &Job) -> Result<u64, CellError> {
        let sum = crate::scenario::micro::calls_loop(&mut self.0, Operand::I32, job.calls)?;
        Ok(u64::from(sum.0))
    }
    fn check(&mut self, job: &Job, got: u64) -> Result<(), CellError> {
        if got == u64::from(job.checksum.0) {
            Ok(())
        } else {
            Err(CellError::wrong_result(format!(
                "wrong result: checksum {got:#010x} after {} calls on one thread, native gives \
                 {:#010x}",
                job.calls, job.checksum.0
            )))
        }
    }
}

/// A micro host as a thread's work.
#[derive(Default)]
pub(super) struct Multiplier<M>(pub(super) M);

/// A simulator host as a thread's work.
#[derive(Default)]
pub(super) struct Replayer<S>(pub(super) S);

impl<S: Simulator> Work for Replayer<S>
where
    CellError: From<S::Error>,
{
    fn prepare(&mut self, _: &Job) -> Result<(), CellError> {
        Ok(self.0.init(POLICY.into(), CAPACITY)?)
    }
    fn work(&mut self, job: &Job) -> Result<u64, CellError> {
        Ok(crate::scenario::sim::send_all(&mut self.0, &job.trace)?)
    }
    fn check(&mut self, job: &Job, hits: u64) -> Result<(), CellError> {
        let stats = self.0.stats()?;
        if stats == job.expected && hits == stats.hits {
            Ok(())
        } else {
            Err(CellError::wrong_result(format!(
                "wrong result: {} hits over {} requests on one thread, native gives {}",
                stats.hits, stats.requests, job.expected.hits
            )))
        }
    }
}

