//! `vdt cache stats|get KEY|flush|warm`: the Redis cache seen from a shell.

use super::Ctx;
use crate::cache::{Cache, CacheStats, warm};
use crate::cli::CacheCommand;
use crate::error::Error;
use serde::Serialize;

pub fn run(ctx: &Ctx, cmd: CacheCommand) -> anyhow::Result<i32> {
    let loaded = ctx.load_config()?;
    let cache = Cache::from_config(&loaded.config)?;
    match cmd {
        CacheCommand::Stats => stats(ctx, &cache),
        CacheCommand::Get { key } => get(ctx, &cache, &key),
        CacheCommand::Flush => flush(ctx, &cache),
        CacheCommand::Warm => {
            let store = ctx.open_store(&loaded)?;
            warm_up(ctx, &cache, &store, &loaded.config)
        }
    }
}

fn stats(ctx: &Ctx, cache: &Cache) -> anyhow::Result<i32> {
    let s = cache.stats();
    if ctx.out.json {
        ctx.out.json(&s);
    } else {
        show_stats(ctx, &s);
    }
    if s.backend == "memory" {
        ctx.out
            .note("no [redis] url configured: the cache is in-process only, per process");
    } else if !s.connected {
        ctx.out
            .warn("Redis is unreachable: reads go to SQLite until it is back");
    }
    Ok(0)
}

fn show_stats(ctx: &Ctx, s: &CacheStats) {
    fn opt<T: ToString>(v: Option<T>) -> String {
        v.map_or_else(|| "-".into(), |v| v.to_string())
    }
    fn pct(v: Option<f64>) -> String {
        v.map_or_else(|| "-".into(), |v| format!("{:.1} %", v * 100.0))
    }
    let mut t = ctx.out.table(&["cache", "value"]);
    t.add_row(vec!["backend".into(), s.backend.clone()]);
    t.add_row(vec!["connected".into(), s.connected.to_string()]);
    t.add_row(vec!["hits".into(), opt(s.hits)]);
    t.add_row(vec!["misses".into(), opt(s.misses)]);
    t.add_row(vec!["hit ratio".into(), pct(s.hit_ratio)]);
    t.add_row(vec!["keys".into(), opt(s.keys)]);
    t.add_row(vec!["used memory (bytes)".into(), opt(s.used_memory_bytes)]);
    t.add_row(vec![
        "maxmemory (bytes)".into(),
        match s.maxmemory_bytes {
            Some(0) => "0 (no limit)".into(),
            v => opt(v),
        },
    ]);
    t.add_row(vec!["memory ratio".into(), pct(s.memory_ratio)]);
    ctx.out.data(&t.to_string());
}

fn get(ctx: &Ctx, cache: &Cache, key: &str) -> anyhow::Result<i32> {
    match cache.get_raw(key)? {
        Some(entry) => {
            if ctx.out.json {
                ctx.out.json(&entry);
            } else {
                ctx.out
                    .data(&serde_json::to_string_pretty(&entry.value).expect("JSON value"));
                ctx.out.note(&format!(
                    "{} (expires in {})",
                    entry.key,
                    entry
                        .ttl_ms
                        .map_or_else(|| "never".into(), |ms| format!("{:.1} s", ms as f64 / 1000.0))
                ));
            }
            Ok(0)
        }
        None => Err(Error::failed(format!("{key:?} is not cached"))
            .with_hint("KEY is without the prefix: CLASS:GENERATION:KEY, or CLASS:KEY for the current generation")
            .into()),
    }
}

#[derive(Serialize)]
struct FlushReport {
    removed: u64,
}

fn flush(ctx: &Ctx, cache: &Cache) -> anyhow::Result<i32> {
    let removed = cache.flush()?;
    if ctx.out.json {
        ctx.out.json(&FlushReport { removed });
    } else {
        ctx.out.note(&format!(
            "removed {removed} key(s) under {:?}",
            cache.options().prefix
        ));
    }
    Ok(0)
}

#[derive(Serialize)]
struct WarmReport {
    warmed: Vec<warm::WarmResult>,
}

fn warm_up(
    ctx: &Ctx,
    cache: &Cache,
    store: &crate::store::Store,
    config: &crate::config::Config,
) -> anyhow::Result<i32> {
    if cache.backend() == "memory" {
        return Err(Error::unavailable(
            "no Redis configured: an in-process cache ends with this command, nothing to warm",
        )
        .with_hint("set [redis] url (or VDT_REDIS__URL)")
        .into());
    }
    let results = warm::hot_reads(store, config).run(cache, |r| {
        if !ctx.out.json {
            match &r.error {
                None => ctx.out.note(&format!(
                    "warmed {}:{} ({} ms)",
                    r.class, r.key, r.duration_ms
                )),
                Some(e) => ctx.out.warn(&format!("{}:{}: {e}", r.class, r.key)),
            }
        }
    });
    let code = if results.iter().any(|r| r.unavailable) {
        crate::error::exit::UNAVAILABLE
    } else if results.iter().any(|r| !r.ok) {
        crate::error::exit::FAILED
    } else {
        0
    };
    if ctx.out.json {
        ctx.out.json(&WarmReport { warmed: results });
    }
    Ok(code)
}
