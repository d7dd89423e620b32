//! The health engine: every check of DESIGN "Health", run concurrently, each under its own
//! timeout, reported as a health+json document (draft-inadarei-api-health-check). `vdt health`,
//! `/api/v1/health` and `/readyz` all call [`run_once`]; [`prometheus_text`] renders the same
//! report for node_exporter's textfile collector.
//!
//! Statuses follow DESIGN's table. Where a check cannot decide (its query errored, it timed
//! out), it reports `warn` — except `sqlite:integrity`, where anything but "ok" is `fail`, and
//! network checks, where a timeout means the service is unreachable (also `warn`).

use crate::config::Config;
use crate::store::{Store, StoreOptions};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, Instant};

/// Every check this engine knows, in DESIGN's order.
pub const CHECKS: [&str; 9] = [
    "sqlite:integrity",
    "sqlite:migrations",
    "disk:utilization",
    "redis:connection",
    "redis:memory",
    "firestore:connection",
    "sync:lag",
    "webhooks:rejections",
    "smtp:connection",
];

/// Disk utilization (percent) from which the check warns, and fails.
pub const DISK_WARN_PERCENT: f64 = 90.0;
pub const DISK_FAIL_PERCENT: f64 = 98.0;
/// Redis memory use (percent of `maxmemory`) from which the check warns.
pub const REDIS_WARN_PERCENT: f64 = 80.0;
/// With `maxmemory-policy noeviction` Redis refuses writes at the limit instead of evicting,
/// so "near the limit" starts earlier.
pub const REDIS_NOEVICTION_WARN_PERCENT: f64 = 70.0;
/// Share of rejected webhook deliveries (percent, last hour) above which the check warns.
pub const WEBHOOK_REJECTION_WARN_PERCENT: f64 = 5.0;
/// A collection is lagging past this many sync periods (warn), and failing past the second.
pub const LAG_WARN_PERIODS: u64 = 3;
pub const LAG_FAIL_PERIODS: u64 = 10;

/// pass < warn < fail; the overall status is the worst check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }

    /// The Prometheus encoding: 0 pass, 1 warn, 2 fail.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// One entry of a check's array in the health+json document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    /// Set where a check has one entry per component (`sync:lag`: the collection name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component_id: Option<String>,
    pub component_type: String,
    pub status: Status,
    /// A number, a string, or null when there is nothing to measure.
    pub observed_value: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_unit: Option<String>,
    /// When the check finished, RFC 3339.
    pub time: String,
    /// Why a check is not passing; omitted on pass, as the draft asks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// The health+json document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    pub status: Status,
    pub version: String,
    pub checks: BTreeMap<String, Vec<CheckResult>>,
}

impl HealthReport {
    fn from_checks(checks: BTreeMap<String, Vec<CheckResult>>) -> Self {
        let status = checks
            .values()
            .flatten()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::Pass);
        HealthReport {
            status,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            checks,
        }
    }
}

/// A boxed future, for the pluggable Firestore probe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a Firestore probe did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeError {
    /// Connection refused, reset, timed out, or the service answered "unavailable": warn.
    Unreachable(String),
    /// The credentials were rejected (HTTP 401/403, or the token endpoint refused them): fail.
    Rejected { status: u16, message: String },
    /// Reachable and authenticated, but the answer was unexpected (e.g. 404 for an unknown
    /// database): warn.
    Unexpected { status: u16, message: String },
}

/// A Firestore reachability probe. The Firestore client plugs in here: call
/// `client.list_collection_ids()` and map `FirestoreError::Unavailable` →
/// [`ProbeError::Unreachable`], `PermissionDenied`/`Unauthenticated` → [`ProbeError::Rejected`],
/// anything else → [`ProbeError::Unexpected`].
pub type FirestoreProbe = Box<dyn Fn() -> BoxFuture<'static, Result<(), ProbeError>> + Send + Sync>;

/// Per-check timeouts.
#[derive(Debug, Clone)]
pub struct Timeouts {
    pub default: Duration,
    /// Overrides by check name.
    pub per_check: BTreeMap<String, Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        // quick_check reads every page: give it longer than a network round trip.
        let per_check = BTreeMap::from([("sqlite:integrity".to_owned(), Duration::from_secs(60))]);
        Timeouts {
            default: Duration::from_secs(5),
            per_check,
        }
    }
}

