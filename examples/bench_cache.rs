//! Cache benchmark: the API's 24-hour metrics read (`api::reads::metrics`, i.e. the metrics
//! engine's `metrics::summary`: totals, `by_model`, 48 series buckets, exact percentiles) over
//! N generated traces (1M by default, 7 days), directly vs through the cache's one entry point
//! (`Cache::get_or_compute`, the API's key class and keys) with Redis only vs both tiers, with
//! a write (one new trace through the store + a generation bump) every second. Prints ops/s,
//! latency percentiles and hit ratio.
//!
//! Run through `scripts/bench-cache.sh` (release build, private redis-server).

// The report table is this program's output; the lint guards library code.
#![allow(clippy::print_stdout)]

use rusqlite::{Connection, OpenFlags, params};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use vdt::api::reads::{self, Computed};
use vdt::cache::{Cache, CacheOptions};
use vdt::store::{Store, StoreOptions};

const MODELS: [&str; 3] = ["gemini-1.5-pro", "gemini-1.5-flash", "gemini-2.0-flash"];
const DAY_MS: i64 = 86_400_000;

struct Args {
    rows: u64,
    seconds: u64,
    direct_seconds: u64,
    threads: usize,
    /// Distinct reads in the mix: the unfiltered window, then one per model (1 to 4).
    keys: usize,
    redis: String,
    db: Option<PathBuf>,
}

fn args() -> Args {
    let mut a = Args {
        rows: 1_000_000,
        seconds: 10,
        direct_seconds: 10,
        threads: 4,
        keys: 4,
        redis: "redis://127.0.0.1:6379/0".into(),
        db: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--rows" => a.rows = val().parse().unwrap(),
            "--seconds" => a.seconds = val().parse().unwrap(),
            "--direct-seconds" => a.direct_seconds = val().parse().unwrap(),
            "--threads" => a.threads = val().parse().unwrap(),
            "--keys" => a.keys = val().parse::<usize>().unwrap().clamp(1, 4),
            "--redis" => a.redis = val(),
            "--db" => a.db = Some(val().into()),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn generate(path: &Path, rows: u64) {
    // Rows generated more than an hour ago have drifted out of the window: start over.
    if let Ok(conn) = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY) {
        let newest: Option<i64> = conn
            .query_row("SELECT MAX(ts_ms) FROM traces", [], |r| r.get(0))
            .unwrap_or(None);
        drop(conn);
        if newest.is_none_or(|t| t < now_ms() - 3_600_000) {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
    let mut store = Store::open(path, &StoreOptions::default()).expect("open store");
    let have = store
        .conn()
        .query_row("SELECT COUNT(*) FROM traces", [], |r| r.get::<_, i64>(0))
        .unwrap() as u64;
    if have >= rows {
        eprintln!("using {have} existing rows in {}", path.display());
        return;
    }
    let started = Instant::now();
    let now = now_ms();
    let tx = store.conn_mut().transaction().unwrap();
    {
        let mut st = tx
            .prepare(
                "INSERT INTO traces (trace_id, name, status, model, start_time, duration_ms,
                 input_tokens, output_tokens, cost_usd, source, updated_at, ts_ms)
                 VALUES (?1, 'meeting_processing', ?2, ?3, ?4, ?5, ?6, ?7, ?8,
                 'firestore:vertigo_traces', ?4, ?9)",
            )
            .unwrap();
        // A cheap deterministic spread: 7 days of traces, ~1 in 20 failed.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in have..rows {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // In time order with jitter, as a mirror that syncs by `updated_at` fills it.
            let ts = now - 7 * DAY_MS + (i as i64 * 7 * DAY_MS) / rows as i64 + (x % 60_000) as i64;
            let start = chrono::DateTime::from_timestamp_millis(ts).unwrap();
            st.execute(params![
                format!("tr_{i}"),
                if x.is_multiple_of(20) {
                    "error"
                } else {
                    "success"
                },
                MODELS[(x % 3) as usize],
                vdt::store::ts(start),
                (x % 5000) as f64 + 100.0,
                (x % 2000) as i64,
                (x % 700) as i64,
                (x % 100) as f64 / 10_000.0,
                ts,
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
    eprintln!(
        "generated {} rows in {:.1} s",
        rows - have,
        started.elapsed().as_secs_f64()
    );
}

/// A read-only store as an API worker holds one, with a 64 MiB page cache.
fn reader(db: &Path) -> Store {
    let store = Store::open_read_only(db).unwrap();
    store
        .conn()
        .execute_batch("PRAGMA cache_size = -65536;")
        .unwrap();
    store
}

/// The read mix's filters: the unfiltered window, then one per model.
fn labels(model: &str) -> BTreeMap<String, String> {
    if model.is_empty() {
        BTreeMap::new()
    } else {
        BTreeMap::from([("model".to_owned(), model.to_owned())])
    }
}

/// The API's 24-hour metrics read, computed from the store.
fn window_24h(store: &Store, model: &str) -> vdt::Result<Computed> {
    reads::metrics(store, Duration::from_secs(86_400), labels(model))
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Direct,
    RedisOnly,
    BothTiers,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Direct => "direct (SQLite)",
            Mode::RedisOnly => "Redis only",
            Mode::BothTiers => "in-process + Redis",
        }
    }
}

struct Outcome {
    ops: u64,
    secs: f64,
    p50_us: f64,
    p95_us: f64,
    p99_us: f64,
    hit_ratio: Option<f64>,
    writes: u64,
}

fn run(mode: Mode, a: &Args, db: &Path, seconds: u64) -> Outcome {
    let cache = match mode {
        Mode::Direct => None,
        m => Some(Arc::new(
            Cache::new(CacheOptions {
                redis_url: Some(a.redis.clone()),
                prefix: format!("vdt-bench:{}:{}:", std::process::id(), m as u8),
                local_enabled: m == Mode::BothTiers,
                ..CacheOptions::default()
            })
            .unwrap(),
        )),
    };
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let writer = {
        let (stop, cache, db) = (stop.clone(), cache.clone(), db.to_path_buf());
        std::thread::spawn(move || {
            let mut store = Store::open(&db, &StoreOptions::default()).unwrap();
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_secs(1));
                let ts = now_ms();
                store
                    .upsert_traces(&[vdt::traces::TraceRow {
                        trace_id: format!("bench_{}_{ts}_{n}", std::process::id()),
                        name: Some("meeting_processing".into()),
                        status: Some("success".into()),
                        model: Some(MODELS[n as usize % MODELS.len()].into()),
                        start_time: None,
                        end_time: None,
                        duration_ms: Some(250.0),
                        input_tokens: Some(1000),
                        output_tokens: Some(200),
                        cost_usd: Some(0.001),
                        user_id: None,
                        session_id: None,
                        project: None,
                        tags: serde_json::json!([]),
                        metadata: serde_json::json!({}),
                        source: "firestore:vertigo_traces".into(),
                        updated_at: vdt::store::now(),
                        ts_ms: ts,
                    }])
                    .unwrap();
                if let Some(c) = &cache {
                    c.bump_generation();
                }
                n += 1;
            }
            n
        })
    };
    let deadline = started + Duration::from_secs(seconds);
    let mut handles = Vec::new();
    for t in 0..a.threads {
        let (cache, db, keys) = (cache.clone(), db.to_path_buf(), a.keys);
        handles.push(std::thread::spawn(move || {
            let store = reader(&db);
            let mut lat = Vec::with_capacity(1 << 16);
            let mut i = t;
            while Instant::now() < deadline {
                // Read-heavy mix over the unfiltered window and one per model.
                let model = match i % 8 {
                    k @ 5..=7 if k - 4 < keys => MODELS[k - 5],
                    _ => "",
                };
                i += 1;
                let t0 = Instant::now();
                let w = match &cache {
                    None => window_24h(&store, model).unwrap(),
                    // The API's read: its key class, its key, the cache's one entry point.
                    Some(c) => c
                        .get_or_compute(
                            reads::METRICS_CLASS,
                            &reads::metrics_key("24h", &labels(model)),
                            || window_24h(&store, model),
                        )
                        .unwrap(),
                };
                lat.push(t0.elapsed().as_nanos() as u64);
                std::hint::black_box(w);
            }
            lat
        }));
    }
    let mut lat: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let secs = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::SeqCst);
    let writes = writer.join().unwrap();
    lat.sort_unstable();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)] as f64 / 1000.0;
    let hit_ratio = cache.as_ref().map(|c| {
        let s = c.local_stats();
        let hits = s.local_hits + s.redis_hits;
        hits as f64 / (hits + s.computes) as f64
    });
    if let Some(c) = &cache {
        eprintln!("{}: {:?}", mode.name(), c.local_stats());
        let _ = c.flush();
    }
    Outcome {
        ops: lat.len() as u64,
        secs,
        p50_us: pct(0.50),
        p95_us: pct(0.95),
        p99_us: pct(0.99),
        hit_ratio,
        writes,
    }
}

