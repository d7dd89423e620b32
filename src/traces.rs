//! Normalized LLM traces: the one row shape that Firestore documents and LangWatch-style webhook
//! events both become, and the time parsing (epoch ms, RFC 3339, Firestore timestamps) they share.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One row of the `traces` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceRow {
    pub trace_id: String,
    pub name: Option<String>,
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
    pub tags: Value,
    pub metadata: Value,
    /// `firestore:<collection>` or `webhook:<source name>`.
    pub source: String,
    pub updated_at: String,
    /// Where the trace sits in time (epoch ms): start_time, else end_time, else receipt.
    pub ts_ms: i64,
}

/// Vertigo's statuses mapped to the stored ones: `completed`→`success`, `failed`→`error`.
pub fn normalize_status(s: &str) -> String {
    match s.trim().to_ascii_lowercase().as_str() {
        "completed" | "complete" | "succeeded" | "success" | "ok" => "success".into(),
        "failed" | "failure" | "error" | "errored" => "error".into(),
        other => other.to_owned(),
    }
}

/// A time in any of the three accepted forms, as epoch milliseconds: a number (epoch ms),
/// an RFC 3339 string, or a Firestore timestamp (decoded to RFC 3339, or the raw
/// `{"timestampValue"}` / `{"seconds","nanos"}` object).
pub fn parse_time_ms(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => {
            let f = n.as_f64()?;
            f.is_finite().then_some(f as i64)
        }
        Value::String(s) => {
            let s = s.trim();
            if let Ok(n) = s.parse::<i64>() {
                return Some(n);
            }
            chrono::DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| t.timestamp_millis())
        }
        Value::Object(m) => {
            if let Some(ts) = m.get("timestampValue") {
                return parse_time_ms(ts);
            }
            let secs = m
                .get("seconds")
                .or_else(|| m.get("_seconds"))?
                .as_i64()
                .or_else(|| m.get("seconds")?.as_str()?.parse().ok())?;
            let nanos = m
                .get("nanos")
                .or_else(|| m.get("_nanoseconds"))
                .and_then(Value::as_i64)
                .unwrap_or(0);
            // Outside input: a time that does not fit in i64 milliseconds is no time, not a
            // wrapped one (nor an overflow panic in a debug build).
            secs.checked_mul(1000)?.checked_add(nanos / 1_000_000)
        }
        _ => None,
    }
}

/// Epoch ms as the store writes times.
pub fn ms_to_rfc3339(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms).map(crate::store::ts)
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn float(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

/// The first of several keys present (snake_case from Firestore, camelCase from LangWatch).
fn pick<'a>(obj: &'a serde_json::Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .find_map(|k| obj.get(*k).filter(|v| !v.is_null()))
}

