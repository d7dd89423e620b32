//! `vdt sync` against the official Firestore emulator: exact mirroring of every value type,
//! full / incremental / relist runs, deletes and undeletes, faults injected by a proxy, the
//! sync lock, kill -9 mid-run, and queued jobs.

mod support;

use serde::Deserialize;
use serde_json::{Value, json};
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::cli::{TestEnv, assert_code, count, stderr, stdout};
use support::emulator;
use support::fault_proxy::{Action, FaultProxy};
use vdt::firestore::{Client, ClientConfig};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn client(host: &str, project: &str) -> Client {
    let mut cc = ClientConfig::new(project);
    cc.emulator_host = Some(host.to_owned());
    Client::new(cc).unwrap()
}

/// A test home with a config pointing at `host` for `project`, and `collections` seeded.
fn setup(host: &str, project: &str, collections: &[&str], extra_config: &str) -> TestEnv {
    let env = TestEnv::new();
    let mut args = vec![
        "init",
        "--non-interactive",
        "--project",
        project,
        "--emulator-host",
        host,
        "--skip-check",
    ];
    for c in collections {
        args.extend(["--collection", c]);
    }
    assert_code(&env.run(&args), 0);
    if !extra_config.is_empty() {
        let mut text = std::fs::read_to_string(env.config_path()).unwrap();
        text.push_str(extra_config);
        std::fs::write(env.config_path(), text).unwrap();
    }
    env
}

fn trace_doc(i: usize, updated_ms: i64) -> Value {
    json!({
        "trace_id": format!("tr_{i:05}"),
        "name": "meeting_processing",
        "status": if i.is_multiple_of(7) { "failed" } else { "completed" },
        "model": if i.is_multiple_of(2) { "gemini-1.5-pro" } else { "gemini-1.5-flash" },
        "start_time": 1_764_237_598_500i64 + i as i64,
        "end_time": 1_764_237_600_000i64 + i as i64,
        "duration_ms": 1500 + i as i64,
        "input_tokens": 1200,
        "output_tokens": 300,
        "cost": 0.0042,
        "user_id": "u_17",
        "tags": ["vertigo", "zoom"],
        "metadata": {"project": "vertigo", "variant": "detailed_extraction"},
        "updated_at": updated_ms,
    })
}

