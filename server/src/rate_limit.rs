//! Sign-in attempts per email: after MAX_FAILURES failures in WINDOW, further
//! attempts are refused until the window ends. Kept in memory per process;
//! behind a load balancer each server counts alone (documented limit).

use std::collections::HashMap;
use std::sync::Mutex;

pub const MAX_FAILURES: u32 = 5;
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Past this many tracked emails, expired windows are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Default)]
pub struct RateLimiter {
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

impl RateLimiter {
    /// Some(seconds to wait) when this key may not try now.
    pub fn blocked_for(&self, key: &str, now_ms: i64) -> Option<u64> {
        let failures = self.failures.lock().ok()?;
        let (count, start) = failures.get(key)?;
        let ends = start + WINDOW_MS;
        (*count >= MAX_FAILURES && now_ms < ends).then(|| ((ends - now_ms) / 1000).max(1) as u64)
    }

    pub fn failed(&self, key: &str, now_ms: i64) {
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        if failures.len() >= SWEEP_AT {
            failures.retain(|_, (_, start)| now_ms < *start + WINDOW_MS);
        }
        let entry = failures.entry(key.to_owned()).or_insert((0, now_ms));
        if now_ms >= entry.1 + WINDOW_MS {
            *entry = (0, now_ms);
        }
        entry.0 += 1;
    }

    pub fn succeeded(&self, key: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_until_the_window_ends() {
        let limiter = RateLimiter::default();
        for _ in 0..MAX_FAILURES - 1 {
            limiter.failed("a@x", 1_000);
        }
        assert_eq!(limiter.blocked_for("a@x", 1_000), None);
        limiter.failed("a@x", 1_000);
        assert_eq!(limiter.blocked_for("a@x", 1_000), Some(900));
        assert_eq!(limiter.blocked_for("b@x", 1_000), None);
        assert_eq!(limiter.blocked_for("a@x", 1_000 + WINDOW_MS), None);
        limiter.succeeded("a@x");
        assert_eq!(limiter.blocked_for("a@x", 2_000), None);
    }
}
