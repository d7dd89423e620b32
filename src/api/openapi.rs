//! The OpenAPI 3.1 document of every route: parameters, bodies, responses with the JSON
//! Schemas (draft 2020-12) of their shapes, problem+json errors, and security (`bearerAuth`;
//! open routes `security: []`). `tests/api.rs` validates live responses against it and
//! derives the auth matrix from it, so a route missing here fails the tests.

use super::handlers::MAX_FREQUENCY_SECONDS;
use super::params::MAX_VALUE_LEN;
use super::router::{ROUTES, RouteDef};
use serde_json::{Map, Value, json};

/// `window` and `for` durations: digits and a unit, repeated (`1h`, `1h30m`, `90s`).
pub const DURATION_PATTERN: &str = "^([0-9]+(ms|d|h|m|s))+$";
/// What free-text parameters may hold: no control characters.
pub const TEXT_PATTERN: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// An object with exactly these properties, all required unless listed in `optional`.
fn obj(props: &[(&str, Value)], optional: &[&str]) -> Value {
    let mut p = Map::new();
    let mut required = Vec::new();
    for (k, v) in props {
        p.insert((*k).to_owned(), v.clone());
        if !optional.contains(k) {
            required.push(json!(k));
        }
    }
    json!({ "type": "object", "properties": p, "required": required, "additionalProperties": false })
}