fn seed(c: &Client, collection: &str, docs: Vec<(String, Value)>) {
    let writes = docs
        .into_iter()
        .map(|(id, d)| (collection.to_owned(), id, d))
        .collect();
    rt().block_on(c.batch_write(writes)).unwrap();
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    status: String,
    collections: Vec<CollectionReport>,
    jobs: Jobs,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // shape check
struct CollectionReport {
    name: String,
    status: String,
    records_synced: u64,
    records_deleted: u64,
    duration_ms: u64,
    error: Option<String>,
    mode: String,
    records_read: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Jobs {
    done: u64,
    failed: u64,
}

fn sync(env: &TestEnv, extra: &[&str]) -> (std::process::Output, Option<Report>) {
    let mut args = vec!["--json", "sync"];
    args.extend(extra);
    let o = env.run(&args);
    let r = serde_json::from_str(stdout(&o).trim()).ok();
    (o, r)
}

fn mirror(env: &TestEnv, collection: &str) -> Vec<(String, Value, bool)> {
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let mut stmt = conn
        .prepare("SELECT doc_id, data, deleted_at IS NOT NULL FROM documents WHERE collection = ?1 ORDER BY doc_id")
        .unwrap();
    stmt.query_map([collection], |r| {
        Ok((
            r.get::<_, String>(0)?,
            serde_json::from_str(&r.get::<_, String>(1)?).unwrap(),
            r.get(2)?,
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn every_value_type_is_mirrored_exactly() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let project = emulator::unique_project("types");
    let c = client(emu.host(), &project);
    let fields = json!({
        "max": {"integerValue": "9223372036854775807"},
        "min": {"integerValue": "-9223372036854775808"},
        "nan": {"doubleValue": "NaN"},
        "inf": {"doubleValue": "Infinity"},
        "ninf": {"doubleValue": "-Infinity"},
        "pi": {"doubleValue": 3.25},
        "bytes": {"bytesValue": "AAEC/w=="},
        "geo": {"geoPointValue": {"latitude": 52.5, "longitude": 13.4}},
        "ref": {"referenceValue": format!("projects/{project}/databases/(default)/documents/meetings/m1")},
        "ts": {"timestampValue": "2025-11-27T10:00:00.123456Z"},
        "nested": {"mapValue": {"fields": {"list": {"arrayValue": {"values": [
            {"mapValue": {"fields": {"deep": {"integerValue": "42"}}}},
            {"nullValue": null}, {"booleanValue": true}, {"stringValue": "é"}
        ]}}}}},
        "empty_map": {"mapValue": {}},
        "empty_list": {"arrayValue": {}},
    });
    rt().block_on(c.put_raw_fields("meetings", "m1", fields.as_object().unwrap()))
        .unwrap();
    let env = setup(emu.host(), &project, &["meetings"], "");
    let (o, r) = sync(&env, &[]);
    assert_code(&o, 0);
    assert_eq!(r.unwrap().status, "success");
    let rows = mirror(&env, "meetings");
    assert_eq!(rows.len(), 1);
    let got = &rows[0].1;
    // Text comparison: an integer that came back as a float would print differently.
    let text = serde_json::to_string(got).unwrap();
    assert!(text.contains("\"max\":9223372036854775807"), "{text}");
    assert!(text.contains("\"min\":-9223372036854775808"), "{text}");
    assert_eq!(got["nan"], "NaN");
    assert_eq!(got["inf"], "Infinity");
    assert_eq!(got["ninf"], "-Infinity");
    assert_eq!(got["pi"], 3.25);
    assert_eq!(got["bytes"], "AAEC/w==");
    assert_eq!(got["geo"], json!({"latitude": 52.5, "longitude": 13.4}));
    assert_eq!(
        got["ref"],
        format!("projects/{project}/databases/(default)/documents/meetings/m1")
    );
    assert_eq!(got["ts"], "2025-11-27T10:00:00.123456Z");
    assert_eq!(
        got["nested"],
        json!({"list": [{"deep": 42}, null, true, "é"]})
    );
    assert_eq!(got["empty_map"], json!({}));
    assert_eq!(got["empty_list"], json!([]));
    // And it equals what the client decodes from the emulator itself.
    let doc = rt()
        .block_on(c.get_document("meetings", "m1"))
        .unwrap()
        .unwrap();
    assert_eq!(
        serde_json::to_string(&doc.data()).unwrap(),
        serde_json::to_string(got).unwrap()
    );
}

#[test]
fn full_incremental_updates_deletes_and_undeletes() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let project = emulator::unique_project("incr");
    let c = client(emu.host(), &project);
    let base = 1_764_000_000_000i64;
    seed(
        &c,
        "vertigo_traces",
        (0..1200)
            .map(|i| (format!("d{i:05}"), trace_doc(i, base + 1000 * i as i64)))
            .collect(),
    );
    let env = setup(emu.host(), &project, &["vertigo_traces:traces"], "");
    let mut env = env;
    env.set("VDT_SYNC__PAGE_SIZE", "100");
    let (o, r) = sync(&env, &[]);
    assert_code(&o, 0);
    let r = r.unwrap();
    assert_eq!(r.collections[0].mode, "full");
    assert_eq!(r.collections[0].records_synced, 1200);
    let db = env.db_path();
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM documents WHERE deleted_at IS NULL"
        ),
        1200
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM traces WHERE source = 'firestore:vertigo_traces'"
        ),
        1200
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM traces WHERE status = 'error'"),
        (0..1200).filter(|i| i % 7 == 0).count() as i64
    );

    // A no-change incremental run reads at most one page.
    let (o, r) = sync(&env, &[]);
    assert_code(&o, 0);
    let r = r.unwrap();
    assert_eq!(r.collections[0].mode, "incremental");
    assert_eq!(r.collections[0].records_synced, 0);
    assert!(
        r.collections[0].records_read <= 100,
        "{:?}",
        r.collections[0]
    );

    // Updates with a newer cursor value arrive incrementally.
    let later = base + 100_000_000;
    seed(
        &c,
        "vertigo_traces",
        (0..150)
            .map(|i| {
                let mut d = trace_doc(i, later + 1000 * i as i64);
                d["status"] = json!("failed");
                (format!("d{i:05}"), d)
            })
            .collect(),
    );
    let (o, r) = sync(&env, &[]);
    assert_code(&o, 0);
    let r = r.unwrap();
    assert_eq!(r.collections[0].mode, "incremental");
    assert_eq!(r.collections[0].records_synced, 150);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM traces WHERE status = 'error' AND trace_id < 'tr_00150'"
        ),
        150
    );

    // Deletes show up after a full run; a document that comes back is undeleted.
    for i in 0..3 {
        rt().block_on(c.delete_document("vertigo_traces", &format!("d{i:05}")))
            .unwrap();
    }
    let (o, r) = sync(&env, &["--full"]);
    assert_code(&o, 0);
    assert_eq!(r.unwrap().collections[0].records_deleted, 3);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM documents WHERE deleted_at IS NOT NULL"
        ),
        3
    );
    assert_eq!(count(&db, "SELECT count(*) FROM traces"), 1197);
    seed(
        &c,
        "vertigo_traces",
        vec![("d00001".into(), trace_doc(1, later + 10_000_000))],
    );
    let (o, _) = sync(&env, &[]);
    assert_code(&o, 0);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM documents WHERE deleted_at IS NOT NULL"
        ),
        2
    );
    assert_eq!(count(&db, "SELECT count(*) FROM traces"), 1198);

    // The mirror equals the emulator, document for document.
    let rows = mirror(&env, "vertigo_traces");
    let live: Vec<_> = rows.iter().filter(|r| !r.2).collect();
    assert_eq!(live.len(), 1198);
    for (id, data, _) in live.iter().step_by(97) {
        let doc = rt()
            .block_on(c.get_document("vertigo_traces", id))
            .unwrap()
            .unwrap();
        assert_eq!(&doc.data(), data, "{id}");
    }
}

