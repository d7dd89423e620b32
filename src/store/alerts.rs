//! Alert state, history, silences and the notification outbox (`alerts`, `alert_events`,
//! `silences`, `notification_outbox`).

use super::Store;
use crate::error::{Error, Result};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One row of `alerts`: one per rule, or per rule and `group_by` values.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    pub id: i64,
    pub rule: String,
    /// `k=v,k=v` of the group_by labels; empty for an ungrouped rule.
    pub group_key: String,
    /// The rule's filter labels and the group's values.
    pub labels: BTreeMap<String, String>,
    pub severity: String,
    /// `inactive`, `pending`, `firing`, `resolved`.
    pub state: String,
    pub value: Option<f64>,
    pub pending_since: Option<String>,
    pub firing_since: Option<String>,
    pub resolved_at: Option<String>,
    pub last_eval_at: Option<String>,
    /// When a notification of the current episode was last queued.
    pub last_notified_at: Option<String>,
    pub acked_by: Option<String>,
    pub acked_at: Option<String>,
    pub ack_comment: Option<String>,
    pub fingerprint: String,
    /// How many times the alert has entered `firing`.
    pub episode: i64,
}

const ALERT_COLUMNS: &str = "id, rule, group_key, labels, severity, state, value, pending_since,
    firing_since, resolved_at, last_eval_at, last_notified_at, acked_by, acked_at, ack_comment,
    fingerprint, episode";

fn alert_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AlertRow> {
    let labels: String = r.get(3)?;
    Ok(AlertRow {
        id: r.get(0)?,
        rule: r.get(1)?,
        group_key: r.get(2)?,
        labels: serde_json::from_str(&labels).unwrap_or_default(),
        severity: r.get(4)?,
        state: r.get(5)?,
        value: r.get(6)?,
        pending_since: r.get(7)?,
        firing_since: r.get(8)?,
        resolved_at: r.get(9)?,
        last_eval_at: r.get(10)?,
        last_notified_at: r.get(11)?,
        acked_by: r.get(12)?,
        acked_at: r.get(13)?,
        ack_comment: r.get(14)?,
        fingerprint: r.get(15)?,
        episode: r.get(16)?,
    })
}

/// One row of `alert_events`, as `alerts history --json` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRow {
    pub id: i64,
    pub alert_id: Option<i64>,
    pub rule: String,
    /// `pending`, `firing`, `resolved`, `ack`, `silence`, `notified`.
    pub kind: String,
    pub at: String,
    pub value: Option<f64>,
    pub by: Option<String>,
    pub comment: Option<String>,
    /// For `silence`: until when the rule is muted.
    pub until: Option<String>,
}

/// An event to record.
#[derive(Debug, Clone, Default)]
pub struct NewEvent<'a> {
    pub alert_id: Option<i64>,
    pub rule: &'a str,
    pub kind: &'a str,
    pub at: &'a str,
    pub value: Option<f64>,
    pub by: Option<&'a str>,
    pub comment: Option<&'a str>,
    pub until: Option<&'a str>,
}

/// One row of `notification_outbox`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub alert_id: Option<i64>,
    pub channel: String,
    /// `firing`, `repeat`, `resolved`.
    pub kind: String,
    pub dedup_key: String,
    pub payload: String,
    pub status: String,
    /// Attempts made, counting the one this claim is for.
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
}

fn insert_event(tx: &rusqlite::Connection, e: &NewEvent<'_>) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO alert_events (alert_id, rule, kind, at, value, by, comment, until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        e.alert_id, e.rule, e.kind, e.at, e.value, e.by, e.comment, e.until
    ])?;
    Ok(tx.last_insert_rowid())
}

/// The alert-state writes of one evaluation, inside one IMMEDIATE transaction.
pub struct AlertsTx<'a> {
    tx: &'a Transaction<'a>,
}

