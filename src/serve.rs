//! `vdt serve` as a library: the API and dashboard, the webhook receiver, the sync loop (holding the sync lock and
//! running queued jobs), the alert loop (on its interval and, with `real_time_alerts`, right
//! after each ingest) and an hourly prune, in one process — the same engines the one-shot
//! commands drive. The caller supplies the stop and reload signals and receives events.

use crate::alerts::{AlertContext, CheckOptions, CheckReport};
use crate::config::{Config, Env};
use crate::error::{Error, Result};
use crate::lock::SyncLock;
use crate::store::prune::{PruneReport, Retention};
use crate::store::{Store, StoreOptions};
use crate::sync::{Engine, RunOptions, SyncReport};
use crate::webhooks::WebhookServer;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// How often retention runs.
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

pub struct ServeSettings {
    pub config: Config,
    pub config_path: PathBuf,
    pub db_path: PathBuf,
    pub env: Env,
    pub store_options: StoreOptions,
}

/// What happened, for the command layer to show.
#[derive(Debug)]
pub enum Event {
    Listening {
        what: &'static str,
        addr: SocketAddr,
    },
    Sync(SyncReport),
    Alerts(CheckReport),
    Pruned(PruneReport),
    Reloaded,
    ReloadFailed(String),
    Warning(String),
}

pub type EventFn = Arc<dyn Fn(Event) + Send + Sync>;

/// Signals the caller forwards: `stop` (SIGTERM/SIGINT) and `reload` (SIGHUP).
pub struct Control {
    pub stop: watch::Receiver<bool>,
    pub reload: Arc<Notify>,
}

