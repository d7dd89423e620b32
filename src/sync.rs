//! The sync engine: Firestore → SQLite. Full runs page by `__name__`; incremental runs follow
//! a composite (cursor field, name) cursor with an overlap window; collections without a cursor
//! are re-listed writing only changed rows; a key-only scan finds deletes. Each page commits in
//! one transaction, so a killed run loses nothing and the next run converges.
//! `run_once` is what `vdt sync` calls once and `--watch` / `serve` call on an interval.

use crate::config::{CollectionKind, Config, SyncConfig};
use crate::error::{Error, Result};
use crate::firestore::{Client, ClientConfig, Document, FirestoreError, Order, PageQuery};
use crate::store::collections::CollectionRow;
use crate::store::sync::{DocRow, Page};
use crate::store::{Store, StoreOptions};
use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one run is asked to do.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Only these collections (all enabled ones when empty).
    pub only: Vec<String>,
    pub full: bool,
    /// Read from Firestore, write nothing.
    pub dry_run: bool,
}

/// One collection's outcome: the `collections[]` entry of `sync --json`.
#[derive(Debug, Clone, Serialize)]
pub struct CollectionReport {
    pub name: String,
    pub status: &'static str,
    pub records_synced: u64,
    pub records_deleted: u64,
    pub duration_ms: u64,
    pub error: Option<String>,
    /// full, incremental or relist.
    pub mode: &'static str,
    /// Documents read from Firestore.
    pub records_read: u64,
    #[serde(skip)]
    pub unavailable: bool,
}

/// The `sync --json` document.
#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    pub status: &'static str,
    pub collections: Vec<CollectionReport>,
    /// Queued sync jobs run in this pass.
    pub jobs: JobsReport,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct JobsReport {
    pub done: u64,
    pub failed: u64,
}

impl SyncReport {
    /// Whether the pass changed mirrored data (rows written or deleted, jobs run): what the
    /// cache generation is bumped for.
    pub fn wrote_data(&self) -> bool {
        self.collections
            .iter()
            .any(|c| c.records_synced + c.records_deleted > 0)
            || self.jobs.done > 0
    }

    fn summarize(collections: Vec<CollectionReport>, jobs: JobsReport) -> SyncReport {
        let failed = collections.iter().filter(|c| c.status == "error").count();
        let status = if failed == 0 {
            "success"
        } else if failed == collections.len() {
            "error"
        } else {
            "partial"
        };
        SyncReport {
            status,
            collections,
            jobs,
        }
    }

    /// Exit code of a one-shot run: 0, 1 when a collection failed, 69 when Firestore could not
    /// be reached at all.
    pub fn exit_code(&self) -> i32 {
        let failed: Vec<_> = self
            .collections
            .iter()
            .filter(|c| c.status == "error")
            .collect();
        if failed.is_empty() {
            crate::error::exit::OK
        } else if failed.len() == self.collections.len() && failed.iter().all(|c| c.unavailable) {
            crate::error::exit::UNAVAILABLE
        } else {
            crate::error::exit::FAILED
        }
    }
}

/// Progress events for a terminal display; the engine never prints.
#[derive(Debug, Clone)]
pub enum Progress {
    Started {
        collection: String,
        mode: &'static str,
    },
    Page {
        collection: String,
        read: u64,
        written: u64,
    },
    Finished {
        collection: String,
    },
}

pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Full,
    Incremental,
    Relist,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Incremental => "incremental",
            Mode::Relist => "relist",
        }
    }
}

/// Build a Firestore client from `[firestore]`; not configured is a config error.
pub fn client_from_config(cfg: &Config) -> Result<Client> {
    Client::new(client_config(cfg)?).map_err(|e| firestore_error(&e))
}

/// The client settings `[firestore]` describes; not configured is a config error.
pub fn client_config(cfg: &Config) -> Result<ClientConfig> {
    let fs = &cfg.firestore;
    let project = fs
        .project_id
        .clone()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            Error::config("config key `firestore.project_id` is not set")
                .with_hint("run `vdt init`, or set VDT_FIRESTORE__PROJECT_ID")
        })?;
    if fs.emulator_host.is_none() && fs.credentials_file.is_none() {
        return Err(Error::config(
            "Firestore needs `firestore.emulator_host` or `firestore.credentials_file`",
        )
        .with_hint("or set FIRESTORE_EMULATOR_HOST / GOOGLE_APPLICATION_CREDENTIALS"));
    }
    let mut cc = ClientConfig::new(project);
    cc.database = fs.database.clone();
    cc.emulator_host = fs.emulator_host.clone();
    cc.credentials_file = fs.credentials_file.clone();
    cc.base_url = fs.base_url.clone();
    cc.timeout = fs.timeout.0;
    Ok(cc)
}