impl AlertsTx<'_> {
    pub fn alerts_of_rule(&self, rule: &str) -> Result<Vec<AlertRow>> {
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE rule = ?1 ORDER BY id"
        ))?;
        Ok(stmt
            .query_map([rule], alert_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Pending or firing alerts of rules not in `rules`.
    pub fn active_alerts_not_of(&self, rules: &[&str]) -> Result<Vec<AlertRow>> {
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE state IN ('pending', 'firing') ORDER BY id"
        ))?;
        let all: Vec<AlertRow> = stmt
            .query_map([], alert_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(all
            .into_iter()
            .filter(|a| !rules.contains(&a.rule.as_str()))
            .collect())
    }

    /// Insert a new alert; returns its id.
    pub fn insert_alert(&self, a: &AlertRow) -> Result<i64> {
        self.tx
            .prepare_cached(
                "INSERT INTO alerts (rule, group_key, labels, severity, state, value,
                    pending_since, firing_since, resolved_at, last_eval_at, last_notified_at,
                    acked_by, acked_at, ack_comment, fingerprint, episode)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )?
            .execute(params![
                a.rule,
                a.group_key,
                serde_json::to_string(&a.labels).unwrap_or_else(|_| "{}".into()),
                a.severity,
                a.state,
                a.value,
                a.pending_since,
                a.firing_since,
                a.resolved_at,
                a.last_eval_at,
                a.last_notified_at,
                a.acked_by,
                a.acked_at,
                a.ack_comment,
                a.fingerprint,
                a.episode,
            ])?;
        Ok(self.tx.last_insert_rowid())
    }

    pub fn update_alert(&self, a: &AlertRow) -> Result<()> {
        self.tx
            .prepare_cached(
                "UPDATE alerts SET labels = ?2, severity = ?3, state = ?4, value = ?5,
                    pending_since = ?6, firing_since = ?7, resolved_at = ?8, last_eval_at = ?9,
                    last_notified_at = ?10, acked_by = ?11, acked_at = ?12, ack_comment = ?13,
                    episode = ?14
                 WHERE id = ?1",
            )?
            .execute(params![
                a.id,
                serde_json::to_string(&a.labels).unwrap_or_else(|_| "{}".into()),
                a.severity,
                a.state,
                a.value,
                a.pending_since,
                a.firing_since,
                a.resolved_at,
                a.last_eval_at,
                a.last_notified_at,
                a.acked_by,
                a.acked_at,
                a.ack_comment,
                a.episode,
            ])?;
        Ok(())
    }

    pub fn event(&self, e: &NewEvent<'_>) -> Result<i64> {
        insert_event(self.tx, e)
    }

    /// The latest `until` of the rule's silences still in force at `now`.
    pub fn silenced_until(&self, rule: &str, now: &str) -> Result<Option<String>> {
        Ok(self
            .tx
            .prepare_cached("SELECT max(until) FROM silences WHERE rule = ?1 AND until > ?2")?
            .query_row(params![rule, now], |r| r.get(0))?)
    }

    /// Queue a notification unless one with the same `dedup_key` exists; returns whether it
    /// was queued.
    pub fn enqueue(
        &self,
        alert_id: i64,
        channel: &str,
        kind: &str,
        dedup_key: &str,
        payload: &str,
        now: &str,
    ) -> Result<bool> {
        let n = self
            .tx
            .prepare_cached(
                "INSERT INTO notification_outbox (alert_id, channel, kind, dedup_key, payload,
                    status, attempts, next_attempt_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?6)
                 ON CONFLICT (dedup_key) DO NOTHING",
            )?
            .execute(params![alert_id, channel, kind, dedup_key, payload, now])?;
        Ok(n > 0)
    }
}

/// An alert as `alerts list --json` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertListItem {
    pub id: i64,
    pub rule: String,
    pub severity: String,
    pub state: String,
    pub value: Option<f64>,
    /// When the current state began.
    pub since: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub acked_by: Option<String>,
    pub silenced_until: Option<String>,
}

