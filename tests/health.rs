//! `vdt health` and `vdt status` against real services: each status of DESIGN's Health table
//! produced for real, exit codes by `--fail-on`, the Prometheus textfile, the JSON shapes.

#[path = "support/services.rs"]
mod services;

use serde::Deserialize;
use serde_json::Value;
use services::{Emulator, FixedStatus, Redis, Smtp};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// ---- the documents, pinned ---------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    status: String,
    version: String,
    checks: BTreeMap<String, Vec<Entry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Entry {
    component_id: Option<String>,
    component_type: String,
    status: String,
    observed_value: Value,
    observed_unit: Option<String>,
    time: String,
    output: Option<String>,
}

impl Report {
    fn one(&self, check: &str) -> &Entry {
        let entries = self
            .checks
            .get(check)
            .unwrap_or_else(|| panic!("no {check} in {self:#?}"));
        assert_eq!(entries.len(), 1, "{check}: {entries:#?}");
        &entries[0]
    }

    fn component(&self, check: &str, id: &str) -> &Entry {
        self.checks[check]
            .iter()
            .find(|e| e.component_id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("no {check} for {id} in {self:#?}"))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Overview {
    generated_at: String,
    version: String,
    features: Features,
    collections: Vec<CollectionStatus>,
    webhooks: Webhooks,
    alerts: Vec<Alert>,
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
    by_status: BTreeMap<String, u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Alert {
    id: i64,
    rule: String,
    severity: String,
    value: Option<f64>,
    since: Option<String>,
    labels: Value,
}

// ---- a clean environment -----------------------------------------------------------------------

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(config: &str) -> Env {
        let env = Env {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        env.set_config(config);
        env
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("data").join("vdt.sqlite3")
    }

    fn set_config(&self, text: &str) {
        std::fs::write(self.config_path(), text).expect("write config");
    }

    fn vdt_with_db(&self, db: &Path, args: &[&str]) -> Output {
        let home = self.dir.path().join("home");
        Command::new(env!("CARGO_BIN_EXE_vdt"))
            .env_clear()
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .arg("--config")
            .arg(self.config_path())
            .arg("--db")
            .arg(db)
            .args(args)
            .output()
            .expect("run vdt")
    }

    fn vdt(&self, args: &[&str]) -> Output {
        self.vdt_with_db(&self.db(), args)
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.vdt(args);
        assert!(out.status.success(), "vdt {args:?}: {}", show(&out));
        out
    }

    /// A migrated database with these collections (frequency in seconds).
    fn with_collections(self, cols: &[(&str, u64)]) -> Env {
        self.ok(&["db", "migrate"]);
        for (name, freq) in cols {
            self.ok(&[
                "config",
                "collections",
                "add",
                name,
                "--frequency",
                &format!("{freq}s"),
            ]);
        }
        self
    }

    /// `vdt health --json ARGS`: the parsed document and the exit code.
    fn health(&self, args: &[&str]) -> (Report, i32) {
        self.health_db(&self.db(), args)
    }

    fn health_db(&self, db: &Path, args: &[&str]) -> (Report, i32) {
        let mut all = vec!["health", "--json"];
        all.extend_from_slice(args);
        let out = self.vdt_with_db(db, &all);
        let code = out.status.code().expect("exit code");
        let raw: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("health --json is not JSON ({e}): {}", show(&out)));
        // Every entry carries observedValue, null or not.
        for entries in raw["checks"].as_object().expect("checks").values() {
            for e in entries.as_array().expect("array") {
                assert!(e.get("observedValue").is_some(), "{e}");
            }
        }
        (
            serde_json::from_value(raw).expect("the health+json shape"),
            code,
        )
    }

    fn sqlite(&self) -> rusqlite::Connection {
        let c = rusqlite::Connection::open(self.db()).expect("open db");
        c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
        c
    }
}

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn ago(secs: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::seconds(secs))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

// ---- Redis -------------------------------------------------------------------------------------

#[test]
fn redis_stopped_warns_and_exit_follows_fail_on() {
    let Some(mut redis) = Redis::start() else {
        return;
    };
    let env = Env::new(&format!("[redis]\nurl = \"{}\"\n", redis.url())).with_collections(&[]);
    let (r, code) = env.health(&["--check", "redis:connection"]);
    assert_eq!(r.one("redis:connection").status, "pass", "{r:#?}");
    assert!(r.one("redis:connection").observed_value.is_number());
    assert_eq!(code, 0);

    redis.stop();
    let (r, code) = env.health(&["--check", "redis:connection", "--check", "redis:memory"]);
    let conn = r.one("redis:connection");
    assert_eq!(conn.status, "warn", "{r:#?}");
    assert!(conn.output.as_deref().unwrap().contains("down"), "{conn:?}");
    assert_eq!(r.one("redis:memory").status, "warn");
    assert_eq!(r.status, "warn");
    assert_eq!(code, 0, "a warning is below the default --fail-on fail");
    let (_, code) = env.health(&["--check", "redis:connection", "--fail-on", "warn"]);
    assert_eq!(code, 1);
    let (_, code) = env.health(&["--check", "redis:connection", "--fail-on", "fail"]);
    assert_eq!(code, 0);
}

#[test]
fn redis_over_80_percent_of_maxmemory_warns() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let env = Env::new(&format!("[redis]\nurl = \"{}\"\n", redis.url())).with_collections(&[]);

    // No limit: pass, nothing to measure against.
    let (r, _) = env.health(&["--check", "redis:memory"]);
    let mem = r.one("redis:memory");
    assert_eq!(mem.status, "pass", "{r:#?}");
    assert!(mem.observed_value.is_null());

    // Fill it with a 2 MB value, then set the limit so that use sits near 90 % of it.
    redis.cli(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]);
    redis.set_large("vdt-health-filler", 2 << 20);
    let used = redis.info_memory("used_memory");
    let limit = used * 10 / 9;
    redis.cli(&["CONFIG", "SET", "maxmemory", &limit.to_string()]);
    let (r, code) = env.health(&["--check", "redis:memory"]);
    let mem = r.one("redis:memory");
    assert_eq!(mem.status, "warn", "{r:#?}");
    assert!(mem.observed_value.as_f64().unwrap() >= 80.0, "{mem:?}");
    assert_eq!(mem.observed_unit.as_deref(), Some("percent"));
    assert_eq!(code, 0);

