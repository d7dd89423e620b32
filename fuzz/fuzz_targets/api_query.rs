//! The API's query strings, cursors and `Authorization` headers: a value or a 4xx problem
//! naming what is wrong, never a panic; cursors are canonical.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::time::Duration;
use vdt::api::Tokens;
use vdt::api::params::{Query, decode_cursor, encode_cursor, is_duration_syntax, percent_decode};

const ALLOWED: [&str; 9] = [
    "window", "model", "project", "kind", "source", "status", "limit", "cursor", "state",
];

fuzz_target!(|raw: &str| {
    match Query::parse(raw, &ALLOWED) {
        Ok(q) => {
            let _ = q.duration(
                "window",
                Duration::from_secs(60),
                Duration::from_secs(90 * 86_400),
                Duration::from_secs(3600),
            );
            let _ = q.int("limit", 1..=500, 100);
            let _ = q.cursor("cursor");
            let _ = q.choice("kind", &["webhook", "sync"], "webhook");
            let _ = q.text("model");
        }
        Err(p) => {
            assert_eq!(p.status, 400);
            assert!(p.param.is_some());
        }
    }
    let _ = percent_decode(raw);
    if let Some(n) = decode_cursor(raw) {
        assert_eq!(encode_cursor(n), raw);
    }
    if is_duration_syntax(raw) {
        if let Err(e) = vdt::net::parse_duration(raw) {
            assert!(e.contains("too large"));
        }
    }
    let t = Tokens::new(Some("admin-token"), Some("read-token"));
    let _ = t.check(Some(raw));
});
