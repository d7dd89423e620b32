//! Load generator for `scripts/soak.sh`: signed LangWatch-style trace deliveries to a
//! `vdt` webhook source over keep-alive connections, plus connections stalled mid-headers.
//!
//!   soak_load max  ADDR SOURCE HEADER SECRET SECONDS CONNS
//!       closed loop, as fast as the receiver answers; prints one JSON line with req/s.
//!   soak_load rate ADDR SOURCE HEADER SECRET SECONDS CONNS RATE STALLED REPORT_SECS
//!       open loop at RATE deliveries/s (latency counted from each request's scheduled time,
//!       so a stall is not hidden), STALLED connections held mid-headers the whole time (each
//!       reopened when the server drops it), one JSON line per REPORT_SECS and a total.
//!
//! Every delivery has its own trace id; about one in ten is a failed trace, so alerts have
//! something to evaluate. Bounded in time; talks only to ADDR (a loopback address).

// A command-line tool: its JSON lines on stdout are its output.
#![allow(clippy::print_stdout)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vdt::webhooks::schemes::{Scheme, parse_secret, sign};

struct Target {
    addr: String,
    source: String,
    header: String,
    secret: String,
}

struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    fn open(addr: &str) -> std::io::Result<Conn> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Conn {
            reader: BufReader::new(s.try_clone()?),
            writer: s,
        })
    }

    /// One request on the kept-alive connection; the status code.
    fn post(&mut self, head: &[u8], body: &[u8]) -> std::io::Result<u16> {
        self.writer.write_all(head)?;
        self.writer.write_all(body)?;
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut len = 0usize;
        let mut close = false;
        loop {
            let mut h = String::new();
            if self.reader.read_line(&mut h)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let lower = h.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
            if lower.starts_with("connection:") && lower.contains("close") {
                close = true;
            }
        }
        let mut sink = vec![0u8; len];
        self.reader.read_exact(&mut sink)?;
        if close {
            return Err(std::io::Error::other(format!("closed after {status}")));
        }
        Ok(status)
    }
}

