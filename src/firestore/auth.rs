//! Credentials for Firestore: the emulator's fixed `Bearer owner`, or a service-account key
//! exchanged for an OAuth access token (RS256 JWT bearer grant), cached until near expiry.
//!
//! Neither the private key nor a token ever reaches an error message, a log line or a
//! `Debug` string.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

/// The OAuth scope that covers Firestore reads and writes.
pub const DATASTORE_SCOPE: &str = "https://www.googleapis.com/auth/datastore";
/// Where Google issues tokens when the key file names no `token_uri`.
const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
/// A cached token is replaced once less than this much of its life remains.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);
/// Lifetime of the signed assertion (Google's maximum).
const ASSERTION_LIFETIME_SECS: u64 = 3600;

/// Why credentials could not be loaded or exchanged for a token.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("cannot read the service-account file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the service-account file {} is not valid JSON: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("the service-account file {} has no `{field}`", path.display())]
    MissingField { path: PathBuf, field: &'static str },
    #[error("the service-account file {} has an unusable `private_key`: {message}", path.display())]
    BadKey { path: PathBuf, message: String },
    #[error("the token endpoint {token_uri} could not be reached: {message}")]
    TokenEndpointUnavailable { token_uri: String, message: String },
    #[error(
        "the token endpoint {token_uri} refused the service account in {} (HTTP {status}): {message}",
        path.display()
    )]
    TokenRejected {
        path: PathBuf,
        token_uri: String,
        status: u16,
        message: String,
    },
    #[error("the token endpoint {token_uri} sent an unreadable answer: {message}")]
    TokenResponse { token_uri: String, message: String },
}

impl CredentialsError {
    /// Advice for the person at the terminal.
    pub fn hint(&self) -> Option<String> {
        match self {
            CredentialsError::Read { .. }
            | CredentialsError::Parse { .. }
            | CredentialsError::MissingField { .. }
            | CredentialsError::BadKey { .. } => Some(
                "download a JSON key for the service account (IAM → Service accounts → Keys) \
                 and point firestore.credentials_file or GOOGLE_APPLICATION_CREDENTIALS at it"
                    .to_owned(),
            ),
            CredentialsError::TokenRejected { .. } => Some(
                "the key may be revoked or the clock skewed; create a new key or check the \
                 system time"
                    .to_owned(),
            ),
            CredentialsError::TokenEndpointUnavailable { .. }
            | CredentialsError::TokenResponse { .. } => None,
        }
    }

    /// True when the token endpoint could not be reached (worth retrying).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, CredentialsError::TokenEndpointUnavailable { .. })
    }
}

/// The parts of a service-account JSON key this client uses.
#[derive(Clone, Deserialize)]
pub struct ServiceAccountKey {
    pub client_email: String,
    pub private_key: String,
    pub token_uri: String,
    pub project_id: Option<String>,
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("private_key", &"<redacted>")
            .field("token_uri", &self.token_uri)
            .field("project_id", &self.project_id)
            .finish()
    }
}

impl ServiceAccountKey {
    /// Reads and checks a service-account JSON file. Errors name the file and the
    /// problem, never the key material.
    pub fn from_file(path: &Path) -> Result<Self, CredentialsError> {
        let text = std::fs::read_to_string(path).map_err(|source| CredentialsError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(path, &text)
    }

    /// Parses a service-account key; `path` is only used in error messages.
    pub fn from_json(path: &Path, text: &str) -> Result<Self, CredentialsError> {
        let raw: serde_json::Value =
            serde_json::from_str(text).map_err(|e| CredentialsError::Parse {
                path: path.to_owned(),
                // serde_json's message names a line and column, never the content.
                message: e.to_string(),
            })?;
        let field = |name: &'static str| -> Result<String, CredentialsError> {
            match raw.get(name).and_then(|v| v.as_str()) {
                Some(s) if !s.trim().is_empty() => Ok(s.to_owned()),
                _ => Err(CredentialsError::MissingField {
                    path: path.to_owned(),
                    field: name,
                }),
            }
        };
        if let Some(kind) = raw.get("type").and_then(|v| v.as_str())
            && kind != "service_account"
        {
            return Err(CredentialsError::Parse {
                path: path.to_owned(),
                message: format!("`type` is {kind:?}, expected \"service_account\""),
            });
        }
        let key = ServiceAccountKey {
            client_email: field("client_email")?,
            private_key: field("private_key")?,
            token_uri: field("token_uri").unwrap_or_else(|_| DEFAULT_TOKEN_URI.to_owned()),
            project_id: field("project_id").ok(),
        };
        key.encoding_key(path)?;
        Ok(key)
    }

