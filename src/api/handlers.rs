//! One function per route: validate what the router left (path ids, bodies), read through
//! the engines, and shape the `{"data","meta"}` envelope — or the raw documents DESIGN names
//! (health+json, OpenAPI, Prometheus text, liveness and readiness).

use super::params;
use super::problem::Problem;
use super::prom;
use super::reads::{self, Computed};
use super::router::{Ctx, Resp, RouteId};
use super::{Shared, assets};
use crate::cache::KeyClass;
use crate::health::{self, HealthInput, HealthReport, Status};
use crate::store::Store;
use crate::store::api::LogQuery;
use crate::store::collections::CollectionChange;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn run(id: RouteId, ctx: &mut Ctx<'_>) -> Result<Resp, Problem> {
    match id {
        RouteId::Index => asset("index.html"),
        RouteId::Asset => asset(ctx.path.rest.unwrap_or("")),
        RouteId::OpenApi => Ok(Resp::json(200, ctx.shared.openapi.clone())),
        RouteId::Livez => Ok(Resp::json(200, br#"{"status":"pass"}"#.to_vec())),
        RouteId::Readyz => readyz(ctx),
        RouteId::Health => health_route(ctx),
        RouteId::Prometheus => prometheus(ctx),
        RouteId::Status => status(ctx),
        RouteId::Metrics => metrics(ctx),
        RouteId::Logs => logs(ctx),
        RouteId::Alerts => alerts(ctx),
        RouteId::AlertsHistory => alerts_history(ctx),
        RouteId::AlertsRules => alert_rules(ctx),
        RouteId::AlertAck => alert_ack(ctx),
        RouteId::Silences => silence(ctx),
        RouteId::ConfigGet => config_get(ctx),
        RouteId::ConfigPatch => config_patch(ctx),
    }
}

fn asset(name: &str) -> Result<Resp, Problem> {
    let (ct, bytes) = assets::find(name).ok_or_else(|| no_asset(name))?;
    let mut r = Resp::new(200, ct, bytes.to_vec());
    if ct.starts_with("text/html") {
        // Everything the dashboard loads is embedded and same-origin.
        r.headers.push((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'".into(),
        ));
    }
    Ok(r)
}

/// The 404 for an asset name that is not embedded (also a preflight's, see the router).
pub(super) fn no_asset(name: &str) -> Problem {
    Problem::not_found(format!("no asset {:?}", truncate(name, 100)))
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// `{"data": …, "meta": {"generated_at": …, …}}`.
#[derive(Serialize)]
struct Envelope<'a, D: Serialize, M: Serialize> {
    data: &'a D,
    meta: Meta<'a, M>,
}

#[derive(Serialize)]
struct Meta<'a, M: Serialize> {
    generated_at: &'a str,
    #[serde(flatten)]
    extra: M,
}

#[derive(Serialize)]
struct NoMeta {}

fn envelope<D: Serialize, M: Serialize>(
    status: u16,
    data: &D,
    generated_at: &str,
    extra: M,
) -> Result<Resp, Problem> {
    Ok(Resp::json(
        status,
        envelope_body(data, generated_at, extra)?,
    ))
}

fn envelope_body<D: Serialize, M: Serialize>(
    data: &D,
    generated_at: &str,
    extra: M,
) -> Result<Vec<u8>, Problem> {
    serde_json::to_vec(&Envelope {
        data,
        meta: Meta {
            generated_at,
            extra,
        },
    })
    .map_err(|e| Problem::internal(&e))
}

/// Run `f` on the worker's read-only connection; a failed query drops the connection so the
/// next request starts from a fresh one.
fn with_store<T>(
    ctx: &mut Ctx<'_>,
    f: impl FnOnce(&Store, &crate::config::Config) -> crate::Result<T>,
) -> Result<T, Problem> {
    let config = ctx
        .shared
        .config
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let store = ctx.worker.store(ctx.shared).map_err(Problem::from)?;
    match f(store, &config) {
        Ok(v) => Ok(v),
        Err(e) => {
            ctx.worker.reset();
            Err(e.into())
        }
    }
}

// ---- health ----------------------------------------------------------------------------------

/// Health probes within this long of the last run share its report.
const HEALTH_MEMO: Duration = Duration::from_secs(1);

fn health_report(shared: &Shared) -> Arc<HealthReport> {
    // Held while the checks run: concurrent probes wait for one run instead of each starting one.
    let mut memo = shared.health_memo.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((at, report)) = memo.as_ref()
        && at.elapsed() < HEALTH_MEMO
    {
        return Arc::clone(report);
    }
    let config = (**shared.config.read().unwrap_or_else(|p| p.into_inner())).clone();
    let mut input = HealthInput::new(&shared.db_path, config);
    input.breaker_open = shared.cache.breaker_open();
    let report = Arc::new(shared.runtime.block_on(health::run_once(&input)));
    *memo = Some((Instant::now(), Arc::clone(&report)));
    report
}

fn health_route(ctx: &mut Ctx<'_>) -> Result<Resp, Problem> {
    let report = health_report(ctx.shared);
    let body = serde_json::to_vec(&*report).map_err(|e| Problem::internal(&e))?;
    let code = if report.status == Status::Fail {
        503
    } else {
        200
    };
    Ok(Resp::new(code, "application/health+json", body))
}

fn readyz(ctx: &mut Ctx<'_>) -> Result<Resp, Problem> {
    let report = health_report(ctx.shared);
    let code = if report.status == Status::Fail {
        503
    } else {
        200
    };
    let body = serde_json::to_vec(&serde_json::json!({"status": report.status}))
        .map_err(|e| Problem::internal(&e))?;
    Ok(Resp::json(code, body))
}

// ---- status ----------------------------------------------------------------------------------

/// Read `class:key` through the cache, computing on a miss; says whether the cache answered
/// (`hit`), computed (`miss`), or is switched off (`off`: no Redis, no in-process tier).
fn cached(
    ctx: &mut Ctx<'_>,
    class: KeyClass,
    key: &str,
    compute: impl FnOnce(&Store, &crate::config::Config) -> crate::Result<Computed>,
) -> Result<(Computed, &'static str), Problem> {
    let cache = Arc::clone(&ctx.shared.cache);
    let mut ran = false;
    let value = cache.get_or_compute(class, key, || {
        ran = true;
        with_store(ctx, compute)
    })?;
    let how = if cache.backend() == "memory" && !cache.options().local_enabled {
        "off"
    } else if ran {
        "miss"
    } else {
        "hit"
    };
    Ok((value, how))
}

/// A cached read's 200 response as a worker last rendered it, with its entity tag.
pub(crate) struct Rendered {
    /// The in-process tier's bytes it was rendered from.
    source: Arc<[u8]>,
    /// Whatever else the body depends on (the status overview's uptime second).
    stamp: u64,
    body: Vec<u8>,
    etag: String,
}

/// Rendered responses a worker keeps, at most (then it starts over).
const RENDERED_MAX: usize = 32;

/// A hit in the in-process tier, answered without decoding the value and encoding the
/// response again when this worker rendered the same bytes (the same `Arc`) at the same
/// `stamp` before; `None` when that tier has no fresh value (the caller then goes through
/// [`cached`]).
fn from_local(
    ctx: &mut Ctx<'_>,
    class: KeyClass,
    key: &str,
    stamp: u64,
    render: impl FnOnce(&Computed) -> Result<Vec<u8>, Problem>,
) -> Result<Option<Resp>, Problem> {
    let Some(bytes) = ctx.shared.cache.local_bytes(class, key) else {
        return Ok(None);
    };
    let memo = &mut ctx.worker.rendered;
    let id = (class, key.to_owned());
    if let Some(r) = memo.get(&id)
        && r.stamp == stamp
        && Arc::ptr_eq(&r.source, &bytes)
    {
        let mut resp = Resp::json(200, r.body.clone());
        resp.etag = Some(r.etag.clone());
        return Ok(Some(resp));
    }
    let value: Computed = serde_json::from_slice(&bytes).map_err(|e| Problem::internal(&e))?;
    let body = render(&value)?;
    let etag = super::router::etag_of(&body);
    if memo.len() >= RENDERED_MAX && !memo.contains_key(&id) {
        memo.clear();
    }
    memo.insert(
        id,
        Rendered {
            source: bytes,
            stamp,
            body: body.clone(),
            etag: etag.clone(),
        },
    );
    let mut resp = Resp::json(200, body);
    resp.etag = Some(etag);
    Ok(Some(resp))
}

/// After a committed write: cached reads from before it are not served again.
fn announce_write(shared: &Shared) {
    shared.cache.bump_generation();
}

fn status(ctx: &mut Ctx<'_>) -> Result<Resp, Problem> {
    let uptime = ctx.shared.started.elapsed().as_secs();
    let started_at = ctx.shared.started_at.clone();
    let render = |c: &Computed| status_body(c, &started_at, uptime);
    if let Some(resp) = from_local(ctx, reads::STATUS_CLASS, reads::STATUS_KEY, uptime, render)? {
        return Ok(resp);
    }
    let (c, _) = cached(ctx, reads::STATUS_CLASS, reads::STATUS_KEY, reads::status)?;
    Ok(Resp::json(200, render(&c)?))
}

/// The cached overview is a JSON object; this process's start time and uptime are added to
/// it per response, written straight into the envelope.
fn status_body(c: &Computed, started_at: &str, uptime: u64) -> Result<Vec<u8>, Problem> {
    let text = c.data.get();
    let object = text
        .strip_suffix('}')
        .filter(|t| t.starts_with('{') && t.len() > 1)
        .ok_or_else(|| Problem::internal(&"the status overview is not a JSON object"))?;
    let body = format!(
        "{{\"data\":{object},\"started_at\":\"{started_at}\",\"uptime_seconds\":{uptime}}},\"meta\":{{\"generated_at\":{}}}}}",
        serde_json::to_string(&c.generated_at).map_err(|e| Problem::internal(&e))?,
    );
    Ok(body.into_bytes())
}

// ---- metrics ---------------------------------------------------------------------------------

/// Shortest and longest metrics window.
const MIN_WINDOW: Duration = Duration::from_secs(60);
const MAX_WINDOW: Duration = Duration::from_secs(30 * 86400);

/// The validated query of `/api/v1/metrics`: window and label filters.
struct MetricsParams {
    window: Duration,
    window_text: String,
    labels: std::collections::BTreeMap<String, String>,
}

fn metrics_params(q: &params::Query) -> Result<MetricsParams, Problem> {
    let window = q.duration("window", MIN_WINDOW, MAX_WINDOW, Duration::from_secs(3600))?;
    let mut labels = std::collections::BTreeMap::new();
    for name in ["model", "project", "collection", "source"] {
        if let Some(v) = q.text(name) {
            labels.insert(name.to_owned(), v.to_owned());
        }
    }
    Ok(MetricsParams {
        window,
        window_text: q.get("window").unwrap_or("1h").to_owned(),
        labels,
    })
}

#[derive(Serialize)]
struct MetricsMeta<'a> {
    window: &'a str,
    /// Whether the cache answered: `hit`, `miss`, or `off` (no cache in this process).
    cache: &'a str,
}