/// Map a Firestore error to the CLI's classes (69 unreachable, 78 credentials, else 1).
pub fn firestore_error(e: &FirestoreError) -> Error {
    let msg = e.to_string();
    let err = if e.is_unavailable() {
        Error::unavailable(msg)
    } else if matches!(
        e,
        FirestoreError::Credentials(_) | FirestoreError::Invalid(_)
    ) {
        Error::config(msg)
    } else {
        Error::failed(msg)
    };
    match e.hint() {
        Some(h) => err.with_hint(h),
        None => err,
    }
}

/// The engine: a client, the database, the sync settings.
pub struct Engine {
    client: Client,
    db_path: PathBuf,
    store_opts: StoreOptions,
    cfg: SyncConfig,
}

impl Engine {
    pub fn new(cfg: &Config, db_path: PathBuf, store_opts: StoreOptions) -> Result<Arc<Engine>> {
        Ok(Arc::new(Engine {
            client: client_from_config(cfg)?,
            db_path,
            store_opts,
            cfg: cfg.sync.clone(),
        }))
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    fn open(&self) -> Result<Store> {
        Store::open(&self.db_path, &self.store_opts)
    }

    /// One pass: the chosen collections, concurrently (bounded by `sync.concurrency`), then
    /// the queued sync jobs. The caller holds the sync lock unless `dry_run`.
    pub async fn run_once(
        self: &Arc<Self>,
        opts: &RunOptions,
        progress: ProgressFn,
    ) -> Result<SyncReport> {
        let mut store = self.open()?;
        if !opts.dry_run {
            let n = store.mark_interrupted()?;
            if n > 0 {
                tracing::warn!(
                    runs = n,
                    "marked runs left in progress by a dead process as interrupted"
                );
            }
            store.requeue_stale_jobs()?;
        }
        let all = store.collections()?;
        let chosen: Vec<CollectionRow> = if opts.only.is_empty() {
            all.into_iter().filter(|c| c.enabled).collect()
        } else {
            let mut out = Vec::new();
            for name in &opts.only {
                match all.iter().find(|c| &c.name == name) {
                    Some(c) => out.push(c.clone()),
                    None => {
                        return Err(crate::store::collections::not_found(name));
                    }
                }
            }
            out
        };
        drop(store);
        let sem = Arc::new(tokio::sync::Semaphore::new(
            self.cfg.concurrency.max(1) as usize
        ));
        let mut set = tokio::task::JoinSet::new();
        for (i, row) in chosen.into_iter().enumerate() {
            let engine = Arc::clone(self);
            let sem = Arc::clone(&sem);
            let progress = Arc::clone(&progress);
            let (full, dry) = (opts.full, opts.dry_run);
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                (i, engine.sync_collection(&row, full, dry, &progress).await)
            });
        }
        let mut reports = Vec::new();
        while let Some(done) = set.join_next().await {
            match done {
                Ok(r) => reports.push(r),
                Err(e) => return Err(Error::Internal(format!("sync task failed: {e}"))),
            }
        }
        reports.sort_by_key(|(i, _)| *i);
        let reports = reports.into_iter().map(|(_, r)| r).collect();
        let jobs = if opts.dry_run {
            JobsReport::default()
        } else {
            self.run_jobs(&progress).await?
        };
        Ok(SyncReport::summarize(reports, jobs))
    }

    /// Sync one collection, recording the run in `sync_status`. Never fails as a whole: errors
    /// land in the report and the run's row.
    pub async fn sync_collection(
        &self,
        row: &CollectionRow,
        force_full: bool,
        dry_run: bool,
        progress: &ProgressFn,
    ) -> CollectionReport {
        let start = Instant::now();
        let mut report = CollectionReport {
            name: row.name.clone(),
            status: "success",
            records_synced: 0,
            records_deleted: 0,
            duration_ms: 0,
            error: None,
            mode: "full",
            records_read: 0,
            unavailable: false,
        };
        let outcome = self
            .sync_inner(row, force_full, dry_run, progress, &mut report, start)
            .await;
        report.duration_ms = start.elapsed().as_millis() as u64;
        if let Err(e) = outcome {
            report.status = "error";
            report.unavailable = matches!(e, Error::Unavailable { .. });
            let mut text = e.to_string();
            if let Some(h) = e.hint() {
                text.push_str(&format!(" (hint: {h})"));
            }
            report.error = Some(text);
        }
        progress(Progress::Finished {
            collection: row.name.clone(),
        });
        report
    }

    async fn sync_inner(
        &self,
        row: &CollectionRow,
        force_full: bool,
        dry_run: bool,
        progress: &ProgressFn,
        report: &mut CollectionReport,
        start: Instant,
    ) -> Result<()> {
        let mut store = self.open()?;
        let state = store.sync_state(&row.name)?;
        let mode = if force_full || state.last_full_at.is_none() {
            Mode::Full
        } else if row.cursor_field.is_some() && state.cursor_value.is_some() {
            Mode::Incremental
        } else if row.cursor_field.is_some() {
            Mode::Full
        } else {
            Mode::Relist
        };
        report.mode = mode.as_str();
        progress(Progress::Started {
            collection: row.name.clone(),
            mode: mode.as_str(),
        });
        let run_id = if dry_run {
            None
        } else {
            Some(store.begin_sync_run(&row.name, mode.as_str())?)
        };
        let result = match mode {
            Mode::Full | Mode::Relist => {
                self.scan_all(&mut store, row, mode, dry_run, progress, report)
                    .await
            }
            Mode::Incremental => {
                let r = self
                    .incremental(&mut store, row, &state, dry_run, progress, report)
                    .await;
                if r.is_ok() && !dry_run && self.reconcile_due(&state) {
                    self.reconcile(&mut store, row, report).await
                } else {
                    r
                }
            }
        };
        if let Some(id) = run_id {
            let err = result.as_ref().err().map(|e| e.to_string());
            store.finish_sync_run(
                id,
                result.is_ok(),
                report.records_synced,
                report.records_deleted,
                start.elapsed().as_millis() as u64,
                err.as_deref(),
            )?;
        }
        result
    }

    fn reconcile_due(&self, state: &crate::store::sync::SyncState) -> bool {
        let every = self.cfg.reconcile_every.0;
        match state
            .last_reconcile_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        {
            Some(t) => {
                let age = chrono::Utc::now().signed_duration_since(t);
                age.to_std().unwrap_or_default() >= every
            }
            None => true,
        }
    }

    /// Read every document by name. Full: write all and reconcile deletes from the ids seen.
    /// Relist: write only changed rows; reconcile when due.
    async fn scan_all(
        &self,
        store: &mut Store,
        row: &CollectionRow,
        mode: Mode,
        dry_run: bool,
        progress: &ProgressFn,
        report: &mut CollectionReport,
    ) -> Result<()> {
        let source = format!("firestore:{}", row.name);
        let kind: CollectionKind = row.kind.parse().unwrap_or_default();
        let cursor_field = row.cursor_field.clone();
        let mut best: Option<(SortKey, String, String)> = None;
        let state = store.sync_state(&row.name)?;
        let reconcile = mode == Mode::Full || self.reconcile_due(&state);
        if !dry_run && reconcile {
            store.reconcile_begin()?;
        }
        let only_changed = mode == Mode::Relist;
        let name = row.name.clone();
        self.scan(&row.name, Order::ByName, false, None, |docs| {
            report.records_read += docs.len() as u64;
            if let Some(f) = &cursor_field {
                for d in &docs {
                    if let Some(raw) = crate::firestore::lookup_field(&d.fields, f)
                        && let Some(k) = SortKey::of(raw)
                    {
                        let cand = (k, d.name.clone());
                        if best
                            .as_ref()
                            .is_none_or(|(bk, bn, _)| cand > (bk.clone(), bn.clone()))
                        {
                            best = Some((cand.0, cand.1, raw.to_string()));
                        }
                    }
                }
            }
            if dry_run {
                report.records_synced += docs.len() as u64;
            } else {
                let (rows, traces) = to_rows(&docs, kind, &source);
                let written = store.apply_page(&Page {
                    collection: &name,
                    docs: &rows,
                    traces: &traces,
                    only_changed,
                    cursor: None,
                })?;
                report.records_synced += written;
                if reconcile {
                    let ids: Vec<String> = rows.into_iter().map(|r| r.doc_id).collect();
                    store.reconcile_seen(&ids)?;
                }
            }
            progress(Progress::Page {
                collection: name.clone(),
                read: report.records_read,
                written: report.records_synced,
            });
            Ok(())
        })
        .await?;
        if dry_run {
            return Ok(());
        }
        if reconcile {
            report.records_deleted = store.reconcile_finish(&row.name, &source)?;
        }
        if let Some((_, doc_name, raw)) = best {
            store.apply_page(&Page {
                collection: &row.name,
                docs: &[],
                traces: &[],
                only_changed: true,
                cursor: Some((&raw, &doc_name)),
            })?;
        }
        if mode == Mode::Full {
            store.mark_full_done(&row.name, true)?;
        } else if reconcile {
            store.mark_reconciled(&row.name)?;
        }
        Ok(())
    }

    /// Documents at or after the cursor minus the overlap window, by (field, name).
    async fn incremental(
        &self,
        store: &mut Store,
        row: &CollectionRow,
        state: &crate::store::sync::SyncState,
        dry_run: bool,
        progress: &ProgressFn,
        report: &mut CollectionReport,
    ) -> Result<()> {
        let field = row
            .cursor_field
            .clone()
            .expect("incremental needs a cursor field");
        let raw: Value = state
            .cursor_value
            .as_deref()
            .and_then(|v| serde_json::from_str(v).ok())
            .ok_or_else(|| Error::Internal(format!("{}: stored cursor is unreadable", row.name)))?;
        let from = overlap(&raw, self.cfg.overlap.0);
        let source = format!("firestore:{}", row.name);
        let kind: CollectionKind = row.kind.parse().unwrap_or_default();
        let name = row.name.clone();
        let order = Order::ByField(field.clone());
        self.scan(&row.name, order, false, Some(from), |docs| {
            report.records_read += docs.len() as u64;
            let last = docs.last().and_then(|d| {
                crate::firestore::lookup_field(&d.fields, &field)
                    .map(|v| (v.to_string(), d.name.clone()))
            });
            if dry_run {
                return Ok(());
            }
            let (rows, traces) = to_rows(&docs, kind, &source);
            let written = store.apply_page(&Page {
                collection: &name,
                docs: &rows,
                traces: &traces,
                only_changed: true,
                cursor: last.as_ref().map(|(v, n)| (v.as_str(), n.as_str())),
            })?;
            report.records_synced += written;
            progress(Progress::Page {
                collection: name.clone(),
                read: report.records_read,
                written: report.records_synced,
            });
            Ok(())
        })
        .await
    }

    /// The key-only scan: every live mirrored document Firestore no longer has is deleted.
    async fn reconcile(
        &self,
        store: &mut Store,
        row: &CollectionRow,
        report: &mut CollectionReport,
    ) -> Result<()> {
        store.reconcile_begin()?;
        self.scan(&row.name, Order::ByName, true, None, |docs| {
            let ids: Vec<String> = docs.into_iter().map(|d| d.id).collect();
            store.reconcile_seen(&ids)
        })
        .await?;
        report.records_deleted =
            store.reconcile_finish(&row.name, &format!("firestore:{}", row.name))?;
        store.mark_reconciled(&row.name)?;
        Ok(())
    }

    /// Page through a query, fetching the next page while the current one is written.
    async fn scan(
        &self,
        collection: &str,
        order: Order,
        keys_only: bool,
        at_least: Option<Value>,
        mut on_page: impl FnMut(Vec<Document>) -> Result<()>,
    ) -> Result<()> {
        let limit = self.cfg.page_size.max(1);
        let mut q = PageQuery::new(order, limit);
        q.keys_only = keys_only;
        q.field_at_least = at_least;
        let fetch = |q: PageQuery| {
            let client = self.client.clone();
            let collection = collection.to_owned();
            tokio::spawn(async move { client.query_page(&collection, &q).await })
        };
        let mut next = Some(fetch(q.clone()));
        while let Some(handle) = next.take() {
            let docs = handle
                .await
                .map_err(|e| Error::Internal(format!("page fetch task failed: {e}")))?
                .map_err(|e| firestore_error(&e))?;
            if docs.len() as u32 >= limit
                && let Some(last) = docs.last()
            {
                q.start_after = Some(last.cursor(&q.order));
                next = Some(fetch(q.clone()));
            }
            if docs.is_empty() {
                break;
            }
            tokio::task::block_in_place(|| on_page(docs))?;
        }
        Ok(())
    }

    /// Run queued `sync_jobs`: fetch one document, or sync one collection.
    pub async fn run_jobs(&self, progress: &ProgressFn) -> Result<JobsReport> {
        let mut report = JobsReport::default();
        loop {
            let mut store = self.open()?;
            let jobs = store.claim_sync_jobs(100)?;
            if jobs.is_empty() {
                return Ok(report);
            }
            for job in jobs {
                let row = store.collection(&job.collection)?.unwrap_or(CollectionRow {
                    name: job.collection.clone(),
                    kind: "documents".into(),
                    sync_frequency: self.cfg.default_frequency.0.as_secs().max(1),
                    enabled: true,
                    cursor_field: None,
                    created_at: String::new(),
                });
                let outcome: Result<()> = match (job.kind.as_str(), &job.document_id) {
                    ("document", Some(id)) => self.fetch_document(&mut store, &row, id).await,
                    _ => {
                        let r = self.sync_collection(&row, false, false, progress).await;
                        match r.error {
                            Some(e) => Err(Error::failed(e)),
                            None => Ok(()),
                        }
                    }
                };
                let err = outcome.as_ref().err().map(|e| e.to_string());
                store.finish_sync_job(job.id, err.as_deref())?;
                if err.is_some() {
                    report.failed += 1;
                } else {
                    report.done += 1;
                }
            }
        }
    }

    async fn fetch_document(&self, store: &mut Store, row: &CollectionRow, id: &str) -> Result<()> {
        let source = format!("firestore:{}", row.name);
        match self
            .client
            .get_document(&row.name, id)
            .await
            .map_err(|e| firestore_error(&e))?
        {
            Some(doc) => {
                let kind: CollectionKind = row.kind.parse().unwrap_or_default();
                let (rows, traces) = to_rows(std::slice::from_ref(&doc), kind, &source);
                store.apply_page(&Page {
                    collection: &row.name,
                    docs: &rows,
                    traces: &traces,
                    only_changed: false,
                    cursor: None,
                })?;
            }
            None => {
                store.mark_document_deleted(&row.name, id, &source)?;
            }
        }
        Ok(())
    }
}

