//! Retention: deleting what `[retention]` says is old enough, in small transactions so a
//! long prune never holds the write lock for long.

use super::{Store, ts};
use crate::error::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Rows deleted per transaction.
const BATCH: i64 = 5000;

/// How long each kind of row is kept.
#[derive(Debug, Clone)]
pub struct Retention {
    pub webhook_logs: Duration,
    pub sync_status: Duration,
    pub alert_events: Duration,
    pub deleted_documents: Duration,
}

impl Retention {
    pub fn from_config(r: &crate::config::RetentionConfig) -> Retention {
        Retention {
            webhook_logs: r.webhook_logs.0,
            sync_status: r.sync_status.0,
            alert_events: r.alert_events.0,
            deleted_documents: r.deleted_documents.0,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PruneReport {
    /// Rows removed (or, with a dry run, that would be) per table.
    pub deleted: BTreeMap<&'static str, u64>,
    pub backups_removed: usize,
    pub dry_run: bool,
}

fn cutoff(now: chrono::DateTime<chrono::Utc>, keep: Duration) -> String {
    let keep = chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX);
    ts(now
        .checked_sub_signed(keep)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC))
}

impl Store {
    /// Apply retention as of `now`.
    pub fn prune(
        &mut self,
        r: &Retention,
        now: chrono::DateTime<chrono::Utc>,
        dry_run: bool,
    ) -> Result<PruneReport> {
        let logs = cutoff(now, r.webhook_logs);
        let runs = cutoff(now, r.sync_status);
        let events = cutoff(now, r.alert_events);
        let docs = cutoff(now, r.deleted_documents);
        // (table, key, condition on ?1). The newest run of each collection is kept whatever
        // its age, so lag and "last sync" stay known. WITHOUT ROWID tables delete by their key.
        let plan: [(&'static str, &str, &str, &String); 7] = [
            ("webhook_logs", "rowid", "processed_at < ?1", &logs),
            (
                "webhook_deliveries",
                "(source, delivery_id)",
                "received_at < ?1",
                &logs,
            ),
            (
                "sync_status",
                "rowid",
                "last_sync < ?1 AND status <> 'in_progress' AND id NOT IN
                    (SELECT max(id) FROM sync_status GROUP BY collection_name, status = 'success')",
                &runs,
            ),
            (
                "sync_jobs",
                "rowid",
                "status IN ('done', 'error') AND created_at < ?1",
                &runs,
            ),
            ("alert_events", "rowid", "at < ?1", &events),
            (
                "notification_outbox",
                "rowid",
                "status IN ('sent', 'failed') AND created_at < ?1",
                &events,
            ),
            (
                "documents",
                "(collection, doc_id)",
                "deleted_at IS NOT NULL AND deleted_at < ?1",
                &docs,
            ),
        ];
        let mut report = PruneReport {
            dry_run,
            ..PruneReport::default()
        };
        for (table, key, cond, cut) in plan {
            let n = if dry_run {
                self.conn.query_row(
                    &format!("SELECT count(*) FROM {table} WHERE {cond}"),
                    [cut],
                    |row| row.get::<_, i64>(0),
                )? as u64
            } else {
                let columns = key.trim_matches(['(', ')']);
                let sql = format!(
                    "DELETE FROM {table} WHERE {key} IN (SELECT {columns} FROM {table} WHERE {cond} LIMIT {BATCH})"
                );
                let mut total = 0u64;
                loop {
                    let n = self.write(|tx| Ok(tx.execute(&sql, [cut])?))?;
                    total += n as u64;
                    if (n as i64) < BATCH {
                        break total;
                    }
                }
            };
            report.deleted.insert(table, n);
        }
        Ok(report)
    }
}