impl AlertRow {
    /// When the current state began.
    pub fn since(&self) -> Option<String> {
        match self.state.as_str() {
            "firing" => self.firing_since.clone(),
            "pending" => self.pending_since.clone(),
            "resolved" => self.resolved_at.clone(),
            _ => self.last_eval_at.clone(),
        }
    }
}

impl Store {
    /// Run `f` over the alert tables in one IMMEDIATE transaction; committed only when
    /// `commit` (a dry run rolls everything back).
    pub fn alerts_tx<T>(
        &mut self,
        commit: bool,
        f: impl FnOnce(&AlertsTx<'_>) -> Result<T>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&AlertsTx { tx: &tx })?;
        if commit {
            tx.commit()?;
        } else {
            tx.rollback()?;
        }
        Ok(out)
    }

    /// Alerts for `alerts list`: pending and firing, or every alert with `all`.
    pub fn list_alerts(&self, all: bool, now: &str) -> Result<Vec<AlertListItem>> {
        let filter = if all {
            ""
        } else {
            "WHERE a.state IN ('pending', 'firing')"
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {cols}, (SELECT max(until) FROM silences s WHERE s.rule = a.rule AND s.until > ?1)
             FROM alerts a {filter}
             ORDER BY CASE a.state WHEN 'firing' THEN 0 WHEN 'pending' THEN 1 WHEN 'resolved' THEN 2 ELSE 3 END, a.id",
            cols = ALERT_COLUMNS
                .split(',')
                .map(|c| format!("a.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ")
        ))?;
        let rows = stmt.query_map([now], |r| {
            Ok((alert_row(r)?, r.get::<_, Option<String>>(17)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (a, silenced_until) = row?;
            out.push(AlertListItem {
                id: a.id,
                since: a.since(),
                rule: a.rule,
                severity: a.severity,
                state: a.state,
                value: a.value,
                labels: a.labels,
                acked_by: a.acked_by,
                silenced_until,
            });
        }
        Ok(out)
    }

    pub fn alert(&self, id: i64) -> Result<Option<AlertRow>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?1"),
                [id],
                alert_row,
            )
            .optional()?)
    }

    /// Acknowledge a firing alert: no more notifications until it resolves.
    pub fn ack_alert(
        &mut self,
        id: i64,
        by: &str,
        comment: Option<&str>,
        now: &str,
    ) -> Result<AlertRow> {
        self.write(|tx| {
            let a = tx
                .query_row(
                    &format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?1"),
                    [id],
                    alert_row,
                )
                .optional()?
                .ok_or_else(|| {
                    Error::failed(format!("no alert with id {id}"))
                        .with_hint("`vdt alerts list` shows the ids")
                })?;
            if a.state != "firing" {
                return Err(Error::failed(format!(
                    "alert {id} ({}) is {}, not firing; only a firing alert can be acknowledged",
                    a.rule, a.state
                )));
            }
            tx.execute(
                "UPDATE alerts SET acked_by = ?2, acked_at = ?3, ack_comment = ?4 WHERE id = ?1",
                params![id, by, now, comment],
            )?;
            insert_event(
                tx,
                &NewEvent {
                    alert_id: Some(id),
                    rule: &a.rule,
                    kind: "ack",
                    at: now,
                    value: a.value,
                    by: Some(by),
                    comment,
                    until: None,
                },
            )?;
            Ok(AlertRow {
                acked_by: Some(by.to_owned()),
                acked_at: Some(now.to_owned()),
                ack_comment: comment.map(str::to_owned),
                ..a
            })
        })
    }

    /// Mute a rule until `until`; recorded as a `silence` event. Returns the silence id.
    pub fn add_silence(
        &mut self,
        rule: &str,
        until: &str,
        by: &str,
        comment: Option<&str>,
        now: &str,
    ) -> Result<i64> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO silences (rule, until, created_at, by, comment) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![rule, until, now, by, comment],
            )?;
            let id = tx.last_insert_rowid();
            insert_event(
                tx,
                &NewEvent {
                    alert_id: None,
                    rule,
                    kind: "silence",
                    at: now,
                    value: None,
                    by: Some(by),
                    comment,
                    until: Some(until),
                },
            )?;
            Ok(id)
        })
    }

    /// History, newest first.
    pub fn alert_events(&self, limit: u32, rule: Option<&str>) -> Result<Vec<EventRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, alert_id, rule, kind, at, value, by, comment, until FROM alert_events
             WHERE ?1 IS NULL OR rule = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![rule, limit], |r| {
            Ok(EventRow {
                id: r.get(0)?,
                alert_id: r.get(1)?,
                rule: r.get(2)?,
                kind: r.get(3)?,
                at: r.get(4)?,
                value: r.get(5)?,
                by: r.get(6)?,
                comment: r.get(7)?,
                until: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Claim up to `limit` due notifications for this sender until `lease_until`: pending rows
    /// whose next attempt is due, and rows whose previous sender's lease ran out. The claim is
    /// one IMMEDIATE transaction, so two senders never claim the same row.
    pub fn claim_notifications(
        &mut self,
        now: &str,
        lease_until: &str,
        limit: u32,
    ) -> Result<Vec<OutboxRow>> {
        self.write(|tx| {
            let mut stmt = tx.prepare(
                "UPDATE notification_outbox
                    SET status = 'sending', claimed_until = ?2, attempts = attempts + 1
                  WHERE id IN (SELECT id FROM notification_outbox
                                WHERE (status = 'pending' AND next_attempt_at <= ?1)
                                   OR (status = 'sending' AND claimed_until <= ?1)
                                ORDER BY id LIMIT ?3)
                 RETURNING id, alert_id, channel, kind, dedup_key, payload, status, attempts,
                           next_attempt_at, last_error",
            )?;
            let rows = stmt.query_map(params![now, lease_until, limit], |r| {
                Ok(OutboxRow {
                    id: r.get(0)?,
                    alert_id: r.get(1)?,
                    channel: r.get(2)?,
                    kind: r.get(3)?,
                    dedup_key: r.get(4)?,
                    payload: r.get(5)?,
                    status: r.get(6)?,
                    attempts: r.get(7)?,
                    next_attempt_at: r.get(8)?,
                    last_error: r.get(9)?,
                })
            })?;
            let mut out: Vec<OutboxRow> = rows.collect::<rusqlite::Result<_>>()?;
            out.sort_by_key(|o| o.id);
            Ok(out)
        })
    }

    /// A claimed notification went out: mark it sent and record a `notified` event.
    pub fn notification_sent(
        &mut self,
        n: &OutboxRow,
        rule: &str,
        value: Option<f64>,
        now: &str,
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE notification_outbox SET status = 'sent', sent_at = ?2, claimed_until = NULL,
                    last_error = NULL WHERE id = ?1",
                params![n.id, now],
            )?;
            insert_event(
                tx,
                &NewEvent {
                    alert_id: n.alert_id,
                    rule,
                    kind: "notified",
                    at: now,
                    value,
                    by: None,
                    comment: Some(&format!("{} via {}", n.kind, n.channel)),
                    until: None,
                },
            )?;
            Ok(())
        })
    }

    /// A claimed notification failed: retry at `next_attempt_at`, or, with `None`, record the
    /// final failure.
    pub fn notification_failed(
        &mut self,
        id: i64,
        error: &str,
        next_attempt_at: Option<&str>,
    ) -> Result<()> {
        self.write(|tx| {
            match next_attempt_at {
                Some(at) => tx.execute(
                    "UPDATE notification_outbox SET status = 'pending', next_attempt_at = ?2,
                        claimed_until = NULL, last_error = ?3 WHERE id = ?1",
                    params![id, at, error],
                )?,
                None => tx.execute(
                    "UPDATE notification_outbox SET status = 'failed', claimed_until = NULL,
                        last_error = ?2 WHERE id = ?1",
                    params![id, error],
                )?,
            };
            Ok(())
        })
    }
}
