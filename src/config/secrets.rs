//! Secret resolution: a secret comes from an inline value, the environment variable a `*_env`
//! key names, or the file a `*_file` key names. Values never appear in errors or logs.

use crate::error::{Error, Result};
use std::path::PathBuf;

/// The three ways a config can point at one secret.
#[derive(Debug, Clone, Copy)]
pub struct SecretRef<'a> {
    /// The key path without suffix, e.g. `api.token` or `webhooks.sources.langwatch.secret`.
    pub key: &'a str,
    pub inline: Option<&'a str>,
    pub env: Option<&'a str>,
    pub file: Option<&'a PathBuf>,
}

/// Resolve a secret. `Ok(None)`: not configured (no key set, or a `*_env` naming an unset or
/// empty variable — the caller decides whether that is an error, as DESIGN says).
pub fn resolve_secret(
    r: SecretRef<'_>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<String>> {
    if let Some(v) = r.inline.filter(|v| !v.is_empty()) {
        return Ok(Some(v.to_owned()));
    }
    if let Some(name) = r.env {
        if let Some(v) = env(name).filter(|v| !v.is_empty()) {
            return Ok(Some(v));
        }
        if r.file.is_none() {
            return Ok(None);
        }
    }
    if let Some(path) = r.file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(format!(
                "{}_file: cannot read {}: {e}",
                r.key,
                path.display()
            ))
        })?;
        let text = text.trim_end_matches(['\n', '\r']).to_owned();
        if text.is_empty() {
            return Err(Error::config(format!(
                "{}_file: {} is empty",
                r.key,
                path.display()
            )));
        }
        return Ok(Some(text));
    }
    Ok(None)
}
