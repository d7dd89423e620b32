//! `traces`: the one write path for normalized trace rows (sync pages, webhook events).

use super::Store;
use crate::error::Result;
use crate::traces::TraceRow;
use rusqlite::params;

impl Store {
    /// Insert or replace traces by `trace_id`, in one transaction. A stored row is replaced
    /// only by one whose `updated_at` is not older, so a late redelivery cannot roll a trace
    /// back. Returns how many rows were written.
    pub fn upsert_traces(&mut self, rows: &[TraceRow]) -> Result<usize> {
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO traces (trace_id, name, status, model, start_time, end_time,
                     duration_ms, input_tokens, output_tokens, cost_usd, user_id, session_id,
                     project, tags, metadata, source, updated_at, ts_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
                 ON CONFLICT (trace_id) DO UPDATE SET
                     name = excluded.name, status = excluded.status, model = excluded.model,
                     start_time = excluded.start_time, end_time = excluded.end_time,
                     duration_ms = excluded.duration_ms, input_tokens = excluded.input_tokens,
                     output_tokens = excluded.output_tokens, cost_usd = excluded.cost_usd,
                     user_id = excluded.user_id, session_id = excluded.session_id,
                     project = excluded.project, tags = excluded.tags,
                     metadata = excluded.metadata, source = excluded.source,
                     updated_at = excluded.updated_at, ts_ms = excluded.ts_ms
                 WHERE excluded.updated_at >= traces.updated_at",
            )?;
            let mut written = 0;
            for r in rows {
                written += stmt.execute(params![
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
            Ok(written)
        })
    }
}
