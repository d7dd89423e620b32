//! Every config section of DESIGN as typed structs with their defaults, and the checks that
//! serde alone cannot make (names that must exist, values that must parse).

use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A duration written as `30s`, `5m`, `1h30m`, `7d` (or a bare number of seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Dur(pub Duration);

impl Dur {
    pub const fn secs(s: u64) -> Self {
        Dur(Duration::from_secs(s))
    }
    pub const fn millis(ms: u64) -> Self {
        Dur(Duration::from_millis(ms))
    }
}

impl std::fmt::Display for Dur {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::net::format_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(i64),
            Text(String),
        }
        match Raw::deserialize(d).map_err(|_| {
            serde::de::Error::custom("expected a duration such as \"30s\", \"5m\" or \"1h\"")
        })? {
            Raw::Secs(n) if n >= 0 => Ok(Dur(Duration::from_secs(n as u64))),
            Raw::Secs(n) => Err(serde::de::Error::custom(format!(
                "invalid duration {n}: must not be negative"
            ))),
            Raw::Text(s) => crate::net::parse_duration(&s)
                .map(Dur)
                .map_err(serde::de::Error::custom),
        }
    }
}

impl Serialize for Dur {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// A byte size written as `1MiB`, `512KiB`, `10MB` or a bare number of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub u64);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bytes(u64),
            Text(String),
        }
        match Raw::deserialize(d)
            .map_err(|_| serde::de::Error::custom("expected a size such as \"1MiB\""))?
        {
            Raw::Bytes(n) => Ok(Size(n)),
            Raw::Text(s) => crate::net::parse_size(&s)
                .map(Size)
                .map_err(serde::de::Error::custom),
        }
    }
}

impl Serialize for Size {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let n = self.0;
        let text = if n > 0 && n.is_multiple_of(1 << 20) {
            format!("{}MiB", n >> 20)
        } else if n > 0 && n.is_multiple_of(1024) {
            format!("{}KiB", n >> 10)
        } else {
            n.to_string()
        };
        s.serialize_str(&text)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub store: StoreConfig,
    pub firestore: FirestoreConfig,
    pub sync: SyncConfig,
    pub redis: RedisConfig,
    pub api: ApiConfig,
    pub webhooks: WebhooksConfig,
    pub alerts: AlertsConfig,
    pub retention: RetentionConfig,
    pub features: FeaturesConfig,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    #[default]
    Normal,
    Full,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    pub synchronous: Synchronous,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FirestoreConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    pub database: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emulator_host: Option<String>,
    /// Replaces https://firestore.googleapis.com (a regional endpoint or a proxy); ignored
    /// when `emulator_host` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Per-request timeout.
    pub timeout: Dur,
}

impl Default for FirestoreConfig {
    fn default() -> Self {
        FirestoreConfig {
            project_id: None,
            database: "(default)".into(),
            credentials_file: None,
            emulator_host: None,
            base_url: None,
            timeout: Dur::secs(30),
        }
    }
}

impl FirestoreConfig {
    /// Firestore is configured once a project id is known.
    pub fn is_configured(&self) -> bool {
        self.project_id.as_deref().is_some_and(|p| !p.is_empty())
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CollectionKind {
    Traces,
    #[default]
    Documents,
}

impl CollectionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CollectionKind::Traces => "traces",
            CollectionKind::Documents => "documents",
        }
    }
}

impl std::str::FromStr for CollectionKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "traces" => Ok(CollectionKind::Traces),
            "documents" => Ok(CollectionKind::Documents),
            _ => Err(format!(
                "unknown collection kind {s:?}: expected traces or documents"
            )),
        }
    }
}

