//! The normalized trace row that sync, webhooks and the metrics engine share.

use serde::{Deserialize, Serialize};

/// One row of `traces`. `ts_ms` is where the trace sits in time (epoch milliseconds):
/// its start time, else its end time, else when it was received; metric windows select on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceRow {
    pub trace_id: String,
    pub name: Option<String>,
    /// `success`, `error`, or whatever else the sender said.
    pub status: Option<String>,
    pub model: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub duration_ms: Option<f64>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cost_usd: Option<f64>,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub project: Option<String>,
    pub tags: serde_json::Value,
    pub metadata: serde_json::Value,
    /// `firestore:<collection>` or `webhook:<source name>`.
    pub source: String,
    /// RFC 3339; a row is only replaced by one at least as new.
    pub updated_at: String,
    pub ts_ms: i64,
}
