//! An HTTP proxy in front of the emulator that injects what the emulator cannot produce —
//! 401/403/429/503, missing-index 400s, slow and dropped responses — following a script,
//! and otherwise forwards.
//!
//! Each request takes the next [`Action`] from the script (or the default, `Pass`). With
//! [`FaultProxy::with_tokens`] the proxy also plays Google's front end: it accepts only
//! bearer tokens the [`super::token_server::TokenServer`] issued and has not revoked,
//! answering 401 otherwise, and rewrites accepted ones to the emulator's `Bearer owner`.

use std::collections::{HashSet, VecDeque};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::http::{Request, Server, read_request, write_response};

/// Bearer tokens currently accepted (shared with the token server).
pub type TokenRegistry = Arc<Mutex<HashSet<String>>>;

/// What the proxy does with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Forward to the emulator.
    Pass,
    /// Answer this status with a Google-style error body.
    Status(u16),
    /// Answer this status with `Retry-After: secs`.
    StatusRetryAfter(u16, u64),
    /// Answer 400 `FAILED_PRECONDITION` with an index-creation link, as Firestore does.
    MissingIndex,
    /// Wait, then forward.
    Delay(Duration),
    /// Read the request, then close the connection without answering.
    Drop,
    /// Read the request, then reset the connection (RST, not FIN) without answering.
    Reset,
    /// Forward, send the first half of the emulator's response, then reset the connection.
    ResetMidBody,
}

/// One request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub authorization: Option<String>,
    pub action: Action,
}

#[derive(Default)]
struct State {
    script: VecDeque<Action>,
    default: Option<Action>,
    seen: Vec<Seen>,
}

pub struct FaultProxy {
    server: Server,
    state: Arc<Mutex<State>>,
}

/// The message Firestore sends with a missing-index 400.
pub const MISSING_INDEX_MESSAGE: &str = "The query requires an index. You can create it here: \
    https://console.firebase.google.com/v1/r/project/test/firestore/indexes?create_composite=Cg1test";

impl FaultProxy {
    /// A proxy to `upstream` (`host:port`) that passes the Authorization header through.
    pub fn start(upstream: &str) -> FaultProxy {
        Self::build(upstream, None)
    }

    /// A proxy that accepts only tokens in `tokens` and sends `Bearer owner` upstream.
    pub fn with_tokens(upstream: &str, tokens: TokenRegistry) -> FaultProxy {
        Self::build(upstream, Some(tokens))
    }

    fn build(upstream: &str, tokens: Option<TokenRegistry>) -> FaultProxy {
        let state = Arc::new(Mutex::new(State::default()));
        let upstream = upstream.to_owned();
        let st = state.clone();
        let server = Server::start(move |conn| {
            handle(conn, &upstream, &st, tokens.as_ref());
        });
        FaultProxy { server, state }
    }

    /// `http://127.0.0.1:PORT`: the client's `base_url`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Appends actions for the next requests, in order.
    pub fn push(&self, actions: impl IntoIterator<Item = Action>) {
        self.state.lock().unwrap().script.extend(actions);
    }

    /// What requests get once the script is used up (initially `Pass`).
    pub fn set_default(&self, action: Action) {
        self.state.lock().unwrap().default = Some(action);
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    pub fn request_count(&self) -> usize {
        self.state.lock().unwrap().seen.len()
    }

    /// Forgets the requests seen so far.
    pub fn clear_seen(&self) {
        self.state.lock().unwrap().seen.clear();
    }
}

fn handle(conn: TcpStream, upstream: &str, state: &Mutex<State>, tokens: Option<&TokenRegistry>) {
    let Ok(Some(req)) = read_request(&conn) else {
        return;
    };
    let action = {
        let mut st = state.lock().unwrap();
        let action = st
            .script
            .pop_front()
            .or_else(|| st.default.clone())
            .unwrap_or(Action::Pass);
        st.seen.push(Seen {
            method: req.method.clone(),
            target: req.target.clone(),
            authorization: req.header("authorization").map(str::to_owned),
            action: action.clone(),
        });
        action
    };
    match action {
        Action::Pass => forward(&conn, upstream, &req, tokens),
        Action::Delay(d) => {
            std::thread::sleep(d);
            forward(&conn, upstream, &req, tokens);
        }
        Action::Status(code) => error(&conn, code, None, "injected by the fault proxy"),
        Action::StatusRetryAfter(code, secs) => {
            error(&conn, code, Some(secs), "injected by the fault proxy")
        }
        Action::MissingIndex => {
            let body = serde_json::json!({"error": {
                "code": 400, "message": MISSING_INDEX_MESSAGE, "status": "FAILED_PRECONDITION"
            }});
            let _ = write_response(
                &conn,
                400,
                &[("Content-Type", "application/json".to_owned())],
                body.to_string().as_bytes(),
            );
        }
        Action::Drop => {
            let _ = conn.shutdown(Shutdown::Both);
        }
        Action::Reset => reset(conn),
        Action::ResetMidBody => {
            let Ok(mut up) = TcpStream::connect(upstream) else {
                return reset(conn);
            };
            let _ = up.set_read_timeout(Some(Duration::from_secs(60)));
            let head = format!(
                "{} {} HTTP/1.1\r\nHost: {upstream}\r\nAuthorization: Bearer owner\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                req.method,
                req.target,
                req.body.len()
            );
            if up.write_all(head.as_bytes()).is_ok()
                && up.write_all(&req.body).is_ok()
                && let Ok(raw) = read_response(&up)
            {
                let _ = (&conn).write_all(&raw[..raw.len() / 2]);
                let _ = (&conn).flush();
            }
            reset(conn);
        }
    }
}

/// Closes with SO_LINGER 0, so the peer gets a TCP reset ("connection reset by peer").
fn reset(conn: TcpStream) {
    let _ = socket2::SockRef::from(&conn).set_linger(Some(Duration::ZERO));
    drop(conn);
}

fn grpc_status(code: u16) -> &'static str {
    match code {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        500 => "INTERNAL",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "UNKNOWN",
    }
}

