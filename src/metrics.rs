//! The metrics engine of DESIGN "Metrics": trace metrics over a window of `traces.ts_ms`
//! (counts, rates, true nearest-rank latency percentiles, cost, tokens), sync and webhook
//! metrics, filtered by the `model`, `project`, `collection` and `source` labels.
//!
//! Two entry points share one scan code path:
//! - [`summary`] — everything the API's `/api/v1/metrics` serves: totals, `by_model`, `series`.
//! - [`evaluate_many`] — many (metric, window, labels, group_by) requests at once, as alert
//!   rules need them. Every trace request is answered from ONE scan of the widest window:
//!   each row is dispatched to the (window, filter, group_by) groups it belongs to, so 100
//!   rules cost about one pass over the data, not 100.
//!
//! Label meanings on traces: `model` and `project` are the columns; `collection` selects
//! `source = 'firestore:<collection>'`; `source` selects the raw source string or
//! `webhook:<source>`. On sync metrics only `collection` applies, on webhook metrics only
//! `source`; other labels are ignored there.
//!
//! No data: rates and percentiles of an empty window are `None`, and a rule on `None` does not
//! fire. Counts and sums (`traces_total`, `cost_usd`, `tokens_total`, `sync_failures`) of an
//! empty window are 0, so a "no traffic" rule such as `traces_total < 1` can fire.
//! `cache_hit_ratio` and `redis_memory_ratio` belong to the cache: `None` here, filled in from
//! the cache by the alerts engine (`alerts::fill_cache_metrics`).

use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::metrics::{ScanFilter, TraceSample};
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Metrics computed from `traces`.
pub const TRACE_METRICS: [&str; 8] = [
    "traces_total",
    "error_rate",
    "success_rate",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "cost_usd",
    "tokens_total",
];

/// The trace metrics of one window (or one group, or one series bucket).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceMetrics {
    pub traces_total: u64,
    /// Fraction of traces with status `error`; `None` for an empty window.
    pub error_rate: Option<f64>,
    /// Fraction of traces with status `success`; `None` for an empty window.
    pub success_rate: Option<f64>,
    pub latency_p50_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub cost_usd: f64,
    pub tokens_total: i64,
}

impl TraceMetrics {
    /// A metric by its DESIGN name; `None` for no data or a name that is not a trace metric.
    pub fn get(&self, metric: &str) -> Option<f64> {
        match metric {
            "traces_total" => Some(self.traces_total as f64),
            "error_rate" => self.error_rate,
            "success_rate" => self.success_rate,
            "latency_p50_ms" => self.latency_p50_ms,
            "latency_p95_ms" => self.latency_p95_ms,
            "latency_p99_ms" => self.latency_p99_ms,
            "cost_usd" => Some(self.cost_usd),
            "tokens_total" => Some(self.tokens_total as f64),
            _ => None,
        }
    }
}

/// Which rows a trace metric counts, from a rule's or a request's labels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceFilter {
    pub model: Option<String>,
    pub project: Option<String>,
    pub collection: Option<String>,
    pub source: Option<String>,
}

impl TraceFilter {
    /// Labels other than the four of DESIGN are ignored (config validation refuses them).
    pub fn from_labels(labels: &BTreeMap<String, String>) -> Self {
        TraceFilter {
            model: labels.get("model").cloned(),
            project: labels.get("project").cloned(),
            collection: labels.get("collection").cloned(),
            source: labels.get("source").cloned(),
        }
    }

    fn source_values(v: &str) -> Vec<String> {
        if v.contains(':') {
            vec![v.to_owned()]
        } else {
            vec![v.to_owned(), format!("webhook:{v}")]
        }
    }

    fn matches(&self, s: &TraceSample<'_>) -> bool {
        if let Some(m) = &self.model
            && s.model != Some(m.as_str())
        {
            return false;
        }
        if let Some(p) = &self.project
            && s.project != Some(p.as_str())
        {
            return false;
        }
        if let Some(c) = &self.collection
            && s.source.strip_prefix("firestore:") != Some(c.as_str())
        {
            return false;
        }
        if let Some(src) = &self.source
            && s.source != src
            && s.source.strip_prefix("webhook:") != Some(src.as_str())
        {
            return false;
        }
        true
    }

