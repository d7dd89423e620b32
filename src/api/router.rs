//! The route table and the path every request takes: match (404/405) → CORS preflight →
//! auth (401/403) → query validation (400) → body (413/415/400) → handler → ETag/304 →
//! CORS headers → metrics → response.

use super::auth::Grant;
use super::handlers;
use super::params::Query;
use super::problem::Problem;
use super::{MAX_BODY, Shared, Worker};
use std::io::Read;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteId {
    Index,
    Asset,
    OpenApi,
    Livez,
    Readyz,
    Health,
    Prometheus,
    Status,
    Metrics,
    Logs,
    Alerts,
    AlertsHistory,
    AlertsRules,
    AlertAck,
    Silences,
    ConfigGet,
    ConfigPatch,
}

/// One route: its method, path template (`{name}` is one segment, `{path}` the rest), whether
/// it is open (no token), and the query parameters it accepts.
#[derive(Debug)]
pub struct RouteDef {
    pub id: RouteId,
    pub method: &'static str,
    pub path: &'static str,
    pub open: bool,
    pub query: &'static [&'static str],
}

const fn r(
    id: RouteId,
    method: &'static str,
    path: &'static str,
    open: bool,
    query: &'static [&'static str],
) -> RouteDef {
    RouteDef {
        id,
        method,
        path,
        open,
        query,
    }
}

pub const METRICS_PARAMS: &[&str] = &["window", "model", "project", "collection", "source"];
pub const LOGS_PARAMS: &[&str] = &["kind", "source", "status", "limit", "cursor"];
pub const HISTORY_PARAMS: &[&str] = &["rule", "limit", "cursor"];

pub const ROUTES: &[RouteDef] = &[
    r(RouteId::Index, "GET", "/", true, &[]),
    r(RouteId::Asset, "GET", "/assets/{path}", true, &[]),
    r(RouteId::OpenApi, "GET", "/openapi.json", true, &[]),
    r(RouteId::Livez, "GET", "/livez", true, &[]),
    r(RouteId::Readyz, "GET", "/readyz", true, &[]),
    r(RouteId::Health, "GET", "/api/v1/health", true, &[]),
    r(RouteId::Prometheus, "GET", "/metrics", true, &[]),
    r(RouteId::Status, "GET", "/api/v1/status", false, &[]),
    r(
        RouteId::Metrics,
        "GET",
        "/api/v1/metrics",
        false,
        METRICS_PARAMS,
    ),
    r(RouteId::Logs, "GET", "/api/v1/logs", false, LOGS_PARAMS),
    r(RouteId::Alerts, "GET", "/api/v1/alerts", false, &["state"]),
    r(
        RouteId::AlertsHistory,
        "GET",
        "/api/v1/alerts/history",
        false,
        HISTORY_PARAMS,
    ),
    r(
        RouteId::AlertsRules,
        "GET",
        "/api/v1/alerts/rules",
        false,
        &[],
    ),
    r(
        RouteId::AlertAck,
        "POST",
        "/api/v1/alerts/{id}/ack",
        false,
        &[],
    ),
    r(RouteId::Silences, "POST", "/api/v1/silences", false, &[]),
    r(RouteId::ConfigGet, "GET", "/api/v1/config", false, &[]),
    r(RouteId::ConfigPatch, "PATCH", "/api/v1/config", false, &[]),
];

/// The `route` label of each entry of [`ROUTES`] (by index), then `unmatched`.
pub fn route_labels() -> Vec<&'static str> {
    ROUTES
        .iter()
        .map(|r| r.path)
        .chain(std::iter::once("unmatched"))
        .collect()
}

/// What a path template captured.
#[derive(Debug, Default)]
pub struct PathArgs<'a> {
    pub segment: Option<&'a str>,
    pub rest: Option<&'a str>,
}

fn match_template<'a>(template: &str, path: &'a str) -> Option<PathArgs<'a>> {
    let mut args = PathArgs::default();
    let mut t = template.split('/');
    let mut p = path.split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return Some(args),
            (Some("{path}"), Some(seg)) => {
                // The rest of the path, as is: assets are looked up by exact name.
                let start = seg.as_ptr() as usize - path.as_ptr() as usize;
                args.rest = Some(&path[start..]);
                return Some(args);
            }
            (Some(ts), Some(ps)) if ts.starts_with('{') => {
                if ps.is_empty() {
                    return None;
                }
                args.segment = Some(ps);
            }
            (Some(ts), Some(ps)) if ts == ps => {}
            _ => return None,
        }
    }
}

/// A response before it is written.
pub struct Resp {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
    /// The body's entity tag when the handler already has it (a rendered body it reuses).
    pub etag: Option<String>,
}

impl Resp {
    pub fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Self {
        Resp {
            status,
            content_type,
            body,
            headers: Vec::new(),
            etag: None,
        }
    }