/// Build a trace row from a decoded JSON object, accepting both Vertigo's Firestore field names
/// and the LangWatch event shape. `fallback_id` is used when the object has no id field.
pub fn from_object(
    obj: &serde_json::Map<String, Value>,
    fallback_id: Option<&str>,
    source: &str,
    received_ms: i64,
) -> Option<TraceRow> {
    let trace_id = text(pick(obj, &["trace_id", "traceId", "id"]))
        .or_else(|| fallback_id.map(str::to_owned))?;
    let start_ms = pick(obj, &["start_time", "startTime", "started_at"]).and_then(parse_time_ms);
    let end_ms = pick(obj, &["end_time", "endTime", "ended_at"]).and_then(parse_time_ms);
    let duration_ms =
        float(pick(obj, &["duration_ms", "durationMs", "duration"])).or_else(|| {
            match (start_ms, end_ms) {
                (Some(s), Some(e)) if e >= s => e.checked_sub(s).map(|d| d as f64),
                _ => None,
            }
        });
    let metadata = pick(obj, &["metadata"]).cloned().unwrap_or(Value::Null);
    let project = metadata
        .get("project")
        .and_then(|v| text(Some(v)))
        .or_else(|| text(pick(obj, &["project", "project_id", "projectId"])));
    let tags = match pick(obj, &["tags", "labels"]) {
        Some(Value::Array(a)) => Value::Array(a.clone()),
        Some(Value::String(s)) => Value::Array(vec![Value::String(s.clone())]),
        _ => Value::Array(Vec::new()),
    };
    let updated_ms = pick(obj, &["updated_at", "updatedAt"]).and_then(parse_time_ms);
    Some(TraceRow {
        trace_id,
        name: text(pick(obj, &["name"])),
        status: text(pick(obj, &["status"])).map(|s| normalize_status(&s)),
        model: text(pick(obj, &["model"])),
        start_time: start_ms.and_then(ms_to_rfc3339),
        end_time: end_ms.and_then(ms_to_rfc3339),
        duration_ms,
        input_tokens: int(pick(obj, &["input_tokens", "inputTokens", "prompt_tokens"])),
        output_tokens: int(pick(
            obj,
            &["output_tokens", "outputTokens", "completion_tokens"],
        )),
        cost_usd: float(pick(obj, &["cost", "cost_usd", "costUsd"])),
        user_id: text(pick(obj, &["user_id", "userId"])),
        session_id: text(pick(obj, &["session_id", "sessionId"])),
        project,
        tags,
        metadata,
        source: source.to_owned(),
        updated_at: updated_ms
            .and_then(ms_to_rfc3339)
            .unwrap_or_else(crate::store::now),
        ts_ms: start_ms.or(end_ms).unwrap_or(received_ms),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn three_time_forms_agree() {
        let ms = 1_764_237_598_500;
        assert_eq!(parse_time_ms(&json!(ms)), Some(ms));
        assert_eq!(parse_time_ms(&json!("2025-11-27T09:59:58.500Z")), Some(ms));
        assert_eq!(
            parse_time_ms(&json!({"timestampValue": "2025-11-27T09:59:58.500000Z"})),
            Some(ms)
        );
        assert_eq!(
            parse_time_ms(&json!({"seconds": 1_764_237_598, "nanos": 500_000_000})),
            Some(ms)
        );
        assert_eq!(parse_time_ms(&json!("yesterday")), None);
    }

    #[test]
    fn langwatch_event_maps_to_row() {
        let t = json!({"id": "tr_8f2c", "name": "meeting_processing", "status": "failed",
            "model": "gemini-1.5-pro", "startTime": 1764237598500i64, "endTime": 1764237600000i64,
            "duration": 1500, "inputTokens": 1200, "outputTokens": 300, "cost": 0.0042,
            "userId": "u_17", "sessionId": "s_3", "tags": ["vertigo", "zoom"],
            "metadata": {"variant": "detailed_extraction", "project": "vertigo"}});
        let row = from_object(t.as_object().unwrap(), None, "webhook:langwatch", 0).unwrap();
        assert_eq!(row.trace_id, "tr_8f2c");
        assert_eq!(row.status.as_deref(), Some("error"));
        assert_eq!(row.duration_ms, Some(1500.0));
        assert_eq!(row.input_tokens, Some(1200));
        assert_eq!(row.project.as_deref(), Some("vertigo"));
        assert_eq!(row.ts_ms, 1764237598500);
        assert_eq!(row.start_time.as_deref(), Some("2025-11-27T09:59:58.500Z"));
    }

    #[test]
    fn firestore_fields_map_to_row_with_project_fallback() {
        let d = json!({"trace_id": "t1", "status": "completed", "project_id": "p9",
            "start_time": "2025-11-27T10:00:00Z", "end_time": "2025-11-27T10:00:02Z"});
        let row = from_object(
            d.as_object().unwrap(),
            Some("doc1"),
            "firestore:vertigo_traces",
            5,
        )
        .unwrap();
        assert_eq!(row.trace_id, "t1");
        assert_eq!(row.status.as_deref(), Some("success"));
        assert_eq!(row.project.as_deref(), Some("p9"));
        assert_eq!(row.duration_ms, Some(2000.0));
        let no_id = json!({"status": "running"});
        let row = from_object(no_id.as_object().unwrap(), Some("doc1"), "firestore:x", 5).unwrap();
        assert_eq!(
            (row.trace_id.as_str(), row.ts_ms, row.status.as_deref()),
            ("doc1", 5, Some("running"))
        );
    }
}
