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
use std::time::{Duration, Instant};
use tokio::sync::{Notify, watch};

/// How often retention runs unless `retention.prune_every` says otherwise.
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// Real-time alert evaluations (after ingest) are at least this far apart.
pub const REAL_TIME_GAP: Duration = Duration::from_secs(1);

pub struct ServeSettings {
    /// The configuration to start with, [`Overrides`] already applied.
    pub config: Config,
    pub config_path: PathBuf,
    pub db_path: PathBuf,
    pub env: Env,
    pub store_options: StoreOptions,
    /// Flags that win over the file, at start and at every reload.
    pub overrides: Overrides,
}

/// `--api-bind` and `--webhooks-bind`.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub api_bind: Option<String>,
    pub webhooks_bind: Option<String>,
}

impl Overrides {
    pub fn apply(&self, config: &mut Config) {
        if let Some(b) = &self.api_bind {
            config.api.bind.clone_from(b);
        }
        if let Some(b) = &self.webhooks_bind {
            config.webhooks.bind.clone_from(b);
        }
    }
}

/// Keys `serve` reads once, at start: the listening sockets, the receiver's threads and
/// limits, the store, Firestore, sync and Redis settings.
///
/// On reload, a new value of one of these is reported and the running value kept in the new
/// configuration, so what the API shows is what runs. Only the key is named (and, for
/// addresses, the addresses): a Redis URL or a credentials path may be sensitive.
pub fn keep_restart_only(running: &Config, new: &mut Config) -> Vec<String> {
    let mut notes = Vec::new();
    for (key, old, next) in [
        ("api.bind", &running.api.bind, &mut new.api.bind),
        (
            "webhooks.bind",
            &running.webhooks.bind,
            &mut new.webhooks.bind,
        ),
    ] {
        if old != next {
            notes.push(format!(
                "`{key}` changed from {old} to {next}: a listening address cannot change while serve runs; still listening on {old} until a restart"
            ));
            next.clone_from(old);
        }
    }
    macro_rules! keep {
        ($($key:literal => $($field:ident).+;)*) => {$(
            if serde_json::to_value(&running.$($field).+).ok()
                != serde_json::to_value(&new.$($field).+).ok()
            {
                notes.push(format!(
                    "`{}` changed: it is read at start only; keeping the running value until a restart",
                    $key
                ));
                new.$($field).+ = running.$($field).+.clone();
            }
        )*};
    }
    keep! {
        "webhooks.max_body" => webhooks.max_body;
        "webhooks.read_timeout" => webhooks.read_timeout;
        "webhooks.write_timeout" => webhooks.write_timeout;
        "webhooks.workers" => webhooks.workers;
        "store" => store;
        "firestore" => firestore;
        "sync" => sync;
        "redis" => redis;
    }
    notes
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
    /// The new configuration is in place; `sources` are the webhook sources now served.
    Reloaded {
        sources: Vec<String>,
    },
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
    let hooks = Arc::new(WebhookServer::start(
        &settings.config,
        &settings.db_path,
        &env,
    )?);
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
    // Bumped after each applied reload, so loops waiting on an interval re-read theirs.
    let (reloaded_tx, reloaded_rx) = watch::channel(0u64);

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
        let mut reloaded = reloaded_rx.clone();
        let cache = Arc::clone(&cache);
        tasks.spawn(async move {
            let every = |c: &Config| c.alerts.interval.0.max(Duration::from_secs(1));
            let mut interval = config
                .read()
                .map(|c| every(&c))
                .unwrap_or(Duration::from_secs(15));
            let mut tick = skipping_interval(interval);
            let mut last_run = Instant::now()
                .checked_sub(REAL_TIME_GAP)
                .unwrap_or_else(Instant::now);
            loop {
                let (real_time, now_every) = config
                    .read()
                    .map(|c| (c.features.real_time_alerts, every(&c)))
                    .unwrap_or((false, interval));
                if now_every != interval {
                    // A reloaded `alerts.interval`: the next evaluation is one new interval
                    // from now.
                    interval = now_every;
                    tick = skipping_interval_after(interval);
                }
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = ingest.notified(), if real_time => {
                        // Right after ingest, but not more often than REAL_TIME_GAP: under a
                        // stream of deliveries an evaluation per batch would keep a reader
                        // and a writer on the database without pause (and hold the
                        // write-ahead log from being restarted). Batches that arrive during
                        // the wait are covered by the one evaluation after it.
                        let wait = REAL_TIME_GAP.saturating_sub(last_run.elapsed());
                        tokio::select! {
                            _ = tokio::time::sleep(wait) => {}
                            _ = stop.changed() => {}
                        }
                    }
                    Ok(()) = reloaded.changed() => continue,
                    _ = stop.changed() => {}
                }
                if *stop.borrow() {
                    return Ok(());
                }
                last_run = Instant::now();
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
                let evaluation = crate::alerts::run_once(&ctx, &CheckOptions::default()).await;
                tracing::debug!(
                    ms = last_run.elapsed().as_secs_f64() * 1e3,
                    "alert evaluation"
                );
                match evaluation {
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

    // Prune every `retention.prune_every` (hourly by default), the first time at start.
    {
        let mut stop = control.stop.clone();
        let events = Arc::clone(&events);
        let config = Arc::clone(&config);
        let db_path = settings.db_path.clone();
        let store_options = settings.store_options.clone();
        let mut reloaded = reloaded_rx.clone();
        tasks.spawn(async move {
            let every = |c: &Config| c.retention.prune_every.0.max(Duration::from_secs(1));
            let mut interval = config.read().map(|c| every(&c)).unwrap_or(PRUNE_EVERY);
            let mut tick = skipping_interval(interval);
            loop {
                let now_every = config.read().map(|c| every(&c)).unwrap_or(interval);
                if now_every != interval {
                    // A reloaded `retention.prune_every`: the next prune is one new period
                    // from now.
                    interval = now_every;
                    tick = skipping_interval_after(interval);
                }
                tokio::select! {
                    _ = tick.tick() => {}
                    Ok(()) = reloaded.changed() => continue,
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

    // SIGHUP: re-read the config file; a bad one is reported and the old one kept whole.
    // API tokens, CORS origins, features and webhook sources (secrets, schemes, allow lists,
    // rate limits, enabled flags; added and removed ones) apply at once, without dropping a
    // connection; alert rules, channels and the alert and prune intervals at their next
    // evaluation. Keys read at start only ([`keep_restart_only`]) are reported and kept.
    {
        let mut stop = control.stop.clone();
        let reload = Arc::clone(&control.reload);
        let config = Arc::clone(&config);
        let events = Arc::clone(&events);
        let path = settings.config_path.clone();
        let env = settings.env.clone();
        let overrides = settings.overrides.clone();
        let api = Arc::clone(&api);
        let hooks = Arc::clone(&hooks);
        tasks.spawn(async move {
            loop {
                tokio::select! {
                    _ = reload.notified() => {}
                    _ = stop.changed() => {}
                }
                if *stop.borrow() {
                    return Ok(());
                }
                let running = match config.read() {
                    Ok(c) => c.clone(),
                    Err(p) => p.into_inner().clone(),
                };
                match reload_config(&path, &env, &overrides, &running, &api, &hooks) {
                    Ok((new, notes)) => {
                        for note in notes {
                            events(Event::Warning(format!("SIGHUP: {note}")));
                        }
                        let sources = new
                            .webhooks
                            .sources
                            .iter()
                            .map(|s| s.name.clone())
                            .collect();
                        match config.write() {
                            Ok(mut c) => *c = new,
                            Err(p) => *p.into_inner() = new,
                        }
                        reloaded_tx.send_modify(|n| *n += 1);
                        events(Event::Reloaded { sources });
                    }
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
    let hooks = Arc::try_unwrap(hooks).map_err(|_| {
        Error::Internal("the webhook receiver handle is still shared at shutdown".into())
    })?;
    tokio::task::spawn_blocking(move || {
        let api_result = api.shutdown();
        let hooks_result = hooks.shutdown();
        api_result.and(hooks_result)
    })
    .await
    .map_err(|e| Error::Internal(format!("webhook shutdown: {e}")))??;
    Ok(())
}

/// Loads the config file and checks every part that applies at once before putting any in
/// place, so a bad file changes nothing. Returns the configuration now in force and the
/// notes on keys that need a restart.
fn reload_config(
    path: &std::path::Path,
    env: &Env,
    overrides: &Overrides,
    running: &Config,
    api: &crate::api::ApiHandle,
    hooks: &crate::webhooks::Handle,
) -> Result<(Config, Vec<String>)> {
    let mut new = crate::config::load(path, true, env)?.config;
    overrides.apply(&mut new);
    let lookup = |k: &str| env.get(k).cloned();
    let sources = hooks.prepare_sources(&new, &lookup)?;
    let notes = keep_restart_only(running, &mut new);
    api.reload(new.clone(), env)?;
    hooks.replace_sources(sources);
    Ok((new, notes))
}

/// An interval that skips missed ticks; its first tick is at once.
fn skipping_interval(every: Duration) -> tokio::time::Interval {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tick
}

/// An interval that skips missed ticks; its first tick is one period from now.
fn skipping_interval_after(every: Duration) -> tokio::time::Interval {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tick
}
