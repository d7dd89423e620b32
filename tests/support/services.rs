//! Real services for the health tests, each on a free port and stopped on drop: a private
//! `redis-server`, the official Firestore emulator (its own process group, killed whole), an
//! SMTP server (aiosmtpd), and a one-line HTTP server that answers every request with one
//! fixed status (a proxy that rejects credentials). Used with
//! `#[path = "support/services.rs"] mod services;`.

#![allow(dead_code)] // each test binary uses part of it

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if ready() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} was not ready within {timeout:?}");
}

fn on_path(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

// ---- redis -----------------------------------------------------------------------------------

/// A private redis-server: never the shared 6379, so CONFIG SET is safe.
pub struct Redis {
    pub port: u16,
    child: Option<Child>,
}

impl Redis {
    /// `None` (after saying "skipped") when redis-server is not installed.
    pub fn start() -> Option<Redis> {
        if !on_path("redis-server") || !on_path("redis-cli") {
            eprintln!("skipped: redis-server/redis-cli not installed");
            return None;
        }
        let port = free_port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        let r = Redis {
            port,
            child: Some(child),
        };
        wait_until("redis-server", Duration::from_secs(20), || {
            r.try_cli(&["PING"]).is_some_and(|o| o.trim() == "PONG")
        });
        Some(r)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn try_cli(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn cli(&self, args: &[&str]) -> String {
        self.try_cli(args)
            .unwrap_or_else(|| panic!("redis-cli {args:?} failed"))
    }

    /// `SET key <bytes>` with the value on stdin (too big for an argument).
    pub fn set_large(&self, key: &str, bytes: usize) {
        let mut child = Command::new("redis-cli")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-x",
                "SET",
                key,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-cli");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(&vec![b'x'; bytes])
            .expect("write value");
        assert!(
            child.wait().unwrap().success(),
            "redis-cli -x SET {key} failed"
        );
    }

    /// A field of `INFO memory`.
    pub fn info_memory(&self, field: &str) -> u64 {
        let info = self.cli(&["INFO", "memory"]);
        info.lines()
            .find_map(|l| l.trim_end().strip_prefix(&format!("{field}:")))
            .unwrap_or_else(|| panic!("no {field} in INFO memory"))
            .parse()
            .expect("a number")
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---- Firestore emulator ----------------------------------------------------------------------

pub const EMULATOR: &str =
    "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud_firestore_emulator";

/// The official emulator (a bash script that starts java) leading its own process group;
/// stop() and drop kill the whole group.
pub struct Emulator {
    pub port: u16,
    pub pgid: u32,
    child: Option<Child>,
    log: PathBuf,
}

impl Emulator {
    /// `None` (after saying "skipped") when the emulator is not installed.
    pub fn start() -> Option<Emulator> {
        let bin = std::env::var_os("VDT_FIRESTORE_EMULATOR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(EMULATOR));
        if !bin.is_file() {
            eprintln!(
                "skipped: Firestore emulator not installed at {}",
                bin.display()
            );
            return None;
        }
        let port = free_port();
        let log = std::env::temp_dir().join(format!(
            "vdt-health-emulator-{}-{port}.log",
            std::process::id()
        ));
        let child = {
            use std::os::unix::process::CommandExt;
            Command::new(&bin)
                .args(["start", "--host=127.0.0.1", &format!("--port={port}")])
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(&log).expect("emulator log"))
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .expect("spawn the Firestore emulator")
        };
        let pgid = child.id();
        let emu = Emulator {
            port,
            pgid,
            child: Some(child),
            log,
        };
        // java on a loaded two-core machine can take a while.
        let deadline = Instant::now() + Duration::from_secs(180);
        while !http_answers(port) {
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(&emu.log).unwrap_or_default();
                panic!("the Firestore emulator did not start; log:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Some(emu)
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kill the whole process group (script and java) and reap the script. java goes first,
    /// so the script reaps it (an orphaned java would stay a zombie where PID 1 does not reap).
    pub fn stop(&mut self) {
        let Some(mut c) = self.child.take() else {
            return;
        };
        assert!(
            self.pgid > 1,
            "refusing to signal process group {}",
            self.pgid
        );
        let _ = Command::new("pkill")
            .args(["-KILL", "-P", &self.pgid.to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while c.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        // `--` is required: procps-ng 4's kill reads `kill -KILL -<pgid>` as kill(-1, …),
        // which signals every process the user owns.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.pgid)])
            .stderr(Stdio::null())
            .status();
        let _ = c.wait();
    }

    /// Whether the group is gone within `timeout` (SIGKILL on a many-threaded java takes a
    /// moment to finish).
    pub fn group_gone_within(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.group_alive() {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        true
    }

    /// Whether any process of the emulator's group is still alive (zombies waiting for their
    /// reaper do not count: they hold no port and no memory).
    pub fn group_alive(&self) -> bool {
        let out = Command::new("ps")
            .args(["-e", "-o", "pgid=,stat="])
            .output()
            .expect("ps");
        String::from_utf8_lossy(&out.stdout).lines().any(|l| {
            let mut f = l.split_whitespace();
            f.next() == Some(&self.pgid.to_string())
                && f.next().is_some_and(|s| !s.starts_with('Z'))
        })
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn http_answers(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 12];
    s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.")
}

// ---- fixed-status HTTP server ----------------------------------------------------------------

/// Answers every request with `status` and a Google-style error body: a proxy in front of
/// Firestore that rejects the credentials.
pub struct FixedStatus {
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FixedStatus {
    pub fn start(status: u16) -> FixedStatus {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut s, _)) => {
                        let _ = s.set_nonblocking(false);
                        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                        read_request(&mut s);
                        let body = format!(
                            "{{\"error\":{{\"code\":{status},\"message\":\"Missing or insufficient permissions.\",\"status\":\"PERMISSION_DENIED\"}}}}"
                        );
                        let _ = write!(
                            s,
                            "HTTP/1.1 {status} Rejected\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        );
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        FixedStatus {
            port,
            stop,
            thread: Some(thread),
        }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// Read headers and a content-length body, so the client sees its request consumed.
fn read_request(s: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(n) = s.read(&mut chunk) else { return };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            let mut have = buf.len() - end - 4;
            while have < len {
                let Ok(n) = s.read(&mut chunk) else { return };
                if n == 0 {
                    return;
                }
                have += n;
            }
            return;
        }
    }
}

impl Drop for FixedStatus {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ---- SMTP ------------------------------------------------------------------------------------

/// `python3 -m aiosmtpd -n -l 127.0.0.1:PORT`.
pub struct Smtp {
    pub port: u16,
    child: Option<Child>,
}

impl Smtp {
    /// `None` (after saying "skipped") when aiosmtpd is not importable.
    pub fn start() -> Option<Smtp> {
        let python = ["/usr/bin/python3", "python3"].into_iter().find(|p| {
            Command::new(p)
                .args(["-c", "import aiosmtpd"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
        let Some(python) = python else {
            eprintln!("skipped: python3 aiosmtpd not installed");
            return None;
        };
        let port = free_port();
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn aiosmtpd");
        let smtp = Smtp {
            port,
            child: Some(child),
        };
        wait_until("aiosmtpd", Duration::from_secs(20), || {
            let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
                return false;
            };
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let mut b = [0u8; 3];
            s.read_exact(&mut b).is_ok() && &b == b"220"
        });
        Some(smtp)
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.stop();
    }
}
