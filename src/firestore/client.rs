//! The Firestore REST v1 client: URLs, paged queries, document reads and writes, and the
//! one request loop every call goes through (auth, retries with jittered backoff, error
//! mapping, per-status counters).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use reqwest::{Method, StatusCode, Url};
use serde_json::{Map, Value, json};

use super::FirestoreError;
use super::auth::Auth;
use super::value::{decode_fields, encode_fields};

/// Production endpoint, used unless `base_url` or `emulator_host` says otherwise.
pub const DEFAULT_BASE_URL: &str = "https://firestore.googleapis.com";
/// Firestore's limit on writes in one commit.
const MAX_WRITES_PER_COMMIT: usize = 500;
/// Commits in flight at once during [`Client::batch_write`].
const BATCH_CONCURRENCY: usize = 4;
/// Longest wait a `Retry-After` header can impose; a server asking for more is told "later"
/// by the caller's next scheduled run rather than by a hung process.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Retry budget for transient failures (429, 500, 503, 504, 409 `ABORTED`, transport).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retries).
    pub max_attempts: u32,
    /// Backoff before the first retry, doubling after each (before jitter).
    pub base_delay: Duration,
    /// Ceiling on the backoff before jitter.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The pause after the `failures`-th failed attempt (1-based): full jitter, a uniform
    /// draw from `0..=min(max_delay, base_delay · 2^(failures-1))`.
    pub fn backoff(&self, failures: u32) -> Duration {
        let exp = failures.saturating_sub(1).min(30);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::rng().random_range(0..=ceiling_ms))
    }
}

/// Where and how to reach Firestore. Plain data: the config module builds it.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Empty: the service-account file's `project_id`.
    pub project_id: String,
    /// `(default)` unless the project has named databases.
    pub database: String,
    /// `host:port` of an emulator: plain http and `Authorization: Bearer owner`.
    pub emulator_host: Option<String>,
    /// Service-account JSON key; required unless `emulator_host` is set.
    pub credentials_file: Option<PathBuf>,
    /// Replaces [`DEFAULT_BASE_URL`] (tests point it at a proxy). Ignored when
    /// `emulator_host` is set.
    pub base_url: Option<String>,
    /// Per request, connection included.
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl ClientConfig {
    /// A config for `project_id` with every other field at its default (no credentials).
    pub fn new(project_id: impl Into<String>) -> Self {
        ClientConfig {
            project_id: project_id.into(),
            database: "(default)".to_owned(),
            emulator_host: None,
            credentials_file: None,
            base_url: None,
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

/// One document as Firestore returned it.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Full resource name, `projects/…/databases/…/documents/<collection>/<id>`.
    pub name: String,
    /// The last path segment.
    pub id: String,
    /// Collection path relative to the database root (`users/u1/sessions` for a
    /// subcollection).
    pub collection: String,
    /// Raw Firestore values (kept raw because cursors must send them back verbatim).
    pub fields: Map<String, Value>,
    pub create_time: Option<String>,
    pub update_time: Option<String>,
}

impl Document {
    /// The fields decoded to a plain JSON object (see [`super::decode_value`]).
    pub fn data(&self) -> Value {
        decode_fields(&self.fields)
    }

    /// The cursor that continues a query ordered by `order` after this document.
    ///
    /// For [`Order::ByField`] a document without that field (only possible when the
    /// caller built the page some other way) yields a cursor without `field_value`,
    /// which [`Client::query_page`] rejects.
    pub fn cursor(&self, order: &Order) -> Cursor {
        Cursor {
            field_value: match order {
                Order::ByName => None,
                Order::ByField(f) => lookup_field(&self.fields, f).cloned(),
            },
            name: self.name.clone(),
        }
    }

    fn from_api(v: &Value, documents_root: &str) -> Result<Document, FirestoreError> {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| FirestoreError::Decode("document without a `name`".to_owned()))?
            .to_owned();
        let rel = name
            .strip_prefix(documents_root)
            .and_then(|r| r.strip_prefix('/'))
            .or_else(|| name.split_once("/documents/").map(|(_, r)| r))
            .unwrap_or(&name);
        let (collection, id) = rel.rsplit_once('/').unwrap_or(("", rel));
        let fields = match v.get("fields") {
            None => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                return Err(FirestoreError::Decode(format!(
                    "document {name} has a non-object `fields`"
                )));
            }
        };
        let time = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        Ok(Document {
            collection: collection.to_owned(),
            id: id.to_owned(),
            fields,
            create_time: time("createTime"),
            update_time: time("updateTime"),
            name,
        })
    }
}