#[test]
fn collection_without_cursor_is_relisted_writing_only_changes() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let project = emulator::unique_project("relist");
    let c = client(emu.host(), &project);
    seed(
        &c,
        "meetings",
        (0..30)
            .map(|i| {
                (
                    format!("m{i}"),
                    json!({"meeting_title": format!("standup {i}"), "duration_minutes": i}),
                )
            })
            .collect(),
    );
    let env = setup(emu.host(), &project, &["meetings:documents"], "");
    let (o, r) = sync(&env, &[]);
    assert_code(&o, 0);
    assert_eq!(r.unwrap().collections[0].records_synced, 30);
    seed(
        &c,
        "meetings",
        vec![(
            "m3".into(),
            json!({"meeting_title": "renamed", "duration_minutes": 3}),
        )],
    );
    let (o, r) = sync(&env, &[]);
    assert_code(&o, 0);
    let r = r.unwrap();
    assert_eq!(r.collections[0].mode, "relist");
    assert_eq!(r.collections[0].records_read, 30);
    assert_eq!(r.collections[0].records_synced, 1);
    let rows = mirror(&env, "meetings");
    assert_eq!(
        rows.iter().find(|r| r.0 == "m3").unwrap().1["meeting_title"],
        "renamed"
    );
}

#[test]
fn rate_limits_and_unavailability_are_retried_to_completion() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let project = emulator::unique_project("faults");
    let c = client(emu.host(), &project);
    seed(
        &c,
        "meetings",
        (0..250)
            .map(|i| (format!("m{i:03}"), json!({"n": i})))
            .collect(),
    );
    let proxy = FaultProxy::start(emu.host());
    let host = proxy.url().trim_start_matches("http://").to_owned();
    let mut env = setup(&host, &project, &["meetings"], "");
    env.set("VDT_SYNC__PAGE_SIZE", "50");
    proxy.push([
        Action::StatusRetryAfter(429, 1),
        Action::Pass,
        Action::Status(503),
        Action::Status(503),
        Action::Pass,
        Action::Drop,
    ]);
    let (o, r) = sync(&env, &[]);
    assert_code(&o, 0);
    let r = r.unwrap();
    assert_eq!(r.status, "success", "{:?}", r);
    assert_eq!(count(&env.db_path(), "SELECT count(*) FROM documents"), 250);

    // 403 fails with a hint and exit 1; an unreachable host is exit 69.
    proxy.set_default(Action::Status(403));
    let (o, r) = sync(&env, &[]);
    assert_code(&o, 1);
    let r = r.unwrap();
    assert_eq!(r.status, "error");
    assert!(
        r.collections[0]
            .error
            .as_deref()
            .unwrap()
            .contains("permission denied")
    );
    assert!(r.collections[0].error.as_deref().unwrap().contains("hint"));
    let last = count(
        &env.db_path(),
        "SELECT count(*) FROM sync_status WHERE status = 'error' AND error_message LIKE '%permission%'",
    );
    assert_eq!(last, 1);
}

