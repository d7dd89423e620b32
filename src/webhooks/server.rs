//! The webhook receiver: `POST /hooks/{source}` and `GET /livez` on tiny_http, a worker pool
//! that runs DESIGN's checks in order, and one writer thread that group-commits every
//! delivery's effect and log row before its answer goes out.
//!
//! Threads:
//! - an acceptor that runs tiny_http "generations" (see [`accept_loop`]) and forwards parsed
//!   requests to the workers;
//! - `workers` request handlers: checks, signature, JSON, then hand-off to the writer, waiting
//!   for its reply before answering;
//! - the writer, which owns the SQLite connection: it takes everything waiting in its channel
//!   (at most [`MAX_BATCH`]), applies it in ONE transaction, commits, and only then replies.
//!   While it commits, the next deliveries queue up, so batches grow with load on their own
//!   and a lone delivery waits for no timer.
//!
//! Every answer, 2xx or rejection, is sent after its `webhook_logs` row is committed: the log
//! is then exactly what clients were told, and a kill -9 loses no row of an answered
//! delivery. Rejections cost a place in a batch, not a transaction of their own.

use std::io::Read;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tiny_http::{Header, Method, Request, Response, StatusCode};

use crate::config::{Config, WebhookSource};
use crate::error::{Error, Result};
use crate::net::{IpNet, client_ip};
use crate::store::checkpoint::{CHECKPOINT_EVERY, Checkpointer};
use crate::store::webhooks::{
    Apply, BatchItem, ItemOutcome, WebhookEffect, WebhookLogRow, apply_webhook_batch,
};
use crate::store::{Store, StoreOptions};
use crate::webhooks::ratelimit::RateLimiter;
use crate::webhooks::schemes::{self, Reject, Scheme, Secret};

/// Most deliveries one transaction takes.
pub const MAX_BATCH: usize = 512;
/// A rejected delivery's body is kept up to this many bytes.
pub const REJECTED_PAYLOAD_MAX: usize = 1024;
/// An accepted delivery's body is kept up to this many bytes.
pub const ACCEPTED_PAYLOAD_MAX: usize = 64 * 1024;
/// Listen backlog.
const BACKLOG: i32 = 1024;

/// What one committed batch changed, for real-time consumers such as `vdt serve`'s alerts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IngestBatch {
    /// Deliveries applied (not duplicates, not rejections).
    pub applied: usize,
    pub traces_upserted: Vec<String>,
    pub traces_deleted: Vec<String>,
    pub sync_jobs: Vec<i64>,
}

type IngestCallback = Box<dyn Fn(&IngestBatch) + Send + Sync>;