    fn scan_filter(&self) -> ScanFilter<'_> {
        ScanFilter {
            model: self.model.as_deref(),
            project: self.project.as_deref(),
            sources: match (&self.collection, &self.source) {
                (Some(c), _) => Some(vec![format!("firestore:{c}")]),
                (None, Some(s)) => Some(Self::source_values(s)),
                (None, None) => None,
            },
        }
    }
}

fn label_of<'a>(s: &TraceSample<'a>, label: &str) -> Option<&'a str> {
    match label {
        "model" => s.model,
        "project" => s.project,
        "collection" => s.source.strip_prefix("firestore:"),
        "source" => Some(s.source),
        _ => None,
    }
}

/// Running sums for one group.
#[derive(Debug, Default)]
struct Acc {
    total: u64,
    errors: u64,
    successes: u64,
    cost: f64,
    tokens: i64,
    durations: Vec<f64>,
}

impl Acc {
    fn add(&mut self, s: &TraceSample<'_>, keep_durations: bool) {
        self.total += 1;
        match s.status {
            Some("error") => self.errors += 1,
            Some("success") => self.successes += 1,
            _ => {}
        }
        self.cost += s.cost_usd.unwrap_or(0.0);
        self.tokens += s.tokens;
        if keep_durations && let Some(d) = s.duration_ms.filter(|d| d.is_finite()) {
            self.durations.push(d);
        }
    }

    fn finish(mut self) -> TraceMetrics {
        let rate = |n: u64| (self.total > 0).then(|| n as f64 / self.total as f64);
        let p = percentiles(&mut self.durations, &[50, 95, 99]);
        TraceMetrics {
            traces_total: self.total,
            error_rate: rate(self.errors),
            success_rate: rate(self.successes),
            latency_p50_ms: p[0],
            latency_p95_ms: p[1],
            latency_p99_ms: p[2],
            cost_usd: self.cost,
            tokens_total: self.tokens,
        }
    }
}

/// Nearest-rank percentiles (`ps` ascending, in percent): the value at rank ⌈p·n/100⌉ of the
/// sorted values. Uses selection, not a full sort; reorders `v`.
pub fn percentiles(v: &mut [f64], ps: &[u64]) -> Vec<Option<f64>> {
    let n = v.len() as u64;
    if n == 0 {
        return vec![None; ps.len()];
    }
    let mut out = Vec::with_capacity(ps.len());
    let mut offset = 0usize;
    let mut last: Option<(usize, f64)> = None;
    for &p in ps {
        let rank = (p * n).div_ceil(100).clamp(1, n) as usize;
        let idx = rank - 1;
        if let Some((li, lv)) = last
            && li == idx
        {
            out.push(Some(lv));
            continue;
        }
        debug_assert!(idx >= offset, "percentiles must be ascending");
        let (_, x, _) = v[offset..].select_nth_unstable_by(idx - offset, f64::total_cmp);
        let x = *x;
        out.push(Some(x));
        last = Some((idx, x));
        offset = idx + 1;
    }
    out
}

/// One unit of shared trace work: a window, a filter and the labels to group by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TraceSpec {
    pub window_ms: i64,
    pub filter: TraceFilter,
    pub group_by: Vec<String>,
    /// Whether durations must be kept (a latency metric is asked for).
    pub percentiles: bool,
}

/// One group's labels (the `group_by` values; empty when not grouped) and its metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouped {
    pub labels: BTreeMap<String, String>,
    pub metrics: TraceMetrics,
}

struct SpecState<'s> {
    spec: &'s TraceSpec,
    from_ms: i64,
    groups: Vec<(Vec<String>, Acc)>,
}

