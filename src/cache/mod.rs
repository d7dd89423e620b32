//! The cache: cache-aside over the store, in two tiers — in-process and Redis — with
//! invalidation by generation, a circuit breaker in front of Redis, and the admin operations
//! behind `vdt cache`. Never prints; logs through `tracing`.
//!
//! # Use
//!
//! One entry point for reads, one for writes:
//!
//! ```no_run
//! # use vdt::cache::{Cache, CacheOptions, KeyClass};
//! # fn sql() -> vdt::Result<Vec<String>> { Ok(vec![]) }
//! let cache = Cache::new(CacheOptions::default())?;
//! // A read: served from a tier when fresh, else computed (SQLite) and stored in both tiers.
//! let rows: Vec<String> = cache.get_or_compute(KeyClass::Config, "collections", sql)?;
//! // After every committed write (sync page, webhook event, config change, alert change):
//! cache.bump_generation();
//! # Ok::<(), vdt::Error>(())
//! ```
//!
//! `Cache` is `Send + Sync`: build one per process (`Arc<Cache>`) and share it between the
//! API's worker threads, the sync loop and the alert loop. The calls block for at most the
//! Redis timeout (`redis.timeout`, tens of milliseconds) plus the compute; from async code,
//! call them inside `spawn_blocking` or accept that bound.
//!
//! The key of a read is `(KeyClass, key)`: the key is the read's parameters spelled stably
//! (e.g. `"window=1h&model=&project="`), without the prefix, class or generation. The value is
//! stored as JSON bytes (compact, self-describing: `vdt cache get` can show any value without
//! knowing its type, and a value whose shape changed between versions just misses).
//!
//! # Keys in Redis
//!
//! - values: `{prefix}{class}:{generation}:{key}`, with the class's TTL ([`KeyClass::ttl`]);
//! - the generation counter: `{prefix}gen`;
//! - hits and misses of every process: `{prefix}stats:hits`, `{prefix}stats:misses`.
//!
//! # Staleness promise (DESIGN "Cache") and how it is kept
//!
//! A *write* is committed to SQLite first, then announced with [`Cache::bump_generation`],
//! which `INCR`s `{prefix}gen` in Redis and then increments this process's own write counter.
//!
//! - **Redis never serves a value older than the last committed (announced) write.** A Redis
//!   read is one Lua script: it reads `{prefix}gen` and the value under that generation in the
//!   same atomic step, so a value stored under an older generation is never returned after the
//!   `INCR`. A value computed before a write and stored after it lands under the generation its
//!   read saw, which no later read asks for.
//! - **A process sees its own writes at once.** In-process entries are stamped with
//!   [`Generation`] = (Redis generation of the read, own write count when the read began) and
//!   served only while both match the current ones; `bump_generation` bumps the own count after
//!   its `INCR`, so every entry from before the write stops matching before the call returns.
//!   If the `INCR` fails (Redis down, slow), the bump is remembered and re-sent before this
//!   process reads Redis again; until it succeeds, this process skips Redis.
//! - **Another process's write reaches the in-process tier within its TTL.** An in-process
//!   entry lives at most `local_ttl` (default 1 s) from the Redis read that filled it, and
//!   every in-process miss re-reads the generation from Redis (in the same script). So the
//!   in-process tier keys by the generation last read from Redis, re-read at most every TTL
//!   per key, and a foreign write is visible after at most `local_ttl`.
//!
//! Limits: between the commit and the `INCR` (one round trip) readers may still get the
//! previous value. A write made by a process that cannot reach Redis while others can is
//! announced only when it reaches Redis again; to bound the damage, every process whose
//! breaker opened bumps the generation once when Redis comes back (it cannot know what it
//! missed). A one-shot writer that exits during an outage seen by nobody else leaves Redis
//! values that expire with their class TTL.
//!
//! # Degradation
//!
//! With Redis down or slower than `redis.timeout`, a read goes to the compute (SQLite); the
//! in-process tier keeps working. After `failure_threshold` consecutive failures the breaker
//! opens and Redis is skipped; after a backoff (doubling per failed probe, capped) one request
//! probes it; success closes the breaker. Nothing fails because the cache is gone: the only
//! errors `get_or_compute` returns are the compute's own.
//!
//! # What the merger wires in
//!
//! - the metrics engine and API read through `get_or_compute` with the classes below;
//! - every committed write calls `bump_generation` (sync page commit, webhook event applied,
//!   `config collections add|set|remove` and `PATCH /api/v1/config`, alert state change);
//! - `vdt cache warm` registers the hot reads in [`warm::hot_reads`];
//! - health reads [`Cache::breaker_open`]; Prometheus reads [`Cache::local_stats`];
//!   `cache_hit_ratio`/`redis_memory_ratio` come from [`Cache::ratios`].