/// A source with its secret resolved and its limiter built, ready for requests.
struct Source {
    name: String,
    scheme: Scheme,
    secret: Secret,
    id_header: Option<String>,
    tolerance_secs: i64,
    /// Shared with the source of the same name and rate in the table this one replaced, so a
    /// reload does not hand a sender a fresh burst.
    limiter: Arc<RateLimiter>,
    rate: (f64, u32),
    allow: Vec<IpNet>,
    enabled: bool,
    trace_source: String,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("name", &self.name)
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

fn prepare_source(
    s: &WebhookSource,
    env: &dyn Fn(&str) -> Option<String>,
    previous: Option<&SourceTable>,
) -> Result<Source> {
    let bad = |what: String| Error::config(format!("webhook source {:?}: {what}", s.name));
    let scheme = Scheme::parse(&s.scheme, s.header.as_deref()).map_err(bad)?;
    let raw = crate::config::webhook_secret(s, env)?;
    let secret = schemes::parse_secret(&scheme, &raw).map_err(|e| bad(e.to_string()))?;
    let rate = (s.rate_limit.per_second, s.rate_limit.burst);
    let kept = previous
        .and_then(|t| {
            t.sources
                .iter()
                .find(|o| o.name == s.name && o.rate == rate)
        })
        .map(|o| Arc::clone(&o.limiter));
    let limiter = match kept {
        Some(l) => l,
        None => Arc::new(RateLimiter::try_new(rate.0, rate.1).map_err(bad)?),
    };
    let allow = s
        .allow_ips
        .iter()
        .map(|c| {
            c.parse::<IpNet>()
                .map_err(|e| bad(format!("allow_ips: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Source {
        name: s.name.clone(),
        scheme,
        secret,
        id_header: s.id_header.clone().filter(|h| !h.is_empty()),
        tolerance_secs: i64::try_from(s.tolerance.0.as_secs()).unwrap_or(i64::MAX),
        limiter,
        rate,
        allow,
        enabled: s.enabled,
        trace_source: format!("webhook:{}", s.name),
    })
}

/// What a config reload may replace while the receiver runs: the sources (secrets, schemes,
/// allow lists, rate limits, enabled flags), the trusted proxies and the live-data switch.
/// Built and checked by [`Handle::prepare_sources`] (or at start), put in place by
/// [`Handle::replace_sources`]. Each request reads the table once, so it sees one table
/// from start to end.
pub struct SourceTable {
    sources: Vec<Source>,
    trusted: Vec<IpNet>,
    live_data_enabled: bool,
}

impl SourceTable {
    /// Resolves every source's secret (a missing or unusable one is a config error naming
    /// the source); a source whose name and rate limit are unchanged from `previous` keeps
    /// its limiter state.
    fn prepare(
        cfg: &Config,
        env: &dyn Fn(&str) -> Option<String>,
        previous: Option<&SourceTable>,
    ) -> Result<SourceTable> {
        let wh = &cfg.webhooks;
        let sources = wh
            .sources
            .iter()
            .map(|s| prepare_source(s, env, previous))
            .collect::<Result<Vec<_>>>()?;
        let trusted = wh
            .trusted_proxies
            .iter()
            .map(|c| {
                c.parse::<IpNet>().map_err(|e| {
                    Error::config(format!("config key `webhooks.trusted_proxies`: {e}"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SourceTable {
            sources,
            trusted,
            live_data_enabled: cfg.features.live_data_enabled,
        })
    }

    /// The source names, in config order.
    pub fn names(&self) -> Vec<&str> {
        self.sources.iter().map(|s| s.name.as_str()).collect()
    }
}

type SharedTable = Arc<RwLock<Arc<SourceTable>>>;

/// Everything the workers share.
struct Shared {
    table: SharedTable,
    max_body: u64,
    writer: SyncSender<Job>,
    pool: Pool,
}

/// Most workers started beyond `webhooks.workers` while every worker waits on a client.
const MAX_EXTRA_WORKERS: usize = 64;
/// How often the watcher looks at the workers.
const WATCH_EVERY: Duration = Duration::from_millis(50);

/// The workers, and how many of them are waiting on a client: reading a body tiny_http left on
/// the wire, or answering a request whose body was not read (once the answer is out, tiny_http
/// reads and throws away the rest of the body on the same thread). Either lasts until the
/// client sends or `read_timeout` passes. When no worker has been free at two of the watcher's
/// looks in a row, it starts one more (see [`watch_loop`]), so that clients who send their
/// bodies slowly, or stall in them, do not hold up deliveries that are already whole. A
/// worker started that way stops as soon as another worker is free. The drain workers of an
/// ended generation (see [`Generations`]) are not counted: they serve only that generation's
/// connections.
struct Pool {
    /// Workers started at start (`webhooks.workers`).
    base: usize,
    /// Workers running: `base` and the extra ones.
    live: AtomicUsize,
    /// Workers serving a request whose body is on the wire.
    on_wire: AtomicUsize,
}

impl Pool {
    fn new(base: usize) -> Pool {
        Pool {
            base,
            live: AtomicUsize::new(base),
            on_wire: AtomicUsize::new(0),
        }
    }

    /// Workers free to take a request now.
    fn free(&self) -> usize {
        self.live
            .load(Ordering::SeqCst)
            .saturating_sub(self.on_wire.load(Ordering::SeqCst))
    }

    /// Counts the calling worker as waiting on a client until the guard is dropped.
    fn on_wire(&self) -> OnWire<'_> {
        self.on_wire.fetch_add(1, Ordering::SeqCst);
        OnWire(self)
    }

    /// Whether an extra worker, free again, should stop: another worker is free. Counts it
    /// out when it should.
    fn retire(&self) -> bool {
        self.live
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |live| {
                let busy = self.on_wire.load(Ordering::SeqCst);
                (live > self.base && live.saturating_sub(busy) >= 2).then(|| live - 1)
            })
            .is_ok()
    }
}

struct OnWire<'a>(&'a Pool);

impl Drop for OnWire<'_> {
    fn drop(&mut self) {
        self.0.on_wire.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An extra worker's place in [`Pool::live`], given back when its thread ends.
struct ExtraWorker<'a>(&'a Pool);

impl Drop for ExtraWorker<'_> {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Shared {
    fn table(&self) -> Arc<SourceTable> {
        Arc::clone(&self.table.read().unwrap_or_else(|p| p.into_inner()))
    }
}

/// A worker's group of batch items (each with when its request started), the worker waiting
/// for their outcomes.
struct Job {
    items: Vec<(BatchItem, Instant)>,
    reply: SyncSender<std::result::Result<Vec<ItemOutcome>, String>>,
}

/// The receiver, as a library type: `vdt serve-webhooks` runs it alone, `vdt serve` embeds it.
pub struct WebhookServer;

impl WebhookServer {
    /// Resolves every source's secret (a missing or unusable one is a config error naming the
    /// source, exit 78), opens and migrates the database, binds, and starts the threads.
    pub fn start(
        cfg: &Config,
        db_path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Handle> {
        let wh = &cfg.webhooks;
        let table: SharedTable =
            Arc::new(RwLock::new(Arc::new(SourceTable::prepare(cfg, env, None)?)));
        let bind: SocketAddr = wh.bind.parse().map_err(|_| {
            Error::config(format!(
                "config key `webhooks.bind`: {:?} is not an address such as 127.0.0.1:8081",
                wh.bind
            ))
        })?;
        let store = Store::open(
            db_path,
            &StoreOptions {
                synchronous: cfg.store.synchronous,
                keep_backups: cfg.retention.backups,
            },
        )?;
        // The writer never checkpoints or truncates the log inline (either, in its commit,
        // holds up every delivery behind it); a thread of its own does both instead.
        let (checkpointer, gate) = Checkpointer::for_writer(&store, CHECKPOINT_EVERY)?;
        let (listener, control) = bind_listener(bind, wh.read_timeout.0, wh.write_timeout.0)?;
        let local_addr = listener
            .local_addr()
            .map_err(|e| Error::io("cannot read the bound address", e))?;

        let workers = match wh.workers {
            0 => std::thread::available_parallelism()
                .map_or(4, |n| n.get())
                .max(4),
            n => n as usize,
        };
        let callbacks: Arc<RwLock<Vec<IngestCallback>>> = Arc::default();
        // Room for every worker's job plus rejections in flight; a full channel makes workers
        // wait, which is the back-pressure we want when the disk is slow.
        let (writer_tx, writer_rx) = mpsc::sync_channel::<Job>(workers * 4 + MAX_BATCH);
        let writer = {
            let callbacks = Arc::clone(&callbacks);
            spawn("vdt-webhooks-writer", move || {
                writer_loop(store, writer_rx, &callbacks, &gate)
            })?
        };

        let shared = Arc::new(Shared {
            table: Arc::clone(&table),
            max_body: wh.max_body.0,
            writer: writer_tx,
            pool: Pool::new(workers),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let read_timeout = wh.read_timeout.0;
        let gens = Arc::new(Generations {
            current: RwLock::new(Arc::new(new_server(&listener)?)),
            listener,
            stop: Arc::clone(&stop),
            // Connections of an ended generation time out after read_timeout of silence.
            idle: read_timeout * 2 + Duration::from_secs(1),
            workers,
        });
        let mut worker_threads = Vec::with_capacity(workers + 1);
        for i in 0..workers {
            let shared = Arc::clone(&shared);
            let gens = Arc::clone(&gens);
            worker_threads.push(spawn(&format!("vdt-webhooks-{i}"), move || {
                worker_loop(&shared, &gens, false);
            })?);
        }
        {
            let shared = Arc::clone(&shared);
            let gens = Arc::clone(&gens);
            worker_threads.push(spawn("vdt-webhooks-watch", move || {
                watch_loop(&shared, &gens);
            })?);
        }
        if !read_timeout.is_zero() {
            let stop = Arc::clone(&stop);
            worker_threads.push(spawn("vdt-webhooks-nudge", move || {
                nudge_loop(local_addr, read_timeout, &stop);
            })?);
        }
        tracing::info!(%local_addr, workers, "webhook receiver listening");
        Ok(Handle {
            local_addr,
            stop,
            control,
            workers: worker_threads,
            writer: Some(writer),
            checkpointer: Some(checkpointer),
            callbacks,
            table,
        })
    }
}

/// A running receiver. Dropping it without [`Handle::shutdown`] leaves the threads running.
pub struct Handle {
    local_addr: SocketAddr,
    stop: Arc<AtomicBool>,
    control: socket2::Socket,
    workers: Vec<JoinHandle<()>>,
    writer: Option<JoinHandle<()>>,
    /// Stopped after the writer, so the last batch's pages are copied back too.
    checkpointer: Option<Checkpointer>,
    callbacks: Arc<RwLock<Vec<IngestCallback>>>,
    table: SharedTable,
}

impl Handle {
    /// Builds and checks the source table of `cfg` (`webhooks.sources`,
    /// `webhooks.trusted_proxies`, `features.live_data_enabled`) without putting it in
    /// place, so a caller reloading several parts can check them all first. Sources whose
    /// name and rate limit are unchanged keep their rate limiter's state.
    pub fn prepare_sources(
        &self,
        cfg: &Config,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<SourceTable> {
        let current = Arc::clone(&self.table.read().unwrap_or_else(|p| p.into_inner()));
        SourceTable::prepare(cfg, env, Some(&current))
    }

    /// Puts `table` in place: requests that start from now on use it; requests in flight
    /// finish with the table they started with. No connection is dropped.
    pub fn replace_sources(&self, table: SourceTable) {
        *self.table.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(table);
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Registers a function called on the writer thread after each committed batch that
    /// applied something. Keep it quick (hand heavy work to another thread): the next batch
    /// waits for it.
    pub fn on_ingest(&self, cb: impl Fn(&IngestBatch) + Send + Sync + 'static) {
        self.callbacks
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(Box::new(cb));
    }

    /// Stops accepting, answers every request already received, commits the last batch and
    /// joins the threads.
    pub fn shutdown(mut self) -> Result<()> {
        self.stop.store(true, Ordering::SeqCst);
        // On Linux, shutting down a listening socket wakes a thread blocked in accept() with
        // EINVAL and refuses new connections from then on.
        if let Err(e) = self.control.shutdown(std::net::Shutdown::Read) {
            tracing::debug!(error = %e, "shutdown of the listening socket");
        }
        let mut panicked = false;
        // Workers answer what tiny_http has already parsed, then drop their ends of the
        // writer channel; the writer commits its last batch once every end is gone.
        for t in self.workers.drain(..) {
            panicked |= t.join().is_err();
        }
        if let Some(t) = self.writer.take() {
            panicked |= t.join().is_err();
        }
        drop(self.checkpointer.take());
        if panicked {
            return Err(Error::Internal(
                "a webhook receiver thread panicked".to_owned(),
            ));
        }
        Ok(())
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .map_err(|e| Error::io(format!("cannot start thread {name}"), e))
}

/// Binds with the timeouts set on the listening socket: Linux copies SO_RCVTIMEO and
/// SO_SNDTIMEO to every accepted socket, which is the only way to give tiny_http's
/// connections timeouts. Returns the listener and a second handle on the same socket, kept to
/// shut it down.
fn bind_listener(
    addr: SocketAddr,
    read_timeout: Duration,
    write_timeout: Duration,
) -> Result<(TcpListener, socket2::Socket)> {
    use socket2::{Domain, Protocol, Socket, Type};
    let fail = |e: std::io::Error| {
        Error::unavailable(format!("cannot listen on {addr}: {e}"))
            .with_hint("pick another address with --bind or webhooks.bind")
    };
    let socket =
        Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).map_err(fail)?;
    socket.set_reuse_address(true).map_err(fail)?;
    // A zero duration means "no timeout" to the OS; socket2 refuses it, so it is left unset.
    if !read_timeout.is_zero() {
        socket.set_read_timeout(Some(read_timeout)).map_err(fail)?;
    }
    if !write_timeout.is_zero() {
        socket
            .set_write_timeout(Some(write_timeout))
            .map_err(fail)?;
    }
    socket.bind(&addr.into()).map_err(fail)?;
    socket.listen(BACKLOG).map_err(fail)?;
    let control = socket.try_clone().map_err(fail)?;
    Ok((socket.into(), control))
}

/// How often a worker blocked on an empty queue looks up from it (shutdown, a new generation).
const POLL: Duration = Duration::from_millis(250);

/// tiny_http servers over the one listening socket, in generations.
///
/// tiny_http's accept thread ends at the first error accept() returns. With SO_RCVTIMEO on the
/// listening socket, Linux's accept() itself times out (EAGAIN) once no client has connected
/// for `read_timeout`; ECONNABORTED (tiny_http issue #283) and EMFILE end it too. The nudger
/// connects every `read_timeout / 3` so the timeout never fires; for the rest, the worker that
/// receives the accept error builds a new `Server` on the same socket, and the old one's
/// connections are served by drain workers until they have been quiet for `idle`.
struct Generations {
    current: RwLock<Arc<tiny_http::Server>>,
    listener: TcpListener,
    stop: Arc<AtomicBool>,
    idle: Duration,
    workers: usize,
}

fn new_server(listener: &TcpListener) -> Result<tiny_http::Server> {
    let clone = listener
        .try_clone()
        .map_err(|e| Error::io("cannot share the listening socket", e))?;
    tiny_http::Server::from_listener(clone, None)
        .map_err(|e| Error::Internal(format!("cannot start the HTTP server: {e}")))
}

impl Generations {
    fn current(&self) -> Arc<tiny_http::Server> {
        Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Replaces `ended` by a new generation, unless another worker already did.
    fn replace(&self, ended: &Arc<tiny_http::Server>, shared: &Arc<Shared>) {
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        if !Arc::ptr_eq(&current, ended) {
            return;
        }
        let server = match new_server(&self.listener) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot restart the HTTP listener; retrying");
                // An accept loop that cannot start (EMFILE, say) must not spin.
                std::thread::sleep(Duration::from_millis(200));
                return;
            }
        };
        tracing::debug!("accept loop ended; started a new one");
        let old = std::mem::replace(&mut *current, Arc::new(server));
        drop(current);
        for i in 0..self.workers {
            let (old, shared, stop, idle) = (
                Arc::clone(&old),
                Arc::clone(shared),
                Arc::clone(&self.stop),
                self.idle,
            );
            let spawned = std::thread::Builder::new()
                .name(format!("vdt-webhooks-drain-{i}"))
                .spawn(move || drain_generation(&old, &shared, &stop, idle));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a drain worker");
                break;
            }
        }
    }
}

/// Serves an ended generation's connections until they have been quiet for `idle`.
fn drain_generation(
    server: &tiny_http::Server,
    shared: &Shared,
    stop: &AtomicBool,
    idle: Duration,
) {
    // Not counted in the pool (see [`Pool`]): a drain worker serves only the old generation,
    // so it being free is no help to the current one's requests.
    let mut last = Instant::now();
    while last.elapsed() < idle && !stop.load(Ordering::SeqCst) {
        if let Ok(Some(rq)) = server.recv_timeout(POLL) {
            serve_group(shared, server, rq, None);
            last = Instant::now();
        }
    }
}

/// A worker: serves requests until the receiver stops. An `extra` worker (see [`Pool`]) also
/// stops once another worker is free.
fn worker_loop(shared: &Arc<Shared>, gens: &Generations, extra: bool) {
    let pool = Some(&shared.pool);
    // An extra worker was counted in `live` when it was started; counted out when it ends,
    // however it ends, unless `retire` already did.
    let counted = extra.then(|| ExtraWorker(&shared.pool));
    loop {
        let server = gens.current();
        match server.recv_timeout(POLL) {
            Ok(Some(rq)) => serve_group(shared, &server, rq, pool),
            Ok(None) => {
                if gens.stop.load(Ordering::SeqCst) {
                    // Answer what is already parsed, then stop.
                    while let Ok(Some(rq)) = server.try_recv() {
                        serve_group(shared, &server, rq, pool);
                    }
                    return;
                }
            }
            Err(e) => {
                if gens.stop.load(Ordering::SeqCst) {
                    continue;
                }
                tracing::debug!(error = %e, "accept loop ended");
                gens.replace(&server, shared);
            }
        }
        if extra && shared.pool.retire() {
            std::mem::forget(counted);
            tracing::debug!("extra webhook worker stopped");
            return;
        }
    }
}

/// Starts an extra worker once no worker has been free for two ticks in a row (every worker
/// waiting on a client), and another at each tick while none is free, up to
/// [`MAX_EXTRA_WORKERS`] beyond `webhooks.workers`.
fn watch_loop(shared: &Arc<Shared>, gens: &Arc<Generations>) {
    let mut busy_ticks = 0;
    while !gens.stop.load(Ordering::SeqCst) {
        std::thread::sleep(WATCH_EVERY);
        if shared.pool.free() > 0 {
            busy_ticks = 0;
            continue;
        }
        busy_ticks += 1;
        let live = shared.pool.live.load(Ordering::SeqCst);
        // Then one more every tick for as long as none is free.
        if busy_ticks < 2 || live >= shared.pool.base + MAX_EXTRA_WORKERS {
            continue;
        }
        shared.pool.live.fetch_add(1, Ordering::SeqCst);
        let (s, g) = (Arc::clone(shared), Arc::clone(gens));
        let spawned = std::thread::Builder::new()
            .name("vdt-webhooks-extra".to_owned())
            .spawn(move || worker_loop(&s, &g, true));
        match spawned {
            Ok(_) => tracing::debug!(
                workers = live + 1,
                "every webhook worker waits on a client; started another"
            ),
            Err(e) => {
                shared.pool.live.fetch_sub(1, Ordering::SeqCst);
                tracing::warn!(error = %e, "cannot start an extra webhook worker");
            }
        }
    }
}

/// Connects to the receiver every `read_timeout / 3`, so accept() never waits long enough to
/// time out (see [`Generations`]).
fn nudge_loop(addr: SocketAddr, read_timeout: Duration, stop: &AtomicBool) {
    let target = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::from(([127, 0, 0, 1], addr.port())),
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    };
    let every = (read_timeout / 3).max(Duration::from_millis(50));
    let mut last = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(every.min(POLL));
        if last.elapsed() >= every {
            let _ = std::net::TcpStream::connect_timeout(&target, every);
            last = Instant::now();
        }
    }
}

/// An answer: status, extra headers, JSON body (serialized when the answer is made).
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    /// A problem's `detail`, for its log row; `None` for an answer that is not a problem.
    detail: Option<String>,
}

/// The body of an accepted delivery's answer.
#[derive(serde::Serialize)]
struct AcceptedBody<'a> {
    status: &'static str,
    source: &'a str,
    delivery_id: Option<&'a str>,
    event_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    job_id: Option<i64>,
}

impl Answer {
    fn ok(status: u16, body: &impl serde::Serialize) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: serde_json::to_vec(body).unwrap_or_default(),
            detail: None,
        }
    }

    /// An RFC 9457 problem: type, title, status, detail.
    fn problem(status: u16, slug: &str, title: &str, detail: impl Into<String>) -> Answer {
        let detail = detail.into();
        Answer {
            status,
            headers: Vec::new(),
            body: serde_json::to_vec(&json!({
                "type": format!("urn:vdt:problem:{slug}"),
                "title": title,
                "status": status,
                "detail": detail,
            }))
            .unwrap_or_default(),
            detail: Some(detail),
        }
    }

    fn detail(&self) -> Option<String> {
        self.detail.clone()
    }

    fn into_response(self) -> Response<std::io::Cursor<Vec<u8>>> {
        let content_type = if self.detail.is_some() {
            &b"application/problem+json"[..]
        } else {
            &b"application/json"[..]
        };
        let mut resp = Response::from_data(self.body)
            .with_status_code(StatusCode(self.status))
            .with_header(
                Header::from_bytes(&b"Content-Type"[..], content_type).expect("valid header"),
            );
        for (k, v) in self.headers {
            if let Ok(h) = Header::from_bytes(k.as_bytes(), v.as_bytes()) {
                resp.add_header(h);
            }
        }
        resp
    }
}

fn header_value(rq: &Request, name: &str) -> Option<String> {
    rq.headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str().to_owned())
}

/// What a delivery has told us so far, for its log row.
struct Seen<'a> {
    source: &'a str,
    started: Instant,
    remote: Option<IpAddr>,
    body: Option<&'a [u8]>,
    event_type: Option<String>,
    delivery_id: Option<String>,
}

