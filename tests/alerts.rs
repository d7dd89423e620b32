//! `vdt alerts …` end to end: the real binary, a real SMTP server (aiosmtpd), a local webhook
//! receiver that verifies Standard Webhooks signatures, traces written through the store.

mod support;

use serde::Deserialize;
use std::collections::BTreeMap;
use support::mailsink::MailSink;
use support::receiver::Receiver;
use support::{TestEnv, free_port, stderr, stdout};
use vdt::store::{Store, StoreOptions};
use vdt::traces::TraceRow;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Check {
    evaluated: usize,
    firing: Vec<Item>,
    pending: Vec<Item>,
    resolved: Vec<Item>,
    notifications: Vec<Notification>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    id: i64,
    rule: String,
    severity: String,
    value: Option<f64>,
    since: Option<String>,
    labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Notification {
    channel: String,
    status: String,
    error: Option<String>,
    rule: String,
    kind: String,
    alert_id: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct List {
    alerts: Vec<ListItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListItem {
    id: i64,
    rule: String,
    severity: String,
    state: String,
    value: Option<f64>,
    since: Option<String>,
    labels: BTreeMap<String, String>,
    acked_by: Option<String>,
    silenced_until: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct History {
    events: Vec<Event>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Event {
    id: i64,
    alert_id: Option<i64>,
    rule: String,
    kind: String,
    at: String,
    value: Option<f64>,
    by: Option<String>,
    comment: Option<String>,
    until: Option<String>,
}

/// A test world: config with one email and one webhook channel, plus `rules`.
fn world(smtp_port: u16, hook: &Receiver, rules: &str) -> TestEnv {
    let mut env = TestEnv::new();
    env.env("VDT_TEST_HOOK_SECRET", SECRET);
    env.write_config(&format!(
        r#"
[api]
public_url = "http://vdt.example:8080"

[alerts]
interval = "1s"

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
url = "{url}"
secret_env = "VDT_TEST_HOOK_SECRET"

{rules}
"#,
        url = hook.url()
    ));
    env
}

const ERROR_RATE_RULE: &str = r#"
[[alerts.rules]]
name = "high-error-rate"
metric = "error_rate"
window = "1h"
op = ">"
threshold = 0.1
severity = "critical"
channels = ["mail", "hook"]
"#;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `n` traces of `model` in the last minutes, the first `errors` of them failed.
fn add_traces(env: &TestEnv, prefix: &str, model: &str, n: usize, errors: usize) {
    let mut store = Store::open(&env.db, &StoreOptions::default()).unwrap();
    let now = now_ms();
    let rows: Vec<TraceRow> = (0..n)
        .map(|i| TraceRow {
            trace_id: format!("{prefix}-{i}"),
            name: Some("meeting_processing".into()),
            status: Some(if i < errors { "error" } else { "success" }.into()),
            model: Some(model.into()),
            start_time: None,
            end_time: None,
            duration_ms: Some(100.0 + i as f64),
            input_tokens: Some(100),
            output_tokens: Some(20),
            cost_usd: Some(0.001),
            user_id: None,
            session_id: None,
            project: Some("vertigo".into()),
            tags: serde_json::json!([]),
            metadata: serde_json::json!({}),
            source: "webhook:langwatch".into(),
            updated_at: vdt::store::now(),
            ts_ms: now - (i as i64) * 1000,
        })
        .collect();
    store.upsert_traces(&rows).unwrap();
}

fn sql(env: &TestEnv, statement: &str) {
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    conn.execute_batch(statement).unwrap();
}

fn check(env: &TestEnv, extra: &[&str]) -> (Check, i32) {
    let mut args = vec!["--json", "alerts", "check"];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "alerts check exited {code}: {}",
        stderr(&out)
    );
    let report: Check = serde_json::from_str(stdout(&out).trim())
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", stdout(&out)));
    (report, code)
}

fn list(env: &TestEnv, all: bool) -> List {
    let mut args = vec!["--json", "alerts", "list"];
    if all {
        args.push("--all");
    }
    let out = env.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(stdout(&out).trim()).unwrap()
}

fn history(env: &TestEnv) -> History {
    let out = env.run(&["--json", "alerts", "history", "--limit", "500"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(stdout(&out).trim()).unwrap()
}

#[test]
fn firing_sends_one_mail_and_one_signed_webhook_and_a_restart_does_not_resend() {
    let hook = Receiver::start(Some(SECRET));
    let smtp_port = free_port();
    let env = world(smtp_port, &hook, ERROR_RATE_RULE);
    let mail = MailSink::start(env.path(), smtp_port);
    add_traces(&env, "t", "gemini-1.5-pro", 20, 5);

    let (report, code) = check(&env, &[]);
    assert_eq!(code, 0);
    assert_eq!(report.evaluated, 1);
    assert_eq!(report.firing.len(), 1);
    let firing = &report.firing[0];
    assert_eq!(firing.rule, "high-error-rate");
    assert_eq!(firing.severity, "critical");
    assert_eq!(firing.value, Some(0.25));
    assert!(firing.since.is_some());
    assert!(report.pending.is_empty() && report.resolved.is_empty());
    let mut sent: Vec<(&str, &str)> = report
        .notifications
        .iter()
        .map(|n| (n.channel.as_str(), n.status.as_str()))
        .collect();
    sent.sort();
    assert_eq!(sent, vec![("hook", "sent"), ("mail", "sent")], "{report:?}");
    assert!(
        report
            .notifications
            .iter()
            .all(|n| n.alert_id == Some(firing.id) && n.kind == "firing" && n.error.is_none())
    );

    let mails = mail.mails();
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(m.to, vec!["oncall@example.com"]);
    assert!(m.subject.contains("high-error-rate"), "{}", m.subject);
    assert!(m.subject.contains("FIRING"), "{}", m.subject);
    assert!(m.subject.contains("0.25"), "{}", m.subject);
    assert!(m.body.contains("error_rate > 0.1"), "{}", m.body);
    assert!(m.body.contains("Firing since:"), "{}", m.body);
    assert!(
        m.body
            .contains(&format!("http://vdt.example:8080/#/alerts/{}", firing.id)),
        "{}",
        m.body
    );

    let got = hook.received();
    assert_eq!(got.len(), 1);
    let h = &got[0];
    assert_eq!(h.verified, Some(Ok(())), "signature must verify");
    assert!(h.header("webhook-id").is_some());
    let body = h.json();
    assert_eq!(body["version"], "4");
    assert_eq!(body["status"], "firing");
    assert_eq!(body["receiver"], "hook");
    assert!(
        body["groupKey"]
            .as_str()
            .unwrap()
            .contains("high-error-rate")
    );
    let alert = &body["alerts"][0];
    assert_eq!(alert["status"], "firing");
    assert_eq!(alert["labels"]["alertname"], "high-error-rate");
    assert_eq!(alert["labels"]["severity"], "critical");
    assert_eq!(alert["endsAt"], "0001-01-01T00:00:00Z");
    assert!(alert["startsAt"].as_str().unwrap().starts_with("20"));
    assert_eq!(alert["fingerprint"].as_str().unwrap().len(), 16);
    assert!(alert["annotations"]["summary"].is_string());

    // A second run (a restart) while still firing sends nothing new.
    let (again, _) = check(&env, &[]);
    assert_eq!(again.firing.len(), 1);
    assert_eq!(again.firing[0].id, firing.id);
    assert!(again.notifications.is_empty(), "{again:?}");
    assert_eq!(mail.mails().len(), 1);
    assert_eq!(hook.received().len(), 1);

    let listed = list(&env, false);
    assert_eq!(listed.alerts.len(), 1);
    assert_eq!(listed.alerts[0].state, "firing");
    assert_eq!(listed.alerts[0].rule, "high-error-rate");
    assert_eq!(listed.alerts[0].severity, "critical");
    assert_eq!(listed.alerts[0].value, Some(0.25));
    assert_eq!(listed.alerts[0].since, firing.since);
    assert!(listed.alerts[0].labels.is_empty());
    let events = history(&env).events;
    let fired = events.iter().find(|e| e.kind == "firing").unwrap();
    assert_eq!(fired.value, Some(0.25));
    let kinds: Vec<String> = events.into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds.iter().filter(|k| *k == "firing").count(), 1);
    assert_eq!(kinds.iter().filter(|k| *k == "notified").count(), 2);
}

#[test]
fn two_concurrent_checks_send_each_notification_once() {
    let hook = Receiver::start(Some(SECRET));
    let smtp_port = free_port();
    let env = world(smtp_port, &hook, ERROR_RATE_RULE);
    let mail = MailSink::start(env.path(), smtp_port);
    add_traces(&env, "t", "gemini-1.5-pro", 20, 5);
    let children: Vec<_> = (0..3)
        .map(|_| {
            env.cmd(&["--json", "alerts", "check"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(mail.mails().len(), 1);
    assert_eq!(hook.received().len(), 1);
}

#[test]
fn smtp_down_is_retried_and_delivered_once_it_is_back() {
    let hook = Receiver::start(Some(SECRET));
    let smtp_port = free_port();
    let env = world(smtp_port, &hook, ERROR_RATE_RULE);
    add_traces(&env, "t", "gemini-1.5-pro", 20, 5);

    let (report, _) = check(&env, &[]);
    let mail_n = report
        .notifications
        .iter()
        .find(|n| n.channel == "mail")
        .expect("a mail attempt");
    assert_eq!(mail_n.status, "retry");
    assert!(mail_n.error.as_deref().is_some_and(|e| !e.is_empty()));
    assert_eq!(hook.received().len(), 1);

    let mail = MailSink::start(env.path(), smtp_port);
    // The retry is due after its backoff; move it into the past instead of waiting.
    sql(
        &env,
        "UPDATE notification_outbox SET next_attempt_at = '2000-01-01T00:00:00.000Z' WHERE status = 'pending'",
    );
    let (report, _) = check(&env, &[]);
    assert_eq!(report.notifications.len(), 1, "{report:?}");
    assert_eq!(report.notifications[0].status, "sent");
    assert_eq!(mail.mails().len(), 1);
    let (report, _) = check(&env, &[]);
    assert!(report.notifications.is_empty());
    assert_eq!(mail.mails().len(), 1);
    assert_eq!(hook.received().len(), 1);

    let conn = rusqlite::Connection::open(&env.db).unwrap();
    let (attempts, status): (i64, String) = conn
        .query_row(
            "SELECT attempts, status FROM notification_outbox WHERE channel = 'mail'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((attempts, status.as_str()), (2, "sent"));
}

#[test]
fn a_failing_webhook_is_given_up_with_its_error_after_the_last_attempt() {
    let hook = Receiver::start(Some(SECRET));
    hook.status.store(500, std::sync::atomic::Ordering::SeqCst);
    let env = world(
        free_port(),
        &hook,
        &ERROR_RATE_RULE.replace("\"mail\", ", ""),
    );
    add_traces(&env, "t", "m", 20, 5);
    let (report, _) = check(&env, &[]);
    assert_eq!(report.notifications.len(), 1);
    assert_eq!(report.notifications[0].status, "retry");
    let max = vdt::alerts::notify::MAX_ATTEMPTS;
    sql(
        &env,
        &format!(
            "UPDATE notification_outbox SET attempts = {}, next_attempt_at = '2000-01-01T00:00:00.000Z'",
            max - 1
        ),
    );
    let (report, _) = check(&env, &[]);
    assert_eq!(report.notifications[0].status, "failed");
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    let (status, err, attempts): (String, String, i64) = conn
        .query_row(
            "SELECT status, last_error, attempts FROM notification_outbox",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(status, "failed");
    assert!(err.contains("HTTP 500"), "{err}");
    assert_eq!(attempts, max);
    // Given up: no further attempts.
    sql(
        &env,
        "UPDATE notification_outbox SET next_attempt_at = '2000-01-01T00:00:00.000Z'",
    );
    let (report, _) = check(&env, &[]);
    assert!(report.notifications.is_empty());
    assert_eq!(hook.received().len(), 2);
}

#[test]
fn silence_suppresses_and_ack_mutes_repeats_until_resolved() {
    let hook = Receiver::start(Some(SECRET));
    let smtp_port = free_port();
    let rules = r#"
[[alerts.rules]]
name = "silenced-rule"
metric = "error_rate"
window = "1h"
op = ">"
threshold = 0.1
channels = ["mail"]

[[alerts.rules]]
name = "acked-rule"
metric = "traces_total"
window = "1h"
op = ">="
threshold = 1
repeat_interval = "1h"
channels = ["mail"]

[[alerts.rules]]
name = "loud-rule"
metric = "tokens_total"
window = "1h"
op = ">"
threshold = 0
repeat_interval = "1h"
channels = ["mail"]
"#;
    let env = world(smtp_port, &hook, rules);
    let mail = MailSink::start(env.path(), smtp_port);
    let out = env.run(&[
        "alerts",
        "silence",
        "silenced-rule",
        "--for",
        "2h",
        "--by",
        "ops",
        "--comment",
        "deploy",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    add_traces(&env, "t", "m", 20, 5);

    let (report, _) = check(&env, &[]);
    assert_eq!(report.firing.len(), 3);
    let subjects: Vec<String> = mail.mails().into_iter().map(|m| m.subject).collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(!subjects.iter().any(|s| s.contains("silenced-rule")));

    let listed = list(&env, false);
    let silenced = listed
        .alerts
        .iter()
        .find(|a| a.rule == "silenced-rule")
        .unwrap();
    assert!(silenced.silenced_until.is_some());
    let acked = listed
        .alerts
        .iter()
        .find(|a| a.rule == "acked-rule")
        .unwrap();
    let out = env.run(&[
        "alerts",
        "ack",
        &acked.id.to_string(),
        "--by",
        "alice",
        "--comment",
        "looking",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = list(&env, false);
    let acked_now = listed.alerts.iter().find(|a| a.id == acked.id).unwrap();
    assert_eq!(acked_now.acked_by.as_deref(), Some("alice"));

    // Make the last notifications an interval old: only the unacknowledged rule repeats.
    sql(
        &env,
        "UPDATE alerts SET last_notified_at = '2000-01-01T00:00:00.000Z' WHERE firing_since IS NOT NULL AND last_notified_at IS NOT NULL",
    );
    sql(
        &env,
        "UPDATE alerts SET firing_since = '1999-01-01T00:00:00.000Z' WHERE firing_since IS NOT NULL",
    );
    let (report, _) = check(&env, &[]);
    let kinds: Vec<(String, String)> = report
        .notifications
        .iter()
        .map(|n| (n.rule.clone(), n.kind.clone()))
        .collect();
    assert_eq!(kinds, vec![("loud-rule".to_owned(), "repeat".to_owned())]);
    let mails = mail.mails();
    assert_eq!(mails.len(), 3);
    assert!(mails[2].subject.contains("STILL FIRING") && mails[2].subject.contains("loud-rule"));

    let events = history(&env).events;
    let silence = events.iter().find(|e| e.kind == "silence").unwrap();
    assert_eq!(silence.rule, "silenced-rule");
    assert_eq!(silence.by.as_deref(), Some("ops"));
    assert_eq!(silence.comment.as_deref(), Some("deploy"));
    assert!(silence.until.is_some());
    let ack = events.iter().find(|e| e.kind == "ack").unwrap();
    assert_eq!(ack.alert_id, Some(acked.id));
    assert_eq!(ack.by.as_deref(), Some("alice"));
    assert_eq!(ack.comment.as_deref(), Some("looking"));
    // Event ids are newest first.
    assert!(events.windows(2).all(|w| w[0].id > w[1].id));
    assert!(events.iter().all(|e| !e.at.is_empty()));

    // An alert that is not firing cannot be acknowledged.
    let out = env.run(&["alerts", "ack", "9999"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn resolution_is_sent_only_where_send_resolved() {
    let hook = Receiver::start(Some(SECRET));
    let smtp_port = free_port();
    let rules = r#"
[[alerts.rules]]
name = "tells-resolution"
metric = "error_rate"
window = "1h"
op = ">"
threshold = 0.1
channels = ["mail", "hook"]

[[alerts.rules]]
name = "quiet-resolution"
metric = "error_rate"
window = "1h"
op = ">"
threshold = 0.1
send_resolved = false
channels = ["mail"]
"#;
    let env = world(smtp_port, &hook, rules);
    let mail = MailSink::start(env.path(), smtp_port);
    add_traces(&env, "t", "m", 20, 5);
    let (report, _) = check(&env, &[]);
    assert_eq!(report.firing.len(), 2);
    assert_eq!(mail.mails().len(), 2);

    // The failed traces are retried successfully: the error rate drops to 0.
    add_traces(&env, "t", "m", 20, 0);
    let (report, _) = check(&env, &[]);
    assert!(report.firing.is_empty());
    assert_eq!(report.resolved.len(), 2);
    let mails = mail.mails();
    assert_eq!(mails.len(), 3);
    assert!(
        mails[2].subject.contains("RESOLVED"),
        "{}",
        mails[2].subject
    );
    assert!(mails[2].subject.contains("tells-resolution"));
    let got = hook.received();
    assert_eq!(got.len(), 2);
    let body = got[1].json();
    assert_eq!(body["status"], "resolved");
    assert_eq!(body["alerts"][0]["status"], "resolved");
    assert_ne!(body["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
    assert_eq!(got[1].verified, Some(Ok(())));

    let all = list(&env, true);
    assert!(all.alerts.iter().all(|a| a.state == "resolved"));
    assert!(list(&env, false).alerts.is_empty());
}

#[test]
fn group_by_fans_out_one_alert_per_value() {
    let hook = Receiver::start(Some(SECRET));
    let smtp_port = free_port();
    let rules = r#"
[[alerts.rules]]
name = "per-model-errors"
metric = "error_rate"
window = "1h"
op = ">"
threshold = 0.1
group_by = ["model"]
channels = ["mail"]
"#;
    let env = world(smtp_port, &hook, rules);
    let mail = MailSink::start(env.path(), smtp_port);
    add_traces(&env, "a", "gemini-1.5-pro", 10, 5);
    add_traces(&env, "b", "gemini-1.5-flash", 10, 3);
    add_traces(&env, "c", "healthy-model", 10, 0);
    let (report, _) = check(&env, &[]);
    let mut firing: Vec<(String, Option<f64>)> = report
        .firing
        .iter()
        .map(|a| (a.labels["model"].clone(), a.value))
        .collect();
    firing.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        firing,
        vec![
            ("gemini-1.5-flash".to_owned(), Some(0.3)),
            ("gemini-1.5-pro".to_owned(), Some(0.5)),
        ]
    );
    let mails = mail.mails();
    assert_eq!(mails.len(), 2);
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("model=gemini-1.5-pro"))
    );
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("model=gemini-1.5-flash"))
    );
}

#[test]
fn fail_on_exit_codes_follow_the_highest_firing_severity() {
    let hook = Receiver::start(None);
    let rules = r#"
[[alerts.rules]]
name = "warn-rule"
metric = "traces_total"
window = "1h"
op = ">"
threshold = 0
severity = "warning"
"#;
    let env = world(free_port(), &hook, rules);
    add_traces(&env, "t", "m", 3, 0);
    assert_eq!(check(&env, &[]).1, 0);
    assert_eq!(check(&env, &["--fail-on", "critical"]).1, 0);
    assert_eq!(check(&env, &["--fail-on", "warning"]).1, 1);
    let out = env.run(&["alerts", "check", "--fail-on", "bogus"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn dry_run_sends_nothing_and_changes_nothing() {
    let hook = Receiver::start(Some(SECRET));
    let smtp_port = free_port();
    let env = world(smtp_port, &hook, ERROR_RATE_RULE);
    let mail = MailSink::start(env.path(), smtp_port);
    add_traces(&env, "t", "m", 20, 5);
    let (report, code) = check(&env, &["--dry-run", "--fail-on", "critical"]);
    assert_eq!(code, 1);
    assert_eq!(report.firing.len(), 1);
    let mut would: Vec<(&str, &str)> = report
        .notifications
        .iter()
        .map(|n| (n.channel.as_str(), n.status.as_str()))
        .collect();
    would.sort();
    assert_eq!(would, vec![("hook", "dry_run"), ("mail", "dry_run")]);
    assert!(list(&env, true).alerts.is_empty());
    assert!(history(&env).events.is_empty());
    assert!(mail.mails().is_empty());
    assert!(hook.received().is_empty());
    // The real run afterwards still notifies.
    check(&env, &[]);
    assert_eq!(mail.mails().len(), 1);
}

#[test]
fn pending_becomes_firing_once_for_has_elapsed() {
    let hook = Receiver::start(None);
    let rules = r#"
[[alerts.rules]]
name = "slow-p95"
metric = "latency_p95_ms"
window = "1h"
op = ">"
threshold = 50
for = "10m"
"#;
    let env = world(free_port(), &hook, rules);
    add_traces(&env, "t", "m", 100, 0);
    let (report, _) = check(&env, &[]);
    assert!(report.firing.is_empty());
    assert_eq!(report.pending.len(), 1);
    // durations 100..199: nearest-rank p95 of 100 values is the 95th, 194.
    assert_eq!(report.pending[0].value, Some(194.0));
    let (report, _) = check(&env, &[]);
    assert_eq!(report.pending.len(), 1, "still within `for`");
    sql(
        &env,
        "UPDATE alerts SET pending_since = '2000-01-01T00:00:00.000Z'",
    );
    let (report, _) = check(&env, &[]);
    assert_eq!(report.firing.len(), 1);
    let kinds: Vec<String> = history(&env).events.into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec!["firing", "pending"]);
}

#[test]
fn config_validate_names_the_rule_with_an_unknown_metric_operator_or_channel() {
    let hook = Receiver::start(None);
    for (bad, needle) in [
        (
            "metric = \"nope\"\nop = \">\"\nchannels = []",
            "unknown metric",
        ),
        (
            "metric = \"error_rate\"\nop = \"=>\"\nchannels = []",
            "unknown operator",
        ),
        (
            "metric = \"error_rate\"\nop = \">\"\nchannels = [\"pager\"]",
            "unknown channel",
        ),
    ] {
        let rules = format!("[[alerts.rules]]\nname = \"broken-rule\"\nthreshold = 1\n{bad}\n");
        let env = world(free_port(), &hook, &rules);
        let out = env.run(&["config", "validate"]);
        assert_eq!(out.status.code(), Some(78), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("broken-rule"), "{err}");
        assert!(err.contains(needle), "{err}");
    }
}