fn metrics(ctx: &mut Ctx<'_>) -> Result<Resp, Problem> {
    let p = metrics_params(&ctx.query)?;
    let key = reads::metrics_key(&p.window_text, &p.labels);
    let window_text = p.window_text.clone();
    let hit = |c: &Computed| {
        envelope_body(
            &c.data,
            &c.generated_at,
            MetricsMeta {
                window: &window_text,
                cache: "hit",
            },
        )
    };
    if let Some(resp) = from_local(ctx, reads::METRICS_CLASS, &key, 0, hit)? {
        return Ok(resp);
    }
    let (window, labels) = (p.window, p.labels);
    let (c, how) = cached(ctx, reads::METRICS_CLASS, &key, move |s, _| {
        reads::metrics(s, window, labels)
    })?;
    envelope(
        200,
        &c.data,
        &c.generated_at,
        MetricsMeta {
            window: &p.window_text,
            cache: how,
        },
    )
}

// ---- logs ------------------------------------------------------------------------------------

#[derive(Serialize)]
struct PageMeta<'a> {
    kind: &'a str,
    limit: i64,
    next_cursor: Option<String>,
}

fn logs(ctx: &mut Ctx<'_>) -> Result<Resp, Problem> {
    let q = &ctx.query;
    let kind = q.choice("kind", &["webhook", "sync"], "webhook")?;
    let limit = q.int("limit", 1..=500, 50)?;
    let before_id = q.cursor("cursor")?;
    let source = q.text("source").map(str::to_owned);
    let status = match q.get("status") {
        None => None,
        Some(v) if kind == "webhook" => {
            // Exactly three digits, 100-599: the OpenAPI pattern, no other spelling.
            let b = v.as_bytes();
            if b.len() != 3 || !(b'1'..=b'5').contains(&b[0]) || !b.iter().all(u8::is_ascii_digit) {
                return Err(Problem::param(
                    "status",
                    format!("{:?} is not an HTTP status code (100-599)", truncate(v, 64)),
                ));
            }
            Some(v.to_owned())
        }
        Some(_) => Some(
            q.choice("status", &["success", "error", "in_progress"], "")?
                .to_owned(),
        ),
    };
    let lq = LogQuery {
        source: source.as_deref(),
        status: status.as_deref(),
        before_id,
        limit: limit as u32 + 1,
    };
    let generated_at = crate::store::now();
    let limit_usize = limit as usize;
    let next = |last_id: Option<i64>, more: bool| {
        if more {
            last_id.map(params::encode_cursor)
        } else {
            None
        }
    };
    if kind == "webhook" {
        let mut rows = with_store(ctx, |s, _| s.webhook_log_page(&lq))?;
        let more = rows.len() > limit_usize;
        rows.truncate(limit_usize);
        let next_cursor = next(rows.last().map(|r| r.id), more);
        envelope(
            200,
            &rows,
            &generated_at,
            PageMeta {
                kind,
                limit,
                next_cursor,
            },
        )
    } else {
        let mut rows = with_store(ctx, |s, _| s.sync_log_page(&lq))?;
        let more = rows.len() > limit_usize;
        rows.truncate(limit_usize);
        let next_cursor = next(rows.last().map(|r| r.id), more);
        envelope(
            200,
            &rows,
            &generated_at,
            PageMeta {
                kind,
                limit,
                next_cursor,
            },
        )
    }
}

