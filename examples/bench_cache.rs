//! Cache benchmark: a 24-hour traces aggregate over N generated rows (1M by default), read
//! directly from SQLite vs through Redis only vs through both tiers, with a write (one new
//! trace + a generation bump) every second. Prints ops/s, latency percentiles and hit ratio.
//!
//! Run through `scripts/bench-cache.sh` (release build, private redis-server).
//!
//! The compute is a placeholder for the metrics engine's 24-hour query: the same shape
//! (count, error rate, mean and p95 latency, cost, tokens over `traces` by `ts_ms`, optionally
//! filtered by model). The SQL sits here, not in the store module, because it is a stand-in
//! for a query the store will own.

// The report table is this program's output; the lint guards library code.
#![allow(clippy::print_stdout)]

use rusqlite::{Connection, OpenFlags, params};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use vdt::cache::{Cache, CacheOptions, KeyClass};
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

/// What the placeholder metrics query returns (roughly the API's `data` for one window).
#[derive(Debug, Serialize, Deserialize)]
struct Window {
    traces_total: u64,
    error_rate: f64,
    latency_avg_ms: f64,
    latency_p95_ms: f64,
    cost_usd: f64,
    tokens_total: i64,
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

/// A read connection as an API worker would hold one: read-only, 64 MiB page cache.
fn reader(db: &Path) -> Connection {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.execute_batch("PRAGMA cache_size = -65536;").unwrap();
    conn
}

/// The placeholder 24-hour aggregate.
fn window_24h(conn: &Connection, model: &str) -> rusqlite::Result<Window> {
    let since = now_ms() - DAY_MS;
    let (n, errors, avg, cost, tokens): (i64, f64, f64, f64, i64) = conn.query_row(
        "SELECT COUNT(*), COALESCE(AVG(status = 'error'), 0), COALESCE(AVG(duration_ms), 0),
                COALESCE(SUM(cost_usd), 0), COALESCE(SUM(input_tokens + output_tokens), 0)
         FROM traces WHERE ts_ms >= ?1 AND (?2 = '' OR model = ?2)",
        params![since, model],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let p95: f64 = if n == 0 {
        0.0
    } else {
        conn.query_row(
            "SELECT duration_ms FROM traces WHERE ts_ms >= ?1 AND (?2 = '' OR model = ?2)
             ORDER BY duration_ms LIMIT 1 OFFSET ?3",
            params![since, model, (n as f64 * 0.95) as i64],
            |r| r.get(0),
        )?
    };
    Ok(Window {
        traces_total: n as u64,
        error_rate: errors,
        latency_avg_ms: avg,
        latency_p95_ms: p95,
        cost_usd: cost,
        tokens_total: tokens,
    })
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
            let conn = Connection::open(&db).unwrap();
            conn.busy_timeout(Duration::from_secs(5)).unwrap();
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_secs(1));
                let ts = now_ms();
                conn.execute(
                    "INSERT INTO traces (trace_id, status, model, duration_ms, source, updated_at, ts_ms)
                     VALUES (?1, 'success', 'gemini-1.5-pro', 250, 'bench', ?2, ?3)",
                    params![format!("bench_{}_{ts}_{n}", std::process::id()), vdt::store::now(), ts],
                )
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
            let conn = reader(&db);
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
                    None => window_24h(&conn, model).unwrap(),
                    Some(c) => c
                        .get_or_compute(
                            KeyClass::Metrics,
                            &format!("window=24h&model={model}"),
                            || window_24h(&conn, model),
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
    let conn = reader(&db);
    let w = window_24h(&conn, "").unwrap();
    eprintln!("24h window: {w:?}");
    drop(conn);

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