/// Answer every spec from one scan of the widest window ending at `now_ms`. A spec without
/// `group_by` always yields exactly one entry (an empty window gives zero counts).
pub fn trace_groups(store: &Store, now_ms: i64, specs: &[TraceSpec]) -> Result<Vec<Vec<Grouped>>> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let widest = specs.iter().map(|s| s.window_ms).max().unwrap_or(0);
    let mut states: Vec<SpecState<'_>> = specs
        .iter()
        .map(|spec| SpecState {
            spec,
            from_ms: now_ms - spec.window_ms,
            groups: if spec.group_by.is_empty() {
                vec![(Vec::new(), Acc::default())]
            } else {
                Vec::new()
            },
        })
        .collect();
    // When every spec filters the same way the filter goes into the SQL; otherwise the scan
    // reads the whole window once and each row is matched against each spec here.
    let shared = if specs.iter().all(|s| s.filter == specs[0].filter) {
        specs[0].filter.scan_filter()
    } else {
        ScanFilter::default()
    };
    store.scan_traces(now_ms - widest, now_ms, &shared, |s| {
        for st in states.iter_mut() {
            if s.ts_ms <= st.from_ms || !st.spec.filter.matches(s) {
                continue;
            }
            let keep = st.spec.percentiles;
            if st.spec.group_by.is_empty() {
                st.groups[0].1.add(s, keep);
                continue;
            }
            // Group keys live on the stack: no allocation per row unless a new group appears.
            let mut key: [&str; 8] = [""; 8];
            let n = st.spec.group_by.len().min(key.len());
            let mut complete = true;
            for (slot, l) in key.iter_mut().zip(&st.spec.group_by) {
                match label_of(s, l) {
                    Some(v) => *slot = v,
                    None => {
                        complete = false;
                        break;
                    }
                }
            }
            if !complete {
                continue;
            }
            let key = &key[..n];
            match st
                .groups
                .iter_mut()
                .find(|(k, _)| k.iter().map(String::as_str).eq(key.iter().copied()))
            {
                Some((_, acc)) => acc.add(s, keep),
                None => {
                    let mut acc = Acc::default();
                    acc.add(s, keep);
                    st.groups
                        .push((key.iter().map(|v| (*v).to_owned()).collect(), acc));
                }
            }
        }
    })?;
    Ok(states
        .into_iter()
        .map(|st| {
            let names = &st.spec.group_by;
            st.groups
                .into_iter()
                .map(|(values, acc)| Grouped {
                    labels: names.iter().cloned().zip(values).collect(),
                    metrics: acc.finish(),
                })
                .collect()
        })
        .collect())
}

/// One metric asked for, as an alert rule asks.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRequest {
    pub metric: String,
    pub window: Duration,
    pub labels: BTreeMap<String, String>,
    pub group_by: Vec<String>,
}

/// A value for one group (labels empty when the request has no `group_by`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricValue {
    pub labels: BTreeMap<String, String>,
    pub value: Option<f64>,
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