/// The cursor field a `traces` collection uses unless told otherwise.
pub const TRACES_DEFAULT_CURSOR: &str = "updated_at";

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionSeed {
    pub name: String,
    #[serde(default)]
    pub kind: CollectionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<Dur>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncConfig {
    pub default_frequency: Dur,
    pub concurrency: u32,
    pub page_size: u32,
    pub reconcile_every: Dur,
    /// How far an incremental run re-reads behind its cursor, for writes that land out of order.
    pub overlap: Dur,
    pub collections: Vec<CollectionSeed>,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            default_frequency: Dur::secs(30),
            concurrency: 4,
            page_size: 500,
            reconcile_every: Dur::secs(3600),
            overlap: Dur::secs(5),
            collections: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisConfig {
    /// Unset: no Redis; the cache keeps its in-process tier only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub prefix: String,
    pub default_ttl: Dur,
    /// Per-operation timeout; past it the read goes to SQLite.
    pub timeout: Dur,
}

impl Default for RedisConfig {
    fn default() -> Self {
        RedisConfig {
            url: None,
            prefix: "vdt:".into(),
            default_ttl: Dur::secs(30),
            timeout: Dur::millis(50),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    pub bind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_env: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_token_env: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_token_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    pub cors_origins: Vec<String>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            bind: "127.0.0.1:8080".into(),
            token: None,
            token_env: Some("VDT_API_TOKEN".into()),
            token_file: None,
            read_token: None,
            read_token_env: Some("VDT_API_READ_TOKEN".into()),
            read_token_file: None,
            public_url: None,
            cors_origins: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: 100.0,
            burst: 200,
        }
    }
}

pub const WEBHOOK_SCHEMES: [&str; 6] = [
    "standard",
    "github",
    "stripe",
    "slack",
    "shopify",
    "hmac-sha256",
];

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSource {
    pub name: String,
    pub scheme: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_header: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_file: Option<PathBuf>,
    #[serde(default = "default_tolerance")]
    pub tolerance: Dur,
    #[serde(default)]
    pub rate_limit: RateLimit,
    #[serde(default = "default_allow_ips")]
    pub allow_ips: Vec<String>,
    #[serde(default = "default_true")]
    pub enabled: bool,
}

fn default_tolerance() -> Dur {
    Dur::secs(300)
}

fn default_allow_ips() -> Vec<String> {
    vec!["0.0.0.0/0".into(), "::/0".into()]
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksConfig {
    pub bind: String,
    pub max_body: Size,
    pub read_timeout: Dur,
    pub write_timeout: Dur,
    /// Request handlers; 0 picks one per core, at least 4. While every one of them waits on a
    /// client's body, more are started (at most 64 more), each stopping once another is free.
    pub workers: u32,
    pub trusted_proxies: Vec<String>,
    pub sources: Vec<WebhookSource>,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        WebhooksConfig {
            bind: "127.0.0.1:8081".into(),
            max_body: Size(1 << 20),
            read_timeout: Dur::secs(10),
            write_timeout: Dur::secs(10),
            workers: 0,
            trusted_proxies: Vec::new(),
            sources: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub starttls: bool,
    pub from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username_env: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    pub timeout: Dur,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: 25,
            starttls: false,
            from: "vdt@localhost".into(),
            username: None,
            username_env: None,
            username_file: None,
            password: None,
            password_env: None,
            password_file: None,
            timeout: Dur::secs(10),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelType {
    Email,
    Webhook,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ChannelType,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// The metric names of DESIGN "Metrics" that rules may use.
pub const METRICS: [&str; 15] = [
    "traces_total",
    "error_rate",
    "success_rate",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "cost_usd",
    "tokens_total",
    "sync_lag_seconds",
    "sync_failures",
    "sync_success_rate",
    "webhook_rejected_rate",
    "webhook_p99_ms",
    "cache_hit_ratio",
    "redis_memory_ratio",
];

pub const OPERATORS: [&str; 6] = [">", ">=", "<", "<=", "==", "!="];

/// Labels a rule may filter or group by.
pub const RULE_LABELS: [&str; 4] = ["model", "project", "collection", "source"];

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    pub metric: String,
    #[serde(default = "default_window")]
    pub window: Dur,
    pub op: String,
    pub threshold: f64,
    #[serde(default, rename = "for")]
    pub for_: Dur,
    #[serde(default = "default_severity")]
    pub severity: Severity,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub group_by: Vec<String>,
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default = "default_repeat")]
    pub repeat_interval: Dur,
    #[serde(default = "default_true")]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

fn default_window() -> Dur {
    Dur::secs(300)
}
fn default_severity() -> Severity {
    Severity::Warning
}
fn default_repeat() -> Dur {
    Dur::secs(4 * 3600)
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    pub interval: Dur,
    /// Unset: no SMTP server is configured and email channels cannot deliver.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp: Option<SmtpConfig>,
    pub channels: Vec<Channel>,
    pub rules: Vec<Rule>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            interval: Dur::secs(15),
            smtp: None,
            channels: Vec::new(),
            rules: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    pub webhook_logs: Dur,
    pub sync_status: Dur,
    pub alert_events: Dur,
    pub deleted_documents: Dur,
    pub backups: u32,
    /// How often `vdt serve` applies the above (default 1h; at least 1s). An addition to
    /// DESIGN's `[retention]`: a soak or a small disk may want it more often.
    pub prune_every: Dur,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            webhook_logs: Dur::secs(30 * 86400),
            sync_status: Dur::secs(30 * 86400),
            alert_events: Dur::secs(180 * 86400),
            deleted_documents: Dur::secs(30 * 86400),
            backups: 5,
            prune_every: Dur::secs(3600),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeaturesConfig {
    pub live_data_enabled: bool,
    /// `serve` also evaluates alert rules right after ingest (webhook batches, sync pages),
    /// at most once a second (`serve::REAL_TIME_GAP`), besides every `alerts.interval`.
    pub real_time_alerts: bool,
    pub advanced_caching: bool,
}

impl Default for FeaturesConfig {
    fn default() -> Self {
        FeaturesConfig {
            live_data_enabled: true,
            real_time_alerts: true,
            advanced_caching: true,
        }
    }
}

fn check_bind(key: &str, v: &str) -> Result<()> {
    v.parse::<SocketAddr>().map(|_| ()).map_err(|_| {
        Error::config(format!(
            "config key `{key}`: {v:?} is not an address such as 127.0.0.1:8080"
        ))
    })
}

fn check_unique<'a>(section: &str, names: impl Iterator<Item = &'a str>) -> Result<()> {
    let mut seen = BTreeSet::new();
    for n in names {
        if n.trim().is_empty() {
            return Err(Error::config(format!("{section}: a name is empty")));
        }
        if !seen.insert(n) {
            return Err(Error::config(format!(
                "{section}: name {n:?} is used twice"
            )));
        }
    }
    Ok(())
}

fn check_cidrs(key: &str, list: &[String]) -> Result<()> {
    for c in list {
        c.parse::<crate::net::IpNet>()
            .map_err(|e| Error::config(format!("config key `{key}`: {e}")))?;
    }
    Ok(())
}

impl Config {
    /// Check what serde cannot; returns warnings (inline secrets) for `config validate`.
    pub fn validate(&self) -> Result<Vec<String>> {
        let mut warnings = Vec::new();
        if self.sync.concurrency == 0 {
            return Err(Error::config(
                "config key `sync.concurrency`: must be at least 1",
            ));
        }
        if !(1..=10_000).contains(&self.sync.page_size) {
            return Err(Error::config(
                "config key `sync.page_size`: must be 1 to 10000",
            ));
        }
        if self.sync.default_frequency.0 < Duration::from_secs(1) {
            return Err(Error::config(
                "config key `sync.default_frequency`: must be at least 1s",
            ));
        }
        check_unique(
            "sync.collections",
            self.sync.collections.iter().map(|c| c.name.as_str()),
        )?;
        for c in &self.sync.collections {
            crate::store::check_collection_name(&c.name).map_err(|e| {
                Error::config(format!("config key `sync.collections` ({}): {e}", c.name))
            })?;
            if c.frequency.is_some_and(|f| f.0 < Duration::from_secs(1)) {
                return Err(Error::config(format!(
                    "config key `sync.collections.frequency` ({}): must be at least 1s",
                    c.name
                )));
            }
        }
        if let Some(url) = &self.redis.url
            && !(url.starts_with("redis://")
                || url.starts_with("rediss://")
                || url.starts_with("unix://")
                || url.starts_with("redis+unix://"))
        {
            return Err(Error::config(format!(
                "config key `redis.url`: {url:?} is not a redis:// URL"
            )));
        }
        if self.retention.prune_every.0 < Duration::from_secs(1) {
            return Err(Error::config(
                "config key `retention.prune_every`: must be at least 1s",
            ));
        }
        check_bind("api.bind", &self.api.bind)?;
        check_bind("webhooks.bind", &self.webhooks.bind)?;
        if self.webhooks.max_body.0 == 0 {
            return Err(Error::config(
                "config key `webhooks.max_body`: must be above 0",
            ));
        }
        check_cidrs("webhooks.trusted_proxies", &self.webhooks.trusted_proxies)?;
        check_unique(
            "webhooks.sources",
            self.webhooks.sources.iter().map(|s| s.name.as_str()),
        )?;
        for s in &self.webhooks.sources {
            let key = format!("webhooks.sources ({})", s.name);
            if !s
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
            {
                return Err(Error::config(format!(
                    "{key}: name may hold only letters, digits, '-', '_' and '.'"
                )));
            }
            if !WEBHOOK_SCHEMES.contains(&s.scheme.as_str()) {
                return Err(Error::config(format!(
                    "{key}: unknown scheme {:?}; expected one of {}",
                    s.scheme,
                    WEBHOOK_SCHEMES.join(", ")
                )));
            }
            if s.scheme == "hmac-sha256" && s.header.as_deref().is_none_or(str::is_empty) {
                return Err(Error::config(format!(
                    "{key}: scheme hmac-sha256 needs `header`, the header that carries the digest"
                )));
            }
            if s.secret.is_none() && s.secret_env.is_none() && s.secret_file.is_none() {
                return Err(Error::config(format!(
                    "{key}: no secret; set `secret_env` (the name of an environment variable) or `secret_file`"
                )));
            }
            // The limiter's own constructor decides, so config and receiver cannot disagree
            // (it also refuses an infinite rate and one finer than a nanosecond).
            crate::webhooks::ratelimit::RateLimiter::try_new(
                s.rate_limit.per_second,
                s.rate_limit.burst,
            )
            .map_err(|e| Error::config(format!("{key}: {e}")))?;
            check_cidrs(&format!("{key}.allow_ips"), &s.allow_ips)?;
            if s.secret.is_some() {
                warnings.push(format!(
                    "{key}: inline `secret`; prefer `secret_env` or `secret_file`"
                ));
            }
        }
        check_unique(
            "alerts.channels",
            self.alerts.channels.iter().map(|c| c.name.as_str()),
        )?;
        for c in &self.alerts.channels {
            let key = format!("alerts.channels ({})", c.name);
            match c.kind {
                ChannelType::Email if c.to.is_empty() => {
                    return Err(Error::config(format!("{key}: an email channel needs `to`")));
                }
                ChannelType::Webhook if c.url.is_none() => {
                    return Err(Error::config(format!(
                        "{key}: a webhook channel needs `url`"
                    )));
                }
                _ => {}
            }
            if let Some(url) = &c.url
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                return Err(Error::config(format!(
                    "{key}: url {url:?} must start with http:// or https://"
                )));
            }
            if c.secret.is_some() {
                warnings.push(format!(
                    "{key}: inline `secret`; prefer `secret_env` or `secret_file`"
                ));
            }
        }
        check_unique(
            "alerts.rules",
            self.alerts.rules.iter().map(|r| r.name.as_str()),
        )?;
        for r in &self.alerts.rules {
            let key = format!("alerts.rules ({})", r.name);
            if !METRICS.contains(&r.metric.as_str()) {
                return Err(Error::config(format!(
                    "{key}: unknown metric {:?}; expected one of {}",
                    r.metric,
                    METRICS.join(", ")
                )));
            }
            if !OPERATORS.contains(&r.op.as_str()) {
                return Err(Error::config(format!(
                    "{key}: unknown operator {:?}; expected one of {}",
                    r.op,
                    OPERATORS.join(" ")
                )));
            }
            if !r.threshold.is_finite() {
                return Err(Error::config(format!(
                    "{key}: threshold must be a finite number"
                )));
            }
            if r.window.0.is_zero() {
                return Err(Error::config(format!("{key}: window must be above 0")));
            }
            for l in r.labels.keys().chain(r.group_by.iter()) {
                if !RULE_LABELS.contains(&l.as_str()) {
                    return Err(Error::config(format!(
                        "{key}: unknown label {l:?}; expected one of {}",
                        RULE_LABELS.join(", ")
                    )));
                }
            }
            for ch in &r.channels {
                if !self.alerts.channels.iter().any(|c| &c.name == ch) {
                    return Err(Error::config(format!(
                        "{key}: unknown channel {ch:?}; define it under [[alerts.channels]]"
                    )));
                }
            }
        }
        if let Some(smtp) = &self.alerts.smtp {
            if smtp.password.is_some() || smtp.username.is_some() {
                warnings.push(
                    "alerts.smtp: inline credentials; prefer `username_env`/`password_env`".into(),
                );
            }
            if smtp.host.is_empty() {
                return Err(Error::config(
                    "config key `alerts.smtp.host`: must not be empty",
                ));
            }
        }
        if self.api.token.is_some() || self.api.read_token.is_some() {
            warnings.push("api: inline token; prefer `token_env` or `token_file`".into());
        }
        if let Some(origin) = self
            .api
            .cors_origins
            .iter()
            .find(|o| !(o.starts_with("http://") || o.starts_with("https://")))
        {
            return Err(Error::config(format!(
                "config key `api.cors_origins`: {origin:?} is not an origin such as https://example.com"
            )));
        }
        Ok(warnings)
    }

    /// The email/webhook channels an SMTP-less config cannot deliver to.
    pub fn channel(&self, name: &str) -> Option<&Channel> {
        self.alerts.channels.iter().find(|c| c.name == name)
    }

    /// A copy fit to show: every inline secret replaced.
    pub fn redacted(&self) -> Config {
        const R: &str = "<redacted>";
        let mut c = self.clone();
        let red = |v: &mut Option<String>| {
            if v.is_some() {
                *v = Some(R.into());
            }
        };
        red(&mut c.api.token);
        red(&mut c.api.read_token);
        for s in &mut c.webhooks.sources {
            red(&mut s.secret);
        }
        for ch in &mut c.alerts.channels {
            red(&mut ch.secret);
        }
        if let Some(smtp) = &mut c.alerts.smtp {
            red(&mut smtp.password);
            red(&mut smtp.username);
        }
        if let Some(url) = &mut c.redis.url
            && let Some(at) = url.find('@')
            && let Some(scheme_end) = url.find("://")
            && scheme_end + 3 < at
        {
            *url = format!("{}{}{}", &url[..scheme_end + 3], R, &url[at..]);
        }
        c
    }
}
