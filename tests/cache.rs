//! The cache against real Redis: the machine's server with a unique prefix per test (other
//! keys are never touched), and a private redis-server the failure tests kill and restart.
//! Library-level for the tiers, generations and breaker; through the binary for `vdt cache`.

mod support;

use serde::Deserialize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};
use support::cli::{TestEnv, assert_code, stdout};
use support::redis::{PrefixGuard, Server, conn, shared_available, shared_url, unique_prefix};
use vdt::cache::{BreakerOptions, BreakerState, Cache, CacheOptions, KeyClass};

fn opts(url: &str, prefix: &str) -> CacheOptions {
    CacheOptions {
        redis_url: Some(url.into()),
        prefix: prefix.into(),
        // Generous for a loaded two-core machine; the failure tests use a dead port, which
        // fails at once.
        timeout: Duration::from_millis(500),
        ..CacheOptions::default()
    }
}

fn shared(name: &str) -> Option<(String, PrefixGuard)> {
    if !shared_available() {
        return None;
    }
    let prefix = unique_prefix(name);
    Some((
        prefix.clone(),
        PrefixGuard {
            url: shared_url(),
            prefix,
        },
    ))
}

fn counter(url: &str, key: &str) -> u64 {
    let v: Option<u64> = redis::cmd("GET").arg(key).query(&mut conn(url)).unwrap();
    v.unwrap_or(0)
}

/// A read of "the data" through the cache, counting computes.
fn read(cache: &Cache, source: &AtomicU64, computes: &AtomicU64) -> u64 {
    cache
        .get_or_compute(KeyClass::Metrics, "window=1h", || {
            computes.fetch_add(1, SeqCst);
            Ok::<_, vdt::Error>(source.load(SeqCst))
        })
        .unwrap()
}

#[test]
fn a_miss_computes_and_stores_then_a_hit_serves_from_redis() {
    let Some((prefix, _g)) = shared("hit") else {
        return;
    };
    let url = shared_url();
    let cache = Cache::new(CacheOptions {
        local_enabled: false,
        ..opts(&url, &prefix)
    })
    .unwrap();
    let (source, computes) = (AtomicU64::new(41), AtomicU64::new(0));
    assert_eq!(read(&cache, &source, &computes), 41);
    assert_eq!(computes.load(SeqCst), 1);
    // The stored value is under {prefix}{class}:{generation}:{key}, as JSON.
    let stored: Option<String> = redis::cmd("GET")
        .arg(format!("{prefix}metrics:0:window=1h"))
        .query(&mut conn(&url))
        .unwrap();
    assert_eq!(stored.as_deref(), Some("41"));
    source.store(42, SeqCst);
    assert_eq!(read(&cache, &source, &computes), 41, "served from Redis");
    assert_eq!(computes.load(SeqCst), 1);
    assert_eq!(counter(&url, &format!("{prefix}stats:misses")), 1);
    assert_eq!(counter(&url, &format!("{prefix}stats:hits")), 1);
    let s = cache.local_stats();
    assert_eq!((s.redis_hits, s.redis_misses, s.computes), (1, 1, 1));
}

#[test]
fn the_in_process_tier_answers_without_redis_and_its_hits_reach_the_shared_counter() {
    let Some((prefix, _g)) = shared("local") else {
        return;
    };
    let url = shared_url();
    let cache = Cache::new(opts(&url, &prefix)).unwrap();
    let (source, computes) = (AtomicU64::new(1), AtomicU64::new(0));
    for _ in 0..5 {
        assert_eq!(read(&cache, &source, &computes), 1);
    }
    let s = cache.local_stats();
    assert_eq!((s.local_hits, s.redis_misses, s.computes), (4, 1, 1));
    cache.report_hits();
    assert_eq!(counter(&url, &format!("{prefix}stats:hits")), 4);
}

#[test]
fn a_value_expires_with_its_class_ttl() {
    let Some((prefix, _g)) = shared("expiry") else {
        return;
    };
    let url = shared_url();
    let cache = Cache::new(CacheOptions {
        local_enabled: false,
        default_ttl: Duration::from_millis(300),
        ..opts(&url, &prefix)
    })
    .unwrap();
    let (source, computes) = (AtomicU64::new(1), AtomicU64::new(0));
    read(&cache, &source, &computes);
    let pttl: i64 = redis::cmd("PTTL")
        .arg(format!("{prefix}metrics:0:window=1h"))
        .query(&mut conn(&url))
        .unwrap();
    assert!(pttl > 0 && pttl <= 300, "PTTL {pttl}");
    source.store(2, SeqCst);
    std::thread::sleep(Duration::from_millis(350));
    assert_eq!(
        read(&cache, &source, &computes),
        2,
        "recomputed after expiry"
    );
    assert_eq!(computes.load(SeqCst), 2);
}