fn nullable(t: &str) -> Value {
    json!({ "type": [t, "null"] })
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

fn count() -> Value {
    json!({ "type": "integer", "minimum": 0 })
}

fn rate() -> Value {
    json!({ "type": ["number", "null"], "minimum": 0, "maximum": 1 })
}

fn string_map() -> Value {
    json!({ "type": "object", "additionalProperties": { "type": "string" } })
}

fn trace_metric_props() -> Vec<(&'static str, Value)> {
    vec![
        ("traces_total", count()),
        ("error_rate", rate()),
        ("success_rate", rate()),
        ("latency_p50_ms", nullable("number")),
        ("latency_p95_ms", nullable("number")),
        ("latency_p99_ms", nullable("number")),
        ("cost_usd", json!({ "type": "number" })),
        ("tokens_total", json!({ "type": "integer" })),
    ]
}

fn schemas() -> Value {
    let features = obj(
        &[
            ("live_data_enabled", json!({"type": "boolean"})),
            ("real_time_alerts", json!({"type": "boolean"})),
            ("advanced_caching", json!({"type": "boolean"})),
        ],
        &[],
    );
    let collection_status = obj(
        &[
            ("name", string()),
            ("kind", json!({"enum": ["traces", "documents"]})),
            ("enabled", json!({"type": "boolean"})),
            ("sync_frequency", json!({"type": "integer", "minimum": 1})),
            ("last_sync", nullable("string")),
            (
                "last_status",
                json!({"enum": ["success", "error", "in_progress", null]}),
            ),
            ("last_error", nullable("string")),
            ("last_success", nullable("string")),
            (
                "lag_seconds",
                json!({"type": ["integer", "null"], "minimum": 0}),
            ),
            ("records", count()),
        ],
        &[],
    );
    let status = obj(
        &[
            ("generated_at", time()),
            ("version", string()),
            ("features", r("Features")),
            (
                "collections",
                json!({"type": "array", "items": r("CollectionStatus")}),
            ),
            (
                "webhooks",
                obj(
                    &[
                        ("window_seconds", count()),
                        ("total", count()),
                        ("rejected", count()),
                        (
                            "by_status",
                            json!({"type": "object", "additionalProperties": count()}),
                        ),
                    ],
                    &[],
                ),
            ),
            (
                "alerts",
                json!({"type": "array", "items": obj(&[
                    ("id", json!({"type": "integer"})),
                    ("rule", string()),
                    ("severity", json!({"enum": ["info", "warning", "critical"]})),
                    ("value", nullable("number")),
                    ("since", nullable("string")),
                    ("labels", json!({"type": ["object", "null"]})),
                ], &[])}),
            ),
            ("started_at", time()),
            ("uptime_seconds", count()),
        ],
        &[],
    );
    let trace_metrics = obj(&trace_metric_props(), &[]);
    let mut bucket_props = vec![("start", time())];
    bucket_props.extend(trace_metric_props());
    let mut metrics_props = trace_metric_props();
    metrics_props.extend([
        (
            "by_model",
            json!({"type": "object", "additionalProperties": r("TraceMetrics")}),
        ),
        (
            "series",
            obj(
                &[
                    ("bucket_seconds", json!({"type": "integer", "minimum": 1})),
                    (
                        "buckets",
                        json!({"type": "array", "items": obj(&bucket_props, &[])}),
                    ),
                ],
                &[],
            ),
        ),
        ("window_seconds", count()),
        ("from", time()),
        ("to", time()),
        ("labels", string_map()),
    ]);
    let metrics = obj(&metrics_props, &[]);
    let webhook_log = obj(
        &[
            ("id", json!({"type": "integer"})),
            ("source", string()),
            ("status_code", json!({"type": "integer"})),
            ("processed_at", string()),
            ("processing_time_ms", json!({"type": "number"})),
            ("event_type", nullable("string")),
            ("delivery_id", nullable("string")),
            ("error", nullable("string")),
            ("remote_addr", nullable("string")),
            ("payload", nullable("string")),
            ("payload_chars", count()),
        ],
        &[],
    );
    let sync_log = obj(
        &[
            ("id", json!({"type": "integer"})),
            ("collection", string()),
            (
                "status",
                json!({"enum": ["success", "error", "in_progress"]}),
            ),
            ("last_sync", string()),
            ("started_at", nullable("string")),
            ("finished_at", nullable("string")),
            ("duration_ms", nullable("integer")),
            ("records_synced", json!({"type": "integer"})),
            ("records_deleted", json!({"type": "integer"})),
            ("error_message", nullable("string")),
            ("mode", nullable("string")),
        ],
        &[],
    );
    let alert = obj(
        &[
            ("id", json!({"type": "integer"})),
            ("rule", string()),
            ("severity", json!({"enum": ["info", "warning", "critical"]})),
            (
                "state",
                json!({"enum": ["inactive", "pending", "firing", "resolved"]}),
            ),
            ("value", nullable("number")),
            ("since", nullable("string")),
            ("labels", string_map()),
            ("acked_by", nullable("string")),
            ("silenced_until", nullable("string")),
        ],
        &[],
    );
    let event = obj(
        &[
            ("id", json!({"type": "integer"})),
            ("alert_id", nullable("integer")),
            ("rule", string()),
            (
                "kind",
                json!({"enum": ["pending", "firing", "resolved", "ack", "silence", "notified"]}),
            ),
            ("at", string()),
            ("value", nullable("number")),
            ("by", nullable("string")),
            ("comment", nullable("string")),
            ("until", nullable("string")),
        ],
        &[],
    );
    let rule = obj(
        &[
            ("name", string()),
            ("metric", json!({"enum": crate::config::METRICS})),
            ("window", string()),
            ("op", json!({"enum": crate::config::OPERATORS})),
            ("threshold", json!({"type": "number"})),
            ("for", string()),
            ("severity", json!({"enum": ["info", "warning", "critical"]})),
            ("labels", string_map()),
            ("group_by", json!({"type": "array", "items": string()})),
            ("channels", json!({"type": "array", "items": string()})),
            ("repeat_interval", string()),
            ("send_resolved", json!({"type": "boolean"})),
            ("description", string()),
        ],
        &["description"],
    );
    let collection = obj(
        &[
            ("name", string()),
            ("kind", json!({"enum": ["traces", "documents"]})),
            ("sync_frequency", json!({"type": "integer", "minimum": 1})),
            ("enabled", json!({"type": "boolean"})),
            ("cursor_field", nullable("string")),
        ],
        &[],
    );
    let config = obj(
        &[
            (
                "collections",
                json!({"type": "array", "items": r("Collection")}),
            ),
            ("features", r("Features")),
        ],
        &[],
    );
    let frequency = json!({"type": "integer", "minimum": 1, "maximum": MAX_FREQUENCY_SECONDS});
    let mut patch_item = obj(
        &[
            ("name", string()),
            ("sync_frequency", frequency),
            ("enabled", json!({"type": "boolean"})),
        ],
        &["sync_frequency", "enabled"],
    );
    patch_item["anyOf"] = json!([{"required": ["sync_frequency"]}, {"required": ["enabled"]}]);
    let config_patch = obj(
        &[(
            "collections",
            json!({"type": "array", "maxItems": 1000, "items": patch_item}),
        )],
        &[],
    );
    let by = json!({"type": "string", "minLength": 1, "maxLength": 200, "pattern": TEXT_PATTERN});
    let comment = json!({"type": "string", "maxLength": 2000});
    let ack = obj(
        &[("by", by.clone()), ("comment", comment.clone())],
        &["comment"],
    );
    let silence_req = obj(
        &[
            ("rule", string()),
            (
                "for",
                json!({"type": "string", "pattern": DURATION_PATTERN}),
            ),
            ("by", by),
            ("comment", comment),
        ],
        &["comment"],
    );
    let silence = obj(
        &[
            ("id", json!({"type": "integer"})),
            ("rule", string()),
            ("until", time()),
            ("created_at", time()),
            ("by", string()),
            ("comment", nullable("string")),
        ],
        &[],
    );
    let check = obj(
        &[
            ("componentId", string()),
            ("componentType", string()),
            ("status", json!({"enum": ["pass", "warn", "fail"]})),
            ("observedValue", json!({})),
            ("observedUnit", string()),
            ("time", time()),
            ("output", string()),
        ],
        &["componentId", "observedUnit", "output"],
    );
    let health = obj(
        &[
            ("status", json!({"enum": ["pass", "warn", "fail"]})),
            ("version", string()),
            (
                "checks",
                json!({"type": "object", "additionalProperties": {"type": "array", "items": r("HealthCheck")}}),
            ),
        ],
        &[],
    );
    let probe = obj(
        &[("status", json!({"enum": ["pass", "warn", "fail"]}))],
        &[],
    );
    let problem = obj(
        &[
            ("type", json!({"type": "string", "format": "uri"})),
            ("title", string()),
            (
                "status",
                json!({"type": "integer", "minimum": 400, "maximum": 599}),
            ),
            ("detail", string()),
            ("param", string()),
            ("pointer", string()),
        ],
        &["param", "pointer"],
    );
    json!({
        "Problem": problem,
        "Features": features,
        "CollectionStatus": collection_status,
        "Status": status,
        "TraceMetrics": trace_metrics,
        "Metrics": metrics,
        "WebhookLogEntry": webhook_log,
        "SyncLogEntry": sync_log,
        "Alert": alert,
        "AlertEvent": event,
        "Rule": rule,
        "Collection": collection,
        "Config": config,
        "ConfigPatch": config_patch,
        "AckRequest": ack,
        "SilenceRequest": silence_req,
        "Silence": silence,
        "HealthCheck": check,
        "Health": health,
        "Probe": probe,
    })
}

/// The `{"data","meta"}` envelope around `data`, with `meta`'s extra properties.
fn envelope(data: Value, meta: &[(&str, Value)]) -> Value {
    let mut m = vec![("generated_at", time())];
    m.extend(meta.iter().cloned());
    obj(&[("data", data), ("meta", obj(&m, &[]))], &[])
}

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/problem+json": { "schema": r("Problem") } }
    })
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn text_param(name: &str, description: &str) -> Value {
    query_param(
        name,
        description,
        json!({"type": "string", "maxLength": MAX_VALUE_LEN, "pattern": TEXT_PATTERN}),
    )
}

