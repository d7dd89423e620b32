//! The live dashboard in real browsers: headless Chromium (chromedriver) and headless Firefox
//! (geckodriver), driven over WebDriver against `vdt api` on a seeded database. Each run loads
//! the dashboard behind a token, checks the numbers shown against the API's JSON, rolls back a
//! setting the server refuses, remembers the refresh interval across a reload, announces a new
//! alert in the live region, acknowledges an alert by keyboard, changes a sync frequency, shows
//! the error state with Retry when the API stops, audits every view with axe-core, and saves
//! screenshots at 390×844 and 1440×900 under `target/screenshots/`.
//!
//! `scripts/test.sh` installs the browsers, drivers and axe-core. A browser or driver that is
//! missing makes its test skip, saying so.

mod support;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::cli::{TestEnv, assert_code};

/// Two browsers at once on a 2-core machine make both slow; run one at a time.
static ONE_BROWSER_AT_A_TIME: Mutex<()> = Mutex::new(());

const ADMIN_TOKEN: &str = "dash-admin-token-7f3a";
const READ_TOKEN: &str = "dash-read-token-19cd";
const WAIT: Duration = Duration::from_secs(30);
const DESKTOP: (u32, u32) = (1440, 900);
const PHONE: (u32, u32) = (390, 844);
const NARROWEST: (u32, u32) = (360, 740);
/// Firefox will not make a window narrower than 500 CSS px (not with `--width`, a window rect
/// or a device pixel ratio), so its phone pass runs at that width; Chromium covers 390 and 360.
const FIREFOX_NARROWEST: (u32, u32) = (500, 844);

// ---- browsers and drivers -------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Chromium,
    Firefox,
}

struct Browser {
    kind: Kind,
    name: &'static str,
    binary: PathBuf,
    driver: PathBuf,
}