// ---- alerts ----------------------------------------------------------------------------------

#[derive(Serialize)]
struct StateMeta<'a> {
    state: &'a str,
}

fn alerts(ctx: &mut Ctx<'_>) -> Result<Resp, Problem> {
    let state = ctx
        .query
        .choice("state", &["firing", "pending", "resolved", "all"], "all")?;
    let now = crate::store::now();
    let mut list = with_store(ctx, |s, _| s.list_alerts(true, &now))?;
    if state != "all" {
        list.retain(|a| a.state == state);
    }
    envelope(200, &list, &now, StateMeta { state })
}

#[derive(Serialize)]
struct HistoryMeta {
    limit: i64,
    next_cursor: Option<String>,
}

fn alerts_history(ctx: &mut Ctx<'_>) -> Result<Resp, Problem> {
    let limit = ctx.query.int("limit", 1..=500, 100)?;
    let before_id = ctx.query.cursor("cursor")?;
    let rule = ctx.query.text("rule").map(str::to_owned);
    let now = crate::store::now();
    let mut events = with_store(ctx, |s, _| {
        s.alert_event_page(rule.as_deref(), before_id, limit as u32 + 1)
    })?;
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    let next_cursor = if more {
        events.last().map(|e| params::encode_cursor(e.id))
    } else {
        None
    };
    envelope(200, &events, &now, HistoryMeta { limit, next_cursor })
}