fn limit_param(default: i64) -> Value {
    query_param(
        "limit",
        "Entries per page.",
        json!({"type": "integer", "minimum": 1, "maximum": 500, "default": default}),
    )
}

fn cursor_param() -> Value {
    query_param(
        "cursor",
        "`meta.next_cursor` of the previous page (opaque).",
        json!({"type": "string", "pattern": "^[A-Za-z0-9_-]+$", "maxLength": 32}),
    )
}

struct Op {
    summary: &'static str,
    params: Vec<Value>,
    body: Option<Value>,
    ok: Value,
    extra: Vec<(&'static str, Value)>,
}

fn op(
    summary: &'static str,
    params: Vec<Value>,
    body: Option<Value>,
    ok: Value,
    extra: Vec<(&'static str, Value)>,
) -> Op {
    Op {
        summary,
        params,
        body,
        ok,
        extra,
    }
}

fn op_for(def: &RouteDef) -> Op {
    use super::router::RouteId::*;
    let ok = |schema: Value, description: &str| json!({ "description": description, "content": json_content(schema) });
    let health_503 = |schema: Value| json!({ "description": "At least one check fails.", "content": { "application/health+json": { "schema": schema } } });
    match def.id {
        Index => op(
            "The dashboard.",
            vec![],
            None,
            json!({"description": "The dashboard page.", "content": {"text/html": {"schema": string()}}}),
            vec![],
        ),
        Asset => op(
            "An embedded dashboard file.",
            vec![json!({"name": "path", "in": "path", "required": true, "schema": string()})],
            None,
            json!({"description": "The file.", "content": {
                "text/html": {"schema": string()},
                "text/javascript": {"schema": string()},
                "text/css": {"schema": string()}
            }}),
            vec![("404", problem_response("No such file."))],
        ),
        OpenApi => op(
            "This document.",
            vec![],
            None,
            ok(json!({"type": "object"}), "The OpenAPI 3.1 document."),
            vec![],
        ),
        Livez => op(
            "Liveness: 200 while the process serves.",
            vec![],
            None,
            ok(r("Probe"), "Alive."),
            vec![],
        ),
        Readyz => op(
            "Readiness from the health engine: 503 when a check fails.",
            vec![],
            None,
            ok(r("Probe"), "Ready (no check fails)."),
            vec![(
                "503",
                json!({"description": "A health check fails.", "content": json_content(r("Probe"))}),
            )],
        ),
        Health => op(
            "Health checks (health+json, draft-inadarei-api-health-check).",
            vec![],
            None,
            json!({"description": "No check fails.", "content": {"application/health+json": {"schema": r("Health")}}}),
            vec![("503", health_503(r("Health")))],
        ),
        Prometheus => op(
            "Prometheus metrics (text exposition format 0.0.4).",
            vec![],
            None,
            json!({"description": "The metrics.", "content": {"text/plain": {"schema": string()}}}),
            vec![],
        ),
        Status => op(
            "Version, uptime, feature flags, collections with last sync, lag and counts, webhook totals, firing alerts.",
            vec![],
            None,
            ok(envelope(r("Status"), &[]), "The overview."),
            vec![],
        ),
        Metrics => op(
            "Trace metrics of a window: totals, per model, and a time series.",
            vec![
                query_param(
                    "window",
                    "How far back from now, 1m to 30d (e.g. 5m, 1h, 24h, 7d).",
                    json!({"type": "string", "pattern": DURATION_PATTERN, "maxLength": 32, "default": "1h"}),
                ),
                text_param("model", "Only traces of this model."),
                text_param("project", "Only traces of this project."),
                text_param(
                    "collection",
                    "Only traces synced from this Firestore collection.",
                ),
                text_param(
                    "source",
                    "Only traces from this source (`firestore:<collection>` or `webhook:<source>`).",
                ),
            ],
            None,
            ok(
                envelope(
                    r("Metrics"),
                    &[
                        ("window", string()),
                        ("cache", json!({"enum": ["hit", "miss", "off"]})),
                    ],
                ),
                "The metrics.",
            ),
            vec![],
        ),
        Logs => op(
            "Webhook deliveries or sync runs, newest first, paginated.",
            vec![
                query_param(
                    "kind",
                    "Which log.",
                    json!({"enum": ["webhook", "sync"], "default": "webhook"}),
                ),
                text_param("source", "Webhook source, or sync collection."),
                query_param(
                    "status",
                    "Webhook: an HTTP status code (100-599); sync: success, error or in_progress.",
                    json!({"type": "string", "pattern": "^([1-5][0-9][0-9]|success|error|in_progress)$"}),
                ),
                limit_param(50),
                cursor_param(),
            ],
            None,
            ok(
                envelope(
                    json!({"anyOf": [
                        {"type": "array", "items": r("WebhookLogEntry")},
                        {"type": "array", "items": r("SyncLogEntry")}
                    ]}),
                    &[
                        ("kind", json!({"enum": ["webhook", "sync"]})),
                        ("limit", json!({"type": "integer"})),
                        ("next_cursor", nullable("string")),
                    ],
                ),
                "A page of log entries.",
            ),
            vec![],
        ),
        Alerts => op(
            "Alerts by state.",
            vec![query_param(
                "state",
                "Which alerts.",
                json!({"enum": ["firing", "pending", "resolved", "all"], "default": "all"}),
            )],
            None,
            ok(
                envelope(
                    json!({"type": "array", "items": r("Alert")}),
                    &[(
                        "state",
                        json!({"enum": ["firing", "pending", "resolved", "all"]}),
                    )],
                ),
                "The alerts.",
            ),
            vec![],
        ),
        AlertsHistory => op(
            "Alert events, newest first, paginated.",
            vec![
                text_param("rule", "Only events of this rule."),
                limit_param(100),
                cursor_param(),
            ],
            None,
            ok(
                envelope(
                    json!({"type": "array", "items": r("AlertEvent")}),
                    &[
                        ("limit", json!({"type": "integer"})),
                        ("next_cursor", nullable("string")),
                    ],
                ),
                "A page of events.",
            ),
            vec![],
        ),
        AlertsRules => op(
            "The alert rules (read-only: they live in the config file).",
            vec![],
            None,
            ok(
                envelope(json!({"type": "array", "items": r("Rule")}), &[]),
                "The rules.",
            ),
            vec![],
        ),
        AlertAck => op(
            "Acknowledge a firing alert: no more notifications until it resolves.",
            vec![json!({"name": "id", "in": "path", "required": true,
                    "schema": {"type": "integer", "minimum": 1, "maximum": i64::MAX}})],
            Some(r("AckRequest")),
            ok(envelope(r("Alert"), &[]), "The acknowledged alert."),
            vec![
                ("404", problem_response("No such alert.")),
                ("409", problem_response("The alert is not firing.")),
            ],
        ),
        Silences => op(
            "Mute a rule for a while.",
            vec![],
            Some(r("SilenceRequest")),
            json!({"description": "The silence.", "content": json_content(envelope(r("Silence"), &[]))}),
            vec![("404", problem_response("No such rule."))],
        ),
        ConfigGet => op(
            "Collections (live_data_config) and feature flags.",
            vec![],
            None,
            ok(envelope(r("Config"), &[]), "The config."),
            vec![],
        ),
        ConfigPatch => op(
            "Change collections' sync frequency (seconds) or enabled flag; all or nothing.",
            vec![],
            Some(r("ConfigPatch")),
            ok(envelope(r("Config"), &[]), "The config after the change."),
            vec![(
                "404",
                problem_response("A named collection is not configured."),
            )],
        ),
    }
}

/// `OPTIONS` on any path of the table: the CORS preflight. Answered before auth and before
/// the query is looked at (a browser sends the real request's query with it), so it is open
/// and takes no query parameters; its path parameters are those of the path's other
/// operations.
fn preflight_operation(path: &str, item: &Value) -> Value {
    let mut params: Vec<Value> = Vec::new();
    for op in item.as_object().into_iter().flat_map(|m| m.values()) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["in"] == "path" && !params.iter().any(|q| q["name"] == p["name"]) {
                params.push(p.clone());
            }
        }
    }
    for (name, description) in [
        (
            "Origin",
            "The page's origin; the Access-Control-Allow-* headers come back only for one listed in api.cors_origins.",
        ),
        (
            "Access-Control-Request-Method",
            "The method the page wants to use.",
        ),
        (
            "Access-Control-Request-Headers",
            "The headers the page wants to send.",
        ),
    ] {
        params.push(json!({
            "name": name, "in": "header", "required": false, "description": description,
            "schema": { "type": "string" }
        }));
    }
    let header =
        |description: &str| json!({ "description": description, "schema": { "type": "string" } });
    let words: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_matches(|c| c == '{' || c == '}')
                .replace(['.', '-'], "_")
        })
        .collect();
    json!({
        "operationId": format!("options_{}", if words.is_empty() { "index".to_owned() } else { words.join("_") }),
        "summary": "CORS preflight: the methods this path allows, and for an origin listed in api.cors_origins the Access-Control-Allow-* headers. No token needed; the query is not looked at.",
        "security": [],
        "parameters": params,
        "responses": {
            "204": {
                "description": "The methods allowed; CORS headers when the Origin is listed.",
                "headers": {
                    "Allow": header("The path's methods, OPTIONS included."),
                    "Access-Control-Allow-Origin": header("The Origin, when listed in api.cors_origins."),
                    "Access-Control-Allow-Methods": header("As Allow, when the Origin is listed."),
                    "Access-Control-Allow-Headers": header("Authorization, Content-Type, If-None-Match; when the Origin is listed."),
                    "Access-Control-Max-Age": header("600 (seconds), when the Origin is listed."),
                    "Access-Control-Expose-Headers": header("ETag, when the Origin is listed."),
                    "Vary": header("Origin, when the Origin is listed.")
                }
            },
            "400": problem_response("A path parameter is malformed (an id that is not a positive integer)."),
            "404": problem_response("No such path, or no such asset."),
            "default": problem_response("Any other error.")
        }
    })
}