    pub fn json(status: u16, body: Vec<u8>) -> Self {
        Resp::new(status, "application/json", body)
    }
}

impl From<Problem> for Resp {
    fn from(p: Problem) -> Self {
        let mut r = Resp::new(p.status, "application/problem+json", p.to_json());
        r.headers = p.headers.clone();
        r
    }
}

/// What a handler gets.
pub struct Ctx<'a> {
    pub shared: &'a Shared,
    pub worker: &'a mut Worker,
    pub query: Query,
    pub path: PathArgs<'a>,
    pub body: Vec<u8>,
}

fn method_label(m: &tiny_http::Method) -> &'static str {
    use tiny_http::Method::*;
    match m {
        Get => "GET",
        Head => "HEAD",
        Post => "POST",
        Put => "PUT",
        Delete => "DELETE",
        Patch => "PATCH",
        Options => "OPTIONS",
        Connect => "CONNECT",
        Trace => "TRACE",
        NonStandard(_) => "OTHER",
    }
}

struct Headers {
    authorization: Option<String>,
    origin: Option<String>,
    if_none_match: Option<String>,
    content_type: Option<String>,
}

fn headers_of(rq: &tiny_http::Request) -> Headers {
    let mut h = Headers {
        authorization: None,
        origin: None,
        if_none_match: None,
        content_type: None,
    };
    for header in rq.headers() {
        let f = &header.field;
        let v = || Some(header.value.as_str().to_owned());
        if f.equiv("Authorization") {
            h.authorization = v();
        } else if f.equiv("Origin") {
            h.origin = v();
        } else if f.equiv("If-None-Match") {
            h.if_none_match = v();
        } else if f.equiv("Content-Type") {
            h.content_type = v();
        }
    }
    h
}

pub fn handle(shared: &Shared, worker: &mut Worker, mut rq: tiny_http::Request) {
    let started = Instant::now();
    let method = method_label(rq.method());
    let headers = headers_of(&rq);
    let url = rq.url().to_owned();
    let (route, mut resp) = dispatch(shared, worker, &mut rq, method, &url, &headers);
    let cors_origin = headers.origin.as_deref().filter(|o| {
        shared
            .config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .api
            .cors_origins
            .iter()
            .any(|c| c == o)
    });
    if let Some(origin) = cors_origin {
        resp.headers
            .push(("Access-Control-Allow-Origin", origin.to_owned()));
        resp.headers
            .push(("Access-Control-Expose-Headers", "ETag".into()));
        resp.headers.push(("Vary", "Origin".into()));
    }
    // Conditional GET: a strong validator over the exact bytes.
    if matches!(method, "GET" | "HEAD") && resp.status == 200 {
        let etag = resp.etag.take().unwrap_or_else(|| etag_of(&resp.body));
        if headers
            .if_none_match
            .as_deref()
            .is_some_and(|inm| etag_matches(inm, &etag))
        {
            resp.status = 304;
            resp.body.clear();
        }
        resp.headers.push(("ETag", etag));
    }
    let label = route.unwrap_or(ROUTES.len());
    shared
        .http
        .record(label, method, resp.status, started.elapsed());
    write(rq, resp);
}

/// A strong validator of the exact bytes: their length and a 64-bit SipHash (fixed keys, so
/// every process spells the same body's tag the same; not a security boundary, a cache key).
pub(super) fn etag_of(body: &[u8]) -> String {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    h.write(body);
    format!("\"{:x}-{:016x}\"", body.len(), h.finish())
}

/// `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/` is ignored.
fn etag_matches(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

fn write(rq: tiny_http::Request, resp: Resp) {
    let mut out = tiny_http::Response::from_data(resp.body).with_status_code(resp.status);
    let mut add = |name: &str, value: &str| {
        if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            out.add_header(h);
        }
    };
    if resp.status != 304 && resp.status != 204 {
        add("Content-Type", resp.content_type);
    }
    add("Cache-Control", "no-cache");
    add("X-Content-Type-Options", "nosniff");
    for (k, v) in &resp.headers {
        add(k, v);
    }
    if let Err(e) = rq.respond(out) {
        tracing::debug!(error = %e, "client went away before the response was written");
    }
}

