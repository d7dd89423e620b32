//! The security review's tests (docs/SECURITY.md): no secret reaches the database, the logs or
//! any command's output; `vdt serve`'s routes, enumerated from its live OpenAPI document, refuse
//! missing, wrong and read-only tokens where they should and answer hostile input in every query
//! parameter and path segment with a 4xx, never a 5xx, as does the webhook receiver; no CORS
//! header is sent unless configured; config and credential files others can read are warned
//! about. (`vdt api`'s own auth matrix and CORS are in tests/api.rs.)

#[path = "support/api.rs"]
mod api_support;
mod support;

use api_support::{Reply, request, send_raw};
use base64::Engine as _;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::cli::{TestEnv, assert_code, stderr, stdout};
use vdt::webhooks::schemes::{Scheme, parse_secret, sign};

// Distinctive values, so any appearance anywhere is a leak.
const ADMIN: &str = "sec-admin-Zr7Kq2Lw9";
const READ: &str = "sec-read-Mp4Vx8Nd3";
const HOOK: &str = "sec-hook-Hb5Tj1Yc6";
const FILE_SECRET: &str = "sec-file-Kn6Rm3Tz0";
const STD_KEY: &str = "sec-std-Lw8xQ3n6Pa2R";
const ALERT_KEY: &str = "sec-alert-Fv9jS4kR1w";
const SMTP_USER: &str = "sec-smtpuser-Qe3Jt5";
const SMTP_PASS: &str = "sec-smtppass-Wd8Gh2";
const REDIS_PASS: &str = "sec-redispass-Xa4Ub7";

fn whsec(key: &str) -> String {
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
}

