//! Sync bookkeeping and the mirror: `sync_status` runs, per-collection cursors, page writes
//! into `documents` (and `traces`), delete reconciliation, and queued `sync_jobs`.

use super::{Store, now};
use crate::error::Result;
use crate::traces::TraceRow;
use rusqlite::{OptionalExtension, params};

/// Where a collection's sync stands.
#[derive(Debug, Clone, Default)]
pub struct SyncState {
    /// Raw Firestore value (JSON text) of the cursor field at the newest document seen.
    pub cursor_value: Option<String>,
    pub cursor_name: Option<String>,
    pub last_full_at: Option<String>,
    pub last_reconcile_at: Option<String>,
}

/// One mirrored document, ready to write.
#[derive(Debug, Clone)]
pub struct DocRow {
    pub doc_id: String,
    pub data: String,
    pub create_time: Option<String>,
    pub update_time: Option<String>,
}

/// A page to commit in one transaction.
pub struct Page<'a> {
    pub collection: &'a str,
    pub docs: &'a [DocRow],
    pub traces: &'a [TraceRow],
    /// Write only documents whose `update_time` differs from the mirror's (and undeleted ones).
    pub only_changed: bool,
    /// The cursor to save with the page, so a killed run resumes from the last commit.
    pub cursor: Option<(&'a str, &'a str)>,
}

#[derive(Debug, Clone)]
pub struct SyncJob {
    pub id: i64,
    pub kind: String,
    pub collection: String,
    pub document_id: Option<String>,
}

/// A finished run of one collection, as the status and health views read it.
#[derive(Debug, Clone)]
pub struct LastRun {
    pub status: String,
    pub last_sync: String,
    pub records_synced: i64,
    pub error_message: Option<String>,
}