impl Seen<'_> {
    fn log(&self, status: u16, error: Option<String>, payload_max: usize) -> WebhookLogRow {
        WebhookLogRow {
            source: self.source.to_owned(),
            payload: self.body.map(|b| truncated_text(b, payload_max)),
            status_code: status,
            processing_time_ms: 0.0,
            event_type: self.event_type.clone(),
            delivery_id: self.delivery_id.clone(),
            error,
            remote_addr: self.remote.map(|ip| ip.to_string()),
        }
    }
}

/// [`truncated_text`] of a body the caller is done with: a whole UTF-8 body is taken as is.
fn payload_text(body: Vec<u8>, max: usize) -> String {
    if body.len() > max {
        return truncated_text(&body, max);
    }
    String::from_utf8(body).unwrap_or_else(|e| truncated_text(e.as_bytes(), max))
}

/// The body as text, cut at `max` bytes on a character boundary, with a marker when cut.
fn truncated_text(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(max.saturating_add(4))]);
    if body.len() <= max {
        return text.into_owned();
    }
    let mut cut = max.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…[truncated, {} bytes]", &text[..cut], body.len())
}

/// Runs DESIGN's checks on a request. Sets `read` once the whole body has been read. With
/// `wire`, the body is on the wire and the worker counts itself as waiting on a client while
/// it reads it.
fn step(shared: &Shared, mut rq: Request, wire: Option<&Pool>, read: &mut bool) -> Step {
    let started = Instant::now();
    let path = rq.url().split('?').next().unwrap_or("").to_owned();
    if path == "/livez" {
        let answer = if *rq.method() == Method::Get || *rq.method() == Method::Head {
            Answer::ok(200, &json!({"status": "ok"}))
        } else {
            let mut a = Answer::problem(405, "method-not-allowed", "Method Not Allowed", "use GET");
            a.headers.push(("Allow", "GET, HEAD".to_owned()));
            a
        };
        return Step::Now(rq, answer);
    }
    let Some(name) = path.strip_prefix("/hooks/").filter(|n| !n.contains('/')) else {
        return Step::Now(
            rq,
            Answer::problem(
                404,
                "not-found",
                "Not Found",
                "webhooks are posted to /hooks/{source}",
            ),
        );
    };
    let table = shared.table();
    let peer = rq.remote_addr().map(|a| a.ip());
    let remote = peer.map(|p| {
        client_ip(
            p,
            header_value(&rq, "X-Forwarded-For").as_deref(),
            &table.trusted,
        )
    });
    let Some(source) = table.sources.iter().find(|s| s.name == name) else {
        // Logged under the name asked for (cut short), so a sender with a wrong URL shows up.
        let logged: String = name.chars().take(64).collect();
        let seen = Seen {
            source: &logged,
            started,
            remote,
            body: None,
            event_type: None,
            delivery_id: None,
        };
        let answer = Answer::problem(
            404,
            "unknown-source",
            "Not Found",
            format!("no webhook source named {logged:?}"),
        );
        return Step::rejected(rq, &seen, answer);
    };
    let mut seen = Seen {
        source: &source.name,
        started,
        remote,
        body: None,
        event_type: None,
        delivery_id: None,
    };

    if !source.enabled || !table.live_data_enabled {
        let detail = if source.enabled {
            "live data is disabled (features.live_data_enabled / LIVE_DATA_ENABLED)".to_owned()
        } else {
            format!("webhook source {:?} is disabled", source.name)
        };
        let mut a = Answer::problem(503, "source-disabled", "Service Unavailable", detail);
        a.headers.push(("Retry-After", "60".to_owned()));
        return Step::rejected(rq, &seen, a);
    }
    if *rq.method() != Method::Post {
        let mut a = Answer::problem(
            405,
            "method-not-allowed",
            "Method Not Allowed",
            format!("deliveries are POSTed, not sent with {}", rq.method()),
        );
        a.headers.push(("Allow", "POST".to_owned()));
        return Step::rejected(rq, &seen, a);
    }
    let content_type = header_value(&rq, "Content-Type");
    let is_json = content_type.as_deref().is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    if !is_json {
        let a = Answer::problem(
            415,
            "unsupported-media-type",
            "Unsupported Media Type",
            format!(
                "Content-Type must be application/json, not {}",
                content_type
                    .as_deref()
                    .map_or("(none)".to_owned(), |c| format!("{c:?}"))
            ),
        );
        return Step::rejected(rq, &seen, a);
    }
    let too_large = |n: String| {
        Answer::problem(
            413,
            "payload-too-large",
            "Content Too Large",
            format!(
                "the body is {n}, over the limit of {} bytes",
                shared.max_body
            ),
        )
    };
    if let Some(declared) = rq.body_length()
        && declared as u64 > shared.max_body
    {
        // Refused without reading: not even `100 Continue` is sent. tiny_http reads and throws
        // away what the client sends anyway when the request is dropped, so the answer goes
        // out from a thread of its own and this worker moves on.
        let answer = too_large(format!("{declared} bytes"));
        let log = seen.log(413, answer.detail(), 0);
        return Step::Commit {
            rq,
            item: Box::new(BatchItem { log, apply: None }),
            started,
            then: Then::AnswerApart(answer),
        };
    }
    let mut body = Vec::with_capacity(
        rq.body_length()
            .unwrap_or(1024)
            .min(shared.max_body as usize),
    );
    let reading = {
        let _wire = wire.map(Pool::on_wire);
        rq.as_reader()
            .take(shared.max_body + 1)
            .read_to_end(&mut body)
    };
    // Over the limit, or cut short by an error: the rest is still on the wire.
    *read = reading.is_ok() && body.len() as u64 <= shared.max_body;
    if let Err(e) = reading {
        seen.body = Some(&body);
        let a = Answer::problem(
            400,
            "unreadable-body",
            "Bad Request",
            format!("the body could not be read: {e}"),
        );
        return Step::rejected(rq, &seen, a);
    }
    if body.len() as u64 > shared.max_body {
        body.truncate(REJECTED_PAYLOAD_MAX);
        seen.body = Some(&body);
        let a = too_large("longer".to_owned());
        return Step::rejected(rq, &seen, a);
    }
    seen.body = Some(&body);
    if let Some(ip) = remote
        && !source.allow.iter().any(|net| net.contains(ip))
    {
        let a = Answer::problem(
            403,
            "address-not-allowed",
            "Forbidden",
            format!("{ip} is not in the allow list of source {:?}", source.name),
        );
        return Step::rejected(rq, &seen, a);
    }
    let rate_headers = match source.limiter.check(&source.name, Instant::now()) {
        Ok(info) => info.headers(),
        Err(limited) => {
            let mut a = Answer::problem(
                429,
                "rate-limited",
                "Too Many Requests",
                limited.to_string(),
            );
            a.headers = limited.headers();
            return Step::rejected(rq, &seen, a);
        }
    };
    let now_unix = chrono::Utc::now().timestamp();
    let headers = |name: &str| header_value(&rq, name);
    let verified = match schemes::verify(
        &source.scheme,
        &source.secret,
        &headers,
        &body,
        now_unix,
        source.tolerance_secs,
    ) {
        Ok(v) => v,
        Err(reject) => {
            let (slug, title) = match reject {
                Reject::TimestampOutOfTolerance { .. } => {
                    ("stale-timestamp", "Timestamp Outside Tolerance")
                }
                Reject::MissingHeader(_) | Reject::Malformed(_) => {
                    ("missing-signature", "Unauthorized")
                }
                Reject::BadSignature => ("bad-signature", "Unauthorized"),
            };
            let mut a = Answer::problem(401, slug, title, reject.to_string());
            a.headers.extend(rate_headers);
            return Step::rejected(rq, &seen, a);
        }
    };
    let json: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            let mut a = Answer::problem(
                400,
                "invalid-json",
                "Bad Request",
                format!("the body is not JSON: {e}"),
            );
            a.headers.extend(rate_headers);
            return Step::rejected(rq, &seen, a);
        }
    };
    seen.delivery_id = verified.delivery_id.or_else(|| {
        schemes::delivery_id_fallback(
            source
                .id_header
                .as_deref()
                .and_then(|h| header_value(&rq, h)),
            Some(&json),
        )
    });
    seen.event_type = json
        .get("type")
        .or_else(|| json.get("event"))
        .and_then(Value::as_str)
        .map(|t| t.chars().take(200).collect());
    let received_ms = chrono::Utc::now().timestamp_millis();
    let effect = match effect_of(
        seen.event_type.as_deref(),
        &json,
        &source.trace_source,
        received_ms,
    ) {
        Ok(e) => e,
        Err(detail) => {
            let mut a = Answer::problem(400, "invalid-event", "Bad Request", detail);
            a.headers.extend(rate_headers);
            return Step::rejected(rq, &seen, a);
        }
    };
    let status = match effect {
        WebhookEffect::QueueSync { .. } => 202,
        _ => 200,
    };
    // The body itself becomes the logged payload (no copy when it is whole and UTF-8), so the
    // row is made without it and `seen`, which borrows it, is taken apart before it moves.
    seen.body = None;
    let mut log = seen.log(status, None, 0);
    let Seen {
        delivery_id,
        event_type,
        ..
    } = seen;
    log.payload = Some(payload_text(body, ACCEPTED_PAYLOAD_MAX));
    let apply = Apply {
        delivery_id: delivery_id.clone(),
        effect,
    };
    Step::Commit {
        rq,
        item: Box::new(BatchItem {
            log,
            apply: Some(apply),
        }),
        started,
        then: Then::Accepted {
            status,
            source: source.name.clone(),
            delivery_id,
            event_type,
            rate_headers,
        },
    }
}