fn secrets() -> Vec<String> {
    let mut v: Vec<String> = [
        ADMIN,
        READ,
        HOOK,
        FILE_SECRET,
        STD_KEY,
        ALERT_KEY,
        SMTP_USER,
        SMTP_PASS,
        REDIS_PASS,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.push(whsec(STD_KEY));
    v.push(whsec(ALERT_KEY));
    v
}

/// `vdt serve` with every kind of secret configured.
fn world(hook_url: &str, smtp_port: u16) -> TestEnv {
    let mut env = TestEnv::new();
    let dead = support::free_port();
    env.set("VDT_API_TOKEN", ADMIN)
        .set("VDT_API_READ_TOKEN", READ)
        .set("SEC_HOOK", HOOK)
        .set("SEC_STD", &whsec(STD_KEY))
        .set("SEC_ALERT", &whsec(ALERT_KEY))
        .set("SEC_SMTP_USER", SMTP_USER)
        .set("SEC_SMTP_PASS", SMTP_PASS)
        .set(
            "VDT_REDIS__URL",
            &format!("redis://:{REDIS_PASS}@127.0.0.1:{dead}/0"),
        )
        .set("VDT_LOG", "trace");
    let secret_file = env.home().join("file.secret");
    std::fs::write(&secret_file, format!("{FILE_SECRET}\n")).unwrap();
    chmod(&secret_file, 0o600);
    env.write_config(&format!(
        r#"
[firestore]
project_id = "sec-project"
emulator_host = "127.0.0.1:{dead}"

[alerts]
interval = "1s"

[alerts.smtp]
host = "127.0.0.1"
port = {smtp_port}
from = "vdt@localhost"
timeout = "3s"
username_env = "SEC_SMTP_USER"
password_env = "SEC_SMTP_PASS"

[[alerts.channels]]
name = "mail"
type = "email"
to = ["oncall@example.com"]

[[alerts.channels]]
name = "hook"
type = "webhook"
url = "{hook_url}"
secret_env = "SEC_ALERT"

[[alerts.rules]]
name = "errors"
metric = "error_rate"
window = "1h"
op = ">"
threshold = 0.1
severity = "critical"
channels = ["mail", "hook"]

[[webhooks.sources]]
name = "lw"
scheme = "hmac-sha256"
header = "X-Sig"
secret_env = "SEC_HOOK"

[[webhooks.sources]]
name = "std"
scheme = "standard"
secret_env = "SEC_STD"

[[webhooks.sources]]
name = "gh"
scheme = "github"
secret_file = "{}"

[[sync.collections]]
name = "meetings"
kind = "documents"
"#,
        secret_file.display()
    ));
    chmod(&env.config_path(), 0o600);
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
    env
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A running `vdt serve` on free ports; stderr collected; killed on drop.
struct Serve {
    child: Child,
    api: String,
    hooks: String,
    stderr: Arc<Mutex<String>>,
}

impl Serve {
    fn start(env: &TestEnv) -> Serve {
        let mut child = env
            .cmd()
            .args(["--json", "serve", "--api-bind", "127.0.0.1:0"])
            .args(["--webhooks-bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let (mut err, sink) = (child.stderr.take().unwrap(), stderr.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut api, mut hooks) = (None, None);
        while api.is_none() || hooks.is_none() {
            let Some(Ok(line)) = lines.next() else {
                std::thread::sleep(Duration::from_millis(300));
                panic!("serve exited: {}", stderr.lock().unwrap());
            };
            let v: Value = serde_json::from_str(&line).unwrap_or_default();
            let addr = v["listening"].as_str().map(str::to_owned);
            match v["what"].as_str() {
                Some("api") => api = addr,
                Some("webhooks") => hooks = addr,
                _ => {}
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Serve {
            child,
            api: api.unwrap(),
            hooks: hooks.unwrap(),
            stderr,
        }
    }

    fn stop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-s", "TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.stop();
    }
}

fn signed_post(addr: &str, source: &str, scheme: &Scheme, secret: &str, body: &[u8]) -> Reply {
    let key = parse_secret(scheme, secret).unwrap();
    let ts = chrono::Utc::now().timestamp();
    let h = sign(scheme, &key, Some("evt-sec-1"), ts, body);
    let mut headers: Vec<(&str, &str)> = vec![("Content-Type", "application/json")];
    headers.extend(h.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    request(
        addr,
        "POST",
        &format!("/hooks/{source}"),
        &headers,
        Some(body),
    )
}

fn failing_trace(id: &str) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"type": "trace.completed", "id": id, "data": {"trace": {
        "id": id, "status": "failed", "model": "gemini-1.5-pro",
        "startTime": chrono::Utc::now().timestamp_millis()}}}),
    )
    .unwrap()
}

// ---- secrets ---------------------------------------------------------------------------------

#[test]
fn no_secret_reaches_the_database_the_logs_or_any_output() {
    let receiver = support::receiver::Receiver::start(Some(&whsec(ALERT_KEY)));
    let smtp_port = support::free_port();
    let env = world(&receiver.url(), smtp_port);
    let _sink = support::mailsink::MailSink::start(env.home(), smtp_port);
    let mut serve = Serve::start(&env);

    // Webhooks: good and bad signatures on every source.
    let lw = Scheme::HmacSha256 {
        header: "X-Sig".into(),
    };
    for i in 0..3 {
        let r = signed_post(
            &serve.hooks,
            "lw",
            &lw,
            HOOK,
            &failing_trace(&format!("s{i}")),
        );
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let body = failing_trace("std-1");
    assert_eq!(
        signed_post(
            &serve.hooks,
            "std",
            &Scheme::Standard,
            &whsec(STD_KEY),
            &body
        )
        .status,
        200
    );
    assert_eq!(
        signed_post(&serve.hooks, "gh", &Scheme::Github, FILE_SECRET, &body).status,
        200
    );
    for source in ["lw", "std", "gh"] {
        let r = signed_post(&serve.hooks, source, &Scheme::Github, "wrong-key", &body);
        assert_eq!(r.status, 401, "{source}");
    }
    // API: right, read-only and wrong tokens; a write.
    for token in [ADMIN, READ, "not-a-token"] {
        let auth = format!("Bearer {token}");
        let _ = request(
            &serve.api,
            "GET",
            "/api/v1/status",
            &[("Authorization", &auth)],
            None,
        );
        let _ = request(
            &serve.api,
            "PATCH",
            "/api/v1/config",
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            Some(br#"{"collections":[{"name":"meetings","sync_frequency":45}]}"#),
        );
    }
    // The failing traces fire the rule: the signed alert webhook goes out.
    let deadline = Instant::now() + Duration::from_secs(30);
    while receiver.received().is_empty() {
        assert!(
            Instant::now() < deadline,
            "no alert webhook: {}",
            serve.stderr.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(matches!(receiver.received()[0].verified, Some(Ok(()))));
    serve.stop();

    // Every command that shows or uses config, including failing ones.
    let mut outputs = String::new();
    for args in [
        &["config", "show"][..],
        &["--json", "config", "show"],
        &["config", "validate"],
        &["--json", "config", "validate"],
        &["status"],
        &["--json", "health"],
        &["--json", "alerts", "check"],
        &["--json", "cache", "stats"],
        &["cache", "flush"],
        &["--json", "sync"],
        &["db", "status"],
        &["--json", "alerts", "history"],
    ] {
        let o = env.run(args);
        outputs.push_str(&stdout(&o));
        outputs.push_str(&stderr(&o));
    }
    assert!(
        outputs.contains("redacted") || outputs.contains("***"),
        "config show ran: {outputs}"
    );
    let mut haystack: Vec<(String, Vec<u8>)> = vec![
        (
            "serve's stderr".into(),
            serve.stderr.lock().unwrap().clone().into_bytes(),
        ),
        ("command output".into(), outputs.into_bytes()),
    ];
    // Every file vdt wrote under HOME: the database, its WAL, backups, state.
    collect(env.home(), &env.home().join("file.secret"), &mut haystack);
    assert!(haystack.iter().any(|(n, _)| n.ends_with("vdt.sqlite3")));
    let log = String::from_utf8_lossy(&haystack[0].1).into_owned();
    assert!(
        log.contains("DEBUG") || log.contains("TRACE") || log.contains("\"level\":\"DEBUG"),
        "debug logs were captured: {} bytes\n{log:.3000}",
        log.len()
    );
    for secret in secrets() {
        for (name, bytes) in &haystack {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "secret {secret} found in {name}"
            );
        }
    }
}

fn collect(dir: &Path, skip: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p == skip || p.ends_with(".config") || p.file_name().is_some_and(|n| n == "pymod") {
            continue;
        }
        if p.is_dir() {
            collect(&p, skip, out);
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p.display().to_string(), b));
        }
    }
}

// ---- routes: auth, hostile input, CORS -------------------------------------------------------

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            let mut op = op.clone();
            // Path-level parameters apply to every operation.
            if let Some(shared) = item.get("parameters").and_then(Value::as_array) {
                let list = op["parameters"].as_array().cloned().unwrap_or_default();
                op["parameters"] = Value::Array([list, shared.clone()].concat());
            }
            out.push((method.to_ascii_uppercase(), path.clone(), op));
        }
    }
    out
}