    // Room again: pass.
    redis.cli(&["CONFIG", "SET", "maxmemory", &(used * 4).to_string()]);
    let (r, _) = env.health(&["--check", "redis:memory"]);
    assert_eq!(r.one("redis:memory").status, "pass", "{r:#?}");
}

// ---- Firestore ---------------------------------------------------------------------------------

fn firestore_config(host: &str) -> String {
    format!("[firestore]\nproject_id = \"health-probe\"\nemulator_host = \"{host}\"\n")
}

#[test]
fn firestore_rejected_credentials_fail() {
    let proxy = FixedStatus::start(403);
    let env = Env::new(&firestore_config(&proxy.host())).with_collections(&[]);
    let (r, code) = env.health(&["--check", "firestore:connection"]);
    let fs = r.one("firestore:connection");
    assert_eq!(fs.status, "fail", "{r:#?}");
    assert!(fs.output.as_deref().unwrap().contains("403"), "{fs:?}");
    assert_eq!(r.status, "fail");
    assert_eq!(code, 1);

    let proxy = FixedStatus::start(401);
    env.set_config(&firestore_config(&proxy.host()));
    let (r, _) = env.health(&["--check", "firestore:connection"]);
    assert_eq!(r.one("firestore:connection").status, "fail", "{r:#?}");
}

#[test]
fn firestore_emulator_up_passes_and_stopped_warns() {
    let Some(mut emu) = Emulator::start() else {
        return;
    };
    let env = Env::new(&firestore_config(&emu.host())).with_collections(&[]);
    // A cold emulator's first API call (JIT warm-up) can outlast the check's 5 s timeout on a
    // loaded two-core machine; it is warm once any call has been answered.
    let (mut r, mut code) = env.health(&["--check", "firestore:connection"]);
    for _ in 0..5 {
        if r.one("firestore:connection").status == "pass" {
            break;
        }
        (r, code) = env.health(&["--check", "firestore:connection"]);
    }
    assert_eq!(r.one("firestore:connection").status, "pass", "{r:#?}");
    assert_eq!(code, 0);

    emu.stop();
    assert!(
        emu.group_gone_within(std::time::Duration::from_secs(30)),
        "the emulator's process group (java) outlived the kill"
    );
    let (r, code) = env.health(&["--check", "firestore:connection"]);
    let fs = r.one("firestore:connection");
    assert_eq!(fs.status, "warn", "{r:#?}");
    assert!(
        fs.output.as_deref().unwrap().contains("unreachable"),
        "{fs:?}"
    );
    assert_eq!(code, 0);
    let (_, code) = env.health(&["--check", "firestore:connection", "--fail-on", "warn"]);
    assert_eq!(code, 1);
}

