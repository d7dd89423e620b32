//! The Firestore client against the official emulator: value round trips, paging with
//! composite cursors, writes, and — through the fault proxy and the local token
//! endpoint — the service-account flow, retries and error mapping.

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use support::emulator::{self, Emulator, unique_project};
use support::fault_proxy::{Action, FaultProxy, MISSING_INDEX_MESSAGE};
use support::token_server::{TestKey, TokenServer};
use vdt::firestore::{
    Client, ClientConfig, Document, FirestoreError, Order, PageQuery, RetryPolicy, request_counts,
};

fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
    }
}

fn emulator_client(emu: &Emulator, project: &str) -> Client {
    let mut cfg = ClientConfig::new(project);
    cfg.emulator_host = Some(emu.host().to_owned());
    cfg.timeout = Duration::from_secs(30);
    Client::new(cfg).expect("emulator client")
}

/// A service-account client whose token comes from a local token endpoint and whose
/// requests go through a fault proxy to the emulator.
struct Rig {
    _dir: tempfile::TempDir,
    tokens: TokenServer,
    proxy: FaultProxy,
    client: Client,
    key_file: std::path::PathBuf,
    project: String,
}

fn rig(emu: &Emulator, tag: &str, retry: RetryPolicy, timeout: Duration) -> Rig {
    let key = TestKey::shared();
    let project = unique_project(tag);
    let dir = tempfile::tempdir().unwrap();
    let tokens = TokenServer::start(key);
    let key_file = tokens.write_key_file(dir.path(), key, &project);
    let proxy = FaultProxy::with_tokens(emu.host(), tokens.registry());
    let mut cfg = ClientConfig::new(project.clone());
    cfg.credentials_file = Some(key_file.clone());
    cfg.base_url = Some(proxy.url());
    cfg.timeout = timeout;
    cfg.retry = retry;
    let client = Client::new(cfg).expect("service-account client");
    Rig {
        _dir: dir,
        tokens,
        proxy,
        client,
        key_file,
        project,
    }
}

fn raw(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

#[tokio::test]
async fn every_value_kind_round_trips_through_the_emulator() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let project = unique_project("values");
    let client = emulator_client(emu, &project);
    let reference = format!("{}/other/x", client.documents_root());
    let fields = raw(json!({
        "max": {"integerValue": "9223372036854775807"},
        "min": {"integerValue": "-9223372036854775808"},
        "zero": {"integerValue": "0"},
        "pi": {"doubleValue": std::f64::consts::PI},
        "tiny": {"doubleValue": 2.149268168909246e-244},
        "three": {"doubleValue": 3.0},
        "nan": {"doubleValue": "NaN"},
        "inf": {"doubleValue": "Infinity"},
        "ninf": {"doubleValue": "-Infinity"},
        "bytes": {"bytesValue": "AAEC/w=="},
        "geo": {"geoPointValue": {"latitude": 48.8566, "longitude": -2.5}},
        "ref": {"referenceValue": reference},
        "ts": {"timestampValue": "2024-01-02T03:04:05.123456Z"},
        "ts_offset": {"timestampValue": "2024-01-02T03:04:05.000007+02:00"},
        "null": {"nullValue": null},
        "yes": {"booleanValue": true},
        "no": {"booleanValue": false},
        "text": {"stringValue": "héllo \"quoted\" \u{1F600}"},
        "empty_map": {"mapValue": {}},
        "empty_array": {"arrayValue": {}},
        "nested": {"mapValue": {"fields": {
            "list": {"arrayValue": {"values": [
                {"mapValue": {"fields": {
                    "deep": {"integerValue": "-1"},
                    "e": {"arrayValue": {}}
                }}},
                {"nullValue": null},
                {"stringValue": "s"}
            ]}}
        }}}
    }));
    let written = client
        .put_raw_fields("kinds", "all", &fields)
        .await
        .unwrap();
    let fetched = client.get_document("kinds", "all").await.unwrap().unwrap();
    assert_eq!(fetched.name, written.name);
    assert_eq!(fetched.id, "all");
    assert_eq!(fetched.collection, "kinds");
    assert!(fetched.create_time.is_some() && fetched.update_time.is_some());

    let expected = json!({
        "max": i64::MAX,
        "min": i64::MIN,
        "zero": 0,
        "pi": std::f64::consts::PI,
        "tiny": 2.149268168909246e-244,
        "three": 3.0,
        "nan": "NaN",
        "inf": "Infinity",
        "ninf": "-Infinity",
        "bytes": "AAEC/w==",
        "geo": {"latitude": 48.8566, "longitude": -2.5},
        "ref": reference,
        "ts": "2024-01-02T03:04:05.123456Z",
        "ts_offset": "2024-01-02T01:04:05.000007Z",
        "null": null,
        "yes": true,
        "no": false,
        "text": "héllo \"quoted\" \u{1F600}",
        "empty_map": {},
        "empty_array": [],
        "nested": {"list": [{"deep": -1, "e": []}, null, "s"]},
    });
    let data = fetched.data();
    assert_eq!(data, expected);
    assert_eq!(data["max"].as_i64(), Some(i64::MAX));
    assert_eq!(data["min"].as_i64(), Some(i64::MIN));
    assert!(data["three"].is_f64(), "a double stays a float");

    // The query path decodes the same way.
    let page = client
        .query_page("kinds", &PageQuery::new(Order::ByName, 10))
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].data(), expected);

    // Plain JSON written with put_document comes back as it went in.
    let plain = json!({
        "i": i64::MAX, "j": i64::MIN, "f": 0.1, "whole": 2.0, "s": "x", "b": false, "n": null,
        "m": {"a": [{"b": {"c": [1, 2.5, "3", {}, {"d": []}]}}], "e": {}}, "arr": []
    });
    let doc = client.put_document("kinds", "plain", &plain).await.unwrap();
    assert_eq!(doc.data(), plain);
    let again = client
        .get_document("kinds", "plain")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.data(), plain);
}