/// The operation id: the method and the path's words (`get_api_v1_alerts_history`).
fn operation_id(def: &RouteDef) -> String {
    let words: Vec<String> = def
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_matches(|c| c == '{' || c == '}')
                .replace(['.', '-'], "_")
        })
        .collect();
    let tail = if words.is_empty() {
        "index".to_owned()
    } else {
        words.join("_")
    };
    format!("{}_{tail}", def.method.to_ascii_lowercase())
}

pub fn document() -> Value {
    let mut paths = Map::new();
    for def in ROUTES {
        let op = op_for(def);
        let mut responses = Map::new();
        let success = if def.id == super::router::RouteId::Silences {
            "201"
        } else {
            "200"
        };
        responses.insert(success.into(), op.ok);
        if def.method == "GET" {
            responses.insert(
                "304".into(),
                json!({"description": "Not modified: the If-None-Match ETag still matches."}),
            );
        }
        if !op.params.is_empty() || op.body.is_some() {
            responses.insert(
                "400".into(),
                problem_response(
                    "A parameter or the body is invalid (`param` or `pointer` names it).",
                ),
            );
        }
        if !def.open {
            responses.insert(
                "401".into(),
                problem_response("No token, or a wrong one (WWW-Authenticate: Bearer)."),
            );
            if def.method != "GET" {
                responses.insert(
                    "403".into(),
                    problem_response("The read token may only GET."),
                );
            }
        }
        if op.body.is_some() {
            responses.insert("413".into(), problem_response("The body is over 64 KiB."));
            responses.insert("415".into(), problem_response("The body is not JSON."));
        }
        for (code, resp) in op.extra {
            responses.insert(code.into(), resp);
        }
        responses.insert("default".into(), problem_response("Any other error."));
        let mut operation = json!({
            "operationId": operation_id(def),
            "summary": op.summary,
            "parameters": op.params,
            "responses": responses,
        });
        if def.open {
            operation["security"] = json!([]);
        }
        if let Some(schema) = op.body {
            operation["requestBody"] = json!({
                "required": true,
                "content": { "application/json": { "schema": schema } }
            });
        }
        let entry = paths
            .entry(def.path.to_owned())
            .or_insert_with(|| json!({}));
        entry[def.method.to_ascii_lowercase()] = operation;
    }
    for (path, item) in &mut paths {
        let options = preflight_operation(path, item);
        item["options"] = options;
    }
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "vdt API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Live data of the Vertigo debug toolkit: status, trace metrics, logs, alerts, config and health. Successful JSON responses are enveloped as {\"data\",\"meta\"}; errors are RFC 9457 problem+json. GET responses carry a strong ETag and answer If-None-Match with 304."
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearerAuth": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "api.token (admin: everything) or api.read_token (GET only)."
                }
            },
            "schemas": schemas(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented_with_its_parameters_and_security() {
        let doc = document();
        for def in ROUTES {
            let op = &doc["paths"][def.path][def.method.to_ascii_lowercase()];
            assert!(op.is_object(), "{} {} missing", def.method, def.path);
            assert_eq!(op["security"] == json!([]), def.open, "{}", def.path);
            let documented: Vec<&str> = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["in"] == "query")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert_eq!(documented, def.query, "{}", def.path);
            let preflight = &doc["paths"][def.path]["options"];
            assert_eq!(preflight["security"], json!([]), "{}", def.path);
            assert!(preflight["responses"]["204"].is_object(), "{}", def.path);
        }
        let ids: Vec<&Value> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .map(|op| &op["operationId"])
            .collect();
        let unique: std::collections::BTreeSet<String> =
            ids.iter().map(|v| v.to_string()).collect();
        assert_eq!(unique.len(), ids.len(), "operation ids are unique");
    }
}
