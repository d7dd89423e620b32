//! `vdt alerts check|list|history|ack|silence`: the alert engine for people and scripts.

use super::Ctx;
use crate::alerts::{AlertContext, AlertSummary, CheckOptions, CheckReport};
use crate::cli::{AlertFailOn, AlertsCommand};
use crate::config::{Loaded, Severity};
use crate::error::Error;
use serde_json::json;
use std::collections::BTreeMap;

pub fn run(ctx: &Ctx, cmd: AlertsCommand) -> anyhow::Result<i32> {
    let loaded = ctx.load_config()?;
    match cmd {
        AlertsCommand::Check {
            fail_on,
            dry_run,
            watch,
        } => check(ctx, loaded, fail_on, dry_run, watch),
        AlertsCommand::List { all } => {
            let store = ctx.open_store(&loaded)?;
            let alerts = store.list_alerts(all, &crate::store::now())?;
            if ctx.out.json {
                ctx.out.json(&json!({ "alerts": alerts }));
            } else if alerts.is_empty() {
                ctx.out.note(if all {
                    "no alerts yet"
                } else {
                    "no alert is pending or firing (--all shows resolved ones)"
                });
            } else {
                let mut t = ctx.out.table(&[
                    "id", "rule", "severity", "state", "value", "since", "labels", "muted",
                ]);
                for a in &alerts {
                    let muted = match (&a.acked_by, &a.silenced_until) {
                        (_, Some(u)) => format!("silenced until {u}"),
                        (Some(by), None) => format!("acked by {by}"),
                        _ => String::new(),
                    };
                    t.add_row(vec![
                        a.id.to_string(),
                        a.rule.clone(),
                        a.severity.clone(),
                        a.state.clone(),
                        value_text(a.value),
                        a.since.clone().unwrap_or_default(),
                        labels_text(&a.labels),
                        muted,
                    ]);
                }
                ctx.out.data(&t.to_string());
            }
            Ok(0)
        }
        AlertsCommand::History { limit, rule } => {
            let store = ctx.open_store(&loaded)?;
            let events = store.alert_events(limit, rule.as_deref())?;
            if ctx.out.json {
                ctx.out.json(&json!({ "events": events }));
            } else if events.is_empty() {
                ctx.out.note("no alert history yet");
            } else {
                let mut t = ctx.out.table(&[
                    "id", "at", "rule", "alert", "kind", "value", "by", "comment",
                ]);
                for e in &events {
                    let mut comment = e.comment.clone().unwrap_or_default();
                    if let Some(u) = &e.until {
                        comment = format!("until {u} {comment}").trim_end().to_owned();
                    }
                    t.add_row(vec![
                        e.id.to_string(),
                        e.at.clone(),
                        e.rule.clone(),
                        e.alert_id.map(|i| i.to_string()).unwrap_or_default(),
                        e.kind.clone(),
                        value_text(e.value),
                        e.by.clone().unwrap_or_default(),
                        comment,
                    ]);
                }
                ctx.out.data(&t.to_string());
            }
            Ok(0)
        }
        AlertsCommand::Ack { id, by, comment } => {
            let mut store = ctx.open_store(&loaded)?;
            let by = who(ctx, by);
            let a = store.ack_alert(id, &by, comment.as_deref(), &crate::store::now())?;
            crate::cache::announce_write(&loaded.config);
            if ctx.out.json {
                ctx.out.json(&json!({
                    "id": a.id, "rule": a.rule, "acked_by": a.acked_by,
                    "acked_at": a.acked_at, "comment": a.ack_comment,
                }));
            } else {
                ctx.out.note(&format!(
                    "acknowledged alert {} ({}); no more notifications until it resolves",
                    a.id, a.rule
                ));
            }
            Ok(0)
        }
        AlertsCommand::Silence {
            rule,
            for_,
            by,
            comment,
        } => {
            if !loaded.config.alerts.rules.iter().any(|r| r.name == rule) {
                let names: Vec<&str> = loaded
                    .config
                    .alerts
                    .rules
                    .iter()
                    .map(|r| r.name.as_str())
                    .collect();
                return Err(
                    Error::usage(format!("no rule named {rule:?} in the config"))
                        .with_hint(if names.is_empty() {
                            "no rules are configured under [[alerts.rules]]".to_owned()
                        } else {
                            format!("rules: {}", names.join(", "))
                        })
                        .into(),
                );
            }
            let d = crate::net::parse_duration(&for_)
                .map_err(|e| Error::usage(format!("--for {for_:?}: {e}")))?;
            if d.is_zero() {
                return Err(Error::usage("--for must be above 0").into());
            }
            let now = chrono::Utc::now();
            let until = crate::store::ts(now + chrono::Duration::from_std(d)?);
            let mut store = ctx.open_store(&loaded)?;
            let by = who(ctx, by);
            let id = store.add_silence(
                &rule,
                &until,
                &by,
                comment.as_deref(),
                &crate::store::ts(now),
            )?;
            crate::cache::announce_write(&loaded.config);
            if ctx.out.json {
                ctx.out.json(&json!({
                    "id": id, "rule": rule, "until": until, "by": by, "comment": comment,
                }));
            } else {
                ctx.out.note(&format!("silenced {rule} until {until}"));
            }
            Ok(0)
        }
    }
}