#[tokio::test]
async fn get_put_delete_and_list_collections() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let project = unique_project("crud");
    let client = emulator_client(emu, &project);
    assert_eq!(
        client.list_collection_ids().await.unwrap(),
        Vec::<String>::new()
    );
    assert!(client.get_document("a", "missing").await.unwrap().is_none());
    client
        .put_document("a", "d1", &json!({"v": 1}))
        .await
        .unwrap();
    client
        .put_document("b", "d1", &json!({"v": 2}))
        .await
        .unwrap();
    // A subcollection under a/d1.
    client
        .put_document("a/d1/sub", "s1", &json!({"v": 3}))
        .await
        .unwrap();
    let sub = client
        .get_document("a/d1/sub", "s1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sub.collection, "a/d1/sub");
    let subpage = client
        .query_page("a/d1/sub", &PageQuery::new(Order::ByName, 10))
        .await
        .unwrap();
    assert_eq!(subpage.len(), 1);
    assert_eq!(subpage[0].id, "s1");

    let mut ids = client.list_collection_ids().await.unwrap();
    ids.sort();
    assert_eq!(ids, ["a", "b"]);

    // Replace, not merge.
    client
        .put_document("a", "d1", &json!({"w": true}))
        .await
        .unwrap();
    let d = client.get_document("a", "d1").await.unwrap().unwrap();
    assert_eq!(d.data(), json!({"w": true}));

    client.delete_document("a", "d1").await.unwrap();
    assert!(client.get_document("a", "d1").await.unwrap().is_none());
    // Deleting what is gone is fine.
    client.delete_document("a", "d1").await.unwrap();

    // Ids that need escaping in a URL.
    client
        .put_document("a", "odd id #1?", &json!({"ok": 1}))
        .await
        .unwrap();
    let odd = client
        .get_document("a", "odd id #1?")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(odd.id, "odd id #1?");
}

async fn all_pages(client: &Client, collection: &str, mut q: PageQuery) -> Vec<Vec<Document>> {
    let mut pages = Vec::new();
    loop {
        let page = client.query_page(collection, &q).await.unwrap();
        let Some(last) = page.last() else {
            return pages;
        };
        q.start_after = Some(last.cursor(&q.order));
        let full = page.len() == q.limit as usize;
        pages.push(page);
        if !full {
            return pages;
        }
    }
}

#[tokio::test]
async fn pages_by_name_lose_and_repeat_nothing() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let client = emulator_client(emu, &unique_project("byname"));
    let writes: Vec<_> = (0..1234)
        .map(|i| ("items".to_owned(), format!("d{i:05}"), json!({"i": i})))
        .collect();
    client.batch_write(writes).await.unwrap();

    let pages = all_pages(&client, "items", PageQuery::new(Order::ByName, 100)).await;
    assert_eq!(pages.len(), 13);
    let ids: Vec<String> = pages.iter().flatten().map(|d| d.id.clone()).collect();
    let expected: Vec<String> = (0..1234).map(|i| format!("d{i:05}")).collect();
    assert_eq!(ids, expected);
    assert_eq!(pages[12][33].data(), json!({"i": 1233}));
}

