//! Read queries behind the REST API that no other view needs: paginated webhook and sync
//! logs, and the aggregates `/metrics` computes at scrape time from the tables.

use super::Store;
use crate::error::Result;
use rusqlite::params;
use serde::{Deserialize, Serialize};

/// Upper bounds (seconds) of the sync duration histogram, `vdt_sync_duration_seconds`. Here,
/// not in the API, because the prune keeps per-bound totals of the runs it deletes.
pub const SYNC_DURATION_BUCKETS_SECS: [f64; 10] =
    [0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0];

/// [`SYNC_DURATION_BUCKETS_SECS`] in milliseconds, as `sync_status.duration_ms` counts.
pub fn sync_duration_bounds_ms() -> Vec<f64> {
    SYNC_DURATION_BUCKETS_SECS
        .iter()
        .map(|s| s * 1000.0)
        .collect()
}

/// How much of a stored webhook payload one log entry carries.
pub const PAYLOAD_PREVIEW_CHARS: i64 = 4096;

/// One row of `webhook_logs`, payload cut to [`PAYLOAD_PREVIEW_CHARS`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookLogEntry {
    pub id: i64,
    pub source: String,
    pub status_code: i64,
    pub processed_at: String,
    pub processing_time_ms: f64,
    pub event_type: Option<String>,
    pub delivery_id: Option<String>,
    pub error: Option<String>,
    pub remote_addr: Option<String>,
    pub payload: Option<String>,
    /// The stored payload's length in characters; more than `payload` holds when cut.
    pub payload_chars: i64,
}

/// One row of `sync_status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncLogEntry {
    pub id: i64,
    pub collection: String,
    pub status: String,
    pub last_sync: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: Option<i64>,
    pub records_synced: i64,
    pub records_deleted: i64,
    pub error_message: Option<String>,
    pub mode: Option<String>,
}

/// Filters of a log page; newest first, ids below `before_id`.
#[derive(Debug, Clone, Default)]
pub struct LogQuery<'a> {
    /// Webhook source, or sync collection.
    pub source: Option<&'a str>,
    /// Webhook: an HTTP status code; sync: `success`, `error` or `in_progress`.
    pub status: Option<&'a str>,
    pub before_id: Option<i64>,
    pub limit: u32,
}

/// Sync run durations of one collection as a cumulative histogram (`bucket_counts[i]` =
/// runs with `duration_ms <= bounds_ms[i]`).
#[derive(Debug, Clone, PartialEq)]
pub struct DurationHistogram {
    pub collection: String,
    pub bucket_counts: Vec<u64>,
    pub count: u64,
    pub sum_ms: f64,
}

