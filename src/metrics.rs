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
use crate::store::metrics::{RollupRow, ScanFilter, TraceSample};
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

    fn matches(&self, s: &Dims<'_>) -> bool {
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

/// One minute, the granularity of the rollups.
const MINUTE_MS: i64 = 60_000;

/// The latency percentiles every trace group reports, in percent.
const PCTS: [u64; 3] = [50, 95, 99];

/// The latency bucket of a duration: the Rust twin of the generated column `traces.lat_bucket`
/// (migration V5), which `trace_latency` and the index `traces_latency` are keyed by. Buckets
/// never decrease as the duration grows; `None` for a duration that is not a finite number.
pub fn latency_bucket(d: f64) -> Option<i64> {
    // The SQL divides by these exact powers of ten; the same IEEE operations give the same
    // results here.
    const POW: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    if !d.is_finite() {
        return None;
    }
    if d < 1.0 {
        return Some(0);
    }
    if d < 10.0 {
        return Some(100 + (d * 10.0) as i64);
    }
    if d < 100.0 {
        return Some(200 + d as i64);
    }
    for k in 2..15 {
        if d < POW[k + 1] {
            return Some(100 * (k as i64 + 1) + (d / POW[k - 1]) as i64);
        }
    }
    Some(1600)
}

/// What filters and groups look at in a trace or a rollup row.
#[derive(Debug, Clone, Copy)]
struct Dims<'a> {
    model: Option<&'a str>,
    project: Option<&'a str>,
    source: &'a str,
}

impl<'a> Dims<'a> {
    fn of(s: &TraceSample<'a>) -> Self {
        Dims {
            model: s.model,
            project: s.project,
            source: s.source,
        }
    }
}

fn label_of<'a>(d: &Dims<'a>, label: &str) -> Option<&'a str> {
    match label {
        "model" => d.model,
        "project" => d.project,
        "collection" => d.source.strip_prefix("firestore:"),
        "source" => Some(d.source),
        _ => None,
    }
}

/// Running sums for one group. Durations come two ways: exactly, one trace at a time (the
/// window's partial minutes, or a whole window the rollups cannot serve), and as counts per
/// latency bucket from `trace_latency` (whole minutes).
#[derive(Debug, Default)]
struct Acc {
    total: u64,
    errors: u64,
    successes: u64,
    cost: f64,
    tokens: i64,
    durations: Vec<f64>,
    hist: BTreeMap<i64, u64>,
    /// The percentiles of [`PCTS`], once known.
    pct: [Option<f64>; 3],
}

/// A cost counts when it is a finite number (as in `trace_rollup`).
fn finite_cost(c: Option<f64>) -> f64 {
    c.filter(|c| c.is_finite()).unwrap_or(0.0)
}

impl Acc {
    fn add(&mut self, s: &TraceSample<'_>, keep_durations: bool) {
        self.total += 1;
        match s.status {
            Some("error") => self.errors += 1,
            Some("success") => self.successes += 1,
            _ => {}
        }
        self.cost += finite_cost(s.cost_usd);
        self.tokens += s.tokens;
        if keep_durations && let Some(d) = s.duration_ms.filter(|d| d.is_finite()) {
            self.durations.push(d);
        }
    }

    fn add_rollup(&mut self, r: &RollupRow<'_>) {
        self.total += r.n;
        match r.st {
            1 => self.errors += r.n,
            2 => self.successes += r.n,
            _ => {}
        }
        self.cost += r.cost;
        self.tokens += r.tokens;
    }

    /// Where the rank of percentile `p` falls: its value when the exact durations decide it,
    /// else the latency bucket to read and the rank (1-based) inside it.
    fn locate(&self, p: u64) -> Located {
        let in_hist: u64 = self.hist.values().sum();
        let n = in_hist + self.durations.len() as u64;
        if n == 0 {
            return Located::Value(None);
        }
        let rank = (p * n).div_ceil(100).clamp(1, n);
        let mut exact: BTreeMap<i64, u64> = BTreeMap::new();
        for d in &self.durations {
            if let Some(b) = latency_bucket(*d) {
                *exact.entry(b).or_default() += 1;
            }
        }
        let mut buckets: Vec<i64> = self.hist.keys().chain(exact.keys()).copied().collect();
        buckets.sort_unstable();
        buckets.dedup();
        let mut below = 0u64;
        for b in buckets {
            let here =
                self.hist.get(&b).copied().unwrap_or(0) + exact.get(&b).copied().unwrap_or(0);
            if below + here >= rank {
                let r = (rank - below) as usize;
                if self.hist.get(&b).copied().unwrap_or(0) == 0 {
                    return Located::Value(nth_in_bucket(&self.durations, b, Vec::new(), r));
                }
                return Located::Bucket(b, r);
            }
            below += here;
        }
        Located::Value(None)
    }