/// Documents to mirror rows, plus trace projections for `traces` collections.
fn to_rows(
    docs: &[Document],
    kind: CollectionKind,
    source: &str,
) -> (Vec<DocRow>, Vec<crate::traces::TraceRow>) {
    let now_ms = chrono::Utc::now().timestamp_millis();
    let mut rows = Vec::with_capacity(docs.len());
    let mut traces = Vec::new();
    for d in docs {
        let data = d.data();
        if kind == CollectionKind::Traces
            && let Some(obj) = data.as_object()
            && let Some(t) = crate::traces::from_object(obj, Some(&d.id), source, now_ms)
        {
            traces.push(t);
        }
        rows.push(DocRow {
            doc_id: d.id.clone(),
            data: data.to_string(),
            create_time: d.create_time.clone(),
            update_time: d.update_time.clone(),
        });
    }
    // apply_page pairs traces with docs by position when writing only changed rows.
    if kind == CollectionKind::Traces && traces.len() != rows.len() {
        traces = docs
            .iter()
            .map(|d| {
                let data = d.data();
                let obj = data.as_object().cloned().unwrap_or_default();
                crate::traces::from_object(&obj, Some(&d.id), source, now_ms)
                    .expect("a fallback id always yields a row")
            })
            .collect();
    }
    (rows, traces)
}