#[tokio::test]
async fn pages_by_field_use_the_composite_cursor_across_equal_values() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let client = emulator_client(emu, &unique_project("byfield"));
    // 40 documents over 4 distinct values, inserted out of name order, plus 3 without
    // the field (excluded by Firestore from a query ordered by it).
    let mut writes = Vec::new();
    for i in 0..40 {
        let id = format!("doc-{:02}", (i * 17) % 40);
        writes.push(("ev".to_owned(), id, json!({"updated_at": i % 4, "n": i})));
    }
    for i in 0..3 {
        writes.push(("ev".to_owned(), format!("nofield-{i}"), json!({"n": -1})));
    }
    client.batch_write(writes).await.unwrap();

    let order = Order::ByField("updated_at".to_owned());
    // Page size 7 puts page edges inside runs of equal values.
    let pages = all_pages(&client, "ev", PageQuery::new(order.clone(), 7)).await;
    let seen: Vec<(i64, String)> = pages
        .iter()
        .flatten()
        .map(|d| (d.data()["updated_at"].as_i64().unwrap(), d.id.clone()))
        .collect();
    assert_eq!(seen.len(), 40, "no document lost or repeated: {seen:?}");
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "ordered by (field, name)");
    assert_eq!(
        seen.iter().map(|(_, id)| id).collect::<BTreeSet<_>>().len(),
        40
    );

    // The overlap window: only updated_at >= 2, still paged by the composite cursor.
    let mut q = PageQuery::new(order.clone(), 6);
    q.field_at_least = Some(json!({"integerValue": "2"}));
    let windowed: Vec<i64> = all_pages(&client, "ev", q)
        .await
        .iter()
        .flatten()
        .map(|d| d.data()["updated_at"].as_i64().unwrap())
        .collect();
    assert_eq!(windowed.len(), 20);
    assert!(windowed.iter().all(|v| *v >= 2));

    // Keys only by field: names plus the order field, enough to page on.
    let mut q = PageQuery::new(order, 9);
    q.keys_only = true;
    let keyed: Vec<Document> = all_pages(&client, "ev", q)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(keyed.len(), 40);
    assert!(
        keyed
            .iter()
            .all(|d| d.fields.keys().eq(["updated_at"].iter()))
    );
}

#[tokio::test]
async fn keys_only_by_name_returns_names_without_fields() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let client = emulator_client(emu, &unique_project("keys"));
    let writes: Vec<_> = (0..25)
        .map(|i| {
            (
                "k".to_owned(),
                format!("k{i:02}"),
                json!({"big": "x".repeat(100)}),
            )
        })
        .collect();
    client.batch_write(writes).await.unwrap();
    let mut q = PageQuery::new(Order::ByName, 10);
    q.keys_only = true;
    let docs: Vec<Document> = all_pages(&client, "k", q)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(docs.len(), 25);
    assert!(docs.iter().all(|d| d.fields.is_empty()));
    assert_eq!(docs[24].id, "k24");
    assert!(docs[0].name.ends_with("/documents/k/k00"));
}

#[tokio::test]
async fn service_account_token_is_fetched_once_and_reused() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let r = rig(emu, "sa", fast_retry(6), Duration::from_secs(30));
    r.client
        .put_document("c", "a", &json!({"v": 1}))
        .await
        .unwrap();
    r.client.get_document("c", "a").await.unwrap().unwrap();
    r.client.list_collection_ids().await.unwrap();
    assert_eq!(r.tokens.issued(), 1);
    assert_eq!(r.tokens.rejected(), 0);
    let auths: BTreeSet<_> = r
        .proxy
        .seen()
        .into_iter()
        .filter_map(|s| s.authorization)
        .collect();
    assert_eq!(auths, BTreeSet::from(["Bearer tok-1".to_owned()]));

    // With no project id configured, the key file's is used.
    let mut cfg = ClientConfig::new("");
    cfg.credentials_file = Some(r.key_file.clone());
    cfg.base_url = Some(r.proxy.url());
    let from_key = Client::new(cfg).unwrap();
    assert_eq!(
        from_key.documents_root(),
        format!("projects/{}/databases/(default)/documents", r.project)
    );
    let doc = from_key.get_document("c", "a").await.unwrap().unwrap();
    assert_eq!(doc.data(), json!({"v": 1}));
}

