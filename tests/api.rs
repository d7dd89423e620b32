//! `vdt api` through the real binary on 127.0.0.1:0 with a seeded database: every route
//! validated live against its own OpenAPI document, the auth matrix derived from that
//! document, envelopes pinned with `deny_unknown_fields`, problem+json errors naming the
//! parameter, ETag/304, PATCH semantics, CORS, health 503, the loopback rule, hostile inputs,
//! and the Prometheus text line by line.

// The shape structs pin every field of a document, whether a test reads it or not.
#![allow(dead_code)]

#[path = "support/api.rs"]
mod api_support;
#[path = "support/cli.rs"]
mod cli;
#[path = "support/redis.rs"]
mod redis_support;

use api_support::{ApiProcess, Reply, request, send_raw};
use cli::{TestEnv, assert_code, stderr};
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::Path;

const ADMIN: &str = "admin-secret-token";
const READ: &str = "read-only-token";
const ORIGIN: &str = "https://dash.example.com";

const CONFIG: &str = r#"
[api]
cors_origins = ["https://dash.example.com"]

[[alerts.rules]]
name = "high-error-rate"
metric = "error_rate"
window = "5m"
op = ">"
threshold = 0.05
severity = "critical"
labels = { model = "gemini-1.5-pro" }

[[alerts.rules]]
name = "slow"
metric = "latency_p95_ms"
op = ">"
threshold = 2000
"#;

fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A migrated database with collections, sync runs, webhook deliveries, traces and alerts.
fn seed(db: &Path) {
    let c = rusqlite::Connection::open(db).unwrap();
    let now = chrono::Utc::now();
    let ago = |s: i64| ts(now - chrono::Duration::seconds(s));
    c.execute_batch(
        "INSERT INTO live_data_config (firestore_collection, sync_frequency, enabled, kind, cursor_field)
           VALUES ('vertigo_traces', 30, 1, 'traces', 'updated_at'), ('meetings', 60, 1, 'documents', NULL);",
    )
    .unwrap();
    for (coll, status, secs, dur) in [
        ("vertigo_traces", "error", 50, 900),
        ("vertigo_traces", "success", 5, 1200),
        ("meetings", "success", 10, 40),
    ] {
        c.execute(
            "INSERT INTO sync_status (collection_name, last_sync, status, records_synced, duration_ms, started_at, finished_at, mode, error_message)
             VALUES (?1, ?2, ?3, 7, ?4, ?2, ?2, 'incremental', CASE WHEN ?3 = 'error' THEN 'boom' END)",
            rusqlite::params![coll, ago(secs), status, dur],
        )
        .unwrap();
    }
    for (source, code, payload) in [
        ("langwatch", 202, Some("{\"type\":\"trace.completed\"}")),
        ("langwatch", 401, None),
        ("github", 202, Some("{}")),
        ("langwatch", 202, Some("{}")),
        ("github", 413, None),
    ] {
        c.execute(
            "INSERT INTO webhook_logs (source, payload, status_code, processed_at, processing_time_ms, event_type)
             VALUES (?1, ?2, ?3, ?4, 1.5, 'trace.completed')",
            rusqlite::params![source, payload, code, ago(60)],
        )
        .unwrap();
    }
    for i in 0..10i64 {
        let start = now - chrono::Duration::seconds(60 * i + 30);
        let model = if i % 2 == 0 {
            "gemini-1.5-pro"
        } else {
            "gemini-1.5-flash"
        };
        let status = if i < 3 { "error" } else { "success" };
        c.execute(
            "INSERT INTO traces (trace_id, name, status, model, start_time, duration_ms, input_tokens,
                output_tokens, cost_usd, project, source, updated_at, ts_ms)
             VALUES (?1, 'meeting_processing', ?2, ?3, ?4, ?5, 100, 20, 0.01, 'vertigo',
                'firestore:vertigo_traces', ?4, ?6)",
            rusqlite::params![
                format!("tr_{i}"),
                status,
                model,
                ts(start),
                (i + 1) as f64 * 100.0,
                start.timestamp_millis()
            ],
        )
        .unwrap();
    }
    c.execute(
        "INSERT INTO alerts (rule, severity, state, value, pending_since, firing_since, labels, fingerprint, episode)
         VALUES ('high-error-rate', 'critical', 'firing', 0.3, ?1, ?1, '{\"model\":\"gemini-1.5-pro\"}', 'f1', 1)",
        [ago(300)],
    )
    .unwrap();
    c.execute(
        "INSERT INTO alerts (rule, severity, state, value, resolved_at, fingerprint)
         VALUES ('slow', 'warning', 'resolved', 1500, ?1, 'f2')",
        [ago(100)],
    )
    .unwrap();
    c.execute(
        "INSERT INTO alert_events (alert_id, rule, kind, at, value) VALUES (1, 'high-error-rate', 'firing', ?1, 0.3)",
        [ago(300)],
    )
    .unwrap();
}

/// A configured, migrated and seeded environment with both tokens.
fn env() -> TestEnv {
    let mut env = TestEnv::new();
    env.set("VDT_API_TOKEN", ADMIN)
        .set("VDT_API_READ_TOKEN", READ);
    env.write_config(CONFIG);
    assert_code(&env.run(&["db", "migrate"]), 0);
    seed(&env.db_path());
    env
}

fn start(env: &TestEnv) -> ApiProcess {
    ApiProcess::start(env.cmd(), "127.0.0.1:0")
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn admin_get(api: &ApiProcess, target: &str) -> Reply {
    api.get(target, &[("Authorization", &bearer(ADMIN))])
}

// ---- the OpenAPI document as the oracle ------------------------------------------------------

fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = json!({ "allOf": [schema] });
    root["components"] = doc["components"].clone();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema does not compile: {e}\n{schema:#}"))
}

/// The reply conforms to the document: its status is documented (or `default`), its media
/// type is listed, and a JSON body validates against the listed schema.
fn conforms(doc: &Value, method: &str, template: &str, reply: &Reply) {
    let op = &doc["paths"][template][method.to_ascii_lowercase()];
    assert!(op.is_object(), "{method} {template} is not in the document");
    let responses = &op["responses"];
    let documented = responses
        .get(reply.status.to_string())
        .or_else(|| responses.get("default"))
        .unwrap_or_else(|| panic!("{method} {template}: status {} undocumented", reply.status));
    if reply.status == 304 || reply.status == 204 {
        assert!(reply.body.is_empty());
        return;
    }
    let media = reply.media_type();
    let schema = &documented["content"][&media]["schema"];
    assert!(
        schema.is_object(),
        "{method} {template} {}: media type {media:?} is not documented: {documented:#}",
        reply.status
    );
    if media.ends_with("json") {
        let body = reply.json();
        let v = validator(doc, schema);
        let errors: Vec<String> = v
            .iter_errors(&body)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {template} {} does not match its schema:\n{}\nbody: {body:#}",
            reply.status,
            errors.join("\n")
        );
    }
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.to_ascii_uppercase(), path.clone(), op.clone()));
        }
    }
    out
}

