//! The per-minute rollups (migration V5) against brute force: after random inserts, updates and
//! deletes of traces around minute and window edges, the metrics engine reading the rollups
//! gives the same counts, rates, tokens and exact nearest-rank percentiles as a computation over
//! the traces themselves (kept in memory by the test), and as the engine scanning every trace.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use vdt::metrics::{
    self, Grouped, MetricsQuery, ReadPlan, TraceFilter, TraceMetrics, TraceSpec, latency_bucket,
};
use vdt::store::Store;
use vdt::traces::TraceRow;

/// A fixed "now" a little past a minute boundary (17 s in), so windows have partial minutes at
/// both ends.
const NOW_MS: i64 = 1_764_237_617_123;
const MIN: i64 = 60_000;

#[derive(Debug, Clone)]
struct T {
    id: u8,
    status: Option<&'static str>,
    model: Option<&'static str>,
    project: Option<&'static str>,
    source: &'static str,
    duration: Option<f64>,
    cost: Option<f64>,
    tokens: (Option<i64>, Option<i64>),
    ts: i64,
}

#[derive(Debug, Clone)]
enum Op {
    Upsert(T),
    Delete(u8),
    /// A direct SQL update of one column, as a repair by hand would do.
    SetModel(u8, Option<&'static str>),
}

fn ts_strategy() -> impl Strategy<Value = i64> {
    let edges = [
        NOW_MS,
        NOW_MS + 1,
        NOW_MS - 1,
        NOW_MS - 5 * MIN,
        NOW_MS - 5 * MIN + 1,
        NOW_MS - 60 * MIN,
        NOW_MS - 60 * MIN + 1,
        NOW_MS - NOW_MS.rem_euclid(MIN),
        NOW_MS - NOW_MS.rem_euclid(MIN) - 1,
        NOW_MS - 5 * MIN - (NOW_MS - 5 * MIN).rem_euclid(MIN) + MIN,
        NOW_MS - 5 * MIN - (NOW_MS - 5 * MIN).rem_euclid(MIN) + MIN - 1,
    ];
    prop_oneof![
        3 => NOW_MS - 70 * MIN..NOW_MS + 2 * MIN,
        1 => proptest::sample::select(edges.to_vec()),
    ]
}

fn duration_strategy() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        1 => Just(None),
        1 => proptest::sample::select(vec![
            -3.0, 0.0, 0.5, 1.0, 9.99, 10.0, 99.5, 100.0, 999.9, 1000.0, 1234.0, 1e6,
            f64::INFINITY,
        ])
        .prop_map(Some),
        2 => (200u32..5200).prop_map(|d| Some(f64::from(d))),
        // One latency bucket (410) with many distinct values: ranks land inside buckets.
        4 => (1000u32..1100).prop_map(|d| Some(f64::from(d))),
        2 => (0.0f64..20_000.0).prop_map(Some),
    ]
}

fn trace_strategy() -> impl Strategy<Value = T> {
    (
        0u8..120,
        proptest::sample::select(vec![Some("error"), Some("success"), Some("running"), None]),
        proptest::sample::select(vec![Some("m1"), Some("m2"), Some(""), None]),
        proptest::sample::select(vec![Some("p1"), Some("p2"), None]),
        proptest::sample::select(vec!["firestore:c1", "firestore:c2", "webhook:lw"]),
        duration_strategy(),
        prop_oneof![
            Just(None),
            Just(Some(f64::INFINITY)),
            (0u32..1000).prop_map(|c| Some(f64::from(c) / 1e4))
        ],
        (
            proptest::option::of(0i64..2000),
            proptest::option::of(0i64..500),
        ),
        ts_strategy(),
    )
        .prop_map(
            |(id, status, model, project, source, duration, cost, tokens, ts)| T {
                id,
                status,
                model,
                project,
                source,
                duration,
                cost,
                tokens,
                ts,
            },
        )
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => trace_strategy().prop_map(Op::Upsert),
        2 => (0u8..120).prop_map(Op::Delete),
        1 => (0u8..120, proptest::sample::select(vec![Some("m1"), Some("m3"), None]))
            .prop_map(|(id, m)| Op::SetModel(id, m)),
    ]
}