// ---- sync lag ----------------------------------------------------------------------------------

#[test]
fn stale_collection_warns_past_3x_and_fails_past_10x() {
    let env = Env::new("").with_collections(&[("fresh", 10), ("stale", 10), ("never", 10)]);
    let db = env.sqlite();
    let row = |c: &str, secs: i64, status: &str| {
        db.execute(
            "INSERT INTO sync_status (collection_name, last_sync, status) VALUES (?1, ?2, ?3)",
            rusqlite::params![c, ago(secs), status],
        )
        .unwrap();
    };
    row("fresh", 5, "success");
    row("stale", 60, "success");
    // A newer failed run does not count as a sync.
    row("stale", 2, "error");

    let (r, code) = env.health(&["--check", "sync:lag"]);
    assert_eq!(r.checks["sync:lag"].len(), 3, "{r:#?}");
    assert_eq!(r.component("sync:lag", "fresh").status, "pass");
    let stale = r.component("sync:lag", "stale");
    assert_eq!(stale.status, "warn", "{stale:?}");
    assert!(stale.observed_value.as_u64().unwrap() >= 60);
    assert_eq!(stale.observed_unit.as_deref(), Some("s"));
    let never = r.component("sync:lag", "never");
    assert_eq!(never.status, "warn");
    assert!(never.observed_value.is_null());
    assert_eq!(r.status, "warn");
    assert_eq!(code, 0);

    // Past 10× the frequency: fail, exit 1.
    row("stale", 200, "success");
    db.execute(
        "DELETE FROM sync_status WHERE collection_name = 'stale' AND last_sync > ?1",
        [ago(100)],
    )
    .unwrap();
    let (r, code) = env.health(&["--check", "sync:lag"]);
    assert_eq!(r.component("sync:lag", "stale").status, "fail", "{r:#?}");
    assert_eq!(r.status, "fail");
    assert_eq!(code, 1);

    // A disabled collection is not checked.
    env.ok(&[
        "config",
        "collections",
        "set",
        "stale",
        "--enabled",
        "false",
    ]);
    let (r, _) = env.health(&["--check", "sync:lag"]);
    assert!(
        r.checks["sync:lag"]
            .iter()
            .all(|e| e.component_id.as_deref() != Some("stale"))
    );
    assert_eq!(r.status, "warn");
}

// ---- the database ------------------------------------------------------------------------------