mod breaker;
mod local;
mod remote;
pub mod warm;

pub use breaker::{BreakerOptions, BreakerState};

use crate::config::Config;
use crate::error::{Error, Result};
use breaker::{Breaker, Permit};
use local::LocalTier;
use remote::Remote;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What is cached, and for how long. **The one place TTLs are decided.**
///
/// Generations already drop every value on a committed write, so a TTL bounds only what
/// changes without a write — the clock moving a window's edge, a lag growing — and how long
/// a value outlives an outage. In-process entries live `min(local_ttl, class TTL)`.
///
/// | class     | TTL                                    | why |
/// |-----------|----------------------------------------|-----|
/// | `Status`  | 5 s                                    | uptime, lag and "last sync ago" move with the clock |
/// | `Metrics` | `redis.default_ttl` (30 s by default)  | window aggregates: new data bumps the generation; the TTL bounds how far the window's edge trails the clock |
/// | `Logs`    | 10 s                                   | rejected webhook deliveries are logged without a generation bump |
/// | `Alerts`  | 10 s                                   | state changes bump; silences expire with the clock |
/// | `Health`  | 5 s                                    | checks observe things outside the store (disk, Redis, SMTP) |
/// | `Config`  | 300 s                                  | changes only through writes, which bump |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyClass {
    Status,
    Metrics,
    Logs,
    Alerts,
    Health,
    Config,
}

impl KeyClass {
    pub const ALL: [KeyClass; 6] = [
        KeyClass::Status,
        KeyClass::Metrics,
        KeyClass::Logs,
        KeyClass::Alerts,
        KeyClass::Health,
        KeyClass::Config,
    ];

    /// The class's TTL; `default_ttl` is `redis.default_ttl`.
    pub fn ttl(self, default_ttl: Duration) -> Duration {
        match self {
            KeyClass::Status | KeyClass::Health => Duration::from_secs(5),
            KeyClass::Metrics => default_ttl,
            KeyClass::Logs | KeyClass::Alerts => Duration::from_secs(10),
            KeyClass::Config => Duration::from_secs(300),
        }
    }

    /// The class as it appears in keys.
    pub fn name(self) -> &'static str {
        match self {
            KeyClass::Status => "status",
            KeyClass::Metrics => "metrics",
            KeyClass::Logs => "logs",
            KeyClass::Alerts => "alerts",
            KeyClass::Health => "health",
            KeyClass::Config => "config",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

impl std::fmt::Display for KeyClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The generation an in-process entry was read under: Redis's counter as the read saw it,
/// and this process's own write count when the read began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation {
    pub remote: u64,
    pub own: u64,
}

/// How the cache is built; [`CacheOptions::from_config`] reads `[redis]` and `[features]`.
#[derive(Debug, Clone)]
pub struct CacheOptions {
    /// `redis.url`; `None`: in-process tier only (backend "memory").
    pub redis_url: Option<String>,
    pub prefix: String,
    pub default_ttl: Duration,
    /// Per Redis operation (connect, read, write) on the read path.
    pub timeout: Duration,
    /// `features.advanced_caching`: the in-process tier.
    pub local_enabled: bool,
    pub local_ttl: Duration,
    pub local_max_entries: usize,
    pub local_max_bytes: usize,
    pub breaker: BreakerOptions,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            redis_url: None,
            prefix: "vdt:".into(),
            default_ttl: Duration::from_secs(30),
            timeout: Duration::from_millis(50),
            local_enabled: true,
            local_ttl: Duration::from_secs(1),
            local_max_entries: 10_000,
            local_max_bytes: 64 << 20,
            breaker: BreakerOptions::default(),
        }
    }
}

impl CacheOptions {
    pub fn from_config(cfg: &Config) -> Self {
        CacheOptions {
            redis_url: cfg.redis.url.clone().filter(|u| !u.trim().is_empty()),
            prefix: cfg.redis.prefix.clone(),
            default_ttl: cfg.redis.default_ttl.0,
            timeout: cfg.redis.timeout.0,
            local_enabled: cfg.features.advanced_caching,
            ..CacheOptions::default()
        }
    }
}

/// This process's counters, per tier (for Prometheus and tests). Cumulative since start.
#[derive(Debug, Clone, Serialize)]
pub struct LocalStats {
    pub local_hits: u64,
    pub local_misses: u64,
    pub redis_hits: u64,
    pub redis_misses: u64,
    /// Redis operations that failed or timed out.
    pub redis_errors: u64,
    /// Reads that skipped Redis because the breaker was open.
    pub redis_skipped: u64,
    /// Values computed (reads that went to SQLite).
    pub computes: u64,
    pub local_entries: u64,
    pub local_bytes: u64,
    /// The Redis generation this process last saw.
    pub generation: u64,
    /// Writes this process announced.
    pub own_writes: u64,
    pub breaker: BreakerState,
}

