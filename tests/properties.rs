//! Property tests for every parser that takes outside input, driven through the library's
//! public API: each webhook signature header and the Standard Webhooks secret, Firestore value
//! decoding and the trace fields built from it, config values (durations, sizes, CIDRs, booleans,
//! environment overrides, whole TOML files), API query strings, cursors and bearer tokens.
//! Each parser never panics on arbitrary input, and round-trips where a round trip exists.
//! The in-crate properties (src/net.rs, src/firestore/value.rs, src/webhooks/schemes/tests.rs)
//! cover the rest; the same parsers are fuzzed by the targets under fuzz/.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use proptest::prelude::*;
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::Duration;
use vdt::api::params::{Query, decode_cursor, encode_cursor, is_duration_syntax, percent_decode};
use vdt::api::{Grant, Tokens};
use vdt::firestore::{decode_fields, decode_value};
use vdt::net::{IpNet, format_duration, parse_duration, parse_size};
use vdt::webhooks::schemes::{Reject, Scheme, parse_secret, sign, verify};

// ---- helpers ---------------------------------------------------------------------------------

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A header lookup over a list, case-insensitive, as the receiver does it.
fn lookup(headers: Vec<(String, String)>) -> impl Fn(&str) -> Option<String> {
    move |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
}

fn set(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    headers.push((name.to_owned(), value));
}

fn all_schemes() -> Vec<Scheme> {
    vec![
        Scheme::Standard,
        Scheme::Github,
        Scheme::Stripe,
        Scheme::Slack,
        Scheme::Shopify,
        Scheme::HmacSha256 {
            header: "X-LangWatch-Signature".into(),
        },
    ]
}

fn scheme() -> impl Strategy<Value = Scheme> {
    prop::sample::select(all_schemes())
}

const STANDARD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TEXT_SECRET: &str = "prop-secret-9f2";

fn secret_text(s: &Scheme) -> &'static str {
    if *s == Scheme::Standard {
        STANDARD_SECRET
    } else {
        TEXT_SECRET
    }
}

/// Header values as attackers write them: anything, or near misses of the real syntax.
fn hostile_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,200}",
        "(v1,|v0=|sha256=|SHA256=|t=|v1=|,| |=)*[A-Za-z0-9+/=]{0,90}",
        "t=[0-9]{0,25}(,v1=[0-9a-fA-F]{0,70}){0,4}",
        "[0-9]{0,40}",
        Just(String::new()),
        Just("v1,".to_owned()),
        Just("sha256=".to_owned()),
        Just("t=,v1=".to_owned()),
    ]
}

const NOW: i64 = 1_764_237_600;

// ---- webhook signature headers -------------------------------------------------------------

