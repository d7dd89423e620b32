//! The fault matrix's rows that no other test file proves (docs/RELIABILITY.md lists every row
//! and the test behind it): the disk filling up under webhook ingest (a small tmpfs for the
//! data directory), the database locked by another process, kill -9 during alert delivery,
//! Redis flapping under API reads, and Firestore connections reset mid-sync. Real processes,
//! real services; each test stops what it started.

#[path = "support/api.rs"]
mod api_support;
mod support;

use api_support::{ApiProcess, Reply, request};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::cli::{TestEnv, assert_code, count, stderr, stdout};
use vdt::webhooks::schemes::{Scheme, parse_secret, sign};

const HOOK_SECRET: &str = "reliability-hook-secret-7Qx";

const WEBHOOKS: &str = r#"
[[webhooks.sources]]
name = "lw"
scheme = "hmac-sha256"
header = "X-Sig"
secret_env = "VDT_REL_SECRET"
rate_limit = { per_second = 10000, burst = 10000 }
"#;

// ---- helpers ---------------------------------------------------------------------------------

/// A `vdt` server process (`serve-webhooks`, `api`, `serve`) that prints `{"listening": …}`
/// first; stderr goes to a file; killed on drop.
struct Proc {
    child: Child,
    addr: String,
    log: PathBuf,
}

impl Proc {
    fn start(env: &TestEnv, args: &[&str]) -> Proc {
        let log = env.home().join(format!("{}.log", args[0]));
        let mut child = env
            .cmd()
            .arg("--json")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("spawn vdt");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
            let _ = child.kill();
            panic!(
                "no listening line ({e}): {line:?}\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
        Proc {
            child,
            addr: v["listening"].as_str().unwrap().to_owned(),
            log,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn webhook_env(extra: &str) -> TestEnv {
    let mut env = TestEnv::new();
    env.set("VDT_REL_SECRET", HOOK_SECRET);
    env.write_config(&format!("{extra}\n{WEBHOOKS}"));
    env
}

fn trace_body(id: &str, pad: usize) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "trace.completed", "id": format!("evt-{id}"),
        "data": {"trace": {"id": id, "name": "x".repeat(pad), "status": "completed",
                           "model": "gemini-1.5-pro", "startTime": chrono::Utc::now().timestamp_millis()}}
    }))
    .unwrap()
}

fn deliver(addr: &str, id: &str, pad: usize) -> Reply {
    let body = trace_body(id, pad);
    let scheme = Scheme::HmacSha256 {
        header: "X-Sig".into(),
    };
    let key = parse_secret(&scheme, HOOK_SECRET).unwrap();
    let signed = sign(&scheme, &key, None, 0, &body);
    let mut headers: Vec<(&str, &str)> = vec![("Content-Type", "application/json")];
    headers.extend(signed.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    request(addr, "POST", "/hooks/lw", &headers, Some(&body))
}

fn assert_store_unavailable(r: &Reply) {
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.media_type(), "application/problem+json");
    assert_eq!(r.json()["type"], "urn:vdt:problem:store-unavailable");
    assert!(r.header("Retry-After").is_some(), "{:?}", r.headers);
}