/// `vdt cache stats --json`: DESIGN's shape. Counts and memory are `null` when unknown
/// (Redis down or not configured).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CacheStats {
    /// "redis" with `redis.url`, else "memory".
    pub backend: String,
    pub connected: bool,
    pub hits: Option<u64>,
    pub misses: Option<u64>,
    pub hit_ratio: Option<f64>,
    pub keys: Option<u64>,
    pub used_memory_bytes: Option<u64>,
    pub maxmemory_bytes: Option<u64>,
    pub memory_ratio: Option<f64>,
}

/// A value found by [`Cache::get_raw`].
#[derive(Debug, Clone, Serialize)]
pub struct RawEntry {
    /// The full Redis key.
    pub key: String,
    /// Remaining TTL in milliseconds (`None`: no expiry).
    pub ttl_ms: Option<u64>,
    /// The value as JSON (a string when it is not JSON).
    pub value: serde_json::Value,
}

#[derive(Default)]
struct Counters {
    local_hits: AtomicU64,
    local_misses: AtomicU64,
    redis_hits: AtomicU64,
    redis_misses: AtomicU64,
    redis_errors: AtomicU64,
    redis_skipped: AtomicU64,
    computes: AtomicU64,
}

/// The cache. See the module documentation.
pub struct Cache {
    opts: CacheOptions,
    remote: Option<Remote>,
    local: Mutex<LocalTier>,
    breaker: Breaker,
    /// The Redis generation last seen (0 without Redis).
    remote_gen: AtomicU64,
    /// Writes this process announced.
    own_gen: AtomicU64,
    /// Bumps that could not reach Redis, counted; `sent_bumps` is how far re-sends got.
    lost_bumps: AtomicU64,
    sent_bumps: AtomicU64,
    /// In-process hits not yet added to `{prefix}stats:hits`.
    unreported_hits: AtomicU64,
    counters: Counters,
    /// One compute per key at a time in this process; the others wait and read its result.
    inflight: Mutex<HashMap<(KeyClass, String), Flight>>,
    gen_key: String,
    hits_key: String,
    misses_key: String,
}

/// One compute of a key at a time in this process; the slot keeps the last result for the
/// callers that waited.
type Flight = Arc<Mutex<Option<Landed>>>;

/// A value computed in this process, with the generation its read began at.
struct Landed {
    generation: Generation,
    bytes: Arc<[u8]>,
}

/// What a Redis read found.
enum Found {
    Hit(Vec<u8>, u64),
    Miss(u64),
    Unavailable,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded data stays consistent across a panic in a caller's compute (which never
    // runs under these locks); keep serving rather than poisoning every later read.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Cache {
    /// Build the cache. Connects lazily: a Redis that is down is not an error here.
    pub fn new(opts: CacheOptions) -> Result<Self> {
        let remote = match &opts.redis_url {
            Some(url) => Some(Remote::new(url, opts.timeout).map_err(|e| {
                Error::config(format!("redis.url: {e}"))
                    .with_hint("expected redis://[user:password@]host:port/db")
            })?),
            None => None,
        };
        let p = &opts.prefix;
        Ok(Cache {
            gen_key: format!("{p}gen"),
            hits_key: format!("{p}stats:hits"),
            misses_key: format!("{p}stats:misses"),
            local: Mutex::new(LocalTier::new(opts.local_max_entries, opts.local_max_bytes)),
            breaker: Breaker::new(opts.breaker),
            remote,
            opts,
            remote_gen: AtomicU64::new(0),
            own_gen: AtomicU64::new(0),
            lost_bumps: AtomicU64::new(0),
            sent_bumps: AtomicU64::new(0),
            unreported_hits: AtomicU64::new(0),
            counters: Counters::default(),
            inflight: Mutex::new(HashMap::new()),
        })
    }

    pub fn from_config(cfg: &Config) -> Result<Self> {
        Self::new(CacheOptions::from_config(cfg))
    }

    pub fn options(&self) -> &CacheOptions {
        &self.opts
    }