/// Sort order of a paged query. Every order ends with `__name__`, so pages are stable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Order {
    /// By document name (ascending).
    ByName,
    /// By a field, then by name: the composite cursor of incremental syncs. Dots separate
    /// the segments of a nested field path (`metadata.updated_at`).
    ///
    /// Firestore leaves documents that lack the field out of a query ordered by it;
    /// such documents are only seen by a [`Order::ByName`] scan.
    ByField(String),
}

/// Where the next page starts: strictly after the document with these sort values.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    /// Raw Firestore value of the order field (required for [`Order::ByField`]).
    pub field_value: Option<Value>,
    /// Full resource name of the last document seen.
    pub name: String,
}

/// One page of a collection query.
#[derive(Debug, Clone, PartialEq)]
pub struct PageQuery {
    pub order: Order,
    pub start_after: Option<Cursor>,
    /// Page size (Firestore caps what it honours; 0 means no limit).
    pub limit: u32,
    /// Return names only (plus the order field, so the cursor still works): for the
    /// reconcile scan that finds deletes.
    pub keys_only: bool,
    /// Raw Firestore value: only documents whose order field is `>=` it (the overlap
    /// window of incremental syncs). Requires [`Order::ByField`].
    pub field_at_least: Option<Value>,
}

impl PageQuery {
    /// First page of `limit` documents in `order`.
    pub fn new(order: Order, limit: u32) -> Self {
        PageQuery {
            order,
            start_after: None,
            limit,
            keys_only: false,
            field_at_least: None,
        }
    }
}

static REQUEST_COUNTS: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

fn count_request(code: &str) {
    let mut counts = REQUEST_COUNTS.lock().unwrap_or_else(|p| p.into_inner());
    *counts.entry(code.to_owned()).or_insert(0) += 1;
}

/// Firestore HTTP requests made by this process so far, by status code (`"200"`,
/// `"429"`, …; `"error"` for transport failures), every retry counted — the source of
/// `vdt_firestore_requests_total{code}`.
pub fn request_counts() -> Vec<(String, u64)> {
    let counts = REQUEST_COUNTS.lock().unwrap_or_else(|p| p.into_inner());
    counts.iter().map(|(k, v)| (k.clone(), *v)).collect()
}

/// A Firestore REST client. Cheap to clone; clones share the connection pool and token.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    auth: Auth,
    /// `{base}/v1/`
    api: Url,
    /// `projects/{p}/databases/{d}/documents`
    documents_root: String,
    project_id: String,
    retry: RetryPolicy,
}