#[test]
fn unreachable_firestore_exits_69() {
    let env = setup("127.0.0.1:9", "nowhere", &["meetings"], "");
    let mut env = env;
    env.set("VDT_FIRESTORE__TIMEOUT", "2s");
    let started = Instant::now();
    let (o, r) = sync(&env, &[]);
    assert_code(&o, 69);
    assert_eq!(r.unwrap().status, "error");
    assert!(started.elapsed() < Duration::from_secs(120));
}

#[test]
fn live_data_disabled_says_so_and_calls_nothing() {
    let mut env = setup("127.0.0.1:9", "nowhere", &["meetings"], "");
    env.set("LIVE_DATA_ENABLED", "false");
    let o = env.run(&["sync"]);
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains("live data is disabled"),
        "{}",
        stderr(&o)
    );
    assert_eq!(count(&env.db_path(), "SELECT count(*) FROM sync_status"), 0);
}

#[test]
fn dry_run_writes_nothing() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let project = emulator::unique_project("dry");
    let c = client(emu.host(), &project);
    seed(&c, "meetings", vec![("a".into(), json!({"x": 1}))]);
    let env = setup(emu.host(), &project, &["meetings"], "");
    let (o, r) = sync(&env, &["--dry-run"]);
    assert_code(&o, 0);
    assert_eq!(r.unwrap().collections[0].records_read, 1);
    assert_eq!(count(&env.db_path(), "SELECT count(*) FROM documents"), 0);
    assert_eq!(count(&env.db_path(), "SELECT count(*) FROM sync_status"), 0);
}