    fn finish(mut self, percentiles_known: bool) -> TraceMetrics {
        let rate = |n: u64| (self.total > 0).then(|| n as f64 / self.total as f64);
        if !percentiles_known {
            let p = percentiles(&mut self.durations, &PCTS);
            self.pct = [p[0], p[1], p[2]];
        }
        TraceMetrics {
            traces_total: self.total,
            error_rate: rate(self.errors),
            success_rate: rate(self.successes),
            latency_p50_ms: self.pct[0],
            latency_p95_ms: self.pct[1],
            latency_p99_ms: self.pct[2],
            cost_usd: self.cost,
            tokens_total: self.tokens,
        }
    }
}

enum Located {
    Value(Option<f64>),
    /// (latency bucket, rank inside it, 1-based)
    Bucket(i64, usize),
}

/// The `r`-th smallest (1-based) of `more` and the `exact` durations that fall in bucket `b`.
fn nth_in_bucket(exact: &[f64], b: i64, mut more: Vec<f64>, r: usize) -> Option<f64> {
    more.extend(
        exact
            .iter()
            .copied()
            .filter(|d| latency_bucket(*d) == Some(b)),
    );
    if more.is_empty() {
        return None;
    }
    let i = r.clamp(1, more.len()) - 1;
    let (_, x, _) = more.select_nth_unstable_by(i, f64::total_cmp);
    Some(*x)
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

/// One unit of shared trace work: a window, a filter, the labels to group by, and optionally
/// time buckets to group by as well (a series).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TraceSpec {
    pub window_ms: i64,
    pub filter: TraceFilter,
    pub group_by: Vec<String>,
    /// Whether durations must be kept (a latency metric is asked for).
    pub percentiles: bool,
    /// Group by time buckets of this size too (aligned to multiples of it since the epoch).
    pub series_ms: Option<i64>,
}

/// One group's labels (the `group_by` values; empty when not grouped) and its metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouped {
    pub labels: BTreeMap<String, String>,
    pub metrics: TraceMetrics,
}

/// How the engine reads traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadPlan {
    /// Whole minutes from the rollups, partial minutes and percentile buckets from `traces`.
    Rollup,
    /// Every trace of the window, one by one (the reference the rollups are tested against).
    Scan,
}

/// A group of one spec: its time bucket (0 without a series), its `group_by` values (`None`
/// where a trace has no such label) and its sums.
struct Group {
    t: i64,
    values: Vec<Option<String>>,
    acc: Acc,
}

struct SpecState<'s> {
    spec: &'s TraceSpec,
    from_ms: i64,
    /// Whole minutes `[lo_min, hi_min)` come from the rollups (`lo_min >= hi_min`: none do).
    lo_min: i64,
    hi_min: i64,
    groups: Vec<Group>,
    last: usize,
}

impl SpecState<'_> {
    fn rolled(&self) -> bool {
        self.lo_min < self.hi_min
    }

    fn minute_in(&self, minute: i64) -> bool {
        minute >= self.lo_min && minute < self.hi_min
    }

    /// Whether a trace read one by one at `ts` belongs to this spec (inside the window and
    /// not in a minute the rollups already counted).
    fn takes_trace(&self, ts: i64, to_ms: i64) -> bool {
        ts > self.from_ms
            && ts <= to_ms
            && !(self.rolled() && self.minute_in(ts.div_euclid(MINUTE_MS)))
    }

    fn time_of(&self, ts: i64) -> i64 {
        self.spec.series_ms.map_or(0, |b| ts.div_euclid(b))
    }

    /// The key of `dims` at time `ts`; `None` when the trace lacks a label and this is not a
    /// series-free, label-free spec (only complete keys and `None` values are kept).
    fn key<'a>(&self, dims: &Dims<'a>, out: &mut [Option<&'a str>; 8]) -> usize {
        let n = self.spec.group_by.len().min(out.len());
        for (slot, l) in out.iter_mut().zip(&self.spec.group_by) {
            *slot = label_of(dims, l);
        }
        n
    }

    fn find(&mut self, t: i64, key: &[Option<&str>]) -> Option<usize> {
        let same = |g: &Group| {
            g.t == t
                && g.values.len() == key.len()
                && g.values
                    .iter()
                    .map(Option::as_deref)
                    .eq(key.iter().copied())
        };
        if self.groups.get(self.last).is_some_and(same) {
            return Some(self.last);
        }
        let i = self.groups.iter().position(same)?;
        self.last = i;
        Some(i)
    }

    fn group(&mut self, t: i64, key: &[Option<&str>]) -> &mut Acc {
        let i = match self.find(t, key) {
            Some(i) => i,
            None => {
                self.groups.push(Group {
                    t,
                    values: key.iter().map(|v| v.map(str::to_owned)).collect(),
                    acc: Acc::default(),
                });
                self.last = self.groups.len() - 1;
                self.last
            }
        };
        &mut self.groups[i].acc
    }
}