impl Timeouts {
    pub fn of(&self, check: &str) -> Duration {
        self.per_check.get(check).copied().unwrap_or(self.default)
    }
}

/// What a health run needs.
pub struct HealthInput {
    pub db_path: PathBuf,
    pub config: Config,
    /// Run only these checks (names from [`CHECKS`]); empty runs all.
    pub only: Vec<String>,
    pub timeouts: Timeouts,
    /// HOOK for the cache module: the Redis circuit breaker's state. `Some(true)` makes
    /// `redis:connection` warn ("breaker open, cache degraded") even when PING answers.
    /// `None` when the caller has no cache (the one-shot `vdt health`).
    pub breaker_open: Option<bool>,
    /// HOOK for the Firestore client: when set, `firestore:connection` calls it instead of the
    /// built-in HTTP probe (see [`FirestoreProbe`]).
    pub firestore_probe: Option<FirestoreProbe>,
}

impl HealthInput {
    pub fn new(db_path: impl Into<PathBuf>, config: Config) -> Self {
        HealthInput {
            db_path: db_path.into(),
            config,
            only: Vec::new(),
            timeouts: Timeouts::default(),
            breaker_open: None,
            firestore_probe: None,
        }
    }

    fn wants(&self, check: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|c| c == check)
    }
}

/// Names in `names` that are not checks; for `--check` validation.
pub fn unknown_checks(names: &[String]) -> Vec<&str> {
    names
        .iter()
        .map(String::as_str)
        .filter(|n| !CHECKS.contains(n))
        .collect()
}

/// The checks that would run for this config: those whose service is configured.
pub fn configured_checks(config: &Config) -> Vec<&'static str> {
    CHECKS
        .iter()
        .copied()
        .filter(|c| match *c {
            "redis:connection" | "redis:memory" => redis_url(config).is_some(),
            "firestore:connection" => config.firestore.is_configured(),
            "smtp:connection" => config.alerts.smtp.is_some(),
            _ => true,
        })
        .collect()
}

fn redis_url(config: &Config) -> Option<&str> {
    config.redis.url.as_deref().filter(|u| !u.is_empty())
}

/// Run every wanted, configured check once, concurrently, and build the document.
pub async fn run_once(input: &HealthInput) -> HealthReport {
    run_at(input, chrono::Utc::now()).await
}

/// [`run_once`] with the clock given (lag is measured against `now`).
pub async fn run_at(input: &HealthInput, now: chrono::DateTime<chrono::Utc>) -> HealthReport {
    let configured = configured_checks(&input.config);
    let runs = |name: &str| input.wants(name) && configured.contains(&name);
    let (integrity, migrations, disk, redis_conn, redis_mem, firestore, lag, webhooks, smtp) = tokio::join!(
        maybe(runs("sqlite:integrity"), check_integrity(input)),
        maybe(runs("sqlite:migrations"), check_migrations(input)),
        maybe(runs("disk:utilization"), check_disk(input)),
        maybe(runs("redis:connection"), check_redis_connection(input)),
        maybe(runs("redis:memory"), check_redis_memory(input)),
        maybe(runs("firestore:connection"), check_firestore(input)),
        maybe(runs("sync:lag"), check_sync_lag(input, now)),
        maybe(runs("webhooks:rejections"), check_webhooks(input, now)),
        maybe(runs("smtp:connection"), check_smtp(input)),
    );
    let mut checks = BTreeMap::new();
    for (name, result) in CHECKS.iter().zip([
        integrity, migrations, disk, redis_conn, redis_mem, firestore, lag, webhooks, smtp,
    ]) {
        if let Some(entries) = result {
            checks.insert((*name).to_owned(), entries);
        }
    }
    HealthReport::from_checks(checks)
}

async fn maybe<F: Future<Output = Vec<CheckResult>>>(run: bool, f: F) -> Option<Vec<CheckResult>> {
    if run { Some(f.await) } else { None }
}