fn traces_with(db: &Path, ids: &[String]) -> usize {
    let c = rusqlite::Connection::open(db).unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    ids.iter()
        .filter(|id| {
            c.query_row(
                "SELECT count(*) FROM traces WHERE trace_id = ?1",
                [id],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
                > 0
        })
        .count()
}

/// A tmpfs mounted for one test (we run as root in CI); unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("skipped: cannot mount a tmpfs (needs root)");
            return None;
        }
        Some(Tmpfs(dir.to_owned()))
    }

    /// Writes a file until the file system says ENOSPC.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let path = self.0.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 16 * 1024];
        loop {
            match f.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    assert_eq!(e.raw_os_error(), Some(libc::ENOSPC), "{e}");
                    break;
                }
            }
        }
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        for _ in 0..50 {
            if Command::new("umount")
                .arg(&self.0)
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

// ---- disk full -------------------------------------------------------------------------------

#[test]
fn disk_full_webhooks_answer_503_lose_no_acknowledged_delivery_and_recover() {
    let mut env = webhook_env("");
    let data = env.home().join("data");
    let Some(fs) = Tmpfs::mount(&data, "16m") else {
        return;
    };
    let db = data.join("vdt.sqlite3");
    env.set("VDT_DB", db.to_str().unwrap());
    let server = Proc::start(&env, &["serve-webhooks", "--bind", "127.0.0.1:0"]);
    let mut acked: Vec<String> = Vec::new();
    for i in 0..5 {
        let id = format!("before-{i}");
        assert_eq!(deliver(&server.addr, &id, 100).status, 200);
        acked.push(id);
    }

    let filler = fs.fill();
    let mut refused: Vec<String> = Vec::new();
    for i in 0..60 {
        let id = format!("full-{i}");
        let r = deliver(&server.addr, &id, 8 * 1024);
        match r.status {
            200 => acked.push(id),
            _ => {
                assert_store_unavailable(&r);
                refused.push(id);
            }
        }
    }
    assert!(
        refused.len() >= 50,
        "{} of 60 refused on a full disk",
        refused.len()
    );
    // The receiver itself stays up, and says why in its log.
    assert_eq!(
        request(&server.addr, "GET", "/livez", &[], None).status,
        200
    );
    assert!(
        server.log().contains("disk is full"),
        "the log names the cause:\n{}",
        server.log()
    );
    // Nothing refused was stored; everything acknowledged was.
    assert_eq!(traces_with(&db, &refused), 0);
    assert_eq!(traces_with(&db, &acked), acked.len());

    // Space comes back: the same deliveries, retried as Retry-After says, all go in.
    std::fs::remove_file(filler).unwrap();
    for id in &refused {
        let r = deliver(&server.addr, id, 8 * 1024);
        assert_eq!(r.status, 200, "{id} after space came back: {}", r.text());
    }
    acked.extend(refused);
    assert_eq!(traces_with(&db, &acked), acked.len());
    assert_eq!(
        count(&db, "SELECT count(*) FROM traces"),
        acked.len() as i64,
        "each delivery exactly once"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM webhook_logs WHERE status_code = 200"
        ),
        acked.len() as i64
    );
    let c = rusqlite::Connection::open(&db).unwrap();
    let integrity: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    drop(c);
    drop(server);
}

// ---- database locked -------------------------------------------------------------------------