    /// "redis" or "memory".
    pub fn backend(&self) -> &'static str {
        if self.remote.is_some() {
            "redis"
        } else {
            "memory"
        }
    }

    /// The full Redis key of a value under a generation.
    pub fn redis_key(&self, class: KeyClass, generation: u64, key: &str) -> String {
        format!("{}{}:{generation}:{key}", self.opts.prefix, class.name())
    }

    /// The generation in-process entries must carry to be served now.
    pub fn generation(&self) -> Generation {
        Generation {
            remote: self.remote_gen.load(SeqCst),
            own: self.own_gen.load(SeqCst),
        }
    }

    /// The one read entry point: the cached value of `(class, key)` if a tier holds a fresh
    /// one, else `compute()` — stored in both tiers and returned. Errors are `compute`'s only.
    pub fn get_or_compute<T, E>(
        &self,
        class: KeyClass,
        key: &str,
        compute: impl FnOnce() -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        T: Serialize + DeserializeOwned,
    {
        if let Some(v) = self.local_get(class, key) {
            return Ok(v);
        }
        // Taken before the read: a write announced from here on makes what we store stale.
        let own_before = self.own_gen.load(SeqCst);
        let remote_before = self.remote_gen.load(SeqCst);
        let read = self.remote_read(class, key);
        if let Found::Hit(bytes, g) = &read
            && let Some(v) = decode::<T>(class, key, bytes)
        {
            let generation = Generation {
                remote: *g,
                own: own_before,
            };
            self.local_put(class, key, generation, bytes);
            return Ok(v);
        }

        // Miss everywhere: one compute per key in this process.
        let mine = Generation {
            remote: match &read {
                Found::Hit(_, g) | Found::Miss(g) => *g,
                Found::Unavailable => remote_before,
            },
            own: own_before,
        };
        let flight = self.flight(class, key);
        let result = {
            let mut slot = lock(&flight);
            // A compute that finished while we waited, and began at our generation or later,
            // is as fresh as one of our own: take it instead of computing again.
            let shared = slot
                .as_ref()
                .filter(|l| l.generation.own >= mine.own && l.generation.remote >= mine.remote)
                .and_then(|l| decode::<T>(class, key, &l.bytes));
            match shared {
                Some(v) => {
                    self.counters.local_hits.fetch_add(1, SeqCst);
                    self.unreported_hits.fetch_add(1, SeqCst);
                    Ok(v)
                }
                None => self
                    .compute_and_store(class, key, &read, mine, compute)
                    .map(|(value, landed)| {
                        if landed.is_some() {
                            *slot = landed;
                        }
                        value
                    }),
            }
        };
        self.land(class, key, &flight);
        result
    }

    fn compute_and_store<T, E>(
        &self,
        class: KeyClass,
        key: &str,
        read: &Found,
        generation: Generation,
        compute: impl FnOnce() -> std::result::Result<T, E>,
    ) -> std::result::Result<(T, Option<Landed>), E>
    where
        T: Serialize + DeserializeOwned,
    {
        let value = compute()?;
        self.counters.computes.fetch_add(1, SeqCst);
        let bytes: Arc<[u8]> = match serde_json::to_vec(&value) {
            Ok(b) => b.into(),
            Err(e) => {
                tracing::warn!(class = %class, key, error = %e, "cache: value not serializable; not cached");
                return Ok((value, None));
            }
        };
        if matches!(read, Found::Hit(..) | Found::Miss(_)) {
            self.remote_set(
                &self.redis_key(class, generation.remote, key),
                &bytes,
                class,
            );
        }
        self.local_put(class, key, generation, &bytes);
        Ok((value, Some(Landed { generation, bytes })))
    }

    /// Store a value computed elsewhere (warm-up) under the current generation, both tiers.
    /// Unlike reads, this reports a Redis failure.
    pub fn put<T: Serialize>(&self, class: KeyClass, key: &str, value: &T) -> Result<()> {
        let bytes = serde_json::to_vec(value)
            .map_err(|e| Error::Internal(format!("cache: cannot serialize {class}:{key}: {e}")))?;
        let own = self.own_gen.load(SeqCst);
        let mut remote_gen = self.remote_gen.load(SeqCst);
        if let Some(remote) = &self.remote {
            let mut conn = remote.admin().map_err(unavailable)?;
            let g: Option<u64> = redis::cmd("GET")
                .arg(&self.gen_key)
                .query(&mut conn)
                .map_err(unavailable)?;
            remote_gen = g.unwrap_or(0);
            let ms =
                u64::try_from(class.ttl(self.opts.default_ttl).as_millis()).unwrap_or(u64::MAX);
            redis::cmd("SET")
                .arg(self.redis_key(class, remote_gen, key))
                .arg(&bytes)
                .arg("PX")
                .arg(ms.max(1))
                .query::<()>(&mut conn)
                .map_err(unavailable)?;
        }
        self.local_put(
            class,
            key,
            Generation {
                remote: remote_gen,
                own,
            },
            &bytes,
        );
        Ok(())
    }

    /// Announce a committed write: every cached value from before it stops being served —
    /// at once in this process and in Redis, within `local_ttl` in other processes.
    /// Never fails; with Redis unreachable the bump is re-sent before this process next
    /// reads Redis. Returns whether Redis took it (`true` without Redis).
    pub fn bump_generation(&self) -> bool {
        let mut announced = true;
        if let Some(remote) = &self.remote {
            let permit = self.breaker.allow();
            let sent = if permit == Permit::Denied {
                false
            } else {
                match remote.incr(&self.gen_key) {
                    Ok(g) => {
                        self.remote_gen.store(g, SeqCst);
                        self.redis_ok();
                        true
                    }
                    Err(e) => {
                        self.redis_failed(permit, &e);
                        false
                    }
                }
            };
            if !sent {
                self.lost_bumps.fetch_add(1, SeqCst);
            }
            announced = sent;
        }
        // After the INCR: a read that starts with the new own count sees the new generation.
        self.own_gen.fetch_add(1, SeqCst);
        // Entries of older generations are unreachable now; free them.
        lock(&self.local).clear();
        announced
    }

    /// The breaker in front of Redis (`Closed` without Redis).
    pub fn breaker_state(&self) -> BreakerState {
        if self.remote.is_none() {
            return BreakerState::Closed;
        }
        self.breaker.state()
    }

    /// For the health check: `None` without Redis, else whether Redis is being skipped.
    pub fn breaker_open(&self) -> Option<bool> {
        self.remote
            .as_ref()
            .map(|_| self.breaker.state() != BreakerState::Closed)
    }

    /// This process's counters, per tier.
    pub fn local_stats(&self) -> LocalStats {
        let c = &self.counters;
        let (entries, bytes) = {
            let l = lock(&self.local);
            (l.len() as u64, l.bytes() as u64)
        };
        LocalStats {
            local_hits: c.local_hits.load(SeqCst),
            local_misses: c.local_misses.load(SeqCst),
            redis_hits: c.redis_hits.load(SeqCst),
            redis_misses: c.redis_misses.load(SeqCst),
            redis_errors: c.redis_errors.load(SeqCst),
            redis_skipped: c.redis_skipped.load(SeqCst),
            computes: c.computes.load(SeqCst),
            local_entries: entries,
            local_bytes: bytes,
            generation: self.remote_gen.load(SeqCst),
            own_writes: self.own_gen.load(SeqCst),
            breaker: self.breaker_state(),
        }
    }

    /// Add this process's unreported in-process hits to the Redis counter now (the read path
    /// does it on its next Redis trip). Call before exit or before reading [`Cache::stats`].
    pub fn report_hits(&self) {
        let Some(remote) = &self.remote else { return };
        let n = self.unreported_hits.swap(0, SeqCst);
        if n == 0 {
            return;
        }
        let permit = self.breaker.allow();
        if permit == Permit::Denied {
            self.unreported_hits.fetch_add(n, SeqCst);
            return;
        }
        match remote.incr_by(&self.hits_key, n) {
            Ok(()) => self.redis_ok(),
            Err(e) => {
                self.unreported_hits.fetch_add(n, SeqCst);
                self.redis_failed(permit, &e);
            }
        }
    }

    // ---- admin: `vdt cache stats|get|flush` ----

    /// DESIGN's `cache stats`. Never fails: Redis down is `connected: false`.
    pub fn stats(&self) -> CacheStats {
        let mut s = CacheStats {
            backend: self.backend().into(),
            connected: false,
            hits: None,
            misses: None,
            hit_ratio: None,
            keys: None,
            used_memory_bytes: None,
            maxmemory_bytes: None,
            memory_ratio: None,
        };
        let Some(remote) = &self.remote else {
            return s;
        };
        let r = (|| -> redis::RedisResult<()> {
            let mut conn = remote.admin()?;
            let (hits, misses): (Option<u64>, Option<u64>) = redis::cmd("MGET")
                .arg(&self.hits_key)
                .arg(&self.misses_key)
                .query(&mut conn)?;
            let (hits, misses) = (hits.unwrap_or(0), misses.unwrap_or(0));
            let (used, max) = remote::memory(&mut conn)?;
            let mut keys = 0u64;
            remote::scan_prefix(&mut conn, &self.opts.prefix, |_, page| {
                keys += page.len() as u64;
                Ok(())
            })?;
            s.connected = true;
            s.hits = Some(hits);
            s.misses = Some(misses);
            s.hit_ratio = ratio(hits, hits + misses);
            s.keys = Some(keys);
            s.used_memory_bytes = used;
            s.maxmemory_bytes = max;
            s.memory_ratio = match (used, max) {
                (Some(u), Some(m)) => ratio(u, m),
                _ => None,
            };
            Ok(())
        })();
        if let Err(e) = r {
            tracing::debug!(error = %e, "cache stats: Redis unreachable");
        }
        s
    }

    /// `cache_hit_ratio` and `redis_memory_ratio` for the metrics engine and alert rules:
    /// the shared counters and `INFO memory` over the hot-path connection (breaker and
    /// timeout apply, no SCAN). Without Redis, or with Redis unreachable, the hit ratio is
    /// this process's own and the memory ratio `None`.
    pub fn ratios(&self) -> (Option<f64>, Option<f64>) {
        self.report_hits();
        let own = || {
            let s = self.local_stats();
            let hits = s.local_hits + s.redis_hits;
            ratio(hits, hits + s.computes)
        };
        let Some(remote) = &self.remote else {
            return (own(), None);
        };
        let permit = self.breaker.allow();
        if permit == Permit::Denied {
            return (own(), None);
        }
        let r = remote.with_conn(|c| {
            let (h, m): (Option<u64>, Option<u64>) = redis::cmd("MGET")
                .arg(&self.hits_key)
                .arg(&self.misses_key)
                .query(c)?;
            Ok((h.unwrap_or(0), m.unwrap_or(0), remote::memory(c)?))
        });
        match r {
            Ok((h, m, (used, max))) => {
                self.redis_ok();
                let mem = match (used, max) {
                    (Some(u), Some(mx)) => ratio(u, mx),
                    _ => None,
                };
                (ratio(h, h + m), mem)
            }
            Err(e) => {
                self.redis_failed(permit, &e);
                (own(), None)
            }
        }
    }

    /// A cached value by key without the prefix: first the key as given
    /// (`metrics:12:window=1h`), then — when it starts with a class name and no generation —
    /// under the current generation (`metrics:window=1h`). `Ok(None)`: not cached.
    pub fn get_raw(&self, key: &str) -> Result<Option<RawEntry>> {
        let remote = self.remote_or_unavailable()?;
        let mut conn = remote.admin().map_err(unavailable)?;
        let mut candidates = vec![format!("{}{key}", self.opts.prefix)];
        if let Some((class, rest)) = key.split_once(':')
            && KeyClass::from_name(class).is_some()
        {
            let g: Option<u64> = redis::cmd("GET")
                .arg(&self.gen_key)
                .query(&mut conn)
                .map_err(unavailable)?;
            candidates.push(format!(
                "{}{class}:{}:{rest}",
                self.opts.prefix,
                g.unwrap_or(0)
            ));
        }
        for full in candidates {
            let (value, ttl): (Option<Vec<u8>>, i64) = redis::pipe()
                .cmd("GET")
                .arg(&full)
                .cmd("PTTL")
                .arg(&full)
                .query(&mut conn)
                .map_err(unavailable)?;
            if let Some(bytes) = value {
                let value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                    serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
                });
                return Ok(Some(RawEntry {
                    key: full,
                    ttl_ms: u64::try_from(ttl).ok(),
                    value,
                }));
            }
        }
        Ok(None)
    }

    /// Remove every key under the prefix (SCAN + UNLINK; never FLUSHDB/FLUSHALL) except the
    /// generation counter, which is bumped first so values being computed during the flush
    /// land under a generation nobody reads. Returns how many keys were removed.
    pub fn flush(&self) -> Result<u64> {
        let remote = self.remote_or_unavailable()?;
        let mut conn = remote.admin().map_err(unavailable)?;
        let g: u64 = redis::cmd("INCR")
            .arg(&self.gen_key)
            .query(&mut conn)
            .map_err(unavailable)?;
        self.remote_gen.store(g, SeqCst);
        lock(&self.local).clear();
        let gen_key = self.gen_key.as_bytes().to_vec();
        let mut removed = 0u64;
        remote::scan_prefix(&mut conn, &self.opts.prefix, |c, page| {
            let page: Vec<Vec<u8>> = page.into_iter().filter(|k| *k != gen_key).collect();
            if page.is_empty() {
                return Ok(());
            }
            let n: u64 = redis::cmd("UNLINK").arg(&page).query(c)?;
            removed += n;
            Ok(())
        })
        .map_err(unavailable)?;
        Ok(removed)
    }

    fn remote_or_unavailable(&self) -> Result<&Remote> {
        self.remote.as_ref().ok_or_else(|| {
            Error::unavailable("no Redis configured: the cache is in-process only")
                .with_hint("set [redis] url (or VDT_REDIS__URL) to share a cache between processes")
        })
    }

    // ---- the read path ----

    fn local_get<T: DeserializeOwned>(&self, class: KeyClass, key: &str) -> Option<T> {
        if !self.opts.local_enabled {
            return None;
        }
        let v = self.local_peek(class, key);
        if v.is_none() {
            self.counters.local_misses.fetch_add(1, SeqCst);
        }
        v
    }

    /// A local lookup that counts only hits (the single-flight re-check uses it too).
    fn local_peek<T: DeserializeOwned>(&self, class: KeyClass, key: &str) -> Option<T> {
        decode(class, key, &self.local_bytes(class, key)?)
    }

    /// The in-process tier's encoded value of `(class, key)` when it holds a fresh one,
    /// counted as a hit; a miss is not counted (the caller goes on to
    /// [`Cache::get_or_compute`], which counts it). The same `Arc` comes back until the value
    /// is replaced, so a caller may keep what it derived from it, keyed by the pointer.
    pub fn local_bytes(&self, class: KeyClass, key: &str) -> Option<Arc<[u8]>> {
        if !self.opts.local_enabled {
            return None;
        }
        let generation = self.generation();
        let bytes = lock(&self.local).get(class, key, generation, Instant::now())?;
        self.counters.local_hits.fetch_add(1, SeqCst);
        self.unreported_hits.fetch_add(1, SeqCst);
        Some(bytes)
    }

    fn local_put(&self, class: KeyClass, key: &str, generation: Generation, bytes: &[u8]) {
        if !self.opts.local_enabled {
            return;
        }
        let ttl = self.opts.local_ttl.min(class.ttl(self.opts.default_ttl));
        lock(&self.local).put(
            class,
            key,
            generation,
            Arc::from(bytes),
            Instant::now() + ttl,
        );
    }

    fn remote_read(&self, class: KeyClass, key: &str) -> Found {
        let Some(remote) = &self.remote else {
            return Found::Unavailable;
        };
        let permit = self.breaker.allow();
        if permit == Permit::Denied {
            self.counters.redis_skipped.fetch_add(1, SeqCst);
            return Found::Unavailable;
        }
        // Re-send bumps that could not reach Redis before trusting anything it holds.
        let lost = self.lost_bumps.load(SeqCst);
        if lost > self.sent_bumps.load(SeqCst) {
            match remote.incr(&self.gen_key) {
                Ok(g) => {
                    self.remote_gen.store(g, SeqCst);
                    self.sent_bumps.fetch_max(lost, SeqCst);
                    self.redis_ok();
                }
                Err(e) => {
                    self.redis_failed(permit, &e);
                    return Found::Unavailable;
                }
            }
        }
        let extra = self.unreported_hits.swap(0, SeqCst);
        let class_prefix = format!("{}{}:", self.opts.prefix, class.name());
        match remote.read(
            &self.gen_key,
            &self.hits_key,
            &self.misses_key,
            &class_prefix,
            &format!(":{key}"),
            extra,
        ) {
            Ok(r) => {
                self.redis_ok();
                self.remote_gen.store(r.generation, SeqCst);
                match r.value {
                    Some(v) => {
                        self.counters.redis_hits.fetch_add(1, SeqCst);
                        Found::Hit(v, r.generation)
                    }
                    None => {
                        self.counters.redis_misses.fetch_add(1, SeqCst);
                        Found::Miss(r.generation)
                    }
                }
            }
            Err(e) => {
                self.unreported_hits.fetch_add(extra, SeqCst);
                self.redis_failed(permit, &e);
                Found::Unavailable
            }
        }
    }

    fn remote_set(&self, full_key: &str, bytes: &[u8], class: KeyClass) {
        let Some(remote) = &self.remote else { return };
        let permit = self.breaker.allow();
        if permit == Permit::Denied {
            return;
        }
        match remote.set(full_key, bytes, class.ttl(self.opts.default_ttl)) {
            Ok(()) => {
                self.redis_ok();
            }
            Err(e) => self.redis_failed(permit, &e),
        }
    }

    fn redis_ok(&self) {
        if self.breaker.success() {
            tracing::info!("cache: Redis is back; circuit breaker closed");
        }
    }

    fn redis_failed(&self, permit: Permit, e: &redis::RedisError) {
        self.counters.redis_errors.fetch_add(1, SeqCst);
        tracing::debug!(error = %e, "cache: Redis operation failed");
        if self.breaker.failure(permit) {
            tracing::warn!(error = %e, "cache: Redis unavailable; circuit breaker open, reading from SQLite");
            // Writes of other processes may not have reached Redis either: announce one
            // when Redis is back, so nothing cached before the outage outlives it.
            self.lost_bumps.fetch_add(1, SeqCst);
        }
    }

    fn flight(&self, class: KeyClass, key: &str) -> Flight {
        lock(&self.inflight)
            .entry((class, key.to_owned()))
            .or_default()
            .clone()
    }

    fn land(&self, class: KeyClass, key: &str, flight: &Flight) {
        let mut map = lock(&self.inflight);
        // Only the map and this caller hold it: nobody waits, drop the slot.
        if Arc::strong_count(flight) <= 2 {
            map.remove(&(class, key.to_owned()));
        }
    }
}

