//! RFC 9457 problem details (`application/problem+json`): every error the API answers.

use serde::Serialize;

/// Where the problem types are documented; `type` is this plus a slug.
pub const TYPE_BASE: &str = "https://vdt.dev/problems/";

/// One error response. Boxed: it travels in every handler's `Err`, which should stay small.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem(Box<Details>);

impl std::ops::Deref for Problem {
    type Target = Details;
    fn deref(&self) -> &Details {
        &self.0
    }
}

impl std::ops::DerefMut for Problem {
    fn deref_mut(&mut self) -> &mut Details {
        &mut self.0
    }
}

/// The members of a problem document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Details {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The query or path parameter at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// The JSON pointer into the request body at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Headers the response needs besides the body's (`WWW-Authenticate`, `Allow`).
    #[serde(skip)]
    pub headers: Vec<(&'static str, String)>,
}

impl Problem {
    pub fn new(status: u16, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Problem(Box::new(Details {
            kind: format!("{TYPE_BASE}{slug}"),
            title: title.to_owned(),
            status,
            detail: detail.into(),
            param: None,
            pointer: None,
            headers: Vec::new(),
        }))
    }

    /// A query or path parameter that is missing, unknown or invalid.
    pub fn param(name: &str, detail: impl Into<String>) -> Self {
        let mut p = Problem::new(400, "invalid-parameter", "Invalid parameter", detail);
        p.param = Some(name.to_owned());
        p
    }

    /// A request body that does not parse or validate.
    pub fn body(pointer: &str, detail: impl Into<String>) -> Self {
        let mut p = Problem::new(400, "invalid-body", "Invalid request body", detail);
        p.pointer = Some(pointer.to_owned());
        p
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(404, "not-found", "Not found", detail)
    }

    pub fn unauthorized(detail: &str) -> Self {
        let mut p = Problem::new(401, "unauthorized", "Unauthorized", detail);
        p.headers
            .push(("WWW-Authenticate", "Bearer realm=\"vdt\"".to_owned()));
        p
    }

    pub fn forbidden(detail: &str) -> Self {
        Problem::new(403, "forbidden", "Forbidden", detail)
    }

    pub fn method_not_allowed(allow: &[&str]) -> Self {
        let mut p = Problem::new(
            405,
            "method-not-allowed",
            "Method not allowed",
            format!("this route answers {}", allow.join(", ")),
        );
        p.headers.push(("Allow", allow.join(", ")));
        p
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Problem::new(409, "conflict", "Conflict", detail)
    }

    pub fn too_large(limit: usize) -> Self {
        Problem::new(
            413,
            "body-too-large",
            "Request body too large",
            format!("the body must be at most {limit} bytes"),
        )
    }

    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Problem::new(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            detail,
        )
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Problem::new(503, "unavailable", "Service unavailable", detail)
    }

    /// An internal error: the detail is logged, not sent.
    pub fn internal(err: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %err, "API request failed");
        Problem::new(
            500,
            "internal",
            "Internal error",
            "the request failed on the server; see its log",
        )
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&*self.0).unwrap_or_default()
    }
}

impl From<crate::Error> for Problem {
    fn from(e: crate::Error) -> Self {
        // Another process holding the database is a moment's wait, not a server fault: the
        // client is told to retry, as the webhook receiver does.
        if e.exit_code() == crate::error::exit::TEMPFAIL {
            tracing::warn!(error = %DisplayChain(&e), "API write waited out the busy timeout");
            let mut p = Problem::new(
                503,
                "store-busy",
                "Service Unavailable",
                "the database is locked by another process; retry later",
            );
            p.headers.push(("Retry-After", "1".to_owned()));
            return p;
        }
        Problem::internal(&DisplayChain(&e))
    }
}

/// An error and its sources on one line, for the log.
struct DisplayChain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for DisplayChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cur = self.0.source();
        while let Some(c) = cur {
            write!(f, ": {c}")?;
            cur = c.source();
        }
        Ok(())
    }
}