proptest! {
    /// Every header a scheme reads, replaced one at a time by hostile text in an otherwise
    /// valid delivery: never a panic, and never accepted unless the value is the signed one.
    #[test]
    fn each_signature_header_survives_hostile_values(
        s in scheme(),
        which in 0usize..3,
        value in hostile_value(),
        body in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let secret = parse_secret(&s, secret_text(&s)).unwrap();
        let mut headers = sign(&s, &secret, Some("evt_1"), NOW, &body);
        let names: Vec<String> = headers.iter().map(|(k, _)| k.clone()).collect();
        let name = names[which % names.len()].clone();
        let original = lookup(headers.clone())(&name).unwrap();
        set(&mut headers, &name, value.clone());
        let got = verify(&s, &secret, &lookup(headers), &body, NOW, 300);
        if value.trim() != original {
            let id_header = s.id_header().is_some_and(|h| h.eq_ignore_ascii_case(&name))
                && s != Scheme::Standard;
            if !id_header {
                prop_assert!(got.is_err(), "{name}: {value:?} accepted");
            }
        }
    }

    /// A missing header is refused by name, never accepted, for every header of every scheme.
    #[test]
    fn a_missing_signature_or_timestamp_header_is_refused(s in scheme(), body in ".{0,40}") {
        let secret = parse_secret(&s, secret_text(&s)).unwrap();
        let headers = sign(&s, &secret, None, NOW, body.as_bytes());
        for (name, _) in &headers {
            let fewer: Vec<_> = headers.iter().filter(|(k, _)| k != name).cloned().collect();
            let got = verify(&s, &secret, &lookup(fewer), body.as_bytes(), NOW, 300);
            if s.id_header().is_some_and(|h| h == name) && s != Scheme::Standard {
                prop_assert!(got.is_ok());
            } else {
                prop_assert!(matches!(got, Err(Reject::MissingHeader(_))), "{name}: {got:?}");
            }
        }
    }

    /// Standard Webhooks: any listed `v1,` signature may match (key rotation), in any
    /// position among junk entries; no list without the right one matches.
    #[test]
    fn standard_signature_lists_match_on_any_valid_entry(
        junk in prop::collection::vec("(v1|v2|v1a),[A-Za-z0-9+/]{0,44}={0,2}", 0..5),
        at in any::<prop::sample::Index>(),
        id in "[A-Za-z0-9_.-]{1,60}",
        ts in 0i64..4_102_444_800,
        body in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let secret = parse_secret(&Scheme::Standard, STANDARD_SECRET).unwrap();
        let headers = sign(&Scheme::Standard, &secret, Some(&id), ts, &body);
        let good = lookup(headers.clone())("webhook-signature").unwrap();
        let mut entries = junk.clone();
        entries.insert(at.index(junk.len() + 1), good);
        let mut h = headers.clone();
        set(&mut h, "webhook-signature", entries.join(" "));
        let ok = verify(&Scheme::Standard, &secret, &lookup(h), &body, ts, 0).unwrap();
        prop_assert_eq!(ok.delivery_id.as_deref(), Some(id.as_str()));
        prop_assert_eq!(ok.timestamp, Some(ts));
        let mut without = headers;
        set(&mut without, "webhook-signature", junk.join(" "));
        prop_assert!(verify(&Scheme::Standard, &secret, &lookup(without), &body, ts, 0).is_err());
    }

    /// Standard Webhooks: the signature is base64(HMAC-SHA256(key, "{id}.{ts}.{body}")),
    /// checked against an independent HMAC; a truncated or re-padded one never matches.
    #[test]
    fn standard_signatures_are_the_published_construction(
        key in prop::collection::vec(any::<u8>(), 1..64),
        id in "[A-Za-z0-9_]{1,40}",
        ts in 0i64..4_102_444_800,
        body in prop::collection::vec(any::<u8>(), 0..300),
        cut in 1usize..44,
    ) {
        let secret = parse_secret(&Scheme::Standard, &format!("whsec_{}", STANDARD.encode(&key))).unwrap();
        let headers = sign(&Scheme::Standard, &secret, Some(&id), ts, &body);
        let expected = STANDARD.encode(hmac(&key, &[id.as_bytes(), b".", ts.to_string().as_bytes(), b".", &body]));
        prop_assert_eq!(lookup(headers.clone())("webhook-signature").unwrap(), format!("v1,{expected}"));
        let mut h = headers;
        set(&mut h, "webhook-signature", format!("v1,{}", &expected[..expected.len() - cut]));
        prop_assert_eq!(verify(&Scheme::Standard, &secret, &lookup(h), &body, ts, 0), Err(Reject::BadSignature));
    }

    /// Stripe: extra items of other versions and stale `v1=` entries, in any order, do not
    /// stop the right `v1=` from matching; a second `t=` is refused as malformed.
    #[test]
    fn stripe_headers_with_extra_items_round_trip(
        extra in prop::collection::vec("(v0|v1|foo|)=[0-9a-f]{0,64}", 0..5),
        ts in 0i64..4_102_444_800,
        body in prop::collection::vec(any::<u8>(), 0..200),
        seed in any::<u64>(),
    ) {
        let secret = parse_secret(&Scheme::Stripe, TEXT_SECRET).unwrap();
        let sig = hex(&hmac(TEXT_SECRET.as_bytes(), &[ts.to_string().as_bytes(), b".", &body]));
        let mut items = extra.clone();
        items.push(format!("v1={sig}"));
        items.push(format!("t={ts}"));
        // A deterministic shuffle from the seed.
        let n = items.len();
        for i in (1..n).rev() {
            items.swap(i, (seed as usize).wrapping_mul(31).wrapping_add(i * 7) % (i + 1));
        }
        let h = vec![("Stripe-Signature".to_owned(), items.join(","))];
        let ok = verify(&Scheme::Stripe, &secret, &lookup(h), &body, ts, 0).unwrap();
        prop_assert_eq!(ok.timestamp, Some(ts));
        let twice = vec![("Stripe-Signature".to_owned(), format!("t={ts},{},t={ts}", items.join(",")))];
        prop_assert!(matches!(
            verify(&Scheme::Stripe, &secret, &lookup(twice), &body, ts, 0),
            Err(Reject::Malformed(_))
        ));
    }

    /// The hex schemes take either case of hex; hmac-sha256's `sha256=` prefix is optional and
    /// case-insensitive, GitHub's and Slack's prefixes are exact.
    #[test]
    fn hex_digests_match_in_either_case(
        body in prop::collection::vec(any::<u8>(), 0..200),
        ts in 0i64..4_102_444_800,
        prefix in prop::sample::select(vec!["", "sha256=", "SHA256=", "Sha256="]),
    ) {
        let digest = hex(&hmac(TEXT_SECRET.as_bytes(), &[&body]));
        let lw = Scheme::HmacSha256 { header: "X-LangWatch-Signature".into() };
        let secret = parse_secret(&lw, TEXT_SECRET).unwrap();
        for d in [digest.clone(), digest.to_ascii_uppercase()] {
            let h = vec![("x-langwatch-signature".to_owned(), format!("  {prefix}{d} "))];
            prop_assert!(verify(&lw, &secret, &lookup(h), &body, NOW, 0).is_ok());
            let gh = vec![("X-Hub-Signature-256".to_owned(), format!("sha256={d}"))];
            prop_assert!(verify(&Scheme::Github, &secret, &lookup(gh), &body, NOW, 0).is_ok());
            let gh_upper = vec![("X-Hub-Signature-256".to_owned(), format!("SHA256={d}"))];
            prop_assert!(verify(&Scheme::Github, &secret, &lookup(gh_upper), &body, NOW, 0).is_err());
        }
        let slack = hex(&hmac(TEXT_SECRET.as_bytes(), &[b"v0:", ts.to_string().as_bytes(), b":", &body]));
        let h = vec![
            ("X-Slack-Signature".to_owned(), format!("v0={}", slack.to_ascii_uppercase())),
            ("X-Slack-Request-Timestamp".to_owned(), ts.to_string()),
        ];
        prop_assert!(verify(&Scheme::Slack, &secret, &lookup(h), &body, ts, 0).is_ok());
    }

    /// Shopify's base64 must be exactly the canonical form: a dropped character, even
    /// padding, never matches.
    #[test]
    fn shopify_accepts_only_canonical_base64(
        body in prop::collection::vec(any::<u8>(), 0..200),
        drop in 0usize..44,
    ) {
        let secret = parse_secret(&Scheme::Shopify, TEXT_SECRET).unwrap();
        let mac = hmac(TEXT_SECRET.as_bytes(), &[&body]);
        let good = STANDARD.encode(&mac);
        let h = vec![("X-Shopify-Hmac-Sha256".to_owned(), good.clone())];
        prop_assert!(verify(&Scheme::Shopify, &secret, &lookup(h), &body, NOW, 0).is_ok());
        let mut cut = good.clone();
        cut.remove(drop);
        let h = vec![("X-Shopify-Hmac-Sha256".to_owned(), cut)];
        prop_assert_eq!(verify(&Scheme::Shopify, &secret, &lookup(h), &body, NOW, 0), Err(Reject::BadSignature));
        let h = vec![("X-Shopify-Hmac-Sha256".to_owned(), STANDARD_NO_PAD.encode(&mac))];
        prop_assert_eq!(verify(&Scheme::Shopify, &secret, &lookup(h), &body, NOW, 0), Err(Reject::BadSignature));
    }

    /// Timestamps: inside the tolerance accepted, outside refused with the skew's sign; any
    /// clock and tolerance, however extreme, never panics.
    #[test]
    fn tolerance_is_symmetric_and_total(
        s in prop::sample::select(vec![Scheme::Standard, Scheme::Stripe, Scheme::Slack]),
        ts in 0i64..4_102_444_800,
        skew in -100_000i64..100_000,
        tolerance in 0i64..50_000,
        wild_now in any::<i64>(),
        wild_tolerance in any::<i64>(),
    ) {
        let secret = parse_secret(&s, secret_text(&s)).unwrap();
        let headers = sign(&s, &secret, Some("evt"), ts, b"{}");
        let got = verify(&s, &secret, &lookup(headers.clone()), b"{}", ts + skew, tolerance);
        if skew.abs() <= tolerance {
            prop_assert!(got.is_ok(), "{got:?}");
        } else {
            prop_assert_eq!(got, Err(Reject::TimestampOutOfTolerance { skew_secs: skew }));
        }
        let _ = verify(&s, &secret, &lookup(headers), b"{}", wild_now, wild_tolerance);
    }
}

