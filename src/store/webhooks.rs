//! The webhook receiver's tables: one group-committed transaction per batch of deliveries, each
//! claiming its delivery id in `webhook_deliveries`, applying its effect (`traces`, `sync_jobs`)
//! and writing its `webhook_logs` row.

use super::traces::{delete_trace_in, upsert_statement, upsert_trace_with};
use crate::error::{Error, Result};
use crate::traces::TraceRow;
use rusqlite::{
    CachedStatement, Connection, OptionalExtension, Transaction, TransactionBehavior, params,
};

/// One `webhook_logs` row. Holds no secret and no signature header: the receiver never puts
/// them here.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookLogRow {
    pub source: String,
    /// The body, truncated by the receiver (short for rejections).
    pub payload: Option<String>,
    pub status_code: u16,
    pub processing_time_ms: f64,
    pub event_type: Option<String>,
    pub delivery_id: Option<String>,
    pub error: Option<String>,
    pub remote_addr: Option<String>,
}

/// What an accepted delivery changes.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookEffect {
    /// Logged and acknowledged, nothing else.
    None,
    UpsertTrace(Box<TraceRow>),
    DeleteTrace(String),
    /// A `sync_jobs` row: `document_id` set for kind `document`, `None` for kind `collection`.
    QueueSync {
        collection: String,
        document_id: Option<String>,
    },
}

/// One item of a batch: a delivery to apply (claiming `delivery_id` first, when it has one), or
/// a rejection that only writes its log row.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchItem {
    pub log: WebhookLogRow,
    /// `None` for a rejection.
    pub apply: Option<Apply>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Apply {
    pub delivery_id: Option<String>,
    pub effect: WebhookEffect,
}

/// What happened to one item once its batch committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemOutcome {
    /// A rejection's log row was written.
    Logged,
    /// The effect was applied; `job_id` for a queued sync, `existed` for a delete.
    Applied { job_id: Option<i64>, existed: bool },
    /// The delivery id was seen before: logged, not applied again.
    Duplicate,
    /// The item's statements failed and were rolled back alone; the message is for logs.
    Failed(String),
}

const INSERT_LOG: &str = "INSERT INTO webhook_logs (source, payload, status_code, processed_at,
        processing_time_ms, event_type, delivery_id, error, remote_addr)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

const CLAIM_DELIVERY: &str = "INSERT INTO webhook_deliveries (source, delivery_id, received_at)
    VALUES (?1, ?2, ?3) ON CONFLICT (source, delivery_id) DO NOTHING";

const QUEUE_JOB: &str = "INSERT INTO sync_jobs (kind, collection, document_id, source, created_at)
    VALUES (?1, ?2, ?3, ?4, ?5)";

/// The statements every item of a batch may run, looked up in the statement cache once per
/// batch rather than once per item.
struct Statements<'c> {
    log: CachedStatement<'c>,
    claim: CachedStatement<'c>,
    upsert: CachedStatement<'c>,
}

