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
        Serve::start_with(env, &["--webhooks-bind", "127.0.0.1:0"])
    }

    /// `serve --api-bind 127.0.0.1:0` plus `args`.
    fn start_with(env: &TestEnv, args: &[&str]) -> Serve {
        let mut child = env
            .cmd()
            .args(["--json", "serve", "--api-bind", "127.0.0.1:0"])
            .args(args)
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

impl Drop for Serve {
    /// A failed assertion must not leave the server running.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
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

fn http_get(url: &str) -> (u16, String) {
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let Ok(mut s) = TcpStream::connect(host) else {
        return (0, String::new());
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    );
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    let code = resp
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (code, body)
}

#[test]
fn demo_starts_serves_live_data_and_stops_cleanly() {
    if support::emulator::binary().is_none() {
        eprintln!("skipped: firestore emulator not installed");
        return;
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let mut demo = std::process::Command::new("bash")
        .arg(format!("{root}/scripts/demo.sh"))
        .args(["--duration", "20", "--no-build"])
        .env("VDT_BIN", env!("CARGO_BIN_EXE_vdt"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(demo.stdout.take().unwrap()).lines();
    let url = lines
        .find_map(|l| l.ok()?.strip_prefix("Dashboard: ").map(str::to_owned))
        .expect("the demo prints one Dashboard: line");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    // The dashboard is served, and the mirror fills with the seeded traces.
    let (code, page) = http_get(&url);
    assert_eq!(code, 200);
    assert!(page.contains("<html") || page.contains("<!doctype") || page.contains("<!DOCTYPE"));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (code, body) = http_get(&format!("{url}api/v1/metrics?window=24h"));
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        if code == 200 && v["data"]["traces_total"].as_f64().unwrap_or(0.0) >= 300.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no synced traces on the API: {code} {body}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let out = demo.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("demo stopped"), "{stderr}");
    // Its temporary directory is gone.
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

/// A signed trace delivery to `/hooks/{source}` as HTTP/1.1 text; keep-alive unless `close`.
fn signed_request(host: &str, source: &str, secret: &str, id: &str, close: bool) -> String {
    signed_trace_request(
        host,
        source,
        secret,
        &format!("evt_{id}"),
        &format!("tr_{id}"),
        close,
    )
}

/// A signed `trace.updated` delivery with its own event id, of trace `trace`.
fn signed_trace_request(
    host: &str,
    source: &str,
    secret: &str,
    event: &str,
    trace: &str,
    close: bool,
) -> String {
    let body = serde_json::json!({
        "type": "trace.updated", "id": event,
        "data": {"trace": {"id": trace, "status": "completed",
            "startTime": chrono::Utc::now().timestamp_millis()}}
    })
    .to_string();
    let scheme = Scheme::parse("hmac-sha256", Some("X-Sig")).unwrap();
    let headers = sign(
        &scheme,
        &parse_secret(&scheme, secret).unwrap(),
        None,
        0,
        body.as_bytes(),
    );
    let mut req = format!(
        "POST /hooks/{source} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if close {
        req.push_str("Connection: close\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req + "\r\n" + &body
}

/// Reads one response off a kept-alive connection: its status code (0 when none came).
fn read_response(r: &mut BufReader<TcpStream>) -> u16 {
    let mut status = String::new();
    if r.read_line(&mut status).unwrap_or(0) == 0 {
        return 0;
    }
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = r.read_exact(&mut body);
    status
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// One delivery on a connection of its own; the status code (0 when the connection failed).
fn deliver(addr: &str, source: &str, secret: &str, id: &str) -> u16 {
    send_once(addr, &signed_request(addr, source, secret, id, true))
}

/// Sends `request` on a connection of its own; the status code (0 when the connection failed).
fn send_once(addr: &str, request: &str) -> u16 {
    let Ok(s) = TcpStream::connect(addr) else {
        return 0;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let mut w = s.try_clone().unwrap();
    if w.write_all(request.as_bytes()).is_err() {
        return 0;
    }
    read_response(&mut BufReader::new(s))
}

fn hook_config(port: u16, home: &std::path::Path, extra_sources: &str) -> String {
    format!(
        "[webhooks]\nbind = \"127.0.0.1:{port}\"\n\n\
         [[webhooks.sources]]\nname = \"vertigo\"\nscheme = \"hmac-sha256\"\nheader = \"X-Sig\"\n\
         secret_file = \"{}\"\nrate_limit = {{ per_second = 100000, burst = 100000 }}\n\n\
         [[webhooks.sources]]\nname = \"limited\"\nscheme = \"hmac-sha256\"\nheader = \"X-Sig\"\n\
         secret_env = \"HOOK_SECRET\"\nrate_limit = {{ per_second = 0.001, burst = 2 }}\n{extra_sources}",
        home.join("vertigo.secret").display()
    )
}

#[test]
fn sighup_applies_new_and_rotated_webhook_sources_without_dropping_connections() {
    let mut env = TestEnv::new();
    env.set("HOOK_SECRET", SECRET);
    env.set("NEW_SOURCE_SECRET", "a-brand-new-source-secret");
    let (old, new) = ("the-old-secret", "the-rotated-secret");
    let secret_file = env.home().join("vertigo.secret");
    std::fs::write(&secret_file, old).unwrap();
    let port = support::free_port();
    env.write_config(&hook_config(port, env.home(), ""));
    let mut serve = Serve::start_with(&env, &[]);
    let addr = serve.hooks.clone();
    assert_eq!(addr, format!("127.0.0.1:{port}"));

    assert_eq!(deliver(&addr, "vertigo", old, "1"), 200);
    assert_eq!(
        deliver(&addr, "fresh", "a-brand-new-source-secret", "2"),
        404
    );
    // The limited source spends its burst of 2.
    assert_eq!(deliver(&addr, "limited", SECRET, "3"), 200);
    assert_eq!(deliver(&addr, "limited", SECRET, "4"), 200);
    assert_eq!(deliver(&addr, "limited", SECRET, "5"), 429);
    // A connection kept alive across the reload.
    let kept = TcpStream::connect(&addr).unwrap();
    kept.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut kept_w = kept.try_clone().unwrap();
    let mut kept_r = BufReader::new(kept);
    kept_w
        .write_all(signed_request(&addr, "vertigo", old, "6", false).as_bytes())
        .unwrap();
    assert_eq!(read_response(&mut kept_r), 200);

    // Rotate vertigo's secret, add a source, and ask for another port (needs a restart).
    std::fs::write(&secret_file, new).unwrap();
    let other_port = support::free_port();
    let rotated = hook_config(
        other_port,
        env.home(),
        "\n[[webhooks.sources]]\nname = \"fresh\"\nscheme = \"hmac-sha256\"\nheader = \"X-Sig\"\nsecret_env = \"NEW_SOURCE_SECRET\"\n",
    );
    env.write_config(&rotated);
    serve.signal("HUP");
    assert!(
        serve.wait_for_stderr("configuration reloaded", Duration::from_secs(10)),
        "{}",
        serve.stderr.lock().unwrap()
    );
    let stderr = serve.stderr.lock().unwrap().clone();
    assert!(
        stderr.contains("`webhooks.bind` changed")
            && stderr.contains(&format!("still listening on 127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(
        stderr.contains("webhook sources: vertigo, limited, fresh"),
        "{stderr}"
    );

    // The kept-alive connection is still served, with the new table.
    kept_w
        .write_all(signed_request(&addr, "vertigo", new, "7", false).as_bytes())
        .unwrap();
    assert_eq!(read_response(&mut kept_r), 200);
    kept_w
        .write_all(signed_request(&addr, "vertigo", old, "8", false).as_bytes())
        .unwrap();
    assert_eq!(read_response(&mut kept_r), 401);
    assert_eq!(deliver(&addr, "vertigo", new, "9"), 200);
    assert_eq!(deliver(&addr, "vertigo", old, "10"), 401);
    assert_eq!(
        deliver(&addr, "fresh", "a-brand-new-source-secret", "11"),
        200
    );
    // The unchanged source kept its limiter: still no burst left.
    assert_eq!(deliver(&addr, "limited", SECRET, "12"), 429);
    // The old address is kept; the new one is not bound.
    assert!(TcpStream::connect(("127.0.0.1", other_port)).is_err());

    // A broken file keeps everything as it is.
    env.write_config("[[webhooks.sources]]\nname = 5\n");
    serve.signal("HUP");
    assert!(
        serve.wait_for_stderr("keeping the old configuration", Duration::from_secs(10)),
        "{}",
        serve.stderr.lock().unwrap()
    );
    assert_eq!(deliver(&addr, "vertigo", new, "13"), 200);
    assert_eq!(deliver(&addr, "vertigo", old, "14"), 401);
    assert_eq!(
        deliver(&addr, "fresh", "a-brand-new-source-secret", "15"),
        200
    );
    // So does a valid file whose secret cannot be resolved: nothing of it applies.
    std::fs::write(&secret_file, "").unwrap();
    env.write_config(&hook_config(port, env.home(), ""));
    serve.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while serve
        .stderr
        .lock()
        .unwrap()
        .matches("keeping the old configuration")
        .count()
        < 2
    {
        assert!(
            Instant::now() < deadline,
            "{}",
            serve.stderr.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(deliver(&addr, "vertigo", new, "16"), 200);
    assert_eq!(
        deliver(&addr, "fresh", "a-brand-new-source-secret", "17"),
        200
    );

    drop((kept_w, kept_r));
    serve.signal("TERM");
    assert_eq!(serve.child.wait().unwrap().code(), Some(0));
    // Every answer is in the log, under the source it was posted to.
    assert_eq!(
        count(
            &env.db_path(),
            "SELECT count(*) FROM webhook_logs WHERE source = 'vertigo' AND status_code = 401"
        ),
        3
    );
}

#[test]
fn under_continuous_deliveries_retention_keeps_the_database_bounded() {
    let mut env = TestEnv::new();
    env.set("HOOK_SECRET", SECRET);
    // Keep 3 s of webhook logs, prune every second: an hour's worth of a busy day in seconds.
    env.write_config(&base_config(
        "\n[retention]\nwebhook_logs = \"3s\"\nprune_every = \"1s\"\n",
    ));
    let mut serve = Serve::start(&env);
    let delivered = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let client = {
        let (delivered, stop, addr) = (
            Arc::clone(&delivered),
            Arc::clone(&stop),
            serve.hooks.clone(),
        );
        std::thread::spawn(move || {
            // ~200 deliveries a second, each with its own delivery id, updating 20 traces (the
            // mirror itself is not what retention bounds).
            let started = Instant::now();
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                let due = started + Duration::from_millis(5 * n as u64);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let request = signed_trace_request(
                    &addr,
                    "vertigo",
                    SECRET,
                    &format!("evt_{n}"),
                    &format!("tr_{}", n % 20),
                    true,
                );
                let code = send_once(&addr, &request);
                assert_eq!(code, 200, "delivery {n}");
                delivered.fetch_add(1, Ordering::SeqCst);
                n += 1;
            }
        })
    };
    let db = env.db_path();
    let sample = || {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let one = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        let stale = vdt::store::ts(chrono::Utc::now() - chrono::Duration::seconds(8));
        let old: i64 = conn
            .query_row(
                "SELECT count(*) FROM webhook_logs WHERE processed_at < ?1",
                [&stale],
                |r| r.get(0),
            )
            .unwrap();
        (
            one("SELECT count(*) FROM webhook_logs"),
            one("SELECT count(*) FROM webhook_deliveries"),
            one("PRAGMA page_count"),
            old,
        )
    };
    let started = Instant::now();
    // SOAK_SECS=600 runs a longer soak; the default keeps the test near 35 s.
    let soak_secs: u64 = std::env::var("SOAK_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let mut at_warm = None;
    let mut last = (0, 0, 0);
    let mut max_pages_after_warm = 0;
    while started.elapsed() < Duration::from_secs(soak_secs) {
        std::thread::sleep(Duration::from_secs(1));
        let s = sample();
        let sent = delivered.load(Ordering::SeqCst);
        eprintln!(
            "t={:>2}s delivered={sent:>5} webhook_logs={:>4} webhook_deliveries={:>4} pages={:>4} older_than_8s={} free={}",
            started.elapsed().as_secs(),
            s.0,
            s.1,
            s.2,
            s.3,
            count(&db, "PRAGMA freelist_count")
        );
        if started.elapsed() >= Duration::from_secs(10) {
            assert_eq!(s.3, 0, "a log row outlived retention + the prune period");
            at_warm.get_or_insert((sent, s.2));
            max_pages_after_warm = max_pages_after_warm.max(s.2);
        }
        last = (s.0, s.1, sent as i64);
    }
    stop.store(true, Ordering::SeqCst);
    client.join().unwrap();
    let (warm_sent, warm_pages) = at_warm.unwrap();
    let (logs, dedup, sent) = last;
    // The load went on: well over twice what had been delivered at the 10 s mark…
    assert!(
        sent as usize > 2 * warm_sent && sent > 500,
        "only {sent} deliveries ({warm_sent} at 10 s)"
    );
    // …but the tables hold a few seconds of it, and the file stopped growing.
    assert!(logs < sent / 3, "{logs} of {sent} log rows kept");
    assert!(dedup < sent / 3, "{dedup} of {sent} delivery ids kept");
    assert!(
        max_pages_after_warm as f64 <= warm_pages as f64 * 1.3 + 16.0,
        "pages grew from {warm_pages} at 10 s to {max_pages_after_warm}"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM traces"), 20);
    serve.signal("TERM");
    assert_eq!(serve.child.wait().unwrap().code(), Some(0));
}