/// Answer many requests, sharing work: one traces scan for all trace metrics, one sync query
/// and one webhook query per distinct window. A request without `group_by` yields one value.
pub fn evaluate_many(
    store: &Store,
    now: DateTime<Utc>,
    reqs: &[MetricRequest],
) -> Result<Vec<Vec<MetricValue>>> {
    let now_ms = now.timestamp_millis();
    let mut specs: Vec<TraceSpec> = Vec::new();
    let mut spec_of: Vec<Option<usize>> = Vec::with_capacity(reqs.len());
    for r in reqs {
        if !TRACE_METRICS.contains(&r.metric.as_str()) {
            spec_of.push(None);
            continue;
        }
        let latency = r.metric.starts_with("latency_");
        let (window_ms, filter) = (ms(r.window), TraceFilter::from_labels(&r.labels));
        let found = specs.iter().position(|s| {
            s.window_ms == window_ms && s.filter == filter && s.group_by == r.group_by
        });
        let i = match found {
            Some(i) => i,
            None => {
                specs.push(TraceSpec {
                    window_ms,
                    filter,
                    group_by: r.group_by.clone(),
                    percentiles: false,
                });
                specs.len() - 1
            }
        };
        specs[i].percentiles |= latency;
        spec_of.push(Some(i));
    }
    let traces = trace_groups(store, now_ms, &specs)?;

    let mut lags = None;
    let mut runs: HashMap<i64, Vec<crate::store::metrics::SyncRuns>> = HashMap::new();
    let mut hooks: HashMap<i64, Vec<(String, i64, f64)>> = HashMap::new();
    let since = |w: Duration| crate::store::ts(now - chrono::Duration::milliseconds(ms(w)));
    let mut out = Vec::with_capacity(reqs.len());
    for (r, spec) in reqs.iter().zip(spec_of) {
        let values = match (spec, r.metric.as_str()) {
            (Some(i), m) => traces[i]
                .iter()
                .map(|g| MetricValue {
                    labels: g.labels.clone(),
                    value: g.metrics.get(m),
                })
                .collect(),
            (None, "sync_lag_seconds") => {
                if lags.is_none() {
                    lags = Some(store.sync_lags()?);
                }
                let rows = lags.as_deref().unwrap_or_default();
                sync_lag(rows, now, r)
            }
            (None, m @ ("sync_failures" | "sync_success_rate")) => {
                let w = ms(r.window);
                if let std::collections::hash_map::Entry::Vacant(e) = runs.entry(w) {
                    e.insert(store.sync_runs_since(&since(r.window))?);
                }
                sync_runs(&runs[&w], m, r)
            }
            (None, m @ ("webhook_rejected_rate" | "webhook_p99_ms")) => {
                let w = ms(r.window);
                if let std::collections::hash_map::Entry::Vacant(e) = hooks.entry(w) {
                    e.insert(store.webhook_deliveries_since(&since(r.window))?);
                }
                webhook(&hooks[&w], m, r)
            }
            (None, "cache_hit_ratio" | "redis_memory_ratio") => vec![MetricValue {
                labels: BTreeMap::new(),
                value: None,
            }],
            (None, m) => {
                return Err(Error::config(format!("unknown metric {m:?}")));
            }
        };
        out.push(values);
    }
    Ok(out)
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn grouped_by(r: &MetricRequest, label: &str) -> bool {
    r.group_by.iter().any(|g| g == label)
}

/// Seconds since each collection's last successful sync (since it was configured, when it
/// never synced). Ungrouped: the worst collection.
fn sync_lag(
    rows: &[crate::store::metrics::SyncLag],
    now: DateTime<Utc>,
    r: &MetricRequest,
) -> Vec<MetricValue> {
    let want = r.labels.get("collection");
    let per: Vec<(String, Option<f64>)> = rows
        .iter()
        .filter(|l| want.is_none_or(|c| c == &l.collection))
        .map(|l| {
            let since = l
                .last_success
                .as_deref()
                .and_then(parse_time)
                .or_else(|| parse_time(&l.created_at));
            let lag = since.map(|t| ((now - t).num_milliseconds().max(0)) as f64 / 1000.0);
            (l.collection.clone(), lag)
        })
        .collect();
    if grouped_by(r, "collection") {
        per.into_iter()
            .map(|(c, v)| MetricValue {
                labels: BTreeMap::from([("collection".to_owned(), c)]),
                value: v,
            })
            .collect()
    } else {
        let worst = per.iter().filter_map(|(_, v)| *v).reduce(f64::max);
        vec![MetricValue {
            labels: BTreeMap::new(),
            value: worst,
        }]
    }
}

fn sync_runs(
    rows: &[crate::store::metrics::SyncRuns],
    metric: &str,
    r: &MetricRequest,
) -> Vec<MetricValue> {
    let want = r.labels.get("collection");
    let value = |ok: u64, err: u64| -> Option<f64> {
        if metric == "sync_failures" {
            Some(err as f64)
        } else {
            (ok + err > 0).then(|| ok as f64 / (ok + err) as f64)
        }
    };
    let rows = rows
        .iter()
        .filter(|x| want.is_none_or(|c| c == &x.collection));
    if grouped_by(r, "collection") {
        rows.map(|x| MetricValue {
            labels: BTreeMap::from([("collection".to_owned(), x.collection.clone())]),
            value: value(x.successes, x.errors),
        })
        .collect()
    } else {
        let (ok, err) = rows.fold((0, 0), |(a, b), x| (a + x.successes, b + x.errors));
        vec![MetricValue {
            labels: BTreeMap::new(),
            value: value(ok, err),
        }]
    }
}

fn webhook(rows: &[(String, i64, f64)], metric: &str, r: &MetricRequest) -> Vec<MetricValue> {
    let want = r
        .labels
        .get("source")
        .map(|s| s.strip_prefix("webhook:").unwrap_or(s));
    let compute = |items: &[&(String, i64, f64)]| -> Option<f64> {
        if items.is_empty() {
            return None;
        }
        if metric == "webhook_rejected_rate" {
            let rejected = items.iter().filter(|x| x.1 >= 400).count();
            Some(rejected as f64 / items.len() as f64)
        } else {
            let mut d: Vec<f64> = items.iter().map(|x| x.2).collect();
            percentiles(&mut d, &[99])[0]
        }
    };
    let rows: Vec<&(String, i64, f64)> = rows
        .iter()
        .filter(|x| want.is_none_or(|s| s == x.0))
        .collect();
    if grouped_by(r, "source") {
        let mut by: BTreeMap<&str, Vec<&(String, i64, f64)>> = BTreeMap::new();
        for x in rows {
            by.entry(x.0.as_str()).or_default().push(x);
        }
        by.into_iter()
            .map(|(s, items)| MetricValue {
                labels: BTreeMap::from([("source".to_owned(), s.to_owned())]),
                value: compute(&items),
            })
            .collect()
    } else {
        vec![MetricValue {
            labels: BTreeMap::new(),
            value: compute(&rows),
        }]
    }
}

/// What `/api/v1/metrics` asks for.
#[derive(Debug, Clone)]
pub struct MetricsQuery {
    pub window: Duration,
    /// `model`, `project`, `collection`, `source` filters.
    pub labels: BTreeMap<String, String>,
    /// The end of the window; `None` is now.
    pub now: Option<DateTime<Utc>>,
    /// About how many series buckets (a round bucket size is chosen; default 60).
    pub buckets: u32,
}

impl Default for MetricsQuery {
    fn default() -> Self {
        MetricsQuery {
            window: Duration::from_secs(3600),
            labels: BTreeMap::new(),
            now: None,
            buckets: 60,
        }
    }
}

/// The trace metrics of a window: the DESIGN keys at the top level, then `by_model` (the same
/// keys per model; traces without a model under `"(none)"`) and `series`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsSummary {
    #[serde(flatten)]
    pub totals: TraceMetrics,
    pub by_model: BTreeMap<String, TraceMetrics>,
    pub series: Series,
    pub window_seconds: u64,
    /// The window is `(from, to]`, RFC 3339.
    pub from: String,
    pub to: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub bucket_seconds: u64,
    pub buckets: Vec<SeriesBucket>,
}

