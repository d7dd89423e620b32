//! Retention: deleting what `[retention]` says is old enough, in small transactions so a
//! long prune never holds the write lock for long.

use super::{Store, ts};
use crate::error::Result;
use rusqlite::{Transaction, params};
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

/// What a delete of `table` returns for the running totals, if /metrics counts its rows.
fn carried_columns(table: &str) -> Option<&'static str> {
    match table {
        "webhook_logs" => Some("source, status_code"),
        "sync_status" => Some("collection_name, status, duration_ms"),
        _ => None,
    }
}

/// Runs one batch's `DELETE … RETURNING` and adds what it removed to the `pruned_*` totals,
/// inside the caller's transaction: a counter is never seen between the delete and the add.
/// Returns the rows deleted.
fn carry_over(tx: &Transaction<'_>, table: &str, sql: &str, cut: &str) -> Result<usize> {
    let mut stmt = tx.prepare(sql)?;
    let mut rows = stmt.query([cut])?;
    let mut n = 0usize;
    if table == "webhook_logs" {
        let mut per: BTreeMap<(String, i64), i64> = BTreeMap::new();
        while let Some(r) = rows.next()? {
            *per.entry((r.get(0)?, r.get(1)?)).or_default() += 1;
            n += 1;
        }
        let mut add = tx.prepare_cached(
            "INSERT INTO pruned_webhook_deliveries (source, status_code, deliveries)
             VALUES (?1, ?2, ?3) ON CONFLICT (source, status_code)
             DO UPDATE SET deliveries = deliveries + excluded.deliveries",
        )?;
        for ((source, code), k) in per {
            add.execute(params![source, code, k])?;
        }
        return Ok(n);
    }
    let bounds = super::api::sync_duration_bounds_ms();
    let mut runs: BTreeMap<(String, String), i64> = BTreeMap::new();
    // Per collection: timed runs, their total, and per bound the runs at or under it.
    let mut timed: BTreeMap<String, (i64, f64, Vec<i64>)> = BTreeMap::new();
    while let Some(r) = rows.next()? {
        let (collection, status): (String, String) = (r.get(0)?, r.get(1)?);
        let duration: Option<f64> = r.get(2)?;
        n += 1;
        if let Some(ms) = duration {
            let t = timed
                .entry(collection.clone())
                .or_insert_with(|| (0, 0.0, vec![0; bounds.len()]));
            t.0 += 1;
            t.1 += ms;
            for (i, b) in bounds.iter().enumerate() {
                t.2[i] += i64::from(ms <= *b);
            }
        }
        *runs.entry((collection, status)).or_default() += 1;
    }
    let mut add = tx.prepare_cached(
        "INSERT INTO pruned_sync_runs (collection_name, status, runs) VALUES (?1, ?2, ?3)
         ON CONFLICT (collection_name, status) DO UPDATE SET runs = runs + excluded.runs",
    )?;
    for ((collection, status), k) in runs {
        add.execute(params![collection, status, k])?;
    }
    let mut add_total = tx.prepare_cached(
        "INSERT INTO pruned_sync_duration_totals (collection_name, runs, sum_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT (collection_name)
         DO UPDATE SET runs = runs + excluded.runs, sum_ms = sum_ms + excluded.sum_ms",
    )?;
    let mut add_bucket = tx.prepare_cached(
        "INSERT INTO pruned_sync_durations (collection_name, le_ms, runs) VALUES (?1, ?2, ?3)
         ON CONFLICT (collection_name, le_ms) DO UPDATE SET runs = runs + excluded.runs",
    )?;
    for (collection, (k, sum, buckets)) in timed {
        add_total.execute(params![collection, k, sum])?;
        for (b, k) in bounds.iter().zip(buckets) {
            add_bucket.execute(params![collection, b, k])?;
        }
    }
    Ok(n)
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
            // Counted by /metrics: see `carry_over`.
            ("webhook_logs", "rowid", "processed_at < ?1", &logs),
            (
                "webhook_deliveries",
                "(source, delivery_id)",
                "received_at < ?1",
                &logs,
            ),
            // Counted by /metrics: see `carry_over`.
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
                let mut sql = format!(
                    "DELETE FROM {table} WHERE {key} IN (SELECT {columns} FROM {table} WHERE {cond} LIMIT {BATCH})"
                );
                let carry = carried_columns(table);
                if let Some(returning) = carry {
                    sql = format!("{sql} RETURNING {returning}");
                }
                let mut total = 0u64;
                loop {
                    let n = self.write(|tx| match carry {
                        None => Ok(tx.execute(&sql, [cut])?),
                        Some(_) => carry_over(tx, table, &sql, cut),
                    })?;
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
