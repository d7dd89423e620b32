//! Delivering the notification outbox: email through lettre (SMTP, STARTTLS when configured)
//! and webhooks with an Alertmanager v4-shaped body signed with Standard Webhooks headers.
//! Each attempt is counted; a failure is retried with exponential backoff and, after
//! [`MAX_ATTEMPTS`], recorded as failed with its error.

use super::{NotificationResult, Payload};
use crate::config::{Channel, ChannelType, Config, Env, SecretRef};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::alerts::OutboxRow;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::time::Duration;

/// Attempts before a notification is given up as failed.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a sender holds a claimed row before another may take it over.
pub const LEASE: Duration = Duration::from_secs(120);
const BACKOFF_BASE: Duration = Duration::from_secs(30);
const BACKOFF_MAX: Duration = Duration::from_secs(3600);
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// Wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min, … capped at 1 h.
pub fn backoff(attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    BACKOFF_BASE
        .saturating_mul(2u32.saturating_pow(exp))
        .min(BACKOFF_MAX)
}

fn later(now: DateTime<Utc>, d: Duration) -> String {
    crate::store::ts(now + chrono::Duration::from_std(d).unwrap_or_default())
}

/// Claim and send every due notification; returns one result per attempt.
pub async fn deliver_due(
    store: &mut Store,
    cfg: &Config,
    env: &Env,
    now: DateTime<Utc>,
) -> Result<Vec<NotificationResult>> {
    let claimed = store.claim_notifications(&crate::store::ts(now), &later(now, LEASE), 500)?;
    let mut results = Vec::with_capacity(claimed.len());
    if claimed.is_empty() {
        return Ok(results);
    }
    let http = reqwest::Client::builder()
        .timeout(WEBHOOK_TIMEOUT)
        .user_agent(concat!("vdt/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Internal(format!("cannot build HTTP client: {e}")))?;
    for n in claimed {
        let payload: std::result::Result<Payload, _> = serde_json::from_str(&n.payload);
        let outcome = match (&payload, cfg.channel(&n.channel)) {
            (Err(e), _) => Err(format!("unreadable payload: {e}")),
            (_, None) => Err(format!("channel {:?} is no longer configured", n.channel)),
            (Ok(p), Some(ch)) => send(&http, cfg, env, ch, p, &n).await,
        };
        let (rule, value) = payload
            .as_ref()
            .map_or((String::new(), None), |p| (p.rule.clone(), p.value));
        let done = Utc::now();
        let (status, error) = match outcome {
            Ok(()) => {
                store.notification_sent(&n, &rule, value, &crate::store::ts(done))?;
                ("sent", None)
            }
            Err(e) if n.attempts >= MAX_ATTEMPTS => {
                tracing::warn!(channel = %n.channel, attempts = n.attempts, error = %e, "notification failed for good");
                store.notification_failed(n.id, &e, None)?;
                ("failed", Some(e))
            }
            Err(e) => {
                tracing::warn!(channel = %n.channel, attempts = n.attempts, error = %e, "notification failed; will retry");
                store.notification_failed(n.id, &e, Some(&later(done, backoff(n.attempts))))?;
                ("retry", Some(e))
            }
        };
        results.push(NotificationResult {
            channel: n.channel.clone(),
            status: status.into(),
            error,
            rule,
            kind: n.kind.clone(),
            alert_id: n.alert_id,
        });
    }
    Ok(results)
}

async fn send(
    http: &reqwest::Client,
    cfg: &Config,
    env: &Env,
    ch: &Channel,
    p: &Payload,
    n: &OutboxRow,
) -> std::result::Result<(), String> {
    match ch.kind {
        ChannelType::Email => {
            let smtp = cfg
                .alerts
                .smtp
                .clone()
                .ok_or("no [alerts.smtp] section is configured")?;
            let creds = crate::config::smtp_credentials(&smtp, &|k| env.get(k).cloned())
                .map_err(|e| e.to_string())?;
            let (subject, body) = email_text(cfg, p);
            let to = ch.to.clone();
            tokio::task::spawn_blocking(move || send_mail(&smtp, creds, &to, &subject, body))
                .await
                .map_err(|e| format!("mail task failed: {e}"))?
        }
        ChannelType::Webhook => {
            let url = ch.url.as_deref().ok_or("webhook channel has no url")?;
            let secret = crate::config::resolve_secret(
                SecretRef {
                    key: &format!("alerts.channels.{}.secret", ch.name),
                    inline: ch.secret.as_deref(),
                    env: ch.secret_env.as_deref(),
                    file: ch.secret_file.as_ref(),
                },
                &|k| env.get(k).cloned(),
            )
            .map_err(|e| e.to_string())?;
            let body = serde_json::to_vec(&alertmanager_body(cfg, &ch.name, p))
                .map_err(|e| e.to_string())?;
            let mut req = http
                .post(url)
                .header("content-type", "application/json")
                .body(body.clone());
            if let Some(secret) = secret {
                use crate::webhooks::schemes::{Scheme, parse_secret, sign};
                let key = parse_secret(&Scheme::Standard, &secret)
                    .map_err(|e| format!("alerts.channels.{}.secret: {e}", ch.name))?;
                // The message id is the outbox key, the same on every retry, so a receiver
                // can drop a redelivery.
                let id = format!("msg_{}", n.dedup_key.replace([':', ' '], "_"));
                for (k, v) in sign(
                    &Scheme::Standard,
                    &key,
                    Some(&id),
                    Utc::now().timestamp(),
                    &body,
                ) {
                    req = req.header(k, v);
                }
            }
            let resp = req.send().await.map_err(|e| {
                let mut msg = e.to_string();
                let mut src = std::error::Error::source(&e);
                while let Some(s) = src {
                    msg.push_str(&format!(": {s}"));
                    src = s.source();
                }
                msg
            })?;
            let status = resp.status();
            if status.is_success() {
                Ok(())
            } else {
                Err(format!("{url} answered HTTP {}", status.as_u16()))
            }
        }
    }
}

fn send_mail(
    smtp: &crate::config::SmtpConfig,
    creds: Option<(String, String)>,
    to: &[String],
    subject: &str,
    body: String,
) -> std::result::Result<(), String> {
    use lettre::message::{Mailbox, header::ContentType};
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::{Message, SmtpTransport, Transport};
    let from: Mailbox = smtp
        .from
        .parse()
        .map_err(|e| format!("alerts.smtp.from {:?}: {e}", smtp.from))?;
    let mut msg = Message::builder().from(from).subject(subject);
    for t in to {
        let mb: Mailbox = t.parse().map_err(|e| format!("recipient {t:?}: {e}"))?;
        msg = msg.to(mb);
    }
    let msg = msg
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| format!("cannot build the message: {e}"))?;
    let builder = if smtp.starttls {
        SmtpTransport::starttls_relay(&smtp.host).map_err(|e| e.to_string())?
    } else {
        SmtpTransport::builder_dangerous(smtp.host.clone())
    };
    let mut builder = builder.port(smtp.port).timeout(Some(smtp.timeout.0));
    if let Some((user, pass)) = creds {
        builder = builder.credentials(Credentials::new(user, pass));
    }
    builder
        .build()
        .send(&msg)
        .map(|_| ())
        .map_err(|e| format!("SMTP {}:{}: {e}", smtp.host, smtp.port))
}

/// A number as people read it: integers plain, others to 4 significant decimals; rates and
/// ratios also as a percentage.
pub fn format_value(metric: &str, v: f64) -> String {
    let plain = if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    if metric.ends_with("_rate") || metric.ends_with("_ratio") {
        format!("{plain} ({:.1}%)", v * 100.0)
    } else {
        plain
    }
}

fn labels_text(p: &Payload) -> String {
    p.labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn link(cfg: &Config, p: &Payload) -> Option<String> {
    cfg.api
        .public_url
        .as_deref()
        .map(|u| format!("{}/#/alerts/{}", u.trim_end_matches('/'), p.alert_id))
}

/// Subject and plain-text body of an alert email.
pub fn email_text(cfg: &Config, p: &Payload) -> (String, String) {
    let value = p
        .value
        .map_or_else(|| "no data".to_owned(), |v| format_value(&p.metric, v));
    let threshold = format_value(&p.metric, p.threshold);
    let labels = labels_text(p);
    let scope = if labels.is_empty() {
        String::new()
    } else {
        format!(" ({labels})")
    };
    let (tag, state) = match p.kind.as_str() {
        "resolved" => ("RESOLVED".to_owned(), "RESOLVED"),
        "repeat" => (format!("STILL FIRING {}", p.severity), "STILL FIRING"),
        _ => (format!("FIRING {}", p.severity), "FIRING"),
    };
    let subject = if p.kind == "resolved" {
        format!(
            "[vdt {tag}] {}: {} is {value}, back within {} {threshold}{scope}",
            p.rule, p.metric, p.op
        )
    } else {
        format!(
            "[vdt {tag}] {}: {} {value} {} {threshold}{scope}",
            p.rule, p.metric, p.op
        )
    };
    let mut body = format!(
        "Alert {rule} is {state} (severity {sev}).\n\n\
         Metric:     {metric} over the last {window}\n\
         Value:      {value}\n\
         Condition:  {metric} {op} {threshold}\n",
        rule = p.rule,
        sev = p.severity,
        metric = p.metric,
        window = p.window,
        op = p.op,
    );
    if let Some(since) = &p.firing_since {
        body.push_str(&format!("Firing since: {since}\n"));
    }
    if let Some(at) = &p.resolved_at {
        body.push_str(&format!("Resolved at:  {at}\n"));
    }
    body.push_str(&format!(
        "Labels:     {}\n",
        if labels.is_empty() { "(none)" } else { &labels }
    ));
    if let Some(d) = &p.description {
        body.push_str(&format!("\n{d}\n"));
    }
    if let Some(url) = link(cfg, p) {
        body.push_str(&format!("\nDetails: {url}\n"));
    }
    if p.kind != "resolved" {
        body.push_str(&format!(
            "\nAcknowledge (mutes this alert until it resolves):\n  vdt alerts ack {} --comment \"...\"\n\
             Silence the rule:\n  vdt alerts silence {} --for 1h --comment \"...\"\n",
            p.alert_id, p.rule
        ));
    }
    body.push_str(&format!(
        "\nAlert id {}, fingerprint {}.\n",
        p.alert_id, p.fingerprint
    ));
    (subject, body)
}

/// Alertmanager's "zero time" for an alert that has not ended.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// The webhook body, shaped like Alertmanager's v4 webhook payload with one alert.
pub fn alertmanager_body(cfg: &Config, receiver: &str, p: &Payload) -> Value {
    let status = if p.kind == "resolved" {
        "resolved"
    } else {
        "firing"
    };
    let mut labels = serde_json::Map::new();
    labels.insert("alertname".into(), json!(p.rule));
    labels.insert("severity".into(), json!(p.severity));
    for (k, v) in &p.labels {
        labels.insert(k.clone(), json!(v));
    }
    let mut group_labels = serde_json::Map::new();
    group_labels.insert("alertname".into(), json!(p.rule));
    for (k, v) in &p.group_labels {
        group_labels.insert(k.clone(), json!(v));
    }
    let group_key = format!(
        "{{}}:{{{}}}",
        group_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let (summary, _) = email_text(cfg, p);
    let summary = summary
        .split_once("] ")
        .map_or(summary.clone(), |(_, s)| s.to_owned());
    let mut annotations = serde_json::Map::new();
    annotations.insert("summary".into(), json!(summary));
    if let Some(d) = &p.description {
        annotations.insert("description".into(), json!(d));
    }
    annotations.insert("metric".into(), json!(p.metric));
    annotations.insert(
        "value".into(),
        json!(p.value.map(|v| format_value(&p.metric, v))),
    );
    annotations.insert(
        "threshold".into(),
        json!(format!("{} {}", p.op, format_value(&p.metric, p.threshold))),
    );
    annotations.insert("window".into(), json!(p.window));
    let generator = link(cfg, p).unwrap_or_default();
    let alert = json!({
        "status": status,
        "labels": labels,
        "annotations": annotations,
        "startsAt": p.firing_since.clone().unwrap_or_else(|| p.at.clone()),
        "endsAt": p.resolved_at.clone().unwrap_or_else(|| ZERO_TIME.to_owned()),
        "generatorURL": generator,
        "fingerprint": p.fingerprint,
    });
    json!({
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": receiver,
        "groupLabels": group_labels,
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "externalURL": cfg.api.public_url.clone().unwrap_or_default(),
        "alerts": [alert],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1), Duration::from_secs(30));
        assert_eq!(backoff(2), Duration::from_secs(60));
        assert_eq!(backoff(3), Duration::from_secs(120));
        assert_eq!(backoff(20), Duration::from_secs(3600));
    }

    #[test]
    fn values_read_at_a_glance() {
        assert_eq!(format_value("error_rate", 0.125), "0.125 (12.5%)");
        assert_eq!(format_value("traces_total", 42.0), "42");
        assert_eq!(format_value("latency_p95_ms", 1234.56789), "1234.5679");
    }
}