#[tokio::test]
async fn a_token_near_expiry_is_refreshed_before_use() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let r = rig(emu, "expiry", fast_retry(6), Duration::from_secs(30));
    // Less than the five-minute margin: every request needs a fresh token.
    r.tokens.set_expires_in(200);
    r.client.list_collection_ids().await.unwrap();
    r.client.list_collection_ids().await.unwrap();
    assert_eq!(r.tokens.issued(), 2);
    r.tokens.set_expires_in(3600);
    r.client.list_collection_ids().await.unwrap();
    r.client.list_collection_ids().await.unwrap();
    assert_eq!(r.tokens.issued(), 3);
}

#[tokio::test]
async fn a_401_refreshes_the_token_and_succeeds() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let r = rig(emu, "401", fast_retry(6), Duration::from_secs(30));
    r.client
        .put_document("c", "a", &json!({"v": 1}))
        .await
        .unwrap();
    assert_eq!(r.tokens.issued(), 1);
    // The proxy now refuses tok-1, as Google does for a revoked token.
    r.tokens.revoke_all();
    let d = r.client.get_document("c", "a").await.unwrap().unwrap();
    assert_eq!(d.data(), json!({"v": 1}));
    assert_eq!(r.tokens.issued(), 2);
    let last = r.proxy.seen().last().unwrap().authorization.clone();
    assert_eq!(last.as_deref(), Some("Bearer tok-2"));

    // An injected 401 does the same.
    r.proxy.push([Action::Status(401)]);
    r.client.get_document("c", "a").await.unwrap().unwrap();
    assert_eq!(r.tokens.issued(), 3);
}

#[tokio::test]
async fn a_401_after_refresh_is_unauthenticated() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let r = rig(emu, "401twice", fast_retry(6), Duration::from_secs(30));
    r.proxy.push([Action::Status(401), Action::Status(401)]);
    let err = r.client.list_collection_ids().await.unwrap_err();
    assert!(
        matches!(err, FirestoreError::Unauthenticated { .. }),
        "{err:?}"
    );
    assert!(err.is_auth_rejected());
    assert_eq!(
        r.proxy.request_count(),
        2,
        "one refresh, one retry, no more"
    );
    assert_eq!(r.tokens.issued(), 2);
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let r = rig(emu, "429", fast_retry(6), Duration::from_secs(30));
    r.proxy.push([Action::StatusRetryAfter(429, 1)]);
    let started = Instant::now();
    r.client.list_collection_ids().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After honoured: {:?}",
        started.elapsed()
    );
    assert_eq!(r.proxy.request_count(), 2);
    let counts = request_counts();
    assert!(
        counts.iter().any(|(code, n)| code == "429" && *n >= 1),
        "{counts:?}"
    );
}

#[tokio::test]
async fn two_503s_then_success() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let r = rig(emu, "503", fast_retry(6), Duration::from_secs(30));
    r.client
        .put_document("c", "a", &json!({"v": 1}))
        .await
        .unwrap();
    r.proxy.clear_seen();
    r.proxy.push([Action::Status(503), Action::Status(503)]);
    let d = r.client.get_document("c", "a").await.unwrap().unwrap();
    assert_eq!(d.data(), json!({"v": 1}));
    assert_eq!(r.proxy.request_count(), 3);
}

#[tokio::test]
async fn other_transient_statuses_are_retried() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let r = rig(emu, "transient", fast_retry(6), Duration::from_secs(30));
    r.proxy.push([
        Action::Status(500),
        Action::Status(504),
        Action::Status(409),
    ]);
    r.client.list_collection_ids().await.unwrap();
    assert_eq!(r.proxy.request_count(), 4);
}

#[tokio::test]
async fn a_403_is_permission_denied_with_a_hint() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let r = rig(emu, "403", fast_retry(6), Duration::from_secs(30));
    r.proxy.push([Action::Status(403)]);
    let err = r.client.list_collection_ids().await.unwrap_err();
    let FirestoreError::PermissionDenied { status, hint, .. } = &err else {
        panic!("expected PermissionDenied, got {err:?}");
    };
    assert_eq!(*status, 403);
    assert!(hint.contains("roles/datastore.viewer"), "{hint}");
    assert_eq!(err.hint().as_deref(), Some(hint.as_str()));
    assert_eq!(r.proxy.request_count(), 1, "a 403 is not retried");
}