fn row(t: &T, seq: usize) -> TraceRow {
    TraceRow {
        trace_id: format!("t{}", t.id),
        name: None,
        status: t.status.map(str::to_owned),
        model: t.model.map(str::to_owned),
        start_time: None,
        end_time: None,
        duration_ms: t.duration,
        input_tokens: t.tokens.0,
        output_tokens: t.tokens.1,
        cost_usd: t.cost,
        user_id: None,
        session_id: None,
        project: t.project.map(str::to_owned),
        tags: serde_json::json!([]),
        metadata: serde_json::json!({}),
        source: t.source.to_owned(),
        // Later writes are newer, so every upsert applies.
        updated_at: format!(
            "2025-01-01T00:00:{:02}.{:06}Z",
            seq / 1_000_000,
            seq % 1_000_000
        ),
        ts_ms: t.ts,
    }
}

fn apply(store: &mut Store, model: &mut HashMap<u8, T>, ops: &[Op]) {
    for (seq, op) in ops.iter().enumerate() {
        match op {
            Op::Upsert(t) => {
                store.upsert_traces(&[row(t, seq)]).unwrap();
                model.insert(t.id, t.clone());
            }
            Op::Delete(id) => {
                vdt::store::traces::delete_trace_in(store.conn(), &format!("t{id}")).unwrap();
                model.remove(id);
            }
            Op::SetModel(id, m) => {
                store
                    .conn()
                    .execute(
                        "UPDATE traces SET model = ?1 WHERE trace_id = ?2",
                        rusqlite::params![m, format!("t{id}")],
                    )
                    .unwrap();
                if let Some(t) = model.get_mut(id) {
                    t.model = *m;
                }
            }
        }
    }
}

fn matches(f: &TraceFilter, t: &T) -> bool {
    f.model.as_deref().is_none_or(|m| t.model == Some(m))
        && f.project.as_deref().is_none_or(|p| t.project == Some(p))
        && f.collection
            .as_deref()
            .is_none_or(|c| t.source.strip_prefix("firestore:") == Some(c))
        && f.source
            .as_deref()
            .is_none_or(|s| t.source == s || t.source.strip_prefix("webhook:") == Some(s))
}

fn label(t: &T, l: &str) -> Option<String> {
    match l {
        "model" => t.model.map(str::to_owned),
        "project" => t.project.map(str::to_owned),
        "collection" => t.source.strip_prefix("firestore:").map(str::to_owned),
        "source" => Some(t.source.to_owned()),
        _ => None,
    }
}

fn nearest_rank(sorted: &[f64], p: u64) -> Option<f64> {
    let n = sorted.len() as u64;
    (n > 0).then(|| sorted[((p * n).div_ceil(100).clamp(1, n) - 1) as usize])
}

/// The metrics of a set of traces, computed the plain way.
fn brute(traces: &[&T]) -> TraceMetrics {
    let n = traces.len() as u64;
    let count = |s: &str| traces.iter().filter(|t| t.status == Some(s)).count() as f64;
    let mut d: Vec<f64> = traces
        .iter()
        .filter_map(|t| t.duration.filter(|d| d.is_finite()))
        .collect();
    d.sort_by(f64::total_cmp);
    TraceMetrics {
        traces_total: n,
        error_rate: (n > 0).then(|| count("error") / n as f64),
        success_rate: (n > 0).then(|| count("success") / n as f64),
        latency_p50_ms: nearest_rank(&d, 50),
        latency_p95_ms: nearest_rank(&d, 95),
        latency_p99_ms: nearest_rank(&d, 99),
        cost_usd: traces
            .iter()
            .map(|t| t.cost.filter(|c| c.is_finite()).unwrap_or(0.0))
            .sum(),
        tokens_total: traces
            .iter()
            .map(|t| t.tokens.0.unwrap_or(0) + t.tokens.1.unwrap_or(0))
            .sum(),
    }
}