fn entry(
    component_type: &str,
    status: Status,
    observed_value: Value,
    observed_unit: Option<&str>,
    output: Option<String>,
) -> CheckResult {
    CheckResult {
        component_id: None,
        component_type: component_type.to_owned(),
        status,
        observed_value,
        observed_unit: observed_unit.map(str::to_owned),
        time: crate::store::now(),
        output: if status == Status::Pass { None } else { output },
    }
}

/// An error and its causes on one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let text = c.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = c.source();
    }
    out
}

fn ms_since(start: Instant) -> Value {
    json!((start.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0)
}

/// Run blocking work (SQLite, statvfs) off the async threads, under a timeout.
async fn blocking<T: Send + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    match tokio::time::timeout(timeout, tokio::task::spawn_blocking(f)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!("the check panicked: {e}")),
        Err(_) => Err(format!("did not finish within {}", fmt_dur(timeout))),
    }
}

fn fmt_dur(d: Duration) -> String {
    crate::net::format_duration(d)
}

/// Open the database for reading without migrating it, never creating it.
fn open_db(path: &Path) -> Result<Store, String> {
    if !path.exists() {
        return Err(format!(
            "no database at {} (create it with `vdt init` or `vdt db migrate`)",
            path.display()
        ));
    }
    Store::open_unmigrated(path, &StoreOptions::default())
        .map_err(|e| format!("cannot open {}: {}", path.display(), chain(&e)))
}

// ---- sqlite ----------------------------------------------------------------------------------

async fn check_integrity(input: &HealthInput) -> Vec<CheckResult> {
    let path = input.db_path.clone();
    let result = blocking(input.timeouts.of("sqlite:integrity"), move || {
        let store = open_db(&path)?;
        store.quick_check().map_err(|e| chain(&e))
    })
    .await;
    vec![match result {
        Ok(Ok(text)) if text == "ok" => entry("datastore", Status::Pass, json!("ok"), None, None),
        Ok(Ok(text)) => {
            let short = truncate(&text, 500);
            entry(
                "datastore",
                Status::Fail,
                json!(short),
                None,
                Some(format!("integrity check found problems: {short}")),
            )
        }
        Ok(Err(e)) => entry("datastore", Status::Fail, Value::Null, None, Some(e)),
        // Not knowing is not "ok", but not proof of corruption either.
        Err(e) => entry("datastore", Status::Warn, Value::Null, None, Some(e)),
    }]
}

async fn check_migrations(input: &HealthInput) -> Vec<CheckResult> {
    let path = input.db_path.clone();
    let result = blocking(input.timeouts.of("sqlite:migrations"), move || {
        let store = open_db(&path)?;
        store.pending().map_err(|e| chain(&e))
    })
    .await
    .and_then(|r| r);
    vec![match result {
        Ok(pending) if pending.is_empty() => entry(
            "datastore",
            Status::Pass,
            json!(0),
            Some("migrations"),
            None,
        ),
        Ok(pending) => {
            let names: Vec<String> = pending
                .iter()
                .map(|m| format!("V{}__{}", m.version, m.name))
                .collect();
            entry(
                "datastore",
                Status::Warn,
                json!(pending.len()),
                Some("migrations"),
                Some(format!(
                    "{} pending: {}; apply with `vdt db migrate`",
                    pending.len(),
                    names.join(", ")
                )),
            )
        }
        Err(e) => entry("datastore", Status::Warn, Value::Null, None, Some(e)),
    }]
}

// ---- disk ------------------------------------------------------------------------------------

/// Status of a filesystem `percent` full.
pub fn disk_status(percent: f64) -> Status {
    if percent >= DISK_FAIL_PERCENT {
        Status::Fail
    } else if percent >= DISK_WARN_PERCENT {
        Status::Warn
    } else {
        Status::Pass
    }
}

/// Used share of the filesystem holding `path`, as `df` computes it: used / (used + available
/// to unprivileged users), in percent.
pub fn disk_utilization(path: &Path) -> std::io::Result<f64> {
    // The database may not exist yet: measure the nearest directory that does.
    let mut dir = path.to_path_buf();
    while !dir.exists() {
        if !dir.pop() {
            dir = PathBuf::from(".");
            break;
        }
    }
    let st = rustix::fs::statvfs(&dir).map_err(std::io::Error::from)?;
    let used = st.f_blocks.saturating_sub(st.f_bfree) as f64;
    let avail = st.f_bavail as f64;
    if used + avail <= 0.0 {
        return Ok(0.0);
    }
    Ok(used / (used + avail) * 100.0)
}

