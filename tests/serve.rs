//! `vdt serve`: drains on SIGTERM under webhook load without losing an acknowledged delivery,
//! reloads its config on SIGHUP (keeping the old one when the new one is broken), and mails a
//! real-time alert right after a failing trace arrives. Also the demo's smoke test.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::cli::{TestEnv, count};
use support::mailsink::MailSink;
use vdt::webhooks::schemes::{Scheme, parse_secret, sign};

const SECRET: &str = "serve-test-secret";

fn base_config(extra: &str) -> String {
    format!(
        "[[webhooks.sources]]\nname = \"vertigo\"\nscheme = \"hmac-sha256\"\nheader = \"X-Sig\"\nsecret_env = \"HOOK_SECRET\"\nrate_limit = {{ per_second = 100000, burst = 100000 }}\n\n[alerts]\ninterval = \"1s\"\n{extra}"
    )
}

struct Serve {
    child: Child,
    hooks: String,
    stderr: Arc<Mutex<String>>,
}

impl Serve {
    fn start(env: &TestEnv) -> Serve {
        let mut child = env
            .cmd()
            .args([
                "--json",
                "serve",
                "--api-bind",
                "127.0.0.1:0",
                "--webhooks-bind",
                "127.0.0.1:0",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let mut err = child.stderr.take().unwrap();
            let sink = Arc::clone(&stderr);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = err.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut hooks = None;
        while let Some(Ok(line)) = lines.next() {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
            if v["what"] == "webhooks" {
                hooks = v["listening"].as_str().map(str::to_owned);
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        let hooks = hooks.unwrap_or_else(|| {
            panic!(
                "serve did not report its webhook address: {}",
                stderr.lock().unwrap()
            )
        });
        Serve {
            child,
            hooks,
            stderr,
        }
    }

    fn signal(&self, sig: &str) {
        std::process::Command::new("kill")
            .args(["-s", sig, &self.child.id().to_string()])
            .status()
            .unwrap();
    }

    fn wait_for_stderr(&self, needle: &str, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.stderr.lock().unwrap().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

/// POST one signed trace event; returns the status code (0 when the connection failed).
fn post(addr: &str, id: usize, status: &str) -> u16 {
    let body = serde_json::json!({
        "type": "trace.completed", "id": format!("evt_{id}"),
        "data": {"trace": {"id": format!("tr_{id}"), "status": status, "model": "gemini-1.5-pro",
            "startTime": chrono::Utc::now().timestamp_millis(), "duration": 1200 + id % 100}}
    })
    .to_string();
    let scheme = Scheme::parse("hmac-sha256", Some("X-Sig")).unwrap();
    let secret = parse_secret(&scheme, SECRET).unwrap();
    let headers = sign(&scheme, &secret, None, 0, body.as_bytes());
    let Ok(mut s) = TcpStream::connect(addr) else {
        return 0;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let mut req = format!(
        "POST /hooks/vertigo HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    if s.write_all(req.as_bytes()).is_err() {
        return 0;
    }
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    resp.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn sigterm_under_webhook_load_drains_and_loses_no_acknowledged_delivery() {
    let mut env = TestEnv::new();
    env.set("HOOK_SECRET", SECRET);
    env.write_config(&base_config(""));
    let mut serve = Serve::start(&env);
    let acked = Arc::new(AtomicUsize::new(0));
    let next = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (acked, next, stop, addr) = (
            Arc::clone(&acked),
            Arc::clone(&next),
            Arc::clone(&stop),
            serve.hooks.clone(),
        );
        clients.push(std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let id = next.fetch_add(1, Ordering::SeqCst);
                let code = post(&addr, id, "completed");
                if (200..300).contains(&code) {
                    acked.fetch_add(1, Ordering::SeqCst);
                }
                if code == 0 {
                    break;
                }
            }
        }));
    }
    while acked.load(Ordering::SeqCst) < 200 {
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent_at = Instant::now();
    serve.signal("TERM");
    let status = loop {
        if let Some(s) = serve.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            sent_at.elapsed() < Duration::from_secs(10),
            "serve did not exit within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().unwrap();
    }
    assert_eq!(status.code(), Some(0), "{}", serve.stderr.lock().unwrap());
    let acked = acked.load(Ordering::SeqCst) as i64;
    let logged = count(
        &env.db_path(),
        "SELECT count(*) FROM webhook_logs WHERE status_code BETWEEN 200 AND 299",
    );
    assert_eq!(
        logged, acked,
        "every acknowledged delivery is in webhook_logs"
    );
    assert_eq!(count(&env.db_path(), "SELECT count(*) FROM traces"), acked);
}

fn insert_traces(env: &TestEnv, n: usize, errors: usize) {
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    for i in 0..n {
        conn.execute(
            "INSERT INTO traces (trace_id, status, model, duration_ms, source, updated_at, ts_ms)
             VALUES (?1, ?2, 'gemini-1.5-pro', 1000, 'webhook:test', '2026-01-01T00:00:00Z', ?3)",
            rusqlite::params![
                format!("t{i}"),
                if i < errors { "error" } else { "success" },
                now - 1000
            ],
        )
        .unwrap();
    }
}

#[test]
fn sighup_reloads_rules_and_keeps_the_old_config_when_the_new_one_is_broken() {
    let mut env = TestEnv::new();
    env.set("HOOK_SECRET", SECRET);
    let rule = |threshold: f64| {
        format!(
            "\n[[alerts.rules]]\nname = \"errors\"\nmetric = \"error_rate\"\nwindow = \"1h\"\nop = \">\"\nthreshold = {threshold}\n"
        )
    };
    env.write_config(&base_config(&rule(0.5)));
    assert_eq!(env.run(&["db", "migrate"]).status.code(), Some(0));
    insert_traces(&env, 10, 3); // error rate 0.3
    let mut serve = Serve::start(&env);
    // Give the alert loop a few evaluations: 0.3 > 0.5 is false, nothing fires.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        count(
            &env.db_path(),
            "SELECT count(*) FROM alerts WHERE state = 'firing'"
        ),
        0
    );

    // A broken config is reported and the old one kept.
    env.write_config("this is = not [valid");
    serve.signal("HUP");
    assert!(
        serve.wait_for_stderr("keeping the old configuration", Duration::from_secs(10)),
        "{}",
        serve.stderr.lock().unwrap()
    );
    // A good one lowers the threshold; the next evaluation fires.
    env.write_config(&base_config(&rule(0.1)));
    serve.signal("HUP");
    assert!(serve.wait_for_stderr("configuration reloaded", Duration::from_secs(10)));
    let deadline = Instant::now() + Duration::from_secs(20);
    while count(
        &env.db_path(),
        "SELECT count(*) FROM alerts WHERE state = 'firing'",
    ) == 0
    {
        assert!(Instant::now() < deadline, "the reloaded rule never fired");
        std::thread::sleep(Duration::from_millis(100));
    }
    serve.signal("TERM");
    assert_eq!(serve.child.wait().unwrap().code(), Some(0));
}

#[test]
fn a_failing_trace_posted_reaches_the_smtp_server_in_real_time() {
    let mut env = TestEnv::new();
    env.set("HOOK_SECRET", SECRET);
    let smtp_port = support::free_port();
    let mail = MailSink::start(env.home(), smtp_port);
    // A long interval: only the real-time evaluation after ingest can be fast.
    let cfg = base_config(&format!(
        "\n[alerts.smtp]\nhost = \"127.0.0.1\"\nport = {smtp_port}\nfrom = \"vdt@localhost\"\n\n[[alerts.channels]]\nname = \"oncall\"\ntype = \"email\"\nto = [\"oncall@example.com\"]\n\n[[alerts.rules]]\nname = \"any-failure\"\nmetric = \"error_rate\"\nwindow = \"1h\"\nop = \">\"\nthreshold = 0\nseverity = \"critical\"\nchannels = [\"oncall\"]\n"
    ))
    .replace("interval = \"1s\"", "interval = \"1h\"");
    env.write_config(&cfg);
    let mut serve = Serve::start(&env);
    // The first interval tick evaluates at start; wait for it so only ingest can trigger next.
    std::thread::sleep(Duration::from_millis(1500));
    let posted = Instant::now();
    assert_eq!(post(&serve.hooks, 1, "failed"), 200);
    let deadline = posted + Duration::from_secs(30);
    loop {
        let mails = mail.mails();
        if let Some(m) = mails.first() {
            assert!(m.subject.contains("any-failure"), "{m:?}");
            eprintln!("trigger-to-mail latency: {:?}", posted.elapsed());
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no mail within the roadmap's 30 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    serve.signal("TERM");
    assert_eq!(serve.child.wait().unwrap().code(), Some(0));
}

#[test]
fn prune_removes_what_retention_says_and_nothing_else() {
    let env = TestEnv::new();
    env.write_config("[retention]\nwebhook_logs = \"1d\"\ndeleted_documents = \"1d\"\n");
    assert_eq!(env.run(&["db", "migrate"]).status.code(), Some(0));
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let old = "2020-01-01T00:00:00.000Z";
    let new = vdt::store::now();
    for (t, n) in [(old, 3), (new.as_str(), 2)] {
        for i in 0..n {
            conn.execute(
                "INSERT INTO webhook_logs (source, status_code, processed_at) VALUES ('s', 200, ?1)",
                [t],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO documents (collection, doc_id, data, synced_at, deleted_at) VALUES ('c', ?1, '{}', ?2, ?2)",
                rusqlite::params![format!("{t}-{i}"), t],
            )
            .unwrap();
        }
    }
    conn.execute(
        "INSERT INTO documents (collection, doc_id, data, synced_at) VALUES ('c', 'live', '{}', ?1)",
        [old],
    )
    .unwrap();
    drop(conn);
    let o = env.run(&["--json", "db", "prune", "--dry-run"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["deleted"]["webhook_logs"], 3);
    assert_eq!(
        count(&env.db_path(), "SELECT count(*) FROM webhook_logs"),
        5
    );
    let o = env.run(&["--json", "db", "prune"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["deleted"]["webhook_logs"], 3);
    assert_eq!(v["deleted"]["documents"], 3);
    assert_eq!(
        count(&env.db_path(), "SELECT count(*) FROM webhook_logs"),
        2
    );
    // Recently deleted and live documents stay.
    assert_eq!(count(&env.db_path(), "SELECT count(*) FROM documents"), 3);
    assert_eq!(
        count(
            &env.db_path(),
            "SELECT count(*) FROM documents WHERE doc_id = 'live'"
        ),
        1
    );
}

#[test]
fn demo_starts_serves_and_stops_cleanly() {
    if support::emulator::binary().is_none() {
        eprintln!("skipped: firestore emulator not installed");
        return;
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::process::Command::new("bash")
        .arg(format!("{root}/scripts/demo.sh"))
        .args(["--duration", "8", "--no-build"])
        .env("VDT_BIN", env!("CARGO_BIN_EXE_vdt"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let url = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Dashboard: "))
        .unwrap_or_else(|| panic!("no dashboard line: {stdout}\n{stderr}"));
    assert!(url.starts_with("http://127.0.0.1:"));
    assert!(stderr.contains("demo stopped"), "{stderr}");
    // Its temporary directory is gone, and no emulator of its own is left.
    let dir = stderr
        .lines()
        .find_map(|l| l.strip_prefix("demo stopped; removed "))
        .unwrap();
    assert!(!std::path::Path::new(dir).exists());
}

#[test]
fn the_example_sender_is_accepted() {
    let mut env = TestEnv::new();
    env.set("HOOK_SECRET", SECRET);
    env.write_config(&base_config("").replace("X-Sig", "X-Vertigo-Signature"));
    let mut serve = Serve::start(&env);
    let root = env!("CARGO_MANIFEST_DIR");
    for flag in [None, Some("--fail")] {
        let mut cmd = std::process::Command::new("python3");
        cmd.arg(format!("{root}/scripts/examples/send_trace.py"))
            .arg(format!("http://{}/hooks/vertigo", serve.hooks))
            .env("VDT_VERTIGO_SECRET", SECRET);
        if let Some(f) = flag {
            cmd.arg(f);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    assert_eq!(
        count(
            &env.db_path(),
            "SELECT count(*) FROM traces WHERE status = 'error'"
        ),
        1
    );
    assert_eq!(
        count(
            &env.db_path(),
            "SELECT count(*) FROM traces WHERE status = 'success'"
        ),
        1
    );
    serve.signal("TERM");
    assert_eq!(serve.child.wait().unwrap().code(), Some(0));
}