#[test]
fn corrupt_database_copy_fails_integrity() {
    let env = Env::new("").with_collections(&[("meetings", 30)]);
    {
        let db = env.sqlite();
        let tx = db.unchecked_transaction().unwrap();
        for i in 0..3000 {
            tx.execute(
                "INSERT INTO documents (collection, doc_id, data, synced_at) VALUES ('meetings', ?1, ?2, ?3)",
                rusqlite::params![format!("doc{i:05}"), format!("{{\"n\":{i},\"pad\":\"{}\"}}", "p".repeat(200)), ago(0)],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    let (r, code) = env.health(&["--check", "sqlite:integrity"]);
    assert_eq!(r.one("sqlite:integrity").status, "pass", "{r:#?}");
    assert_eq!(r.one("sqlite:integrity").observed_value, "ok");
    assert_eq!(code, 0);

    // A self-contained copy (no -wal beside it), then garbage over pages in its middle.
    let copy = env.dir.path().join("copy.sqlite3");
    env.sqlite()
        .execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
    let mut bytes = std::fs::read(&copy).unwrap();
    assert!(bytes.len() > 64 * 1024, "the copy is too small to corrupt");
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 16 * 1024] {
        *b = 0xA5;
    }
    std::fs::write(&copy, &bytes).unwrap();

    let (r, code) = env.health_db(&copy, &["--check", "sqlite:integrity"]);
    let i = r.one("sqlite:integrity");
    assert_eq!(i.status, "fail", "{r:#?}");
    assert!(i.output.is_some());
    assert_eq!(r.status, "fail");
    assert_eq!(code, 1);
}

#[test]
fn pending_migrations_warn() {
    let env = Env::new("");
    env.ok(&["db", "migrate", "--to", "1"]);
    let (r, code) = env.health(&["--check", "sqlite:migrations"]);
    let m = r.one("sqlite:migrations");
    assert_eq!(m.status, "warn", "{r:#?}");
    // Every migration after V1 is pending.
    let after_v1 = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count()
        - 1;
    assert_eq!(m.observed_value, after_v1 as i64);
    assert!(m.output.as_deref().unwrap().contains("vdt db migrate"));
    assert_eq!(code, 0);
    let (_, code) = env.health(&["--check", "sqlite:migrations", "--fail-on", "warn"]);
    assert_eq!(code, 1);
    // health never migrates.
    let (r, _) = env.health(&["--check", "sqlite:migrations"]);
    assert_eq!(r.one("sqlite:migrations").status, "warn");

    env.ok(&["db", "migrate"]);
    let (r, code) = env.health(&["--check", "sqlite:migrations", "--fail-on", "warn"]);
    assert_eq!(r.one("sqlite:migrations").status, "pass");
    assert_eq!(code, 0);
}

// ---- webhooks ----------------------------------------------------------------------------------

#[test]
fn webhook_rejections_above_5_percent_warn() {
    let env = Env::new("").with_collections(&[]);
    let db = env.sqlite();
    let log = |status: i64, secs_ago: i64, n: usize| {
        for _ in 0..n {
            db.execute(
                "INSERT INTO webhook_logs (source, status_code, processed_at) VALUES ('langwatch', ?1, ?2)",
                rusqlite::params![status, ago(secs_ago)],
            )
            .unwrap();
        }
    };
    let (r, _) = env.health(&["--check", "webhooks:rejections"]);
    assert_eq!(r.one("webhooks:rejections").status, "pass", "no rows: pass");

    log(202, 60, 95);
    log(401, 60, 5);
    // Older than an hour: not counted.
    log(401, 2 * 3600, 50);
    let (r, _) = env.health(&["--check", "webhooks:rejections"]);
    let w = r.one("webhooks:rejections");
    assert_eq!(w.status, "pass", "exactly 5 %: {r:#?}");
    assert_eq!(w.observed_value.as_f64(), Some(5.0));

    log(429, 30, 1);
    let (r, code) = env.health(&["--check", "webhooks:rejections"]);
    let w = r.one("webhooks:rejections");
    assert_eq!(w.status, "warn", "{r:#?}");
    assert!(w.observed_value.as_f64().unwrap() > 5.0);
    assert!(w.output.as_deref().unwrap().contains("6 of 101"), "{w:?}");
    assert_eq!(code, 0);
    let (_, code) = env.health(&["--check", "webhooks:rejections", "--fail-on", "warn"]);
    assert_eq!(code, 1);
}

// ---- SMTP --------------------------------------------------------------------------------------

#[test]
fn smtp_reachable_passes_and_stopped_warns() {
    let Some(mut smtp) = Smtp::start() else {
        return;
    };
    let env = Env::new(&format!(
        "[alerts.smtp]\nhost = \"127.0.0.1\"\nport = {}\n",
        smtp.port
    ))
    .with_collections(&[]);
    let (r, _) = env.health(&["--check", "smtp:connection"]);
    assert_eq!(r.one("smtp:connection").status, "pass", "{r:#?}");
    smtp.stop();
    let (r, code) = env.health(&["--check", "smtp:connection"]);
    assert_eq!(r.one("smtp:connection").status, "warn", "{r:#?}");
    assert_eq!(code, 0);
}

// ---- the whole document ------------------------------------------------------------------------

#[test]
fn unconfigured_services_are_left_out_and_overall_is_the_worst() {
    let env = Env::new("").with_collections(&[("c", 30)]);
    let (r, code) = env.health(&[]);
    let names: Vec<&str> = r.checks.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "disk:utilization",
            "sqlite:integrity",
            "sqlite:migrations",
            "sync:lag",
            "webhooks:rejections"
        ]
    );
    assert_eq!(r.version, env!("CARGO_PKG_VERSION"));
    let disk = r.one("disk:utilization");
    let pct = disk.observed_value.as_f64().unwrap();
    assert!((0.0..=100.0).contains(&pct), "{disk:?}");
    assert_eq!(disk.component_type, "system");
    // "c" never synced: warn is the worst.
    assert_eq!(r.status, "warn");
    assert_eq!(code, 0);
    for e in r.checks.values().flatten() {
        assert!(
            chrono::DateTime::parse_from_rfc3339(&e.time).is_ok(),
            "{e:?}"
        );
        assert_eq!(e.output.is_none(), e.status == "pass", "{e:?}");
    }
}