fn dispatch(
    shared: &Shared,
    worker: &mut Worker,
    rq: &mut tiny_http::Request,
    method: &'static str,
    url: &str,
    headers: &Headers,
) -> (Option<usize>, Resp) {
    let (path, raw_query) = url.split_once('?').unwrap_or((url, ""));
    let lookup_method = if method == "HEAD" { "GET" } else { method };
    let mut allowed: Vec<&'static str> = Vec::new();
    let mut found = None;
    let mut first_args = None;
    for (i, def) in ROUTES.iter().enumerate() {
        if let Some(args) = match_template(def.path, path) {
            if def.method == lookup_method {
                found = Some((i, def, args));
                break;
            }
            allowed.push(def.method);
            first_args.get_or_insert(args);
        }
    }
    let Some((index, def, args)) = found else {
        if allowed.is_empty() {
            return (
                None,
                Problem::not_found(format!("no route {path:?}")).into(),
            );
        }
        if method == "OPTIONS" {
            // A preflight names a resource as the real request would: a bad id or an
            // unknown asset gets the same 4xx here, never a 204 that invites the request.
            if let Some(args) = first_args
                && let Err(p) = check_path_args(&args)
            {
                return (None, p.into());
            }
            return (None, preflight(shared, &allowed, headers));
        }
        if allowed.contains(&"GET") {
            allowed.push("HEAD");
        }
        return (None, Problem::method_not_allowed(&allowed).into());
    };
    let result = (|| -> Result<Resp, Problem> {
        if !def.open {
            let tokens = shared.tokens.read().unwrap_or_else(|p| p.into_inner());
            if !tokens.is_empty() {
                let grant = tokens.check(headers.authorization.as_deref())?;
                if def.method != "GET" && grant == Grant::Read {
                    return Err(Problem::forbidden(
                        "the read token may only GET; this needs the admin token",
                    ));
                }
            }
        }
        let query = Query::parse(raw_query, def.query)?;
        let body = if def.method == "GET" {
            Vec::new()
        } else {
            read_body(rq, headers)?
        };
        let mut ctx = Ctx {
            shared,
            worker,
            query,
            path: args,
            body,
        };
        handlers::run(def.id, &mut ctx)
    })();
    (Some(index), result.unwrap_or_else(Resp::from))
}

/// The path arguments as the handlers read them: `{id}` a positive integer, `{path}` an
/// embedded asset.
fn check_path_args(args: &PathArgs<'_>) -> Result<(), Problem> {
    if let Some(raw) = args.segment {
        parse_id(raw)?;
    }
    if let Some(rest) = args.rest
        && super::assets::find(rest).is_none()
    {
        return Err(super::handlers::no_asset(rest));
    }
    Ok(())
}

/// An alert id in a path: a positive integer in plain ASCII digits.
pub fn parse_id(raw: &str) -> Result<i64, Problem> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0 && raw.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            Problem::param(
                "id",
                format!(
                    "{:?} is not an alert id (a positive integer)",
                    raw.chars().take(64).collect::<String>()
                ),
            )
        })
}

fn preflight(shared: &Shared, allowed: &[&str], headers: &Headers) -> Resp {
    let mut resp = Resp::new(204, "text/plain", Vec::new());
    let mut methods = allowed.to_vec();
    methods.push("OPTIONS");
    resp.headers.push(("Allow", methods.join(", ")));
    let listed = headers.origin.as_deref().is_some_and(|o| {
        shared
            .config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .api
            .cors_origins
            .iter()
            .any(|c| c == o)
    });
    if listed {
        resp.headers
            .push(("Access-Control-Allow-Methods", methods.join(", ")));
        resp.headers.push((
            "Access-Control-Allow-Headers",
            "Authorization, Content-Type, If-None-Match".into(),
        ));
        resp.headers.push(("Access-Control-Max-Age", "600".into()));
    }
    resp
}

fn read_body(rq: &mut tiny_http::Request, headers: &Headers) -> Result<Vec<u8>, Problem> {
    if rq.body_length().is_some_and(|n| n > MAX_BODY) {
        return Err(Problem::too_large(MAX_BODY));
    }
    if let Some(ct) = headers.content_type.as_deref() {
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if essence != "application/json" && essence != "application/merge-patch+json" {
            return Err(Problem::unsupported_media_type(format!(
                "send the body as application/json, not {essence:?}"
            )));
        }
    }
    let mut body = Vec::new();
    rq.as_reader()
        .take(MAX_BODY as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| Problem::body("", format!("cannot read the body: {e}")))?;
    if body.len() > MAX_BODY {
        return Err(Problem::too_large(MAX_BODY));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_capture_segments_and_the_rest() {
        let a = match_template("/api/v1/alerts/{id}/ack", "/api/v1/alerts/12/ack").unwrap();
        assert_eq!(a.segment, Some("12"));
        assert!(match_template("/api/v1/alerts/{id}/ack", "/api/v1/alerts//ack").is_none());
        assert!(match_template("/api/v1/status", "/api/v1/status/").is_none());
        let a = match_template("/assets/{path}", "/assets/../Cargo.toml").unwrap();
        assert_eq!(a.rest, Some("../Cargo.toml"));
        assert!(match_template("/", "/").is_some());
        assert!(match_template("/", "/x").is_none());
    }

    #[test]
    fn etags_compare_weakly_and_star_matches() {
        let e = etag_of(b"x");
        assert!(etag_matches(&e, &e));
        assert!(etag_matches(&format!("\"zz\", W/{e}"), &e));
        assert!(etag_matches("*", &e));
        assert!(!etag_matches("\"zz\"", &e));
    }
}