    fn encoding_key(&self, path: &Path) -> Result<jsonwebtoken::EncodingKey, CredentialsError> {
        jsonwebtoken::EncodingKey::from_rsa_pem(self.private_key.as_bytes()).map_err(|e| {
            CredentialsError::BadKey {
                path: path.to_owned(),
                message: format!("not an RSA private key in PEM form ({})", e.kind_name()),
            }
        })
    }
}

/// A short, secret-free name for a jsonwebtoken error.
trait KindName {
    fn kind_name(&self) -> String;
}

impl KindName for jsonwebtoken::errors::Error {
    fn kind_name(&self) -> String {
        // The Debug form of the kind is a bare variant name such as `InvalidKeyFormat`;
        // inner sources (which might quote input) are deliberately not printed.
        use jsonwebtoken::errors::ErrorKind;
        match self.kind() {
            ErrorKind::InvalidKeyFormat => "invalid key format".to_owned(),
            ErrorKind::InvalidRsaKey(_) => "invalid RSA key".to_owned(),
            ErrorKind::RsaFailedSigning => "RSA signing failed".to_owned(),
            ErrorKind::Base64(_) => "bad base64 in the PEM body".to_owned(),
            _ => "unreadable key".to_owned(),
        }
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

#[derive(Clone)]
struct CachedToken {
    token: String,
    expires_at: SystemTime,
}

/// How requests authenticate.
pub enum Auth {
    /// The emulator: every request carries `Authorization: Bearer owner`.
    Emulator,
    /// A service account: tokens from its `token_uri`, cached.
    ServiceAccount(ServiceAccountAuth),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Emulator => f.write_str("Auth::Emulator"),
            Auth::ServiceAccount(sa) => f.debug_tuple("Auth::ServiceAccount").field(sa).finish(),
        }
    }
}

/// Token source for one service account.
pub struct ServiceAccountAuth {
    path: PathBuf,
    key: ServiceAccountKey,
    cache: Mutex<Option<CachedToken>>,
}

impl fmt::Debug for ServiceAccountAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountAuth")
            .field("path", &self.path)
            .field("key", &self.key)
            .field("token", &"<redacted>")
            .finish()
    }
}

impl Auth {
    /// Service-account auth from a key file (read and checked now).
    pub fn service_account(path: &Path) -> Result<Self, CredentialsError> {
        let key = ServiceAccountKey::from_file(path)?;
        Ok(Auth::ServiceAccount(ServiceAccountAuth {
            path: path.to_owned(),
            key,
            cache: Mutex::new(None),
        }))
    }

    /// The key's `project_id`, when it has one.
    pub fn project_id(&self) -> Option<&str> {
        match self {
            Auth::Emulator => None,
            Auth::ServiceAccount(sa) => sa.key.project_id.as_deref(),
        }
    }

    /// The bearer token for the next request: `owner` for the emulator, else a cached
    /// access token, fetched anew when less than five minutes of it remain.
    pub async fn bearer(&self, http: &reqwest::Client) -> Result<String, CredentialsError> {
        match self {
            Auth::Emulator => Ok("owner".to_owned()),
            Auth::ServiceAccount(sa) => sa.token(http).await,
        }
    }

    /// Forgets the cached token if it is still `used` (the one a 401 answered), so the
    /// next [`Auth::bearer`] fetches a new one. Concurrent requests that saw the same
    /// 401 cause one refresh, not one each.
    pub async fn invalidate(&self, used: &str) {
        if let Auth::ServiceAccount(sa) = self {
            let mut cache = sa.cache.lock().await;
            if cache.as_ref().is_some_and(|c| c.token == used) {
                *cache = None;
            }
        }
    }

    /// Forgets any cached token.
    pub async fn invalidate_all(&self) {
        if let Auth::ServiceAccount(sa) = self {
            *sa.cache.lock().await = None;
        }
    }
}

impl ServiceAccountAuth {
    async fn token(&self, http: &reqwest::Client) -> Result<String, CredentialsError> {
        // Holding the lock across the fetch makes concurrent callers wait for one
        // refresh instead of each fetching a token.
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && cached
                .expires_at
                .duration_since(SystemTime::now())
                .is_ok_and(|left| left >= REFRESH_MARGIN)
        {
            return Ok(cached.token.clone());
        }
        let fresh = self.fetch(http).await?;
        let token = fresh.token.clone();
        *cache = Some(fresh);
        Ok(token)
    }

