//! The generic cell rate algorithm: a bucket is one number, the theoretical arrival time (TAT)
//! of the next request. Both backends run exactly this arithmetic (Redis in a Lua script).

use std::time::Duration;

use super::Admission;

/// A sustained rate with a burst: `burst` requests may go at once, then one every
/// `1 / per_second` seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

impl RateLimit {
    pub fn new(per_second: f64, burst: u32) -> Self {
        Self {
            per_second,
            burst: burst.max(1),
        }
    }

    /// Microseconds between two requests at the sustained rate.
    pub fn interval_us(&self) -> u64 {
        (1_000_000.0 / self.per_second.max(1e-6)).round() as u64
    }
}

/// One GCRA step: given the stored TAT (if any) and the time now, both in microseconds,
/// returns the decision and, when a slot is reserved, the TAT to store.
pub fn step(
    stored_tat: Option<u64>,
    now: u64,
    limit: RateLimit,
    max_wait: Duration,
) -> (Admission, Option<u64>) {
    let interval = limit.interval_us();
    let tat = stored_tat.unwrap_or(now).max(now);
    let new_tat = tat + interval;
    let allowed_at = new_tat.saturating_sub(u64::from(limit.burst) * interval);
    let wait = Duration::from_micros(allowed_at.saturating_sub(now));
    if wait > max_wait {
        (Admission::Refused { retry_after: wait }, None)
    } else {
        (Admission::Granted { wait }, Some(new_tat))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_000_000_000;

    #[test]
    fn a_burst_goes_at_once_then_the_rate_applies() {
        let limit = RateLimit::new(10.0, 3);
        let mut tat = None;
        for _ in 0..3 {
            let (admission, next) = step(tat, NOW, limit, Duration::ZERO);
            assert_eq!(
                admission,
                Admission::Granted {
                    wait: Duration::ZERO
                }
            );
            tat = next;
        }
        let (admission, next) = step(tat, NOW, limit, Duration::ZERO);
        assert_eq!(
            admission,
            Admission::Refused {
                retry_after: Duration::from_millis(100)
            }
        );
        assert_eq!(next, None);
    }

    #[test]
    fn a_patient_caller_reserves_the_next_slot() {
        let limit = RateLimit::new(2.0, 1);
        let (_, tat) = step(None, NOW, limit, Duration::ZERO);
        let (admission, _) = step(tat, NOW, limit, Duration::from_secs(1));
        assert_eq!(
            admission,
            Admission::Granted {
                wait: Duration::from_millis(500)
            }
        );
    }

    #[test]
    fn an_idle_bucket_refills() {
        let limit = RateLimit::new(1.0, 2);
        let (_, tat) = step(None, NOW, limit, Duration::ZERO);
        let (_, tat) = step(tat, NOW, limit, Duration::ZERO);
        let later = NOW + 5_000_000;
        let (admission, _) = step(tat, later, limit, Duration::ZERO);
        assert_eq!(
            admission,
            Admission::Granted {
                wait: Duration::ZERO
            }
        );
    }
}