fn concrete(template: &str) -> String {
    template.replace("{path}", "app.js").replace("{id}", "1")
}

fn valid_body(template: &str, method: &str) -> Option<Value> {
    match (method, template) {
        ("POST", "/api/v1/alerts/{id}/ack") => Some(json!({"by": "tester", "comment": "on it"})),
        ("POST", "/api/v1/silences") => {
            Some(json!({"rule": "slow", "for": "2h", "by": "tester", "comment": "deploy"}))
        }
        ("PATCH", "/api/v1/config") => {
            Some(json!({"collections": [{"name": "meetings", "sync_frequency": 120}]}))
        }
        _ => None,
    }
}

fn call(
    api: &ApiProcess,
    method: &str,
    target: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let auth = token.map(bearer);
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(a) = &auth {
        headers.push(("Authorization", a));
    }
    let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
    if bytes.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    api.send(method, target, &headers, bytes.as_deref())
}

#[test]
fn live_responses_of_every_route_match_the_openapi_document() {
    let env = env();
    let api = start(&env);
    let doc_reply = api.get("/openapi.json", &[]);
    assert_eq!(doc_reply.status, 200);
    let doc = doc_reply.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let ops = operations(&doc);
    assert!(ops.len() >= 17, "{} operations", ops.len());
    assert!(
        ops.iter()
            .any(|(m, p, _)| m == "OPTIONS" && p == "/api/v1/status"),
        "the CORS preflight is documented"
    );
    for (method, template, _) in &ops {
        let target = concrete(template);
        let body = valid_body(template, method);
        let ok = call(&api, method, &target, Some(ADMIN), body.as_ref());
        assert!(
            ok.status < 300,
            "{method} {target}: {} {}",
            ok.status,
            ok.text()
        );
        conforms(&doc, method, template, &ok);
        if method == "OPTIONS" {
            // The CORS preflight: from a listed origin it carries the documented headers; it
            // does not look at the query (a browser sends the real request's).
            let r = api.send(
                "OPTIONS",
                &format!("{target}?bogus=1"),
                &[("Origin", ORIGIN), ("Access-Control-Request-Method", "GET")],
                None,
            );
            assert_eq!(r.status, 204, "OPTIONS {target}");
            conforms(&doc, method, template, &r);
            let documented =
                doc["paths"][template.as_str()]["options"]["responses"]["204"]["headers"]
                    .as_object()
                    .unwrap();
            for name in [
                "Allow",
                "Access-Control-Allow-Origin",
                "Access-Control-Allow-Methods",
            ] {
                assert!(documented.contains_key(name), "{name} not documented");
                assert!(r.header(name).is_some(), "OPTIONS {target}: no {name}");
            }
            continue;
        }
        // An unknown parameter is a documented problem on every route.
        let bad = call(
            &api,
            method,
            &format!("{target}?bogus=1"),
            Some(ADMIN),
            body.as_ref(),
        );
        assert_eq!(bad.status, 400, "{method} {target}?bogus=1: {}", bad.text());
        assert_eq!(bad.json()["param"], "bogus");
        conforms(&doc, method, template, &bad);
        if method == "GET" {
            let etag = ok.header("ETag").expect("GETs carry an ETag").to_owned();
            let again = api.get(
                &target,
                &[("Authorization", &bearer(ADMIN)), ("If-None-Match", &etag)],
            );
            if again.status == 304 {
                conforms(&doc, method, template, &again);
            }
        }
    }
    // Each parameter's documented errors.
    for target in [
        "/api/v1/metrics?window=abc",
        "/api/v1/logs?limit=0",
        "/api/v1/logs?cursor=!!",
        "/api/v1/alerts?state=bogus",
        "/api/v1/alerts/history?limit=501",
    ] {
        let r = admin_get(&api, target);
        assert_eq!(r.status, 400, "{target}");
        let template = target.split('?').next().unwrap();
        conforms(&doc, "GET", template, &r);
    }
    let missing = api.get("/assets/nope.js", &[]);
    assert_eq!(missing.status, 404);
    conforms(&doc, "GET", "/assets/{path}", &missing);
}

#[test]
fn every_protected_route_in_the_document_refuses_missing_wrong_and_read_only_tokens() {
    let env = env();
    let api = start(&env);
    let doc = api.get("/openapi.json", &[]).json();
    let mut protected = 0;
    for (method, template, op) in operations(&doc) {
        let target = concrete(&template);
        let body = valid_body(&template, &method);
        let open = op["security"] == json!([]);
        if open {
            let r = call(&api, &method, &target, None, body.as_ref());
            assert!(
                r.status != 401 && r.status != 403,
                "{method} {target} is open but said {}",
                r.status
            );
            continue;
        }
        protected += 1;
        for token in [None, Some("wrong-token")] {
            let r = call(&api, &method, &target, token, body.as_ref());
            assert_eq!(
                r.status,
                401,
                "{method} {target} with {token:?}: {}",
                r.text()
            );
            assert!(
                r.header("WWW-Authenticate")
                    .unwrap_or("")
                    .starts_with("Bearer")
            );
            assert_eq!(r.media_type(), "application/problem+json");
            conforms(&doc, &method, &template, &r);
        }
        let with_read = call(&api, &method, &target, Some(READ), body.as_ref());
        if method == "GET" {
            assert_eq!(
                with_read.status, 200,
                "{method} {target} with the read token"
            );
        } else {
            assert_eq!(
                with_read.status, 403,
                "{method} {target} with the read token"
            );
            conforms(&doc, &method, &template, &with_read);
        }
    }
    assert!(protected >= 10, "{protected} protected operations");
    // The read-only attempts changed nothing.
    assert_eq!(
        cli::count(
            &env.db_path(),
            "SELECT sync_frequency FROM live_data_config WHERE firestore_collection = 'meetings'"
        ),
        60
    );
}

