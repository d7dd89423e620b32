//! `vdt sync`: one pass for cron, or `--watch` at each collection's own frequency.

use super::Ctx;
use crate::cli::SyncArgs;
use crate::lock::SyncLock;
use crate::sync::{Engine, Progress, ProgressFn, RunOptions, SyncReport};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn run(ctx: &Ctx, args: SyncArgs) -> anyhow::Result<i32> {
    let loaded = ctx.load_config()?;
    if !loaded.config.features.live_data_enabled {
        ctx.out
            .note("live data is disabled (LIVE_DATA_ENABLED=false / features.live_data_enabled); not syncing");
        return Ok(0);
    }
    // Migrate before taking the lock, so a lock-holder never waits on a migration.
    drop(ctx.open_store(&loaded)?);
    let _lock = if args.dry_run {
        None
    } else {
        Some(SyncLock::try_acquire(&ctx.db_path)?)
    };
    let engine = Engine::new(
        &loaded.config,
        ctx.db_path.clone(),
        ctx.store_options(&loaded),
    )?;
    let rt = ctx.runtime()?;
    let progress = progress_display(ctx);
    let opts = RunOptions {
        only: args.collections.clone(),
        full: args.full,
        dry_run: args.dry_run,
    };
    if args.watch {
        rt.block_on(watch(ctx, &loaded.config, &engine, opts, progress))
    } else {
        let report = rt.block_on(engine.run_once(&opts, progress))?;
        if !args.dry_run && report.wrote_data() {
            crate::cache::announce_write(&loaded.config);
        }
        show(ctx, &report);
        Ok(report.exit_code())
    }
}

fn show(ctx: &Ctx, report: &SyncReport) {
    if ctx.out.json {
        ctx.out.json(report);
        return;
    }
    let mut t = ctx.out.table(&[
        "collection",
        "mode",
        "status",
        "synced",
        "deleted",
        "read",
        "ms",
    ]);
    for c in &report.collections {
        t.add_row(vec![
            c.name.clone(),
            c.mode.to_string(),
            c.status.to_string(),
            c.records_synced.to_string(),
            c.records_deleted.to_string(),
            c.records_read.to_string(),
            c.duration_ms.to_string(),
        ]);
    }
    if !report.collections.is_empty() {
        ctx.out.data(&t.to_string());
    }
    for c in &report.collections {
        if let Some(e) = &c.error {
            eprintln!("error: {}: {e}", c.name);
        }
    }
    if report.jobs.done + report.jobs.failed > 0 {
        ctx.out.note(&format!(
            "queued jobs: {} done, {} failed",
            report.jobs.done, report.jobs.failed
        ));
    }
}

/// Progress bars on a terminal only, on stderr, after a short delay; silent otherwise.
fn progress_display(ctx: &Ctx) -> ProgressFn {
    if ctx.out.json || ctx.out.quiet || !std::io::stderr().is_terminal() {
        return Arc::new(|_| {});
    }
    let multi = indicatif::MultiProgress::new();
    let bars: Mutex<HashMap<String, indicatif::ProgressBar>> = Mutex::new(HashMap::new());
    Arc::new(move |p| {
        let mut bars = bars.lock().unwrap_or_else(|e| e.into_inner());
        match p {
            Progress::Started { collection, mode } => {
                let bar = multi.add(indicatif::ProgressBar::new_spinner());
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{spinner} {prefix:20} {msg}")
                        .expect("valid template"),
                );
                bar.set_prefix(collection.clone());
                bar.set_message(format!("{mode} sync"));
                bar.enable_steady_tick(Duration::from_millis(120));
                bars.insert(collection, bar);
            }
            Progress::Page {
                collection,
                read,
                written,
            } => {
                if let Some(b) = bars.get(&collection) {
                    b.set_message(format!("{read} read, {written} written"));
                }
            }
            Progress::Finished { collection } => {
                if let Some(b) = bars.remove(&collection) {
                    b.finish_and_clear();
                }
            }
        }
    })
}

/// Loop until SIGINT/SIGTERM; the current pass finishes first.
async fn watch(
    ctx: &Ctx,
    config: &crate::config::Config,
    engine: &Arc<Engine>,
    opts: RunOptions,
    progress: ProgressFn,
) -> anyhow::Result<i32> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        } else {
            let _ = tokio::signal::ctrl_c().await;
        }
        let _ = tx.send(true);
    });
    // One cache for the loop, so its breaker spares a Redis that is down between passes.
    let cache = crate::cache::Cache::from_config(config)?;
    let dry_run = opts.dry_run;
    crate::sync::watch(engine, opts, progress, rx, &|report| {
        if !dry_run && report.wrote_data() {
            cache.bump_generation();
        }
        show(ctx, report)
    })
    .await?;
    ctx.out.note("stopped");
    Ok(0)
}