fn main() {
    let a = args();
    let tmp = tempfile::tempdir().unwrap();
    let db =
        a.db.clone()
            .unwrap_or_else(|| tmp.path().join("bench.sqlite3"));
    generate(&db, a.rows);
    let store = reader(&db);
    let t0 = Instant::now();
    let w = window_24h(&store, "").unwrap();
    let summary: serde_json::Value = serde_json::from_str(w.data.get()).unwrap();
    eprintln!(
        "24h window: {} traces, p95 {} ms, one compute {:.0} ms",
        summary["traces_total"],
        summary["latency_p95_ms"],
        t0.elapsed().as_secs_f64() * 1000.0
    );
    drop(store);

    let direct = run(Mode::Direct, &a, &db, a.direct_seconds);
    let redis_only = run(Mode::RedisOnly, &a, &db, a.seconds);
    let both = run(Mode::BothTiers, &a, &db, a.seconds);
    let base = direct.ops as f64 / direct.secs;
    println!(
        "rows={} threads={} keys={} window=24h, one write + generation bump per second\n",
        a.rows, a.threads, a.keys
    );
    println!("| mode | ops | ops/s | × direct | p50 µs | p95 µs | p99 µs | hit ratio | writes |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (mode, o) in [
        (Mode::Direct, &direct),
        (Mode::RedisOnly, &redis_only),
        (Mode::BothTiers, &both),
    ] {
        let rate = o.ops as f64 / o.secs;
        println!(
            "| {} | {} | {:.0} | {:.0}× | {:.0} | {:.0} | {:.0} | {} | {} |",
            mode.name(),
            o.ops,
            rate,
            rate / base,
            o.p50_us,
            o.p95_us,
            o.p99_us,
            o.hit_ratio
                .map_or_else(|| "—".into(), |h| format!("{h:.4}")),
            o.writes
        );
    }
}