// ---- envelopes, pinned ---------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<D, M> {
    data: D,
    meta: M,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    generated_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusData {
    generated_at: String,
    version: String,
    features: Features,
    collections: Vec<CollectionStatus>,
    webhooks: Webhooks,
    alerts: Vec<Value>,
    started_at: String,
    uptime_seconds: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Features {
    live_data_enabled: bool,
    real_time_alerts: bool,
    advanced_caching: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CollectionStatus {
    name: String,
    kind: String,
    enabled: bool,
    sync_frequency: u64,
    last_sync: Option<String>,
    last_status: Option<String>,
    last_error: Option<String>,
    last_success: Option<String>,
    lag_seconds: Option<u64>,
    records: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Webhooks {
    window_seconds: u64,
    total: u64,
    rejected: u64,
    by_status: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigData {
    collections: Vec<Collection>,
    features: Features,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Collection {
    name: String,
    kind: String,
    sync_frequency: u64,
    enabled: bool,
    cursor_field: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageMeta {
    generated_at: String,
    kind: String,
    limit: u32,
    next_cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Problem {
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    detail: String,
    param: Option<String>,
    pointer: Option<String>,
}

fn problem(r: &Reply) -> Problem {
    assert_eq!(r.media_type(), "application/problem+json", "{}", r.text());
    let p: Problem = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(p.status, r.status);
    assert!(p.kind.starts_with("https://"), "{}", p.kind);
    assert!(!p.title.is_empty() && !p.detail.is_empty());
    p
}

#[test]
fn status_and_config_envelopes_have_the_pinned_shapes() {
    let env = env();
    let api = start(&env);
    let r = admin_get(&api, "/api/v1/status");
    assert_eq!(r.status, 200);
    assert_eq!(r.media_type(), "application/json");
    let s: Envelope<StatusData, Meta> = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(s.data.version, env!("CARGO_PKG_VERSION"));
    assert!(s.data.features.live_data_enabled);
    assert_eq!(s.data.collections.len(), 2);
    let traces = s
        .data
        .collections
        .iter()
        .find(|c| c.name == "vertigo_traces")
        .unwrap();
    assert_eq!(traces.last_status.as_deref(), Some("success"));
    assert!(traces.lag_seconds.unwrap() < 120);
    assert_eq!(s.data.webhooks.total, 5);
    assert_eq!(s.data.webhooks.rejected, 2);
    assert_eq!(s.data.alerts.len(), 1, "one firing alert");
    assert!(chrono::DateTime::parse_from_rfc3339(&s.meta.generated_at).is_ok());

    let r = admin_get(&api, "/api/v1/config");
    let c: Envelope<ConfigData, Meta> = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        c.data.collections[0],
        Collection {
            name: "meetings".into(),
            kind: "documents".into(),
            sync_frequency: 60,
            enabled: true,
            cursor_field: None
        }
    );
}

// ---- parameters ------------------------------------------------------------------------------

#[test]
fn bad_parameters_get_400_problems_naming_them() {
    let env = env();
    let api = start(&env);
    for (target, param) in [
        ("/api/v1/metrics?window=abc", "window"),
        ("/api/v1/metrics?window=1y", "window"),
        ("/api/v1/metrics?window=", "window"),
        ("/api/v1/metrics?window=999d", "window"),
        ("/api/v1/logs?limit=0", "limit"),
        ("/api/v1/logs?limit=501", "limit"),
        ("/api/v1/logs?limit=ten", "limit"),
        ("/api/v1/logs?limit=+5", "limit"),
        ("/api/v1/logs?cursor=not-a-cursor!", "cursor"),
        ("/api/v1/logs?cursor=MDQy", "cursor"),
        ("/api/v1/logs?kind=email", "kind"),
        ("/api/v1/logs?status=abc", "status"),
        ("/api/v1/logs?kind=sync&status=200", "status"),
        ("/api/v1/alerts?state=burning", "state"),
        ("/api/v1/alerts?state=", "state"),
        ("/api/v1/status?verbose=1", "verbose"),
        ("/api/v1/logs?limit=5&limit=6", "limit"),
        ("/api/v1/metrics?model=%zz", "model"),
        ("/api/v1/metrics?model=%ff", "model"),
        ("/api/v1/alerts/abc/ack", "id"),
    ] {
        let method = if target.contains("/ack") {
            "POST"
        } else {
            "GET"
        };
        let r = api.send(
            method,
            target,
            &[
                ("Authorization", &bearer(ADMIN)),
                ("Content-Type", "application/json"),
            ],
            Some(b"{\"by\":\"x\"}"),
        );
        assert_eq!(r.status, 400, "{target}: {}", r.text());
        let p = problem(&r);
        assert_eq!(p.param.as_deref(), Some(param), "{target}: {}", p.detail);
    }
    // Free-text filters may be empty, as DESIGN writes them.
    assert_eq!(
        admin_get(&api, "/api/v1/metrics?window=1h&model=&project=").status,
        200
    );
}

#[test]
fn logs_paginate_with_opaque_cursors_and_filter() {
    let env = env();
    let api = start(&env);
    let mut seen = Vec::new();
    let mut target = "/api/v1/logs?kind=webhook&limit=2".to_owned();
    loop {
        let r = admin_get(&api, &target);
        assert_eq!(r.status, 200, "{}", r.text());
        let page: Envelope<Vec<Value>, PageMeta> = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(page.meta.kind, "webhook");
        assert_eq!(page.meta.limit, 2);
        assert!(page.data.len() <= 2);
        seen.extend(page.data.iter().map(|e| e["id"].as_i64().unwrap()));
        match page.meta.next_cursor {
            Some(c) => target = format!("/api/v1/logs?kind=webhook&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, [5, 4, 3, 2, 1]);
    let r = admin_get(
        &api,
        "/api/v1/logs?kind=webhook&source=langwatch&status=401",
    );
    let d = r.json()["data"].clone();
    assert_eq!(d.as_array().unwrap().len(), 1);
    assert_eq!(d[0]["status_code"], 401);
    let r = admin_get(&api, "/api/v1/logs?kind=sync&status=error");
    let d = r.json()["data"].clone();
    assert_eq!(d.as_array().unwrap().len(), 1);
    assert_eq!(d[0]["collection"], "vertigo_traces");
    assert_eq!(d[0]["error_message"], "boom");
}

// ---- ETag --------------------------------------------------------------------------------------

#[test]
fn get_answers_if_none_match_with_304_and_a_changed_body_with_a_new_etag() {
    let env = env();
    let api = start(&env);
    let first = admin_get(&api, "/api/v1/config");
    let etag = first.header("ETag").unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"));
    let auth = bearer(ADMIN);
    // The config's meta.generated_at moves with the clock; the asset does not.
    let a = api.get("/assets/app.js", &[]);
    let a_tag = a.header("ETag").unwrap().to_owned();
    let again = api.get("/assets/app.js", &[("If-None-Match", &a_tag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("ETag"), Some(a_tag.as_str()));
    let other = api.get("/assets/app.js", &[("If-None-Match", "\"something-else\"")]);
    assert_eq!(other.status, 200);
    let listed = api.get(
        "/assets/app.js",
        &[("If-None-Match", &format!("\"x\", W/{a_tag}"))],
    );
    assert_eq!(listed.status, 304);
    // A write changes the data, so the old ETag no longer matches.
    let patch = api.send(
        "PATCH",
        "/api/v1/config",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        Some(br#"{"collections":[{"name":"meetings","enabled":false}]}"#),
    );
    assert_eq!(patch.status, 200, "{}", patch.text());
    let after = api.get(
        "/api/v1/config",
        &[("Authorization", &auth), ("If-None-Match", &etag)],
    );
    assert_eq!(after.status, 200);
    assert_ne!(after.header("ETag").unwrap(), etag);
}

// ---- PATCH /api/v1/config ------------------------------------------------------------------

fn frequencies(db: &Path) -> Vec<(String, i64, bool)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut s = c
        .prepare(
            "SELECT firestore_collection, sync_frequency, enabled FROM live_data_config ORDER BY 1",
        )
        .unwrap();
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn patch_config_changes_the_database_and_invalid_bodies_change_nothing() {
    let env = env();
    let api = start(&env);
    let db = env.db_path();
    let before = frequencies(&db);
    let patch = |body: &[u8], ct: &str| {
        api.send(
            "PATCH",
            "/api/v1/config",
            &[("Authorization", &bearer(ADMIN)), ("Content-Type", ct)],
            Some(body),
        )
    };
    for (body, status, pointer) in [
        (&br#"{"collections":[{"name":"meetings","sync_frequency":0}]}"#[..], 400, Some("/collections/0/sync_frequency")),
        (br#"{"collections":[{"name":"meetings","sync_frequency":-5}]}"#, 400, Some("/collections/0/sync_frequency")),
        (br#"{"collections":[{"name":"meetings","sync_frequency":1e300}]}"#, 400, Some("/collections/0/sync_frequency")),
        (br#"{"collections":[{"name":"meetings","sync_frequency":99999999999999999999999}]}"#, 400, Some("/collections/0/sync_frequency")),
        (br#"{"collections":[{"name":"meetings","sync_frequency":null}]}"#, 400, Some("/collections/0/sync_frequency")),
        (br#"{"collections":[{"name":"meetings","enabled":"no"}]}"#, 400, Some("/collections/0/enabled")),
        (br#"{"collections":[{"name":"meetings","color":"red"}]}"#, 400, None),
        (br#"{"collections":[{"name":"meetings"}]}"#, 400, Some("/collections/0")),
        (br#"{"collections":[{"name":"meetings","enabled":false}],"extra":1}"#, 400, None),
        (br#"{"collections":[{"name":"meetings","enabled":false},{"name":"meetings","enabled":true}]}"#, 400, Some("/collections/1/name")),
        (br#"{}"#, 400, None),
        (br#"not json"#, 400, None),
        (b"", 400, None),
        // The first change is valid, the second names an unknown collection: nothing changes.
        (br#"{"collections":[{"name":"meetings","sync_frequency":5},{"name":"nope","enabled":false}]}"#, 404, Some("/collections/1/name")),
        (br#"{"collections":[{"name":"x' OR 1=1 --","enabled":false}]}"#, 404, Some("/collections/0/name")),
    ] {
        let r = patch(body, "application/json");
        assert_eq!(r.status, status, "{}: {}", String::from_utf8_lossy(body), r.text());
        let p = problem(&r);
        if let Some(ptr) = pointer {
            assert_eq!(p.pointer.as_deref(), Some(ptr), "{}", String::from_utf8_lossy(body));
        }
        assert_eq!(frequencies(&db), before, "{} changed the database", String::from_utf8_lossy(body));
    }
    assert_eq!(patch(br#"{"collections":[]}"#, "text/plain").status, 415);
    let huge = format!(
        r#"{{"collections":[{{"name":"{}","enabled":false}}]}}"#,
        "a".repeat(70 * 1024)
    );
    assert_eq!(patch(huge.as_bytes(), "application/json").status, 413);
    assert_eq!(frequencies(&db), before);

    let r = patch(
        br#"{"collections":[{"name":"meetings","sync_frequency":300,"enabled":false},{"name":"vertigo_traces","sync_frequency":15}]}"#,
        "application/json",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let c: Envelope<ConfigData, Meta> = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        c.data
            .collections
            .iter()
            .map(|c| c.sync_frequency)
            .collect::<Vec<_>>(),
        [300, 15]
    );
    assert_eq!(
        frequencies(&db),
        [
            ("meetings".to_owned(), 300, false),
            ("vertigo_traces".to_owned(), 15, true)
        ]
    );
}

// ---- CORS --------------------------------------------------------------------------------------

#[test]
fn cors_headers_only_for_listed_origins() {
    let env = env();
    let api = start(&env);
    let auth = bearer(ADMIN);
    let listed = api.get(
        "/api/v1/status",
        &[("Authorization", &auth), ("Origin", ORIGIN)],
    );
    assert_eq!(listed.header("Access-Control-Allow-Origin"), Some(ORIGIN));
    let other = api.get(
        "/api/v1/status",
        &[("Authorization", &auth), ("Origin", "https://evil.example")],
    );
    assert_eq!(other.status, 200);
    assert!(
        other
            .headers
            .iter()
            .all(|(k, _)| !k.to_ascii_lowercase().starts_with("access-control-"))
    );
    let preflight = api.send(
        "OPTIONS",
        "/api/v1/config",
        &[
            ("Origin", ORIGIN),
            ("Access-Control-Request-Method", "PATCH"),
        ],
        None,
    );
    assert_eq!(preflight.status, 204);
    assert!(
        preflight
            .header("Access-Control-Allow-Methods")
            .unwrap()
            .contains("PATCH")
    );
    assert!(
        preflight
            .header("Access-Control-Allow-Headers")
            .unwrap()
            .contains("Authorization")
    );
    let evil = api.send(
        "OPTIONS",
        "/api/v1/config",
        &[
            ("Origin", "https://evil.example"),
            ("Access-Control-Request-Method", "PATCH"),
        ],
        None,
    );
    assert!(
        evil.headers
            .iter()
            .all(|(k, _)| !k.to_ascii_lowercase().starts_with("access-control-"))
    );

    // Without cors_origins, never any CORS header.
    let plain = TestEnv::new();
    assert_code(&plain.run(&["db", "migrate"]), 0);
    let api = start(&plain);
    let r = api.get("/api/v1/status", &[("Origin", ORIGIN)]);
    assert_eq!(r.status, 200, "no token configured on loopback: open");
    assert!(
        r.headers
            .iter()
            .all(|(k, _)| !k.to_ascii_lowercase().starts_with("access-control-"))
    );
}

// ---- health -----------------------------------------------------------------------------------

#[test]
fn health_and_readyz_are_503_when_a_collection_is_stale_past_ten_periods() {
    let env = env();
    {
        let api = start(&env);
        let h = api.get("/api/v1/health", &[]);
        assert_eq!(h.status, 200, "{}", h.text());
        assert_eq!(h.media_type(), "application/health+json");
        assert_ne!(h.json()["status"], "fail");
        assert_eq!(api.get("/readyz", &[]).status, 200);
    }
    // A collection synced every second whose last success was an hour ago: past 10×.
    let c = rusqlite::Connection::open(env.db_path()).unwrap();
    c.execute_batch(
        "INSERT INTO live_data_config (firestore_collection, sync_frequency, kind) VALUES ('stale', 1, 'documents');",
    )
    .unwrap();
    c.execute(
        "INSERT INTO sync_status (collection_name, last_sync, status) VALUES ('stale', ?1, 'success')",
        [ts(chrono::Utc::now() - chrono::Duration::hours(1))],
    )
    .unwrap();
    let api = start(&env);
    let h = api.get("/api/v1/health", &[]);
    assert_eq!(h.status, 503, "{}", h.text());
    let body = h.json();
    assert_eq!(body["status"], "fail");
    assert!(
        body["checks"]["sync:lag"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["status"] == "fail")
    );
    let r = api.get("/readyz", &[]);
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["status"], "fail");
    assert_eq!(api.get("/livez", &[]).status, 200);
}

// ---- loopback rule -------------------------------------------------------------------------------

#[test]
fn without_a_token_a_non_loopback_bind_is_refused_with_exit_78() {
    let env = TestEnv::new();
    assert_code(&env.run(&["db", "migrate"]), 0);
    let out = env.run(&["api", "--bind", "0.0.0.0:0"]);
    assert_code(&out, 78);
    let err = stderr(&out);
    assert!(err.contains("without a token"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    let out = env.run(&["api", "--bind", "not-an-address"]);
    assert_code(&out, 2);
}

// ---- hostile inputs -----------------------------------------------------------------------------

#[test]
fn hostile_inputs_get_4xx_never_5xx() {
    let env = env();
    let api = start(&env);
    let auth = bearer(ADMIN);
    let long = "a".repeat(10_000);
    let targets = [
        "/assets/../Cargo.toml".to_owned(),
        "/assets/..%2f..%2fCargo.toml".to_owned(),
        "/assets/%2e%2e/Cargo.toml".to_owned(),
        "/assets/".to_owned(),
        "/api/v1/../../etc/passwd".to_owned(),
        "/api/v1/metrics?model=x'%20OR%201=1;--".to_owned(),
        "/api/v1/metrics?model=%00".to_owned(),
        "/api/v1/metrics?window=99999999999999999999d".to_owned(),
        "/api/v1/metrics?window=9999999999999h".to_owned(),
        format!("/api/v1/metrics?model={long}"),
        "/api/v1/logs?source=%27%3B%20DROP%20TABLE%20webhook_logs%3B--".to_owned(),
        "/api/v1/logs?limit=99999999999999999999999".to_owned(),
        "/api/v1/logs?cursor=OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5".to_owned(),
        "/api/v1/logs?%zz=1".to_owned(),
        "/api/v1/logs?=1".to_owned(),
        "/api/v1/logs?&&&".to_owned(),
        "/api/v1/alerts/99999999999999999999999/ack".to_owned(),
        "/api/v1/alerts/-1/ack".to_owned(),
        "/api/v1/alerts/%31/ack".to_owned(),
        format!("/{long}"),
        "/%ff%fe".to_owned(),
        "//api/v1/status".to_owned(),
        "/api/v1/status/".to_owned(),
    ];
    // Valid requests carrying hostile data: answered, never a server error.
    let data_only = [
        "/api/v1/metrics?model=x'%20OR%201=1;--",
        "/api/v1/logs?source=%27%3B%20DROP%20TABLE%20webhook_logs%3B--",
        "/api/v1/logs?&&&",
    ];
    for t in &targets {
        for method in ["GET", "POST", "PATCH", "DELETE", "PUT"] {
            let r = api.send(
                method,
                t,
                &[
                    ("Authorization", &auth),
                    ("Content-Type", "application/json"),
                ],
                Some(b"{}"),
            );
            let ok = if method == "GET" && data_only.contains(&t.as_str()) {
                r.status == 200
            } else {
                (400..500).contains(&r.status)
            };
            assert!(
                ok,
                "{method} {}: {} {}",
                &t[..t.len().min(80)],
                r.status,
                &r.text()[..r.text().len().min(300)]
            );
        }
    }
    // The SQL in filters was data: the table is still there.
    assert_eq!(
        cli::count(&env.db_path(), "SELECT count(*) FROM webhook_logs"),
        5
    );
    // Bodies: deep nesting, wrong types, huge numbers, invalid UTF-8.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    for body in [
        deep.as_bytes(),
        b"\xff\xfe\x00",
        br#"{"collections":"all"}"#,
        br#"{"collections":[{"name":123}]}"#,
        br#"{"by":["x"]}"#,
    ] {
        for (method, target) in [
            ("PATCH", "/api/v1/config"),
            ("POST", "/api/v1/silences"),
            ("POST", "/api/v1/alerts/1/ack"),
        ] {
            let r = api.send(
                method,
                target,
                &[
                    ("Authorization", &auth),
                    ("Content-Type", "application/json"),
                ],
                Some(body),
            );
            assert!(
                (400..500).contains(&r.status),
                "{method} {target}: {} {}",
                r.status,
                r.text()
            );
        }
    }
    // A malformed request line and a huge declared body.
    let r = send_raw(&api.addr, b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\nConnection: close\r\n\r\n");
    assert_eq!(r.status, 401);
    // Up to the largest a length can be: tiny_http once threw away an unread body through one
    // buffer of the declared size, and failing to allocate it aborted the process.
    for declared in [999_999_999, i64::MAX as u64, u64::MAX] {
        let r = send_raw(
            &api.addr,
            format!("PATCH /api/v1/config HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n{{}}").as_bytes(),
        );
        assert_eq!(r.status, 413, "{declared}");
    }
    // Still serving.
    assert_eq!(api.get("/livez", &[]).status, 200);
}

// ---- Prometheus text ------------------------------------------------------------------------

fn is_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

type Labels = Vec<(String, String)>;

/// Parse `{k="v",…}`; returns the rest of the line after `}`.
fn parse_labels(s: &str) -> Result<(Labels, &str), String> {
    let mut labels = Vec::new();
    let mut rest = s.strip_prefix('{').ok_or("no {")?;
    loop {
        if let Some(r) = rest.strip_prefix('}') {
            return Ok((labels, r));
        }
        let eq = rest.find('=').ok_or("no =")?;
        let name = &rest[..eq];
        if !is_metric_name(name) || name.contains(':') {
            return Err(format!("bad label name {name:?}"));
        }
        rest = rest[eq + 1..].strip_prefix('"').ok_or("no opening quote")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next().ok_or("unterminated value")? {
                (_, '\\') => match chars.next().ok_or("dangling escape")?.1 {
                    'n' => value.push('\n'),
                    '\\' => value.push('\\'),
                    '"' => value.push('"'),
                    c => return Err(format!("bad escape \\{c}")),
                },
                (i, '"') => break i,
                (_, c) => value.push(c),
            }
        };
        labels.push((name.to_owned(), value));
        rest = &rest[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

fn parse_float(s: &str) -> bool {
    matches!(s, "NaN" | "+Inf" | "-Inf") || s.parse::<f64>().is_ok_and(|v| v.is_finite())
}

#[test]
fn prometheus_metrics_parse_line_by_line_and_carry_every_family() {
    let env = env();
    let api = start(&env);
    // Traffic for the request families.
    admin_get(&api, "/api/v1/status");
    admin_get(&api, "/api/v1/logs?limit=0");
    let r = api.get("/metrics", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.media_type(), "text/plain");
    assert!(r.header("Content-Type").unwrap().contains("version=0.0.4"));
    let text = r.text();
    let mut typed: std::collections::BTreeMap<String, String> = Default::default();
    let mut samples: Vec<(String, Labels, String)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let ctx = || format!("line {}: {line:?}", n + 1);
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or_else(|| panic!("{}", ctx()));
            assert!(is_metric_name(name) && !help.is_empty(), "{}", ctx());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or_else(|| panic!("{}", ctx()));
            assert!(is_metric_name(name), "{}", ctx());
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{}",
                ctx()
            );
            assert!(
                typed.insert(name.to_owned(), kind.to_owned()).is_none(),
                "TYPE twice: {}",
                ctx()
            );
        } else {
            assert!(!line.is_empty() && !line.starts_with('#'), "{}", ctx());
            let name_end = line.find(['{', ' ']).unwrap_or_else(|| panic!("{}", ctx()));
            let name = &line[..name_end];
            assert!(is_metric_name(name), "{}", ctx());
            let (labels, rest) = if line[name_end..].starts_with('{') {
                parse_labels(&line[name_end..]).unwrap_or_else(|e| panic!("{e}: {}", ctx()))
            } else {
                (Vec::new(), &line[name_end..])
            };
            let value = rest
                .strip_prefix(' ')
                .unwrap_or_else(|| panic!("{}", ctx()));
            let mut parts = value.split(' ');
            assert!(parse_float(parts.next().unwrap()), "{}", ctx());
            if let Some(ts) = parts.next() {
                assert!(ts.parse::<i64>().is_ok(), "{}", ctx());
            }
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| {
                    name.strip_suffix(s)
                        .filter(|f| typed.get(*f).is_some_and(|k| k == "histogram"))
                })
                .unwrap_or(name);
            assert!(
                typed.contains_key(family),
                "sample before its TYPE: {}",
                ctx()
            );
            samples.push((name.to_owned(), labels, value.to_owned()));
        }
    }
    for family in [
        "vdt_http_requests_total",
        "vdt_http_request_duration_seconds",
        "vdt_sync_runs_total",
        "vdt_sync_duration_seconds",
        "vdt_sync_last_success_timestamp_seconds",
        "vdt_firestore_requests_total",
        "vdt_webhook_deliveries_total",
        "vdt_alerts_firing",
        "vdt_build_info",
    ] {
        assert!(typed.contains_key(family), "no {family} in\n{text}");
    }
    let has = |name: &str, want: &[(&str, &str)], value: &str| {
        samples.iter().any(|(n, l, v)| {
            n == name
                && v == value
                && want
                    .iter()
                    .all(|(k, wv)| l.iter().any(|(lk, lv)| lk == k && lv == wv))
        })
    };
    assert!(
        has(
            "vdt_http_requests_total",
            &[
                ("route", "/api/v1/status"),
                ("method", "GET"),
                ("code", "200")
            ],
            "1"
        ),
        "{text}"
    );
    assert!(
        has(
            "vdt_http_requests_total",
            &[("route", "/api/v1/logs"), ("code", "400")],
            "1"
        ),
        "{text}"
    );
    assert!(has(
        "vdt_sync_runs_total",
        &[("collection", "vertigo_traces"), ("status", "error")],
        "1"
    ));
    assert!(has(
        "vdt_webhook_deliveries_total",
        &[("source", "langwatch"), ("code", "202")],
        "2"
    ));
    assert!(has(
        "vdt_alerts_firing",
        &[("rule", "high-error-rate"), ("severity", "critical")],
        "1"
    ));
    assert!(has(
        "vdt_sync_duration_seconds_bucket",
        &[("collection", "meetings"), ("le", "0.1")],
        "1"
    ));
    assert!(has(
        "vdt_build_info",
        &[("version", env!("CARGO_PKG_VERSION"))],
        "1"
    ));
}

#[test]
fn dashboard_and_assets_are_served_embedded() {
    let env = env();
    let api = start(&env);
    let index = api.get("/", &[]);
    assert_eq!(index.status, 200);
    assert_eq!(index.media_type(), "text/html");
    assert!(index.text().contains("/assets/app.js"));
    assert!(index.header("Content-Security-Policy").is_some());
    for (name, media) in [("app.js", "text/javascript"), ("app.css", "text/css")] {
        let r = api.get(&format!("/assets/{name}"), &[]);
        assert_eq!((r.status, r.media_type().as_str()), (200, media));
    }
    assert!(
        api.get("/assets/app.js", &[])
            .text()
            .contains("/api/v1/status")
    );
    let r = request(&api.addr, "GET", "/assets/../Cargo.toml", &[], None);
    assert_eq!(r.status, 404);
    assert!(!r.text().contains("[package]"));
}

// ---- metrics and alerts through their engines ----------------------------------------------

#[test]
fn metrics_come_from_the_engine_with_filters_per_model_and_series() {
    let env = env();
    let api = start(&env);
    let r = admin_get(&api, "/api/v1/metrics?window=1h");
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    let d = &body["data"];
    assert_eq!(d["traces_total"], 10);
    assert_eq!(d["error_rate"], 0.3);
    assert_eq!(d["success_rate"], 0.7);
    assert_eq!(d["latency_p50_ms"], 500.0);
    assert_eq!(d["tokens_total"], 1200);
    assert_eq!(d["by_model"]["gemini-1.5-pro"]["error_rate"], 0.4);
    assert_eq!(d["by_model"]["gemini-1.5-flash"]["traces_total"], 5);
    assert_eq!(d["window_seconds"], 3600);
    let buckets = d["series"]["buckets"].as_array().unwrap();
    let in_series: u64 = buckets
        .iter()
        .map(|b| b["traces_total"].as_u64().unwrap())
        .sum();
    assert_eq!(in_series, 10);
    assert_eq!(body["meta"]["window"], "1h");

    let r = admin_get(
        &api,
        "/api/v1/metrics?window=1h&model=gemini-1.5-pro&project=vertigo",
    );
    let d = r.json()["data"].clone();
    assert_eq!(d["traces_total"], 5);
    assert_eq!(d["labels"]["model"], "gemini-1.5-pro");
    let r = admin_get(&api, "/api/v1/metrics?window=5m&collection=vertigo_traces");
    let d = r.json()["data"].clone();
    assert!(
        d["traces_total"].as_u64().unwrap() < 10,
        "5m sees fewer: {d}"
    );
    let r = admin_get(&api, "/api/v1/metrics?window=1h&source=webhook:nowhere");
    assert_eq!(r.json()["data"]["traces_total"], 0);
}

#[test]
fn alerts_list_ack_silence_and_history_go_through_the_alerts_store() {
    let env = env();
    let api = start(&env);
    let auth = bearer(ADMIN);
    let firing = admin_get(&api, "/api/v1/alerts?state=firing").json();
    assert_eq!(firing["data"].as_array().unwrap().len(), 1);
    assert_eq!(firing["data"][0]["rule"], "high-error-rate");
    assert_eq!(firing["meta"]["state"], "firing");
    let all = admin_get(&api, "/api/v1/alerts").json();
    assert_eq!(all["data"].as_array().unwrap().len(), 2);

    let post = |target: &str, body: &str| {
        api.send(
            "POST",
            target,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            Some(body.as_bytes()),
        )
    };
    let r = post(
        "/api/v1/alerts/1/ack",
        r#"{"by":"oncall","comment":"looking"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"]["acked_by"], "oncall");
    assert_eq!(
        cli::count(
            &env.db_path(),
            "SELECT count(*) FROM alerts WHERE id = 1 AND acked_by = 'oncall' AND ack_comment = 'looking'"
        ),
        1
    );
    assert_eq!(
        problem(&post("/api/v1/alerts/2/ack", r#"{"by":"oncall"}"#)).status,
        409
    );
    assert_eq!(
        problem(&post("/api/v1/alerts/999/ack", r#"{"by":"oncall"}"#)).status,
        404
    );
    let p = problem(&post("/api/v1/alerts/1/ack", r#"{"by":""}"#));
    assert_eq!((p.status, p.pointer.as_deref()), (400, Some("/by")));
    let p = problem(&post("/api/v1/alerts/1/ack", r#"{"by":"x","extra":1}"#));
    assert_eq!(p.status, 400);

    let p = problem(&post(
        "/api/v1/silences",
        r#"{"rule":"nope","for":"2h","by":"oncall"}"#,
    ));
    assert_eq!((p.status, p.pointer.as_deref()), (404, Some("/rule")));
    for bad_for in ["0s", "2 hours", "", "400d", "99999999999999999999d"] {
        let p = problem(&post(
            "/api/v1/silences",
            &format!(r#"{{"rule":"slow","for":"{bad_for}","by":"oncall"}}"#),
        ));
        assert_eq!(
            (p.status, p.pointer.as_deref()),
            (400, Some("/for")),
            "{bad_for}"
        );
    }
    assert_eq!(
        cli::count(&env.db_path(), "SELECT count(*) FROM silences"),
        0
    );
    let r = post(
        "/api/v1/silences",
        r#"{"rule":"slow","for":"2h","by":"oncall","comment":"deploy"}"#,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let s = r.json()["data"].clone();
    assert_eq!(s["rule"], "slow");
    let until = chrono::DateTime::parse_from_rfc3339(s["until"].as_str().unwrap()).unwrap();
    let left = until.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!(
        left > chrono::Duration::minutes(119) && left <= chrono::Duration::hours(2),
        "{left}"
    );
    let listed = admin_get(&api, "/api/v1/alerts?state=resolved").json();
    assert_eq!(listed["data"][0]["silenced_until"], s["until"]);

    // History: newest first, one per page, through the cursor.
    let mut kinds = Vec::new();
    let mut target = "/api/v1/alerts/history?limit=1".to_owned();
    loop {
        let page = admin_get(&api, &target).json();
        kinds.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["kind"].as_str().unwrap().to_owned()),
        );
        match page["meta"]["next_cursor"].as_str() {
            Some(c) => target = format!("/api/v1/alerts/history?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(kinds, ["silence", "ack", "firing"]);
    let only = admin_get(&api, "/api/v1/alerts/history?rule=slow").json();
    assert_eq!(only["data"].as_array().unwrap().len(), 1);

    let rules = admin_get(&api, "/api/v1/alerts/rules").json();
    assert_eq!(rules["data"][0]["name"], "high-error-rate");
    assert_eq!(rules["data"][0]["for"], "0s");
}

// ---- the cache ----------------------------------------------------------------------------------

#[test]
fn metrics_and_status_read_through_the_cache_and_writes_invalidate_it() {
    if !redis_support::shared_available() {
        return;
    }
    let mut env = env();
    env.set("VDT_REDIS__URL", &redis_support::shared_url()).set(
        "VDT_REDIS__PREFIX",
        &redis_support::unique_prefix("api_cache"),
    );
    let api = start(&env);
    let first = admin_get(&api, "/api/v1/metrics?window=24h").json();
    assert_eq!(first["meta"]["cache"], "miss");
    let second = admin_get(&api, "/api/v1/metrics?window=24h").json();
    assert_eq!(second["meta"]["cache"], "hit");
    assert_eq!(second["data"], first["data"]);
    assert_eq!(
        second["meta"]["generated_at"],
        first["meta"]["generated_at"]
    );
    // Another filter is another key.
    let filtered = admin_get(&api, "/api/v1/metrics?window=24h&model=gemini-1.5-pro").json();
    assert_eq!(filtered["meta"]["cache"], "miss");
    assert_eq!(filtered["data"]["traces_total"], 5);

    // A write through the API is seen at once: the status shows the new frequency.
    assert_eq!(meetings_frequency(&api), 60);
    set_meetings_frequency(&api, 90);
    assert_eq!(meetings_frequency(&api), 90);
    assert_eq!(
        admin_get(&api, "/api/v1/metrics?window=24h").json()["meta"]["cache"],
        "miss"
    );

    // Another API process on the same Redis shares the values.
    let other = start(&env);
    assert_eq!(
        admin_get(&other, "/api/v1/metrics?window=24h").json()["meta"]["cache"],
        "hit"
    );
    let m = other.get("/metrics", &[]).text();
    assert!(
        m.lines()
            .any(|l| l == "vdt_cache_hits_total{tier=\"redis\"} 1"),
        "{m}"
    );
}

/// `sync_frequency` of `meetings` as `/api/v1/status` shows it.
fn meetings_frequency(api: &ApiProcess) -> Value {
    let s = admin_get(api, "/api/v1/status").json();
    s["data"]["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "meetings")
        .unwrap()["sync_frequency"]
        .clone()
}

fn set_meetings_frequency(api: &ApiProcess, seconds: u32) {
    let body = format!(r#"{{"collections":[{{"name":"meetings","sync_frequency":{seconds}}}]}}"#);
    let r = api.send(
        "PATCH",
        "/api/v1/config",
        &[
            ("Authorization", &bearer(ADMIN)),
            ("Content-Type", "application/json"),
        ],
        Some(body.as_bytes()),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn cached_reads_answer_the_same_bytes_and_etag_from_every_worker_until_a_write() {
    // Workers keep the response they rendered from a cached value; more reads than workers,
    // so each answers from what it kept, and a write must still be seen at once.
    let env = env();
    let api = start(&env);
    let target = "/api/v1/metrics?window=24h";
    let first = admin_get(&api, target);
    assert_eq!(first.status, 200);
    assert_eq!(first.json()["meta"]["cache"], "miss");
    let etag = first.header("ETag").unwrap().to_owned();
    let mut hit_body = None;
    for _ in 0..24 {
        let r = admin_get(&api, target);
        assert_eq!(r.status, 200);
        let body = r.json();
        assert_eq!(body["meta"]["cache"], "hit");
        assert_eq!(body["data"], first.json()["data"]);
        let hit =
            hit_body.get_or_insert_with(|| (r.body.clone(), r.header("ETag").unwrap().to_owned()));
        assert_eq!(r.body, hit.0, "every hit answers the same bytes");
        assert_eq!(r.header("ETag"), Some(hit.1.as_str()));
        assert_ne!(hit.1, etag, "the hit's body says `hit`, the miss's `miss`");
    }
    let (_, hit_tag) = hit_body.unwrap();
    for _ in 0..8 {
        let r = api.get(
            target,
            &[
                ("Authorization", &bearer(ADMIN)),
                ("If-None-Match", &hit_tag),
            ],
        );
        assert_eq!(r.status, 304);
    }
    for _ in 0..24 {
        assert_eq!(meetings_frequency(&api), 60);
    }
    // A write announces itself: no worker answers its kept response again.
    set_meetings_frequency(&api, 90);
    let after = admin_get(&api, target);
    assert_eq!(after.json()["meta"]["cache"], "miss");
    for _ in 0..24 {
        assert_eq!(meetings_frequency(&api), 90);
    }
}

#[test]
fn with_caching_off_every_read_computes() {
    let mut env = env();
    env.set("ADVANCED_CACHING", "false");
    let api = start(&env);
    for _ in 0..2 {
        assert_eq!(
            admin_get(&api, "/api/v1/metrics?window=1h").json()["meta"]["cache"],
            "off"
        );
    }
}

/// `/metrics` samples as `series text → value`, for the families named.
fn scrape(api: &ApiProcess, families: &[&str]) -> std::collections::BTreeMap<String, f64> {
    let r = api.get("/metrics", &[]);
    assert_eq!(r.status, 200);
    r.text()
        .lines()
        .filter(|l| !l.starts_with('#') && families.iter().any(|f| l.starts_with(f)))
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            (series.to_owned(), value.parse().unwrap())
        })
        .collect()
}

#[test]
fn prometheus_counters_do_not_go_down_when_prune_deletes_the_rows_behind_them() {
    let env = env();
    env.write_config(&format!(
        "{CONFIG}\n[retention]\nwebhook_logs = \"1d\"\nsync_status = \"1d\"\n"
    ));
    let c = rusqlite::Connection::open(env.db_path()).unwrap();
    let old = "2020-01-01T00:00:00.000Z";
    for (source, code) in [("langwatch", 202), ("langwatch", 202), ("github", 401)] {
        c.execute(
            "INSERT INTO webhook_logs (source, status_code, processed_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![source, code, old],
        )
        .unwrap();
    }
    // Old runs: 400 ms, 3 s and 200 s long; the newest of each kind is kept by the prune.
    for (coll, status, ms) in [
        ("vertigo_traces", "success", 400),
        ("vertigo_traces", "success", 3000),
        ("vertigo_traces", "success", 200_000),
        ("meetings", "error", 400),
        ("meetings", "error", 400),
    ] {
        c.execute(
            "INSERT INTO sync_status (collection_name, last_sync, status, duration_ms) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![coll, old, status, ms],
        )
        .unwrap();
    }
    // A run in progress is not counted until it finishes (it would go down when it does).
    c.execute(
        "INSERT INTO sync_status (collection_name, last_sync, status) VALUES ('vertigo_traces', ?1, 'in_progress')",
        [ts(chrono::Utc::now())],
    )
    .unwrap();
    drop(c);
    let api = start(&env);
    let families = [
        "vdt_webhook_deliveries_total",
        "vdt_sync_runs_total",
        "vdt_sync_duration_seconds",
    ];
    let before = scrape(&api, &families);
    assert_eq!(
        before[r#"vdt_webhook_deliveries_total{source="langwatch",code="202"}"#],
        4.0
    );
    assert_eq!(
        before[r#"vdt_sync_runs_total{collection="vertigo_traces",status="success"}"#],
        4.0
    );
    assert!(
        !before.keys().any(|k| k.contains("in_progress")),
        "{before:?}"
    );

    let o = env.run(&["--json", "db", "prune"]);
    assert_code(&o, 0);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["deleted"]["webhook_logs"], 3);
    assert_eq!(report["deleted"]["sync_status"], 3);

    let after = scrape(&api, &families);
    for (series, was) in &before {
        let now = after.get(series).copied().unwrap_or(0.0);
        assert!(now >= *was, "{series} went down: {was} -> {now}");
    }
    // Nothing happened between the scrapes, so every counter reads the same.
    assert_eq!(before, after);

    // A second prune finds nothing more and changes nothing.
    assert_code(&env.run(&["db", "prune"]), 0);
    assert_eq!(scrape(&api, &families), after);
}
