//! Redis for tests: the machine's shared server with a unique key prefix per test, and a
//! private `redis-server` on a free port that a test can stop (kill -9) and restart.
//!
//! The private server is killed by its own positive pid, never by group or name.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The shared server's URL (`VDT_TEST_REDIS_URL`, else the machine's 6379).
pub fn shared_url() -> String {
    std::env::var("VDT_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
}

/// Whether the shared server answers; tests that need it print "skipped" and return when not.
pub fn shared_available() -> bool {
    let ok = redis::Client::open(shared_url())
        .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(1)))
        .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
        .is_ok();
    if !ok {
        eprintln!(
            "skipped: no Redis at {} (run scripts/test.sh)",
            shared_url()
        );
    }
    ok
}

/// A prefix no other test (or run) uses: `vdt-test:{pid}:{n}:{name}:`.
pub fn unique_prefix(name: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "vdt-test:{}:{}:{name}:",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// A plain connection for checks from the test side.
pub fn conn(url: &str) -> redis::Connection {
    redis::Client::open(url)
        .unwrap()
        .get_connection_with_timeout(Duration::from_secs(2))
        .unwrap()
}

/// Remove the keys under a prefix when the test ends (pass or fail).
pub struct PrefixGuard {
    pub url: String,
    pub prefix: String,
}

impl Drop for PrefixGuard {
    fn drop(&mut self) {
        let Ok(client) = redis::Client::open(self.url.as_str()) else {
            return;
        };
        let Ok(mut c) = client.get_connection_with_timeout(Duration::from_secs(1)) else {
            return;
        };
        let pattern = format!("{}*", self.prefix.replace('*', "\\*"));
        let keys: Vec<String> = redis::Commands::scan_match::<_, String>(&mut c, pattern)
            .map(|it| it.filter_map(Result::ok).collect())
            .unwrap_or_default();
        if !keys.is_empty() {
            let _ = redis::cmd("DEL").arg(keys).query::<()>(&mut c);
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A private redis-server; killed when dropped.
pub struct Server {
    pub port: u16,
    child: Option<Child>,
}

impl Server {
    /// `None` (after printing "skipped") when redis-server is not installed.
    pub fn start() -> Option<Server> {
        if Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_err()
        {
            eprintln!("skipped: redis-server not installed (run scripts/test.sh)");
            return None;
        }
        let mut s = Server {
            port: free_port(),
            child: None,
        };
        s.restart();
        Some(s)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Start (again) on the same port.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--enable-debug-command", "yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let up = redis::Client::open(self.url())
                .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
                .is_ok();
            if up {
                return;
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// kill -9 by its own pid, and reap it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
