//! The circuit breaker in front of Redis: closed → open after N consecutive failures →
//! half-open (one probe) after a backoff that doubles on each failed probe, up to a ceiling.

use serde::Serialize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where the breaker stands. The health check reports anything but `Closed` as degraded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Redis is used.
    Closed,
    /// Redis is skipped until the backoff has passed.
    Open,
    /// The backoff has passed: one request probes Redis, the others still skip it.
    HalfOpen,
}

/// How the breaker trips and recovers.
#[derive(Debug, Clone, Copy)]
pub struct BreakerOptions {
    /// Consecutive failures (errors or timeouts) that open the breaker.
    pub failure_threshold: u32,
    /// First wait before a probe; doubles on each failed probe.
    pub base_backoff: Duration,
    /// Ceiling of the wait.
    pub max_backoff: Duration,
}

impl Default for BreakerOptions {
    fn default() -> Self {
        BreakerOptions {
            failure_threshold: 3,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    consecutive_failures: u32,
    opened_at: Instant,
    backoff: Duration,
    /// A half-open probe is out; the other callers skip Redis until it reports.
    probing: bool,
}

#[derive(Debug)]
pub(crate) struct Breaker {
    opts: BreakerOptions,
    inner: Mutex<Inner>,
}

/// What `allow` hands out: whether the caller may use Redis, and whether it is the probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permit {
    Denied,
    Normal,
    Probe,
}

impl Breaker {
    pub(crate) fn new(opts: BreakerOptions) -> Self {
        Breaker {
            opts,
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                consecutive_failures: 0,
                opened_at: Instant::now(),
                backoff: opts.base_backoff,
                probing: false,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave the counters inconsistent enough to
        // matter; keep serving rather than poisoning every later request.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn state(&self) -> BreakerState {
        let g = self.lock();
        if g.state == BreakerState::Open && g.opened_at.elapsed() >= g.backoff {
            return BreakerState::HalfOpen;
        }
        g.state
    }

    /// May the caller talk to Redis now?
    pub(crate) fn allow(&self) -> Permit {
        let mut g = self.lock();
        match g.state {
            BreakerState::Closed => Permit::Normal,
            BreakerState::Open | BreakerState::HalfOpen => {
                if g.probing || g.opened_at.elapsed() < g.backoff {
                    Permit::Denied
                } else {
                    g.state = BreakerState::HalfOpen;
                    g.probing = true;
                    Permit::Probe
                }
            }
        }
    }

    /// Redis answered. Returns true when this closed an open breaker (a recovery).
    pub(crate) fn success(&self) -> bool {
        let mut g = self.lock();
        let recovered = g.state != BreakerState::Closed;
        g.state = BreakerState::Closed;
        g.consecutive_failures = 0;
        g.backoff = self.opts.base_backoff;
        g.probing = false;
        recovered
    }

    /// Redis failed or timed out. Returns true when this opened the breaker.
    pub(crate) fn failure(&self, permit: Permit) -> bool {
        let mut g = self.lock();
        match g.state {
            BreakerState::Closed => {
                g.consecutive_failures += 1;
                if g.consecutive_failures >= self.opts.failure_threshold {
                    g.state = BreakerState::Open;
                    g.opened_at = Instant::now();
                    g.backoff = self.opts.base_backoff;
                    g.probing = false;
                    return true;
                }
                false
            }
            BreakerState::Open | BreakerState::HalfOpen => {
                if permit == Permit::Probe {
                    g.state = BreakerState::Open;
                    g.opened_at = Instant::now();
                    g.backoff = (g.backoff * 2).min(self.opts.max_backoff);
                    g.probing = false;
                }
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> BreakerOptions {
        BreakerOptions {
            failure_threshold: 2,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_millis(500),
        }
    }

    #[test]
    fn opens_after_threshold_and_probes_once_after_backoff() {
        let b = Breaker::new(opts());
        assert_eq!(b.allow(), Permit::Normal);
        assert!(!b.failure(Permit::Normal));
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.failure(Permit::Normal));
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.allow(), Permit::Denied);
        std::thread::sleep(Duration::from_millis(210));
        assert_eq!(b.allow(), Permit::Probe);
        assert_eq!(b.allow(), Permit::Denied, "only one probe at a time");
        b.failure(Permit::Probe);
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.allow(), Permit::Denied);
        assert_eq!(
            b.lock().backoff,
            Duration::from_millis(400),
            "the backoff doubled"
        );
        b.failure(Permit::Denied);
        assert_eq!(
            b.lock().backoff,
            Duration::from_millis(400),
            "only probes double it"
        );
        std::thread::sleep(Duration::from_millis(410));
        assert_eq!(b.allow(), Permit::Probe);
        b.failure(Permit::Probe);
        assert_eq!(b.lock().backoff, Duration::from_millis(500), "capped");
        std::thread::sleep(Duration::from_millis(510));
        assert_eq!(b.allow(), Permit::Probe);
        assert!(b.success());
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.allow(), Permit::Normal);
    }

    #[test]
    fn a_success_resets_the_failure_count() {
        let b = Breaker::new(opts());
        b.failure(Permit::Normal);
        assert!(!b.success());
        assert!(!b.failure(Permit::Normal));
        assert_eq!(b.state(), BreakerState::Closed);
    }
}