fn error(conn: &TcpStream, code: u16, retry_after: Option<u64>, message: &str) {
    let body = serde_json::json!({"error": {
        "code": code, "message": message, "status": grpc_status(code)
    }});
    let mut headers = vec![("Content-Type", "application/json".to_owned())];
    if let Some(s) = retry_after {
        headers.push(("Retry-After", s.to_string()));
    }
    let _ = write_response(conn, code, &headers, body.to_string().as_bytes());
}

fn forward(conn: &TcpStream, upstream: &str, req: &Request, tokens: Option<&TokenRegistry>) {
    let mut authorization = req.header("authorization").map(str::to_owned);
    if let Some(tokens) = tokens {
        let presented = authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !tokens.lock().unwrap().contains(presented) {
            return error(
                conn,
                401,
                None,
                "Request had invalid authentication credentials.",
            );
        }
        authorization = Some("Bearer owner".to_owned());
    }
    let Ok(mut up) = TcpStream::connect(upstream) else {
        return error(conn, 502, None, "emulator unreachable");
    };
    let _ = up.set_read_timeout(Some(Duration::from_secs(60)));
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {upstream}\r\n",
        req.method, req.target
    );
    for (k, v) in &req.headers {
        let skip = ["host", "connection", "authorization", "content-length"];
        if !skip.iter().any(|s| k.eq_ignore_ascii_case(s)) {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    if let Some(a) = authorization {
        head.push_str(&format!("Authorization: {a}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        req.body.len()
    ));
    if up.write_all(head.as_bytes()).is_err() || up.write_all(&req.body).is_err() {
        return error(conn, 502, None, "emulator write failed");
    }
    match read_response(&up) {
        Ok(raw) => relay(conn, &raw),
        Err(_) => error(conn, 502, None, "emulator read failed"),
    }
}

/// Reads one whole response: the emulator keeps connections open whatever the request
/// says, so the end is found from `Content-Length` or the last chunk, not from EOF.
fn read_response(mut up: &TcpStream) -> std::io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
            let body = &raw[split + 4..];
            let length = head.lines().find_map(|l| {
                l.strip_prefix("content-length:")
                    .and_then(|v| v.trim().parse::<usize>().ok())
            });
            let complete = match length {
                Some(n) => body.len() >= n,
                None if head.contains("transfer-encoding: chunked") => body.ends_with(b"0\r\n\r\n"),
                None => false,
            };
            if complete {
                return Ok(raw);
            }
        }
        let n = up.read(&mut buf)?;
        if n == 0 {
            return Ok(raw);
        }
        raw.extend_from_slice(&buf[..n]);
    }
}

/// Sends the emulator's response on, decoded from chunked if need be, with
/// `Connection: close` so the client never reuses a connection this proxy closes.
fn relay(conn: &TcpStream, raw: &[u8]) {
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return error(conn, 502, None, "emulator sent no HTTP head");
    };
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(502);
    let mut headers = Vec::new();
    let mut chunked = false;
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k.eq_ignore_ascii_case("transfer-encoding") {
            chunked = v.eq_ignore_ascii_case("chunked");
            continue;
        }
        if k.eq_ignore_ascii_case("connection") || k.eq_ignore_ascii_case("content-length") {
            continue;
        }
        headers.push((k.to_owned(), v.to_owned()));
    }
    if chunked {
        body = dechunk(&body);
    }
    let hdrs: Vec<(&str, String)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let _ = write_response(conn, status, &hdrs, &body);
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_hex = String::from_utf8_lossy(&data[..eol]);
        let size_hex = size_hex.split(';').next().unwrap_or("0").trim();
        let Ok(size) = usize::from_str_radix(size_hex, 16) else {
            return out;
        };
        if size == 0 || data.len() < eol + 2 + size {
            return out;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[(eol + 2 + size + 2).min(data.len())..];
    }
}
