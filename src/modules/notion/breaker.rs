//! A circuit breaker per connection: after repeated failures (5xx, timeouts, dropped
//! connections) it opens and calls fail fast; after a cool-down one trial call is let through
//! (half-open), whose outcome closes or reopens it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { trial_in_flight: bool },
}

impl Breaker {
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cooldown,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    /// `Err(wait)` while open (or while the half-open trial is running).
    pub fn allow(&self) -> Result<(), Duration> {
        let mut state = self.state.lock().expect("breaker poisoned");
        match *state {
            State::Closed { .. } => Ok(()),
            State::Open { until } => {
                let now = Instant::now();
                if now < until {
                    return Err(until - now);
                }
                *state = State::HalfOpen {
                    trial_in_flight: true,
                };
                Ok(())
            }
            State::HalfOpen {
                trial_in_flight: true,
            } => Err(self.cooldown / 10),
            State::HalfOpen {
                trial_in_flight: false,
            } => {
                *state = State::HalfOpen {
                    trial_in_flight: true,
                };
                Ok(())
            }
        }
    }

    pub fn success(&self) {
        *self.state.lock().expect("breaker poisoned") = State::Closed { failures: 0 };
    }

    pub fn failure(&self) {
        let mut state = self.state.lock().expect("breaker poisoned");
        *state = match *state {
            State::Closed { failures } if failures + 1 < self.threshold => State::Closed {
                failures: failures + 1,
            },
            _ => State::Open {
                until: Instant::now() + self.cooldown,
            },
        };
    }

    #[cfg(test)]
    fn is_open(&self) -> bool {
        matches!(
            *self.state.lock().expect("breaker poisoned"),
            State::Open { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_repeated_failures_then_half_opens_for_one_trial() {
        let breaker = Breaker::new(3, Duration::from_millis(30));
        for _ in 0..3 {
            assert!(breaker.allow().is_ok());
            breaker.failure();
        }
        assert!(breaker.is_open());
        assert!(breaker.allow().is_err());
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.allow().is_ok(), "one trial after the cool-down");
        assert!(breaker.allow().is_err(), "only one trial at a time");
        breaker.success();
        assert!(breaker.allow().is_ok());
    }

    #[test]
    fn a_failed_trial_reopens() {
        let breaker = Breaker::new(1, Duration::from_millis(10));
        breaker.failure();
        std::thread::sleep(Duration::from_millis(15));
        assert!(breaker.allow().is_ok());
        breaker.failure();
        assert!(breaker.is_open());
    }
}
