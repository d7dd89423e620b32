//! The status overview: collections with their last sync, lag and mirrored records, webhook
//! deliveries of the last hour by status code, and firing alerts. `vdt status` prints it;
//! `/api/v1/status` serves it.

use crate::config::Config;
use crate::error::Result;
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How far back the webhook summary looks.
pub const WEBHOOK_WINDOW_SECONDS: u64 = 3600;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub generated_at: String,
    pub version: String,
    pub features: Features,
    pub collections: Vec<CollectionStatus>,
    pub webhooks: WebhookSummary,
    pub alerts: Vec<FiringAlert>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Features {
    pub live_data_enabled: bool,
    pub real_time_alerts: bool,
    pub advanced_caching: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionStatus {
    pub name: String,
    pub kind: String,
    pub enabled: bool,
    /// Seconds.
    pub sync_frequency: u64,
    /// `last_sync` of the newest run, whatever its outcome.
    pub last_sync: Option<String>,
    /// `success`, `error` or `in_progress`; null when it never ran.
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    pub last_success: Option<String>,
    /// Seconds since the newest successful sync; null when it never succeeded.
    pub lag_seconds: Option<u64>,
    /// Rows in `documents` (not deleted).
    pub records: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookSummary {
    pub window_seconds: u64,
    pub total: u64,
    pub rejected: u64,
    /// Count per HTTP status code (as a string key, JSON objects need one).
    pub by_status: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FiringAlert {
    pub id: i64,
    pub rule: String,
    pub severity: String,
    pub value: Option<f64>,
    pub since: Option<String>,
    pub labels: serde_json::Value,
}

fn parse_ts(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// Build the overview from the store as of `now`.
pub fn overview(
    store: &Store,
    config: &Config,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Overview> {
    let counts = store.document_counts()?;
    let mut collections = Vec::new();
    for c in store.collections()? {
        let sum = store.sync_summary(&c.name)?;
        let lag_seconds = sum
            .last_success_at
            .as_deref()
            .and_then(parse_ts)
            .map(|t| (now - t).num_seconds().max(0) as u64);
        collections.push(CollectionStatus {
            records: counts.get(&c.name).copied().unwrap_or(0),
            name: c.name,
            kind: c.kind,
            enabled: c.enabled,
            sync_frequency: c.sync_frequency,
            last_sync: sum.last_run_at,
            last_status: sum.last_status,
            last_error: sum.last_error,
            last_success: sum.last_success_at,
            lag_seconds,
        });
    }
    let since = crate::store::ts(now - chrono::Duration::seconds(WEBHOOK_WINDOW_SECONDS as i64));
    let wh = store.webhook_counts_since(&since)?;
    let alerts = store
        .firing_alerts()?
        .into_iter()
        .map(|a| FiringAlert {
            id: a.id,
            rule: a.rule,
            severity: a.severity,
            value: a.value,
            since: a.since,
            labels: serde_json::from_str(&a.labels).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    Ok(Overview {
        generated_at: crate::store::ts(now),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        features: Features {
            live_data_enabled: config.features.live_data_enabled,
            real_time_alerts: config.features.real_time_alerts,
            advanced_caching: config.features.advanced_caching,
        },
        collections,
        webhooks: WebhookSummary {
            window_seconds: WEBHOOK_WINDOW_SECONDS,
            total: wh.total,
            rejected: wh.rejected,
            by_status: wh
                .by_status
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        },
        alerts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CollectionKind;
    use crate::store::StoreOptions;

    #[test]
    fn overview_reports_lag_records_webhooks_and_firing_alerts() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("t.sqlite3"), &StoreOptions::default()).unwrap();
        s.add_collection("meetings", CollectionKind::Documents, 60, None)
            .unwrap();
        s.conn()
            .execute_batch(
                "INSERT INTO sync_status (collection_name, last_sync, status) VALUES
                   ('meetings', '2025-01-01T00:00:00.000Z', 'success');
                 INSERT INTO documents (collection, doc_id, data, synced_at) VALUES
                   ('meetings', 'a', '{}', '2025-01-01T00:00:00.000Z'),
                   ('meetings', 'b', '{}', '2025-01-01T00:00:00.000Z');
                 UPDATE documents SET deleted_at = '2025-01-01T00:00:00.000Z' WHERE doc_id = 'b';
                 INSERT INTO webhook_logs (source, status_code, processed_at) VALUES
                   ('x', 202, '2025-01-01T00:09:00.000Z'), ('x', 401, '2025-01-01T00:09:30.000Z');
                 INSERT INTO alerts (rule, severity, state, value, firing_since, fingerprint) VALUES
                   ('high', 'critical', 'firing', 0.5, '2025-01-01T00:05:00.000Z', 'f1'),
                   ('low', 'info', 'resolved', 0.1, NULL, 'f2');",
            )
            .unwrap();
        let now = parse_ts("2025-01-01T00:10:00.000Z").unwrap();
        let o = overview(&s, &Config::default(), now).unwrap();
        assert_eq!(o.collections.len(), 1);
        assert_eq!(o.collections[0].lag_seconds, Some(600));
        assert_eq!(o.collections[0].records, 1);
        assert_eq!(o.webhooks.total, 2);
        assert_eq!(o.webhooks.by_status.get("401"), Some(&1));
        assert_eq!(o.alerts.len(), 1);
        assert_eq!(o.alerts[0].rule, "high");
    }
}