fn concrete(template: &str) -> String {
    template.replace("{path}", "app.js").replace("{id}", "1")
}

fn body_for(method: &str, template: &str) -> Option<&'static [u8]> {
    match (method, template) {
        ("PATCH", "/api/v1/config") => {
            Some(br#"{"collections":[{"name":"meetings","sync_frequency":120}]}"#)
        }
        ("POST", "/api/v1/silences") => Some(br#"{"rule":"errors","for":"1h","by":"tester"}"#),
        ("POST", _) => Some(br#"{"by":"tester","comment":"x"}"#),
        _ => None,
    }
}

/// Raw, as they go on the request line: SQL, traversal, huge, invalid escapes, CRLF.
fn hostile() -> Vec<String> {
    let mut v: Vec<String> = [
        "1'%20OR%20'1'='1",
        "x';DROP%20TABLE%20traces;--",
        "%27%3B%20DELETE%20FROM%20webhook_logs%3B--",
        "%22%29%29%3B--",
        "../../../../etc/passwd",
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "%2e%2e%2f%2e%2e%2f",
        "..%5c..%5cwindows",
        "%00",
        "a%00b",
        "%zz",
        "%",
        "%4",
        "%ff%fe",
        "%C0%AF",
        "%E2%80%AE",
        "-1",
        "0",
        "99999999999999999999999999",
        "-9223372036854775809",
        "1e999",
        "NaN",
        "%0d%0aX-Injected:%20yes",
        "$(id)",
        "%7B%7D",
        "*",
        "",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.push("9".repeat(5000));
    v.push("a".repeat(20_000));
    v.push("%41".repeat(3000));
    v
}

fn no_cors(r: &Reply, what: &str) {
    assert!(
        r.headers
            .iter()
            .all(|(k, _)| !k.to_ascii_lowercase().starts_with("access-control-")),
        "{what}: CORS headers without cors_origins: {:?}",
        r.headers
    );
    assert!(
        r.header("X-Injected").is_none(),
        "{what}: header injection: {:?}",
        r.headers
    );
}

#[test]
fn every_route_and_parameter_refuses_bad_tokens_and_hostile_input_with_4xx_never_5xx() {
    let receiver = support::receiver::Receiver::start(None);
    let env = world(&receiver.url(), support::free_port());
    let serve = Serve::start(&env);
    let origin = ("Origin", "https://evil.example");
    let admin = format!("Bearer {ADMIN}");
    let read = format!("Bearer {READ}");
    let doc = request(&serve.api, "GET", "/openapi.json", &[], None).json();
    let ops = operations(&doc);
    assert!(ops.len() >= 17, "{} operations", ops.len());
    let db = env.db_path();
    let traces_before = support::cli::count(&db, "SELECT count(*) FROM traces");

    let mut sent = 0usize;
    let mut params_seen = 0usize;
    for (method, template, op) in &ops {
        let target = concrete(template);
        let body = body_for(method, template);
        let ctype = ("Content-Type", "application/json");
        // Tokens, on `vdt serve` as on `vdt api` (tests/api.rs): missing and wrong are 401,
        // the read token may only GET.
        if op["security"] != json!([]) {
            for auth in [None, Some("Bearer wrong-token"), Some("Basic c2VjOnNlYw==")] {
                let mut h = vec![origin, ctype];
                h.extend(auth.map(|a| ("Authorization", a)));
                let r = request(&serve.api, method, &target, &h, body);
                assert_eq!(r.status, 401, "{method} {target} with {auth:?}");
                no_cors(&r, &target);
            }
            let r = request(
                &serve.api,
                method,
                &target,
                &[origin, ctype, ("Authorization", &read)],
                body,
            );
            let want = if method == "GET" { 200 } else { 403 };
            assert_eq!(r.status, want, "{method} {target} with the read token");
        }
        // Every declared parameter, one at a time, with every hostile value.
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        for p in &params {
            let name = p["name"].as_str().unwrap();
            params_seen += 1;
            for value in hostile() {
                let t = match p["in"].as_str() {
                    Some("query") => format!("{target}?{name}={value}"),
                    Some("path") => {
                        if value.is_empty() || value.contains('/') && !value.starts_with("..") {
                            continue;
                        }
                        template
                            .replace(&format!("{{{name}}}"), &value)
                            .replace("{id}", "1")
                            .replace("{path}", "app.js")
                    }
                    _ => continue,
                };
                let r = request(
                    &serve.api,
                    method,
                    &t,
                    &[origin, ctype, ("Authorization", &admin)],
                    body,
                );
                sent += 1;
                assert!(
                    r.status < 500,
                    "{method} {}: {} {}",
                    &t[..t.len().min(120)],
                    r.status,
                    r.text()
                );
                if r.status >= 400 {
                    assert_eq!(r.media_type(), "application/problem+json", "{t:.120}");
                }
                if p["in"] == "path" {
                    assert!(r.status >= 400, "{method} {t:.120}: {}", r.status);
                }
                no_cors(&r, &t);
            }
        }
        // Hostile extra segments after every route.
        for seg in ["..", "%2e%2e", "..%2f..%2fetc%2fpasswd", "%zz", "%00", "x"] {
            let t = format!("{target}/{seg}");
            let r = request(
                &serve.api,
                method,
                &t,
                &[origin, ctype, ("Authorization", &admin)],
                body,
            );
            assert!((400..500).contains(&r.status), "{method} {t}: {}", r.status);
        }
        // A preflight from an unlisted origin gets no CORS headers either.
        let r = request(
            &serve.api,
            "OPTIONS",
            &target,
            &[origin, ("Access-Control-Request-Method", method)],
            None,
        );
        assert!(r.status < 500);
        no_cors(&r, &format!("OPTIONS {target}"));
    }
    assert!(params_seen >= 8, "{params_seen} parameters in the document");
    assert!(sent > 200, "{sent} hostile requests");

    // The webhook receiver: hostile source names, queries, methods, headers.
    let lw = Scheme::HmacSha256 {
        header: "X-Sig".into(),
    };
    let key = parse_secret(&lw, HOOK).unwrap();
    let body = failing_trace("hostile");
    let good = sign(&lw, &key, None, 0, &body);
    for value in hostile() {
        for (method, target) in [
            ("POST", format!("/hooks/{value}")),
            ("POST", format!("/hooks/lw?{value}")),
            ("POST", format!("/hooks/lw/{value}")),
            ("GET", format!("/hooks/{value}")),
            ("POST", format!("/{value}")),
        ] {
            let r = request(
                &serve.hooks,
                method,
                &target,
                &[
                    origin,
                    ("Content-Type", "application/json"),
                    ("X-Sig", &value),
                ],
                Some(&body),
            );
            assert!(
                (400..500).contains(&r.status),
                "{method} {:.120}: {} {}",
                target,
                r.status,
                r.text()
            );
            no_cors(&r, &target);
        }
        // The right signature with a hostile content type, or a hostile signature.
        for (ct, sig) in [
            (value.as_str(), good[0].1.as_str()),
            ("application/json", value.as_str()),
        ] {
            let r = request(
                &serve.hooks,
                "POST",
                "/hooks/lw",
                &[("Content-Type", ct), ("X-Sig", sig), origin],
                Some(&body),
            );
            assert!(
                r.status < 500 && r.status != 0,
                "{ct:.60} / {sig:.60}: {}",
                r.status
            );
            no_cors(&r, "/hooks/lw");
        }
    }
    // Hostile bodies with a valid signature: 400, never 5xx.
    let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    for b in [
        deep.as_bytes(),
        b"\xff\xfe\x00",
        br#"{"type":"trace.completed","data":{"trace":{"id":"t","startTime":{"seconds":9223372036854775807}}}}"#,
        br#"{"type":"sync.requested","data":{"collection":"../../etc"}}"#,
        br#"{"type":"firestore.document.changed","data":{"collection":"a/b","document_id":"x"}}"#,
        br#"{"type":"trace.completed","data":{"trace":{"id":"' OR 1=1; --","name":"\u0000"}}}"#,
    ] {
        let h = sign(&lw, &key, None, 0, b);
        let r = request(
            &serve.hooks,
            "POST",
            "/hooks/lw",
            &[("Content-Type", "application/json"), (&h[0].0, &h[0].1)],
            Some(b),
        );
        assert!(r.status < 500, "{:.80}: {} {}", String::from_utf8_lossy(b), r.status, r.text());
    }
    // A malformed request line and header block.
    for raw in [
        &b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\nConnection: close\r\n\r\n"[..],
        b"GARBAGE\r\n\r\n",
        b"GET /%%%% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ] {
        let r = send_raw(&serve.api, raw);
        assert!((400..500).contains(&r.status), "{:?}: {}", String::from_utf8_lossy(raw), r.status);
    }

    // Still serving, nothing dropped or rewritten by the SQL in the values.
    assert_eq!(request(&serve.api, "GET", "/livez", &[], None).status, 200);
    assert_eq!(
        request(&serve.hooks, "GET", "/livez", &[], None).status,
        200
    );
    let c = rusqlite::Connection::open(&db).unwrap();
    let integrity: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let traces_after = support::cli::count(&db, "SELECT count(*) FROM traces");
    assert!(traces_after >= traces_before, "traces were deleted");
    let log = serve.stderr.lock().unwrap().clone();
    assert!(!log.contains("panicked"), "{log}");
}

// ---- file permissions --------------------------------------------------------------------------

#[test]
fn config_and_credential_files_readable_by_others_are_warned_about() {
    let mut env = TestEnv::new();
    let dir = env.home().join("secrets");
    std::fs::create_dir_all(&dir).unwrap();
    let hook = dir.join("hook.secret");
    let token = dir.join("api.token");
    let sa = dir.join("sa.json");
    std::fs::write(&hook, "hook-secret\n").unwrap();
    std::fs::write(&token, "api-token\n").unwrap();
    std::fs::write(&sa, "{}").unwrap();
    env.write_config(&format!(
        r#"
[firestore]
project_id = "p"
credentials_file = "{}"

[api]
token_file = "{}"

[[webhooks.sources]]
name = "gh"
scheme = "github"
secret_file = "{}"
"#,
        sa.display(),
        token.display(),
        hook.display()
    ));
    env.set("NO_COLOR", "1");
    let files = [env.config_path(), hook.clone(), token.clone(), sa.clone()];
    for (f, mode) in files.iter().zip([0o644, 0o640, 0o604, 0o660]) {
        chmod(f, mode);
    }
    let o = env.run(&["config", "validate"]);
    assert_code(&o, 0);
    let err = stderr(&o);
    for f in &files {
        let line = format!("{} is readable by group or others", f.display());
        assert_eq!(err.matches(&line).count(), 1, "{line}\n{err}");
    }
    assert!(err.contains("chmod 600"), "{err}");
    // Any other command says it too (on stderr, stdout stays data).
    let o = env.run(&["--json", "db", "status"]);
    assert_code(&o, 0);
    for f in &files {
        assert!(
            stderr(&o).contains(&format!("{} is readable by group or others", f.display())),
            "{}",
            stderr(&o)
        );
    }
    serde_json::from_str::<Value>(&stdout(&o)).expect("stdout is still JSON");
    // Private files: no warning.
    for f in &files {
        chmod(f, 0o600);
    }
    let o = env.run(&["config", "validate"]);
    assert_code(&o, 0);
    assert!(!stderr(&o).contains("readable by"), "{}", stderr(&o));
    let o = env.run(&["db", "status"]);
    assert!(!stderr(&o).contains("readable by"), "{}", stderr(&o));
}