impl Client {
    /// Builds a client. Reads the service-account file now, so a bad one fails here;
    /// makes no request.
    pub fn new(cfg: ClientConfig) -> Result<Self, FirestoreError> {
        let database = if cfg.database.trim().is_empty() {
            "(default)".to_owned()
        } else {
            cfg.database.clone()
        };
        let (base, auth) = match (&cfg.emulator_host, &cfg.credentials_file) {
            (Some(host), _) => {
                let host = host.trim_start_matches("http://").trim_end_matches('/');
                (format!("http://{host}"), Auth::Emulator)
            }
            (None, Some(path)) => (
                cfg.base_url
                    .clone()
                    .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
                Auth::service_account(path)?,
            ),
            (None, None) => {
                return Err(FirestoreError::Invalid(
                    "neither firestore.credentials_file nor firestore.emulator_host is set"
                        .to_owned(),
                ));
            }
        };
        // An empty project id falls back to the key file's.
        let project_id = match (cfg.project_id.trim(), auth.project_id()) {
            ("", Some(from_key)) => from_key.to_owned(),
            ("", None) => {
                return Err(FirestoreError::Invalid(
                    "firestore.project_id is empty".to_owned(),
                ));
            }
            (p, _) => p.to_owned(),
        };
        let api = Url::parse(&format!("{}/v1/", base.trim_end_matches('/')))
            .map_err(|e| FirestoreError::Invalid(format!("bad Firestore URL {base:?}: {e}")))?;
        if !matches!(api.scheme(), "http" | "https") {
            return Err(FirestoreError::Invalid(format!(
                "Firestore URL {base:?} is not http(s)"
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("vdt/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FirestoreError::Invalid(format!("cannot build the HTTP client: {e}")))?;
        let mut retry = cfg.retry.clone();
        retry.max_attempts = retry.max_attempts.max(1);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                auth,
                api,
                documents_root: format!("projects/{project_id}/databases/{database}/documents"),
                project_id,
                retry,
            }),
        })
    }

    /// `projects/{project}/databases/{database}/documents`: the prefix of every
    /// document name.
    pub fn documents_root(&self) -> &str {
        &self.inner.documents_root
    }

    /// Full resource name of a document.
    pub fn document_name(&self, collection: &str, id: &str) -> String {
        format!(
            "{}/{}/{id}",
            self.inner.documents_root,
            collection.trim_matches('/')
        )
    }

    /// The top-level collection ids (every page). Doubles as the connection test: it
    /// needs network, valid credentials and read permission.
    pub async fn list_collection_ids(&self) -> Result<Vec<String>, FirestoreError> {
        let url = self.url(&self.inner.documents_root, Some("listCollectionIds"));
        let mut ids = Vec::new();
        let mut page_token: Option<String> = None;
        loop {
            let mut body = json!({ "pageSize": 300 });
            if let Some(t) = &page_token {
                body["pageToken"] = Value::String(t.clone());
            }
            let resp = self.request(Method::POST, url.clone(), Some(&body)).await?;
            if let Some(list) = resp.get("collectionIds").and_then(Value::as_array) {
                ids.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
            }
            match resp.get("nextPageToken").and_then(Value::as_str) {
                Some(t) if !t.is_empty() => page_token = Some(t.to_owned()),
                _ => return Ok(ids),
            }
        }
    }

    /// One page of `collection` (a collection id, or a path such as `users/u1/sessions`
    /// for a subcollection) in `q.order`, starting strictly after `q.start_after`.
    ///
    /// With [`Order::ByField`], documents that lack the field are not returned:
    /// Firestore excludes them from queries ordered by that field.
    pub async fn query_page(
        &self,
        collection: &str,
        q: &PageQuery,
    ) -> Result<Vec<Document>, FirestoreError> {
        let collection = collection.trim_matches('/');
        let (parent, collection_id) = match collection.rsplit_once('/') {
            Some((parent_doc, id)) => (format!("{}/{parent_doc}", self.inner.documents_root), id),
            None => (self.inner.documents_root.clone(), collection),
        };
        if collection_id.is_empty() {
            return Err(FirestoreError::Invalid("empty collection name".to_owned()));
        }
        let body = json!({ "structuredQuery": structured_query(collection_id, q)? });
        let url = self.url(&parent, Some("runQuery"));
        let resp = self.request(Method::POST, url, Some(&body)).await?;
        let items = resp
            .as_array()
            .ok_or_else(|| FirestoreError::Decode("runQuery answer is not an array".to_owned()))?;
        let mut docs = Vec::with_capacity(items.len());
        for item in items {
            if let Some(err) = item.get("error") {
                // A streamed error inside a 200: treat it like the HTTP error it names.
                let status = err.get("code").and_then(Value::as_u64).unwrap_or(500);
                return Err(FirestoreError::Http {
                    status: u16::try_from(status).unwrap_or(500),
                    message: error_message(err),
                });
            }
            // Entries without a document carry only readTime / progress.
            if let Some(d) = item.get("document") {
                docs.push(Document::from_api(d, &self.inner.documents_root)?);
            }
        }
        Ok(docs)
    }

    /// One document, or `None` if it does not exist.
    pub async fn get_document(
        &self,
        collection: &str,
        id: &str,
    ) -> Result<Option<Document>, FirestoreError> {
        let url = self.doc_url(collection, id)?;
        match self.request(Method::GET, url, None).await {
            Ok(v) => Document::from_api(&v, &self.inner.documents_root).map(Some),
            // A missing database is also a 404; only a missing document means "None".
            Err(FirestoreError::Http {
                status: 404,
                message,
            }) if !is_missing_database(&message) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates or replaces a document with plain JSON `data` (an object).
    pub async fn put_document(
        &self,
        collection: &str,
        id: &str,
        data: &Value,
    ) -> Result<Document, FirestoreError> {
        let map = data.as_object().ok_or_else(|| {
            FirestoreError::Invalid("document data must be a JSON object".to_owned())
        })?;
        self.put_raw_fields(collection, id, &encode_fields(map))
            .await
    }

    /// Creates or replaces a document with raw Firestore values (for the kinds plain
    /// JSON cannot express: timestamps, bytes, references, geo points, NaN).
    pub async fn put_raw_fields(
        &self,
        collection: &str,
        id: &str,
        fields: &Map<String, Value>,
    ) -> Result<Document, FirestoreError> {
        let url = self.doc_url(collection, id)?;
        let body = json!({ "fields": fields });
        let v = self.request(Method::PATCH, url, Some(&body)).await?;
        Document::from_api(&v, &self.inner.documents_root)
    }

    /// Deletes a document; deleting a missing one succeeds.
    pub async fn delete_document(&self, collection: &str, id: &str) -> Result<(), FirestoreError> {
        let url = self.doc_url(collection, id)?;
        self.request(Method::DELETE, url, None).await.map(drop)
    }

    /// Creates or replaces many documents from plain JSON, in atomic commits of at most
    /// 500 writes, a few commits in flight at once. Not atomic as a whole: on error
    /// some chunks may be written (every write is a full replace, so re-running the same
    /// batch converges).
    pub async fn batch_write(
        &self,
        writes: Vec<(String, String, Value)>,
    ) -> Result<(), FirestoreError> {
        let mut encoded = Vec::with_capacity(writes.len());
        for (collection, id, data) in &writes {
            check_segment("document id", id)?;
            let map = data.as_object().ok_or_else(|| {
                FirestoreError::Invalid(format!("document {collection}/{id} is not a JSON object"))
            })?;
            encoded.push(json!({ "update": {
                "name": self.document_name(collection, id),
                "fields": encode_fields(map),
            }}));
        }
        let url = self.url(&self.inner.documents_root, Some("commit"));
        let mut chunks = encoded
            .chunks(MAX_WRITES_PER_COMMIT)
            .map(|c| json!({ "writes": c }))
            .collect::<Vec<_>>()
            .into_iter();
        let mut running = tokio::task::JoinSet::new();
        loop {
            while running.len() < BATCH_CONCURRENCY {
                let Some(body) = chunks.next() else { break };
                let client = self.clone();
                let url = url.clone();
                running.spawn(async move { client.request(Method::POST, url, Some(&body)).await });
            }
            let Some(done) = running.join_next().await else {
                return Ok(());
            };
            match done {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(e),
                Err(join) => {
                    return Err(FirestoreError::Invalid(format!(
                        "commit task failed: {join}"
                    )));
                }
            }
        }
    }

    fn doc_url(&self, collection: &str, id: &str) -> Result<Url, FirestoreError> {
        check_segment("document id", id)?;
        let collection = collection.trim_matches('/');
        if collection.is_empty() || collection.split('/').any(str::is_empty) {
            return Err(FirestoreError::Invalid(format!(
                "bad collection path {collection:?}"
            )));
        }
        Ok(self.url(
            &format!("{}/{collection}/{id}", self.inner.documents_root),
            None,
        ))
    }

    /// `{api}{path}` with every segment percent-encoded, and `:method` appended.
    fn url(&self, path: &str, method: Option<&str>) -> Url {
        let mut url = self.inner.api.clone();
        {
            // Cannot fail: the base was checked to be http(s) in `new`.
            let mut segs = url
                .path_segments_mut()
                .unwrap_or_else(|()| unreachable!("http(s) URLs have path segments"));
            segs.pop_if_empty();
            let mut parts: Vec<String> = path.split('/').map(str::to_owned).collect();
            if let (Some(m), Some(last)) = (method, parts.last_mut()) {
                last.push(':');
                last.push_str(m);
            }
            segs.extend(parts.iter().map(String::as_str));
        }
        url
    }

    /// Sends one API call: auth header, retries, error mapping. Returns the JSON body.
    async fn request(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Value, FirestoreError> {
        let inner = &*self.inner;
        let policy = &inner.retry;
        let mut failures: u32 = 0;
        let mut refreshed = false;
        loop {
            let outcome = self.attempt(&method, &url, body).await;
            let (retry_after, err) = match outcome {
                Attempt::Done(v) => return Ok(v),
                Attempt::Fatal(e) => return Err(e),
                Attempt::Unauthorized { token, message } => {
                    if refreshed {
                        return Err(FirestoreError::Unauthenticated { message });
                    }
                    refreshed = true;
                    tracing::debug!(%url, "HTTP 401; refreshing the token and retrying once");
                    inner.auth.invalidate(&token).await;
                    continue;
                }
                Attempt::Retry { retry_after, err } => (retry_after, err),
            };
            failures += 1;
            if failures >= policy.max_attempts {
                return Err(exhausted(err, failures));
            }
            let delay = match retry_after {
                Some(ra) => ra.min(MAX_RETRY_AFTER),
                None => policy.backoff(failures),
            };
            tracing::debug!(
                %url, attempt = failures, delay_ms = delay.as_millis() as u64, error = %err.summary(),
                "transient Firestore failure; retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(&self, method: &Method, url: &Url, body: Option<&Value>) -> Attempt {
        let inner = &*self.inner;
        let token = match inner.auth.bearer(&inner.http).await {
            Ok(t) => t,
            Err(e) if e.is_unavailable() => {
                return Attempt::Retry {
                    retry_after: None,
                    err: Transient::Transport(e.to_string()),
                };
            }
            Err(e) => return Attempt::Fatal(e.into()),
        };
        let mut req = inner
            .http
            .request(method.clone(), url.clone())
            .bearer_auth(&token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                count_request("error");
                return Attempt::Retry {
                    retry_after: None,
                    err: Transient::Transport(describe_transport_error(&e)),
                };
            }
        };
        let status = resp.status();
        count_request(status.as_str());
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let text = match resp.text().await {
            Ok(t) => t,
            Err(e) => {
                return Attempt::Retry {
                    retry_after: None,
                    err: Transient::Transport(describe_transport_error(&e)),
                };
            }
        };
        if status.is_success() {
            return match serde_json::from_str(&text) {
                Ok(v) => Attempt::Done(v),
                Err(e) => Attempt::Fatal(FirestoreError::Decode(format!(
                    "{method} {}: {e}",
                    url.path()
                ))),
            };
        }
        let parsed: Option<Value> = serde_json::from_str(&text).ok();
        // Unary errors are `{"error":{…}}`; streamed ones (runQuery) `[{"error":{…}}]`.
        let err_obj = parsed.as_ref().and_then(|v| {
            v.get("error")
                .or_else(|| v.as_array()?.iter().find_map(|i| i.get("error")))
        });
        let message = match err_obj {
            Some(e) => error_message(e),
            None if text.trim().is_empty() => {
                status.canonical_reason().unwrap_or("no message").to_owned()
            }
            None => truncate(text.trim(), 300),
        };
        let grpc = err_obj
            .and_then(|e| e.get("status"))
            .and_then(Value::as_str)
            .unwrap_or("");
        match status.as_u16() {
            401 => Attempt::Unauthorized { token, message },
            403 => Attempt::Fatal(FirestoreError::PermissionDenied {
                status: 403,
                hint: format!(
                    "grant the service account the IAM role roles/datastore.viewer \
                     (roles/datastore.user to write) on project {:?}, and check \
                     firestore.project_id",
                    inner.project_id
                ),
                message,
            }),
            400 if grpc == "FAILED_PRECONDITION" => {
                Attempt::Fatal(FirestoreError::MissingIndex { message })
            }
            409 if grpc == "ALREADY_EXISTS" => Attempt::Fatal(FirestoreError::Http {
                status: 409,
                message,
            }),
            429 | 500 | 503 | 504 | 409 => Attempt::Retry {
                retry_after,
                err: Transient::Status { status, message },
            },
            s => Attempt::Fatal(FirestoreError::Http { status: s, message }),
        }
    }
}

enum Attempt {
    Done(Value),
    Fatal(FirestoreError),
    Unauthorized {
        token: String,
        message: String,
    },
    Retry {
        retry_after: Option<Duration>,
        err: Transient,
    },
}

enum Transient {
    Transport(String),
    Status { status: StatusCode, message: String },
}

impl Transient {
    fn summary(&self) -> String {
        match self {
            Transient::Transport(m) => m.clone(),
            Transient::Status { status, message } => format!("HTTP {}: {message}", status.as_u16()),
        }
    }
}

/// The error reported once the last attempt of a transient failure has failed.
fn exhausted(err: Transient, attempts: u32) -> FirestoreError {
    match err {
        Transient::Transport(message) => FirestoreError::Unavailable { attempts, message },
        Transient::Status { status, message } => match status.as_u16() {
            429 => FirestoreError::RateLimited { attempts, message },
            503 | 504 => FirestoreError::Unavailable {
                attempts,
                message: format!("HTTP {}: {message}", status.as_u16()),
            },
            s => FirestoreError::Http { status: s, message },
        },
    }
}

/// The `structuredQuery` for one page.
fn structured_query(collection_id: &str, q: &PageQuery) -> Result<Value, FirestoreError> {
    let name_ref = |p: &str| json!({ "fieldPath": p });
    let mut sq = Map::new();
    sq.insert(
        "from".to_owned(),
        json!([{ "collectionId": collection_id }]),
    );
    let field_path = match &q.order {
        Order::ByName => None,
        Order::ByField(f) => Some(quote_field_path(f)?),
    };
    let mut order_by = Vec::new();
    if let Some(fp) = &field_path {
        order_by.push(json!({ "field": name_ref(fp), "direction": "ASCENDING" }));
    }
    order_by.push(json!({ "field": name_ref("__name__"), "direction": "ASCENDING" }));
    sq.insert("orderBy".to_owned(), Value::Array(order_by));

    if q.keys_only {
        // The order field rides along so a keys-only page can still build its cursor.
        let mut fields = vec![name_ref("__name__")];
        if let Some(fp) = &field_path {
            fields.push(name_ref(fp));
        }
        sq.insert("select".to_owned(), json!({ "fields": fields }));
    }

    if let Some(min) = &q.field_at_least {
        let Some(fp) = &field_path else {
            return Err(FirestoreError::Invalid(
                "field_at_least needs an order by field".to_owned(),
            ));
        };
        sq.insert(
            "where".to_owned(),
            json!({ "fieldFilter": {
                "field": name_ref(fp),
                "op": "GREATER_THAN_OR_EQUAL",
                "value": min,
            }}),
        );
    }

    if let Some(c) = &q.start_after {
        let name = json!({ "referenceValue": c.name });
        let values = match (&field_path, &c.field_value) {
            (None, _) => vec![name],
            (Some(_), Some(v)) => vec![v.clone(), name],
            (Some(fp), None) => {
                return Err(FirestoreError::Invalid(format!(
                    "the cursor after {} has no value for the order field {fp}",
                    c.name
                )));
            }
        };
        // before:false = start strictly after these values.
        sq.insert(
            "startAt".to_owned(),
            json!({ "values": values, "before": false }),
        );
    }

    if q.limit > 0 {
        sq.insert("limit".to_owned(), json!(q.limit));
    }
    Ok(Value::Object(sq))
}

/// Firestore field path syntax: segments that are not plain identifiers go in backticks.
fn quote_field_path(path: &str) -> Result<String, FirestoreError> {
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(FirestoreError::Invalid(format!("bad field path {path:?}")));
    }
    let plain = |s: &str| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    Ok(path
        .split('.')
        .map(|seg| {
            if plain(seg) {
                seg.to_owned()
            } else {
                format!("`{}`", seg.replace('\\', "\\\\").replace('`', "\\`"))
            }
        })
        .collect::<Vec<_>>()
        .join("."))
}

/// The raw value at a dotted field path inside a document's fields.
pub fn lookup_field<'a>(fields: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut segs = path.split('.');
    let mut current = fields.get(segs.next()?)?;
    for seg in segs {
        current = current.get("mapValue")?.get("fields")?.get(seg)?;
    }
    Some(current)
}

/// Firestore's 404 for a database that does not exist ("The database (default) does not
/// exist for project …"), as opposed to a missing document.
fn is_missing_database(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("database") && m.contains("does not exist")
}

fn check_segment(what: &str, s: &str) -> Result<(), FirestoreError> {
    if s.is_empty() || s.contains('/') || s == "." || s == ".." {
        return Err(FirestoreError::Invalid(format!("bad {what} {s:?}")));
    }
    Ok(())
}

fn error_message(err: &Value) -> String {
    let msg = err
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("no message");
    match err.get("status").and_then(Value::as_str) {
        Some(s) if !s.is_empty() => format!("{s}: {msg}"),
        _ => msg.to_owned(),
    }
}

/// `Retry-After` as delay-seconds or an HTTP date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// A transport error in words, with its causes (reqwest's own Display hides them), and
/// without the URL's query string.
pub(super) fn describe_transport_error(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "connection failed"
    };
    let mut out = kind.to_owned();
    if let Some(url) = e.url() {
        out.push_str(&format!(" to {}", url.origin().ascii_serialization()));
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_within_the_jitter_ceiling() {
        let p = RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        };
        for _ in 0..200 {
            assert!(p.backoff(1) <= Duration::from_millis(100));
            assert!(p.backoff(3) <= Duration::from_millis(400));
            assert!(p.backoff(10) <= Duration::from_millis(1000));
            assert!(p.backoff(u32::MAX) <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn field_paths_are_quoted_where_needed() {
        assert_eq!(quote_field_path("updated_at").unwrap(), "updated_at");
        assert_eq!(quote_field_path("metadata.at").unwrap(), "metadata.at");
        assert_eq!(quote_field_path("updated-at").unwrap(), "`updated-at`");
        assert_eq!(quote_field_path("9lives").unwrap(), "`9lives`");
        assert!(quote_field_path("a..b").is_err());
    }

    #[test]
    fn composite_cursor_query_shape() {
        let q = PageQuery {
            order: Order::ByField("updated_at".to_owned()),
            start_after: Some(Cursor {
                field_value: Some(json!({"integerValue": "5"})),
                name: "projects/p/databases/(default)/documents/c/d".to_owned(),
            }),
            limit: 10,
            keys_only: true,
            field_at_least: Some(json!({"integerValue": "1"})),
        };
        let sq = structured_query("c", &q).unwrap();
        assert_eq!(
            sq["orderBy"],
            json!([
                {"field": {"fieldPath": "updated_at"}, "direction": "ASCENDING"},
                {"field": {"fieldPath": "__name__"}, "direction": "ASCENDING"}
            ])
        );
        assert_eq!(
            sq["startAt"],
            json!({"values": [
                {"integerValue": "5"},
                {"referenceValue": "projects/p/databases/(default)/documents/c/d"}
            ], "before": false})
        );
        assert_eq!(
            sq["select"],
            json!({"fields": [{"fieldPath": "__name__"}, {"fieldPath": "updated_at"}]})
        );
        assert_eq!(sq["where"]["fieldFilter"]["op"], "GREATER_THAN_OR_EQUAL");
        assert_eq!(sq["limit"], 10);
    }

    #[test]
    fn a_field_cursor_without_its_value_is_refused() {
        let mut q = PageQuery::new(Order::ByField("f".to_owned()), 5);
        q.start_after = Some(Cursor {
            field_value: None,
            name: "n".to_owned(),
        });
        assert!(matches!(
            structured_query("c", &q),
            Err(FirestoreError::Invalid(_))
        ));
        let mut q = PageQuery::new(Order::ByName, 5);
        q.field_at_least = Some(json!({"nullValue": null}));
        assert!(structured_query("c", &q).is_err());
    }

    #[test]
    fn urls_encode_segments_and_methods() {
        let mut cfg = ClientConfig::new("p");
        cfg.emulator_host = Some("127.0.0.1:1".to_owned());
        let c = Client::new(cfg).unwrap();
        let u = c.doc_url("users/u1/sessions", "a b#?").unwrap();
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:1/v1/projects/p/databases/(default)/documents/users/u1/sessions/a%20b%23%3F"
        );
        let u = c.url(c.documents_root(), Some("runQuery"));
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:1/v1/projects/p/databases/(default)/documents:runQuery"
        );
        assert!(c.doc_url("c", "a/b").is_err());
    }

    #[test]
    fn documents_split_their_names() {
        let root = "projects/p/databases/(default)/documents";
        let d = Document::from_api(
            &json!({"name": format!("{root}/users/u1/sessions/s1"), "fields": {"x": {"integerValue": "1"}}}),
            root,
        )
        .unwrap();
        assert_eq!(d.collection, "users/u1/sessions");
        assert_eq!(d.id, "s1");
        assert_eq!(d.data(), json!({"x": 1}));
        let nested = Document {
            fields: serde_json::from_value(
                json!({"m": {"mapValue": {"fields": {"at": {"integerValue": "3"}}}}}),
            )
            .unwrap(),
            ..d
        };
        assert_eq!(
            nested
                .cursor(&Order::ByField("m.at".to_owned()))
                .field_value,
            Some(json!({"integerValue": "3"}))
        );
    }

    #[test]
    fn client_needs_credentials_or_an_emulator() {
        let err = Client::new(ClientConfig::new("p")).unwrap_err();
        assert!(matches!(err, FirestoreError::Invalid(_)));
        let mut cfg = ClientConfig::new("p");
        cfg.credentials_file = Some("/nonexistent/sa.json".into());
        let err = Client::new(cfg).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/sa.json"), "{err}");
    }
}