#[test]
fn a_write_in_one_process_is_seen_by_another_within_the_in_process_ttl() {
    let Some((prefix, _g)) = shared("gen") else {
        return;
    };
    let url = shared_url();
    let local_ttl = Duration::from_millis(400);
    let writer = Cache::new(CacheOptions {
        local_ttl,
        ..opts(&url, &prefix)
    })
    .unwrap();
    let reader = Cache::new(CacheOptions {
        local_ttl,
        ..opts(&url, &prefix)
    })
    .unwrap();
    let redis_only = Cache::new(CacheOptions {
        local_enabled: false,
        ..opts(&url, &prefix)
    })
    .unwrap();
    let (source, computes) = (AtomicU64::new(1), AtomicU64::new(0));
    assert_eq!(read(&writer, &source, &computes), 1);
    assert_eq!(read(&reader, &source, &computes), 1);
    assert_eq!(
        computes.load(SeqCst),
        1,
        "the reader hit what the writer stored"
    );

    // A committed write, then its announcement.
    source.store(2, SeqCst);
    writer.bump_generation();
    assert_eq!(
        read(&writer, &source, &computes),
        2,
        "a process sees its own write at once"
    );
    assert_eq!(
        read(&redis_only, &source, &computes),
        2,
        "Redis never serves a value from before the last write"
    );
    // The reader's in-process entry was filled before the write; it lives at most local_ttl.
    std::thread::sleep(local_ttl + Duration::from_millis(50));
    assert_eq!(read(&reader, &source, &computes), 2);
    assert_eq!(counter(&url, &format!("{prefix}gen")), 1);
}

#[test]
fn concurrent_misses_of_one_key_compute_once_per_process() {
    let Some((prefix, _g)) = shared("flight") else {
        return;
    };
    for local_enabled in [true, false] {
        let cache = Cache::new(CacheOptions {
            local_enabled,
            ..opts(&shared_url(), &prefix)
        })
        .unwrap();
        let key = format!("doc-{local_enabled}");
        let (source, computes) = (AtomicU64::new(7), AtomicU64::new(0));
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    let v = cache
                        .get_or_compute(KeyClass::Status, &key, || {
                            computes.fetch_add(1, SeqCst);
                            std::thread::sleep(Duration::from_millis(200));
                            Ok::<_, vdt::Error>(source.load(SeqCst))
                        })
                        .unwrap();
                    assert_eq!(v, 7);
                });
            }
        });
        assert_eq!(computes.load(SeqCst), 1, "local tier {local_enabled}");
    }
}

fn breaker_opts() -> BreakerOptions {
    BreakerOptions {
        failure_threshold: 2,
        base_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(400),
    }
}

#[test]
fn redis_killed_mid_run_then_back_reads_are_always_answered() {
    let Some(mut server) = Server::start() else {
        return;
    };
    let url = server.url();
    let prefix = unique_prefix("outage");
    let cache = Cache::new(CacheOptions {
        local_enabled: false,
        breaker: breaker_opts(),
        ..opts(&url, &prefix)
    })
    .unwrap();
    let (source, computes) = (AtomicU64::new(1), AtomicU64::new(0));
    assert_eq!(read(&cache, &source, &computes), 1);
    assert_eq!(read(&cache, &source, &computes), 1);
    assert_eq!(cache.local_stats().redis_hits, 1);
    assert_eq!(cache.breaker_open(), Some(false));

    server.stop();
    // Every read is still answered — from the compute.
    source.store(2, SeqCst);
    for _ in 0..10 {
        assert_eq!(read(&cache, &source, &computes), 2);
    }
    assert_ne!(cache.breaker_state(), BreakerState::Closed);
    assert_eq!(cache.breaker_open(), Some(true));
    let s = cache.local_stats();
    assert!(s.redis_errors >= 2, "{s:?}");
    assert!(s.redis_skipped > 0, "the open breaker skips Redis: {s:?}");
    assert_eq!(computes.load(SeqCst), 11);
    // A write while Redis is down is seen by this process at once.
    source.store(3, SeqCst);
    cache.bump_generation();
    assert_eq!(read(&cache, &source, &computes), 3);

    server.restart();
    let deadline = Instant::now() + Duration::from_secs(15);
    while cache.breaker_state() != BreakerState::Closed {
        assert!(Instant::now() < deadline, "breaker never closed");
        assert_eq!(read(&cache, &source, &computes), 3);
        std::thread::sleep(Duration::from_millis(50));
    }
    // Hits resume: one more read stores (or finds) the value, the next is a Redis hit.
    let hits = cache.local_stats().redis_hits;
    read(&cache, &source, &computes);
    read(&cache, &source, &computes);
    assert!(cache.local_stats().redis_hits > hits);
    // The write made during the outage was announced on recovery.
    assert!(counter(&url, &format!("{prefix}gen")) >= 1);
}