    fn assertion(&self) -> Result<String, CredentialsError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let claims = Claims {
            iss: &self.key.client_email,
            scope: DATASTORE_SCOPE,
            aud: &self.key.token_uri,
            iat: now,
            exp: now + ASSERTION_LIFETIME_SECS,
        };
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        let key = self.key.encoding_key(&self.path)?;
        jsonwebtoken::encode(&header, &claims, &key).map_err(|e| CredentialsError::BadKey {
            path: self.path.clone(),
            message: format!("cannot sign with it ({})", e.kind_name()),
        })
    }

    async fn fetch(&self, http: &reqwest::Client) -> Result<CachedToken, CredentialsError> {
        let token_uri = &self.key.token_uri;
        let assertion = self.assertion()?;
        // The assertion is base64url and dots: nothing in it needs form-encoding.
        let body = format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}"
        );
        let unavailable = |e: reqwest::Error| CredentialsError::TokenEndpointUnavailable {
            token_uri: token_uri.clone(),
            message: super::client::describe_transport_error(&e),
        };
        let resp = http
            .post(token_uri.as_str())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(unavailable)?;
        let status = resp.status();
        let text = resp.text().await.map_err(unavailable)?;
        let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
        if !status.is_success() {
            if status.is_server_error() || status.as_u16() == 429 {
                return Err(CredentialsError::TokenEndpointUnavailable {
                    token_uri: token_uri.clone(),
                    message: format!("HTTP {}", status.as_u16()),
                });
            }
            // OAuth errors are `{"error", "error_description"}`; quote only those, never
            // the raw body.
            let field = |k: &str| {
                json.as_ref()
                    .and_then(|j| j.get(k))
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            };
            let message = match (field("error"), field("error_description")) {
                (Some(e), Some(d)) => format!("{e}: {d}"),
                (Some(e), None) => e,
                (None, Some(d)) => d,
                (None, None) => "no OAuth error in the response".to_owned(),
            };
            return Err(CredentialsError::TokenRejected {
                path: self.path.clone(),
                token_uri: token_uri.clone(),
                status: status.as_u16(),
                message,
            });
        }
        let bad = |message: &str| CredentialsError::TokenResponse {
            token_uri: token_uri.clone(),
            message: message.to_owned(),
        };
        let json = json.ok_or_else(|| bad("not JSON"))?;
        let token = json
            .get("access_token")
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("no access_token"))?;
        let expires_in = json
            .get("expires_in")
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .unwrap_or(3600);
        tracing::debug!(token_uri = %token_uri, expires_in, "fetched a Firestore access token");
        Ok(CachedToken {
            token: token.to_owned(),
            expires_at: SystemTime::now() + Duration::from_secs(expires_in),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/etc/vdt/sa.json";

    #[test]
    fn missing_fields_are_named_with_the_file() {
        let err = ServiceAccountKey::from_json(
            Path::new(PATH),
            r#"{"type":"service_account","private_key":"x"}"#,
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(PATH) && msg.contains("client_email"), "{msg}");
    }

    #[test]
    fn a_bad_pem_is_reported_without_the_key() {
        let secret = "-----BEGIN PRIVATE KEY-----\nTOPSECRETMATERIAL\n-----END PRIVATE KEY-----\n";
        let text = serde_json::json!({
            "type": "service_account",
            "client_email": "sa@p.iam.gserviceaccount.com",
            "private_key": secret,
            "token_uri": "http://127.0.0.1:1/token",
        })
        .to_string();
        let err = ServiceAccountKey::from_json(Path::new(PATH), &text).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, CredentialsError::BadKey { .. }), "{msg}");
        assert!(msg.contains(PATH), "{msg}");
        assert!(!msg.contains("TOPSECRET"), "{msg}");
        assert!(!format!("{err:?}").contains("TOPSECRET"));
    }

    #[test]
    fn not_json_names_the_file() {
        let err = ServiceAccountKey::from_json(Path::new(PATH), "nope").unwrap_err();
        assert!(err.to_string().contains(PATH));
    }

    #[test]
    fn debug_redacts_the_private_key() {
        let key = ServiceAccountKey {
            client_email: "sa@p".to_owned(),
            private_key: "SECRET-PEM".to_owned(),
            token_uri: "http://t".to_owned(),
            project_id: None,
        };
        let auth = Auth::ServiceAccount(ServiceAccountAuth {
            path: PathBuf::from(PATH),
            key,
            cache: Mutex::new(Some(CachedToken {
                token: "SECRET-TOKEN".to_owned(),
                expires_at: SystemTime::now(),
            })),
        });
        let dbg = format!("{auth:?}");
        assert!(!dbg.contains("SECRET"), "{dbg}");
        assert!(dbg.contains("sa@p"), "{dbg}");
    }
}
