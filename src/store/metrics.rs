//! The reads behind the metrics engine: one streaming scan of a traces window (from the
//! covering index `traces_metrics`), sync runs and webhook deliveries.

use super::Store;
use crate::error::Result;
use rusqlite::types::ValueRef;

/// One trace as the metrics scan sees it; strings are borrowed from SQLite's row buffer.
#[derive(Debug, Clone, Copy)]
pub struct TraceSample<'a> {
    pub ts_ms: i64,
    pub status: Option<&'a str>,
    pub model: Option<&'a str>,
    pub project: Option<&'a str>,
    pub source: &'a str,
    pub duration_ms: Option<f64>,
    pub cost_usd: Option<f64>,
    /// input + output tokens (missing counts as 0).
    pub tokens: i64,
}

/// Exact-match conditions pushed into the scan's SQL.
#[derive(Debug, Clone, Default)]
pub struct ScanFilter<'a> {
    pub model: Option<&'a str>,
    pub project: Option<&'a str>,
    /// Any of these `traces.source` values.
    pub sources: Option<Vec<String>>,
}

/// Sync runs of one collection in a window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncRuns {
    pub collection: String,
    pub successes: u64,
    pub errors: u64,
}

/// A collection and its newest successful sync.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncLag {
    pub collection: String,
    pub last_success: Option<String>,
    /// When the collection was configured: the lag of one that never synced runs from here.
    pub created_at: String,
}

fn text(v: ValueRef<'_>) -> Option<&str> {
    match v {
        ValueRef::Text(t) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

fn real(v: ValueRef<'_>) -> Option<f64> {
    match v {
        ValueRef::Real(f) => Some(f),
        ValueRef::Integer(i) => Some(i as f64),
        _ => None,
    }
}

impl Store {
    /// Call `f` for every trace with `from_ms < ts_ms <= to_ms` that passes `filter`.
    pub fn scan_traces(
        &self,
        from_ms: i64,
        to_ms: i64,
        filter: &ScanFilter<'_>,
        mut f: impl FnMut(&TraceSample<'_>),
    ) -> Result<()> {
        let mut sql = String::from(
            "SELECT ts_ms, status, model, project, source, duration_ms, cost_usd,
                    coalesce(input_tokens, 0) + coalesce(output_tokens, 0)
             FROM traces INDEXED BY traces_metrics WHERE ts_ms > ?1 AND ts_ms <= ?2",
        );
        let mut args: Vec<rusqlite::types::Value> = vec![from_ms.into(), to_ms.into()];
        if let Some(m) = filter.model {
            args.push(m.to_owned().into());
            sql.push_str(&format!(" AND model = ?{}", args.len()));
        }
        if let Some(p) = filter.project {
            args.push(p.to_owned().into());
            sql.push_str(&format!(" AND project = ?{}", args.len()));
        }
        if let Some(sources) = &filter.sources {
            let mut marks = Vec::new();
            for s in sources {
                args.push(s.clone().into());
                marks.push(format!("?{}", args.len()));
            }
            sql.push_str(&format!(" AND source IN ({})", marks.join(", ")));
        }
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            let sample = TraceSample {
                ts_ms: r.get(0)?,
                status: text(r.get_ref(1)?),
                model: text(r.get_ref(2)?),
                project: text(r.get_ref(3)?),
                source: text(r.get_ref(4)?).unwrap_or(""),
                duration_ms: real(r.get_ref(5)?),
                cost_usd: real(r.get_ref(6)?),
                tokens: r.get::<_, Option<i64>>(7)?.unwrap_or(0),
            };
            f(&sample);
        }
        Ok(())
    }

    /// Enabled collections with their newest successful sync.
    pub fn sync_lags(&self) -> Result<Vec<SyncLag>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.firestore_collection,
                    (SELECT max(s.last_sync) FROM sync_status s
                      WHERE s.collection_name = c.firestore_collection AND s.status = 'success'),
                    c.created_at
             FROM live_data_config c WHERE c.enabled = 1 ORDER BY c.firestore_collection",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SyncLag {
                collection: r.get(0)?,
                last_success: r.get(1)?,
                created_at: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Finished sync runs per collection since `since` (RFC 3339).
    pub fn sync_runs_since(&self, since: &str) -> Result<Vec<SyncRuns>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT collection_name, sum(status = 'success'), sum(status = 'error')
             FROM sync_status WHERE last_sync > ?1 AND status IN ('success', 'error')
             GROUP BY collection_name ORDER BY collection_name",
        )?;
        let rows = stmt.query_map([since], |r| {
            Ok(SyncRuns {
                collection: r.get(0)?,
                successes: r.get::<_, i64>(1)? as u64,
                errors: r.get::<_, i64>(2)? as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Webhook deliveries since `since` (RFC 3339): (source, status code, processing ms).
    pub fn webhook_deliveries_since(&self, since: &str) -> Result<Vec<(String, i64, f64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT source, status_code, processing_time_ms FROM webhook_logs
             WHERE processed_at > ?1",
        )?;
        let rows = stmt.query_map([since], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