#[test]
fn a_slow_redis_is_skipped_like_a_dead_one() {
    let Some(server) = Server::start() else {
        return;
    };
    let url = server.url();
    let prefix = unique_prefix("slow");
    let cache = Cache::new(CacheOptions {
        local_enabled: false,
        timeout: Duration::from_millis(30),
        breaker: breaker_opts(),
        ..opts(&url, &prefix)
    })
    .unwrap();
    let (source, computes) = (AtomicU64::new(5), AtomicU64::new(0));
    read(&cache, &source, &computes);
    // Block the server for a while: every read in that time must still be answered.
    let blocker = std::thread::spawn({
        let url = url.clone();
        move || {
            let mut c = redis::Client::open(url.as_str())
                .unwrap()
                .get_connection()
                .unwrap();
            redis::cmd("DEBUG")
                .arg("SLEEP")
                .arg(1)
                .query::<()>(&mut c)
                .unwrap();
        }
    });
    std::thread::sleep(Duration::from_millis(100));
    for _ in 0..5 {
        assert_eq!(read(&cache, &source, &computes), 5);
    }
    assert!(cache.local_stats().redis_errors >= 1);
    blocker.join().unwrap();
}

// ---- through the binary ----

fn env_for(url: &str, prefix: &str) -> TestEnv {
    let mut env = TestEnv::new();
    env.set("VDT_REDIS__URL", url)
        .set("VDT_REDIS__PREFIX", prefix);
    env
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Fields are read through Debug and the shape check itself.
struct Stats {
    backend: String,
    connected: bool,
    hits: Option<u64>,
    misses: Option<u64>,
    hit_ratio: Option<f64>,
    keys: Option<u64>,
    used_memory_bytes: Option<u64>,
    maxmemory_bytes: Option<u64>,
    memory_ratio: Option<f64>,
}

fn stats_of(env: &TestEnv) -> Stats {
    let o = env.run(&["cache", "stats", "--json"]);
    assert_code(&o, 0);
    serde_json::from_str(&stdout(&o)).unwrap()
}

#[test]
fn stats_shape_counts_all_processes() {
    let Some((prefix, _g)) = shared("stats") else {
        return;
    };
    let url = shared_url();
    let cache = Cache::new(CacheOptions {
        local_enabled: false,
        ..opts(&url, &prefix)
    })
    .unwrap();
    let (source, computes) = (AtomicU64::new(1), AtomicU64::new(0));
    for _ in 0..4 {
        read(&cache, &source, &computes);
    }
    let (hit_ratio, memory_ratio) = cache.ratios();
    assert_eq!(hit_ratio, Some(0.75));
    let s = stats_of(&env_for(&url, &prefix));
    assert_eq!(memory_ratio.is_some(), s.memory_ratio.is_some());
    assert_eq!(s.backend, "redis");
    assert!(s.connected);
    assert_eq!((s.hits, s.misses), (Some(3), Some(1)));
    assert_eq!(s.hit_ratio, Some(0.75));
    // The value and the two counters (no bump yet, so no generation key).
    assert_eq!(s.keys, Some(3));
    let used = s.used_memory_bytes.unwrap();
    assert!(used > 0);
    match s.maxmemory_bytes.unwrap() {
        0 => assert_eq!(s.memory_ratio, None),
        max => assert_eq!(s.memory_ratio, Some(used as f64 / max as f64)),
    }
}

#[test]
fn stats_with_redis_down_is_connected_false_and_exit_0() {
    let Some(mut server) = Server::start() else {
        return;
    };
    let url = server.url();
    server.stop();
    let s = stats_of(&env_for(&url, "vdt:"));
    assert_eq!(s.backend, "redis");
    assert!(!s.connected);
    assert_eq!((s.hits, s.keys, s.memory_ratio), (None, None, None));
}

#[test]
fn stats_without_redis_url_is_the_memory_backend() {
    let s = stats_of(&TestEnv::new());
    assert_eq!(s.backend, "memory");
    assert!(!s.connected);
}

#[test]
fn flush_removes_only_keys_under_the_prefix() {
    let Some((base, _g)) = shared("flush") else {
        return;
    };
    let url = shared_url();
    // A glob metacharacter in the prefix must not widen the match.
    let prefix = format!("{base}f*:");
    let foreign = [
        format!("{base}fX:value"),
        format!("{base}f:value"),
        format!("{base}other"),
    ];
    let mut c = conn(&url);
    for k in &foreign {
        redis::cmd("SET")
            .arg(k)
            .arg("keep")
            .query::<()>(&mut c)
            .unwrap();
    }
    let cache = Cache::new(opts(&url, &prefix)).unwrap();
    let (source, computes) = (AtomicU64::new(1), AtomicU64::new(0));
    read(&cache, &source, &computes);
    cache.bump_generation();
    read(&cache, &source, &computes);

    let env = env_for(&url, &prefix);
    let o = env.run(&["cache", "flush", "--json"]);
    assert_code(&o, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // Two values and the misses counter; the generation counter stays (bumped).
    assert_eq!(report["removed"], 3, "{report}");
    for k in &foreign {
        let v: Option<String> = redis::cmd("GET").arg(k).query(&mut c).unwrap();
        assert_eq!(v.as_deref(), Some("keep"), "{k} was touched");
    }
    let left: Vec<String> = redis::Commands::scan_match::<_, String>(
        &mut c,
        format!("{}*", prefix.replace('*', "\\*")),
    )
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(left, vec![format!("{prefix}gen")]);
    assert_eq!(counter(&url, &format!("{prefix}gen")), 2);
}

#[test]
fn flush_with_redis_down_exits_69() {
    let Some(mut server) = Server::start() else {
        return;
    };
    let url = server.url();
    server.stop();
    let o = env_for(&url, "vdt:").run(&["cache", "flush"]);
    assert_code(&o, 69);
}

#[test]
fn get_shows_a_cached_value_and_exits_1_when_absent() {
    let Some((prefix, _g)) = shared("get") else {
        return;
    };
    let url = shared_url();
    let cache = Cache::new(opts(&url, &prefix)).unwrap();
    cache.bump_generation();
    let v = cache
        .get_or_compute(KeyClass::Status, "doc", || {
            Ok::<_, vdt::Error>(serde_json::json!({"uptime": 3}))
        })
        .unwrap();
    assert_eq!(v["uptime"], 3);
    let env = env_for(&url, &prefix);
    for key in ["status:1:doc", "status:doc"] {
        let o = env.run(&["cache", "get", key, "--json"]);
        assert_code(&o, 0);
        let entry: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(entry["key"], format!("{prefix}status:1:doc"));
        assert_eq!(entry["value"]["uptime"], 3);
        assert!(entry["ttl_ms"].as_u64().unwrap() <= 5000);
    }
    let o = env.run(&["cache", "get", "status:0:doc"]);
    assert_code(&o, 1);
    let o = env.run(&["cache", "get", "status:nothing"]);
    assert_code(&o, 1);
}

#[test]
fn warm_stores_the_hot_reads_where_readers_find_them() {
    let Some((prefix, _g)) = shared("warm") else {
        return;
    };
    let url = shared_url();
    let env = env_for(&url, &prefix);
    let o = env.run(&[
        "config",
        "collections",
        "add",
        "vertigo_traces",
        "--kind",
        "traces",
    ]);
    assert_code(&o, 0);
    let o = env.run(&["cache", "warm", "--json"]);
    assert_code(&o, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["warmed"][0]["key"], "collections");
    assert_eq!(report["warmed"][0]["ok"], true);

    // A reader of the same key hits without computing.
    let cache = Cache::new(opts(&url, &prefix)).unwrap();
    let rows: serde_json::Value = cache
        .get_or_compute(
            KeyClass::Config,
            vdt::cache::warm::keys::COLLECTIONS,
            || Err::<serde_json::Value, _>("computed instead of hitting"),
        )
        .unwrap();
    assert_eq!(rows[0]["name"], "vertigo_traces");
}

#[test]
fn warm_with_redis_down_exits_69() {
    let Some(mut server) = Server::start() else {
        return;
    };
    let url = server.url();
    server.stop();
    let o = env_for(&url, "vdt:").run(&["cache", "warm"]);
    assert_code(&o, 69);
}

/// Many threads reading while another writes: every read answers with a value no older than
/// the last write its own process announced.
#[test]
fn reads_under_concurrent_writes_never_go_back_in_time_within_a_process() {
    let Some((prefix, _g)) = shared("mono") else {
        return;
    };
    let cache = Cache::new(opts(&shared_url(), &prefix)).unwrap();
    let source = AtomicU64::new(0);
    let computes = AtomicU64::new(0);
    let violations = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 1..=20 {
                source.store(i, SeqCst);
                cache.bump_generation();
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..200 {
                    let floor = source.load(SeqCst);
                    // A write that is committed AND announced before the read starts.
                    let announced = cache.local_stats().own_writes;
                    let v = read(&cache, &source, &computes);
                    if v < floor.min(announced) {
                        violations.lock().unwrap().push((floor, announced, v));
                    }
                }
            });
        }
    });
    assert!(
        violations.lock().unwrap().is_empty(),
        "{:?}",
        violations.lock().unwrap()
    );
}