/// A percentile waiting for its latency bucket to be read.
struct Pending {
    spec: usize,
    group: usize,
    bucket: i64,
    /// (index into [`PCTS`], rank inside the bucket)
    ranks: Vec<(usize, usize)>,
    values: Vec<f64>,
}

/// Answer every spec over the window ending at `now_ms`, sharing work: one read of each rollup
/// over the widest window, one read of the partial minutes at the windows' edges, one read per
/// latency bucket that holds a percentile's rank. A spec without `group_by` or series always
/// yields exactly one entry (an empty window gives zero counts).
///
/// Why this is exact: a window `(from, to]` splits into whole minutes `[lo, hi)` — summed from
/// `trace_rollup` and `trace_latency`, which triggers keep equal to what `traces` holds — and
/// at most two partial minutes read trace by trace. A nearest-rank percentile's rank is found
/// in the bucket counts (buckets are ordered like durations); only the traces of that one
/// bucket in the window are then read, and the rank's value selected among them.
fn groups_of(
    store: &Store,
    now_ms: i64,
    specs: &[TraceSpec],
    plan: ReadPlan,
) -> Result<Vec<Vec<Group>>> {
    let hi_min = (now_ms + 1).div_euclid(MINUTE_MS);
    let mut states: Vec<SpecState<'_>> = specs
        .iter()
        .map(|spec| {
            let from_ms = now_ms - spec.window_ms;
            let rollable = plan == ReadPlan::Rollup
                && spec.series_ms.is_none_or(|b| b > 0 && b % MINUTE_MS == 0);
            let lo_min = if rollable {
                from_ms.div_euclid(MINUTE_MS) + 1
            } else {
                hi_min
            };
            SpecState {
                spec,
                from_ms,
                lo_min,
                hi_min,
                groups: Vec::new(),
                last: 0,
            }
        })
        .collect();
    // When every spec filters the same way the filter goes into the SQL; otherwise each read
    // covers every trace and each row is matched against each spec here.
    let shared = if specs.iter().all(|s| s.filter == specs[0].filter) {
        specs[0].filter.scan_filter()
    } else {
        ScanFilter::default()
    };

    // Whole minutes: counts and sums, then latency bucket counts.
    let rolled: Vec<usize> = (0..states.len()).filter(|&i| states[i].rolled()).collect();
    if let Some(lo) = rolled.iter().map(|&i| states[i].lo_min).min() {
        store.scan_rollup(lo, hi_min, &shared, |r| {
            let dims = Dims {
                model: r.model,
                project: r.project,
                source: r.source,
            };
            for &i in &rolled {
                let st = &mut states[i];
                if !st.minute_in(r.minute) || !st.spec.filter.matches(&dims) {
                    continue;
                }
                let mut key = [None; 8];
                let n = st.key(&dims, &mut key);
                let t = st.time_of(r.minute * MINUTE_MS);
                st.group(t, &key[..n]).add_rollup(r);
            }
        })?;
        let with_pct: Vec<usize> = rolled
            .iter()
            .copied()
            .filter(|&i| states[i].spec.percentiles)
            .collect();
        if let Some(lo) = with_pct.iter().map(|&i| states[i].lo_min).min() {
            store.scan_latency_rollup(lo, hi_min, &shared, |r| {
                let dims = Dims {
                    model: r.model,
                    project: r.project,
                    source: r.source,
                };
                for &i in &with_pct {
                    let st = &mut states[i];
                    if !st.minute_in(r.minute) || !st.spec.filter.matches(&dims) {
                        continue;
                    }
                    let mut key = [None; 8];
                    let n = st.key(&dims, &mut key);
                    let t = st.time_of(r.minute * MINUTE_MS);
                    *st.group(t, &key[..n]).hist.entry(r.bucket).or_default() += r.n;
                }
            })?;
        }
    }

    // Partial minutes (and whole windows the rollups cannot serve), trace by trace.
    let mut ranges: Vec<(i64, i64)> = Vec::new();
    for st in &states {
        if st.rolled() {
            ranges.push((st.from_ms, st.lo_min * MINUTE_MS - 1));
            ranges.push((hi_min * MINUTE_MS - 1, now_ms));
        } else {
            ranges.push((st.from_ms, now_ms));
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::new();
    for (a, b) in ranges {
        if b <= a {
            continue;
        }
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    for (a, b) in merged {
        store.scan_traces(a, b, &shared, |s| {
            let dims = Dims::of(s);
            for st in states.iter_mut() {
                if !st.takes_trace(s.ts_ms, now_ms) || !st.spec.filter.matches(&dims) {
                    continue;
                }
                let keep = st.spec.percentiles;
                let mut key = [None; 8];
                let n = st.key(&dims, &mut key);
                let t = st.time_of(s.ts_ms);
                st.group(t, &key[..n]).add(s, keep);
            }
        })?;
    }

    // Percentiles: where the rollups hold part of a group's durations, read the one bucket
    // that holds each rank.
    let mut pending: Vec<Pending> = Vec::new();
    for (si, st) in states.iter_mut().enumerate() {
        if !st.spec.percentiles {
            continue;
        }
        for (gi, g) in st.groups.iter_mut().enumerate() {
            if g.acc.hist.is_empty() {
                let p = percentiles(&mut g.acc.durations, &PCTS);
                g.acc.pct = [p[0], p[1], p[2]];
                continue;
            }
            for (pi, &p) in PCTS.iter().enumerate() {
                match g.acc.locate(p) {
                    Located::Value(v) => g.acc.pct[pi] = v,
                    Located::Bucket(b, r) => {
                        match pending
                            .iter_mut()
                            .find(|x| x.spec == si && x.group == gi && x.bucket == b)
                        {
                            Some(x) => x.ranks.push((pi, r)),
                            None => pending.push(Pending {
                                spec: si,
                                group: gi,
                                bucket: b,
                                ranks: vec![(pi, r)],
                                values: Vec::new(),
                            }),
                        }
                    }
                }
            }
        }
    }
    let mut buckets: Vec<i64> = pending.iter().map(|x| x.bucket).collect();
    buckets.sort_unstable();
    buckets.dedup();
    for b in buckets {
        let mine: Vec<usize> = (0..pending.len())
            .filter(|&i| pending[i].bucket == b)
            .collect();
        let mut spec_ids: Vec<usize> = mine.iter().map(|&i| pending[i].spec).collect();
        spec_ids.sort_unstable();
        spec_ids.dedup();
        let lo = spec_ids
            .iter()
            .map(|&s| states[s].lo_min)
            .min()
            .unwrap_or(hi_min);
        store.scan_latency_bucket(b, lo * MINUTE_MS, hi_min * MINUTE_MS, &shared, |s| {
            let dims = Dims {
                model: s.model,
                project: s.project,
                source: s.source,
            };
            let minute = s.ts_ms.div_euclid(MINUTE_MS);
            for &si in &spec_ids {
                let st = &mut states[si];
                if !st.minute_in(minute) || !st.spec.filter.matches(&dims) {
                    continue;
                }
                let mut key = [None; 8];
                let n = st.key(&dims, &mut key);
                let t = st.time_of(s.ts_ms);
                let Some(gi) = st.find(t, &key[..n]) else {
                    continue;
                };
                if let Some(&i) = mine
                    .iter()
                    .find(|&&i| pending[i].spec == si && pending[i].group == gi)
                {
                    pending[i].values.push(s.duration_ms);
                }
            }
        })?;
    }
    for x in pending {
        let acc = &mut states[x.spec].groups[x.group].acc;
        let mut values = x.values;
        values.extend(
            acc.durations
                .iter()
                .copied()
                .filter(|d| latency_bucket(*d) == Some(x.bucket)),
        );
        values.sort_unstable_by(f64::total_cmp);
        for (pi, r) in x.ranks {
            acc.pct[pi] = values.get(r.clamp(1, values.len().max(1)) - 1).copied();
        }
    }

    Ok(states
        .into_iter()
        .map(|mut st| {
            if st.spec.group_by.is_empty() && st.spec.series_ms.is_none() && st.groups.is_empty() {
                st.groups.push(Group {
                    t: 0,
                    values: Vec::new(),
                    acc: Acc::default(),
                });
            }
            st.groups
        })
        .collect())
}

/// Answer every spec from the window ending at `now_ms` (see [`ReadPlan`]). Groups of traces
/// that lack one of the `group_by` labels are left out.
pub fn trace_groups_with(
    store: &Store,
    now_ms: i64,
    specs: &[TraceSpec],
    plan: ReadPlan,
) -> Result<Vec<Vec<Grouped>>> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let groups = store.read_snapshot(|| groups_of(store, now_ms, specs, plan))?;
    Ok(groups
        .into_iter()
        .zip(specs)
        .map(|(groups, spec)| {
            groups
                .into_iter()
                .filter(|g| g.values.iter().all(Option::is_some))
                .map(|g| Grouped {
                    labels: spec
                        .group_by
                        .iter()
                        .cloned()
                        .zip(g.values.into_iter().flatten())
                        .collect(),
                    metrics: g.acc.finish(true),
                })
                .collect()
        })
        .collect())
}

/// [`trace_groups_with`] reading the rollups.
pub fn trace_groups(store: &Store, now_ms: i64, specs: &[TraceSpec]) -> Result<Vec<Vec<Grouped>>> {
    trace_groups_with(store, now_ms, specs, ReadPlan::Rollup)
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
                    series_ms: None,
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

/// Totals, per model and per time bucket for one window, sharing the engine's reads.
pub fn summary(store: &Store, q: &MetricsQuery) -> Result<MetricsSummary> {
    summary_with(store, q, ReadPlan::Rollup)
}

/// [`summary`] with a chosen [`ReadPlan`].
pub fn summary_with(store: &Store, q: &MetricsQuery, plan: ReadPlan) -> Result<MetricsSummary> {
    let now = q.now.unwrap_or_else(Utc::now);
    let to_ms = now.timestamp_millis();
    let window_ms = ms(q.window).max(1);
    let from_ms = to_ms - window_ms;
    let filter = TraceFilter::from_labels(&q.labels);
    let b_ms = i64::try_from(bucket_seconds(q.window, q.buckets) * 1000).unwrap_or(i64::MAX / 4);
    let first = from_ms.div_euclid(b_ms);
    let n_buckets = usize::try_from(to_ms.div_euclid(b_ms) - first + 1).unwrap_or(1);
    let spec = |group_by: Vec<String>, series_ms: Option<i64>| TraceSpec {
        window_ms,
        filter: filter.clone(),
        group_by,
        percentiles: true,
        series_ms,
    };
    let specs = [
        spec(Vec::new(), None),
        spec(vec!["model".into()], None),
        spec(Vec::new(), Some(b_ms)),
    ];
    let mut out = store.read_snapshot(|| groups_of(store, to_ms, &specs, plan))?;
    let series_groups = out.pop().unwrap_or_default();
    let model_groups = out.pop().unwrap_or_default();
    let total = out
        .pop()
        .and_then(|g| g.into_iter().next())
        .map_or_else(TraceMetrics::default, |g| g.acc.finish(true));
    let by_model: BTreeMap<String, TraceMetrics> = model_groups
        .into_iter()
        .map(|g| {
            let model = g.values.into_iter().next().flatten();
            (
                model.unwrap_or_else(|| NO_MODEL.to_owned()),
                g.acc.finish(true),
            )
        })
        .collect();
    let mut buckets: Vec<Option<TraceMetrics>> = vec![None; n_buckets];
    for g in series_groups {
        if let Some(slot) = usize::try_from(g.t - first)
            .ok()
            .and_then(|i| buckets.get_mut(i))
        {
            *slot = Some(g.acc.finish(true));
        }
    }
    let at = |ms: i64| crate::store::ts(Utc.timestamp_millis_opt(ms).single().unwrap_or(now));
    Ok(MetricsSummary {
        totals: total,
        by_model,
        series: Series {
            bucket_seconds: (b_ms / 1000) as u64,
            buckets: buckets
                .into_iter()
                .enumerate()
                .map(|(i, m)| SeriesBucket {
                    start: at((first + i as i64) * b_ms),
                    metrics: m.unwrap_or_else(|| Acc::default().finish(false)),
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