/// One time bucket `[start, start + bucket_seconds)`, oldest first; empty buckets are listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesBucket {
    pub start: String,
    #[serde(flatten)]
    pub metrics: TraceMetrics,
}

/// Model key for traces without a model in `by_model`.
pub const NO_MODEL: &str = "(none)";

const NICE_BUCKETS: [u64; 16] = [
    1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
];

/// A round bucket size giving about `buckets` buckets over `window`.
pub fn bucket_seconds(window: Duration, buckets: u32) -> u64 {
    let target = window.as_secs().div_ceil(u64::from(buckets.max(1))).max(1);
    NICE_BUCKETS
        .iter()
        .copied()
        .find(|&b| b >= target)
        .unwrap_or_else(|| target.div_ceil(86400) * 86400)
}

/// Totals, per model and per time bucket for one window, from one scan.
pub fn summary(store: &Store, q: &MetricsQuery) -> Result<MetricsSummary> {
    let now = q.now.unwrap_or_else(Utc::now);
    let to_ms = now.timestamp_millis();
    let window_ms = ms(q.window).max(1);
    let from_ms = to_ms - window_ms;
    let filter = TraceFilter::from_labels(&q.labels);
    let b_ms = i64::try_from(bucket_seconds(q.window, q.buckets) * 1000).unwrap_or(i64::MAX / 4);
    let first = from_ms.div_euclid(b_ms) * b_ms;
    let n_buckets = usize::try_from((to_ms - first) / b_ms + 1).unwrap_or(1);
    let mut total = Acc::default();
    let mut models: BTreeMap<String, Acc> = BTreeMap::new();
    let mut buckets: Vec<Acc> = (0..n_buckets).map(|_| Acc::default()).collect();
    store.scan_traces(from_ms, to_ms, &filter.scan_filter(), |s| {
        if !filter.matches(s) {
            return;
        }
        total.add(s, true);
        let model = s.model.unwrap_or(NO_MODEL);
        match models.get_mut(model) {
            Some(acc) => acc.add(s, true),
            None => {
                let mut acc = Acc::default();
                acc.add(s, true);
                models.insert(model.to_owned(), acc);
            }
        }
        let i = usize::try_from((s.ts_ms - first) / b_ms).unwrap_or(0);
        if let Some(acc) = buckets.get_mut(i) {
            acc.add(s, true);
        }
    })?;
    let at = |ms: i64| crate::store::ts(Utc.timestamp_millis_opt(ms).single().unwrap_or(now));
    Ok(MetricsSummary {
        totals: total.finish(),
        by_model: models.into_iter().map(|(k, a)| (k, a.finish())).collect(),
        series: Series {
            bucket_seconds: (b_ms / 1000) as u64,
            buckets: buckets
                .into_iter()
                .enumerate()
                .map(|(i, a)| SeriesBucket {
                    start: at(first + i as i64 * b_ms),
                    metrics: a.finish(),
                })
                .collect(),
        },
        window_seconds: q.window.as_secs(),
        from: at(from_ms),
        to: at(to_ms),
        labels: q.labels.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(
            percentiles(&mut v, &[50, 95, 99]),
            vec![Some(50.0), Some(95.0), Some(99.0)]
        );
        let mut one = vec![7.0];
        assert_eq!(percentiles(&mut one, &[50, 99]), vec![Some(7.0), Some(7.0)]);
        let mut v = vec![3.0, 1.0, 2.0];
        // ranks ⌈1.5⌉=2, ⌈2.85⌉=3, ⌈2.97⌉=3
        assert_eq!(
            percentiles(&mut v, &[50, 95, 99]),
            vec![Some(2.0), Some(3.0), Some(3.0)]
        );
        assert_eq!(percentiles(&mut [], &[50]), vec![None]);
    }

    #[test]
    fn bucket_sizes_are_round() {
        assert_eq!(bucket_seconds(Duration::from_secs(3600), 60), 60);
        assert_eq!(bucket_seconds(Duration::from_secs(300), 60), 5);
        assert_eq!(bucket_seconds(Duration::from_secs(86400), 60), 1800);
        assert_eq!(bucket_seconds(Duration::from_secs(30 * 86400), 60), 43200);
    }

    fn store_with_traces() -> (tempfile::TempDir, Store, DateTime<Utc>) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("m.sqlite3"), &Default::default()).unwrap();
        let now = Utc::now();
        let now_ms = now.timestamp_millis();
        let rows: Vec<crate::traces::TraceRow> = (0..40)
            .map(|i| crate::traces::TraceRow {
                trace_id: format!("t{i}"),
                name: None,
                status: Some(if i % 4 == 0 { "error" } else { "success" }.into()),
                model: if i == 39 {
                    None
                } else {
                    Some(if i % 2 == 0 { "a" } else { "b" }.into())
                },
                start_time: None,
                end_time: None,
                duration_ms: Some(f64::from(i + 1)),
                input_tokens: Some(10),
                output_tokens: None,
                cost_usd: Some(0.5),
                user_id: None,
                session_id: None,
                project: Some("p".into()),
                tags: serde_json::json!([]),
                metadata: serde_json::json!({}),
                source: if i < 20 {
                    "firestore:c1".into()
                } else {
                    "webhook:lw".into()
                },
                updated_at: crate::store::now(),
                // Traces 0..29 in the last 30 minutes; 30..39 two hours ago.
                ts_ms: if i < 30 {
                    now_ms - i64::from(i) * 60_000
                } else {
                    now_ms - 7_200_000
                },
            })
            .collect();
        store.upsert_traces(&rows).unwrap();
        (dir, store, now)
    }

    #[test]
    fn summary_totals_models_and_series_agree() {
        let (_d, store, now) = store_with_traces();
        let q = MetricsQuery {
            now: Some(now),
            ..MetricsQuery::default()
        };
        let s = summary(&store, &q).unwrap();
        assert_eq!(s.totals.traces_total, 30);
        assert_eq!(s.totals.error_rate, Some(8.0 / 30.0));
        assert_eq!(s.totals.latency_p50_ms, Some(15.0));
        assert_eq!(s.totals.latency_p99_ms, Some(30.0));
        assert_eq!(s.totals.cost_usd, 15.0);
        assert_eq!(s.totals.tokens_total, 300);
        assert_eq!(s.by_model.keys().collect::<Vec<_>>(), vec!["a", "b"]);
        assert_eq!(s.by_model["a"].traces_total, 15);
        assert_eq!(s.series.bucket_seconds, 60);
        let in_buckets: u64 = s
            .series
            .buckets
            .iter()
            .map(|b| b.metrics.traces_total)
            .sum();
        assert_eq!(in_buckets, 30);
        let json = serde_json::to_value(&s).unwrap();
        for key in TRACE_METRICS {
            assert!(json.get(key).is_some(), "{key} missing");
        }

        let by_collection = summary(
            &store,
            &MetricsQuery {
                now: Some(now),
                labels: BTreeMap::from([("collection".into(), "c1".into())]),
                ..MetricsQuery::default()
            },
        )
        .unwrap();
        assert_eq!(by_collection.totals.traces_total, 20);
        let by_source = summary(
            &store,
            &MetricsQuery {
                now: Some(now),
                labels: BTreeMap::from([("source".into(), "lw".into())]),
                ..MetricsQuery::default()
            },
        )
        .unwrap();
        assert_eq!(by_source.totals.traces_total, 10);
    }

    #[test]
    fn many_requests_share_one_scan_and_empty_windows_have_no_rates() {
        let (_d, store, now) = store_with_traces();
        let req =
            |metric: &str, window: u64, labels: &[(&str, &str)], group_by: &[&str]| MetricRequest {
                metric: metric.into(),
                window: Duration::from_secs(window),
                labels: labels
                    .iter()
                    .map(|(k, v)| ((*k).into(), (*v).into()))
                    .collect(),
                group_by: group_by.iter().map(|g| (*g).into()).collect(),
            };
        let reqs = vec![
            req("traces_total", 3 * 3600, &[], &[]),
            req("error_rate", 3600, &[("model", "a")], &[]),
            req("traces_total", 3600, &[], &["model"]),
            req("error_rate", 1, &[("model", "zzz")], &[]),
            req("cache_hit_ratio", 3600, &[], &[]),
            req("latency_p95_ms", 3600, &[("source", "webhook:lw")], &[]),
        ];
        let out = evaluate_many(&store, now, &reqs).unwrap();
        assert_eq!(out[0][0].value, Some(40.0));
        // model a in the last hour: even i in 0..29 → 15 traces, errors at 0,4,…,28 → 8.
        assert_eq!(out[1][0].value, Some(8.0 / 15.0));
        let mut grouped: Vec<_> = out[2]
            .iter()
            .map(|v| (v.labels["model"].clone(), v.value))
            .collect();
        grouped.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            grouped,
            vec![("a".into(), Some(15.0)), ("b".into(), Some(15.0))]
        );
        assert_eq!(out[3][0].value, None, "empty window: no error rate");
        assert_eq!(out[4][0].value, None, "cache metrics come with the cache");
        // webhook traces in the last hour: i = 20..29, durations 21..30 → p95 rank 10 → 30.
        assert_eq!(out[5][0].value, Some(30.0));
    }

    #[test]
    fn sync_and_webhook_metrics() {
        let (_d, store, now) = store_with_traces();
        let recent = crate::store::ts(now - chrono::Duration::seconds(90));
        let old = crate::store::ts(now - chrono::Duration::hours(5));
        store
            .conn()
            .execute_batch(&format!(
                "INSERT INTO live_data_config (firestore_collection, created_at) VALUES ('c1', '{old}'), ('c2', '{old}');
                 INSERT INTO sync_status (collection_name, last_sync, status) VALUES
                   ('c1', '{recent}', 'success'), ('c1', '{recent}', 'error'), ('c1', '{recent}', 'error');
                 INSERT INTO webhook_logs (source, status_code, processed_at, processing_time_ms) VALUES
                   ('lw', 200, '{recent}', 5), ('lw', 401, '{recent}', 1), ('gh', 200, '{recent}', 9), ('gh', 200, '{old}', 500);"
            ))
            .unwrap();
        let req = |metric: &str, group_by: &[&str]| MetricRequest {
            metric: metric.into(),
            window: Duration::from_secs(3600),
            labels: BTreeMap::new(),
            group_by: group_by.iter().map(|g| (*g).into()).collect(),
        };
        let out = evaluate_many(
            &store,
            now,
            &[
                req("sync_lag_seconds", &["collection"]),
                req("sync_lag_seconds", &[]),
                req("sync_failures", &[]),
                req("sync_success_rate", &[]),
                req("webhook_rejected_rate", &[]),
                req("webhook_p99_ms", &["source"]),
            ],
        )
        .unwrap();
        assert_eq!(out[0].len(), 2);
        assert_eq!(out[0][0].value, Some(90.0));
        assert_eq!(
            out[0][1].value,
            Some(5.0 * 3600.0),
            "never synced: lag since configured"
        );
        assert_eq!(out[1][0].value, Some(5.0 * 3600.0), "worst collection");
        assert_eq!(out[2][0].value, Some(2.0));
        assert_eq!(out[3][0].value, Some(1.0 / 3.0));
        assert_eq!(out[4][0].value, Some(1.0 / 3.0));
        let p99: Vec<_> = out[5]
            .iter()
            .map(|v| (v.labels["source"].clone(), v.value))
            .collect();
        assert_eq!(
            p99,
            vec![("gh".into(), Some(9.0)), ("lw".into(), Some(5.0))]
        );
    }
}
