//! The API's cached reads, shared with `vdt cache warm` so both spell the same key and store
//! the same value: the status overview and the metrics summaries. The value is the data's
//! JSON text with the time it was computed, so a cache hit is served without rebuilding any
//! structure, and the envelope's `generated_at` (hence the ETag) stays put while the value does.

use crate::cache::KeyClass;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::time::Duration;

/// A computed read as the cache holds it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Computed {
    pub generated_at: String,
    pub data: Box<RawValue>,
}

fn raw<T: Serialize>(v: &T) -> Result<Box<RawValue>> {
    serde_json::value::to_raw_value(v).map_err(|e| Error::Internal(format!("cannot encode: {e}")))
}

/// `KeyClass::Status` key of the overview.
pub const STATUS_KEY: &str = "status";
pub const STATUS_CLASS: KeyClass = KeyClass::Status;
pub const METRICS_CLASS: KeyClass = KeyClass::Metrics;

/// The status overview (without uptime, which each response adds).
pub fn status(store: &Store, config: &Config) -> Result<Computed> {
    let o = crate::status::overview(store, config, chrono::Utc::now())?;
    Ok(Computed {
        generated_at: o.generated_at.clone(),
        data: raw(&o)?,
    })
}

/// A key part with `&`, `=` and `%` escaped, so two filters never spell the same key.
fn esc(v: &str) -> String {
    v.replace('%', "%25")
        .replace('&', "%26")
        .replace('=', "%3D")
}

/// The `KeyClass::Metrics` key of a request; an unfiltered one is spelled as
/// [`crate::cache::warm::keys::metrics_window`], which `vdt cache warm` fills.
pub fn metrics_key(window: &str, labels: &BTreeMap<String, String>) -> String {
    let get = |k: &str| labels.get(k).map(|v| esc(v)).unwrap_or_default();
    let mut key = format!(
        "window={}&model={}&project={}",
        esc(window),
        get("model"),
        get("project")
    );
    for extra in ["collection", "source"] {
        if let Some(v) = labels.get(extra) {
            key.push_str(&format!("&{extra}={}", esc(v)));
        }
    }
    key
}

/// The metrics summary of a window ending now.
pub fn metrics(
    store: &Store,
    window: Duration,
    labels: BTreeMap<String, String>,
) -> Result<Computed> {
    let q = crate::metrics::MetricsQuery {
        window,
        labels,
        now: None,
        buckets: 60,
    };
    let s = crate::metrics::summary(store, &q)?;
    Ok(Computed {
        generated_at: s.to.clone(),
        data: raw(&s)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::warm::keys;

    #[test]
    fn unfiltered_metrics_keys_are_the_warm_up_keys_and_filters_cannot_collide() {
        assert_eq!(
            metrics_key("24h", &BTreeMap::new()),
            keys::metrics_window("24h")
        );
        let a = BTreeMap::from([("model".to_owned(), "a&project=b".to_owned())]);
        let b = BTreeMap::from([
            ("model".to_owned(), "a".to_owned()),
            ("project".to_owned(), "b".to_owned()),
        ]);
        assert_ne!(metrics_key("1h", &a), metrics_key("1h", &b));
    }
}