/// How long a one-shot writer waits for Redis to take its announcement: longer than a read's
/// budget (nothing waits on it but the command's own exit), short enough that a Redis that
/// is down does not hold the command up.
const ANNOUNCE_TIMEOUT: Duration = Duration::from_secs(1);

/// A committed write by a process without a long-lived cache — a one-shot command (`sync`,
/// `alerts check|ack|silence`, `config collections add|set|remove`, `db prune|restore`) —
/// announced to every process sharing Redis: a running API stops serving values cached before
/// it (at once from Redis, within `local_ttl` from its in-process tier). Without `redis.url`
/// there is nobody to tell: in-process tiers live and die with their processes. Never fails;
/// when Redis cannot be reached the values cached there from before the write expire with
/// their class TTL, and the warning says so.
pub fn announce_write(cfg: &Config) {
    let mut opts = CacheOptions::from_config(cfg);
    if opts.redis_url.is_none() {
        return;
    }
    opts.timeout = opts.timeout.max(ANNOUNCE_TIMEOUT);
    match Cache::new(opts) {
        Ok(cache) => {
            if !cache.bump_generation() {
                tracing::warn!(
                    "cache: could not reach Redis to announce this write; values cached before it may be served until their TTL ends"
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "cache: cannot announce this write"),
    }
}

fn decode<T: DeserializeOwned>(class: KeyClass, key: &str, bytes: &[u8]) -> Option<T> {
    match serde_json::from_slice(bytes) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::debug!(class = %class, key, error = %e, "cache: stored value has another shape; recomputing");
            None
        }
    }
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn unavailable(e: redis::RedisError) -> Error {
    Error::unavailable(format!("Redis unavailable: {e}"))
        .with_hint("check [redis] url and that redis-server is running")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_backend_caches_and_sees_its_own_writes() {
        let cache = Cache::new(CacheOptions::default()).unwrap();
        let mut calls = 0;
        let mut read = |cache: &Cache| -> u32 {
            cache
                .get_or_compute(KeyClass::Status, "k", || {
                    calls += 1;
                    Ok::<_, Error>(calls)
                })
                .unwrap()
        };
        assert_eq!(read(&cache), 1);
        assert_eq!(read(&cache), 1);
        cache.bump_generation();
        assert_eq!(read(&cache), 2);
        let s = cache.local_stats();
        assert_eq!((s.local_hits, s.computes), (1, 2));
        assert_eq!(cache.breaker_open(), None);
    }

    #[test]
    fn a_value_computed_before_a_write_is_not_served_after_it() {
        // The write commits and is announced while the read is computing: what that read
        // stores belongs to the old generation.
        let cache = Cache::new(CacheOptions::default()).unwrap();
        let stale: u32 = cache
            .get_or_compute(KeyClass::Metrics, "k", || {
                cache.bump_generation();
                Ok::<_, Error>(1)
            })
            .unwrap();
        assert_eq!(stale, 1);
        let fresh: u32 = cache
            .get_or_compute(KeyClass::Metrics, "k", || Ok::<_, Error>(2))
            .unwrap();
        assert_eq!(fresh, 2);
    }

    #[test]
    fn without_advanced_caching_and_redis_every_read_computes() {
        let cache = Cache::new(CacheOptions {
            local_enabled: false,
            ..CacheOptions::default()
        })
        .unwrap();
        let mut n = 0;
        for _ in 0..3 {
            n = cache
                .get_or_compute(KeyClass::Metrics, "k", || Ok::<_, Error>(n + 1))
                .unwrap();
        }
        assert_eq!(n, 3);
    }

    #[test]
    fn compute_errors_pass_through_and_are_not_cached() {
        let cache = Cache::new(CacheOptions::default()).unwrap();
        let r: std::result::Result<u32, &str> =
            cache.get_or_compute(KeyClass::Logs, "k", || Err("boom"));
        assert_eq!(r, Err("boom"));
        let r: std::result::Result<u32, &str> = cache.get_or_compute(KeyClass::Logs, "k", || Ok(7));
        assert_eq!(r, Ok(7));
    }

    #[test]
    fn bad_url_is_a_config_error() {
        let err = Cache::new(CacheOptions {
            redis_url: Some("nonsense://x".into()),
            ..CacheOptions::default()
        })
        .err()
        .unwrap();
        assert_eq!(err.exit_code(), crate::error::exit::CONFIG);
    }

    #[test]
    fn every_class_has_a_name_and_a_ttl() {
        for c in KeyClass::ALL {
            assert_eq!(KeyClass::from_name(c.name()), Some(c));
            assert!(c.ttl(Duration::from_secs(30)) >= Duration::from_secs(1));
        }
    }
}