#[test]
fn unknown_check_is_a_usage_error_listing_valid_names() {
    let env = Env::new("");
    let out = env.vdt(&["health", "--check", "sqlite:integrity", "--check", "bogus"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"bogus\""), "{err}");
    for name in [
        "sqlite:integrity",
        "redis:memory",
        "sync:lag",
        "smtp:connection",
    ] {
        assert!(err.contains(name), "{err}");
    }
    assert!(!env.db().exists(), "validated before touching the database");
}

#[test]
fn table_output_names_every_check() {
    let env = Env::new("").with_collections(&[("meetings", 30)]);
    let out = env.vdt(&["health"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for name in [
        "sqlite:integrity",
        "disk:utilization",
        "sync:lag",
        "meetings",
    ] {
        assert!(text.contains(name), "{text}");
    }
    assert!(text.contains("overall: warn"), "{text}");
}

// ---- Prometheus textfile -----------------------------------------------------------------------

/// Check Prometheus text exposition line by line: HELP/TYPE comments, samples
/// `name{label="value",…} number`, each family's TYPE before its samples, no family twice.
fn parse_prometheus(text: &str) -> Vec<(String, BTreeMap<String, String>, f64)> {
    fn is_name(s: &str, colon: bool) -> bool {
        let mut chars = s.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || (colon && c == ':'))
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colon && c == ':'))
    }
    assert!(text.ends_with('\n'), "the file must end with a newline");
    let mut typed: Vec<String> = Vec::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let kind = parts.next().unwrap();
            let name = parts
                .next()
                .unwrap_or_else(|| panic!("bad comment {line:?}"));
            assert!(is_name(name, true), "bad metric name in {line:?}");
            match kind {
                "HELP" => {}
                "TYPE" => {
                    let t = parts.next().unwrap_or_default();
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&t),
                        "bad type in {line:?}"
                    );
                    assert!(!typed.contains(&name.to_owned()), "{name} typed twice");
                    typed.push(name.to_owned());
                }
                _ => panic!("unknown comment {line:?}"),
            }
            continue;
        }
        assert!(!line.is_empty(), "empty line");
        let (name_end, mut rest) = match line.find(['{', ' ']) {
            Some(i) => (i, &line[i..]),
            None => panic!("no value in {line:?}"),
        };
        let name = &line[..name_end];
        assert!(is_name(name, true), "bad metric name in {line:?}");
        assert_eq!(
            typed.last().map(String::as_str),
            Some(name),
            "{name} before its TYPE"
        );
        let mut labels = BTreeMap::new();
        if let Some(r) = rest.strip_prefix('{') {
            let end = if let Some(after) = r.strip_prefix('}') {
                r.len() - after.len()
            } else {
                let (end, l) = parse_labels(r, line);
                labels = l;
                end
            };
            rest = &r[end..];
        }
        let value = rest
            .strip_prefix(' ')
            .unwrap_or_else(|| panic!("no space before value in {line:?}"));
        let mut fields = value.split(' ');
        let v = fields.next().unwrap();
        let v: f64 = match v {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("bad value in {line:?}")),
        };
        if let Some(ts) = fields.next() {
            ts.parse::<i64>()
                .unwrap_or_else(|_| panic!("bad timestamp in {line:?}"));
        }
        assert!(fields.next().is_none(), "trailing fields in {line:?}");
        samples.push((name.to_owned(), labels, v));
    }
    samples
}

