//! Read-only queries behind `vdt health` and the status overview (`vdt status`,
//! `/api/v1/status`): last syncs per collection, webhook outcomes in a window, firing alerts,
//! mirrored document counts.

use super::Store;
use crate::error::Result;
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeMap;

/// The newest run of a collection, and its newest successful one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncSummary {
    /// `last_sync` of the newest run, whatever its status.
    pub last_run_at: Option<String>,
    /// `success`, `error` or `in_progress`.
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    /// `last_sync` of the newest successful run.
    pub last_success_at: Option<String>,
}

/// Webhook deliveries since a time, split by outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WebhookCounts {
    pub total: u64,
    /// Rows with `status_code >= 400`.
    pub rejected: u64,
    /// Count per status code, ascending.
    pub by_status: BTreeMap<u16, u64>,
}

/// One row of `alerts` in state `firing`.
#[derive(Debug, Clone, PartialEq)]
pub struct FiringAlertRow {
    pub id: i64,
    pub rule: String,
    pub severity: String,
    pub value: Option<f64>,
    pub since: Option<String>,
    pub labels: String,
}

impl Store {
    /// The newest run and the newest successful run of `collection` (ids order runs).
    pub fn sync_summary(&self, collection: &str) -> Result<SyncSummary> {
        let last = self
            .conn
            .query_row(
                "SELECT last_sync, status, error_message FROM sync_status
                 WHERE collection_name = ?1 ORDER BY id DESC LIMIT 1",
                [collection],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ))
                },
            )
            .optional()?;
        let success: Option<String> = self
            .conn
            .query_row(
                "SELECT last_sync FROM sync_status
                 WHERE collection_name = ?1 AND status = 'success' ORDER BY id DESC LIMIT 1",
                [collection],
                |r| r.get(0),
            )
            .optional()?;
        let (last_run_at, last_status, last_error) = match last {
            Some((at, status, err)) => (Some(at), Some(status), err),
            None => (None, None, None),
        };
        Ok(SyncSummary {
            last_run_at,
            last_status,
            last_error,
            last_success_at: success,
        })
    }

    /// Webhook deliveries with `processed_at >= since` (an RFC 3339 string as the store writes).
    pub fn webhook_counts_since(&self, since: &str) -> Result<WebhookCounts> {
        let mut stmt = self.conn.prepare(
            "SELECT status_code, COUNT(*) FROM webhook_logs
             WHERE processed_at >= ?1 GROUP BY status_code ORDER BY status_code",
        )?;
        let mut counts = WebhookCounts::default();
        let rows = stmt.query_map(params![since], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (code, n) = row?;
            let n = n.max(0) as u64;
            counts.total += n;
            if code >= 400 {
                counts.rejected += n;
            }
            *counts
                .by_status
                .entry(code.clamp(0, i64::from(u16::MAX)) as u16)
                .or_default() += n;
        }
        Ok(counts)
    }

    /// Alerts in state `firing`, oldest first.
    pub fn firing_alerts(&self) -> Result<Vec<FiringAlertRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, rule, severity, value, firing_since, labels FROM alerts
             WHERE state = 'firing' ORDER BY firing_since, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(FiringAlertRow {
                id: r.get(0)?,
                rule: r.get(1)?,
                severity: r.get(2)?,
                value: r.get(3)?,
                since: r.get(4)?,
                labels: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Mirrored documents per collection, deleted ones left out: from `document_counts`,
    /// which triggers keep exact (V7); counted from the mirror on a database not yet
    /// migrated to V7 (the health check opens without migrating).
    pub fn document_counts(&self) -> Result<BTreeMap<String, u64>> {
        match self
            .conn
            .prepare_cached("SELECT collection, live FROM document_counts WHERE live > 0")
        {
            Ok(mut stmt) => collection_counts(&mut stmt),
            Err(_) => self.document_counts_scanned(),
        }
    }

    /// [`Self::document_counts`] counted from the mirror itself, for checks of the kept counts.
    pub fn document_counts_scanned(&self) -> Result<BTreeMap<String, u64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT collection, COUNT(*) FROM documents WHERE deleted_at IS NULL GROUP BY collection",
        )?;
        collection_counts(&mut stmt)
    }

    /// `PRAGMA quick_check` (the O(N) subset of `integrity_check`, without index cross-checks):
    /// `"ok"` or the problems found, joined.
    pub fn quick_check(&self) -> Result<String> {
        let mut stmt = self.conn.prepare("PRAGMA quick_check")?;
        let lines: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(lines.join("; "))
    }
}

/// The (collection, count) rows of `stmt` as a map; a negative count reads as 0.
fn collection_counts(stmt: &mut rusqlite::Statement<'_>) -> Result<BTreeMap<String, u64>> {
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (c, n) = row?;
        out.insert(c, n.max(0) as u64);
    }
    Ok(out)
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
    fn sync_summary_distinguishes_newest_run_from_newest_success() {
        let (_d, s) = store();
        assert_eq!(s.sync_summary("c").unwrap(), SyncSummary::default());
        s.conn()
            .execute_batch(
                "INSERT INTO sync_status (collection_name, last_sync, status) VALUES
                   ('c', '2025-01-01T00:00:00.000Z', 'success'),
                   ('c', '2025-01-01T00:01:00.000Z', 'error'),
                   ('d', '2025-01-01T00:02:00.000Z', 'success');",
            )
            .unwrap();
        let sum = s.sync_summary("c").unwrap();
        assert_eq!(sum.last_status.as_deref(), Some("error"));
        assert_eq!(sum.last_run_at.as_deref(), Some("2025-01-01T00:01:00.000Z"));
        assert_eq!(
            sum.last_success_at.as_deref(),
            Some("2025-01-01T00:00:00.000Z")
        );
    }

    #[test]
    fn webhook_counts_only_count_the_window() {
        let (_d, s) = store();
        s.conn()
            .execute_batch(
                "INSERT INTO webhook_logs (source, status_code, processed_at) VALUES
                   ('a', 200, '2025-01-01T00:00:00.000Z'),
                   ('a', 200, '2025-01-01T01:00:00.000Z'),
                   ('a', 401, '2025-01-01T01:00:01.000Z'),
                   ('a', 503, '2025-01-01T01:00:02.000Z');",
            )
            .unwrap();
        let c = s.webhook_counts_since("2025-01-01T00:30:00.000Z").unwrap();
        assert_eq!(c.total, 3);
        assert_eq!(c.rejected, 2);
        assert_eq!(c.by_status.get(&200), Some(&1));
        assert_eq!(c.by_status.get(&503), Some(&1));
    }
}