// ---- one-shot writers announce their writes (DESIGN "Cache" staleness promise) ----

/// A reader like a running API (both tiers, the same Redis and prefix) stops serving what it
/// cached once a one-shot command commits a write: the command bumps the generation in Redis,
/// which the reader's in-process tier notices within its TTL (1 s).
#[test]
fn one_shot_commands_that_write_bump_the_generation_a_running_reader_sees() {
    let Some((prefix, _g)) = shared("oneshot") else {
        return;
    };
    let url = shared_url();
    let env = env_for(&url, &prefix);
    env.write_config(
        r#"
[[alerts.rules]]
name = "no-traffic"
metric = "traces_total"
window = "1h"
op = "<"
threshold = 1
"#,
    );
    let reader = Cache::new(opts(&url, &prefix)).unwrap();
    let (source, computes) = (AtomicU64::new(0), AtomicU64::new(0));
    let generation = || counter(&url, &format!("{prefix}gen"));
    let step = |args: &[&str], writes: bool| {
        let before = source.load(SeqCst);
        assert_eq!(
            read(&reader, &source, &computes),
            before,
            "cached before {args:?}"
        );
        source.store(before + 1, SeqCst);
        let g = generation();
        let o = env.run(args);
        assert_code(&o, 0);
        std::thread::sleep(Duration::from_millis(1100));
        if writes {
            assert!(generation() > g, "{args:?} did not bump the generation");
            assert_eq!(
                read(&reader, &source, &computes),
                before + 1,
                "the reader still serves what it cached before {args:?}"
            );
        } else {
            assert_eq!(generation(), g, "{args:?} wrote nothing, yet bumped");
            assert_eq!(read(&reader, &source, &computes), before);
            source.store(before, SeqCst);
        }
    };
    step(&["config", "collections", "add", "meetings"], true);
    step(
        &[
            "config",
            "collections",
            "set",
            "meetings",
            "--frequency",
            "5m",
        ],
        true,
    );
    // No traffic: the rule fires — an alert state change.
    step(&["alerts", "check"], true);
    // Still firing, nothing to notify: no state change, no bump (nor from a dry run).
    step(&["alerts", "check"], false);
    step(&["alerts", "check", "--dry-run"], false);
    let o = env.run(&["--json", "alerts", "list"]);
    let list: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let id = list["alerts"][0]["id"]
        .as_i64()
        .expect("a firing alert")
        .to_string();
    step(&["alerts", "ack", &id, "--by", "test"], true);
    step(&["alerts", "silence", "no-traffic", "--for", "1h"], true);
    step(&["config", "collections", "remove", "meetings"], true);
    step(&["db", "prune"], true);
}