/// Labels `name="value"` separated by commas up to `}`; returns the offset just past `}`.
fn parse_labels(s: &str, line: &str) -> (usize, BTreeMap<String, String>) {
    let mut labels = BTreeMap::new();
    let mut i = 0;
    loop {
        let eq = s[i..]
            .find('=')
            .unwrap_or_else(|| panic!("label without = in {line:?}"))
            + i;
        let lname = &s[i..eq];
        assert!(
            !lname.is_empty()
                && lname.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !lname.starts_with(|c: char| c.is_ascii_digit()),
            "bad label name {lname:?} in {line:?}"
        );
        assert!(s[eq + 1..].starts_with('"'), "unquoted label in {line:?}");
        let mut value = String::new();
        let mut j = eq + 2;
        let chars: Vec<char> = s[j..].chars().collect();
        let mut k = 0;
        loop {
            let c = *chars
                .get(k)
                .unwrap_or_else(|| panic!("unterminated value in {line:?}"));
            k += 1;
            match c {
                '\\' => {
                    let n = chars[k];
                    assert!(['\\', '"', 'n'].contains(&n), "bad escape in {line:?}");
                    value.push(if n == 'n' { '\n' } else { n });
                    k += 1;
                }
                '"' => break,
                c => value.push(c),
            }
        }
        j += chars[..k].iter().map(|c| c.len_utf8()).sum::<usize>();
        labels.insert(lname.to_owned(), value);
        match s[j..].chars().next() {
            Some(',') => i = j + 1,
            Some('}') => return (j + 1, labels),
            _ => panic!("expected , or }} in {line:?}"),
        }
    }
}

#[test]
fn textfile_is_atomic_and_parses_as_prometheus_text() {
    let env = Env::new("").with_collections(&[("meetings", 10), ("we\"ird", 10)]);
    env.sqlite()
        .execute(
            "INSERT INTO sync_status (collection_name, last_sync, status) VALUES ('meetings', ?1, 'success')",
            [ago(500)],
        )
        .unwrap();
    let dir = env.dir.path().join("textfiles");
    std::fs::create_dir_all(&dir).unwrap();
    let prom = dir.join("vdt.prom");
    let prom_arg = prom.to_str().unwrap().to_owned();

    // A reader polling the file while health rewrites it never sees a partial file.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        let prom = prom.clone();
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                if let Ok(text) = std::fs::read_to_string(&prom) {
                    let samples = parse_prometheus(&text);
                    assert!(
                        samples
                            .iter()
                            .any(|s| s.0 == "vdt_health_last_run_timestamp_seconds"),
                        "partial file:\n{text}"
                    );
                    reads += 1;
                }
            }
            reads
        })
    };
    let mut last_json = None;
    for _ in 0..8 {
        let (r, code) = env.health(&["--textfile", &prom_arg]);
        assert_eq!(code, 1, "meetings is 50× behind: fail");
        last_json = Some(r);
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let reads = reader.join().expect("the reader saw only whole files");
    assert!(reads > 0);

    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, ["vdt.prom"], "temp files left behind");

    let text = std::fs::read_to_string(&prom).unwrap();
    let samples = parse_prometheus(&text);
    let report = last_json.unwrap();
    let status = |check: &str, collection: Option<&str>| {
        samples
            .iter()
            .find(|(n, l, _)| {
                n == "vdt_health_status"
                    && l.get("check").map(String::as_str) == Some(check)
                    && l.get("collection").map(String::as_str) == collection
            })
            .unwrap_or_else(|| panic!("no status for {check} {collection:?} in\n{text}"))
            .2
    };
    assert_eq!(status("sqlite:integrity", None), 0.0);
    assert_eq!(status("sync:lag", Some("meetings")), 2.0);
    assert_eq!(
        status("sync:lag", Some("we\"ird")),
        1.0,
        "never synced: warn"
    );
    for (name, entries) in &report.checks {
        if name != "sync:lag" {
            status(name, None);
        }
        assert!(!entries.is_empty());
    }
    let overall = samples
        .iter()
        .find(|s| s.0 == "vdt_health_overall_status")
        .unwrap();
    assert_eq!(overall.2, 2.0);
    let lag = samples
        .iter()
        .find(|(n, l, _)| {
            n == "vdt_health_observed_value"
                && l.get("collection").map(String::as_str) == Some("meetings")
        })
        .expect("observed lag");
    assert_eq!(lag.1["unit"], "s");
    assert!(lag.2 >= 500.0);
    let ts = samples
        .iter()
        .find(|s| s.0 == "vdt_health_last_run_timestamp_seconds")
        .unwrap()
        .2;
    let now = chrono::Utc::now().timestamp() as f64;
    assert!(ts <= now + 1.0 && ts > now - 3600.0, "{ts} vs {now}");
}

