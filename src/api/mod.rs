//! The REST API (`vdt api`, and embedded in `vdt serve`): status, metrics, logs, alerts,
//! config and health under `/api/v1`, Prometheus `/metrics`, the OpenAPI document, and the
//! embedded dashboard. A library: it never prints; `commands::api` prints the address.
//!
//! Threads: tiny_http parses requests on its own connection threads; a pool of workers
//! answers them, each with its own read-only SQLite connection (WAL readers never wait for
//! the writer). Writes (`PATCH /api/v1/config`, acks, silences) share one read-write
//! connection behind a mutex. Health checks run on the caller's tokio runtime, so
//! [`ApiServer::start`] must be called from inside one (`Runtime::enter`).

mod assets;
mod auth;
mod handlers;
mod http;
pub mod openapi;
pub mod params;
mod problem;
mod prom;
pub mod reads;
mod router;

pub use auth::{Grant, Tokens};
pub use problem::Problem;

use crate::cache::Cache;
use crate::config::{Config, Env};
use crate::error::{Error, Result};
use crate::store::{Store, StoreOptions};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Largest request body read; larger ones get 413.
pub const MAX_BODY: usize = 64 * 1024;
/// A client that sends nothing for this long is dropped.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A client that reads nothing for this long is dropped.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the API serves and how; built by [`ApiServer::new`], started by [`ApiServer::run`].
pub struct ApiServer {
    config: Config,
    db_path: PathBuf,
    env: Env,
    workers: usize,
    store_options: StoreOptions,
    cache: Option<Arc<Cache>>,
}

/// A running API. Dropping it without [`ApiHandle::shutdown`] leaves the threads running.
pub struct ApiHandle {
    local_addr: SocketAddr,
    pool: Arc<http::Pool>,
    workers: Vec<JoinHandle<()>>,
    shared: Arc<Shared>,
}

/// What every worker shares.
pub(crate) struct Shared {
    pub config: RwLock<Arc<Config>>,
    pub tokens: RwLock<auth::Tokens>,
    pub db_path: PathBuf,
    pub started: Instant,
    pub started_at: String,
    pub http: prom::HttpMetrics,
    /// The read-write connection, for the few writes; opened (and migrated) at start.
    pub writer: Mutex<Store>,
    pub runtime: tokio::runtime::Handle,
    /// The newest health report and when it was made: probes within a second share one run.
    pub health_memo: Mutex<Option<(Instant, Arc<crate::health::HealthReport>)>>,
    pub openapi: Vec<u8>,
    pub cache: Arc<Cache>,
}

/// A worker's own state: its read-only connection, opened on first use.
#[derive(Default)]
pub(crate) struct Worker {
    store: Option<Store>,
    /// Cached reads as this worker last rendered them (see `handlers::from_local`).
    pub rendered: std::collections::HashMap<(crate::cache::KeyClass, String), handlers::Rendered>,
}

impl Worker {
    pub fn store(&mut self, shared: &Shared) -> Result<&Store> {
        if self.store.is_none() {
            self.store = Some(Store::open_read_only(&shared.db_path)?);
        }
        Ok(self.store.as_ref().expect("just opened"))
    }

    /// Forget the connection after an error, so the next request opens a fresh one.
    pub fn reset(&mut self) {
        self.store = None;
    }
}

fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

impl ApiServer {
    pub fn new(config: Config, db_path: impl Into<PathBuf>, env: Env) -> Self {
        let workers = std::thread::available_parallelism()
            .map_or(4, |n| n.get() * 2)
            .max(4);
        ApiServer {
            config,
            db_path: db_path.into(),
            env,
            workers,
            store_options: StoreOptions::default(),
            cache: None,
        }
    }

    /// Read through this cache (shared with the rest of `vdt serve`); by default the API
    /// builds its own from `[redis]` and `features.advanced_caching`.
    pub fn cache(mut self, cache: Arc<Cache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// How many request workers (default: two per core, at least 4).
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = n.max(1);
        self
    }

