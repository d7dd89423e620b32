//! Per-source rate limiting for the webhook receiver: GCRA, with the numbers for `RateLimit-*`
//! and `Retry-After` headers.
//!
//! GCRA keeps one instant per key, the theoretical arrival time (TAT) of the next request if
//! requests came exactly at the sustained rate. A request is allowed while the TAT is no
//! further ahead of now than `burst - 1` emission intervals; allowing it pushes the TAT one
//! interval on. That gives `burst` requests at once, then `per_second` sustained, with no timer
//! and no per-request allocation once a key is known.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A GCRA limiter keyed by source name. Cheap to share: wrap it in an `Arc`.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    /// Time between requests at the sustained rate.
    interval: Duration,
    /// How far ahead of now the TAT may be for a request to pass: `interval * (burst - 1)`.
    tolerance: Duration,
    /// Instants are kept as offsets from `epoch`, so arithmetic on them cannot overflow.
    epoch: Instant,
    tats: Mutex<HashMap<String, Duration>>,
}

/// An allowed request's standing, for `RateLimit-Limit`, `RateLimit-Remaining`,
/// `RateLimit-Reset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateInfo {
    /// The burst size: requests allowed at once from a full bucket.
    pub limit: u32,
    /// Requests that could still be made right now.
    pub remaining: u32,
    /// Until the bucket is full again.
    pub reset: Duration,
}

/// A refused request: when to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("rate limit of {limit} exceeded; retry after {}s", self.retry_after_secs())]
pub struct RateLimited {
    pub limit: u32,
    /// Until one more request would be allowed.
    pub retry_after: Duration,
    /// Until the bucket is full again.
    pub reset: Duration,
}

/// Whole seconds, rounded up, so a client that waits that long is not refused again.
fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl RateInfo {
    /// `RateLimit-Reset` in whole seconds, rounded up.
    pub fn reset_secs(&self) -> u64 {
        ceil_secs(self.reset)
    }

    /// `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            ("RateLimit-Limit", self.limit.to_string()),
            ("RateLimit-Remaining", self.remaining.to_string()),
            ("RateLimit-Reset", self.reset_secs().to_string()),
        ]
    }
}

impl RateLimited {
    /// `Retry-After` in whole seconds: rounded up, and at least 1.
    pub fn retry_after_secs(&self) -> u64 {
        ceil_secs(self.retry_after).max(1)
    }

    /// `Retry-After` and the `RateLimit-*` headers of a refusal.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Retry-After", self.retry_after_secs().to_string()),
            ("RateLimit-Limit", self.limit.to_string()),
            ("RateLimit-Remaining", "0".to_owned()),
            ("RateLimit-Reset", ceil_secs(self.reset).max(1).to_string()),
        ]
    }
}