// ---- the Standard Webhooks secret ------------------------------------------------------------

proptest! {
    /// Any configured string: an error or a key, never a panic, and the error never repeats
    /// the secret.
    #[test]
    fn secrets_parse_totally_without_echoing(s in scheme(), raw in prop_oneof![
        any::<String>(),
        "whsec_[A-Za-z0-9+/=_-]{0,60}",
        "whsec_.{0,40}",
        " {0,3}whsec_[A-Za-z0-9+/]{8,40}={0,3} {0,3}",
    ]) {
        match parse_secret(&s, &raw) {
            Ok(_) => prop_assert!(!raw.trim().is_empty()),
            Err(e) => {
                let msg = e.to_string();
                if raw.len() >= 8 {
                    prop_assert!(!msg.contains(&raw), "{msg:?} echoes the secret");
                }
            }
        }
    }

    /// `whsec_` + base64 of any key, padded or not, decodes to that key: a delivery signed
    /// with the key by an independent HMAC verifies.
    #[test]
    fn standard_secret_round_trips(
        key in prop::collection::vec(any::<u8>(), 1..100),
        padded in any::<bool>(),
        body in prop::collection::vec(any::<u8>(), 0..100),
    ) {
        let b64 = if padded { STANDARD.encode(&key) } else { STANDARD_NO_PAD.encode(&key) };
        let secret = parse_secret(&Scheme::Standard, &format!("whsec_{b64}")).unwrap();
        let sig = STANDARD.encode(hmac(&key, &[b"msg_1.", NOW.to_string().as_bytes(), b".", &body]));
        let h = vec![
            ("webhook-id".to_owned(), "msg_1".to_owned()),
            ("webhook-timestamp".to_owned(), NOW.to_string()),
            ("webhook-signature".to_owned(), format!("v1,{sig}")),
        ];
        prop_assert!(verify(&Scheme::Standard, &secret, &lookup(h), &body, NOW, 0).is_ok());
        // Without the prefix it is not a Standard Webhooks secret.
        prop_assert!(parse_secret(&Scheme::Standard, &b64).is_err());
    }

    /// The other schemes sign with the configured string's bytes as they are.
    #[test]
    fn text_secrets_are_used_as_written(raw in "[!-~][ -~]{0,60}", body in ".{0,80}") {
        let secret = parse_secret(&Scheme::Github, &raw).unwrap();
        let h = vec![("X-Hub-Signature-256".to_owned(),
            format!("sha256={}", hex(&hmac(raw.as_bytes(), &[body.as_bytes()]))))];
        prop_assert!(verify(&Scheme::Github, &secret, &lookup(h), body.as_bytes(), NOW, 0).is_ok());
    }

    /// Scheme names and hmac-sha256 header names from config: an error or a scheme, and a
    /// parsed scheme reports the name it was parsed from.
    #[test]
    fn scheme_names_parse_totally(name in prop_oneof![
        any::<String>(),
        prop::sample::select(Scheme::NAMES.to_vec()).prop_map(str::to_owned),
    ], header in proptest::option::of(prop_oneof![any::<String>(), "[A-Za-z0-9-]{1,30}"])) {
        if let Ok(s) = Scheme::parse(&name, header.as_deref()) {
            prop_assert_eq!(s.name(), name.as_str());
            prop_assert_eq!(header.is_some(), name == "hmac-sha256");
        }
    }
}