impl<'c> Statements<'c> {
    fn prepare(conn: &'c Connection) -> Result<Statements<'c>> {
        Ok(Statements {
            log: conn.prepare_cached(INSERT_LOG)?,
            claim: conn.prepare_cached(CLAIM_DELIVERY)?,
            upsert: upsert_statement(conn)?,
        })
    }

    fn insert_log(&mut self, row: &WebhookLogRow, at: &str) -> Result<()> {
        self.log.execute(params![
            row.source,
            row.payload,
            row.status_code,
            at,
            row.processing_time_ms,
            row.event_type,
            row.delivery_id,
            row.error,
            row.remote_addr,
        ])?;
        Ok(())
    }

    /// Claims `(source, delivery_id)`; false when it was claimed before.
    fn claim(&mut self, source: &str, id: &str, at: &str) -> Result<bool> {
        Ok(self.claim.execute(params![source, id, at])? > 0)
    }

    fn apply(
        &mut self,
        conn: &Connection,
        source: &str,
        apply: &Apply,
        at: &str,
    ) -> Result<ItemOutcome> {
        if let Some(id) = &apply.delivery_id
            && !self.claim(source, id, at)?
        {
            return Ok(ItemOutcome::Duplicate);
        }
        let (job_id, existed) = match &apply.effect {
            WebhookEffect::None => (None, false),
            WebhookEffect::UpsertTrace(row) => {
                upsert_trace_with(&mut self.upsert, row)?;
                (None, true)
            }
            WebhookEffect::DeleteTrace(id) => (None, delete_trace_in(conn, id)?),
            WebhookEffect::QueueSync {
                collection,
                document_id,
            } => {
                let kind = if document_id.is_some() {
                    "document"
                } else {
                    "collection"
                };
                conn.prepare_cached(QUEUE_JOB)?.execute(params![
                    kind,
                    collection,
                    document_id,
                    source,
                    at
                ])?;
                (Some(conn.last_insert_rowid()), false)
            }
        };
        Ok(ItemOutcome::Applied { job_id, existed })
    }
}

/// Applies a batch in ONE immediate transaction and commits it; returns one outcome per item,
/// in order. One item's failure rolls back only that item (its log row is still written, with
/// the failure). An error means the commit itself failed and nothing of the batch is stored.
///
/// The outcome's status is the caller's to put in the log row, so the caller passes a function
/// that adjusts a log row to what will be answered (e.g. a duplicate's note).
///
/// Items run without a savepoint each: nearly every batch fails no item, and two statements
/// per item are most of what a savepoint costs. When an item fails, that transaction is rolled
/// back and the batch is run again with a savepoint around each item. The other items come out
/// the same the second time, since they run the same statements on the same database, so only
/// the failing item's changes are left out.
pub fn apply_webhook_batch(
    conn: &mut Connection,
    items: &mut [BatchItem],
    settle: &dyn Fn(&mut WebhookLogRow, &ItemOutcome),
) -> Result<Vec<ItemOutcome>> {
    let at = super::now();
    match run_batch(conn, items, settle, &at, false)? {
        Some(outcomes) => Ok(outcomes),
        None => Ok(run_batch(conn, items, settle, &at, true)?.unwrap_or_default()),
    }
}

/// One attempt of [`apply_webhook_batch`]. Without `savepoints`, the first failing item rolls
/// the transaction back and gives `None`; with them, it is an [`ItemOutcome::Failed`].
fn run_batch(
    conn: &mut Connection,
    items: &mut [BatchItem],
    settle: &dyn Fn(&mut WebhookLogRow, &ItemOutcome),
    at: &str,
    savepoints: bool,
) -> Result<Option<Vec<ItemOutcome>>> {
    let t0 = std::time::Instant::now();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let t1 = std::time::Instant::now();
    let mut outcomes = Vec::with_capacity(items.len());
    {
        let mut stmts = Statements::prepare(&tx)?;
        // Every effect first, then every log row: a run that is given up settles no log row,
        // so each row is settled once, by the run that commits.
        for item in items.iter() {
            let outcome = match &item.apply {
                None => ItemOutcome::Logged,
                Some(apply) if savepoints => {
                    let outcome = apply_in_savepoint(&tx, &mut stmts, &item.log.source, apply, at);
                    if let ItemOutcome::Failed(e) = &outcome
                        && tx.is_autocommit()
                    {
                        // SQLite rolled the whole transaction back (a full disk, an I/O
                        // error). The items after this one would be committed one statement
                        // at a time, so the batch fails as a whole instead.
                        return Err(Error::failed(format!(
                            "SQLite rolled the webhook batch back: {e}"
                        )));
                    }
                    outcome
                }
                Some(apply) => match stmts.apply(&tx, &item.log.source, apply, at) {
                    Ok(outcome) => outcome,
                    Err(e) => {
                        tracing::debug!(
                            error = %e,
                            "a webhook item failed; its batch runs again with a savepoint per item"
                        );
                        // Dropping the transaction rolls it back.
                        return Ok(None);
                    }
                },
            };
            outcomes.push(outcome);
        }
        for (item, outcome) in items.iter_mut().zip(&outcomes) {
            settle(&mut item.log, outcome);
            stmts.insert_log(&item.log, at)?;
        }
    }
    let t2 = std::time::Instant::now();
    tx.commit()?;
    let t3 = std::time::Instant::now();
    // Where a slow batch spent its time: waiting for another writer's lock, in its
    // statements, or in the commit (writing the log; truncating it after a restart).
    if t3 - t0 > std::time::Duration::from_millis(20) {
        tracing::debug!(
            batch = items.len(),
            begin_ms = (t1 - t0).as_secs_f64() * 1e3,
            work_ms = (t2 - t1).as_secs_f64() * 1e3,
            commit_ms = (t3 - t2).as_secs_f64() * 1e3,
            "webhook batch: slow transaction"
        );
    }
    Ok(Some(outcomes))
}

fn apply_in_savepoint(
    tx: &Transaction<'_>,
    stmts: &mut Statements<'_>,
    source: &str,
    apply: &Apply,
    at: &str,
) -> ItemOutcome {
    // Prepared once per connection, unlike rusqlite's `Savepoint`, which parses its SQL on
    // every use.
    let result = (|| {
        tx.prepare_cached("SAVEPOINT webhook_item")?.execute([])?;
        match stmts.apply(tx, source, apply, at) {
            Ok(outcome) => {
                tx.prepare_cached("RELEASE webhook_item")?.execute([])?;
                Ok(outcome)
            }
            Err(e) => {
                // Unless SQLite has already rolled back the whole transaction, and the
                // savepoint with it.
                if !tx.is_autocommit() {
                    tx.prepare_cached("ROLLBACK TO webhook_item")?.execute([])?;
                    tx.prepare_cached("RELEASE webhook_item")?.execute([])?;
                }
                Err(e)
            }
        }
    })();
    result.unwrap_or_else(|e: crate::error::Error| {
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            src = s.source();
        }
        ItemOutcome::Failed(msg)
    })
}