/// Holds `BEGIN EXCLUSIVE` on the database from this process (as `sqlite3` with an open write
/// transaction would) until dropped.
struct Locker {
    release: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Locker {
    fn hold(db: &Path) -> Locker {
        let release = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel();
        let (db, flag) = (db.to_owned(), release.clone());
        let thread = std::thread::spawn(move || {
            let c = rusqlite::Connection::open(db).unwrap();
            c.execute_batch("BEGIN EXCLUSIVE").unwrap();
            tx.send(()).unwrap();
            while !flag.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
            c.execute_batch("ROLLBACK").unwrap();
        });
        rx.recv().unwrap();
        Locker {
            release,
            thread: Some(thread),
        }
    }
}

impl Drop for Locker {
    fn drop(&mut self) {
        self.release.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn database_locked_by_another_process_is_exit_75_or_503_and_work_resumes_when_released() {
    let mut env = webhook_env(
        r#"
[[alerts.rules]]
name = "slow"
metric = "latency_p95_ms"
op = ">"
threshold = 2000
"#,
    );
    env.set("VDT_API_TOKEN", "locked-admin-token");
    assert_code(
        &env.run(&[
            "config",
            "collections",
            "add",
            "meetings",
            "--kind",
            "documents",
        ]),
        0,
    );
    let db = env.db_path();
    let hooks = Proc::start(&env, &["serve-webhooks", "--bind", "127.0.0.1:0"]);
    let api = ApiProcess::start(env.cmd(), "127.0.0.1:0");
    let auth = "Bearer locked-admin-token";

    let lock = Locker::hold(&db);
    let started = Instant::now();
    // Four writers at once, each waits out the busy timeout then gives up clearly.
    let cli = {
        let cmd = env.cmd();
        std::thread::spawn(move || {
            let mut cmd = cmd;
            cmd.args([
                "config",
                "collections",
                "set",
                "meetings",
                "--frequency",
                "2m",
            ])
            .output()
            .unwrap()
        })
    };
    let hook = {
        let addr = hooks.addr.clone();
        std::thread::spawn(move || deliver(&addr, "while-locked", 10))
    };
    let patch = {
        let addr = api.addr.clone();
        std::thread::spawn(move || {
            request(
                &addr,
                "PATCH",
                "/api/v1/config",
                &[
                    ("Authorization", auth),
                    ("Content-Type", "application/json"),
                ],
                Some(br#"{"collections":[{"name":"meetings","sync_frequency":300}]}"#),
            )
        })
    };
    let silence = {
        let addr = api.addr.clone();
        std::thread::spawn(move || {
            request(
                &addr,
                "POST",
                "/api/v1/silences",
                &[
                    ("Authorization", auth),
                    ("Content-Type", "application/json"),
                ],
                Some(br#"{"rule":"slow","for":"1h","by":"tester"}"#),
            )
        })
    };
    // Readers are not held up by a writer (WAL).
    let read_started = Instant::now();
    let status = api.get("/api/v1/status", &[("Authorization", auth)]);
    assert_eq!(status.status, 200, "{}", status.text());
    assert!(read_started.elapsed() < Duration::from_secs(3));

    let out = cli.join().unwrap();
    assert_code(&out, 75);
    let err = stderr(&out);
    assert!(err.contains("database is locked"), "{err}");
    assert!(
        err.contains("hint: another process holds the database"),
        "{err}"
    );
    assert_store_unavailable(&hook.join().unwrap());
    for r in [patch.join().unwrap(), silence.join().unwrap()] {
        assert_eq!(
            r.status,
            503,
            "an API write on a locked database: {}",
            r.text()
        );
        assert_eq!(r.media_type(), "application/problem+json");
        assert!(r.header("Retry-After").is_some(), "{:?}", r.headers);
    }
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "gave up in bounded time"
    );
    // Nothing half-done while locked.
    drop(lock);
    assert_eq!(
        count(
            &db,
            "SELECT sync_frequency FROM live_data_config WHERE firestore_collection = 'meetings'"
        ),
        30
    );
    assert_eq!(count(&db, "SELECT count(*) FROM traces"), 0);

    // Released: the same requests succeed.
    assert_code(
        &env.run(&[
            "config",
            "collections",
            "set",
            "meetings",
            "--frequency",
            "2m",
        ]),
        0,
    );
    assert_eq!(deliver(&hooks.addr, "while-locked", 10).status, 200);
    let r = api.send(
        "POST",
        "/api/v1/silences",
        &[
            ("Authorization", auth),
            ("Content-Type", "application/json"),
        ],
        Some(br#"{"rule":"slow","for":"1h","by":"tester"}"#),
    );
    assert!(r.status < 300, "{}", r.text());
    assert_eq!(
        count(
            &db,
            "SELECT sync_frequency FROM live_data_config WHERE firestore_collection = 'meetings'"
        ),
        120
    );
    assert_eq!(count(&db, "SELECT count(*) FROM traces"), 1);
    assert!(!hooks.log().contains("panicked"), "{}", hooks.log());
}

// ---- kill -9 during alert delivery -------------------------------------------------------------

/// A webhook channel endpoint. Until `answer` is set it reads each request and then holds it
/// unanswered until the client goes away; once set, it answers 200 and counts an
/// acknowledgement.
struct Channel {
    server: support::http::Server,
    answer: Arc<AtomicBool>,
    received: Arc<Mutex<Vec<String>>>,
    acked: Arc<Mutex<Vec<String>>>,
}

impl Channel {
    fn start() -> Channel {
        let answer = Arc::new(AtomicBool::new(false));
        let received = Arc::new(Mutex::new(Vec::new()));
        let acked = Arc::new(Mutex::new(Vec::new()));
        let (a, r, k) = (answer.clone(), received.clone(), acked.clone());
        let server = support::http::Server::start(move |mut conn: TcpStream| {
            let Ok(Some(req)) = support::http::read_request(&conn) else {
                return;
            };
            let id = req.header("webhook-id").unwrap_or_default().to_owned();
            r.lock().unwrap().push(id.clone());
            if a.load(Ordering::SeqCst) {
                let _ = support::http::write_response(&conn, 200, &[], b"");
                k.lock().unwrap().push(id);
            } else {
                // Stalled: wait for the sender to die (EOF) without answering.
                let _ = conn.set_read_timeout(Some(Duration::from_secs(60)));
                let mut sink = [0u8; 64];
                while matches!(conn.read(&mut sink), Ok(n) if n > 0) {}
            }
        });
        Channel {
            server,
            answer,
            received,
            acked,
        }
    }
}

fn add_failing_traces(db: &Path, n: usize) {
    use vdt::store::{Store, StoreOptions};
    use vdt::traces::TraceRow;
    let mut store = Store::open(db, &StoreOptions::default()).unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let rows: Vec<TraceRow> = (0..n)
        .map(|i| TraceRow {
            trace_id: format!("fail-{i}"),
            name: Some("meeting_processing".into()),
            status: Some("error".into()),
            model: Some("gemini-1.5-pro".into()),
            start_time: None,
            end_time: None,
            duration_ms: Some(100.0),
            input_tokens: Some(10),
            output_tokens: Some(2),
            cost_usd: Some(0.001),
            user_id: None,
            session_id: None,
            project: Some("vertigo".into()),
            tags: json!([]),
            metadata: json!({}),
            source: "webhook:lw".into(),
            updated_at: vdt::store::now(),
            ts_ms: now - i as i64 * 1000,
        })
        .collect();
    store.upsert_traces(&rows).unwrap();
}

#[test]
fn kill_9_during_alert_delivery_loses_nothing_and_sends_nothing_twice() {
    let channel = Channel::start();
    let smtp_port = support::free_port();
    let mut env = TestEnv::new();
    let sink = support::mailsink::MailSink::start(env.home(), smtp_port);
    env.set(
        "VDT_REL_ALERT_SECRET",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    );
    env.write_config(&format!(
        r#"
[alerts.smtp]
host = "127.0.0.1"
port = {smtp_port}
from = "vdt@localhost"
timeout = "5s"

[[alerts.channels]]
name = "mail"
type = "email"
to = ["oncall@example.com"]

[[alerts.channels]]
name = "hook"
type = "webhook"
url = "{}/alerts"
secret_env = "VDT_REL_ALERT_SECRET"

[[alerts.rules]]
name = "errors"
metric = "error_rate"
window = "1h"
op = ">"
threshold = 0.1
severity = "critical"
channels = ["mail", "hook"]
"#,
        channel.server.url()
    ));
    assert_code(&env.run(&["db", "migrate"]), 0);
    let db = env.db_path();
    add_failing_traces(&db, 5);

    // The check sends the mail, then hangs on the webhook: kill -9 it there.
    let mut check = env
        .cmd()
        .args(["--json", "alerts", "check"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while channel.received.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the webhook was never attempted");
        std::thread::sleep(Duration::from_millis(20));
    }
    check.kill().unwrap();
    check.wait().unwrap();
    assert_eq!(sink.mails().len(), 1, "the mail went out before the kill");
    assert!(channel.acked.lock().unwrap().is_empty());
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM notification_outbox WHERE channel = 'mail' AND status = 'sent'"
        ),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM notification_outbox WHERE channel = 'hook' AND status = 'sending'"
        ),
        1,
        "the interrupted delivery stays claimed"
    );
    // The dead sender's claim runs out after its lease (120 s); stand in for the wait.
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute(
        "UPDATE notification_outbox SET claimed_until = '2000-01-01T00:00:00.000Z' WHERE status = 'sending'",
        [],
    )
    .unwrap();
    drop(c);

    channel.answer.store(true, Ordering::SeqCst);
    for _ in 0..2 {
        let out = env.run(&["--json", "alerts", "check"]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    }
    // Exactly one of each reached its channel; the webhook's redelivery carried the id of
    // the attempt cut short, so a receiver that saw that one can drop the copy.
    assert_eq!(sink.mails().len(), 1, "the mail was not sent again");
    let acked = channel.acked.lock().unwrap().clone();
    let received = channel.received.lock().unwrap().clone();
    assert_eq!(acked.len(), 1, "{received:?}");
    assert_eq!(received.len(), 2, "{received:?}");
    assert_eq!(received[0], received[1]);
    assert!(received[0].starts_with("msg_"), "{received:?}");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM notification_outbox WHERE status != 'sent'"
        ),
        0
    );
}

// ---- Redis flapping --------------------------------------------------------------------------

#[test]
fn redis_flapping_never_fails_or_stalls_a_read_and_the_cache_comes_back() {
    let Some(mut redis) = support::redis::Server::start() else {
        return;
    };
    let prefix = support::redis::unique_prefix("flap");
    let mut env = TestEnv::new();
    env.set("VDT_REDIS__URL", &redis.url())
        .set("VDT_REDIS__PREFIX", &prefix);
    assert_code(&env.run(&["db", "migrate"]), 0);
    add_failing_traces(&env.db_path(), 50);
    let api = ApiProcess::start(env.cmd(), "127.0.0.1:0");

    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let bad: Arc<Mutex<Vec<String>>> = Arc::default();
    let slowest = Arc::new(Mutex::new(Duration::ZERO));
    let readers: Vec<_> = (0..2)
        .map(|t| {
            let (addr, stop, reads, bad, slowest) = (
                api.addr.clone(),
                stop.clone(),
                reads.clone(),
                bad.clone(),
                slowest.clone(),
            );
            std::thread::spawn(move || {
                let mut i = t;
                while !stop.load(Ordering::SeqCst) {
                    i += 2;
                    // Many distinct keys, so reads keep going past the in-process tier.
                    let target = if i % 3 == 0 {
                        "/api/v1/status".to_owned()
                    } else {
                        format!("/api/v1/metrics?window={}m", 60 + i % 97)
                    };
                    let t0 = Instant::now();
                    let r = request(&addr, "GET", &target, &[], None);
                    let took = t0.elapsed();
                    let mut s = slowest.lock().unwrap();
                    *s = (*s).max(took);
                    if r.status != 200 {
                        bad.lock().unwrap().push(format!("{target}: {}", r.status));
                    }
                    reads.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for _ in 0..6 {
        std::thread::sleep(Duration::from_millis(500));
        redis.stop();
        std::thread::sleep(Duration::from_millis(500));
        redis.restart();
    }
    // Redis is back for good: a read soon stores its value there again.
    let deadline = Instant::now() + Duration::from_secs(45);
    let mut conn = loop {
        if let Ok(c) = redis::Client::open(redis.url())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(1)))
        {
            break c;
        }
        assert!(Instant::now() < deadline);
    };
    let mut stored = 0usize;
    while Instant::now() < deadline {
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}metrics:*"))
            .query(&mut conn)
            .unwrap_or_default();
        stored = keys.len();
        if stored > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    stop.store(true, Ordering::SeqCst);
    for r in readers {
        r.join().unwrap();
    }
    let bad = bad.lock().unwrap().clone();
    assert!(bad.is_empty(), "failed reads while Redis flapped: {bad:?}");
    assert!(reads.load(Ordering::SeqCst) > 50, "{reads:?}");
    let slowest = *slowest.lock().unwrap();
    assert!(
        slowest < Duration::from_secs(3),
        "a read waited {slowest:?} on a dead Redis"
    );
    assert!(stored > 0, "the cache never came back after Redis did");
    let log = api.stderr.lock().unwrap().clone();
    assert!(!log.contains("panicked"), "{log}");
}

// ---- Firestore connections reset mid-sync ----------------------------------------------------

#[test]
fn firestore_connections_reset_mid_sync_are_retried_to_completion() {
    use support::fault_proxy::{Action, FaultProxy};
    let Some(emu) = support::emulator::shared() else {
        return;
    };
    let project = support::emulator::unique_project("reset");
    let mut cc = vdt::firestore::ClientConfig::new(&project);
    cc.emulator_host = Some(emu.host().to_owned());
    let client = vdt::firestore::Client::new(cc).unwrap();
    let writes = (0..120)
        .map(|i| ("meetings".to_owned(), format!("m{i:03}"), json!({"n": i})))
        .collect();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(client.batch_write(writes))
        .unwrap();

    let proxy = FaultProxy::start(emu.host());
    let host = proxy.url().trim_start_matches("http://").to_owned();
    let mut env = TestEnv::new();
    assert_code(
        &env.run(&[
            "init",
            "--non-interactive",
            "--project",
            &project,
            "--emulator-host",
            &host,
            "--skip-check",
            "--collection",
            "meetings:documents",
        ]),
        0,
    );
    env.set("VDT_SYNC__PAGE_SIZE", "40");
    proxy.push([
        Action::Reset,
        Action::Pass,
        Action::ResetMidBody,
        Action::Reset,
        Action::Pass,
        Action::ResetMidBody,
    ]);
    let out = env.run(&["--json", "sync"]);
    assert_code(&out, 0);
    let report: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(report["status"], "success", "{report}");
    assert_eq!(count(&env.db_path(), "SELECT count(*) FROM documents"), 120);
    let resets = proxy
        .seen()
        .iter()
        .filter(|s| matches!(s.action, Action::Reset | Action::ResetMidBody))
        .count();
    assert_eq!(resets, 4, "every scripted reset was met");
}
