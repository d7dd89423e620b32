//! `/metrics`: Prometheus text exposition (format 0.0.4), written by hand.
//!
//! Why not the `prometheus-client` crate: most series here are read from SQLite at scrape time
//! (sync runs, webhook deliveries, firing alerts) or from other modules' counters, so they
//! would all be custom collectors anyway; what is left — one counter family and one
//! histogram over a fixed route table — is a few atomics. The writer below escapes label
//! values and formats floats as the text format asks, and a test parses every line.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the request latency histogram.
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Upper bounds (seconds) of the sync duration histogram.
pub const SYNC_BUCKETS: [f64; 10] = crate::store::api::SYNC_DURATION_BUCKETS_SECS;

struct Histogram {
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    count: AtomicU64,
    /// Sum in nanoseconds, so it can be an integer atomic.
    sum_ns: AtomicU64,
}

impl Histogram {
    fn new() -> Self {
        Histogram {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
        }
    }
}

/// Methods and status codes counted with one atomic each; others go to a map.
const METHODS: [&str; 4] = ["GET", "HEAD", "POST", "PATCH"];
const CODES: [u16; 14] = [
    200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 413, 415, 500, 503,
];

/// Per-route request counts and latencies of this process.
pub struct HttpMetrics {
    routes: Vec<&'static str>,
    latency: Vec<Histogram>,
    /// Per route: [method][code] counters for the common pairs (no lock on the hot path).
    common: Vec<[[AtomicU64; CODES.len()]; METHODS.len()]>,
    /// (route index, method, status code) → count, for the rest.
    requests: Mutex<BTreeMap<(usize, &'static str, u16), u64>>,
}

impl HttpMetrics {
    /// `routes`: the route label of each index; the caller passes indexes to [`record`].
    pub fn new(routes: Vec<&'static str>) -> Self {
        HttpMetrics {
            latency: routes.iter().map(|_| Histogram::new()).collect(),
            common: routes
                .iter()
                .map(|_| std::array::from_fn(|_| std::array::from_fn(|_| AtomicU64::new(0))))
                .collect(),
            routes,
            requests: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn record(&self, route: usize, method: &'static str, code: u16, took: Duration) {
        let Some(h) = self.latency.get(route) else {
            return;
        };
        let secs = took.as_secs_f64();
        // Buckets are stored non-cumulative and summed when written.
        if let Some(i) = LATENCY_BUCKETS.iter().position(|b| secs <= *b) {
            h.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        h.count.fetch_add(1, Ordering::Relaxed);
        h.sum_ns.fetch_add(
            u64::try_from(took.as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        let m = METHODS.iter().position(|x| *x == method);
        let c = CODES.iter().position(|x| *x == code);
        if let (Some(m), Some(c)) = (m, c) {
            self.common[route][m][c].fetch_add(1, Ordering::Relaxed);
            return;
        }
        let mut map = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry((route, method, code)).or_insert(0) += 1;
    }

    pub fn write(&self, w: &mut Writer) {
        w.family(
            "vdt_http_requests_total",
            "counter",
            "HTTP requests answered by the API, by route template, method and status code.",
        );
        let mut counts = self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        for (route, table) in self.common.iter().enumerate() {
            for (m, row) in table.iter().enumerate() {
                for (c, n) in row.iter().enumerate() {
                    let n = n.load(Ordering::Relaxed);
                    if n > 0 {
                        counts.insert((route, METHODS[m], CODES[c]), n);
                    }
                }
            }
        }
        for ((route, method, code), n) in counts {
            w.sample(
                "vdt_http_requests_total",
                &[
                    ("route", self.routes[route]),
                    ("method", method),
                    ("code", &code.to_string()),
                ],
                n as f64,
            );
        }
        w.family(
            "vdt_http_request_duration_seconds",
            "histogram",
            "Time from a request's arrival at a worker to its response written, by route.",
        );
        for (route, h) in self.routes.iter().zip(&self.latency) {
            let count = h.count.load(Ordering::Relaxed);
            if count == 0 {
                continue;
            }
            let mut cumulative = 0u64;
            for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
                cumulative += h.buckets[i].load(Ordering::Relaxed);
                w.sample(
                    "vdt_http_request_duration_seconds_bucket",
                    &[("route", route), ("le", &fmt_float(*bound))],
                    cumulative as f64,
                );
            }
            w.sample(
                "vdt_http_request_duration_seconds_bucket",
                &[("route", route), ("le", "+Inf")],
                count as f64,
            );
            w.sample(
                "vdt_http_request_duration_seconds_sum",
                &[("route", route)],
                h.sum_ns.load(Ordering::Relaxed) as f64 / 1e9,
            );
            w.sample(
                "vdt_http_request_duration_seconds_count",
                &[("route", route)],
                count as f64,
            );
        }
    }
}

/// A float as the text format writes it.
pub fn fmt_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

fn escape_label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Accumulates the exposition text.
#[derive(Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    pub fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
    }

    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape_label(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", fmt_float(value));
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_histograms_cumulative() {
        let m = HttpMetrics::new(vec!["/a", "/b"]);
        m.record(0, "GET", 200, Duration::from_micros(300));
        m.record(0, "GET", 200, Duration::from_millis(30));
        let mut w = Writer::default();
        m.write(&mut w);
        w.sample("x", &[("l", "a\"b\\c\nd")], 1.5);
        let text = w.finish();
        assert!(
            text.contains("vdt_http_requests_total{route=\"/a\",method=\"GET\",code=\"200\"} 2\n")
        );
        assert!(
            text.contains(
                "vdt_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.0005\"} 1\n"
            )
        );
        assert!(
            text.contains("vdt_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.05\"} 2\n")
        );
        assert!(
            text.contains("vdt_http_request_duration_seconds_bucket{route=\"/a\",le=\"+Inf\"} 2\n")
        );
        assert!(!text.contains("route=\"/b\""));
        assert!(text.contains("x{l=\"a\\\"b\\\\c\\nd\"} 1.5\n"));
    }
}