async fn check_disk(input: &HealthInput) -> Vec<CheckResult> {
    let path = input.db_path.clone();
    let shown = path.display().to_string();
    let result = blocking(input.timeouts.of("disk:utilization"), move || {
        disk_utilization(&path).map_err(|e| e.to_string())
    })
    .await
    .and_then(|r| r);
    vec![match result {
        Ok(pct) => {
            let status = disk_status(pct);
            let pct = (pct * 10.0).round() / 10.0;
            entry(
                "system",
                status,
                json!(pct),
                Some("percent"),
                Some(format!("the filesystem holding {shown} is {pct} % full")),
            )
        }
        Err(e) => entry(
            "system",
            Status::Warn,
            Value::Null,
            Some("percent"),
            Some(format!("cannot measure the filesystem of {shown}: {e}")),
        ),
    }]
}

// ---- redis -----------------------------------------------------------------------------------

async fn redis_connection(url: &str) -> Result<redis::aio::MultiplexedConnection, String> {
    let client = redis::Client::open(url).map_err(|e| format!("bad redis.url: {e}"))?;
    client
        .get_multiplexed_async_connection()
        .await
        .map_err(|e| e.to_string())
}

/// Redis as a URL safe to print (password removed).
fn redacted(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "redis".to_owned(),
    }
}

async fn check_redis_connection(input: &HealthInput) -> Vec<CheckResult> {
    let url = redis_url(&input.config).unwrap_or_default().to_owned();
    let timeout = input.timeouts.of("redis:connection");
    let start = Instant::now();
    let ping = tokio::time::timeout(timeout, async {
        let mut con = redis_connection(&url).await?;
        redis::cmd("PING")
            .query_async::<String>(&mut con)
            .await
            .map_err(|e| e.to_string())
    })
    .await;
    let where_ = redacted(&url);
    let (status, value, output) = match ping {
        Ok(Ok(_)) if input.breaker_open == Some(true) => (
            Status::Warn,
            ms_since(start),
            Some(format!(
                "{where_} answers, but the cache's circuit breaker is open: reads go to SQLite"
            )),
        ),
        Ok(Ok(_)) => (Status::Pass, ms_since(start), None),
        Ok(Err(e)) => (
            Status::Warn,
            Value::Null,
            Some(format!(
                "{where_} is down ({e}); the cache degrades to SQLite"
            )),
        ),
        Err(_) => (
            Status::Warn,
            Value::Null,
            Some(format!(
                "{where_} did not answer within {}; the cache degrades to SQLite",
                fmt_dur(timeout)
            )),
        ),
    };
    vec![entry("datastore", status, value, Some("ms"), output)]
}

/// The fields of `INFO memory` this check reads.
#[derive(Debug, Clone, PartialEq)]
pub struct RedisMemory {
    pub used_memory: u64,
    pub maxmemory: u64,
    pub policy: String,
}

pub fn parse_info_memory(info: &str) -> Option<RedisMemory> {
    let field = |name: &str| {
        info.lines().find_map(|l| {
            l.trim_end_matches('\r')
                .strip_prefix(name)
                .and_then(|r| r.strip_prefix(':'))
                .map(str::to_owned)
        })
    };
    Some(RedisMemory {
        used_memory: field("used_memory")?.parse().ok()?,
        maxmemory: field("maxmemory")?.parse().ok()?,
        policy: field("maxmemory_policy").unwrap_or_default(),
    })
}