impl RateLimiter {
    /// A limiter allowing `burst` requests at once and `per_second` sustained, per key.
    ///
    /// # Panics
    ///
    /// If the numbers are out of range; see [`RateLimiter::try_new`], which config validation
    /// should call first.
    pub fn new(per_second: f64, burst: u32) -> RateLimiter {
        RateLimiter::try_new(per_second, burst).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`RateLimiter::new`], with an error for a rate that is not a positive number of at
    /// most one per nanosecond, or a burst of 0.
    pub fn try_new(per_second: f64, burst: u32) -> Result<RateLimiter, String> {
        if !(per_second.is_finite() && per_second > 0.0) {
            return Err(format!(
                "rate limit per_second must be a positive number, not {per_second}"
            ));
        }
        if burst == 0 {
            return Err("rate limit burst must be at least 1".to_owned());
        }
        let interval = Duration::try_from_secs_f64(1.0 / per_second)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| format!("rate limit per_second {per_second} is out of range"))?;
        let tolerance = interval
            .checked_mul(burst - 1)
            .ok_or_else(|| format!("rate limit per_second {per_second} is out of range"))?;
        Ok(RateLimiter {
            limit: burst,
            interval,
            tolerance,
            epoch: Instant::now(),
            tats: Mutex::new(HashMap::new()),
        })
    }

    /// Counts a request for `key` at `now`, or says when to retry. A refused request does not
    /// count against the key.
    pub fn check(&self, key: &str, now: Instant) -> Result<RateInfo, RateLimited> {
        // An instant before the limiter existed counts as its creation.
        let now = now.saturating_duration_since(self.epoch);
        let mut tats = self.lock();
        let tat = tats.get(key).copied().unwrap_or(now).max(now);
        let ahead = tat - now;
        if ahead > self.tolerance {
            return Err(RateLimited {
                limit: self.limit,
                retry_after: ahead - self.tolerance,
                reset: ahead,
            });
        }
        let new_tat = tat.saturating_add(self.interval);
        match tats.get_mut(key) {
            Some(slot) => *slot = new_tat,
            None => {
                tats.insert(key.to_owned(), new_tat);
            }
        }
        let left = (self.tolerance - ahead).as_nanos() / self.interval.as_nanos();
        Ok(RateInfo {
            limit: self.limit,
            remaining: u32::try_from(left).unwrap_or(u32::MAX).min(self.limit - 1),
            reset: ahead + self.interval,
        })
    }

    /// Forgets keys whose buckets have filled up again by `now`, as if never seen.
    pub fn prune(&self, now: Instant) {
        let now = now.saturating_duration_since(self.epoch);
        self.lock().retain(|_, tat| *tat > now);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Duration>> {
        // The map holds plain numbers and is never left half-updated, so a panic elsewhere
        // while the lock was held does not make it wrong.
        self.tats
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_full_bucket_allows_the_burst_then_refuses() {
        let limiter = RateLimiter::new(1.0, 3);
        let t0 = Instant::now();
        let remaining: Vec<u32> = (0..3)
            .map(|_| limiter.check("a", t0).unwrap().remaining)
            .collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = limiter.check("a", t0).unwrap_err();
        assert_eq!(refused.retry_after, ms(1000));
        assert_eq!(refused.retry_after_secs(), 1);
        assert_eq!(refused.reset, ms(3000));
        assert_eq!(refused.limit, 3);
    }

    #[test]
    fn tokens_come_back_at_the_sustained_rate() {
        let limiter = RateLimiter::new(2.0, 2);
        let t0 = Instant::now();
        limiter.check("a", t0).unwrap();
        limiter.check("a", t0).unwrap();
        let refused = limiter.check("a", t0 + ms(100)).unwrap_err();
        assert_eq!(refused.retry_after, ms(400));
        assert!(limiter.check("a", t0 + ms(499)).is_err());
        let info = limiter.check("a", t0 + ms(500)).unwrap();
        assert_eq!(info.remaining, 0);
        assert!(limiter.check("a", t0 + ms(500)).is_err());
        // After a long quiet spell the bucket is full, never fuller.
        let info = limiter.check("a", t0 + Duration::from_secs(60)).unwrap();
        assert_eq!((info.remaining, info.reset), (1, ms(500)));
    }

    #[test]
    fn sustained_rate_is_exact_over_time() {
        let limiter = RateLimiter::new(10.0, 5);
        let t0 = Instant::now();
        // Offer 100 requests a second for 10 seconds: 5 of burst, then 10 a second.
        let allowed = (0..1000)
            .filter(|i| limiter.check("a", t0 + ms(i * 10)).is_ok())
            .count();
        assert!((104..=106).contains(&allowed), "{allowed}");
    }

    #[test]
    fn keys_are_independent() {
        let limiter = RateLimiter::new(1.0, 1);
        let t0 = Instant::now();
        assert!(limiter.check("langwatch", t0).is_ok());
        assert!(limiter.check("langwatch", t0).is_err());
        assert!(limiter.check("github", t0).is_ok());
    }

    #[test]
    fn refusals_do_not_count() {
        let limiter = RateLimiter::new(1.0, 1);
        let t0 = Instant::now();
        limiter.check("a", t0).unwrap();
        for i in 0..100 {
            assert!(limiter.check("a", t0 + ms(i * 9)).is_err());
        }
        assert!(limiter.check("a", t0 + ms(1000)).is_ok());
    }

    #[test]
    fn header_values_are_whole_seconds_rounded_up() {
        let limiter = RateLimiter::new(0.4, 2);
        let t0 = Instant::now();
        let info = limiter.check("a", t0).unwrap();
        assert_eq!(
            info.headers(),
            [
                ("RateLimit-Limit", "2".to_owned()),
                ("RateLimit-Remaining", "1".to_owned()),
                ("RateLimit-Reset", "3".to_owned()),
            ]
        );
        limiter.check("a", t0).unwrap();
        let refused = limiter.check("a", t0 + ms(2400)).unwrap_err();
        assert_eq!(refused.retry_after, ms(100));
        assert_eq!(
            refused.headers(),
            [
                ("Retry-After", "1".to_owned()),
                ("RateLimit-Limit", "2".to_owned()),
                ("RateLimit-Remaining", "0".to_owned()),
                ("RateLimit-Reset", "3".to_owned()),
            ]
        );
        assert_eq!(
            refused.to_string(),
            "rate limit of 2 exceeded; retry after 1s"
        );
    }

    #[test]
    fn fast_rates_never_say_retry_after_zero() {
        let limiter = RateLimiter::new(1000.0, 1);
        let t0 = Instant::now();
        limiter.check("a", t0).unwrap();
        let refused = limiter.check("a", t0).unwrap_err();
        assert_eq!(refused.retry_after, ms(1));
        assert_eq!(refused.retry_after_secs(), 1);
    }

    #[test]
    fn instants_before_the_limiter_and_out_of_order_are_safe() {
        let before = Instant::now();
        let limiter = RateLimiter::new(1.0, 3);
        let t0 = Instant::now();
        limiter.check("a", t0 + ms(5000)).unwrap();
        // A thread that read the clock a little earlier arrives later: it is still counted.
        let info = limiter.check("a", t0 + ms(4900)).unwrap();
        assert_eq!((info.remaining, info.reset), (0, ms(2100)));
        let refused = limiter.check("a", before).unwrap_err();
        assert!(refused.retry_after >= ms(5000), "{refused:?}");
    }

    #[test]
    fn prune_forgets_only_full_buckets() {
        let limiter = RateLimiter::new(1.0, 2);
        let t0 = Instant::now();
        limiter.check("old", t0).unwrap();
        limiter.check("new", t0 + ms(5000)).unwrap();
        limiter.prune(t0 + ms(5500));
        assert_eq!(limiter.lock().len(), 1);
        assert_eq!(limiter.check("new", t0 + ms(5500)).unwrap().remaining, 0);
    }

    #[test]
    fn bad_settings_are_refused() {
        for (rate, burst) in [
            (0.0, 1),
            (-1.0, 1),
            (f64::NAN, 1),
            (f64::INFINITY, 1),
            (1.0, 0),
            (1e10, 1),
            (1e-30, 1),
            (1e-15, u32::MAX),
        ] {
            assert!(RateLimiter::try_new(rate, burst).is_err(), "{rate} {burst}");
        }
        assert!(RateLimiter::try_new(1e9, u32::MAX).is_ok());
    }

    #[test]
    fn concurrent_checks_allow_exactly_the_burst() {
        let limiter = Arc::new(RateLimiter::new(0.001, 50));
        let t0 = Instant::now();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let limiter = Arc::clone(&limiter);
                std::thread::spawn(move || {
                    (0..20).filter(|_| limiter.check("a", t0).is_ok()).count()
                })
            })
            .collect();
        let allowed: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(allowed, 50);
    }
}