/// What a worker does with a request once its checks have run.
enum Step {
    /// Answered without a log row: `/livez`, a path outside `/hooks/`.
    Now(Request, Answer),
    /// Answered once its log row (and, for an accepted delivery, its effect) is committed.
    Commit {
        rq: Request,
        item: Box<BatchItem>,
        started: Instant,
        then: Then,
    },
}

/// How a committed item's answer is made.
enum Then {
    /// A rejection: the answer is already known.
    Answer(Answer),
    /// A 413 whose body was never read. tiny_http reads and throws away what the client sends
    /// before it answers, so the answer goes out from a thread of its own.
    AnswerApart(Answer),
    /// An accepted delivery: the answer depends on the outcome.
    Accepted {
        status: u16,
        source: String,
        delivery_id: Option<String>,
        event_type: Option<String>,
        rate_headers: Vec<(&'static str, String)>,
    },
}

impl Step {
    /// A rejection, logged with its body cut to [`REJECTED_PAYLOAD_MAX`].
    fn rejected(rq: Request, seen: &Seen<'_>, answer: Answer) -> Step {
        let log = seen.log(answer.status, answer.detail(), REJECTED_PAYLOAD_MAX);
        Step::Commit {
            rq,
            item: Box::new(BatchItem { log, apply: None }),
            started: seen.started,
            then: Then::Answer(answer),
        }
    }
}

impl Then {
    /// The answer, given what the commit did; `true` when it goes out from a thread of its own.
    fn answer(self, outcome: std::result::Result<ItemOutcome, String>) -> (Answer, bool) {
        let apart = matches!(self, Then::AnswerApart(_));
        let (source, delivery_id, event_type, status, rate_headers) = match self {
            Then::Answer(a) | Then::AnswerApart(a) => {
                if let Err(e) = &outcome {
                    tracing::error!(status = a.status, error = %e, "could not log a rejected delivery");
                }
                return (a, apart);
            }
            Then::Accepted {
                source,
                delivery_id,
                event_type,
                status,
                rate_headers,
            } => (source, delivery_id, event_type, status, rate_headers),
        };
        let mut answer = match outcome {
            Ok(ItemOutcome::Applied { job_id, .. }) => Answer::ok(
                status,
                &AcceptedBody {
                    status: if job_id.is_some() {
                        "queued"
                    } else {
                        "accepted"
                    },
                    source: &source,
                    delivery_id: delivery_id.as_deref(),
                    event_type: event_type.as_deref(),
                    job_id,
                },
            ),
            Ok(ItemOutcome::Duplicate) => Answer::ok(
                200,
                &json!({"status": "duplicate", "source": source, "delivery_id": delivery_id}),
            ),
            Ok(ItemOutcome::Failed(e)) => {
                tracing::error!(%source, error = %e, "applying a delivery failed");
                Answer::problem(
                    500,
                    "apply-failed",
                    "Internal Server Error",
                    "the delivery could not be applied; retry later",
                )
            }
            Ok(ItemOutcome::Logged) => unreachable!("an item with an effect is applied"),
            Err(e) => {
                tracing::error!(%source, error = %e, "committing a batch failed");
                let mut a = Answer::problem(
                    503,
                    "store-unavailable",
                    "Service Unavailable",
                    "the delivery could not be stored; retry later",
                );
                a.headers.push(("Retry-After", "1".to_owned()));
                a
            }
        };
        answer.headers.extend(rate_headers);
        (answer, false)
    }
}

/// Most requests a worker takes from the queue before it hands their items to the writer.
const GROUP_MAX: usize = 64;

/// Whether the request has a body tiny_http has not read: serving it may wait on the client.
fn body_on_wire(rq: &Request) -> bool {
    !body_in_memory(rq)
        && (rq.body_length().is_some_and(|n| n > 0)
            || rq.headers().iter().any(|h| {
                h.field
                    .as_str()
                    .as_str()
                    .eq_ignore_ascii_case("Transfer-Encoding")
            }))
}

/// Whether tiny_http has already read the whole body into memory (it does for a declared
/// length up to 1,024 bytes without `Expect: 100-continue`), so that checking the request
/// cannot wait on the client.
fn body_in_memory(rq: &Request) -> bool {
    rq.body_length().is_some_and(|n| n <= 1024)
        && !rq
            .headers()
            .iter()
            .any(|h| h.field.as_str().as_str().eq_ignore_ascii_case("Expect"))
}

/// Serves `first` and whatever else is already queued on `server`, as one group: each request
/// is checked as it is taken; the group's items go to the writer in one hand-off, the worker
/// waits once for their commit, then answers every request in the order it was taken.
///
/// The order matters: tiny_http answers a connection's pipelined requests in order, so an
/// answer waits until the one before it on the same connection has gone out. Requests are
/// taken from one queue in arrival order, so answering in that order never waits on a request
/// this worker holds later in the group, and one held by another worker was taken earlier and
/// is answered without waiting on this one.
///
/// A request whose body is still on the wire is only ever first in a group, so a client that
/// sends its body slowly holds up no one else's answer.
///
/// A first request refused before its body was read is answered last: once its answer is
/// out, tiny_http reads and throws away the rest of the body, which waits on the client. No
/// other request of its connection can be in the group (tiny_http parses the next one only
/// after this body), so the reordering makes no answer wait on another.
///
/// A worker of the pool (`pool`) counts itself as waiting on a client while it reads a body
/// from the wire or answers a request with one unread (see [`Pool`]).
fn serve_group(shared: &Shared, server: &tiny_http::Server, first: Request, pool: Option<&Pool>) {
    let mut next = Some(first);
    while let Some(first) = next.take() {
        let on_wire = body_on_wire(&first);
        let mut read = false;
        let mut steps = vec![step(shared, first, pool.filter(|_| on_wire), &mut read)];
        let unread = on_wire && !read;
        while steps.len() < GROUP_MAX {
            match server.try_recv() {
                // In memory: nothing to wait for.
                Ok(Some(rq)) if body_in_memory(&rq) => {
                    steps.push(step(shared, rq, None, &mut read));
                }
                Ok(Some(rq)) => {
                    next = Some(rq);
                    break;
                }
                Ok(None) | Err(_) => break,
            }
        }
        if unread {
            steps.rotate_left(1);
        }
        finish_group(shared, steps, pool.filter(|_| unread));
    }
}

/// Commits the group's items (one hand-off, one wait) and answers every request in order.
/// With `unread_last`, the last request has a body on the wire unread, and the worker counts
/// itself as waiting on a client while it answers that one.
fn finish_group(shared: &Shared, steps: Vec<Step>, unread_last: Option<&Pool>) {
    let last = steps.len().saturating_sub(1);
    let mut items = Vec::new();
    let mut answers = Vec::with_capacity(steps.len());
    for s in steps {
        match s {
            Step::Now(rq, answer) => answers.push((rq, Err(answer))),
            Step::Commit {
                rq,
                item,
                started,
                then,
            } => {
                items.push((*item, started));
                answers.push((rq, Ok(then)));
            }
        }
    }
    let mut outcomes = if items.is_empty() {
        Vec::new()
    } else {
        let n = items.len();
        match commit(shared, items) {
            Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e); n],
        }
    }
    .into_iter();
    for (i, (rq, then)) in answers.into_iter().enumerate() {
        // Once the answer is out, tiny_http reads and throws away what is left of the body.
        let _wire = unread_last.filter(|_| i == last).map(Pool::on_wire);
        match then {
            Err(answer) => respond(rq, answer),
            Ok(then) => {
                let outcome = outcomes
                    .next()
                    .unwrap_or_else(|| Err("the writer gave no outcome".to_owned()));
                let (answer, apart) = then.answer(outcome);
                if apart {
                    let spawned = std::thread::Builder::new()
                        .name("vdt-webhooks-413".to_owned())
                        .spawn(move || respond(rq, answer));
                    if let Err(e) = spawned {
                        tracing::warn!(error = %e, "cannot start a thread for a 413");
                    }
                } else {
                    respond(rq, answer);
                }
            }
        }
    }
}

