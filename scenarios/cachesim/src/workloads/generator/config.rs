//! The generator's knobs and their validation.

/// Every knob of the generator. [`Default`] is the workload of the paper's
/// macro-benchmark (1 M requests to 30,000 objects) with ProWGen-like
/// characteristics.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratorConfig {
    /// Total requests in the trace.
    pub requests: u64,
    /// Distinct objects (each is requested at least once).
    pub objects: u32,
    /// Slope of the Zipf-like popularity of the non-one-timers (`>= 0`).
    pub zipf_slope: f64,
    /// Fraction of the distinct objects requested exactly once, in `[0, 1]`.
    pub one_timer_fraction: f64,
    /// Mean of the lognormal size body, bytes (`> 0`).
    pub size_body_mean: f64,
    /// Standard deviation of the lognormal size body, bytes (`>= 0`).
    pub size_body_sd: f64,
    /// Pareto tail index α of the size tail (`> 0`).
    pub size_tail_alpha: f64,
    /// Where the Pareto tail starts (its minimum `k`), bytes (`>= 1`).
    pub size_tail_start: f64,
    /// Fraction of the objects whose size comes from the tail, in `[0, 1]`.
    pub size_tail_fraction: f64,
    /// Active objects in the temporal-locality stack; 0 = no stack.
    pub stack_depth: u32,
    /// The seed: the same config gives the same trace, byte for byte.
    pub seed: u64,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        GeneratorConfig {
            requests: 1_000_000,
            objects: 30_000,
            zipf_slope: 0.75,
            one_timer_fraction: 0.5,
            size_body_mean: 7_000.0,
            size_body_sd: 11_000.0,
            size_tail_alpha: 1.2,
            size_tail_start: 10_000.0,
            size_tail_fraction: 0.2,
            stack_depth: 10_000,
            seed: 1,
        }
    }
}

/// The most requests a generated trace may have: 8 bytes each in memory
/// (1.6 GB at the bound), ahead of the run that replays them. A larger
/// trace is an error before anything is allocated, not an aborted
/// allocation or hours of generating.
pub const MAX_REQUESTS: u64 = 200_000_000;

/// Why a [`GeneratorConfig`] cannot produce a trace.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// More requests than [`MAX_REQUESTS`].
    #[error("requests ({0}) must be at most {MAX_REQUESTS}")]
    TooManyRequests(u64),
    /// `requests` or `objects` is zero.
    #[error("{name} must be at least 1")]
    Zero {
        /// The knob's field name.
        name: &'static str,
    },
    /// More distinct objects than requests.
    #[error(
        "objects ({objects}) must not exceed requests ({requests}): every object is requested at least once"
    )]
    MoreObjectsThanRequests {
        /// Configured objects.
        objects: u32,
        /// Configured requests.
        requests: u64,
    },
    /// A fraction outside `[0, 1]` (or NaN).
    #[error("{name} must be in [0, 1], got {value}")]
    Fraction {
        /// The knob's field name.
        name: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// A value that must be finite and at least `min` is not.
    #[error("{name} must be a finite number {bound}, got {value}")]
    OutOfRange {
        /// The knob's field name.
        name: &'static str,
        /// The bound, as text (`>= 0`, `> 0`, `>= 1`).
        bound: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// Not enough requests to give every non-one-timer two of them.
    #[error(
        "too few requests: {popular} objects that are not one-timers need at least 2 requests each \
         ({needed}), but only {available} remain after the one-timers"
    )]
    TooFewRequests {
        /// Objects that are not one-timers.
        popular: u32,
        /// `2 * popular`.
        needed: u64,
        /// Requests left for them.
        available: u64,
    },
    /// Every object is a one-timer, so there must be exactly one request per object.
    #[error("every object is a one-timer, so requests ({requests}) must equal objects ({objects})")]
    OnlyOneTimers {
        /// Configured objects.
        objects: u32,
        /// Configured requests.
        requests: u64,
    },
}

impl GeneratorConfig {
    /// Number of one-timers: `one_timer_fraction * objects`, rounded to nearest.
    pub fn one_timers(&self) -> u32 {
        libm::round(self.one_timer_fraction * f64::from(self.objects)) as u32
    }

