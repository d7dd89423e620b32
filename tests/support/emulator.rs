//! The official Firestore emulator for tests: started on a free port in its own process
//! group, ready when it answers HTTP, and killed — java included — when its owner drops it
//! or, for the shared instance, when the test binary exits.
//!
//! Use: `let Some(emu) = emulator::shared() else { return };` then point the client at
//! `emu.host()` with a project id from [`unique_project`], so tests sharing the emulator
//! never see each other's data.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Where the Google Cloud SDK puts the emulator; `VDT_FIRESTORE_EMULATOR` overrides it.
pub const DEFAULT_EMULATOR: &str =
    "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud_firestore_emulator";

/// How long java gets to start on a loaded two-core machine.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);

/// A running emulator.
pub struct Emulator {
    host: String,
    pgid: u32,
    log: PathBuf,
    child: Mutex<Child>,
}

/// The emulator binary, if installed.
pub fn binary() -> Option<PathBuf> {
    let path = std::env::var_os("VDT_FIRESTORE_EMULATOR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_EMULATOR));
    path.is_file().then_some(path)
}

/// The one emulator of this test binary, started on first use. `None` (after printing
/// "skipped: …") when the emulator is not installed: the caller returns early.
pub fn shared() -> Option<&'static Emulator> {
    static SHARED: OnceLock<Option<Emulator>> = OnceLock::new();
    let emu = SHARED
        .get_or_init(|| binary().and_then(|_| start()))
        .as_ref();
    if emu.is_none() {
        skip_notice();
    }
    emu
}

/// A private emulator, killed when dropped. `None` when not installed.
pub fn start() -> Option<Emulator> {
    let Some(bin) = binary() else {
        skip_notice();
        return None;
    };
    let port = free_port();
    let log = std::env::temp_dir().join(format!(
        "vdt-firestore-emulator-{}-{port}.log",
        std::process::id()
    ));
    // The wrapper shell leads a new process group holding the emulator script and its
    // java. It polls its parent (the test binary) and kills the whole group once the
    // parent is gone, so even a static that is never dropped, or a test binary killed
    // by a signal, leaves no java behind.
    let script = r#"
        "$1" start --host=127.0.0.1 --port="$2" >"$3" 2>&1 </dev/null &
        while kill -0 "$PPID" 2>/dev/null; do sleep 1; done
        kill -KILL 0
    "#;
    let child = {
        use std::os::unix::process::CommandExt;
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("vdt-emulator-watch")
            .arg(&bin)
            .arg(port.to_string())
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("spawn the Firestore emulator wrapper")
    };
    let emu = Emulator {
        host: format!("127.0.0.1:{port}"),
        pgid: child.id(),
        log,
        child: Mutex::new(child),
    };
    emu.wait_ready();
    Some(emu)
}

impl Emulator {
    /// `127.0.0.1:PORT`, the form of `FIRESTORE_EMULATOR_HOST` and `firestore.emulator_host`.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.host)
    }

    /// Process group id of the emulator (wrapper, script and java).
    pub fn pgid(&self) -> u32 {
        self.pgid
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.lock().unwrap().try_wait().ok().flatten() {
                panic!(
                    "the Firestore emulator wrapper exited ({status}); log {}:\n{}",
                    self.log.display(),
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            if http_ok(&self.host) {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        self.kill();
        panic!(
            "the Firestore emulator did not answer on {} within {STARTUP_TIMEOUT:?}; log:\n{log}",
            self.host
        );
    }

    fn kill(&self) {
        // Negative pid: the whole process group. `kill(1)` keeps this crate free of
        // unsafe code.
        let _ = Command::new("kill")
            // `-s KILL -- -PGID`: procps-ng's kill reads a bare `-KILL -PGID` as "every
            // process" (kill(-1)); the explicit form signals only the group.
            .args(["-s", "KILL", "--", &format!("-{}", self.pgid)])
            .stderr(Stdio::null())
            .status();
        if let Ok(mut child) = self.child.lock() {
            let _ = child.wait();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A project id no other test in this binary uses, so tests can share one emulator.
pub fn unique_project(tag: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let tag: String = tag
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("t-{tag}-{}-{n}", std::process::id())
}

fn skip_notice() {
    eprintln!("skipped: firestore emulator not installed");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port")
}

fn http_ok(host: &str) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(
        &host.parse().expect("socket address"),
        Duration::from_secs(1),
    ) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(format!("GET / HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 64];
    matches!(s.read(&mut buf), Ok(n) if n > 12 && buf[..n].starts_with(b"HTTP/1.") && &buf[9..12] == b"200")
}