    pub fn store_options(mut self, opts: StoreOptions) -> Self {
        self.store_options = opts;
        self
    }

    /// Bind and serve with the defaults: `ApiServer::new(config, db_path, env).run(bind)`.
    pub fn start(
        config: Config,
        db_path: impl Into<PathBuf>,
        env: Env,
        bind: SocketAddr,
    ) -> Result<ApiHandle> {
        ApiServer::new(config, db_path, env).run(bind)
    }

    /// Bind `bind` and start the workers. Refuses a non-loopback address when no token is
    /// configured (exit 78). Must run inside a tokio runtime (health checks use it).
    pub fn run(self, bind: SocketAddr) -> Result<ApiHandle> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::Internal("the API must be started from inside a tokio runtime".into())
        })?;
        let lookup = |k: &str| self.env.get(k).cloned();
        let (admin, read) = crate::config::api_tokens(&self.config, &lookup)?;
        let tokens = auth::Tokens::new(admin.as_deref(), read.as_deref());
        if tokens.is_empty() && !is_loopback(&bind) {
            return Err(Error::config(format!(
                "refusing to serve the API on {bind} without a token: anyone who can reach it could change the config"
            ))
            .with_hint(format!(
                "set {} (and optionally {}) or api.token_file, or bind a loopback address such as 127.0.0.1:8080",
                self.config.api.token_env.as_deref().unwrap_or("api.token_env"),
                self.config.api.read_token_env.as_deref().unwrap_or("api.read_token_env"),
            )));
        }
        let cache = match self.cache {
            Some(c) => c,
            None => Arc::new(Cache::from_config(&self.config)?),
        };
        let writer = Store::open(&self.db_path, &self.store_options)?;
        let pool = Arc::new(http::bind(bind, READ_TIMEOUT, WRITE_TIMEOUT)?);
        let local_addr = pool.local_addr()?;
        let shared = Arc::new(Shared {
            config: RwLock::new(Arc::new(self.config)),
            tokens: RwLock::new(tokens),
            db_path: self.db_path,
            started: Instant::now(),
            started_at: crate::store::now(),
            http: prom::HttpMetrics::new(router::route_labels()),
            writer: Mutex::new(writer),
            runtime,
            health_memo: Mutex::new(None),
            openapi: serde_json::to_vec_pretty(&openapi::document()).unwrap_or_default(),
            cache,
        });
        let handler_shared = Arc::clone(&shared);
        let workers = http::spawn_workers(&pool, self.workers, Worker::default, move |w, rq| {
            router::handle(&handler_shared, w, rq)
        })?;
        tracing::info!(addr = %local_addr, "API listening");
        Ok(ApiHandle {
            local_addr,
            pool,
            workers,
            shared,
        })
    }
}

impl ApiHandle {
    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Take a new config (SIGHUP in `vdt serve`): tokens, CORS origins, rules, features.
    /// The bind address is not changed.
    pub fn reload(&self, config: Config, env: &Env) -> Result<()> {
        let lookup = |k: &str| env.get(k).cloned();
        let (admin, read) = crate::config::api_tokens(&config, &lookup)?;
        let tokens = auth::Tokens::new(admin.as_deref(), read.as_deref());
        if tokens.is_empty() && !is_loopback(&self.local_addr) {
            return Err(Error::config(
                "the new config has no API token, but the API listens on a non-loopback address; keeping the old config",
            ));
        }
        *self
            .shared
            .tokens
            .write()
            .unwrap_or_else(|p| p.into_inner()) = tokens;
        *self
            .shared
            .config
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
        Ok(())
    }

    /// Stop accepting, answer every request already received, and join the workers.
    pub fn shutdown(self) -> Result<()> {
        self.pool.stop();
        let mut panicked = false;
        for w in self.workers {
            panicked |= w.join().is_err();
        }
        if panicked {
            return Err(Error::Internal("an API worker thread panicked".into()));
        }
        Ok(())
    }
}