/// Status, percent used (None without a limit), and why.
pub fn redis_memory_status(m: &RedisMemory) -> (Status, Option<f64>, Option<String>) {
    if m.maxmemory == 0 {
        return (Status::Pass, None, None);
    }
    let pct = m.used_memory as f64 / m.maxmemory as f64 * 100.0;
    let shown = (pct * 10.0).round() / 10.0;
    if pct >= REDIS_WARN_PERCENT {
        return (
            Status::Warn,
            Some(pct),
            Some(format!(
                "{shown} % of maxmemory used ({} of {} bytes, policy {})",
                m.used_memory, m.maxmemory, m.policy
            )),
        );
    }
    if m.policy == "noeviction" && pct >= REDIS_NOEVICTION_WARN_PERCENT {
        return (
            Status::Warn,
            Some(pct),
            Some(format!(
                "{shown} % of maxmemory used with maxmemory-policy noeviction: writes will fail at the limit"
            )),
        );
    }
    (Status::Pass, Some(pct), None)
}

async fn check_redis_memory(input: &HealthInput) -> Vec<CheckResult> {
    let url = redis_url(&input.config).unwrap_or_default().to_owned();
    let timeout = input.timeouts.of("redis:memory");
    let info = tokio::time::timeout(timeout, async {
        let mut con = redis_connection(&url).await?;
        redis::cmd("INFO")
            .arg("memory")
            .query_async::<String>(&mut con)
            .await
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|_| Err(format!("no answer within {}", fmt_dur(timeout))));
    vec![match info {
        Ok(text) => match parse_info_memory(&text) {
            Some(m) => {
                let (status, pct, output) = redis_memory_status(&m);
                let value = pct.map_or(Value::Null, |p| json!((p * 10.0).round() / 10.0));
                entry("datastore", status, value, Some("percent"), output)
            }
            None => entry(
                "datastore",
                Status::Warn,
                Value::Null,
                Some("percent"),
                Some("INFO memory lacks used_memory/maxmemory".into()),
            ),
        },
        Err(e) => entry(
            "datastore",
            Status::Warn,
            Value::Null,
            Some("percent"),
            Some(format!(
                "cannot read memory use from {}: {e}",
                redacted(&url)
            )),
        ),
    }]
}

// ---- firestore -------------------------------------------------------------------------------

async fn check_firestore(input: &HealthInput) -> Vec<CheckResult> {
    let timeout = input.timeouts.of("firestore:connection");
    let start = Instant::now();
    let outcome = match &input.firestore_probe {
        Some(probe) => tokio::time::timeout(timeout, probe()).await,
        None => tokio::time::timeout(timeout, http_probe(&input.config, timeout)).await,
    }
    .unwrap_or_else(|_| {
        Err(ProbeError::Unreachable(format!(
            "no answer within {}",
            fmt_dur(timeout)
        )))
    });
    let (status, value, output) = match outcome {
        Ok(()) => (Status::Pass, ms_since(start), None),
        Err(ProbeError::Unreachable(m)) => (
            Status::Warn,
            Value::Null,
            Some(format!("Firestore is unreachable: {m}")),
        ),
        Err(ProbeError::Rejected { status, message }) => (
            Status::Fail,
            Value::Null,
            Some(format!(
                "Firestore rejected the credentials (HTTP {status}): {message}"
            )),
        ),
        Err(ProbeError::Unexpected { status, message }) => (
            Status::Warn,
            Value::Null,
            Some(format!("Firestore answered HTTP {status}: {message}")),
        ),
    };
    vec![entry("datastore", status, value, Some("ms"), output)]
}

/// The built-in probe: the Firestore client's `listCollectionIds` (what `init`'s connection
/// test and the sync engine's first call do), one attempt, no retries: health reports what is
/// true now.
async fn http_probe(config: &Config, timeout: Duration) -> Result<(), ProbeError> {
    use crate::firestore::FirestoreError as E;
    let mut cc = crate::sync::client_config(config).map_err(|e| ProbeError::Unexpected {
        status: 0,
        message: e.to_string(),
    })?;
    cc.timeout = timeout;
    cc.retry.max_attempts = 1;
    let client = crate::firestore::Client::new(cc).map_err(|e| ProbeError::Unexpected {
        status: 0,
        message: e.to_string(),
    })?;
    match client.list_collection_ids().await {
        Ok(_) => Ok(()),
        Err(e) if e.is_unavailable() => Err(ProbeError::Unreachable(e.to_string())),
        Err(e) if e.is_auth_rejected() => Err(ProbeError::Rejected {
            status: match &e {
                E::PermissionDenied { status, .. } => *status,
                _ => 401,
            },
            message: truncate(&e.to_string(), 300),
        }),
        Err(E::RateLimited { message, .. }) => {
            Err(ProbeError::Unreachable(format!("HTTP 429: {message}")))
        }
        Err(E::Http { status, message }) if matches!(status, 500 | 502 | 503 | 504) => {
            Err(ProbeError::Unreachable(format!("HTTP {status}: {message}")))
        }
        Err(E::Http { status, message }) => Err(ProbeError::Unexpected {
            status,
            message: truncate(&message, 300),
        }),
        Err(e) => Err(ProbeError::Unexpected {
            status: 0,
            message: truncate(&e.to_string(), 300),
        }),
    }
}

// ---- sync lag --------------------------------------------------------------------------------

/// Status of a collection synced `lag` ago (None: never) at `frequency`.
pub fn lag_status(lag: Option<Duration>, frequency: Duration) -> Status {
    let Some(lag) = lag else {
        return Status::Warn;
    };
    let freq = frequency.max(Duration::from_secs(1));
    if lag > freq * LAG_FAIL_PERIODS as u32 {
        Status::Fail
    } else if lag > freq * LAG_WARN_PERIODS as u32 {
        Status::Warn
    } else {
        Status::Pass
    }
}

async fn check_sync_lag(
    input: &HealthInput,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<CheckResult> {
    let path = input.db_path.clone();
    let live = input.config.features.live_data_enabled;
    let result = blocking(input.timeouts.of("sync:lag"), move || {
        let store = open_db(&path)?;
        let cols = store.collections().map_err(|e| chain(&e))?;
        let mut out = Vec::new();
        for c in cols.into_iter().filter(|c| c.enabled) {
            let sum = store.sync_summary(&c.name).map_err(|e| chain(&e))?;
            out.push((c, sum));
        }
        Ok::<_, String>(out)
    })
    .await
    .and_then(|r| r);
    let rows = match result {
        Ok(rows) => rows,
        Err(e) => {
            return vec![entry(
                "component",
                Status::Warn,
                Value::Null,
                Some("s"),
                Some(format!("cannot read sync state: {e}")),
            )];
        }
    };
    let off = if live {
        ""
    } else {
        " (live data is disabled: LIVE_DATA_ENABLED=false)"
    };
    rows.into_iter()
        .map(|(c, sum)| {
            let freq = Duration::from_secs(c.sync_frequency);
            let last = sum
                .last_success_at
                .as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&chrono::Utc));
            let lag = last.map(|t| (now - t).to_std().unwrap_or(Duration::ZERO));
            let status = lag_status(lag, freq);
            let output = match (lag, &sum.last_status) {
                (None, _) => format!("{} has never synced successfully{off}", c.name),
                (Some(l), last_status) => {
                    let mut s = format!(
                        "last successful sync {} ago, {:.1}× the {} frequency{off}",
                        fmt_dur(Duration::from_secs(l.as_secs())),
                        l.as_secs_f64() / freq.as_secs_f64(),
                        fmt_dur(freq)
                    );
                    if last_status.as_deref() == Some("error") {
                        s.push_str(&format!(
                            "; the newest run failed: {}",
                            sum.last_error.as_deref().unwrap_or("no message")
                        ));
                    }
                    s
                }
            };
            let value = lag.map_or(Value::Null, |l| json!(l.as_secs()));
            let mut e = entry("component", status, value, Some("s"), Some(output));
            e.component_id = Some(c.name);
            e
        })
        .collect()
}