/// Move a raw cursor value back by the overlap window, where its type carries time.
fn overlap(raw: &Value, by: Duration) -> Value {
    let ms = by.as_millis() as i64;
    if ms == 0 {
        return raw.clone();
    }
    let shift_time = |s: &str| -> Option<String> {
        let t = chrono::DateTime::parse_from_rfc3339(s).ok()?;
        let t = t.with_timezone(&chrono::Utc) - chrono::Duration::milliseconds(ms);
        Some(t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    };
    if let Some(s) = raw.get("timestampValue").and_then(Value::as_str)
        && let Some(t) = shift_time(s)
    {
        return serde_json::json!({ "timestampValue": t });
    }
    if let Some(n) = raw.get("integerValue").and_then(|v| {
        v.as_str()
            .and_then(|s| s.parse::<i64>().ok())
            .or_else(|| v.as_i64())
    }) {
        // Epoch milliseconds, or seconds when the number is too small to be milliseconds.
        let shift = if n.abs() < 100_000_000_000 {
            ms / 1000
        } else {
            ms
        };
        return serde_json::json!({ "integerValue": (n - shift).to_string() });
    }
    if let Some(f) = raw.get("doubleValue").and_then(Value::as_f64) {
        let shift = if f.abs() < 1e11 {
            ms as f64 / 1000.0
        } else {
            ms as f64
        };
        return serde_json::json!({ "doubleValue": f - shift });
    }
    if let Some(s) = raw.get("stringValue").and_then(Value::as_str)
        && let Some(t) = shift_time(s)
    {
        return serde_json::json!({ "stringValue": t });
    }
    raw.clone()
}

/// Firestore's ordering of the value kinds a cursor field holds: numbers, then timestamps,
/// then strings.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum SortKey {
    Num(f64),
    Time(i64),
    Str(String),
}