#[tokio::test]
async fn a_missing_index_400_is_reported_with_its_link() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let r = rig(emu, "index", fast_retry(6), Duration::from_secs(30));
    r.proxy.push([Action::MissingIndex]);
    let err = r
        .client
        .query_page("c", &PageQuery::new(Order::ByField("f".to_owned()), 10))
        .await
        .unwrap_err();
    let FirestoreError::MissingIndex { message } = &err else {
        panic!("expected MissingIndex, got {err:?}");
    };
    assert!(message.contains("create_composite"), "{message}");
    assert!(MISSING_INDEX_MESSAGE.contains("console.firebase.google.com"));
    assert!(err.hint().unwrap().contains("index"));
    assert_eq!(r.proxy.request_count(), 1);
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let r = rig(emu, "drop", fast_retry(6), Duration::from_secs(30));
    r.proxy.push([Action::Drop, Action::Drop]);
    r.client.list_collection_ids().await.unwrap();
    assert_eq!(r.proxy.request_count(), 3);
    assert!(
        request_counts()
            .iter()
            .any(|(c, n)| c == "error" && *n >= 2)
    );
}

#[tokio::test]
async fn a_slow_response_times_out_and_is_retried() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let r = rig(emu, "slow", fast_retry(6), Duration::from_millis(700));
    // Warm up: the first token fetch signs a JWT, which is slow in a debug build.
    r.client.list_collection_ids().await.unwrap();
    r.proxy.clear_seen();
    r.proxy.push([Action::Delay(Duration::from_secs(3))]);
    let started = Instant::now();
    r.client.list_collection_ids().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(r.proxy.request_count(), 2);
}

#[tokio::test]
async fn exhausted_retries_fail_in_bounded_time() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let r = rig(emu, "exhaust", fast_retry(4), Duration::from_secs(30));
    r.client.list_collection_ids().await.unwrap();
    r.proxy.clear_seen();

    r.proxy.set_default(Action::Status(503));
    let started = Instant::now();
    let err = r.client.list_collection_ids().await.unwrap_err();
    assert!(
        matches!(err, FirestoreError::Unavailable { attempts: 4, .. }),
        "{err:?}"
    );
    assert!(err.is_unavailable());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(r.proxy.request_count(), 4);

    r.proxy.set_default(Action::Status(429));
    let err = r.client.list_collection_ids().await.unwrap_err();
    assert!(
        matches!(err, FirestoreError::RateLimited { attempts: 4, .. }),
        "{err:?}"
    );

    r.proxy.set_default(Action::Drop);
    let err = r.client.list_collection_ids().await.unwrap_err();
    assert!(matches!(err, FirestoreError::Unavailable { .. }), "{err:?}");
    assert_eq!(r.proxy.request_count(), 12);
}

#[tokio::test]
async fn nothing_listening_is_unavailable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cfg = ClientConfig::new("nobody");
    cfg.emulator_host = Some(format!("127.0.0.1:{port}"));
    cfg.retry = fast_retry(3);
    let client = Client::new(cfg).unwrap();
    let started = Instant::now();
    let err = client.list_collection_ids().await.unwrap_err();
    assert!(
        matches!(err, FirestoreError::Unavailable { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("cannot connect"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_key_the_token_endpoint_refuses_names_the_file() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let r = rig(emu, "badkey", fast_retry(3), Duration::from_secs(30));
    // A valid key file, but for a key the token endpoint does not trust.
    let other = TestKey::generate();
    let dir = tempfile::tempdir().unwrap();
    let file = r.tokens.write_key_file(dir.path(), &other, "p");
    let mut cfg = ClientConfig::new("p");
    cfg.credentials_file = Some(file.clone());
    cfg.base_url = Some(r.proxy.url());
    cfg.retry = fast_retry(3);
    let client = Client::new(cfg).unwrap();
    let err = client.list_collection_ids().await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, FirestoreError::Credentials(_)), "{err:?}");
    assert!(msg.contains(&file.display().to_string()), "{msg}");
    assert!(msg.contains("invalid_grant"), "{msg}");
    assert!(err.is_auth_rejected());
    assert!(!msg.contains("PRIVATE KEY"));
    assert_eq!(r.tokens.rejected(), 1, "a refused key is not retried");
    assert_eq!(r.proxy.request_count(), 0);
    assert!(r.key_file.exists());
}