fn brute_groups(model: &HashMap<u8, T>, spec: &TraceSpec) -> Vec<Grouped> {
    let from = NOW_MS - spec.window_ms;
    let mut groups: BTreeMap<Vec<String>, Vec<&T>> = BTreeMap::new();
    if spec.group_by.is_empty() {
        groups.insert(Vec::new(), Vec::new());
    }
    'rows: for t in model.values() {
        if t.ts <= from || t.ts > NOW_MS || !matches(&spec.filter, t) {
            continue;
        }
        let mut key = Vec::new();
        for l in &spec.group_by {
            match label(t, l) {
                Some(v) => key.push(v),
                None => continue 'rows,
            }
        }
        groups.entry(key).or_default().push(t);
    }
    groups
        .into_iter()
        .map(|(k, ts)| Grouped {
            labels: spec.group_by.iter().cloned().zip(k).collect(),
            metrics: brute(&ts),
        })
        .collect()
}

/// Equal, with the cost compared to 1e-9 (a float sum depends on the order of its terms).
fn same(a: &TraceMetrics, b: &TraceMetrics) -> bool {
    let cost_ok = (a.cost_usd - b.cost_usd).abs() <= 1e-9 * (1.0 + b.cost_usd.abs());
    cost_ok
        && TraceMetrics {
            cost_usd: 0.0,
            ..a.clone()
        } == TraceMetrics {
            cost_usd: 0.0,
            ..b.clone()
        }
}

fn sorted(mut g: Vec<Grouped>) -> Vec<Grouped> {
    g.sort_by(|a, b| a.labels.cmp(&b.labels));
    g
}

fn specs() -> Vec<TraceSpec> {
    let f = |model: Option<&str>,
             project: Option<&str>,
             collection: Option<&str>,
             source: Option<&str>| TraceFilter {
        model: model.map(str::to_owned),
        project: project.map(str::to_owned),
        collection: collection.map(str::to_owned),
        source: source.map(str::to_owned),
    };
    let spec = |w: i64, filter: TraceFilter, group_by: &[&str]| TraceSpec {
        window_ms: w,
        filter,
        group_by: group_by.iter().map(|s| (*s).to_owned()).collect(),
        percentiles: true,
        series_ms: None,
    };
    vec![
        spec(60 * MIN, f(None, None, None, None), &[]),
        spec(5 * MIN, f(None, None, None, None), &[]),
        spec(30_000, f(None, None, None, None), &[]),
        spec(90_000, f(None, None, None, None), &["model"]),
        spec(60 * MIN, f(Some("m1"), None, None, None), &[]),
        spec(15 * MIN, f(None, Some("p1"), None, None), &["source"]),
        spec(
            60 * MIN,
            f(None, None, Some("c1"), None),
            &["model", "project"],
        ),
        spec(5 * MIN, f(None, None, None, Some("lw")), &["collection"]),
        spec(61 * MIN + 1, f(None, None, None, None), &["model"]),
        spec(24 * 60 * MIN, f(Some(""), None, None, None), &[]),
    ]
}