/// Run everything until `control.stop` turns true; then drain: the webhook receiver stops
/// accepting and commits what it answered, the current sync pass and alert evaluation finish.
pub async fn run(settings: ServeSettings, control: Control, events: EventFn) -> Result<()> {
    // Migrate before anything binds.
    drop(Store::open(&settings.db_path, &settings.store_options)?);
    let _lock = SyncLock::try_acquire(&settings.db_path)?;
    let config = Arc::new(RwLock::new(settings.config.clone()));
    let env_map = settings.env.clone();
    let env = move |name: &str| env_map.get(name).cloned();

    // One cache for the whole process: the API reads through it, and every committed write
    // (webhook batch, sync pass with changes) bumps its generation, so no reader is served a
    // value older than the last commit.
    let cache = Arc::new(crate::cache::Cache::from_config(&settings.config)?);
    let ingest = Arc::new(Notify::new());
    let hooks = WebhookServer::start(&settings.config, &settings.db_path, &env)?;
    events(Event::Listening {
        what: "webhooks",
        addr: hooks.local_addr(),
    });
    {
        let ingest = Arc::clone(&ingest);
        let cache = Arc::clone(&cache);
        hooks.on_ingest(move |batch| {
            if batch.applied > 0 {
                cache.bump_generation();
                ingest.notify_one();
            }
        });
    }

    let api_bind: SocketAddr = settings.config.api.bind.parse().map_err(|_| {
        Error::config(format!(
            "config key `api.bind`: {:?} is not an address",
            settings.config.api.bind
        ))
    })?;
    let api = Arc::new(
        crate::api::ApiServer::new(
            settings.config.clone(),
            &settings.db_path,
            settings.env.clone(),
        )
        .store_options(settings.store_options.clone())
        .cache(Arc::clone(&cache))
        .run(api_bind)?,
    );
    events(Event::Listening {
        what: "api",
        addr: api.local_addr(),
    });

    let mut tasks = tokio::task::JoinSet::new();

    // The sync loop, when Firestore is configured and live data is on.
    let live = settings.config.features.live_data_enabled;
    if live && settings.config.firestore.is_configured() {
        let engine = Engine::new(
            &settings.config,
            settings.db_path.clone(),
            settings.store_options.clone(),
        )?;
        let stop = control.stop.clone();
        let events = Arc::clone(&events);
        let ingest = Arc::clone(&ingest);
        let cache = Arc::clone(&cache);
        tasks.spawn(async move {
            let on_report = move |r: &SyncReport| {
                if r.wrote_data() {
                    cache.bump_generation();
                    ingest.notify_one();
                }
                events(Event::Sync(r.clone()));
            };
            crate::sync::watch(
                &engine,
                RunOptions::default(),
                Arc::new(|_| {}),
                stop,
                &on_report,
            )
            .await
        });
    } else if !live {
        events(Event::Warning(
            "live data is disabled: not syncing; webhooks answer 503".into(),
        ));
    } else {
        events(Event::Warning(
            "firestore.project_id is not set: not syncing".into(),
        ));
    }

    // The alert loop: every alerts.interval, and right after ingest with real_time_alerts.
    {
        let mut stop = control.stop.clone();
        let events = Arc::clone(&events);
        let ingest = Arc::clone(&ingest);
        let config = Arc::clone(&config);
        let db_path = settings.db_path.clone();
        let store_options = settings.store_options.clone();
        let env = settings.env.clone();
        let cache = Arc::clone(&cache);
        tasks.spawn(async move {
            let interval = config
                .read()
                .map(|c| c.alerts.interval.0)
                .unwrap_or_default();
            let mut tick = tokio::time::interval(interval.max(Duration::from_secs(1)));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                let real_time = config
                    .read()
                    .map(|c| c.features.real_time_alerts)
                    .unwrap_or(false);
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = ingest.notified(), if real_time => {}
                    _ = stop.changed() => {}
                }
                if *stop.borrow() {
                    return Ok(());
                }
                let cfg = match config.read() {
                    Ok(c) => c.clone(),
                    Err(p) => p.into_inner().clone(),
                };
                if cfg.alerts.rules.is_empty() {
                    continue;
                }
                let ctx = AlertContext {
                    config: cfg,
                    db_path: db_path.clone(),
                    store_options: store_options.clone(),
                    env: env.clone(),
                    now: None,
                };
                match crate::alerts::run_once(&ctx, &CheckOptions::default()).await {
                    Ok(report) => {
                        if report.changed {
                            cache.bump_generation();
                        }
                        events(Event::Alerts(report))
                    }
                    Err(e) => tracing::error!(error = %e, "alert evaluation failed"),
                }
            }
        });
    }

    // Hourly prune.
    {
        let mut stop = control.stop.clone();
        let events = Arc::clone(&events);
        let config = Arc::clone(&config);
        let db_path = settings.db_path.clone();
        let store_options = settings.store_options.clone();
        tasks.spawn(async move {
            let mut tick = tokio::time::interval(PRUNE_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop.changed() => {}
                }
                if *stop.borrow() {
                    return Ok(());
                }
                let retention = config
                    .read()
                    .map(|c| c.retention.clone())
                    .unwrap_or_default();
                let result = tokio::task::spawn_blocking({
                    let db_path = db_path.clone();
                    let store_options = store_options.clone();
                    move || -> Result<PruneReport> {
                        let mut store = Store::open(&db_path, &store_options)?;
                        let mut report = store.prune(
                            &Retention::from_config(&retention),
                            chrono::Utc::now(),
                            false,
                        )?;
                        report.backups_removed = store.prune_backups(retention.backups)?;
                        Ok(report)
                    }
                })
                .await;
                match result {
                    Ok(Ok(report)) => events(Event::Pruned(report)),
                    Ok(Err(e)) => tracing::error!(error = %e, "prune failed"),
                    Err(e) => tracing::error!(error = %e, "prune task failed"),
                }
            }
        });
    }

    // SIGHUP: re-read the config file; a bad one is reported and the old one kept. API tokens,
    // CORS origins and features apply at once; alert rules and channels at the next
    // evaluation. Webhook sources and bind addresses need a restart.
    {
        let mut stop = control.stop.clone();
        let reload = Arc::clone(&control.reload);
        let config = Arc::clone(&config);
        let events = Arc::clone(&events);
        let path = settings.config_path.clone();
        let env = settings.env.clone();
        let api = Arc::clone(&api);
        tasks.spawn(async move {
            loop {
                tokio::select! {
                    _ = reload.notified() => {}
                    _ = stop.changed() => {}
                }
                if *stop.borrow() {
                    return Ok(());
                }
                match crate::config::load(&path, true, &env) {
                    Ok(loaded) => match api.reload(loaded.config.clone(), &env) {
                        Ok(()) => {
                            if let Ok(mut c) = config.write() {
                                *c = loaded.config;
                            }
                            events(Event::Reloaded);
                        }
                        Err(e) => events(Event::ReloadFailed(e.to_string())),
                    },
                    Err(e) => events(Event::ReloadFailed(e.to_string())),
                }
            }
        });
    }

    let mut stop = control.stop.clone();
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            break;
        }
    }
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "a serve loop ended with an error"),
            Err(e) => tracing::error!(error = %e, "a serve loop panicked"),
        }
    }
    cache.report_hits();
    let api = Arc::try_unwrap(api)
        .map_err(|_| Error::Internal("the API handle is still shared at shutdown".into()))?;
    tokio::task::spawn_blocking(move || {
        let api_result = api.shutdown();
        let hooks_result = hooks.shutdown();
        api_result.and(hooks_result)
    })
    .await
    .map_err(|e| Error::Internal(format!("webhook shutdown: {e}")))??;
    Ok(())
}