fn which(names: &[&str]) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    for n in names {
        for d in &dirs {
            let p = d.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn find_browser(kind: Kind) -> Result<Browser, String> {
    let (name, bins, drivers, hint): (_, &[&str], &[&str], _) = match kind {
        Kind::Chromium => (
            "chromium",
            &["chromium", "chromium-browser"],
            &["chromedriver"],
            "apt-get install chromium chromium-driver",
        ),
        Kind::Firefox => (
            "firefox",
            &["firefox-esr", "firefox"],
            &["geckodriver"],
            "apt-get install firefox-esr; cargo install geckodriver --locked",
        ),
    };
    let binary = which(bins)
        .ok_or_else(|| format!("no {name} binary on PATH ({hint}, or run scripts/test.sh)"))?;
    let driver = which(drivers)
        .ok_or_else(|| format!("no {} on PATH ({hint}, or run scripts/test.sh)", drivers[0]))?;
    Ok(Browser {
        kind,
        name,
        binary,
        driver,
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child in its own process group, so the browser it starts goes with it.
struct Group {
    child: Child,
}

impl Group {
    fn spawn(mut cmd: Command) -> Group {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
        Group {
            child: cmd.spawn().expect("spawn"),
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let pid = self.child.id() as i32;
        // Only ever a positive process-group id: never 0 or -1.
        if pid > 1 {
            // libc::kill needs `unsafe`, which this crate denies; kill(1) in the form that
            // names a process group unambiguously.
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{pid}")])
                .status();
        }
        let _ = self.child.wait();
    }
}

struct Driver {
    _group: Group,
    url: String,
    _profile: tempfile::TempDir,
}

async fn start_driver(b: &Browser) -> Driver {
    let port = free_port();
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(&b.driver);
    match b.kind {
        Kind::Chromium => {
            cmd.arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1");
        }
        Kind::Firefox => {
            cmd.args(["--host", "127.0.0.1", "--port", &port.to_string()]);
        }
    }
    cmd.env("HOME", profile.path())
        .env("TMPDIR", profile.path())
        .env("MOZ_HEADLESS", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let group = Group::spawn(cmd);
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(r) = http.get(format!("{url}/status")).send().await
            && r.status().is_success()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} did not answer on {url}",
            b.driver.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Driver {
        _group: group,
        url,
        _profile: profile,
    }
}

/// `phone`: a second session, for phone sizes.
async fn connect(b: &Browser, d: &Driver, phone: bool) -> Client {
    let profile = d
        ._profile
        .path()
        .join(if phone { "chromium-phone" } else { "chromium" });
    let caps = match b.kind {
        Kind::Chromium => json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": b.binary,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.display()),
                    format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                ],
            },
        }),
        Kind::Firefox => json!({
            "browserName": "firefox",
            "moz:firefoxOptions": {
                "binary": b.binary,
                "args": ["-headless", "--width", DESKTOP.0.to_string(), "--height", DESKTOP.1.to_string()],
                "prefs": {
                    "app.update.enabled": false,
                    "browser.safebrowsing.malware.enabled": false,
                    "browser.safebrowsing.phishing.enabled": false,
                    "datareporting.policy.dataSubmissionEnabled": false,
                    "network.captive-portal-service.enabled": false,
                    "network.connectivity-service.enabled": false,
                    "extensions.update.enabled": false,
                },
            },
        }),
    };
    let caps = match caps {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&d.url)
        .await
        .unwrap_or_else(|e| panic!("{}: cannot start a session: {e}", b.name))
}

// ---- the server under test ------------------------------------------------------------------

struct Api {
    child: Option<Child>,
    port: u16,
}

impl Api {
    fn start(env: &TestEnv, port: u16) -> Api {
        let log = env.home().join(format!("api-{port}.log"));
        let mut child = env
            .cmd()
            .args(["--json", "api", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("spawn vdt api");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!(
                "vdt api did not start: {line:?}\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
        let addr = v["listening"]
            .as_str()
            .expect("listening address")
            .to_owned();
        let port = addr.rsplit(':').next().unwrap().parse().unwrap();
        Api {
            child: Some(child),
            port,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Kill the process outright: the dashboard must notice on its own.
    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn get_json(url: &str, token: &str) -> Value {
    let r = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "GET {url}: {}", r.status());
    r.json().await.unwrap()
}

fn ts(ago: Duration) -> String {
    (chrono::Utc::now() - chrono::Duration::from_std(ago).unwrap())
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

const CONFIG: &str = r#"
[api]
token_env = "VDT_TEST_API_TOKEN"
read_token_env = "VDT_TEST_API_READ_TOKEN"

[[alerts.rules]]
name = "high-error-rate"
metric = "error_rate"
window = "5m"
op = ">"
threshold = 0.05
for = "2m"
severity = "critical"
labels = { model = "gemini-1.5-pro" }

[[alerts.rules]]
name = "slow-p95"
metric = "latency_p95_ms"
window = "10m"
op = ">"
threshold = 3000
severity = "warning"
group_by = ["model"]

[[alerts.rules]]
name = "sync-lag"
metric = "sync_lag_seconds"
window = "5m"
op = ">"
threshold = 600
severity = "warning"
labels = { collection = "meetings" }
"#;

/// A database with collections, sync runs, documents, traces over the last 40 minutes,
/// webhook deliveries, two firing alerts, a resolved one and their history.
fn seeded_env() -> TestEnv {
    let mut env = TestEnv::new();
    env.set("VDT_TEST_API_TOKEN", ADMIN_TOKEN)
        .set("VDT_TEST_API_READ_TOKEN", READ_TOKEN);
    env.write_config(CONFIG);
    assert_code(&env.run(&["db", "migrate"]), 0);
    assert_code(
        &env.run(&[
            "config",
            "collections",
            "add",
            "vertigo_traces",
            "--kind",
            "traces",
            "--frequency",
            "30s",
        ]),
        0,
    );
    assert_code(
        &env.run(&[
            "config",
            "collections",
            "add",
            "meetings",
            "--frequency",
            "1m",
        ]),
        0,
    );

    let mut db = rusqlite::Connection::open(env.db_path()).unwrap();
    let tx = db.transaction().unwrap();
    let min = |m: u64| Duration::from_secs(60 * m);
    tx.execute(
        "INSERT INTO sync_status (collection_name, last_sync, status, records_synced) VALUES (?1, ?2, 'success', 48)",
        ["vertigo_traces", &ts(Duration::from_secs(20))],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO sync_status (collection_name, last_sync, status, records_synced) VALUES ('meetings', ?1, 'success', 3)",
        [&ts(min(40))],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO sync_status (collection_name, last_sync, status, error_message) VALUES ('meetings', ?1, 'error', 'Firestore answered 403: caller lacks datastore.entities.list')",
        [&ts(Duration::from_secs(50))],
    )
    .unwrap();
    for i in 0..3 {
        tx.execute(
            "INSERT INTO documents (collection, doc_id, data, synced_at) VALUES ('meetings', ?1, '{}', ?2)",
            [&format!("m{i}"), &ts(min(40))],
        )
        .unwrap();
    }
    // 48 traces, one every 50 s from 2 to 41 minutes ago; 7 errors; two models.
    let now_ms = chrono::Utc::now().timestamp_millis();
    for i in 0..48i64 {
        let ago_ms = 120_000 + i * 50_000;
        let start = chrono::DateTime::from_timestamp_millis(now_ms - ago_ms).unwrap();
        let status = if i % 7 == 3 { "error" } else { "success" };
        let model = if i % 3 == 0 {
            "gemini-1.5-flash"
        } else {
            "gemini-1.5-pro"
        };
        let duration = 300.0 + ((i * 37) % 41) as f64 * 97.3;
        tx.execute(
            "INSERT INTO traces (trace_id, name, status, model, start_time, duration_ms, input_tokens,
                output_tokens, cost_usd, project, source, updated_at, ts_ms)
             VALUES (?1, 'meeting_processing', ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'vertigo', 'firestore:vertigo_traces', ?4, ?9)",
            rusqlite::params![
                format!("tr_{i:03}"),
                status,
                model,
                start.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                duration,
                900 + i * 13,
                200 + i * 7,
                0.0031 + i as f64 * 0.00017,
                now_ms - ago_ms,
            ],
        )
        .unwrap();
    }
    for i in 0..12 {
        let code = if i < 2 { 401 } else { 202 };
        tx.execute(
            "INSERT INTO webhook_logs (source, status_code, processed_at, processing_time_ms) VALUES ('langwatch', ?1, ?2, 3.5)",
            rusqlite::params![code, ts(min(5 + i))],
        )
        .unwrap();
    }
    let alerts = [
        (
            "high-error-rate",
            "critical",
            "firing",
            0.1458,
            r#"{"model":"gemini-1.5-pro"}"#,
            9u64,
        ),
        (
            "sync-lag",
            "warning",
            "firing",
            2400.0,
            r#"{"collection":"meetings"}"#,
            3,
        ),
        (
            "slow-p95",
            "warning",
            "resolved",
            3120.0,
            r#"{"model":"gemini-1.5-flash"}"#,
            30,
        ),
    ];
    for (rule, sev, state, value, labels, since) in alerts {
        tx.execute(
            "INSERT INTO alerts (rule, group_key, labels, severity, state, value, firing_since, fingerprint)
             VALUES (?1, '', ?2, ?3, ?4, ?5, ?6, ?1)",
            rusqlite::params![rule, labels, sev, state, value, ts(min(since))],
        )
        .unwrap();
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO alert_events (alert_id, rule, kind, at, value) VALUES (?1, ?2, 'firing', ?3, ?4)",
            rusqlite::params![id, rule, ts(min(since)), value],
        )
        .unwrap();
        if state == "resolved" {
            tx.execute(
                "UPDATE alerts SET resolved_at = ?2 WHERE id = ?1",
                rusqlite::params![id, ts(min(since - 10))],
            )
            .unwrap();
            tx.execute(
                "INSERT INTO alert_events (alert_id, rule, kind, at, value) VALUES (?1, ?2, 'resolved', ?3, ?4)",
                rusqlite::params![id, rule, ts(min(since - 10)), 2100.0],
            )
            .unwrap();
        }
    }
    tx.commit().unwrap();
    env
}

fn insert_firing_alert(env: &TestEnv, rule: &str) -> i64 {
    let db = rusqlite::Connection::open(env.db_path()).unwrap();
    db.execute(
        "INSERT INTO alerts (rule, group_key, labels, severity, state, value, firing_since, fingerprint)
         VALUES (?1, '', '{}', 'critical', 'firing', 42.0, ?2, ?1)",
        rusqlite::params![rule, ts(Duration::from_secs(1))],
    )
    .unwrap();
    let id = db.last_insert_rowid();
    db.execute(
        "INSERT INTO alert_events (alert_id, rule, kind, at, value) VALUES (?1, ?2, 'firing', ?3, 42.0)",
        rusqlite::params![id, rule, ts(Duration::from_secs(1))],
    )
    .unwrap();
    id
}

// ---- what the dashboard shows, computed here from the API's JSON ------------------------------

fn group(v: f64) -> String {
    let n = v.abs().round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if v < 0.0 && n != 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// How the dashboard formats one kind of number.
type Fmt = fn(f64) -> String;

fn shown(v: &Value, f: Fmt) -> String {
    v.as_f64().map(f).unwrap_or_else(|| "—".into())
}
fn fmt_count(v: f64) -> String {
    group(v)
}
fn fmt_pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}
fn fmt_ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.2} s", v / 1000.0)
    } else {
        format!("{} ms", group(v))
    }
}
fn fmt_usd(v: f64) -> String {
    if v.abs() >= 1.0 {
        format!("${v:.2}")
    } else {
        format!("${v:.4}")
    }
}

// ---- page helpers ----------------------------------------------------------------------------

/// Poll a script until it returns something truthy; on timeout, fail with what the page shows.
async fn wait_js(c: &Client, script: &str, what: &str) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let v = c.execute(script, vec![]).await.unwrap_or(Value::Null);
        let truthy = match &v {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::String(s) => !s.is_empty(),
            Value::Number(n) => n.as_f64() != Some(0.0),
            _ => true,
        };
        if truthy {
            return v;
        }
        if Instant::now() > deadline {
            let body = c
                .execute(
                    "return document.body ? document.body.innerText.slice(0, 3000) : ''",
                    vec![],
                )
                .await
                .unwrap_or(Value::Null);
            panic!(
                "timed out waiting for {what}\npage text:\n{}",
                body.as_str().unwrap_or("")
            );
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap()
}

async fn goto_view(c: &Client, view: &str) {
    js(c, &format!("location.hash = '#{view}'; return true")).await;
    wait_js(
        c,
        &format!("return !document.getElementById('view-{view}').hidden && document.querySelector('nav a[aria-current=page]').dataset.view === '{view}'"),
        &format!("the {view} view"),
    )
    .await;
}

/// Size the viewport (not the window), whatever the browser's frame adds.
async fn viewport(c: &Client, (w, h): (u32, u32)) {
    c.set_window_size(w, h).await.unwrap();
    let mut inner = (0, 0);
    for _ in 0..4 {
        let v = js(c, "return [window.innerWidth, window.innerHeight]").await;
        inner = (v[0].as_i64().unwrap(), v[1].as_i64().unwrap());
        if inner.0 == w as i64 && (inner.1 - h as i64).abs() <= 1 {
            return;
        }
        let (ow, oh) = c.get_window_size().await.unwrap();
        let nw = ow as i64 + w as i64 - inner.0;
        let nh = oh as i64 + h as i64 - inner.1;
        c.set_window_size(nw as u32, nh as u32).await.unwrap();
    }
    panic!(
        "cannot size the viewport to {w}x{h} CSS px (got {}x{})",
        inner.0, inner.1
    );
}

fn screenshot_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn screenshot(c: &Client, browser: &str, name: &str, (w, h): (u32, u32)) {
    // Let charts settle after a resize (ResizeObserver redraws on the next frame).
    js(c, "return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))").await;
    let png = c.screenshot().await.unwrap();
    let path = screenshot_dir().join(format!("{browser}-{name}-{w}x{h}.png"));
    std::fs::write(&path, png).unwrap();
}

fn axe_source() -> String {
    let path = std::env::var_os("VDT_TEST_AXE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/axe/node_modules/axe-core/axe.min.js")
        });
    if !path.is_file() {
        // The same install scripts/test.sh does, for a plain `cargo test`.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/axe");
        std::fs::create_dir_all(&dir).unwrap();
        let st = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&dir)
            .arg("axe-core@4")
            .status();
        assert!(
            matches!(st, Ok(s) if s.success()) && path.is_file(),
            "axe-core is missing at {} and `npm install axe-core` failed (scripts/test.sh installs it)",
            path.display()
        );
    }
    std::fs::read_to_string(&path).unwrap()
}

