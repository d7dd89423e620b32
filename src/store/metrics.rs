//! The reads behind the metrics engine: streaming scans of a traces window (from the covering
//! index `traces_metrics`), of the per-minute rollups `trace_rollup` and `trace_latency`, of one
//! latency bucket (index `traces_latency`), and sync runs and webhook deliveries. Migration V5
//! defines the rollups and the triggers that keep them exact.

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

/// One `trace_rollup` row: the traces of one minute and one (model, project, source, status
/// class). Status class: 1 `error`, 2 `success`, 0 anything else.
#[derive(Debug, Clone, Copy)]
pub struct RollupRow<'a> {
    pub minute: i64,
    pub model: Option<&'a str>,
    pub project: Option<&'a str>,
    pub source: &'a str,
    pub st: i64,
    pub n: u64,
    pub cost: f64,
    pub tokens: i64,
}

/// One `trace_latency` row: how many traces of one minute and one (model, project, source) have
/// a duration in latency bucket `bucket`.
#[derive(Debug, Clone, Copy)]
pub struct LatencyRow<'a> {
    pub minute: i64,
    pub model: Option<&'a str>,
    pub project: Option<&'a str>,
    pub source: &'a str,
    pub bucket: i64,
    pub n: u64,
}

/// A trace of one latency bucket, as the percentile drill-down reads it.
#[derive(Debug, Clone, Copy)]
pub struct BucketSample<'a> {
    pub ts_ms: i64,
    pub duration_ms: f64,
    pub model: Option<&'a str>,
    pub project: Option<&'a str>,
    pub source: &'a str,
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

impl ScanFilter<'_> {
    /// Append ` AND …` conditions for this filter to `sql`, binding into `args`.
    fn push_sql(&self, sql: &mut String, args: &mut Vec<rusqlite::types::Value>) {
        if let Some(m) = self.model {
            args.push(m.to_owned().into());
            sql.push_str(&format!(" AND model = ?{}", args.len()));
        }
        if let Some(p) = self.project {
            args.push(p.to_owned().into());
            sql.push_str(&format!(" AND project = ?{}", args.len()));
        }
        if let Some(sources) = &self.sources {
            let mut marks = Vec::new();
            for s in sources {
                args.push(s.clone().into());
                marks.push(format!("?{}", args.len()));
            }
            sql.push_str(&format!(" AND source IN ({})", marks.join(", ")));
        }
    }
}

fn count(v: ValueRef<'_>) -> u64 {
    match v {
        ValueRef::Integer(i) => u64::try_from(i).unwrap_or(0),
        _ => 0,
    }
}

impl Store {
    /// Call `f` for every non-empty `trace_rollup` row with `lo_min <= minute < hi_min`.
    pub fn scan_rollup(
        &self,
        lo_min: i64,
        hi_min: i64,
        filter: &ScanFilter<'_>,
        mut f: impl FnMut(&RollupRow<'_>),
    ) -> Result<()> {
        let mut sql = String::from(
            "SELECT minute, model, project, source, st, n, cost, tokens FROM trace_rollup
             WHERE minute >= ?1 AND minute < ?2 AND n > 0",
        );
        let mut args: Vec<rusqlite::types::Value> = vec![lo_min.into(), hi_min.into()];
        filter.push_sql(&mut sql, &mut args);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            f(&RollupRow {
                minute: r.get(0)?,
                model: text(r.get_ref(1)?),
                project: text(r.get_ref(2)?),
                source: text(r.get_ref(3)?).unwrap_or(""),
                st: r.get(4)?,
                n: count(r.get_ref(5)?),
                cost: real(r.get_ref(6)?).unwrap_or(0.0),
                tokens: r.get::<_, Option<i64>>(7)?.unwrap_or(0),
            });
        }
        Ok(())
    }

    /// Call `f` for every non-empty `trace_latency` row with `lo_min <= minute < hi_min`.
    pub fn scan_latency_rollup(
        &self,
        lo_min: i64,
        hi_min: i64,
        filter: &ScanFilter<'_>,
        mut f: impl FnMut(&LatencyRow<'_>),
    ) -> Result<()> {
        let mut sql = String::from(
            "SELECT minute, model, project, source, bucket, n FROM trace_latency
             WHERE minute >= ?1 AND minute < ?2 AND n > 0",
        );
        let mut args: Vec<rusqlite::types::Value> = vec![lo_min.into(), hi_min.into()];
        filter.push_sql(&mut sql, &mut args);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            f(&LatencyRow {
                minute: r.get(0)?,
                model: text(r.get_ref(1)?),
                project: text(r.get_ref(2)?),
                source: text(r.get_ref(3)?).unwrap_or(""),
                bucket: r.get(4)?,
                n: count(r.get_ref(5)?),
            });
        }
        Ok(())
    }

    /// Call `f` for every trace in latency bucket `bucket` with `from_ms <= ts_ms < to_ms`
    /// (index `traces_latency`).
    pub fn scan_latency_bucket(
        &self,
        bucket: i64,
        from_ms: i64,
        to_ms: i64,
        filter: &ScanFilter<'_>,
        mut f: impl FnMut(&BucketSample<'_>),
    ) -> Result<()> {
        let mut sql = String::from(
            "SELECT ts_ms, duration_ms, model, project, source
             FROM traces INDEXED BY traces_latency
             WHERE lat_bucket = ?1 AND ts_ms >= ?2 AND ts_ms < ?3",
        );
        let mut args: Vec<rusqlite::types::Value> =
            vec![bucket.into(), from_ms.into(), to_ms.into()];
        filter.push_sql(&mut sql, &mut args);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            let Some(duration_ms) = real(r.get_ref(1)?) else {
                continue;
            };
            f(&BucketSample {
                ts_ms: r.get(0)?,
                duration_ms,
                model: text(r.get_ref(2)?),
                project: text(r.get_ref(3)?),
                source: text(r.get_ref(4)?).unwrap_or(""),
            });
        }
        Ok(())
    }

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
        filter.push_sql(&mut sql, &mut args);
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
