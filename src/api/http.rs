//! The HTTP layer: a listening socket with read and write timeouts (Linux copies SO_RCVTIMEO
//! and SO_SNDTIMEO to every accepted socket — tiny_http has no timeouts of its own, so this
//! is how a stalled client gets dropped), tiny_http over it, and a pool of workers that take
//! requests straight from tiny_http's queue.
//!
//! Generations: tiny_http's accept thread ends at the first error `accept()` returns, and
//! with SO_RCVTIMEO on the listening socket Linux's `accept()` itself times out (EAGAIN)
//! once no client has connected for the read timeout (ECONNABORTED and EMFILE end it too).
//! The worker that receives that error builds a new `tiny_http::Server` on the same socket;
//! the old one is kept, and polled, while its open connections may still send requests.

use crate::error::{Error, Result};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Pending connections the kernel queues before `accept`.
const BACKLOG: i32 = 1024;
/// How long an idle worker waits on the queue before looking at old generations and at the
/// stop flag.
const POLL: Duration = Duration::from_millis(50);

/// One tiny_http server over the shared socket.
struct Generation {
    server: tiny_http::Server,
    /// Milliseconds since `Pool::epoch` of the last request taken from it.
    last_request_ms: AtomicU64,
}

struct Generations {
    current: Arc<Generation>,
    old: Vec<Arc<Generation>>,
}

/// The listener, its generations and the stop flag, shared by the workers.
pub struct Pool {
    listener: TcpListener,
    control: socket2::Socket,
    gens: RwLock<Generations>,
    rotate_lock: Mutex<()>,
    stop: AtomicBool,
    epoch: Instant,
    /// An old generation quiet for this long has no live connection left (each would have
    /// timed out), and is dropped.
    old_after: Duration,
}

/// Bind `addr` with the timeouts set on the listening socket.
pub fn bind(addr: SocketAddr, read_timeout: Duration, write_timeout: Duration) -> Result<Pool> {
    use socket2::{Domain, Protocol, Socket, Type};
    let fail = |e: std::io::Error| {
        Error::unavailable(format!("cannot listen on {addr}: {e}"))
            .with_hint("pick another address with --bind or api.bind")
    };
    let socket =
        Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).map_err(fail)?;
    socket.set_reuse_address(true).map_err(fail)?;
    socket.set_read_timeout(Some(read_timeout)).map_err(fail)?;
    socket
        .set_write_timeout(Some(write_timeout))
        .map_err(fail)?;
    socket.set_tcp_nodelay(true).map_err(fail)?;
    socket.bind(&addr.into()).map_err(fail)?;
    socket.listen(BACKLOG).map_err(fail)?;
    let control = socket.try_clone().map_err(fail)?;
    let listener: TcpListener = socket.into();
    let first = new_generation(&listener).map_err(Error::unavailable)?;
    Ok(Pool {
        listener,
        control,
        gens: RwLock::new(Generations {
            current: first,
            old: Vec::new(),
        }),
        rotate_lock: Mutex::new(()),
        stop: AtomicBool::new(false),
        epoch: Instant::now(),
        old_after: read_timeout * 3,
    })
}

fn new_generation(listener: &TcpListener) -> std::result::Result<Arc<Generation>, String> {
    let l = listener
        .try_clone()
        .map_err(|e| format!("cannot listen: {e}"))?;
    let server =
        tiny_http::Server::from_listener(l, None).map_err(|e| format!("cannot listen: {e}"))?;
    Ok(Arc::new(Generation {
        server,
        last_request_ms: AtomicU64::new(0),
    }))
}

impl Pool {
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.listener
            .local_addr()
            .map_err(|e| Error::io("cannot read the bound address", e))
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Stop accepting: wakes the accept thread (shutting down a listening socket makes a
    /// blocked `accept()` fail on Linux) and tells workers to finish.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Err(e) = self.control.shutdown(std::net::Shutdown::Read) {
            tracing::debug!(error = %e, "shutdown of the listening socket");
        }
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Replace `failed` as the current generation (once, whichever worker gets there first).
    fn rotate(&self, failed: &Arc<Generation>) {
        let _turn = self.rotate_lock.lock().unwrap_or_else(|p| p.into_inner());
        if self.stopping() {
            return;
        }
        let current = self
            .gens
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .current
            .clone();
        if !Arc::ptr_eq(&current, failed) {
            return;
        }
        let born = Instant::now();
        match new_generation(&self.listener) {
            Ok(fresh) => {
                let mut g = self.gens.write().unwrap_or_else(|p| p.into_inner());
                failed
                    .last_request_ms
                    .fetch_max(self.now_ms(), Ordering::Relaxed);
                let old = std::mem::replace(&mut g.current, fresh);
                g.old.push(old);
                let now = self.now_ms();
                let keep = self.old_after.as_millis() as u64;
                g.old.retain(|o| {
                    now.saturating_sub(o.last_request_ms.load(Ordering::Relaxed)) < keep
                });
            }
            Err(e) => tracing::error!(error = %e, "cannot restart the HTTP listener; retrying"),
        }
        // An accept loop that dies at once (EMFILE, say) must not spin.
        if born.elapsed() < Duration::from_millis(50) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The next request, or `None` once stopped and drained.
    pub fn next(&self) -> Option<tiny_http::Request> {
        loop {
            let (current, old) = {
                let g = self.gens.read().unwrap_or_else(|p| p.into_inner());
                (g.current.clone(), g.old.clone())
            };
            if self.stopping() {
                // Requests already parsed are still answered.
                return std::iter::once(&current)
                    .chain(old.iter())
                    .find_map(|g| g.server.try_recv().ok().flatten());
            }
            match current.server.recv_timeout(POLL) {
                Ok(Some(rq)) => return Some(rq),
                Ok(None) => {
                    for g in &old {
                        if let Ok(Some(rq)) = g.server.try_recv() {
                            g.last_request_ms.store(self.now_ms(), Ordering::Relaxed);
                            return Some(rq);
                        }
                    }
                }
                Err(e) => {
                    tracing::debug!(error = %e, "accept loop ended; starting a new one");
                    self.rotate(&current);
                }
            }
        }
    }
}

/// Start `n` workers, each with its own state from `init`, running `handle` per request.
pub fn spawn_workers<S: 'static>(
    pool: &Arc<Pool>,
    n: usize,
    init: impl Fn() -> S + Send + Sync + 'static,
    handle: impl Fn(&mut S, tiny_http::Request) + Send + Sync + 'static,
) -> Result<Vec<JoinHandle<()>>> {
    let init = Arc::new(init);
    let handle = Arc::new(handle);
    (0..n)
        .map(|i| {
            let pool = Arc::clone(pool);
            let init = Arc::clone(&init);
            let handle = Arc::clone(&handle);
            std::thread::Builder::new()
                .name(format!("vdt-api-{i}"))
                .spawn(move || {
                    let mut state = init();
                    while let Some(rq) = pool.next() {
                        handle(&mut state, rq);
                    }
                })
                .map_err(|e| Error::io("cannot start an API worker thread", e))
        })
        .collect()
}