fn alert_rules(ctx: &mut Ctx<'_>) -> Result<Resp, Problem> {
    let config = ctx
        .shared
        .config
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    envelope(200, &config.alerts.rules, &crate::store::now(), NoMeta {})
}

/// Longest `by` in acks and silences, and longest comment.
const MAX_BY_CHARS: usize = 200;
const MAX_COMMENT_CHARS: usize = 2000;
/// Longest silence.
const MAX_SILENCE: Duration = Duration::from_secs(366 * 86400);

fn check_by(by: &str) -> Result<(), Problem> {
    let n = by.chars().count();
    if n == 0 || n > MAX_BY_CHARS || by.chars().any(char::is_control) {
        return Err(Problem::body(
            "/by",
            format!("`by` must be 1 to {MAX_BY_CHARS} characters, without control characters"),
        ));
    }
    Ok(())
}

fn check_comment(comment: Option<&str>) -> Result<(), Problem> {
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(Problem::body(
            "/comment",
            format!("`comment` must be at most {MAX_COMMENT_CHARS} characters"),
        ));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AckRequest {
    by: String,
    #[serde(default, deserialize_with = "present")]
    comment: Option<String>,
}

fn alert_ack(ctx: &mut Ctx<'_>) -> Result<Resp, Problem> {
    let id = path_id(ctx)?;
    let req: AckRequest = parse_body(&ctx.body)?;
    check_by(&req.by)?;
    check_comment(req.comment.as_deref())?;
    let now = crate::store::now();
    {
        let mut store = ctx.shared.writer.lock().unwrap_or_else(|p| p.into_inner());
        let alert = store
            .alert(id)
            .map_err(Problem::from)?
            .ok_or_else(|| Problem::not_found(format!("no alert with id {id}")))?;
        if alert.state != "firing" {
            return Err(Problem::conflict(format!(
                "alert {id} ({}) is {}; only a firing alert can be acknowledged",
                alert.rule, alert.state
            )));
        }
        store
            .ack_alert(id, &req.by, req.comment.as_deref(), &now)
            .map_err(|e| match e {
                // Resolved between the check and the write.
                crate::Error::Failed { message, .. } => Problem::conflict(message),
                e => e.into(),
            })?;
    }
    announce_write(ctx.shared);
    let item = with_store(ctx, |s, _| s.list_alerts(true, &now))?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| Problem::not_found(format!("no alert with id {id}")))?;
    envelope(200, &item, &now, NoMeta {})
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SilenceRequest {
    rule: String,
    #[serde(rename = "for")]
    for_: String,
    by: String,
    #[serde(default, deserialize_with = "present")]
    comment: Option<String>,
}

#[derive(Serialize)]
struct SilenceData {
    id: i64,
    rule: String,
    until: String,
    created_at: String,
    by: String,
    comment: Option<String>,
}

fn silence(ctx: &mut Ctx<'_>) -> Result<Resp, Problem> {
    let req: SilenceRequest = parse_body(&ctx.body)?;
    if !params::is_duration_syntax(&req.for_) {
        return Err(Problem::body(
            "/for",
            "`for` must be a duration such as 30m, 2h or 1d",
        ));
    }
    let d = crate::net::parse_duration(&req.for_)
        .ok()
        .filter(|d| !d.is_zero() && *d <= MAX_SILENCE)
        .ok_or_else(|| Problem::body("/for", "`for` must be above 0 and at most 366d"))?;
    check_by(&req.by)?;
    check_comment(req.comment.as_deref())?;
    let config = ctx
        .shared
        .config
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if !config.alerts.rules.iter().any(|r| r.name == req.rule) {
        let mut p = Problem::not_found(format!(
            "no rule named {:?} in the config",
            truncate(&req.rule, 100)
        ));
        p.pointer = Some("/rule".into());
        return Err(p);
    }
    let now = chrono::Utc::now();
    let until = crate::store::ts(
        now + chrono::Duration::from_std(d).map_err(|e| Problem::body("/for", e.to_string()))?,
    );
    let created_at = crate::store::ts(now);
    let id = ctx
        .shared
        .writer
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .add_silence(
            &req.rule,
            &until,
            &req.by,
            req.comment.as_deref(),
            &created_at,
        )
        .map_err(Problem::from)?;
    announce_write(ctx.shared);
    let data = SilenceData {
        id,
        rule: req.rule,
        until,
        created_at: created_at.clone(),
        by: req.by,
        comment: req.comment,
    };
    envelope(201, &data, &created_at, NoMeta {})
}

fn path_id(ctx: &Ctx<'_>) -> Result<i64, Problem> {
    super::router::parse_id(ctx.path.segment.unwrap_or(""))
}

/// Parse a JSON body into `T`, naming the field at fault.
fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    if body.is_empty() {
        return Err(Problem::body("", "a JSON body is required"));
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let pointer = if path == "." {
            String::new()
        } else {
            format!("/{}", path.replace(['.', '['], "/").replace(']', "")).replace("//", "/")
        };
        Problem::body(&pointer, e.inner().to_string())
    })
}