impl Store {
    pub fn webhook_log_page(&self, q: &LogQuery<'_>) -> Result<Vec<WebhookLogEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, source, status_code, processed_at, processing_time_ms, event_type,
                    delivery_id, error, remote_addr, substr(payload, 1, ?5),
                    COALESCE(length(payload), 0)
             FROM webhook_logs
             WHERE (?1 IS NULL OR source = ?1)
               AND (?2 IS NULL OR status_code = CAST(?2 AS INTEGER))
               AND (?3 IS NULL OR id < ?3)
             ORDER BY id DESC LIMIT ?4",
        )?;
        let rows = stmt.query_map(
            params![
                q.source,
                q.status,
                q.before_id,
                q.limit,
                PAYLOAD_PREVIEW_CHARS
            ],
            |r| {
                Ok(WebhookLogEntry {
                    id: r.get(0)?,
                    source: r.get(1)?,
                    status_code: r.get(2)?,
                    processed_at: r.get(3)?,
                    processing_time_ms: r.get(4)?,
                    event_type: r.get(5)?,
                    delivery_id: r.get(6)?,
                    error: r.get(7)?,
                    remote_addr: r.get(8)?,
                    payload: r.get(9)?,
                    payload_chars: r.get(10)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn sync_log_page(&self, q: &LogQuery<'_>) -> Result<Vec<SyncLogEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, collection_name, status, last_sync, started_at, finished_at, duration_ms,
                    records_synced, records_deleted, error_message, mode
             FROM sync_status
             WHERE (?1 IS NULL OR collection_name = ?1)
               AND (?2 IS NULL OR status = ?2)
               AND (?3 IS NULL OR id < ?3)
             ORDER BY id DESC LIMIT ?4",
        )?;
        let rows = stmt.query_map(params![q.source, q.status, q.before_id, q.limit], |r| {
            Ok(SyncLogEntry {
                id: r.get(0)?,
                collection: r.get(1)?,
                status: r.get(2)?,
                last_sync: r.get(3)?,
                started_at: r.get(4)?,
                finished_at: r.get(5)?,
                duration_ms: r.get(6)?,
                records_synced: r.get(7)?,
                records_deleted: r.get(8)?,
                error_message: r.get(9)?,
                mode: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Finished sync runs per (collection, status), pruned ones included, so the numbers only
    /// grow. A run in progress is counted when it finishes.
    pub fn sync_run_counts(&self) -> Result<Vec<(String, String, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT collection_name, status, SUM(n) FROM (
                 SELECT collection_name, status, COUNT(*) AS n FROM sync_status
                 WHERE status <> 'in_progress' GROUP BY collection_name, status
                 UNION ALL
                 SELECT collection_name, status, runs FROM pruned_sync_runs)
             GROUP BY collection_name, status ORDER BY collection_name, status",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?.max(0) as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Finished sync runs' durations per collection, bucketed by `bounds_ms` (ascending),
    /// pruned runs included (see [`sync_duration_bounds_ms`]: the prune keeps per-bound totals
    /// for those bounds; at a bound it did not keep, the nearest lower one's count stands in,
    /// which keeps the buckets cumulative).
    pub fn sync_duration_histograms(&self, bounds_ms: &[f64]) -> Result<Vec<DurationHistogram>> {
        let mut kept = self.retained_sync_duration_histograms(bounds_ms)?;
        let mut totals = self.conn.prepare_cached(
            "SELECT collection_name, runs, sum_ms FROM pruned_sync_duration_totals",
        )?;
        let pruned = totals
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<Vec<(String, i64, f64)>>>()?;
        let mut buckets = self.conn.prepare_cached(
            "SELECT le_ms, runs FROM pruned_sync_durations WHERE collection_name = ?1 ORDER BY le_ms",
        )?;
        for (collection, runs, sum_ms) in pruned {
            let stored = buckets
                .query_map([&collection], |r| {
                    Ok((r.get::<_, f64>(0)?, r.get::<_, i64>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let i = match kept.binary_search_by(|h| h.collection.cmp(&collection)) {
                Ok(i) => i,
                Err(i) => {
                    kept.insert(
                        i,
                        DurationHistogram {
                            collection: collection.clone(),
                            bucket_counts: vec![0; bounds_ms.len()],
                            count: 0,
                            sum_ms: 0.0,
                        },
                    );
                    i
                }
            };
            let h = &mut kept[i];
            h.count += runs.max(0) as u64;
            h.sum_ms += sum_ms;
            for (b, n) in bounds_ms.iter().zip(h.bucket_counts.iter_mut()) {
                let at = stored
                    .iter()
                    .rev()
                    .find(|(le, _)| le <= b)
                    .map_or(0, |(_, k)| *k);
                *n += at.max(0) as u64;
            }
        }
        Ok(kept)
    }

    fn retained_sync_duration_histograms(
        &self,
        bounds_ms: &[f64],
    ) -> Result<Vec<DurationHistogram>> {
        // The bounds are the caller's constants, never user input; inlined as numbers.
        let buckets: String = bounds_ms
            .iter()
            .map(|b| format!(", SUM(duration_ms <= {b:?})"))
            .collect();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT collection_name, COUNT(*), COALESCE(SUM(duration_ms), 0){buckets}
             FROM sync_status WHERE duration_ms IS NOT NULL AND status <> 'in_progress'
             GROUP BY collection_name ORDER BY collection_name"
        ))?;
        let n = bounds_ms.len();
        let rows = stmt.query_map([], |r| {
            let mut bucket_counts = Vec::with_capacity(n);
            for i in 0..n {
                bucket_counts.push(r.get::<_, Option<i64>>(3 + i)?.unwrap_or(0).max(0) as u64);
            }
            Ok(DurationHistogram {
                collection: r.get(0)?,
                count: r.get::<_, i64>(1)?.max(0) as u64,
                sum_ms: r.get(2)?,
                bucket_counts,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The newest successful sync per collection (`last_sync`, RFC 3339).
    pub fn last_successes(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT collection_name, MAX(last_sync) FROM sync_status WHERE status = 'success'
             GROUP BY collection_name ORDER BY collection_name",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Webhook deliveries per (source, status code), pruned ones included, so the numbers
    /// only grow.
    pub fn webhook_delivery_counts(&self) -> Result<Vec<(String, i64, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT source, status_code, SUM(n) FROM (
                 SELECT source, status_code, COUNT(*) AS n FROM webhook_logs
                 GROUP BY source, status_code
                 UNION ALL
                 SELECT source, status_code, deliveries FROM pruned_webhook_deliveries)
             GROUP BY source, status_code ORDER BY source, status_code",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?.max(0) as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Alert events, newest first, ids below `before_id`, optionally of one rule.
    pub fn alert_event_page(
        &self,
        rule: Option<&str>,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<super::alerts::EventRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, alert_id, rule, kind, at, value, by, comment, until FROM alert_events
             WHERE (?1 IS NULL OR rule = ?1) AND (?2 IS NULL OR id < ?2)
             ORDER BY id DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![rule, before_id, limit], |r| {
            Ok(super::alerts::EventRow {
                id: r.get(0)?,
                alert_id: r.get(1)?,
                rule: r.get(2)?,
                kind: r.get(3)?,
                at: r.get(4)?,
                value: r.get(5)?,
                by: r.get(6)?,
                comment: r.get(7)?,
                until: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Firing alerts per (rule, severity).
    pub fn firing_alert_counts(&self) -> Result<Vec<(String, String, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT rule, severity, COUNT(*) FROM alerts WHERE state = 'firing'
             GROUP BY rule, severity ORDER BY rule, severity",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?.max(0) as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreOptions;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("t.sqlite3"), &StoreOptions::default()).unwrap();
        (dir, s)
    }

    #[test]
    fn log_pages_go_newest_first_below_the_cursor_and_filter() {
        let (_d, s) = store();
        s.conn()
            .execute_batch(
                "INSERT INTO webhook_logs (source, status_code, processed_at, payload) VALUES
                   ('a', 200, '2025-01-01T00:00:00.000Z', '{}'),
                   ('b', 401, '2025-01-01T00:00:01.000Z', NULL),
                   ('a', 401, '2025-01-01T00:00:02.000Z', 'x'),
                   ('a', 200, '2025-01-01T00:00:03.000Z', 'y');",
            )
            .unwrap();
        let q = |source, status, before_id, limit| LogQuery {
            source,
            status,
            before_id,
            limit,
        };
        let ids = |v: Vec<WebhookLogEntry>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
        assert_eq!(
            ids(s.webhook_log_page(&q(None, None, None, 2)).unwrap()),
            [4, 3]
        );
        assert_eq!(
            ids(s.webhook_log_page(&q(None, None, Some(3), 10)).unwrap()),
            [2, 1]
        );
        assert_eq!(
            ids(s
                .webhook_log_page(&q(Some("a"), Some("401"), None, 10))
                .unwrap()),
            [3]
        );
        assert_eq!(
            ids(s
                .webhook_log_page(&q(Some("x' OR 1=1 --"), None, None, 10))
                .unwrap()),
            Vec::<i64>::new()
        );
    }

    #[test]
    fn duration_histograms_are_cumulative() {
        let (_d, s) = store();
        s.conn()
            .execute_batch(
                "INSERT INTO sync_status (collection_name, last_sync, status, duration_ms) VALUES
                   ('c', 't', 'success', 50), ('c', 't', 'error', 700), ('c', 't', 'success', 5000),
                   ('c', 't', 'in_progress', NULL);",
            )
            .unwrap();
        let h = s.sync_duration_histograms(&[100.0, 1000.0]).unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].bucket_counts, [1, 2]);
        assert_eq!(h[0].count, 3);
        assert_eq!(h[0].sum_ms, 5750.0);
    }
}