/// Run axe-core on the page as it is; fail on any critical or serious violation.
async fn audit(c: &Client, axe: &str, label: &str) {
    let loaded = js(c, "return typeof window.axe !== 'undefined'").await;
    if loaded != Value::Bool(true) {
        c.execute(&format!("{axe}\n;return true;"), vec![])
            .await
            .unwrap();
    }
    let out = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { resultTypes: ['violations'] })
                 .then(r => done(JSON.stringify(r.violations
                   .filter(v => v.impact === 'critical' || v.impact === 'serious')
                   .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + n.failureSummary) })))))
                 .catch(e => done(JSON.stringify([{ id: 'axe-error', help: String(e) }])));"#,
            vec![],
        )
        .await
        .unwrap();
    let v: Value = serde_json::from_str(out.as_str().unwrap()).unwrap();
    assert_eq!(
        v.as_array().map(Vec::len),
        Some(0),
        "axe on {label}: {}",
        serde_json::to_string_pretty(&v).unwrap()
    );
}

async fn key(c: &Client, keys: &str) {
    c.active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";

// ---- the scenario ----------------------------------------------------------------------------

async fn scenario(b: &Browser) {
    let env = seeded_env();
    let mut api = Api::start(&env, 0);
    let base = api.url();
    let driver = start_driver(b).await;
    let c = connect(b, &driver, false).await;
    let axe = axe_source();
    let name = b.name;
    let result = async {
        viewport(&c, DESKTOP).await;
        c.goto(&format!("{base}/")).await.unwrap();

        // The API needs a token: the dashboard asks for it once, in a form.
        wait_js(&c, "return !document.getElementById('token-panel').hidden", "the token form").await;
        let focused = js(&c, "return document.activeElement && document.activeElement.id").await;
        assert_eq!(focused, json!("token-input"), "the token form takes the focus");
        audit(&c, &axe, "the token form").await;
        screenshot(&c, name, "token", DESKTOP).await;

        // A read-only token: everything shows, but a settings change is refused and rolled back.
        c.find(Locator::Id("token-input")).await.unwrap().send_keys(READ_TOKEN).await.unwrap();
        key(&c, ENTER).await;
        wait_js(&c, "return document.getElementById('kpis').dataset.state === 'ok' && document.getElementById('collections').dataset.state === 'ok'", "metrics and collections").await;
        let stored = js(&c, "return sessionStorage.getItem('vdt.token')").await;
        assert_eq!(stored, json!(READ_TOKEN), "the token is kept in sessionStorage");

        goto_view(&c, "settings").await;
        wait_js(&c, "return document.getElementById('collection-settings').dataset.state === 'ok'", "settings").await;
        c.find(Locator::Id("enabled-meetings")).await.unwrap().click().await.unwrap();
        let msg = wait_js(
            &c,
            "const m = document.querySelector('[data-setting-msg=\"meetings\"]'); return m && m.classList.contains('m-error') && m.textContent",
            "the rollback message",
        )
        .await;
        assert!(msg.as_str().unwrap().contains("Not saved"), "{msg}");
        assert!(msg.as_str().unwrap().contains("403"), "the message says why: {msg}");
        let checked = js(&c, "return document.getElementById('enabled-meetings').checked").await;
        assert_eq!(checked, json!(true), "the checkbox rolled back");
        let cfg = get_json(&format!("{base}/api/v1/config"), ADMIN_TOKEN).await;
        assert_eq!(config_collection(&cfg, "meetings")["enabled"], json!(true));
        screenshot(&c, name, "settings-rollback", DESKTOP).await;

        // Forget it and enter the admin token.
        c.find(Locator::Id("forget-token")).await.unwrap().click().await.unwrap();
        wait_js(&c, "return !document.getElementById('token-panel').hidden", "the token form again").await;
        c.find(Locator::Id("token-input")).await.unwrap().send_keys(ADMIN_TOKEN).await.unwrap();
        key(&c, ENTER).await;
        goto_view(&c, "overview").await;
        wait_js(&c, "return document.getElementById('updated').dataset.state === 'ok'", "a successful refresh").await;

        // The numbers shown are the API's.
        let metrics = get_json(&format!("{base}/api/v1/metrics?window=1h"), ADMIN_TOKEN).await;
        let m = &metrics["data"];
        let expect: [(&str, Fmt); 8] = [
            ("traces_total", fmt_count),
            ("error_rate", fmt_pct),
            ("success_rate", fmt_pct),
            ("latency_p50_ms", fmt_ms),
            ("latency_p95_ms", fmt_ms),
            ("latency_p99_ms", fmt_ms),
            ("cost_usd", fmt_usd),
            ("tokens_total", fmt_count),
        ];
        for (k, f) in expect {
            assert_eq!(text(&c, &format!("#kpi-{k}")).await, shown(&m[k], f), "{k} (API: {})", m[k]);
        }
        assert_eq!(m["traces_total"], json!(48), "the seeded traces are all in the 1 h window");
        let status = get_json(&format!("{base}/api/v1/status"), ADMIN_TOKEN).await;
        for col in status["data"]["collections"].as_array().unwrap() {
            let n = col["name"].as_str().unwrap();
            let card = format!("[data-collection=\"{n}\"]");
            assert_eq!(text(&c, &format!("#collections {card} [data-field=records]")).await, fmt_count(col["records"].as_f64().unwrap()));
        }
        assert_eq!(text(&c, "#collections [data-collection=meetings] [data-field=health]").await, "Sync failed");
        assert_eq!(text(&c, "#collections [data-collection=vertigo_traces] [data-field=health]").await, "Up to date");
        assert_eq!(text(&c, "#kpi-webhooks_total").await, fmt_count(status["data"]["webhooks"]["total"].as_f64().unwrap()));
        let charts = js(&c, "return document.querySelectorAll('#charts svg .vdt-bar, #charts svg .vdt-line').length").await;
        assert!(charts.as_u64().unwrap() > 0, "the charts drew the series");
        let live = js(&c, "const l = document.querySelector('[aria-live=polite]'); return l && l.id").await;
        assert_eq!(live, json!("live"), "an ARIA live region");

        // Every view: axe, and screenshots at desktop and phone sizes.
        for view in ["overview", "alerts", "settings"] {
            goto_view(&c, view).await;
            audit(&c, &axe, &format!("{view} at {}x{}", DESKTOP.0, DESKTOP.1)).await;
            screenshot(&c, name, view, DESKTOP).await;
        }
        // High contrast: a toggle, remembered; still no serious violations.
        goto_view(&c, "overview").await;
        c.find(Locator::Id("contrast")).await.unwrap().click().await.unwrap();
        let hc = js(&c, "return document.documentElement.classList.contains('hc') && document.getElementById('contrast').getAttribute('aria-pressed')").await;
        assert_eq!(hc, json!("true"));
        audit(&c, &axe, "overview in high contrast").await;
        screenshot(&c, name, "overview-high-contrast", DESKTOP).await;
        c.find(Locator::Id("contrast")).await.unwrap().click().await.unwrap();

        // The refresh interval is remembered across a reload.
        c.find(Locator::Id("refresh")).await.unwrap().select_by_value("60000").await.unwrap();
        wait_js(&c, "return localStorage.getItem('vdt.refresh_ms') === '60000'", "the interval saved").await;
        c.refresh().await.unwrap();
        wait_js(&c, "return document.getElementById('updated').dataset.state === 'ok'", "the reload's refresh").await;
        assert_eq!(js(&c, "return document.getElementById('refresh').value").await, json!("60000"));
        assert_eq!(
            js(&c, "return document.getElementById('token-panel').hidden").await,
            json!(true),
            "the token is asked for once per tab, not on every load"
        );
        // Live: a new firing alert is announced in the live region within a couple of seconds.
        c.find(Locator::Id("refresh")).await.unwrap().select_by_value("2000").await.unwrap();
        let new_id = insert_firing_alert(&env, "webhook-rejections");
        wait_js(&c, "return document.getElementById('live').textContent.includes('webhook-rejections')", "the live-region announcement").await;
        // Read as a screen reader would: the region is visually hidden, so not WebDriver's text.
        let said = js(&c, "return document.getElementById('live').textContent").await;
        let said = said.as_str().unwrap_or_default();
        assert!(said.contains("New critical alert firing: webhook-rejections"), "{said}");

        // Acknowledge by keyboard: Tab to the button, a visible focus ring, Enter.
        goto_view(&c, "alerts").await;
        wait_js(&c, &format!("return !!document.querySelector('#firing [data-ack=\"{new_id}\"]')"), "the new alert's button").await;
        js(&c, "document.activeElement && document.activeElement.blur(); document.getElementById('h-alerts').focus(); return true").await;
        let mut reached = false;
        for _ in 0..40 {
            key(&c, TAB).await;
            let on = js(&c, "return document.activeElement && document.activeElement.dataset ? (document.activeElement.dataset.ack || '') : ''").await;
            if on == json!(new_id.to_string()) && js(&c, "return document.activeElement.closest('#firing') !== null").await == json!(true) {
                reached = true;
                break;
            }
        }
        assert!(reached, "the Acknowledge button is reachable with Tab");
        let ring = js(&c, "const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth").await;
        let ring = ring.as_str().unwrap().to_owned();
        assert!(!ring.starts_with("none") && !ring.ends_with(" 0px"), "a visible focus ring, got {ring:?}");
        key(&c, ENTER).await;
        wait_js(
            &c,
            &format!("return !!document.querySelector('#firing [data-alert-id=\"{new_id}\"] [data-field=acked]')"),
            "the alert shown as acknowledged",
        )
        .await;
        let firing = get_json(&format!("{base}/api/v1/alerts?state=firing"), ADMIN_TOKEN).await;
        let acked = alerts_list(&firing)
            .into_iter()
            .find(|a| a["id"] == json!(new_id))
            .expect("the alert is still firing (acked, not resolved)");
        assert!(acked["acked_by"].is_string(), "the API records the ack: {acked}");
        let history = get_json(&format!("{base}/api/v1/alerts/history"), ADMIN_TOKEN).await;
        assert!(
            events_list(&history).iter().any(|e| e["kind"] == json!("ack") && e["alert_id"] == json!(new_id)),
            "the ack is in the history"
        );

        // Change a sync frequency; the API has it.
        goto_view(&c, "settings").await;
        c.find(Locator::Id("freq-meetings")).await.unwrap().select_by_value("300").await.unwrap();
        wait_js(
            &c,
            "const m = document.querySelector('[data-setting-msg=\"meetings\"]'); return m && m.classList.contains('m-ok')",
            "the saved message",
        )
        .await;
        let cfg = get_json(&format!("{base}/api/v1/config"), ADMIN_TOKEN).await;
        assert_eq!(config_collection(&cfg, "meetings")["sync_frequency"], json!(300));
        assert_eq!(js(&c, "return document.getElementById('freq-meetings').value").await, json!("300"));

        // Stop the API: the error state says so and offers Retry; the "last updated" time stays
        // that of the last good refresh.
        goto_view(&c, "overview").await;
        let before = text(&c, "#updated-text").await;
        let port = api.port;
        api.stop();
        wait_js(&c, "return !document.getElementById('banner').hidden && document.getElementById('updated').dataset.state === 'error'", "the error state").await;
        let banner = text(&c, "#banner-text").await;
        assert!(banner.contains("Cannot reach the vdt API"), "{banner}");
        let upd = text(&c, "#updated-text").await;
        assert!(upd.starts_with("Update failed"), "{upd}");
        let clock = before.split_whitespace().nth(1).unwrap_or_default().to_owned();
        assert!(!clock.is_empty() && upd.contains(&clock), "still names the last good refresh ({before:?} → {upd:?})");
        audit(&c, &axe, "the error state").await;
        screenshot(&c, name, "error", DESKTOP).await;

        // Back on the same port, Retry recovers.
        js(&c, "window.vdtDashboard.state.refreshMs = 600000; return true").await;
        api = Api::start(&env, port);
        c.find(Locator::Id("banner-retry")).await.unwrap().click().await.unwrap();
        wait_js(&c, "return document.getElementById('banner').hidden && document.getElementById('updated').dataset.state === 'ok'", "recovery after Retry").await;
    }
    .await;
    let _ = c.close().await;

    // Phone sizes, in a session of their own.
    let phone = if b.kind == Kind::Firefox {
        FIREFOX_NARROWEST
    } else {
        PHONE
    };
    let c = connect(b, &driver, true).await;
    let base = api.url();
    viewport(&c, phone).await;
    c.goto(&format!("{base}/")).await.unwrap();
    wait_js(
        &c,
        "return !document.getElementById('token-panel').hidden",
        "the token form",
    )
    .await;
    c.find(Locator::Id("token-input"))
        .await
        .unwrap()
        .send_keys(ADMIN_TOKEN)
        .await
        .unwrap();
    key(&c, ENTER).await;
    wait_js(&c, "return document.getElementById('updated').dataset.state === 'ok' && document.getElementById('kpis').dataset.state === 'ok'", "a successful refresh").await;
    for view in ["overview", "alerts", "settings"] {
        goto_view(&c, view).await;
        let overflow = js(
            &c,
            "return document.documentElement.scrollWidth - window.innerWidth",
        )
        .await;
        assert!(
            overflow.as_i64().unwrap() <= 0,
            "{view}: no sideways scrolling at {}px (overflow {overflow})",
            phone.0
        );
        audit(&c, &axe, &format!("{view} at {}x{}", phone.0, phone.1)).await;
        screenshot(&c, name, view, phone).await;
    }
    if b.kind == Kind::Chromium {
        // 360 px, the narrowest phone the issue names.
        viewport(&c, NARROWEST).await;
        for view in ["overview", "alerts", "settings"] {
            goto_view(&c, view).await;
            let overflow = js(
                &c,
                "return document.documentElement.scrollWidth - window.innerWidth",
            )
            .await;
            assert!(
                overflow.as_i64().unwrap() <= 0,
                "{view}: no sideways scrolling at 360px (overflow {overflow})"
            );
            screenshot(&c, name, view, NARROWEST).await;
        }
        viewport(&c, phone).await;
    }
    goto_view(&c, "overview").await;
    api.stop();
    // This session refreshes every 30 s (its own, fresh localStorage): ask now.
    c.find(Locator::Id("refresh-now"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_js(
        &c,
        "return !document.getElementById('banner').hidden",
        "the error state",
    )
    .await;
    screenshot(&c, name, "error", phone).await;
    let _ = c.close().await;
    drop(api);
    result
}

fn config_collection(cfg: &Value, name: &str) -> Value {
    let d = &cfg["data"];
    let list = d["collections"]
        .as_array()
        .or_else(|| d["sync"]["collections"].as_array())
        .expect("collections in /api/v1/config");
    list.iter()
        .find(|c| c["name"] == json!(name))
        .cloned()
        .unwrap_or_else(|| panic!("{name} in {cfg}"))
}

fn alerts_list(v: &Value) -> Vec<Value> {
    let d = &v["data"];
    d.as_array()
        .or_else(|| d["alerts"].as_array())
        .cloned()
        .expect("alerts list")
}

fn events_list(v: &Value) -> Vec<Value> {
    let d = &v["data"];
    d.as_array()
        .or_else(|| d["events"].as_array())
        .cloned()
        .expect("events list")
}

fn run_in(kind: Kind) {
    let browser = match find_browser(kind) {
        Ok(b) => b,
        Err(why) => {
            eprintln!("skipping the {kind:?} dashboard test: {why}");
            return;
        }
    };
    let _one = ONE_BROWSER_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(scenario(&browser));
}

#[test]
fn dashboard_in_headless_chromium() {
    run_in(Kind::Chromium);
}

#[test]
fn dashboard_in_headless_firefox() {
    run_in(Kind::Firefox);
}
