//! The alert engine: evaluates the config's rules against the metrics engine, moves each alert
//! through inactive → pending → firing → resolved in SQLite, queues notifications in the
//! outbox and delivers them (see [`notify`]).
//!
//! Guarantees, and how:
//! - A restart neither re-notifies nor forgets: all state is in `alerts`; a notification is
//!   queued at most once per (alert, episode, kind, channel) thanks to the outbox's unique
//!   `dedup_key`.
//! - Two `alerts check` at once never send the same notification twice: evaluation runs in one
//!   IMMEDIATE transaction (the second sees the first's state), and delivery claims outbox rows
//!   atomically with a lease.
//! - Ack mutes one firing alert until it resolves; a silence mutes a rule until it expires.
//!   Notifications they suppress are never queued. A firing alert whose silence ends is
//!   notified then, as it was never announced. The resolution of an acknowledged alert is
//!   still sent (where `send_resolved`); that of a silenced rule, or of an alert never
//!   announced, is not.
//! - Delivery is at least once: a sender that dies between sending and recording loses its
//!   lease ([`notify::LEASE`]) and the row is sent again by the next run.

pub mod notify;

use crate::config::{Config, Env, Rule};
use crate::error::Result;
use crate::metrics::{MetricRequest, MetricValue};
use crate::store::alerts::{AlertRow, AlertsTx, NewEvent};
use crate::store::{Store, StoreOptions};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What `run_once` needs: the config, where the database is, the environment (for secrets)
/// and the evaluation time (`None`: now).
#[derive(Debug, Clone)]
pub struct AlertContext {
    pub config: Config,
    pub db_path: PathBuf,
    pub store_options: StoreOptions,
    pub env: Env,
    pub now: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions {
    /// Evaluate and report; send nothing, change no state.
    pub dry_run: bool,
}

/// The result of one evaluation, the `alerts check --json` document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    /// Rules evaluated.
    pub evaluated: usize,
    /// Every alert firing after this evaluation.
    pub firing: Vec<AlertSummary>,
    /// Every alert pending after this evaluation.
    pub pending: Vec<AlertSummary>,
    /// Alerts that resolved in this evaluation.
    pub resolved: Vec<AlertSummary>,
    /// Deliveries attempted in this run (with `--dry-run`: what would be queued).
    pub notifications: Vec<NotificationResult>,
    /// Whether this run committed an alert state change (a transition, a queued or delivered
    /// notification): what the cache generation must be bumped for. Not part of the JSON.
    #[serde(skip)]
    pub changed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertSummary {
    pub id: i64,
    pub rule: String,
    pub severity: String,
    pub value: Option<f64>,
    /// When the alert entered its current state.
    pub since: Option<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationResult {
    pub channel: String,
    /// `sent`; `retry` (failed, will be retried); `failed` (final); `dry_run`.
    pub status: String,
    pub error: Option<String>,
    pub rule: String,
    /// `firing`, `repeat`, `resolved`.
    pub kind: String,
    pub alert_id: Option<i64>,
}

impl CheckReport {
    /// The highest severity among firing alerts.
    pub fn max_firing_severity(&self) -> Option<crate::config::Severity> {
        use crate::config::Severity;
        self.firing
            .iter()
            .filter_map(|a| match a.severity.as_str() {
                "info" => Some(Severity::Info),
                "warning" => Some(Severity::Warning),
                "critical" => Some(Severity::Critical),
                _ => None,
            })
            .max()
    }
}

/// Evaluate every rule once, then (unless a dry run) deliver due notifications.
pub async fn run_once(ctx: &AlertContext, opts: &CheckOptions) -> Result<CheckReport> {
    let now = ctx.now.unwrap_or_else(Utc::now);
    let mut store = Store::open(&ctx.db_path, &ctx.store_options)?;
    let mut report = evaluate(&mut store, &ctx.config, now, opts.dry_run)?;
    if !opts.dry_run {
        report.notifications =
            notify::deliver_due(&mut store, &ctx.config, &ctx.env, Utc::now()).await?;
        report.changed |= !report.notifications.is_empty();
    } else {
        report.changed = false;
    }
    Ok(report)
}

fn compare(value: f64, op: &str, threshold: f64) -> bool {
    match op {
        ">" => value > threshold,
        ">=" => value >= threshold,
        "<" => value < threshold,
        "<=" => value <= threshold,
        "==" => value == threshold,
        "!=" => value != threshold,
        _ => false,
    }
}

fn group_key(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// A stable id for an alert: the first 16 hex digits of SHA-256 over rule and group.
pub fn fingerprint(rule: &str, group_key: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{rule}\n{group_key}").as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn summary(a: &AlertRow) -> AlertSummary {
    AlertSummary {
        id: a.id,
        rule: a.rule.clone(),
        severity: a.severity.clone(),
        value: a.value,
        since: a.since(),
        labels: a.labels.clone(),
    }
}

/// What a notification carries, frozen when it is queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    pub alert_id: i64,
    pub rule: String,
    /// `firing`, `repeat`, `resolved`.
    pub kind: String,
    pub severity: String,
    pub metric: String,
    pub op: String,
    pub threshold: f64,
    pub window: String,
    pub value: Option<f64>,
    pub labels: BTreeMap<String, String>,
    pub group_labels: BTreeMap<String, String>,
    pub firing_since: Option<String>,
    pub resolved_at: Option<String>,
    pub fingerprint: String,
    pub description: Option<String>,
    pub at: String,
}

/// `cache_hit_ratio` and `redis_memory_ratio` come from the cache (Redis counters shared by every
/// process, and `INFO memory`), not from SQLite; without Redis they have no value and never fire.
fn fill_cache_metrics(
    cfg: &Config,
    requests: &[MetricRequest],
    values: &mut [Vec<crate::metrics::MetricValue>],
) {
    let wanted = |m: &str| m == "cache_hit_ratio" || m == "redis_memory_ratio";
    if cfg.redis.url.is_none() || !requests.iter().any(|r| wanted(&r.metric)) {
        return;
    }
    let (hit, memory) = match crate::cache::Cache::from_config(cfg) {
        Ok(cache) => cache.ratios(),
        Err(e) => {
            tracing::warn!(error = %e, "cache metrics unavailable");
            return;
        }
    };
    for (r, vals) in requests.iter().zip(values.iter_mut()) {
        let value = match r.metric.as_str() {
            "cache_hit_ratio" => hit,
            "redis_memory_ratio" => memory,
            _ => continue,
        };
        *vals = vec![crate::metrics::MetricValue {
            labels: BTreeMap::new(),
            value,
        }];
    }
}

/// Evaluate every rule at `now` and apply the transitions in one transaction (rolled back for
/// a dry run). The report's `notifications` lists, for a dry run, what would be queued.
pub fn evaluate(
    store: &mut Store,
    cfg: &Config,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<CheckReport> {
    let rules = &cfg.alerts.rules;
    let requests: Vec<MetricRequest> = rules
        .iter()
        .map(|r| MetricRequest {
            metric: r.metric.clone(),
            window: r.window.0,
            labels: r.labels.clone(),
            group_by: r.group_by.clone(),
        })
        .collect();
    let mut values = crate::metrics::evaluate_many(store, now, &requests)?;
    fill_cache_metrics(cfg, &requests, &mut values);
    let now_s = crate::store::ts(now);
    store.alerts_tx(!dry_run, |tx| {
        let mut report = CheckReport {
            evaluated: rules.len(),
            ..CheckReport::default()
        };
        for (rule, vals) in rules.iter().zip(&values) {
            apply_rule(tx, rule, vals, now, &now_s, dry_run, &mut report)?;
        }
        let names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
        for mut a in tx.active_alerts_not_of(&names)? {
            // The rule left the config: close its alerts without notifying anyone.
            let kind = if a.state == "firing" {
                "resolved"
            } else {
                "inactive"
            };
            a.state = kind.to_owned();
            report.changed = true;
            if kind == "resolved" {
                a.resolved_at = Some(now_s.clone());
                tx.event(&NewEvent {
                    alert_id: Some(a.id),
                    rule: &a.rule,
                    kind: "resolved",
                    at: &now_s,
                    value: a.value,
                    comment: Some("rule no longer configured"),
                    ..NewEvent::default()
                })?;
                report.resolved.push(summary(&a));
            }
            tx.update_alert(&a)?;
        }
        Ok(report)
    })
}

fn apply_rule(
    tx: &AlertsTx<'_>,
    rule: &Rule,
    vals: &[MetricValue],
    now: DateTime<Utc>,
    now_s: &str,
    dry_run: bool,
    report: &mut CheckReport,
) -> Result<()> {
    let mut existing = tx.alerts_of_rule(&rule.name)?;
    let silenced = tx.silenced_until(&rule.name, now_s)?.is_some();
    // Every observed group, then every known alert of the rule that was not observed (its
    // group vanished from the window: no data, so it cannot stay firing).
    let mut work: Vec<(BTreeMap<String, String>, Option<f64>)> =
        vals.iter().map(|v| (v.labels.clone(), v.value)).collect();
    for a in &existing {
        let seen = work.iter().any(|(l, _)| group_key(l) == a.group_key);
        if !seen && matches!(a.state.as_str(), "pending" | "firing") {
            let group: BTreeMap<String, String> = a
                .labels
                .iter()
                .filter(|(k, _)| rule.group_by.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            work.push((group, None));
        }
    }
    for (group, value) in work {
        let key = group_key(&group);
        let cond = value.is_some_and(|v| compare(v, &rule.op, rule.threshold));
        let pos = existing.iter().position(|a| a.group_key == key);
        if pos.is_none() && !cond {
            continue;
        }
        let mut a = match pos {
            Some(i) => existing.swap_remove(i),
            None => {
                let mut labels = rule.labels.clone();
                labels.extend(group.clone());
                let mut a = AlertRow {
                    id: 0,
                    rule: rule.name.clone(),
                    group_key: key.clone(),
                    labels,
                    severity: rule.severity.as_str().to_owned(),
                    state: "inactive".into(),
                    value,
                    pending_since: None,
                    firing_since: None,
                    resolved_at: None,
                    last_eval_at: Some(now_s.to_owned()),
                    last_notified_at: None,
                    acked_by: None,
                    acked_at: None,
                    ack_comment: None,
                    fingerprint: fingerprint(&rule.name, &key),
                    episode: 0,
                };
                a.id = tx.insert_alert(&a)?;
                a
            }
        };
        a.value = value;
        a.last_eval_at = Some(now_s.to_owned());
        a.severity = rule.severity.as_str().to_owned();
        let mut labels = rule.labels.clone();
        labels.extend(group.clone());
        a.labels = labels;
        let event = |tx: &AlertsTx<'_>, a: &AlertRow, kind: &str| {
            tx.event(&NewEvent {
                alert_id: Some(a.id),
                rule: &a.rule,
                kind,
                at: now_s,
                value: a.value,
                ..NewEvent::default()
            })
        };
        let notified_this_episode = |a: &AlertRow| match (&a.last_notified_at, &a.firing_since) {
            (Some(n), Some(f)) => n >= f,
            _ => false,
        };
        let mut queue: Option<&str> = None;
        let state_before = a.state.clone();
        match (a.state.as_str(), cond) {
            ("inactive" | "resolved", true) => {
                a.pending_since = Some(now_s.to_owned());
                a.resolved_at = None;
                if rule.for_.0.is_zero() {
                    enter_firing(&mut a, now_s);
                    event(tx, &a, "firing")?;
                } else {
                    a.state = "pending".into();
                    event(tx, &a, "pending")?;
                }
            }
            ("pending", true) => {
                let since = a
                    .pending_since
                    .as_deref()
                    .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                    .map_or(now, |t| t.with_timezone(&Utc));
                if (now - since).to_std().unwrap_or_default() >= rule.for_.0 {
                    enter_firing(&mut a, now_s);
                    event(tx, &a, "firing")?;
                }
            }
            ("pending", false) => {
                a.state = "inactive".into();
                a.pending_since = None;
            }
            ("firing", false) => {
                let was_notified = notified_this_episode(&a);
                a.state = "resolved".into();
                a.resolved_at = Some(now_s.to_owned());
                event(tx, &a, "resolved")?;
                report.resolved.push(summary(&a));
                if rule.send_resolved && !silenced && was_notified {
                    queue = Some("resolved");
                }
            }
            _ => {}
        }
        if a.state == "firing" {
            let muted = silenced || a.acked_at.is_some();
            if !muted {
                if !notified_this_episode(&a) {
                    queue = Some("firing");
                } else if !rule.repeat_interval.0.is_zero()
                    && a.last_notified_at
                        .as_deref()
                        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                        .is_some_and(|t| {
                            (now - t.with_timezone(&Utc)).to_std().unwrap_or_default()
                                >= rule.repeat_interval.0
                        })
                {
                    queue = Some("repeat");
                }
            }
            report.firing.push(summary(&a));
        } else if a.state == "pending" {
            report.pending.push(summary(&a));
        }
        report.changed |= a.state != state_before || (queue.is_some() && !rule.channels.is_empty());
        if let Some(kind) = queue
            && !rule.channels.is_empty()
        {
            let payload = Payload {
                alert_id: a.id,
                rule: rule.name.clone(),
                kind: kind.to_owned(),
                severity: a.severity.clone(),
                metric: rule.metric.clone(),
                op: rule.op.clone(),
                threshold: rule.threshold,
                window: rule.window.to_string(),
                value: a.value,
                labels: a.labels.clone(),
                group_labels: group.clone(),
                firing_since: a.firing_since.clone(),
                resolved_at: a.resolved_at.clone(),
                fingerprint: a.fingerprint.clone(),
                description: rule.description.clone(),
                at: now_s.to_owned(),
            };
            let body = serde_json::to_string(&payload).unwrap_or_default();
            // The repeat key names the notification it follows, so racing evaluators agree.
            let stamp = match kind {
                "repeat" => format!(":{}", a.last_notified_at.as_deref().unwrap_or("")),
                _ => String::new(),
            };
            for ch in &rule.channels {
                let dedup = format!("alert:{}:episode:{}:{kind}{stamp}:{ch}", a.id, a.episode);
                if tx.enqueue(a.id, ch, kind, &dedup, &body, now_s)? && dry_run {
                    report.notifications.push(NotificationResult {
                        channel: ch.clone(),
                        status: "dry_run".into(),
                        error: None,
                        rule: rule.name.clone(),
                        kind: kind.to_owned(),
                        alert_id: Some(a.id),
                    });
                }
            }
            if kind != "resolved" {
                a.last_notified_at = Some(now_s.to_owned());
            }
        }
        tx.update_alert(&a)?;
    }
    Ok(())
}

fn enter_firing(a: &mut AlertRow, now_s: &str) {
    a.state = "firing".into();
    a.episode += 1;
    a.firing_since = Some(now_s.to_owned());
    a.resolved_at = None;
    // An acknowledgement belongs to the episode it was given in.
    a.acked_by = None;
    a.acked_at = None;
    a.ack_comment = None;
}
