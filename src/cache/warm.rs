//! Warm-up: the hot reads the API serves, registered by the engines that own them, computed
//! once and stored under the current generation so the next read hits.
//!
//! A read that should be warmed registers `(class, key, compute)` with the SAME key and value
//! type its reader passes to [`Cache::get_or_compute`]; the key constants of the reads live in
//! [`keys`] so both sides spell them once.

use super::{Cache, KeyClass};
use crate::error::{Error, Result};
use crate::store::Store;
use serde::Serialize;
use std::time::Instant;

/// Keys of the hot reads, shared by the readers and the warm-up.
pub mod keys {
    /// `KeyClass::Config`: the `live_data_config` rows, as `Store::collections` returns them.
    pub const COLLECTIONS: &str = "collections";
    /// `KeyClass::Metrics`: the windows the API and dashboard ask for most.
    pub const COMMON_WINDOWS: [&str; 4] = ["5m", "1h", "24h", "7d"];
    /// `KeyClass::Metrics` key of an unfiltered window, as the API should spell it.
    pub fn metrics_window(window: &str) -> String {
        format!("window={window}&model=&project=")
    }
}

type Job<'a> = Box<dyn FnOnce(&Cache) -> Result<()> + 'a>;

/// A list of reads to precompute.
#[derive(Default)]
pub struct Warmer<'a> {
    items: Vec<(KeyClass, String, Job<'a>)>,
}

/// How one warm-up went.
#[derive(Debug, Clone, Serialize)]
pub struct WarmResult {
    pub class: KeyClass,
    pub key: String,
    pub ok: bool,
    pub error: Option<String>,
    pub duration_ms: u64,
    /// The error was Redis being unreachable (exit 69), not the compute.
    #[serde(skip)]
    pub unavailable: bool,
}

impl<'a> Warmer<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Register a read: `compute` is called once by [`Warmer::run`] and its value stored.
    pub fn add<T, F>(&mut self, class: KeyClass, key: impl Into<String>, compute: F)
    where
        T: Serialize,
        F: FnOnce() -> Result<T> + 'a,
    {
        let key = key.into();
        let k = key.clone();
        self.items.push((
            class,
            key,
            Box::new(move |cache: &Cache| cache.put(class, &k, &compute()?)),
        ));
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Compute and store each read in turn; `progress` hears of each as it finishes.
    pub fn run(self, cache: &Cache, mut progress: impl FnMut(&WarmResult)) -> Vec<WarmResult> {
        let mut out = Vec::with_capacity(self.items.len());
        for (class, key, job) in self.items {
            let started = Instant::now();
            let r = job(cache);
            let result = WarmResult {
                class,
                key,
                ok: r.is_ok(),
                unavailable: matches!(r, Err(Error::Unavailable { .. })),
                error: r.err().map(|e| e.to_string()),
                duration_ms: started.elapsed().as_millis() as u64,
            };
            progress(&result);
            out.push(result);
        }
        out
    }
}

/// The hot reads: the collections, the API's status document, and its metrics for each of
/// [`keys::COMMON_WINDOWS`] keyed by [`keys::metrics_window`] (values built by
/// [`crate::api::reads`], the same functions the API reads through).
pub fn hot_reads<'a>(store: &'a Store, config: &'a crate::config::Config) -> Warmer<'a> {
    let mut w = Warmer::new();
    w.add(KeyClass::Config, keys::COLLECTIONS, move || {
        store.collections()
    });
    w.add(
        crate::api::reads::STATUS_CLASS,
        crate::api::reads::STATUS_KEY,
        move || crate::api::reads::status(store, config),
    );
    for window in keys::COMMON_WINDOWS {
        let Ok(d) = crate::net::parse_duration(window) else {
            continue;
        };
        w.add(
            crate::api::reads::METRICS_CLASS,
            keys::metrics_window(window),
            move || crate::api::reads::metrics(store, d, Default::default()),
        );
    }
    w
}