fn check(store: &Store, model: &HashMap<u8, T>) -> Result<(), TestCaseError> {
    let specs = specs();
    let rolled = metrics::trace_groups_with(store, NOW_MS, &specs, ReadPlan::Rollup).unwrap();
    let scanned = metrics::trace_groups_with(store, NOW_MS, &specs, ReadPlan::Scan).unwrap();
    for ((spec, r), s) in specs.iter().zip(rolled).zip(scanned) {
        let want = brute_groups(model, spec);
        let (r, s) = (sorted(r), sorted(s));
        prop_assert_eq!(r.len(), want.len(), "groups of {:?}", spec);
        prop_assert_eq!(s.len(), want.len(), "groups of {:?} (scan)", spec);
        for ((r, s), w) in r.iter().zip(&s).zip(&want) {
            prop_assert_eq!(&r.labels, &w.labels);
            prop_assert!(
                same(&r.metrics, &w.metrics),
                "{:?}\nrollup {:?}\nwant   {:?}",
                spec,
                r.metrics,
                w.metrics
            );
            prop_assert!(
                same(&s.metrics, &w.metrics),
                "{:?}\nscan {:?}\nwant {:?}",
                spec,
                s.metrics,
                w.metrics
            );
        }
    }
    // The API's summary: totals, by_model and every series bucket agree with the full scan.
    for (window, labels) in [
        (Duration::from_secs(3600), BTreeMap::new()),
        (Duration::from_secs(300), BTreeMap::new()),
        (
            Duration::from_secs(2 * 3600),
            BTreeMap::from([("project".to_owned(), "p2".to_owned())]),
        ),
    ] {
        let q = MetricsQuery {
            window,
            labels,
            now: chrono::DateTime::from_timestamp_millis(NOW_MS),
            buckets: 60,
        };
        let r = metrics::summary_with(store, &q, ReadPlan::Rollup).unwrap();
        let s = metrics::summary_with(store, &q, ReadPlan::Scan).unwrap();
        prop_assert!(
            same(&r.totals, &s.totals),
            "totals {:?} vs {:?}",
            r.totals,
            s.totals
        );
        prop_assert_eq!(
            r.by_model.keys().collect::<Vec<_>>(),
            s.by_model.keys().collect::<Vec<_>>()
        );
        for (k, v) in &r.by_model {
            prop_assert!(same(v, &s.by_model[k]), "by_model {}", k);
        }
        prop_assert_eq!(r.series.buckets.len(), s.series.buckets.len());
        for (a, b) in r.series.buckets.iter().zip(&s.series.buckets) {
            prop_assert_eq!(&a.start, &b.start);
            prop_assert!(
                same(&a.metrics, &b.metrics),
                "bucket {}: {:?} vs {:?}",
                a.start,
                a.metrics,
                b.metrics
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn rollup_reads_equal_brute_force(ops in proptest::collection::vec(op_strategy(), 1..300)) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("m.sqlite3"), &Default::default()).unwrap();
        let mut model = HashMap::new();
        apply(&mut store, &mut model, &ops);
        check(&store, &model)?;
    }
}

/// Rollups rebuilt from scratch equal the ones the triggers kept (zero rows aside).
#[test]
fn triggers_keep_the_rollups_equal_to_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("m.sqlite3"), &Default::default()).unwrap();
    let mut model = HashMap::new();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let ops = proptest::collection::vec(op_strategy(), 400)
        .new_tree(&mut runner)
        .unwrap()
        .current();
    apply(&mut store, &mut model, &ops);
    let c = store.conn();
    let minute = "CASE WHEN ts_ms >= 0 THEN ts_ms / 60000 ELSE (ts_ms - 59999) / 60000 END";
    let kept: Vec<(i64, String, String, String, i64, i64, i64)> = c
        .prepare(
            "SELECT minute, quote(model), quote(project), source, st, n, tokens FROM trace_rollup
             WHERE n != 0 ORDER BY 1, 2, 3, 4, 5",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let rebuilt: Vec<(i64, String, String, String, i64, i64, i64)> = c
        .prepare(&format!(
            "SELECT {minute}, quote(ifnull(model, X'')), quote(ifnull(project, X'')), source,
                    CASE status WHEN 'error' THEN 1 WHEN 'success' THEN 2 ELSE 0 END, count(*),
                    sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0))
             FROM traces GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
        ))
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!kept.is_empty());
    assert_eq!(kept, rebuilt);
    let hist = |sql: &str| -> Vec<(i64, String, String, String, i64, i64)> {
        c.prepare(sql)
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(
        hist(
            "SELECT minute, quote(model), quote(project), source, bucket, n FROM trace_latency
              WHERE n != 0 ORDER BY 1, 2, 3, 4, 5"
        ),
        hist(&format!(
            "SELECT {minute}, quote(ifnull(model, X'')), quote(ifnull(project, X'')), source,
                    lat_bucket, count(*)
             FROM traces WHERE lat_bucket IS NOT NULL GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
        ))
    );
}