impl Store {
    /// Runs left `in_progress` by a process that died become `error` / `interrupted`.
    /// Call only while holding the sync lock.
    pub fn mark_interrupted(&mut self) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE sync_status SET status = 'error', error_message = 'interrupted', finished_at = ?1
             WHERE status = 'in_progress'",
            [now()],
        )?)
    }

    pub fn begin_sync_run(&mut self, collection: &str, mode: &str) -> Result<i64> {
        let t = now();
        self.conn.execute(
            "INSERT INTO sync_status (collection_name, last_sync, status, records_synced, started_at, mode)
             VALUES (?1, ?2, 'in_progress', 0, ?2, ?3)",
            params![collection, t, mode],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn finish_sync_run(
        &mut self,
        run_id: i64,
        ok: bool,
        synced: u64,
        deleted: u64,
        duration_ms: u64,
        error: Option<&str>,
    ) -> Result<()> {
        let t = now();
        self.conn.execute(
            "UPDATE sync_status SET status = ?2, records_synced = ?3, records_deleted = ?4,
                duration_ms = ?5, error_message = ?6, finished_at = ?7, last_sync = ?7
             WHERE id = ?1",
            params![
                run_id,
                if ok { "success" } else { "error" },
                synced as i64,
                deleted as i64,
                duration_ms as i64,
                error,
                t
            ],
        )?;
        Ok(())
    }

    pub fn last_run(&self, collection: &str, only_success: bool) -> Result<Option<LastRun>> {
        let sql = if only_success {
            "SELECT status, last_sync, records_synced, error_message FROM sync_status
             WHERE collection_name = ?1 AND status = 'success' ORDER BY id DESC LIMIT 1"
        } else {
            "SELECT status, last_sync, records_synced, error_message FROM sync_status
             WHERE collection_name = ?1 AND status <> 'in_progress' ORDER BY id DESC LIMIT 1"
        };
        Ok(self
            .conn
            .query_row(sql, [collection], |r| {
                Ok(LastRun {
                    status: r.get(0)?,
                    last_sync: r.get(1)?,
                    records_synced: r.get(2)?,
                    error_message: r.get(3)?,
                })
            })
            .optional()?)
    }

    pub fn sync_state(&self, collection: &str) -> Result<SyncState> {
        Ok(self
            .conn
            .query_row(
                "SELECT cursor_value, cursor_name, last_full_at, last_reconcile_at FROM sync_state WHERE collection = ?1",
                [collection],
                |r| {
                    Ok(SyncState {
                        cursor_value: r.get(0)?,
                        cursor_name: r.get(1)?,
                        last_full_at: r.get(2)?,
                        last_reconcile_at: r.get(3)?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }

    /// Forget a collection's cursor (its cursor field changed), so the next run is full.
    pub fn reset_sync_state(&mut self, collection: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sync_state WHERE collection = ?1", [collection])?;
        Ok(())
    }

    pub fn mark_full_done(&mut self, collection: &str, reconciled: bool) -> Result<()> {
        let t = now();
        self.conn.execute(
            "INSERT INTO sync_state (collection, last_full_at, last_reconcile_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (collection) DO UPDATE SET last_full_at = excluded.last_full_at,
                last_reconcile_at = COALESCE(excluded.last_reconcile_at, last_reconcile_at)",
            params![collection, t, reconciled.then(|| t.clone())],
        )?;
        Ok(())
    }

    pub fn mark_reconciled(&mut self, collection: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO sync_state (collection, last_reconcile_at) VALUES (?1, ?2)
             ON CONFLICT (collection) DO UPDATE SET last_reconcile_at = excluded.last_reconcile_at",
            params![collection, now()],
        )?;
        Ok(())
    }

    /// Commit one page: documents, their trace projections and the cursor, in one transaction.
    /// Returns how many documents were written.
    pub fn apply_page(&mut self, page: &Page<'_>) -> Result<u64> {
        let synced_at = now();
        self.write(|tx| {
            let mut written = 0u64;
            let mut changed_ids = std::collections::HashSet::new();
            {
                let mut existing = tx.prepare_cached(
                    "SELECT update_time, deleted_at IS NOT NULL FROM documents WHERE collection = ?1 AND doc_id = ?2",
                )?;
                let mut upsert = tx.prepare_cached(
                    "INSERT INTO documents (collection, doc_id, data, create_time, update_time, synced_at, deleted_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL)
                     ON CONFLICT (collection, doc_id) DO UPDATE SET data = excluded.data,
                        create_time = excluded.create_time, update_time = excluded.update_time,
                        synced_at = excluded.synced_at, deleted_at = NULL",
                )?;
                for d in page.docs {
                    if page.only_changed {
                        let prev: Option<(Option<String>, bool)> = existing
                            .query_row(params![page.collection, d.doc_id], |r| {
                                Ok((r.get(0)?, r.get(1)?))
                            })
                            .optional()?;
                        if let Some((ut, deleted)) = prev
                            && !deleted
                            && ut == d.update_time
                        {
                            continue;
                        }
                    }
                    upsert.execute(params![
                        page.collection,
                        d.doc_id,
                        d.data,
                        d.create_time,
                        d.update_time,
                        synced_at
                    ])?;
                    changed_ids.insert(d.doc_id.as_str());
                    written += 1;
                }
            }
            if !page.traces.is_empty() {
                let rows: Vec<TraceRow> = if page.only_changed {
                    page.traces
                        .iter()
                        .zip(page.docs)
                        .filter(|(_, d)| changed_ids.contains(d.doc_id.as_str()))
                        .map(|(t, _)| t.clone())
                        .collect()
                } else {
                    page.traces.to_vec()
                };
                super::traces::upsert_traces_in(tx, &rows)?;
            }
            if let Some((value, name)) = page.cursor {
                tx.execute(
                    "INSERT INTO sync_state (collection, cursor_value, cursor_name) VALUES (?1, ?2, ?3)
                     ON CONFLICT (collection) DO UPDATE SET cursor_value = excluded.cursor_value,
                        cursor_name = excluded.cursor_name",
                    params![page.collection, value, name],
                )?;
            }
            Ok(written)
        })
    }

    /// Start a reconcile: an empty temp set of the ids Firestore still has.
    pub fn reconcile_begin(&mut self) -> Result<()> {
        self.conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS seen_ids (doc_id TEXT PRIMARY KEY) WITHOUT ROWID;
             DELETE FROM temp.seen_ids;",
        )?;
        Ok(())
    }

    pub fn reconcile_seen(&mut self, ids: &[String]) -> Result<()> {
        self.write(|tx| {
            let mut stmt = tx.prepare_cached("INSERT OR IGNORE INTO temp.seen_ids VALUES (?1)")?;
            for id in ids {
                stmt.execute([id])?;
            }
            Ok(())
        })
    }

    /// Mark every live mirrored document not seen as deleted; their trace projections go.
    /// Returns how many were marked.
    pub fn reconcile_finish(&mut self, collection: &str, source: &str) -> Result<u64> {
        let t = now();
        let n = self.write(|tx| {
            tx.execute(
                "DELETE FROM traces WHERE source = ?2 AND trace_id IN (
                    SELECT COALESCE(json_extract(data, '$.trace_id'), doc_id) FROM documents
                    WHERE collection = ?1 AND deleted_at IS NULL
                      AND doc_id NOT IN (SELECT doc_id FROM temp.seen_ids))",
                params![collection, source],
            )?;
            Ok(tx.execute(
                "UPDATE documents SET deleted_at = ?2
                 WHERE collection = ?1 AND deleted_at IS NULL
                   AND doc_id NOT IN (SELECT doc_id FROM temp.seen_ids)",
                params![collection, t],
            )? as u64)
        })?;
        self.conn.execute("DELETE FROM temp.seen_ids", [])?;
        Ok(n)
    }

    /// Mark one document deleted (a job found it gone).
    pub fn mark_document_deleted(
        &mut self,
        collection: &str,
        doc_id: &str,
        source: &str,
    ) -> Result<bool> {
        let t = now();
        self.write(|tx| {
            tx.execute(
                "DELETE FROM traces WHERE source = ?3 AND trace_id IN (
                    SELECT COALESCE(json_extract(data, '$.trace_id'), doc_id) FROM documents
                    WHERE collection = ?1 AND doc_id = ?2)",
                params![collection, doc_id, source],
            )?;
            Ok(tx.execute(
                "UPDATE documents SET deleted_at = ?3 WHERE collection = ?1 AND doc_id = ?2 AND deleted_at IS NULL",
                params![collection, doc_id, t],
            )? > 0)
        })
    }

    /// Claim queued jobs (oldest first); they become `running`.
    pub fn claim_sync_jobs(&mut self, limit: u32) -> Result<Vec<SyncJob>> {
        let t = now();
        self.write(|tx| {
            let jobs: Vec<SyncJob> = {
                let mut stmt = tx.prepare(
                    "SELECT id, kind, collection, document_id FROM sync_jobs WHERE status = 'queued' ORDER BY id LIMIT ?1",
                )?;
                stmt.query_map([limit], |r| {
                    Ok(SyncJob {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        collection: r.get(2)?,
                        document_id: r.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?
            };
            for j in &jobs {
                tx.execute(
                    "UPDATE sync_jobs SET status = 'running', started_at = ?2, attempts = attempts + 1 WHERE id = ?1",
                    params![j.id, t],
                )?;
            }
            Ok(jobs)
        })
    }

    /// Jobs left `running` by a dead process go back to the queue.
    pub fn requeue_stale_jobs(&mut self) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE sync_jobs SET status = 'queued' WHERE status = 'running'",
            [],
        )?)
    }

    pub fn finish_sync_job(&mut self, id: i64, error: Option<&str>) -> Result<()> {
        self.conn.execute(
            "UPDATE sync_jobs SET status = ?2, error = ?3, finished_at = ?4 WHERE id = ?1",
            params![
                id,
                if error.is_some() { "error" } else { "done" },
                error,
                now()
            ],
        )?;
        Ok(())
    }

    pub fn document_count(&self, collection: &str) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM documents WHERE collection = ?1 AND deleted_at IS NULL",
            [collection],
            |r| r.get(0),
        )?)
    }
}