// ---- Firestore values and the trace rows built from them ---------------------------------

fn wire_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<String>().prop_map(Value::String),
        "-?[0-9]{0,25}(\\.[0-9]{0,5})?(e[+-]?[0-9]{1,4})?".prop_map(Value::String),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,12})?(Z|[+-][0-9]{2}:[0-9]{2})?"
            .prop_map(Value::String),
    ];
    let keys = prop_oneof![
        prop::sample::select(vec![
            "nullValue",
            "booleanValue",
            "integerValue",
            "doubleValue",
            "timestampValue",
            "stringValue",
            "bytesValue",
            "referenceValue",
            "geoPointValue",
            "mapValue",
            "arrayValue",
            "fields",
            "values",
            "latitude",
            "longitude",
            "seconds",
            "nanos",
            "_seconds",
            "_nanoseconds",
            "trace_id",
            "id",
            "startTime",
            "start_time",
            "endTime",
            "end_time",
            "updated_at",
            "duration",
            "inputTokens",
            "cost",
            "tags",
            "metadata",
            "project",
            "status",
            "timestampValue",
        ])
        .prop_map(str::to_owned),
        ".{0,8}",
    ];
    leaf.prop_recursive(5, 80, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    /// Any JSON text a server could send: decoding never panics, as a value or as a document's
    /// fields, and nothing but plain JSON comes out.
    #[test]
    fn firestore_decoding_is_total(v in wire_json()) {
        let out = decode_value(&v);
        prop_assert!(serde_json::to_string(&out).is_ok());
        if let Value::Object(m) = &v {
            let _ = decode_fields(m);
        }
    }

    /// integerValue is exact over all of i64, whether sent as a string or a number.
    #[test]
    fn integer_values_are_exact(n in any::<i64>()) {
        prop_assert_eq!(decode_value(&json!({"integerValue": n.to_string()})), json!(n));
        prop_assert_eq!(decode_value(&json!({"integerValue": n})), json!(n));
    }

    /// doubleValue: finite numbers come back bit for bit (through JSON text), the
    /// non-finite ones as DESIGN's strings.
    #[test]
    fn double_values_round_trip(f in any::<f64>()) {
        let wire: Value = serde_json::from_str(&json!({"doubleValue": if f.is_finite() { json!(f) } else { json!(null) }}).to_string()).unwrap();
        if f.is_finite() {
            prop_assert_eq!(decode_value(&wire).as_f64().map(f64::to_bits), Some(f.to_bits()));
        }
        for (s, want) in [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity")] {
            prop_assert_eq!(decode_value(&json!({"doubleValue": s})), json!(want));
        }
    }

    /// timestampValue in any offset and precision decodes to the same instant in UTC (`Z`),
    /// keeping the sent precision.
    #[test]
    fn timestamps_keep_their_instant(
        secs in -62_135_510_400i64..253_402_214_399,
        nanos in 0u32..1_000_000_000,
        offset_min in -1439i32..1439,
        digits in 0usize..=9,
    ) {
        use chrono::{FixedOffset, TimeZone, Timelike};
        let scale = 10u32.pow(9 - digits as u32);
        let nanos = nanos / scale * scale;
        let utc = chrono::Utc.timestamp_opt(secs, nanos).unwrap();
        let local = utc.with_timezone(&FixedOffset::east_opt(offset_min * 60).unwrap());
        let mut text = local.format("%Y-%m-%dT%H:%M:%S").to_string();
        if digits > 0 {
            text.push_str(&format!(".{:0digits$}", local.nanosecond() / scale));
        }
        text.push_str(&local.format("%:z").to_string());
        let out = decode_value(&json!({"timestampValue": text}));
        let back = chrono::DateTime::parse_from_rfc3339(out.as_str().unwrap()).unwrap();
        prop_assert_eq!(back, utc);
        prop_assert!(out.as_str().unwrap().ends_with('Z'));
    }

    /// A trace built from any object (a webhook's `data.trace` or a decoded document) never
    /// panics, and its time fields are valid RFC 3339 whenever present.
    #[test]
    fn trace_rows_from_any_object(v in wire_json(), received in any::<i64>()) {
        if let Value::Object(m) = &v
            && let Some(row) = vdt::traces::from_object(m, Some("fallback"), "webhook:x", received)
        {
            for t in [&row.start_time, &row.end_time].into_iter().flatten() {
                prop_assert!(chrono::DateTime::parse_from_rfc3339(t).is_ok(), "{t}");
            }
            prop_assert!(chrono::DateTime::parse_from_rfc3339(&row.updated_at).is_ok());
        }
        let _ = vdt::traces::parse_time_ms(&v);
    }

    /// The three time forms agree on every millisecond chrono can write.
    #[test]
    fn time_forms_round_trip(ms in -8_000_000_000_000i64..8_000_000_000_000) {
        let text = vdt::traces::ms_to_rfc3339(ms).unwrap();
        prop_assert_eq!(vdt::traces::parse_time_ms(&json!(text)), Some(ms));
        prop_assert_eq!(vdt::traces::parse_time_ms(&json!(ms)), Some(ms));
        let (secs, nanos) = (ms.div_euclid(1000), ms.rem_euclid(1000) * 1_000_000);
        prop_assert_eq!(vdt::traces::parse_time_ms(&json!({"seconds": secs, "nanos": nanos})), Some(ms));
    }

    /// Extreme Firestore-style timestamp objects: no overflow panic, and no wrapped time.
    #[test]
    fn extreme_timestamp_objects_do_not_overflow(secs in any::<i64>(), nanos in any::<i64>()) {
        let got = vdt::traces::parse_time_ms(&json!({"seconds": secs, "nanos": nanos}));
        let exact = i128::from(secs) * 1000 + i128::from(nanos / 1_000_000);
        match got {
            Some(ms) => prop_assert_eq!(i128::from(ms), exact, "wrapped"),
            None => prop_assert!(i64::try_from(exact).is_err()),
        }
    }
}

