//! The `traces` table: upserts from sync pages and webhook events, deletes by id.

use super::Store;
use crate::error::Result;
use crate::traces::TraceRow;
use rusqlite::{Connection, params};

const UPSERT: &str = "INSERT INTO traces (trace_id, name, status, model, start_time, end_time,
        duration_ms, input_tokens, output_tokens, cost_usd, user_id, session_id, project, tags,
        metadata, source, updated_at, ts_ms)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
    ON CONFLICT (trace_id) DO UPDATE SET
        name = excluded.name, status = excluded.status, model = excluded.model,
        start_time = excluded.start_time, end_time = excluded.end_time,
        duration_ms = excluded.duration_ms, input_tokens = excluded.input_tokens,
        output_tokens = excluded.output_tokens, cost_usd = excluded.cost_usd,
        user_id = excluded.user_id, session_id = excluded.session_id, project = excluded.project,
        tags = excluded.tags, metadata = excluded.metadata, source = excluded.source,
        updated_at = excluded.updated_at, ts_ms = excluded.ts_ms
    WHERE excluded.updated_at >= traces.updated_at";

/// Upsert rows inside a transaction the caller owns (a sync page, a webhook batch). A stored
/// row is replaced only by one whose `updated_at` is not older, so a late redelivery cannot
/// roll a trace back.
pub fn upsert_traces_in(conn: &Connection, rows: &[TraceRow]) -> Result<usize> {
    let mut stmt = conn.prepare_cached(UPSERT)?;
    for r in rows {
        stmt.execute(params![
            r.trace_id,
            r.name,
            r.status,
            r.model,
            r.start_time,
            r.end_time,
            r.duration_ms,
            r.input_tokens,
            r.output_tokens,
            r.cost_usd,
            r.user_id,
            r.session_id,
            r.project,
            r.tags.to_string(),
            r.metadata.to_string(),
            r.source,
            r.updated_at,
            r.ts_ms,
        ])?;
    }
    Ok(rows.len())
}

/// Remove a trace; returns whether it existed.
pub fn delete_trace_in(conn: &Connection, trace_id: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM traces WHERE trace_id = ?1", [trace_id])? > 0)
}

impl Store {
    /// Upsert rows in one transaction.
    pub fn upsert_traces(&mut self, rows: &[TraceRow]) -> Result<usize> {
        self.write(|tx| upsert_traces_in(tx, rows))
    }

    pub fn trace_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM traces", [], |r| r.get(0))?)
    }
}