/// Hands items to the writer and waits until their batch is committed.
fn commit(
    shared: &Shared,
    items: Vec<(BatchItem, Instant)>,
) -> std::result::Result<Vec<ItemOutcome>, String> {
    let (reply, outcome) = mpsc::sync_channel(1);
    shared
        .writer
        .send(Job { items, reply })
        .map_err(|_| "the writer has stopped".to_owned())?;
    outcome
        .recv()
        .map_err(|_| "the writer has stopped".to_owned())?
}

fn respond(rq: Request, answer: Answer) {
    if let Err(e) = rq.respond(answer.into_response()) {
        tracing::debug!(error = %e, "could not send a response");
    }
}

/// The effect of an event, or why it cannot be applied (a 400).
fn effect_of(
    event_type: Option<&str>,
    json: &Value,
    trace_source: &str,
    received_ms: i64,
) -> std::result::Result<WebhookEffect, String> {
    let data = json.get("data");
    let str_field = |obj: Option<&Value>, key: &str| {
        obj.and_then(|o| o.get(key))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    match event_type {
        Some("trace.created" | "trace.updated" | "trace.completed") => {
            let trace = data
                .and_then(|d| d.get("trace"))
                .and_then(Value::as_object)
                .ok_or("a trace event needs data.trace, an object")?;
            let mut row = crate::traces::from_object(trace, None, trace_source, received_ms)
                .ok_or("data.trace has no id")?;
            // A trace without its own `updated_at` is as new as the event that carries it, not
            // as its receipt: a late redelivery of an older event then cannot roll the trace
            // back, and an identical redelivery changes nothing (and writes nothing).
            if !trace.contains_key("updated_at")
                && !trace.contains_key("updatedAt")
                && let Some(at) = json
                    .get("timestamp")
                    .and_then(crate::traces::parse_time_ms)
                    .and_then(crate::traces::ms_to_rfc3339)
            {
                row.updated_at = at;
            }
            Ok(WebhookEffect::UpsertTrace(Box::new(row)))
        }
        Some("trace.deleted") => {
            let trace = data.and_then(|d| d.get("trace"));
            let id = str_field(trace, "id")
                .or_else(|| str_field(trace, "trace_id"))
                .or_else(|| str_field(trace, "traceId"))
                .or_else(|| str_field(data, "trace_id"))
                .or_else(|| str_field(data, "id"))
                .ok_or("trace.deleted needs data.trace.id")?;
            Ok(WebhookEffect::DeleteTrace(id))
        }
        Some("firestore.document.changed") => {
            let collection = str_field(data, "collection")
                .ok_or("firestore.document.changed needs data.collection")?;
            crate::store::check_collection_name(&collection)?;
            let document_id = str_field(data, "document_id")
                .ok_or("firestore.document.changed needs data.document_id")?;
            Ok(WebhookEffect::QueueSync {
                collection,
                document_id: Some(document_id),
            })
        }
        Some("sync.requested") => {
            let collection =
                str_field(data, "collection").ok_or("sync.requested needs data.collection")?;
            crate::store::check_collection_name(&collection)?;
            Ok(WebhookEffect::QueueSync {
                collection,
                document_id: None,
            })
        }
        _ => Ok(WebhookEffect::None),
    }
}

/// The log row as it will be committed, given the outcome.
fn settle(log: &mut WebhookLogRow, outcome: &ItemOutcome) {
    match outcome {
        ItemOutcome::Duplicate => {
            log.status_code = 200;
            log.error = Some("duplicate delivery id; not applied again".to_owned());
        }
        ItemOutcome::Failed(e) => {
            log.status_code = 500;
            log.error = Some(e.clone());
        }
        ItemOutcome::Logged | ItemOutcome::Applied { .. } => {}
    }
}

/// `gate` is held around each transaction: the checkpoint thread takes it to copy back the
/// last frames between two of them (see `store::checkpoint`).
fn writer_loop(
    mut store: Store,
    rx: Receiver<Job>,
    callbacks: &RwLock<Vec<IngestCallback>>,
    gate: &Mutex<()>,
) {
    let mut jobs: Vec<Job> = Vec::new();
    loop {
        match rx.recv() {
            Ok(job) => jobs.push(job),
            Err(_) => return,
        }
        // Everything already waiting joins the batch: while the last commit ran, these piled
        // up. No timer: a lone delivery is committed at once.
        let mut queued = jobs[0].items.len();
        while queued < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => {
                    queued += job.items.len();
                    jobs.push(job);
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let mut items: Vec<BatchItem> = Vec::with_capacity(queued);
        let mut counts: Vec<usize> = Vec::with_capacity(jobs.len());
        for job in &mut jobs {
            counts.push(job.items.len());
            for (mut item, started) in job.items.drain(..) {
                item.log.processing_time_ms = started.elapsed().as_secs_f64() * 1000.0;
                items.push(item);
            }
        }
        let result = {
            let _turn = gate.lock().unwrap_or_else(|p| p.into_inner());
            apply_webhook_batch(store.conn_mut(), &mut items, &settle)
        };
        let summary = match &result {
            Ok(outcomes) => Some(summarize(&items, outcomes)),
            Err(_) => None,
        };
        match result {
            Ok(outcomes) => {
                let mut outcomes = outcomes.into_iter();
                for (job, n) in jobs.drain(..).zip(&counts) {
                    let _ = job.reply.send(Ok(outcomes.by_ref().take(*n).collect()));
                }
            }
            Err(e) => {
                // With its causes: "database error" alone does not say the disk is full.
                let msg = std::iter::successors(Some(&e as &dyn std::error::Error), |e| e.source())
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(": ");
                tracing::error!(error = %msg, batch = items.len(), "webhook batch not committed");
                for job in jobs.drain(..) {
                    let _ = job.reply.send(Err(msg.clone()));
                }
            }
        }
        if let Some(summary) = summary.filter(|s| s.applied > 0) {
            for cb in callbacks.read().unwrap_or_else(|p| p.into_inner()).iter() {
                cb(&summary);
            }
        }
    }
}

fn summarize(items: &[BatchItem], outcomes: &[ItemOutcome]) -> IngestBatch {
    let mut s = IngestBatch::default();
    for (item, outcome) in items.iter().zip(outcomes) {
        let (ItemOutcome::Applied { job_id, .. }, Some(apply)) = (outcome, &item.apply) else {
            continue;
        };
        s.applied += 1;
        match &apply.effect {
            WebhookEffect::UpsertTrace(row) => s.traces_upserted.push(row.trace_id.clone()),
            WebhookEffect::DeleteTrace(id) => s.traces_deleted.push(id.clone()),
            WebhookEffect::QueueSync { .. } => s.sync_jobs.extend(*job_id),
            WebhookEffect::None => {}
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_char_boundaries_and_marks_the_cut() {
        assert_eq!(truncated_text(b"short", 10), "short");
        let body = "é".repeat(10);
        let t = truncated_text(body.as_bytes(), 5);
        assert!(t.starts_with("éé…[truncated, 20 bytes]"), "{t}");
    }

    #[test]
    fn events_map_to_effects() {
        let e = effect_of(
            Some("trace.updated"),
            &json!({"data": {"trace": {"id": "t1", "status": "completed"}}}),
            "webhook:lw",
            5,
        )
        .unwrap();
        let WebhookEffect::UpsertTrace(row) = e else {
            panic!("{e:?}")
        };
        assert_eq!(
            (row.trace_id.as_str(), row.source.as_str()),
            ("t1", "webhook:lw")
        );
        assert_eq!(
            effect_of(
                Some("trace.deleted"),
                &json!({"data": {"trace": {"id": "t1"}}}),
                "s",
                0
            ),
            Ok(WebhookEffect::DeleteTrace("t1".into()))
        );
        assert_eq!(
            effect_of(
                Some("firestore.document.changed"),
                &json!({"data": {"collection": "meetings", "document_id": "d1"}}),
                "s",
                0
            ),
            Ok(WebhookEffect::QueueSync {
                collection: "meetings".into(),
                document_id: Some("d1".into())
            })
        );
        assert_eq!(
            effect_of(
                Some("sync.requested"),
                &json!({"data": {"collection": "m"}}),
                "s",
                0
            ),
            Ok(WebhookEffect::QueueSync {
                collection: "m".into(),
                document_id: None
            })
        );
        assert_eq!(
            effect_of(Some("ping"), &json!({}), "s", 0),
            Ok(WebhookEffect::None)
        );
        assert!(effect_of(Some("trace.created"), &json!({"data": {}}), "s", 0).is_err());
        assert!(
            effect_of(
                Some("sync.requested"),
                &json!({"data": {"collection": "a/b"}}),
                "s",
                0
            )
            .is_err()
        );
    }
}