// ---- config values -----------------------------------------------------------------------------

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

proptest! {
    /// Durations as config and the API write them: the canonical form round-trips, every
    /// string either parses or is an error naming it.
    #[test]
    fn durations_parse_totally_and_round_trip(s in prop_oneof![
        any::<String>(),
        "[0-9]{0,22}(d|h|m|s|ms|us|µs|ns|x|){0,4}[0-9]{0,22}",
    ], secs in 0u64..10_000_000_000, nanos in 0u32..1_000_000_000) {
        if let Err(e) = parse_duration(&s) {
            prop_assert!(e.contains("invalid duration"), "{e}");
        }
        let d = Duration::new(secs, nanos);
        prop_assert_eq!(parse_duration(&format_duration(d)), Ok(d));
    }

    /// Sizes: every unit, either case, with a fraction; the parsed number of bytes is the
    /// written amount rounded down.
    #[test]
    fn sizes_parse_their_units(
        whole in 0u64..100_000,
        frac in proptest::option::of("[0-9]{1,3}"),
        unit in prop::sample::select(vec![
            ("", 1u64), ("B", 1), ("kb", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000),
            ("KiB", 1 << 10), ("mib", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
        ]),
        space in any::<bool>(),
        junk in any::<String>(),
    ) {
        let text = format!("{whole}{}{}{}", frac.as_deref().map(|f| format!(".{f}")).unwrap_or_default(),
            if space && !unit.0.is_empty() { " " } else { "" }, unit.0);
        let f = frac.as_deref().unwrap_or("0");
        let scale = 10u128.pow(f.len() as u32);
        let want = (u128::from(whole) * scale + f.parse::<u128>().unwrap()) * u128::from(unit.1) / scale;
        prop_assert_eq!(parse_size(&text).map(u128::from), Ok(want), "{}", text);
        let _ = parse_size(&junk);
    }

    /// CIDRs: any text is a network or an error naming it; the canonical form round-trips;
    /// a written `addr/prefix` is that network with host bits cleared.
    #[test]
    fn cidrs_parse_totally_and_round_trip(
        junk in prop_oneof![any::<String>(), "[0-9a-fA-F:.]{0,45}(/[0-9]{0,4})?"],
        a in any::<u32>(), p in 0u8..=32,
        b in any::<u128>(), q in 0u8..=128,
    ) {
        match junk.parse::<IpNet>() {
            Ok(n) => prop_assert_eq!(n.to_string().parse::<IpNet>(), Ok(n)),
            Err(e) => prop_assert!(e.to_string().contains("invalid network")),
        }
        let v4 = std::net::Ipv4Addr::from_bits(a);
        let n: IpNet = format!("{v4}/{p}").parse().unwrap();
        prop_assert_eq!(n, IpNet::new(v4.into(), p).unwrap());
        prop_assert!(n.contains(v4.into()));
        let v6 = std::net::Ipv6Addr::from_bits(b);
        let n: IpNet = format!("{v6}/{q}").parse().unwrap();
        prop_assert_eq!(n.to_string().parse::<IpNet>(), Ok(n));
        prop_assert!(n.contains(v6.into()));
    }

    /// Whole config files: any text is a config or a config error, never a panic; a duration,
    /// size or CIDR key holding any string is the same.
    #[test]
    fn config_files_parse_totally(
        text in prop_oneof![any::<String>(), "(\\[[a-z.]{1,20}\\]\n)?([a-z_]{1,15} = (\"[^\"\n]{0,10}\"|[0-9]{1,5}|true|\\[\\])\n){0,5}"],
        value in any::<String>(),
        int in any::<i64>(),
    ) {
        let _ = vdt::config::parse_str(&text, "prop");
        // The file path adds line hints from the parser's byte spans.
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), &text).unwrap();
        if let Err(e) = vdt::config::load(file.path(), true, &vdt::config::Env::new()) {
            prop_assert_eq!(e.exit_code(), 78, "{}", e);
        }
        let v = toml_str(&value);
        for doc in [
            format!("[sync]\ndefault_frequency = {v}"),
            format!("[sync]\ndefault_frequency = {int}"),
            format!("[webhooks]\nmax_body = {v}"),
            format!("[webhooks]\nmax_body = {int}"),
            format!("[webhooks]\nread_timeout = {v}"),
            format!("[webhooks]\ntrusted_proxies = [{v}]"),
            format!("[redis]\ndefault_ttl = {v}"),
            format!("[retention]\nwebhook_logs = {v}"),
            format!("[api]\nbind = {v}"),
            format!("[[webhooks.sources]]\nname = \"s\"\nscheme = \"github\"\nsecret = \"x\"\nallow_ips = [{v}]\ntolerance = {v}"),
        ] {
            if let Err(e) = vdt::config::parse_str(&doc, "prop") {
                prop_assert_eq!(e.exit_code(), 78, "{}", e);
            }
        }
    }

    /// A size or duration written back by `config show` reads as the same value.
    #[test]
    fn config_sizes_and_durations_round_trip(n in 1u64..=u64::MAX, secs in 1u64..1_000_000_000, ms in 0u64..1000) {
        let size = toml::Value::try_from(vdt::config::Size(n)).unwrap();
        let cfg = vdt::config::parse_str(&format!("[webhooks]\nmax_body = {size}"), "prop").unwrap();
        prop_assert_eq!(cfg.webhooks.max_body.0, n);
        let d = vdt::config::Dur(Duration::from_secs(secs) + Duration::from_millis(ms));
        let cfg = vdt::config::parse_str(&format!("[sync]\ndefault_frequency = {}", toml_str(&d.to_string())), "prop").unwrap();
        prop_assert_eq!(cfg.sync.default_frequency, d);
    }

    /// Environment overrides (`VDT_A__B=…`, feature flags): any name and value is a config
    /// or a config error, never a panic.
    #[test]
    fn environment_overrides_parse_totally(
        key in prop_oneof![
            prop::sample::select(vec![
                "VDT_SYNC__DEFAULT_FREQUENCY", "VDT_WEBHOOKS__MAX_BODY", "VDT_REDIS__URL",
                "VDT_WEBHOOKS__TRUSTED_PROXIES", "VDT_API__BIND", "VDT_SYNC__CONCURRENCY",
                "VDT_ALERTS__SMTP__PORT", "LIVE_DATA_ENABLED", "REAL_TIME_ALERTS", "VDT___",
                "VDT_SYNC____X", "VDT_STORE__SYNCHRONOUS__DEEP",
            ]).prop_map(str::to_owned),
            "VDT_[A-Z_]{0,30}",
        ],
        value in prop_oneof![any::<String>(), "[\\[{].{0,20}", "[0-9.e+-]{1,12}", "(true|false|1|0|yes|no|on|off)"],
    ) {
        let mut env = vdt::config::Env::new();
        env.insert(key.clone(), value.clone());
        if let Err(e) = vdt::config::load(std::path::Path::new("/nonexistent/vdt.toml"), false, &env) {
            prop_assert_eq!(e.exit_code(), 78, "{}={:?}: {}", key, value, e);
        }
        if let Some(b) = vdt::config::parse_bool(&value) {
            prop_assert_eq!(vdt::config::parse_bool(&b.to_string()), Some(b));
        }
    }
}