/// `metrics::latency_bucket` is the twin of the SQL column `traces.lat_bucket`: both must put
/// every duration in the same bucket, and buckets must never decrease as durations grow.
#[test]
fn latency_buckets_agree_with_sql_and_are_monotonic() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("m.sqlite3"), &Default::default()).unwrap();
    let mut values: Vec<f64> = vec![
        f64::NEG_INFINITY,
        -1e300,
        -1.0,
        -0.0,
        0.0,
        f64::MIN_POSITIVE,
        0.999_999,
        f64::INFINITY,
        f64::MAX,
        1e300,
    ];
    for k in 0..17 {
        let p = 10f64.powi(k);
        for x in [
            p,
            p * 0.999_999_999_999,
            p * 1.000_000_000_001,
            p * 5.55,
            p * 9.999_999,
        ] {
            values.push(x);
            values.push(f64::from_bits(x.to_bits() - 1));
            values.push(f64::from_bits(x.to_bits() + 1));
        }
    }
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..3000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mantissa = (x % 1_000_000) as f64 / 1000.0;
        values.push(mantissa * 10f64.powi((x >> 40) as i32 % 16 - 2));
    }
    let rows: Vec<TraceRow> = values
        .iter()
        .enumerate()
        .map(|(i, d)| {
            row(
                &T {
                    id: 0,
                    status: None,
                    model: None,
                    project: None,
                    source: "firestore:c1",
                    duration: Some(*d),
                    cost: None,
                    tokens: (None, None),
                    ts: NOW_MS,
                },
                i,
            )
        })
        .enumerate()
        .map(|(i, mut r)| {
            r.trace_id = format!("d{i}");
            r
        })
        .collect();
    store.upsert_traces(&rows).unwrap();
    let mut stmt = store
        .conn()
        .prepare("SELECT duration_ms, lat_bucket FROM traces ORDER BY CAST(substr(trace_id, 2) AS INTEGER)")
        .unwrap();
    let got: Vec<(Option<f64>, Option<i64>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got.len(), values.len());
    for (d, (stored, b)) in values.iter().zip(&got) {
        if let Some(s) = stored {
            assert_eq!(s, d, "stored as given");
        }
        assert_eq!(latency_bucket(*d), *b, "duration {d:e}");
    }
    let mut finite: Vec<f64> = values.iter().copied().filter(|d| d.is_finite()).collect();
    finite.sort_by(f64::total_cmp);
    for w in finite.windows(2) {
        assert!(
            latency_bucket(w[0]) <= latency_bucket(w[1]),
            "{:e} → {:?} but {:e} → {:?}",
            w[0],
            latency_bucket(w[0]),
            w[1],
            latency_bucket(w[1])
        );
    }
}

/// Traces written before V5 (by an older vdt) are rolled up by the migration.
#[test]
fn migration_backfills_existing_traces() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.sqlite3");
    {
        let mut store = Store::open_unmigrated(&path, &Default::default()).unwrap();
        store.migrate(&Default::default(), Some(4)).unwrap();
        let mut model = HashMap::new();
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let ts = proptest::collection::vec(trace_strategy(), 300)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let rows: Vec<TraceRow> = ts.iter().enumerate().map(|(i, t)| row(t, i)).collect();
        store.upsert_traces(&rows).unwrap();
        for t in ts {
            model.insert(t.id, t);
        }
        drop(store);
        let store = Store::open(&path, &Default::default()).unwrap();
        check(&store, &model).unwrap();
    }
}