/// Counts for tests and `status`: (rows in `webhook_logs`, of which 2xx).
pub fn webhook_log_counts(conn: &Connection) -> Result<(i64, i64)> {
    Ok(conn.query_row(
        "SELECT count(*), count(*) FILTER (WHERE status_code BETWEEN 200 AND 299) FROM webhook_logs",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// Whether a delivery id was already applied for a source.
pub fn delivery_seen(conn: &Connection, source: &str, id: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM webhook_deliveries WHERE source = ?1 AND delivery_id = ?2",
            params![source, id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, StoreOptions};

    fn delivery(id: &str, trace_id: &str) -> BatchItem {
        let trace = serde_json::json!({"id": trace_id, "status": "completed", "startTime": 1000});
        let row =
            crate::traces::from_object(trace.as_object().unwrap(), None, "webhook:lw", 5).unwrap();
        BatchItem {
            log: WebhookLogRow {
                source: "lw".to_owned(),
                payload: Some("{}".to_owned()),
                status_code: 200,
                processing_time_ms: 0.1,
                event_type: Some("trace.updated".to_owned()),
                delivery_id: Some(id.to_owned()),
                error: None,
                remote_addr: None,
            },
            apply: Some(Apply {
                delivery_id: Some(id.to_owned()),
                effect: WebhookEffect::UpsertTrace(Box::new(row)),
            }),
        }
    }

    /// A fresh store whose trace inserts fail for trace id `bad`.
    fn store_refusing_bad() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite3"), &StoreOptions::default()).unwrap();
        store
            .conn()
            .execute_batch(
                "CREATE TEMP TRIGGER refuse BEFORE INSERT ON traces WHEN NEW.trace_id = 'bad'
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
            )
            .unwrap();
        (dir, store)
    }

    /// The first column of every row `sql` selects.
    fn strings(conn: &Connection, sql: &str) -> Vec<String> {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// A batch with a failing item runs twice; each log row is settled once, by the run that
    /// commits, with the outcome that run gave.
    #[test]
    fn a_batch_run_again_settles_each_log_row_once() {
        let (_dir, mut store) = store_refusing_bad();
        let mut items = vec![
            delivery("d1", "good1"),
            delivery("d1", "good2"),
            delivery("d2", "bad"),
        ];
        let settle = |log: &mut WebhookLogRow, outcome: &ItemOutcome| {
            let note = match outcome {
                ItemOutcome::Duplicate => "duplicate",
                ItemOutcome::Failed(_) => "failed",
                _ => "applied",
            };
            let before = log.error.take().map_or(String::new(), |e| e + ";");
            log.error = Some(before + note);
        };
        apply_webhook_batch(store.conn_mut(), &mut items, &settle).unwrap();
        let notes: Vec<String> =
            strings(store.conn(), "SELECT error FROM webhook_logs ORDER BY id");
        assert_eq!(notes, ["applied", "duplicate", "failed"]);
    }

    /// An item whose statements fail is rolled back alone, its delivery id included (a retry
    /// can still apply it); the items around it and every log row are committed.
    #[test]
    fn a_failing_item_is_rolled_back_alone_and_its_id_stays_unclaimed() {
        // The claim succeeds, then the trace upsert fails.
        let (_dir, mut store) = store_refusing_bad();
        let mut items = vec![
            delivery("d1", "good1"),
            delivery("d2", "bad"),
            delivery("d3", "good2"),
            delivery("d1", "good3"),
        ];
        let outcomes = apply_webhook_batch(store.conn_mut(), &mut items, &|_, _| {}).unwrap();
        assert!(
            matches!(outcomes[0], ItemOutcome::Applied { .. }),
            "{outcomes:?}"
        );
        assert!(
            matches!(&outcomes[1], ItemOutcome::Failed(m) if m.contains("refused by the test")),
            "{outcomes:?}"
        );
        assert!(
            matches!(outcomes[2], ItemOutcome::Applied { .. }),
            "{outcomes:?}"
        );
        assert_eq!(outcomes[3], ItemOutcome::Duplicate);
        let conn = store.conn();
        assert!(!delivery_seen(conn, "lw", "d2").unwrap());
        assert!(delivery_seen(conn, "lw", "d3").unwrap());
        let traces: Vec<String> = strings(conn, "SELECT trace_id FROM traces ORDER BY trace_id");
        assert_eq!(traces, ["good1", "good2"]);
        assert_eq!(webhook_log_counts(conn).unwrap().0, 4);
        // The same item again, once the cause is gone, is applied.
        conn.execute_batch("DROP TRIGGER temp.refuse").unwrap();
        let mut retry = vec![delivery("d2", "bad")];
        let outcomes = apply_webhook_batch(store.conn_mut(), &mut retry, &|_, _| {}).unwrap();
        assert!(
            matches!(outcomes[0], ItemOutcome::Applied { .. }),
            "{outcomes:?}"
        );
    }
}