fn request(t: &Target, n: u64, worker: usize) -> (Vec<u8>, Vec<u8>) {
    let id = format!("soak-{}-{worker}-{n}", std::process::id());
    let now = chrono::Utc::now().timestamp_millis();
    let model = ["gemini-1.5-pro", "gemini-1.5-flash"][(n % 2) as usize];
    let body = serde_json::json!({
        "type": "trace.completed", "id": format!("evt-{id}"),
        "data": {"trace": {"id": id, "name": "meeting_processing",
            "status": if n.is_multiple_of(10) { "failed" } else { "completed" },
            "model": model,
            "startTime": now - 1500, "endTime": now, "duration": 1200 + n % 700,
            "inputTokens": 1200, "outputTokens": 300, "cost": 0.0042,
            "metadata": {"project": "vertigo"}}}
    })
    .to_string()
    .into_bytes();
    let scheme = Scheme::HmacSha256 {
        header: t.header.clone(),
    };
    let key = parse_secret(&scheme, &t.secret).expect("secret");
    let mut head = format!(
        "POST /hooks/{} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        t.source,
        t.addr,
        body.len()
    );
    for (k, v) in sign(&scheme, &key, None, 0, &body) {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    (head.into_bytes(), body)
}

#[derive(Default)]
struct Stats {
    lat_us: Vec<u64>,
    ok: u64,
    errors: u64,
}

fn pct(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn summary(stats: &mut Stats, secs: f64) -> serde_json::Value {
    stats.lat_us.sort_unstable();
    serde_json::json!({
        "requests": stats.lat_us.len(), "ok": stats.ok, "errors": stats.errors,
        "rps": (stats.ok as f64 / secs * 10.0).round() / 10.0,
        "p50_ms": pct(&stats.lat_us, 0.50), "p99_ms": pct(&stats.lat_us, 0.99),
        "max_ms": pct(&stats.lat_us, 1.0),
    })
}

/// Holds `n` connections that sent half a header block; reopens any the server closes.
fn stall(
    addr: String,
    n: usize,
    stop: Arc<AtomicBool>,
    open: Arc<AtomicU64>,
    reopened: Arc<AtomicU64>,
) {
    let partial = format!("POST /hooks/stalled HTTP/1.1\r\nHost: {addr}\r\nContent-Le");
    let mut conns: Vec<Option<TcpStream>> = (0..n).map(|_| None).collect();
    while !stop.load(Ordering::SeqCst) {
        let mut alive = 0;
        for slot in conns.iter_mut() {
            let dead = match slot {
                Some(s) => {
                    let mut b = [0u8; 1];
                    // Non-blocking peek: 0 bytes means the server closed it.
                    s.set_nonblocking(true).ok();
                    let gone = matches!(s.peek(&mut b), Ok(0))
                        || matches!(s.peek(&mut b), Err(ref e) if e.kind() != std::io::ErrorKind::WouldBlock);
                    s.set_nonblocking(false).ok();
                    gone
                }
                None => true,
            };
            if dead {
                if slot.is_some() {
                    reopened.fetch_add(1, Ordering::Relaxed);
                }
                *slot = TcpStream::connect(&addr)
                    .and_then(|mut s| s.write_all(partial.as_bytes()).map(|()| s))
                    .ok();
            }
            alive += usize::from(slot.is_some());
        }
        open.store(alive as u64, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: soak_load max|rate ADDR SOURCE HEADER SECRET SECONDS CONNS [RATE STALLED REPORT_SECS]";
    if args.len() < 8 {
        eprintln!("{usage}");
        std::process::exit(2);
    }
    let mode = args[1].clone();
    let t = Arc::new(Target {
        addr: args[2].clone(),
        source: args[3].clone(),
        header: args[4].clone(),
        secret: args[5].clone(),
    });
    let seconds: f64 = args[6].parse().expect("SECONDS");
    let conns: usize = args[7].parse().expect("CONNS");
    let (rate, stalled, report): (f64, usize, f64) = if mode == "rate" {
        (
            args[8].parse().expect("RATE"),
            args[9].parse().expect("STALLED"),
            args[10].parse().expect("REPORT_SECS"),
        )
    } else {
        (0.0, 0, seconds)
    };
    let stop = Arc::new(AtomicBool::new(false));
    let stalled_open = Arc::new(AtomicU64::new(0));
    let stalled_reopened = Arc::new(AtomicU64::new(0));
    let staller = (stalled > 0).then(|| {
        let (a, s, o, r) = (
            t.addr.clone(),
            stop.clone(),
            stalled_open.clone(),
            stalled_reopened.clone(),
        );
        std::thread::spawn(move || stall(a, stalled, s, o, r))
    });
    if stalled > 0 {
        // Let the stalled connections pile up before measuring.
        let deadline = Instant::now() + Duration::from_secs(20);
        while (stalled_open.load(Ordering::SeqCst) as usize) < stalled && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let interval = Arc::new(Mutex::new(Stats::default()));
    let total = Arc::new(Mutex::new(Stats::default()));
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(seconds);
    let workers: Vec<_> = (0..conns)
        .map(|w| {
            let (t, interval, total) = (t.clone(), interval.clone(), total.clone());
            std::thread::spawn(move || {
                let per = if rate > 0.0 {
                    Some(Duration::from_secs_f64(conns as f64 / rate))
                } else {
                    None
                };
                let mut next =
                    start + per.map_or(Duration::ZERO, |p| p.mul_f64(w as f64 / conns as f64));
                let mut conn: Option<Conn> = None;
                let mut n = 0u64;
                while Instant::now() < end {
                    if per.is_some() {
                        let now = Instant::now();
                        if next > now {
                            std::thread::sleep(next - now);
                        }
                    }
                    let scheduled = if per.is_some() { next } else { Instant::now() };
                    n += 1;
                    let (head, body) = request(&t, n, w);
                    if conn.is_none() {
                        conn = Conn::open(&t.addr).ok();
                    }
                    let ok = match conn.as_mut().map(|c| c.post(&head, &body)) {
                        Some(Ok(s)) => (200..300).contains(&s),
                        _ => {
                            conn = None;
                            false
                        }
                    };
                    let lat = scheduled.elapsed().as_micros() as u64;
                    for s in [&interval, &total] {
                        let mut s = s.lock().unwrap();
                        s.lat_us.push(lat);
                        if ok { s.ok += 1 } else { s.errors += 1 }
                    }
                    if let Some(p) = per {
                        next += p;
                    }
                }
            })
        })
        .collect();
    if mode == "rate" {
        let mut last = Instant::now();
        while Instant::now() < end {
            std::thread::sleep(Duration::from_millis(200));
            if last.elapsed().as_secs_f64() >= report {
                let mut s = std::mem::take(&mut *interval.lock().unwrap());
                let mut line = summary(&mut s, last.elapsed().as_secs_f64());
                line["t_s"] = serde_json::json!(start.elapsed().as_secs());
                line["stalled_open"] = serde_json::json!(stalled_open.load(Ordering::SeqCst));
                line["stalled_reopened"] =
                    serde_json::json!(stalled_reopened.load(Ordering::SeqCst));
                println!("{line}");
                last = Instant::now();
            }
        }
    }
    for w in workers {
        w.join().unwrap();
    }
    stop.store(true, Ordering::SeqCst);
    if let Some(s) = staller {
        s.join().unwrap();
    }
    let mut s = std::mem::take(&mut *total.lock().unwrap());
    let mut line = summary(&mut s, start.elapsed().as_secs_f64());
    line["total"] = serde_json::json!(true);
    line["target_rps"] = serde_json::json!(rate);
    line["stalled_open"] = serde_json::json!(stalled_open.load(Ordering::SeqCst));
    line["stalled_reopened"] = serde_json::json!(stalled_reopened.load(Ordering::SeqCst));
    println!("{line}");
}