impl SortKey {
    fn of(raw: &Value) -> Option<SortKey> {
        if let Some(v) = raw.get("integerValue") {
            return v
                .as_str()
                .and_then(|s| s.parse::<i64>().ok())
                .or_else(|| v.as_i64())
                .map(|n| SortKey::Num(n as f64));
        }
        if let Some(f) = raw.get("doubleValue").and_then(Value::as_f64) {
            return Some(SortKey::Num(f));
        }
        if let Some(s) = raw.get("timestampValue").and_then(Value::as_str) {
            return chrono::DateTime::parse_from_rfc3339(s)
                .ok()
                .and_then(|t| t.timestamp_nanos_opt())
                .map(SortKey::Time);
        }
        raw.get("stringValue")
            .and_then(Value::as_str)
            .map(|s| SortKey::Str(s.to_owned()))
    }
}

/// The `--watch` driver (also `serve`'s sync loop): every second, re-read `live_data_config` (so
/// frequency and enabled changes apply without a restart), sync the collections that are due,
/// run queued jobs, and hand each pass's report to `on_report`. Returns when `stop` turns true.
/// The caller holds the sync lock.
pub async fn watch(
    engine: &Arc<Engine>,
    opts: RunOptions,
    progress: ProgressFn,
    mut stop: tokio::sync::watch::Receiver<bool>,
    on_report: &(dyn Fn(&SyncReport) + Send + Sync),
) -> Result<()> {
    use std::collections::HashMap;
    let mut next_due: HashMap<String, Instant> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut first = opts.full;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return Ok(());
        }
        let rows = engine.open()?.collections()?;
        let now = Instant::now();
        let due: Vec<String> = rows
            .iter()
            .filter(|r| r.enabled && (opts.only.is_empty() || opts.only.contains(&r.name)))
            .filter(|r| next_due.get(&r.name).is_none_or(|t| *t <= now))
            .map(|r| r.name.clone())
            .collect();
        for r in rows.iter().filter(|r| due.contains(&r.name)) {
            next_due.insert(
                r.name.clone(),
                now + Duration::from_secs(r.sync_frequency.max(1)),
            );
        }
        if due.is_empty() {
            // Still run the jobs a webhook may have queued.
            match engine.run_jobs(&progress).await {
                Ok(jobs) if jobs.done + jobs.failed > 0 => {
                    on_report(&SyncReport::summarize(Vec::new(), jobs));
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "running sync jobs failed"),
            }
            continue;
        }
        let run = RunOptions {
            only: due,
            full: first,
            dry_run: opts.dry_run,
        };
        first = false;
        match engine.run_once(&run, Arc::clone(&progress)).await {
            Ok(report) => on_report(&report),
            Err(e) => tracing::error!(error = %e, "sync pass failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn overlap_moves_time_like_cursors_back() {
        let d = Duration::from_secs(5);
        assert_eq!(
            overlap(&json!({"timestampValue": "2025-11-27T10:00:05.000001Z"}), d),
            json!({"timestampValue": "2025-11-27T10:00:00.000001Z"})
        );
        assert_eq!(
            overlap(&json!({"integerValue": "1764237600000"}), d),
            json!({"integerValue": "1764237595000"})
        );
        assert_eq!(
            overlap(&json!({"stringValue": "2025-11-27T10:00:05Z"}), d),
            json!({"stringValue": "2025-11-27T10:00:00.000000Z"})
        );
        assert_eq!(
            overlap(&json!({"booleanValue": true}), d),
            json!({"booleanValue": true})
        );
    }

    #[test]
    fn sort_keys_follow_firestore_type_order() {
        let n = SortKey::of(&json!({"integerValue": "9"})).unwrap();
        let t = SortKey::of(&json!({"timestampValue": "2020-01-01T00:00:00Z"})).unwrap();
        let s = SortKey::of(&json!({"stringValue": "a"})).unwrap();
        assert!(n < t && t < s);
        assert!(SortKey::of(&json!({"integerValue": "10"})).unwrap() > n);
    }
}