    /// Checks every knob; [`generate`](super::generate) calls this first.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.requests == 0 {
            return Err(ConfigError::Zero { name: "requests" });
        }
        if self.requests > MAX_REQUESTS {
            return Err(ConfigError::TooManyRequests(self.requests));
        }
        if self.objects == 0 {
            return Err(ConfigError::Zero { name: "objects" });
        }
        if u64::from(self.objects) > self.requests {
            return Err(ConfigError::MoreObjectsThanRequests {
                objects: self.objects,
                requests: self.requests,
            });
        }
        for (name, value) in [
            ("one_timer_fraction", self.one_timer_fraction),
            ("size_tail_fraction", self.size_tail_fraction),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(ConfigError::Fraction { name, value });
            }
        }
        let checks: [Check; 5] = [
            ("zipf_slope", self.zipf_slope, ">= 0", |v| v >= 0.0),
            ("size_body_mean", self.size_body_mean, "> 0", |v| v > 0.0),
            ("size_body_sd", self.size_body_sd, ">= 0", |v| v >= 0.0),
            ("size_tail_alpha", self.size_tail_alpha, "> 0", |v| v > 0.0),
            ("size_tail_start", self.size_tail_start, ">= 1", |v| {
                v >= 1.0
            }),
        ];
        for (name, value, bound, ok) in checks {
            if !value.is_finite() || !ok(value) {
                return Err(ConfigError::OutOfRange { name, bound, value });
            }
        }
        let singles = self.one_timers();
        let popular = self.objects - singles;
        let available = self.requests - u64::from(singles);
        if popular == 0 {
            if available != 0 {
                return Err(ConfigError::OnlyOneTimers {
                    objects: self.objects,
                    requests: self.requests,
                });
            }
        } else if available < 2 * u64::from(popular) {
            return Err(ConfigError::TooFewRequests {
                popular,
                needed: 2 * u64::from(popular),
                available,
            });
        }
        Ok(())
    }
}

/// A range check: knob name, value, bound as text, predicate.
type Check = (&'static str, f64, &'static str, fn(f64) -> bool);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::generate;

    #[test]
    fn validation_messages() {
        let base = GeneratorConfig::default();
        let err = |c: GeneratorConfig| generate(&c).unwrap_err().to_string();
        assert_eq!(
            err(GeneratorConfig {
                objects: 11,
                requests: 10,
                ..base.clone()
            }),
            "objects (11) must not exceed requests (10): every object is requested at least once"
        );
        for requests in [1_000_000_000_000_000, u64::MAX] {
            assert_eq!(
                err(GeneratorConfig {
                    requests,
                    ..base.clone()
                }),
                format!("requests ({requests}) must be at most 200000000")
            );
        }
        assert_eq!(
            err(GeneratorConfig {
                one_timer_fraction: 1.5,
                ..base.clone()
            }),
            "one_timer_fraction must be in [0, 1], got 1.5"
        );
        assert_eq!(
            err(GeneratorConfig {
                size_tail_fraction: f64::NAN,
                ..base.clone()
            }),
            "size_tail_fraction must be in [0, 1], got NaN"
        );
        assert_eq!(
            err(GeneratorConfig {
                size_tail_alpha: 0.0,
                ..base.clone()
            }),
            "size_tail_alpha must be a finite number > 0, got 0"
        );
        assert_eq!(
            err(GeneratorConfig {
                zipf_slope: f64::INFINITY,
                ..base.clone()
            }),
            "zipf_slope must be a finite number >= 0, got inf"
        );
        assert_eq!(
            err(GeneratorConfig {
                requests: 0,
                ..base.clone()
            }),
            "requests must be at least 1"
        );
        assert_eq!(
            err(GeneratorConfig {
                requests: 100,
                objects: 80,
                one_timer_fraction: 0.5,
                ..base.clone()
            }),
            "too few requests: 40 objects that are not one-timers need at least 2 requests each (80), \
             but only 60 remain after the one-timers"
        );
        assert_eq!(
            err(GeneratorConfig {
                requests: 100,
                objects: 80,
                one_timer_fraction: 1.0,
                ..base.clone()
            }),
            "every object is a one-timer, so requests (100) must equal objects (80)"
        );
        let ok = GeneratorConfig {
            requests: 80,
            objects: 80,
            one_timer_fraction: 1.0,
            ..base
        };
        assert_eq!(generate(&ok).unwrap().len(), 80);
    }
}