// ---- config ----------------------------------------------------------------------------------

#[derive(Serialize)]
struct ConfigData {
    collections: Vec<crate::store::collections::CollectionRow>,
    features: crate::status::Features,
}

fn features(c: &crate::config::Config) -> crate::status::Features {
    crate::status::Features {
        live_data_enabled: c.features.live_data_enabled,
        real_time_alerts: c.features.real_time_alerts,
        advanced_caching: c.features.advanced_caching,
    }
}

fn config_get(ctx: &mut Ctx<'_>) -> Result<Resp, Problem> {
    let data = with_store(ctx, |s, c| {
        Ok(ConfigData {
            collections: s.collections()?,
            features: features(c),
        })
    })?;
    envelope(200, &data, &crate::store::now(), NoMeta {})
}

/// Most collections one PATCH may name.
const MAX_PATCH_COLLECTIONS: usize = 1000;
/// Longest sync frequency accepted: a year, in seconds.
pub const MAX_FREQUENCY_SECONDS: u64 = 366 * 86400;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigPatch {
    collections: Vec<CollectionPatch>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CollectionPatch {
    name: String,
    #[serde(default, deserialize_with = "present")]
    sync_frequency: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    enabled: Option<bool>,
}

/// An optional field that, when present, must hold a value: `null` is refused, as the
/// OpenAPI schema says (absent means "unchanged").
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

fn config_patch(ctx: &mut Ctx<'_>) -> Result<Resp, Problem> {
    let patch: ConfigPatch = parse_body(&ctx.body)?;
    if patch.collections.len() > MAX_PATCH_COLLECTIONS {
        return Err(Problem::body(
            "/collections",
            format!("at most {MAX_PATCH_COLLECTIONS} collections per request"),
        ));
    }
    let mut changes: Vec<(String, CollectionChange)> = Vec::new();
    for (i, c) in patch.collections.iter().enumerate() {
        if changes.iter().any(|(n, _)| *n == c.name) {
            return Err(Problem::body(
                &format!("/collections/{i}/name"),
                format!("{:?} is named twice", truncate(&c.name, 100)),
            ));
        }
        if let Some(f) = c.sync_frequency
            && !(1..=MAX_FREQUENCY_SECONDS).contains(&f)
        {
            return Err(Problem::body(
                &format!("/collections/{i}/sync_frequency"),
                format!("sync_frequency must be 1 to {MAX_FREQUENCY_SECONDS} seconds"),
            ));
        }
        if c.sync_frequency.is_none() && c.enabled.is_none() {
            return Err(Problem::body(
                &format!("/collections/{i}"),
                "give sync_frequency, enabled, or both",
            ));
        }
        changes.push((
            c.name.clone(),
            CollectionChange {
                sync_frequency: c.sync_frequency,
                enabled: c.enabled,
                cursor_field: None,
            },
        ));
    }
    let collections = {
        let mut store = ctx.shared.writer.lock().unwrap_or_else(|p| p.into_inner());
        for (i, (name, _)) in changes.iter().enumerate() {
            if store.collection(name).map_err(Problem::from)?.is_none() {
                let mut p = Problem::not_found(format!(
                    "collection {:?} is not configured",
                    truncate(name, 100)
                ));
                p.pointer = Some(format!("/collections/{i}/name"));
                return Err(p);
            }
        }
        store.set_collections(&changes).map_err(|e| match e {
            crate::Error::Usage { message, .. } => Problem::body("/collections", message),
            crate::Error::Failed { message, .. } => Problem::not_found(message),
            e => e.into(),
        })?
    };
    announce_write(ctx.shared);
    let config = ctx
        .shared
        .config
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let data = ConfigData {
        collections,
        features: features(&config),
    };
    envelope(200, &data, &crate::store::now(), NoMeta {})
}

// ---- Prometheus ------------------------------------------------------------------------------

fn prometheus(ctx: &mut Ctx<'_>) -> Result<Resp, Problem> {
    let mut w = prom::Writer::default();
    w.family(
        "vdt_build_info",
        "gauge",
        "Always 1; the version of the running vdt is its label.",
    );
    w.sample(
        "vdt_build_info",
        &[("version", env!("CARGO_PKG_VERSION"))],
        1.0,
    );
    ctx.shared.http.write(&mut w);

    let bounds_ms = crate::store::api::sync_duration_bounds_ms();
    let (runs, durations, successes, deliveries, firing) = with_store(ctx, |s, _| {
        Ok((
            s.sync_run_counts()?,
            s.sync_duration_histograms(&bounds_ms)?,
            s.last_successes()?,
            s.webhook_delivery_counts()?,
            s.firing_alert_counts()?,
        ))
    })?;
    w.family(
        "vdt_sync_runs_total",
        "counter",
        "Finished sync runs, by collection and status (runs pruned by retention still count).",
    );
    for (collection, status, n) in &runs {
        w.sample(
            "vdt_sync_runs_total",
            &[("collection", collection), ("status", status)],
            *n as f64,
        );
    }
    w.family(
        "vdt_sync_duration_seconds",
        "histogram",
        "Duration of finished sync runs, by collection (runs pruned by retention still count).",
    );
    for h in &durations {
        for (bound, n) in prom::SYNC_BUCKETS.iter().zip(&h.bucket_counts) {
            w.sample(
                "vdt_sync_duration_seconds_bucket",
                &[
                    ("collection", &h.collection),
                    ("le", &prom::fmt_float(*bound)),
                ],
                *n as f64,
            );
        }
        w.sample(
            "vdt_sync_duration_seconds_bucket",
            &[("collection", &h.collection), ("le", "+Inf")],
            h.count as f64,
        );
        w.sample(
            "vdt_sync_duration_seconds_sum",
            &[("collection", &h.collection)],
            h.sum_ms / 1000.0,
        );
        w.sample(
            "vdt_sync_duration_seconds_count",
            &[("collection", &h.collection)],
            h.count as f64,
        );
    }
    w.family(
        "vdt_sync_last_success_timestamp_seconds",
        "gauge",
        "Unix time of the newest successful sync, by collection.",
    );
    for (collection, at) in &successes {
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(at) {
            w.sample(
                "vdt_sync_last_success_timestamp_seconds",
                &[("collection", collection)],
                t.timestamp_millis() as f64 / 1000.0,
            );
        }
    }
    w.family(
        "vdt_firestore_requests_total",
        "counter",
        "Firestore HTTP requests made by this process, retries included, by status code (\"error\": no response).",
    );
    for (code, n) in crate::firestore::request_counts() {
        w.sample("vdt_firestore_requests_total", &[("code", &code)], n as f64);
    }
    w.family(
        "vdt_webhook_deliveries_total",
        "counter",
        "Webhook deliveries answered, by source and status code (deliveries pruned by retention still count).",
    );
    for (source, code, n) in &deliveries {
        w.sample(
            "vdt_webhook_deliveries_total",
            &[("source", source), ("code", &code.to_string())],
            *n as f64,
        );
    }
    let cs = ctx.shared.cache.local_stats();
    w.family(
        "vdt_cache_hits_total",
        "counter",
        "Cache reads this process answered from a tier, by tier (local: in-process).",
    );
    w.sample(
        "vdt_cache_hits_total",
        &[("tier", "local")],
        cs.local_hits as f64,
    );
    w.sample(
        "vdt_cache_hits_total",
        &[("tier", "redis")],
        cs.redis_hits as f64,
    );
    w.family(
        "vdt_cache_misses_total",
        "counter",
        "Cache reads this process did not find in a tier, by tier.",
    );
    w.sample(
        "vdt_cache_misses_total",
        &[("tier", "local")],
        cs.local_misses as f64,
    );
    w.sample(
        "vdt_cache_misses_total",
        &[("tier", "redis")],
        cs.redis_misses as f64,
    );
    w.family(
        "vdt_cache_computes_total",
        "counter",
        "Values this process computed from SQLite because no tier held them.",
    );
    w.sample("vdt_cache_computes_total", &[], cs.computes as f64);
    w.family(
        "vdt_cache_redis_errors_total",
        "counter",
        "Redis operations that failed or timed out.",
    );
    w.sample("vdt_cache_redis_errors_total", &[], cs.redis_errors as f64);
    w.family(
        "vdt_cache_breaker_open",
        "gauge",
        "1 while the circuit breaker in front of Redis is open (Redis skipped).",
    );
    w.sample(
        "vdt_cache_breaker_open",
        &[],
        if ctx.shared.cache.breaker_open() == Some(true) {
            1.0
        } else {
            0.0
        },
    );
    w.family(
        "vdt_alerts_firing",
        "gauge",
        "Alerts currently firing, by rule and severity.",
    );
    for (rule, severity, n) in &firing {
        w.sample(
            "vdt_alerts_firing",
            &[("rule", rule), ("severity", severity)],
            *n as f64,
        );
    }
    Ok(Resp::new(
        200,
        "text/plain; version=0.0.4; charset=utf-8",
        w.finish().into_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_errors_point_at_the_field() {
        let e = parse_body::<ConfigPatch>(br#"{"collections":[{"name":"a","sync_frequency":-1}]}"#)
            .unwrap_err();
        assert_eq!(e.pointer.as_deref(), Some("/collections/0/sync_frequency"));
        let e = parse_body::<ConfigPatch>(br#"{"collections":[],"x":1}"#).unwrap_err();
        assert_eq!(e.status, 400);
        let e = parse_body::<ConfigPatch>(b"").unwrap_err();
        assert_eq!(e.status, 400);
    }
}
