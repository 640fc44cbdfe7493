//! A throttle on wrong guesses of a code (join codes, resume codes): after `max` failures from
//! one address within `window`, that address is refused until its oldest failure leaves the
//! window. Kept in memory, not in SQLite: counting tens of thousands of guesses a minute must
//! cost no write, and a restart gives an attacker only one more window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses remembered before the stale ones are swept, so a spray from many addresses
/// cannot grow the map without end.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, thiserror::Error)]
#[error("잘못된 코드를 너무 많이 입력했습니다. {retry_secs}초 뒤에 다시 시도해 주세요.")]
pub struct TooManyGuesses {
    pub retry_secs: u64,
}

pub struct GuessLimit {
    max: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl GuessLimit {
    pub fn new(max: usize, window: Duration) -> GuessLimit {
        GuessLimit { max: max.max(1), window, failures: Mutex::default() }
    }

    fn failures(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        // A panic while holding the lock leaves plain counts behind: still usable.
        self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Refuses an address that has used up its failures in the window.
    pub fn check(&self, address: &str) -> Result<(), TooManyGuesses> {
        let now = Instant::now();
        let mut failures = self.failures();
        let Some(times) = failures.get_mut(address) else {
            return Ok(());
        };
        times.retain(|&t| now.duration_since(t) < self.window);
        match times.front() {
            Some(&oldest) if times.len() >= self.max => {
                let wait = self.window.saturating_sub(now.duration_since(oldest));
                Err(TooManyGuesses { retry_secs: wait.as_secs().max(1) })
            }
            _ => Ok(()),
        }
    }

    pub fn record_failure(&self, address: &str) {
        let now = Instant::now();
        let mut failures = self.failures();
        if failures.len() >= SWEEP_AT {
            failures.retain(|_, times| times.back().is_some_and(|&t| now - t < self.window));
        }
        let times = failures.entry(address.to_owned()).or_default();
        times.push_back(now);
        // Only the newest `max` matter to `check`.
        while times.len() > self.max {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_after_its_failures_and_others_are_not() {
        let limit = GuessLimit::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(limit.check("10.0.0.1").is_ok());
            limit.record_failure("10.0.0.1");
        }
        let refused = limit.check("10.0.0.1").expect_err("refused");
        assert!((1..=60).contains(&refused.retry_secs), "{}", refused.retry_secs);
        assert!(limit.check("10.0.0.2").is_ok());
    }

    #[test]
    fn failures_older_than_the_window_no_longer_count() {
        let limit = GuessLimit::new(1, Duration::from_millis(20));
        limit.record_failure("a");
        assert!(limit.check("a").is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(limit.check("a").is_ok());
    }
}