// ---- webhooks --------------------------------------------------------------------------------

async fn check_webhooks(
    input: &HealthInput,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<CheckResult> {
    let path = input.db_path.clone();
    let since = crate::store::ts(now - chrono::Duration::hours(1));
    let result = blocking(input.timeouts.of("webhooks:rejections"), move || {
        let store = open_db(&path)?;
        store.webhook_counts_since(&since).map_err(|e| chain(&e))
    })
    .await
    .and_then(|r| r);
    vec![match result {
        Ok(c) => {
            let pct = if c.total == 0 {
                0.0
            } else {
                c.rejected as f64 / c.total as f64 * 100.0
            };
            let status = if pct > WEBHOOK_REJECTION_WARN_PERCENT {
                Status::Warn
            } else {
                Status::Pass
            };
            entry(
                "component",
                status,
                json!((pct * 10.0).round() / 10.0),
                Some("percent"),
                Some(format!(
                    "{} of {} webhook deliveries rejected in the last hour",
                    c.rejected, c.total
                )),
            )
        }
        Err(e) => entry(
            "component",
            Status::Warn,
            Value::Null,
            Some("percent"),
            Some(format!("cannot read webhook_logs: {e}")),
        ),
    }]
}

// ---- smtp ------------------------------------------------------------------------------------

async fn check_smtp(input: &HealthInput) -> Vec<CheckResult> {
    let Some(smtp) = &input.config.alerts.smtp else {
        return Vec::new();
    };
    let addr = format!("{}:{}", smtp.host, smtp.port);
    let timeout = input.timeouts.of("smtp:connection");
    let start = Instant::now();
    let greeting = tokio::time::timeout(timeout, smtp_greeting(&addr))
        .await
        .unwrap_or_else(|_| Err(format!("no greeting within {}", fmt_dur(timeout))));
    vec![match greeting {
        Ok(_) => entry("component", Status::Pass, ms_since(start), Some("ms"), None),
        Err(e) => entry(
            "component",
            Status::Warn,
            Value::Null,
            Some("ms"),
            Some(format!("SMTP server {addr} is unreachable: {e}")),
        ),
    }]
}

/// Connect, read the `220` greeting, say QUIT.
async fn smtp_greeting(addr: &str) -> Result<String, String> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        let n = reader
            .read_line(&mut line)
            .await
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("closed before greeting".into());
        }
        let line = line.trim_end().to_owned();
        if !line.starts_with("220") {
            return Err(format!("unexpected greeting {:?}", truncate(&line, 100)));
        }
        // "220-" continues a multi-line greeting; "220 " ends it.
        if line.as_bytes().get(3) != Some(&b'-') {
            let _ = reader.get_mut().write_all(b"QUIT\r\n").await;
            return Ok(line);
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

// ---- Prometheus ------------------------------------------------------------------------------

fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The report as Prometheus text exposition (for node_exporter's textfile collector):
/// `vdt_health_status{check[,collection]}` 0 pass / 1 warn / 2 fail, `vdt_health_overall_status`,
/// `vdt_health_observed_value{check[,collection],unit}` where the value is a number, and
/// `vdt_health_last_run_timestamp_seconds`.
pub fn prometheus_text(report: &HealthReport, run_at: chrono::DateTime<chrono::Utc>) -> String {
    let labels = |name: &str, c: &CheckResult| {
        let mut l = format!("check=\"{}\"", label(name));
        if let Some(id) = &c.component_id {
            l.push_str(&format!(",collection=\"{}\"", label(id)));
        }
        l
    };
    let mut out = String::new();
    out.push_str(
        "# HELP vdt_health_status Health check status: 0 pass, 1 warn, 2 fail.\n\
         # TYPE vdt_health_status gauge\n",
    );
    for (name, entries) in &report.checks {
        for c in entries {
            out.push_str(&format!(
                "vdt_health_status{{{}}} {}\n",
                labels(name, c),
                c.status.code()
            ));
        }
    }
    out.push_str(
        "# HELP vdt_health_overall_status Worst health check status: 0 pass, 1 warn, 2 fail.\n\
         # TYPE vdt_health_overall_status gauge\n",
    );
    out.push_str(&format!(
        "vdt_health_overall_status {}\n",
        report.status.code()
    ));
    out.push_str(
        "# HELP vdt_health_observed_value What a health check measured, in the unit label.\n\
         # TYPE vdt_health_observed_value gauge\n",
    );
    for (name, entries) in &report.checks {
        for c in entries {
            if let Some(v) = c.observed_value.as_f64() {
                out.push_str(&format!(
                    "vdt_health_observed_value{{{},unit=\"{}\"}} {v}\n",
                    labels(name, c),
                    label(c.observed_unit.as_deref().unwrap_or(""))
                ));
            }
        }
    }
    out.push_str(
        "# HELP vdt_health_last_run_timestamp_seconds When vdt health last ran, Unix time.\n\
         # TYPE vdt_health_last_run_timestamp_seconds gauge\n",
    );
    out.push_str(&format!(
        "vdt_health_last_run_timestamp_seconds {:.3}\n",
        run_at.timestamp_millis() as f64 / 1000.0
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_thresholds_follow_the_table() {
        assert_eq!(disk_status(89.9), Status::Pass);
        assert_eq!(disk_status(90.0), Status::Warn);
        assert_eq!(disk_status(97.9), Status::Warn);
        assert_eq!(disk_status(98.0), Status::Fail);
    }

    #[test]
    fn lag_thresholds_follow_the_table() {
        let f = Duration::from_secs(30);
        assert_eq!(lag_status(None, f), Status::Warn);
        assert_eq!(lag_status(Some(Duration::from_secs(90)), f), Status::Pass);
        assert_eq!(lag_status(Some(Duration::from_secs(91)), f), Status::Warn);
        assert_eq!(lag_status(Some(Duration::from_secs(300)), f), Status::Warn);
        assert_eq!(lag_status(Some(Duration::from_secs(301)), f), Status::Fail);
    }

    #[test]
    fn redis_memory_without_limit_passes_with_no_value() {
        let info = "# Memory\r\nused_memory:1000\r\nused_memory_human:1K\r\nmaxmemory:0\r\nmaxmemory_policy:noeviction\r\n";
        let m = parse_info_memory(info).unwrap();
        assert_eq!(m.used_memory, 1000);
        assert_eq!(redis_memory_status(&m), (Status::Pass, None, None));
    }

    #[test]
    fn redis_memory_warns_at_80_percent_and_earlier_with_noeviction() {
        let m = |used, policy: &str| RedisMemory {
            used_memory: used,
            maxmemory: 1000,
            policy: policy.into(),
        };
        assert_eq!(redis_memory_status(&m(799, "allkeys-lru")).0, Status::Pass);
        assert_eq!(redis_memory_status(&m(800, "allkeys-lru")).0, Status::Warn);
        assert_eq!(redis_memory_status(&m(750, "allkeys-lru")).0, Status::Pass);
        assert_eq!(redis_memory_status(&m(750, "noeviction")).0, Status::Warn);
        assert_eq!(redis_memory_status(&m(600, "noeviction")).0, Status::Pass);
    }

    #[test]
    fn overall_status_is_the_worst_check() {
        let c = |s| entry("component", s, Value::Null, None, Some("x".into()));
        let r = HealthReport::from_checks(BTreeMap::from([
            ("a".to_owned(), vec![c(Status::Pass)]),
            ("b".to_owned(), vec![c(Status::Pass), c(Status::Warn)]),
        ]));
        assert_eq!(r.status, Status::Warn);
        assert_eq!(
            HealthReport::from_checks(BTreeMap::new()).status,
            Status::Pass
        );
        // The draft omits output on pass.
        assert_eq!(c(Status::Pass).output, None);
    }

    #[test]
    fn prometheus_labels_are_escaped_and_values_numeric_only() {
        let mut lag = entry("component", Status::Fail, json!(400), Some("s"), None);
        lag.component_id = Some("we\"ird\\name".into());
        let integrity = entry("datastore", Status::Pass, json!("ok"), None, None);
        let r = HealthReport::from_checks(BTreeMap::from([
            ("sync:lag".to_owned(), vec![lag]),
            ("sqlite:integrity".to_owned(), vec![integrity]),
        ]));
        let text = prometheus_text(
            &r,
            chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        );
        assert!(text.contains(
            "vdt_health_status{check=\"sync:lag\",collection=\"we\\\"ird\\\\name\"} 2\n"
        ));
        assert!(text.contains("vdt_health_status{check=\"sqlite:integrity\"} 0\n"));
        assert!(!text.contains("vdt_health_observed_value{check=\"sqlite:integrity\""));
        assert!(text.contains("vdt_health_overall_status 2\n"));
        assert!(text.contains("vdt_health_last_run_timestamp_seconds 1700000000.000\n"));
    }
}
