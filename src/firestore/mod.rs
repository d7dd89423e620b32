//! Firestore REST v1 client: the error type and the module's public surface.
//!
//! Talks to Firestore (or its emulator) over plain REST with reqwest — no Google SDK.
//! Knows nothing of config files, the store or the terminal: callers hand it a
//! [`ClientConfig`] and get documents back, their values decoded to plain JSON by
//! [`decode_fields`].

mod auth;
mod client;
mod value;

pub use auth::{Auth, CredentialsError, DATASTORE_SCOPE, ServiceAccountAuth, ServiceAccountKey};
pub use client::{
    Client, ClientConfig, Cursor, DEFAULT_BASE_URL, Document, Order, PageQuery, RetryPolicy,
    lookup_field, request_counts,
};
pub use value::{decode_fields, decode_value, encode_fields, encode_value};

/// What can go wrong talking to Firestore.
///
/// [`FirestoreError::hint`] gives the one-line advice the command layer prints after
/// `hint:`; [`FirestoreError::is_unavailable`] says whether the service could not be
/// reached at all (the CLI's exit 69).
#[derive(Debug, thiserror::Error)]
pub enum FirestoreError {
    /// Connection refused, reset or timed out (or 503/504) on every attempt.
    #[error("Firestore is unavailable after {attempts} attempt(s): {message}")]
    Unavailable { attempts: u32, message: String },

    /// HTTP 403: the credentials are valid but may not read this database.
    #[error("permission denied (HTTP {status}): {message}")]
    PermissionDenied {
        status: u16,
        message: String,
        hint: String,
    },

    /// HTTP 401 even after fetching a fresh token.
    #[error("unauthenticated: Firestore rejected the credentials after a token refresh: {message}")]
    Unauthenticated { message: String },

    /// HTTP 400 `FAILED_PRECONDITION`: the query needs a composite index. Firestore's
    /// message carries the link that creates it.
    #[error("the query needs a Firestore index: {message}")]
    MissingIndex { message: String },

    /// HTTP 429 on every attempt.
    #[error("rate limited by Firestore after {attempts} attempt(s): {message}")]
    RateLimited { attempts: u32, message: String },

    /// Any other HTTP error status.
    #[error("Firestore answered HTTP {status}: {message}")]
    Http { status: u16, message: String },

    /// The service-account file or the token endpoint.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),

    /// A response that is not the JSON Firestore promises.
    #[error("cannot decode the Firestore response: {0}")]
    Decode(String),

    /// A configuration or query the client cannot send (no credentials, bad base URL,
    /// a cursor that does not fit the order).
    #[error("invalid Firestore request: {0}")]
    Invalid(String),
}

impl FirestoreError {
    /// Advice for the person at the terminal, where there is some to give.
    pub fn hint(&self) -> Option<String> {
        match self {
            FirestoreError::Unavailable { .. } => Some(
                "check the network, firestore.emulator_host or firestore.base_url; \
                 for the emulator, is it running?"
                    .to_owned(),
            ),
            FirestoreError::PermissionDenied { hint, .. } => Some(hint.clone()),
            FirestoreError::Unauthenticated { .. } => Some(
                "the service account's key may have been revoked or deleted; \
                 create a new key and point firestore.credentials_file at it"
                    .to_owned(),
            ),
            FirestoreError::MissingIndex { .. } => Some(
                "create the index with the link in the message above (or gcloud firestore \
                 indexes composite create), wait for it to build, then retry"
                    .to_owned(),
            ),
            FirestoreError::RateLimited { .. } => Some(
                "lower sync.concurrency or sync.page_size, or raise the sync frequency".to_owned(),
            ),
            FirestoreError::Credentials(e) => e.hint(),
            FirestoreError::Http { .. }
            | FirestoreError::Decode(_)
            | FirestoreError::Invalid(_) => None,
        }
    }

    /// True when Firestore could not be reached (the CLI maps this to exit 69).
    pub fn is_unavailable(&self) -> bool {
        match self {
            FirestoreError::Unavailable { .. } => true,
            FirestoreError::Credentials(e) => e.is_unavailable(),
            _ => false,
        }
    }

    /// True when the credentials were refused (401 after refresh, 403, or the token
    /// endpoint rejected the service account) — health reports these as `fail`.
    pub fn is_auth_rejected(&self) -> bool {
        match self {
            FirestoreError::PermissionDenied { .. } | FirestoreError::Unauthenticated { .. } => {
                true
            }
            FirestoreError::Credentials(e) => !e.is_unavailable(),
            _ => false,
        }
    }
}