// ---- API query strings, cursors, tokens -----------------------------------------------------

/// Percent-encodes every byte that is not unreserved, and some that are, at random.
fn encode(s: &str, all: bool) -> String {
    s.bytes()
        .map(|b| {
            if !all && (b.is_ascii_alphanumeric() || b"-._~".contains(&b)) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

const ALLOWED: [&str; 7] = [
    "window", "model", "project", "kind", "limit", "cursor", "state",
];

proptest! {
    /// Any query string: a query or a 400 naming the parameter, never a panic; the typed
    /// readers are total too.
    #[test]
    fn query_strings_parse_totally(raw in prop_oneof![
        any::<String>(),
        "([a-z%0-9]{0,8}(=[^&]{0,20})?&?){0,6}",
        "(window|limit|cursor|state|model)=(%[0-9a-fA-F]{0,2}|[^&]){0,30}(&(window|limit|cursor|state|model)=.{0,10}){0,3}",
    ]) {
        match Query::parse(&raw, &ALLOWED) {
            Ok(q) => {
                let _ = q.duration("window", Duration::from_secs(60), Duration::from_secs(90 * 86_400), Duration::from_secs(3600));
                let _ = q.int("limit", 1..=500, 100);
                let _ = q.cursor("cursor");
                let _ = q.choice("state", &["firing", "pending", "resolved", "all"], "firing");
                let _ = q.text("model");
            }
            Err(p) => {
                prop_assert_eq!(p.status, 400);
                prop_assert!(p.param.is_some(), "{:?}", p);
            }
        }
        let _ = percent_decode(&raw);
    }

    /// Any UTF-8 value without control characters, percent-encoded in full or in part,
    /// decodes to itself.
    #[test]
    fn percent_encoding_round_trips(v in "[^\\p{Cc}]{0,100}", all in any::<bool>()) {
        let q = Query::parse(&format!("model={}", encode(&v, all)), &ALLOWED).unwrap();
        prop_assert_eq!(q.get("model"), Some(v.as_str()));
        prop_assert_eq!(percent_decode(&encode(&v, all)), Some(v));
    }

    /// Invalid escapes and non-UTF-8 are refused, naming the parameter.
    #[test]
    fn invalid_percent_encoding_is_refused(bad in prop_oneof![
        "%[g-zG-Z][0-9a-f]", "%[0-9a-f]?", "%[89a-fA-F][0-9a-fA-F]", "%[cC][0-9]%[cC][0-9]",
    ], prefix in "[a-z]{0,5}") {
        let e = Query::parse(&format!("model={prefix}{bad}"), &ALLOWED).unwrap_err();
        prop_assert_eq!(e.param.as_deref(), Some("model"));
    }

    /// Cursors round-trip for every id a page can end on; any other text is refused or is the
    /// canonical spelling of one id (no two texts name the same page).
    #[test]
    fn cursors_round_trip_and_are_canonical(id in 1i64..=i64::MAX, text in prop_oneof![
        any::<String>(), "[A-Za-z0-9_-]{0,30}", "[A-Za-z0-9+/=]{0,30}",
    ]) {
        prop_assert_eq!(decode_cursor(&encode_cursor(id)), Some(id));
        if let Some(n) = decode_cursor(&text) {
            prop_assert_eq!(encode_cursor(n), text);
        }
        prop_assert!(decode_cursor(&encode_cursor(-id)).is_none());
    }

    /// The API's duration syntax agrees with the config parser: whatever it admits parses
    /// (or is too large), and a window out of range is a 400, never a panic.
    #[test]
    fn api_durations_agree_with_the_parser(v in prop_oneof![any::<String>(), "([0-9]{1,12}(ms|d|h|m|s|us|x)){1,4}"]) {
        if is_duration_syntax(&v)
            && let Err(e) = parse_duration(&v)
        {
            prop_assert!(e.contains("too large"), "{v}: {e}");
        }
        if let Ok(q) = Query::parse(&format!("window={}", encode(&v, false)), &ALLOWED) {
            let _ = q.duration("window", Duration::from_secs(60), Duration::from_secs(90 * 86_400), Duration::from_secs(3600));
        }
    }

    /// `Authorization` headers: any value is a grant or a 401, and only the configured
    /// tokens grant anything.
    #[test]
    fn bearer_tokens_check_totally(header in prop_oneof![
        any::<String>(), "(Bearer|bearer|BEARER|Basic|Token)? {0,3}[ -~]{0,40}",
    ], admin in "[!-~]{1,40}", read in "[!-~]{1,40}") {
        prop_assume!(admin != read);
        let t = Tokens::new(Some(&admin), Some(&read));
        match t.check(Some(&header)) {
            Ok(g) => {
                let token = header.split_once(' ').unwrap().1.trim();
                prop_assert_eq!(token, if g == Grant::Admin { admin.as_str() } else { read.as_str() });
            }
            Err(p) => prop_assert_eq!(p.status, 401),
        }
        prop_assert_eq!(t.check(Some(&format!("Bearer {admin}"))).unwrap(), Grant::Admin);
        prop_assert_eq!(t.check(Some(&format!("bearer  {read} "))).unwrap(), Grant::Read);
    }
}