fn who(ctx: &Ctx, by: Option<String>) -> String {
    by.filter(|b| !b.is_empty())
        .or_else(|| ctx.env_var("USER").filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

fn value_text(v: Option<f64>) -> String {
    v.map_or_else(
        || "no data".into(),
        |v| {
            let s = format!("{v:.4}");
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        },
    )
}

fn labels_text(l: &BTreeMap<String, String>) -> String {
    l.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check(
    ctx: &Ctx,
    loaded: Loaded,
    fail_on: Option<AlertFailOn>,
    dry_run: bool,
    watch: bool,
) -> anyhow::Result<i32> {
    let interval = loaded.config.alerts.interval.0;
    let actx = AlertContext {
        store_options: ctx.store_options(&loaded),
        config: loaded.config,
        db_path: ctx.db_path.clone(),
        env: ctx.env.clone(),
        now: None,
    };
    let opts = CheckOptions { dry_run };
    let threshold = fail_on.map(|f| match f {
        AlertFailOn::Warning => Severity::Warning,
        AlertFailOn::Critical => Severity::Critical,
    });
    let rt = ctx.runtime()?;
    if !watch {
        let report = rt.block_on(crate::alerts::run_once(&actx, &opts))?;
        if report.changed {
            crate::cache::announce_write(&actx.config);
        }
        show(ctx, &report, dry_run);
        let failed = threshold
            .zip(report.max_firing_severity())
            .is_some_and(|(t, s)| s >= t);
        return Ok(if failed { 1 } else { 0 });
    }
    if interval.is_zero() {
        return Err(
            Error::config("config key `alerts.interval`: must be above 0 for --watch").into(),
        );
    }
    rt.block_on(async {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = tokio::signal::ctrl_c() => break,
            }
            match crate::alerts::run_once(&actx, &opts).await {
                Ok(report) => {
                    if report.changed {
                        crate::cache::announce_write(&actx.config);
                    }
                    show(ctx, &report, dry_run)
                }
                // One bad tick (a busy database, a full disk) must not end the loop.
                Err(e) => ctx.out.warn(&format!("alert evaluation failed: {e}")),
            }
        }
        anyhow::Ok(())
    })?;
    Ok(0)
}

fn show(ctx: &Ctx, report: &CheckReport, dry_run: bool) {
    if ctx.out.json {
        ctx.out.json(report);
        return;
    }
    let prefix = if dry_run { "dry run: " } else { "" };
    ctx.out.note(&format!(
        "{prefix}{} rules evaluated: {} firing, {} pending, {} resolved",
        report.evaluated,
        report.firing.len(),
        report.pending.len(),
        report.resolved.len()
    ));
    let rows: Vec<(&str, &AlertSummary)> = report
        .firing
        .iter()
        .map(|a| ("firing", a))
        .chain(report.pending.iter().map(|a| ("pending", a)))
        .chain(report.resolved.iter().map(|a| ("resolved", a)))
        .collect();
    if !rows.is_empty() {
        let mut t = ctx.out.table(&[
            "id", "rule", "severity", "state", "value", "since", "labels",
        ]);
        for (state, a) in rows {
            t.add_row(vec![
                a.id.to_string(),
                a.rule.clone(),
                a.severity.clone(),
                state.to_owned(),
                value_text(a.value),
                a.since.clone().unwrap_or_default(),
                labels_text(&a.labels),
            ]);
        }
        ctx.out.data(&t.to_string());
    }
    for n in &report.notifications {
        let text = format!(
            "notification {} {} via {}: {}{}",
            n.kind,
            n.rule,
            n.channel,
            n.status,
            n.error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
        if n.status == "sent" || n.status == "dry_run" {
            ctx.out.note(&text);
        } else {
            ctx.out.warn(&text);
        }
    }
}