#[test]
fn overlapping_one_shot_run_exits_75_at_once() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let project = emulator::unique_project("lock");
    let env = setup(emu.host(), &project, &["meetings"], "");
    let mut watch = env
        .cmd()
        .args(["sync", "--watch"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the watcher holds the lock (its first pass records a run).
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(&env.db_path(), "SELECT count(*) FROM sync_status") == 0 {
        assert!(Instant::now() < deadline, "watcher never synced");
        std::thread::sleep(Duration::from_millis(100));
    }
    let rows_before = count(&env.db_path(), "SELECT count(*) FROM sync_status");
    let o = env.run(&["sync"]);
    assert_code(&o, 75);
    assert!(stderr(&o).contains("another vdt process"), "{}", stderr(&o));
    // It touched nothing.
    assert!(count(&env.db_path(), "SELECT count(*) FROM sync_status") <= rows_before + 1);
    // SIGTERM stops the watcher cleanly.
    std::process::Command::new("kill")
        .args(["-TERM", &watch.id().to_string()])
        .status()
        .unwrap();
    let status = watch.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_code(&env.run(&["sync"]), 0);
}

#[test]
fn kill_9_mid_sync_then_rerun_converges() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let project = emulator::unique_project("kill");
    let c = client(emu.host(), &project);
    seed(
        &c,
        "vertigo_traces",
        (0..3000)
            .map(|i| {
                (
                    format!("d{i:05}"),
                    trace_doc(i, 1_764_000_000_000 + i as i64),
                )
            })
            .collect(),
    );
    let mut env = setup(emu.host(), &project, &["vertigo_traces:traces"], "");
    env.set("VDT_SYNC__PAGE_SIZE", "20");
    let mut child = env
        .cmd()
        .args(["sync"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(&env.db_path(), "SELECT count(*) FROM documents") < 200 {
        assert!(Instant::now() < deadline, "sync made no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let partial = count(&env.db_path(), "SELECT count(*) FROM documents");
    assert!(
        partial < 3000,
        "the run finished before the kill; partial = {partial}"
    );
    // Whole pages only: no page is half-written.
    assert_eq!(partial % 20, 0, "a page was half-written: {partial}");
    let (o, r) = sync(&env, &[]);
    assert_code(&o, 0);
    assert_eq!(r.unwrap().collections[0].mode, "full");
    assert_eq!(
        count(
            &env.db_path(),
            "SELECT count(*) FROM documents WHERE deleted_at IS NULL"
        ),
        3000
    );
    assert_eq!(count(&env.db_path(), "SELECT count(*) FROM traces"), 3000);
    assert_eq!(
        count(
            &env.db_path(),
            "SELECT count(*) FROM sync_status WHERE status = 'error' AND error_message = 'interrupted'"
        ),
        1
    );
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
}

#[test]
fn queued_jobs_fetch_documents_and_sync_collections() {
    let Some(emu) = emulator::shared() else {
        return;
    };
    let project = emulator::unique_project("jobs");
    let c = client(emu.host(), &project);
    seed(&c, "meetings", vec![("m1".into(), json!({"v": 1}))]);
    let env = setup(emu.host(), &project, &["meetings"], "");
    assert_code(&env.run(&["sync"]), 0);
    seed(&c, "meetings", vec![("m2".into(), json!({"v": 2}))]);
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    conn.execute(
        "INSERT INTO sync_jobs (kind, collection, document_id, created_at) VALUES ('document', 'meetings', 'm2', '2026-01-01T00:00:00Z')",
        [],
    )
    .unwrap();
    rt().block_on(c.delete_document("meetings", "m1")).unwrap();
    conn.execute(
        "INSERT INTO sync_jobs (kind, collection, document_id, created_at) VALUES ('document', 'meetings', 'm1', '2026-01-01T00:00:00Z')",
        [],
    )
    .unwrap();
    // A one-shot run restricted to no collection still runs the jobs.
    let (o, r) = sync(&env, &["--collection", "meetings"]);
    assert_code(&o, 0);
    let r = r.unwrap();
    assert_eq!((r.jobs.done, r.jobs.failed), (2, 0));
    let rows = mirror(&env, "meetings");
    assert_eq!(rows.iter().find(|r| r.0 == "m2").map(|r| r.2), Some(false));
    assert_eq!(rows.iter().find(|r| r.0 == "m1").map(|r| r.2), Some(true));
    assert_eq!(
        count(
            &env.db_path(),
            "SELECT count(*) FROM sync_jobs WHERE status = 'done'"
        ),
        2
    );
}

#[test]
fn unknown_collection_is_refused() {
    let env = setup("127.0.0.1:9", "p", &["meetings"], "");
    let o = env.run(&["sync", "--collection", "nope"]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains("not configured"));
}

#[test]
fn init_tests_the_connection_unless_skipped() {
    let env = TestEnv::new();
    let base = [
        "init",
        "--non-interactive",
        "--project",
        "p1",
        "--emulator-host",
        "127.0.0.1:9",
        "--collection",
        "meetings",
    ];
    let o = env.run(&base);
    assert_code(&o, 69);
    assert!(stderr(&o).contains("--skip-check"), "{}", stderr(&o));
    assert!(
        !env.config_path().exists(),
        "nothing written after a failed test"
    );
    let Some(emu) = emulator::shared() else {
        return;
    };
    let project = emulator::unique_project("initcheck");
    let o = env.run(&[
        "init",
        "--non-interactive",
        "--project",
        &project,
        "--emulator-host",
        emu.host(),
        "--collection",
        "meetings",
    ]);
    assert_code(&o, 0);
    assert!(stderr(&o).contains("Connection ok"), "{}", stderr(&o));
}

/// A one-shot `vdt sync` that writes announces it to the cache (Redis's generation counter),
/// so a value a long-running `vdt api` or `vdt serve` cached before the sync is not served
/// after it; a run that writes nothing, or a dry run, leaves the cached values alone.
#[test]
fn a_one_shot_sync_that_writes_invalidates_values_cached_in_redis() {
    use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
    use vdt::cache::{Cache, CacheOptions, KeyClass};
    let Some(emu) = emulator::shared() else {
        return;
    };
    if !support::redis::shared_available() {
        return;
    }
    let url = support::redis::shared_url();
    let prefix = support::redis::unique_prefix("sync-gen");
    let _guard = support::redis::PrefixGuard {
        url: url.clone(),
        prefix: prefix.clone(),
    };
    let project = emulator::unique_project("cachegen");
    let c = client(emu.host(), &project);
    seed(&c, "meetings", vec![("a".into(), json!({"x": 1}))]);
    let env = setup(
        emu.host(),
        &project,
        &["meetings"],
        &format!("\n[redis]\nurl = \"{url}\"\nprefix = \"{prefix}\"\n"),
    );
    // Another process's cache (as `vdt api` holds it), Redis tier only, with a value cached
    // before any sync: it counts how often it has to recompute.
    let reader = Cache::new(CacheOptions {
        redis_url: Some(url.clone()),
        prefix: prefix.clone(),
        local_enabled: false,
        // Long enough that nothing expires during the test: only invalidation recomputes.
        default_ttl: Duration::from_secs(600),
        timeout: Duration::from_secs(2),
        ..CacheOptions::default()
    })
    .unwrap();
    let computes = AtomicU64::new(0);
    let read = || {
        reader
            .get_or_compute(KeyClass::Metrics, "window=24h", || {
                Ok::<_, std::convert::Infallible>(computes.fetch_add(1, SeqCst))
            })
            .unwrap()
    };
    assert_eq!(read(), 0);
    assert_eq!(read(), 0, "served from Redis");
    assert_eq!(computes.load(SeqCst), 1);

    let (o, r) = sync(&env, &["--dry-run"]);
    assert_code(&o, 0);
    assert_eq!(r.unwrap().collections[0].records_read, 1);
    assert_eq!(
        read(),
        0,
        "a dry run writes nothing and invalidates nothing"
    );

    let (o, r) = sync(&env, &[]);
    assert_code(&o, 0);
    assert_eq!(r.unwrap().collections[0].records_synced, 1);
    assert_eq!(
        read(),
        1,
        "the value cached before the sync is not served after it"
    );
    assert_eq!(read(), 1);

    // Nothing changed in Firestore: the relist writes nothing, the cache keeps its value.
    let (o, r) = sync(&env, &[]);
    assert_code(&o, 0);
    assert_eq!(r.unwrap().collections[0].records_synced, 0);
    assert_eq!(read(), 1, "a sync that wrote nothing invalidates nothing");

    seed(&c, "meetings", vec![("b".into(), json!({"x": 2}))]);
    let (o, _) = sync(&env, &[]);
    assert_code(&o, 0);
    assert_eq!(read(), 2);
    assert_eq!(computes.load(SeqCst), 3);
}