// ---- vdt status --------------------------------------------------------------------------------

#[test]
fn status_json_shows_collections_webhooks_and_firing_alerts() {
    let env = Env::new("").with_collections(&[("meetings", 30), ("vertigo_traces", 60)]);
    let db = env.sqlite();
    db.execute_batch(&format!(
        "INSERT INTO sync_status (collection_name, last_sync, status) VALUES ('meetings', '{}', 'success');
         INSERT INTO sync_status (collection_name, last_sync, status, error_message) VALUES ('meetings', '{}', 'error', 'boom');
         INSERT INTO documents (collection, doc_id, data, synced_at) VALUES ('meetings', 'a', '{{}}', '{now}'), ('meetings', 'b', '{{}}', '{now}');
         INSERT INTO webhook_logs (source, status_code, processed_at) VALUES ('lw', 202, '{now}'), ('lw', 202, '{now}'), ('lw', 401, '{now}'), ('lw', 401, '{old}');
         INSERT INTO alerts (rule, severity, state, value, firing_since, fingerprint, labels) VALUES
           ('high-error-rate', 'critical', 'firing', 0.25, '{now}', 'f1', '{{\"model\":\"m\"}}'),
           ('quiet', 'info', 'resolved', 0.0, NULL, 'f2', '{{}}');",
        ago(120),
        ago(10),
        now = ago(5),
        old = ago(7200),
    ))
    .unwrap();
    let out = env.ok(&["status", "--json"]);
    let o: Overview = serde_json::from_slice(&out.stdout).expect("the overview shape");
    assert_eq!(o.version, env!("CARGO_PKG_VERSION"));
    assert!(chrono::DateTime::parse_from_rfc3339(&o.generated_at).is_ok());
    assert!(
        o.features.live_data_enabled && o.features.real_time_alerts && o.features.advanced_caching
    );
    let m = o.collections.iter().find(|c| c.name == "meetings").unwrap();
    assert_eq!(
        (m.kind.as_str(), m.enabled, m.sync_frequency),
        ("documents", true, 30)
    );
    assert_eq!(m.last_status.as_deref(), Some("error"));
    assert_eq!(m.last_error.as_deref(), Some("boom"));
    assert!(m.last_sync.is_some() && m.last_success.is_some());
    assert!(m.lag_seconds.unwrap() >= 120);
    assert_eq!(m.records, 2);
    let t = o
        .collections
        .iter()
        .find(|c| c.name == "vertigo_traces")
        .unwrap();
    assert_eq!(t.lag_seconds, None);
    assert_eq!(t.records, 0);
    assert_eq!(o.webhooks.window_seconds, 3600);
    assert_eq!((o.webhooks.total, o.webhooks.rejected), (3, 1));
    assert_eq!(o.webhooks.by_status["202"], 2);
    assert_eq!(o.alerts.len(), 1);
    let a = &o.alerts[0];
    assert_eq!(
        (a.rule.as_str(), a.severity.as_str(), a.value),
        ("high-error-rate", "critical", Some(0.25))
    );
    assert!(a.id > 0 && a.since.is_some());
    assert_eq!(a.labels["model"], "m");

    let out = env.ok(&["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for s in [
        "meetings",
        "vertigo_traces",
        "error: boom",
        "high-error-rate",
        "401: 1",
    ] {
        assert!(text.contains(s), "{s:?} missing from\n{text}");
    }
}

#[test]
fn status_watch_json_prints_one_line_per_tick() {
    let env = Env::new("").with_collections(&[("meetings", 30)]);
    let home = env.dir.path().join("home");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vdt"))
        .env_clear()
        .env("HOME", &home)
        .arg("--config")
        .arg(env.config_path())
        .arg("--db")
        .arg(env.db())
        .args(["status", "--watch", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    for _ in 0..2 {
        let line = lines.next().expect("a tick").unwrap();
        let o: Overview = serde_json::from_str(&line).expect("one overview per line");
        assert_eq!(o.collections[0].name, "meetings");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
